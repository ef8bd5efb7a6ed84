package fast

import (
	"bytes"
	"fmt"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/wasm"
)

var zeroPage [snapshot.PageSize]byte

// Frames returns the typed call stack, bottom first. Function references
// to other instances that have no index in this module are shown as their
// raw encoding.
func (m *machine) Frames() []snapshot.Frame {
	frames, _ := m.frameStates(false)
	return frames
}

// stackMaps say, for every Wasm instruction boundary of a function, which
// operands are not in their home cell: entries[start[i]:start[i+1]] for
// instruction i, each giving the operand's position on the stack and
// whether it aliases a local or a constant of the pool. Every other
// operand is in its home, whose cell follows from the operand types
// (wasm.Func.StackTypes): homeBase plus the cells of the operands below.
type stackMaps struct {
	start   []uint32
	entries []mapEntry
}

type mapEntry struct {
	pos  uint32 // operand index, bottom = 0
	kind uint8  // inLocal or inConst
	idx  uint32 // local index, or pool cell (frame-relative)
}

// stackMap returns the function's stack maps, built on first use by
// replaying the translation (it is deterministic, so the maps describe
// both variants).
func (fn *function) stackMap() *stackMaps {
	fn.mapsOnce.Do(func() {
		if err := fn.translated(); err != nil {
			panic(err) // only functions on a machine's stack have maps
		}
		t, err := fn.prog.translate(fn, false, true, nil)
		if err != nil {
			panic(err) // compiled once already: cannot fail
		}
		fn.maps = t.maps
	})
	return fn.maps
}

// operandCells returns the frame-relative cell of each operand before
// instruction i, given their types.
func (fn *function) operandCells(i int, types []wasm.ValType) []int {
	out := make([]int, len(types))
	c := fn.homeBase
	for k, t := range types {
		out[k] = c
		c += cells(t)
	}
	sm := fn.stackMap()
	for _, e := range sm.entries[sm.start[i]:sm.start[i+1]] {
		if int(e.pos) >= len(out) {
			continue
		}
		switch e.kind {
		case inLocal:
			out[e.pos] = int(fn.localOff[e.idx])
		case inConst:
			out[e.pos] = int(e.idx)
		}
	}
	return out
}

// operandKinds returns where each operand lives (inHome, inLocal, inConst).
func (fn *function) operandKinds(i int, n int) []uint8 {
	out := make([]uint8, n)
	sm := fn.stackMap()
	for _, e := range sm.entries[sm.start[i]:sm.start[i+1]] {
		if int(e.pos) < n {
			out[e.pos] = e.kind
		}
	}
	return out
}

// frameStates converts the native frames to engine-neutral ones.
func (m *machine) frameStates(strict bool) ([]snapshot.Frame, error) {
	out := make([]snapshot.Frame, 0, m.depth)
	for k := 0; k < m.depth; k++ {
		fr := &m.frames[k]
		fn := fr.fn
		f := fn.def
		wi := m.wi
		if k < m.depth-1 {
			wi = fr.callWi()
		}
		in := &f.Instrs[wi]
		types := f.StackTypes(wi)
		locs := fn.operandCells(wi, types)
		if k < m.depth-1 {
			n := len(types) - snapshot.PassedOperands(m.mod, in)
			types, locs = types[:n], locs[:n]
		}
		base := int(fr.base)
		sf := snapshot.Frame{Func: fn.index, PC: in.Offset}
		sf.Locals = make([]snapshot.Value, f.NumLocals())
		for i := range sf.Locals {
			t := f.LocalType(uint32(i))
			v, err := m.exportValue(t, m.cellValue(t, base+int(fn.localOff[i])), strict)
			if err != nil {
				return nil, fmt.Errorf("frame %d (%s) local %d: %w", k, f.DisplayName(), i, err)
			}
			sf.Locals[i] = v
		}
		sf.Stack = make([]snapshot.Value, len(types))
		for i, t := range types {
			v, err := m.exportValue(t, m.cellValue(t, base+locs[i]), strict)
			if err != nil {
				return nil, fmt.Errorf("frame %d (%s) operand %d: %w", k, f.DisplayName(), i, err)
			}
			sf.Stack[i] = v
		}
		sf.Labels = snapshot.LabelsAt(f, wi)
		out = append(out, sf)
	}
	return out, nil
}

// restoreFrames rebuilds the frames of a checked snapshot. Operands that
// the stack map places in a local or a constant are not stored anywhere:
// the snapshot's value must equal the local's or the constant's (it does
// for any state a program can reach).
func (m *machine) restoreFrames(s *snapshot.Snapshot) error {
	type placed struct {
		fn   *function
		wi   int
		base int
	}
	fs := make([]placed, len(s.Frames))
	base := 0
	for k, fr := range s.Frames {
		fn := m.funcs[fr.Func]
		if err := fn.translated(); err != nil {
			return err
		}
		wi, _ := fn.def.InstrAt(fr.PC)
		fs[k] = placed{fn, wi, base}
		if k < len(s.Frames)-1 {
			types := fn.def.StackTypes(wi)
			n := len(types) - snapshot.PassedOperands(m.mod, &fn.def.Instrs[wi])
			c := fn.homeBase
			for _, t := range types[:n] {
				c += cells(t)
			}
			base += c
		}
		if base > maxStackCells {
			return fmt.Errorf("the frames need more than %d stack cells", maxStackCells)
		}
	}
	need := 0
	if len(fs) > 0 {
		last := fs[len(fs)-1]
		need = last.base + last.fn.frameCells
	}
	if !m.growStack(need) {
		return fmt.Errorf("the frames need %d stack cells, more than the limit %d", need, maxStackCells)
	}
	// Check the aliased operands before changing anything.
	for k, fr := range s.Frames {
		p := fs[k]
		types := p.fn.def.StackTypes(p.wi)
		kinds := p.fn.operandKinds(p.wi, len(types))
		locs := p.fn.operandCells(p.wi, types)
		for i, v := range fr.Stack {
			switch kinds[i] {
			case inLocal:
				var lv snapshot.Value
				for l := range fr.Locals {
					if int(p.fn.localOff[l]) == locs[i] {
						lv = fr.Locals[l]
					}
				}
				if lv != v {
					return fmt.Errorf("frame %d (%s) at offset 0x%x: operand %d is %v, but this engine holds it in a local whose value is %v",
						k, p.fn.def.DisplayName(), fr.PC, i, v, lv)
				}
			case inConst:
				c := locs[i] - p.fn.localCells
				want := uint64(p.fn.pool[c])
				if cells(v.Type) == 2 {
					want |= uint64(p.fn.pool[c+1]) << 32
				}
				if m.importValue(v) != want {
					return fmt.Errorf("frame %d (%s) at offset 0x%x: operand %d is %v, but the code has the constant 0x%x there",
						k, p.fn.def.DisplayName(), fr.PC, i, v, want)
				}
			}
		}
	}
	if len(m.frames) < len(s.Frames) {
		m.frames = append(m.frames, make([]frame, len(s.Frames)-len(m.frames))...)
	}
	for k, fr := range s.Frames {
		p := fs[k]
		fn := p.fn
		for l, v := range fr.Locals {
			m.setCell(v.Type, p.base+int(fn.localOff[l]), m.importValue(v))
		}
		copy(m.stack[p.base+fn.localCells:], fn.pool)
		types := fn.def.StackTypes(p.wi)
		kinds := fn.operandKinds(p.wi, len(types))
		locs := fn.operandCells(p.wi, types)
		for i, v := range fr.Stack {
			if kinds[i] == inHome {
				m.setCell(v.Type, p.base+locs[i], m.importValue(v))
			}
		}
		m.frames[k] = frame{fn: fn, base: int32(p.base)}
		if k < len(s.Frames)-1 {
			v := m.fastVariant(fn)
			ret := v.pos[p.wi+1]
			if ret < 0 {
				v = fn.preciseVariant()
				ret = v.pos[p.wi+1]
			}
			m.frames[k].code, m.frames[k].ret = v, ret
		}
	}
	m.depth = len(s.Frames)
	m.pendingHost, m.pendingArgs = false, nil
	m.pc, m.wi, m.base = 0, 0, 0
	if m.depth > 0 {
		top := fs[m.depth-1]
		m.wi, m.base = top.wi, top.base
		m.code = m.fastVariant(top.fn)
		if m.code.pos[m.wi] < 0 {
			m.code = top.fn.preciseVariant()
		}
		m.pc = int(m.code.pos[m.wi])
		m.startFn = fs[0].fn
	}
	m.run.precise = false
	m.active = m.fastActive
	m.cbase = int64(s.Counter) - int64(m.wi)
	return nil
}

// exportValue types a slot. Function references become function index+1
// of this module.
func (m *machine) exportValue(t wasm.ValType, bits uint64, strict bool) (snapshot.Value, error) {
	v := snapshot.Value{Type: t, Lo: bits}
	if t == wasm.FuncRef && bits != 0 {
		idx, ok := m.refIndex(bits)
		if !ok {
			if strict {
				return v, fmt.Errorf("cannot snapshot a reference to a function of another instance")
			}
			return v, nil
		}
		v.Lo = uint64(idx) + 1
	}
	return v, nil
}

// refIndex finds the function of this module's index space that a
// reference designates.
func (m *machine) refIndex(ref uint64) (uint32, bool) {
	inst, fn := engines.DecodeFuncRef(ref)
	if inst == m.id && int(fn) < len(m.funcs) && m.refs[fn] == ref {
		return fn, true
	}
	for i, r := range m.refs {
		if r == ref {
			return uint32(i), true
		}
	}
	return 0, false
}

// importValue converts a snapshot value back to stack bits.
func (m *machine) importValue(v snapshot.Value) uint64 {
	if v.Type == wasm.FuncRef && v.Lo != 0 {
		return m.refs[v.Lo-1]
	}
	return v.Lo
}

// Snapshot captures the state at the current instruction boundary.
func (m *machine) Snapshot() (*snapshot.Snapshot, error) {
	if m.inHost > 0 || m.nested > 0 {
		return nil, fmt.Errorf("fast: cannot snapshot during a host call or a nested call")
	}
	if m.pendingHost {
		return nil, fmt.Errorf("fast: cannot snapshot before a started host function has run")
	}
	s := &snapshot.Snapshot{
		Module:     m.mod.Bytes,
		ModuleHash: snapshot.HashModule(m.mod.Bytes),
		Counter:    m.Counter(),
	}
	frames, err := m.frameStates(true)
	if err != nil {
		return nil, fmt.Errorf("fast: snapshot: %w", err)
	}
	s.Frames = frames
	for i, g := range m.globals {
		v, err := m.exportValue(m.mod.Globals[i].Type, g.Lo, true)
		if err != nil {
			return nil, fmt.Errorf("fast: snapshot: global %d: %w", i, err)
		}
		s.Globals = append(s.Globals, v)
	}
	for _, mem := range m.memories {
		sm := snapshot.Memory{Size: mem.Pages(), Max: mem.TypeMax, HasMax: mem.HasMax}
		sm.Pages = make([][]byte, sm.Size)
		for p := range sm.Pages {
			page := mem.Data[p*snapshot.PageSize : (p+1)*snapshot.PageSize]
			if !bytes.Equal(page, zeroPage[:]) {
				sm.Pages[p] = bytes.Clone(page)
			}
		}
		s.Memories = append(s.Memories, sm)
	}
	for i, t := range m.tables {
		st := snapshot.Table{Type: t.Type, Max: t.Max, HasMax: t.HasMax, Elems: make([]snapshot.Value, len(t.Elems))}
		for k, e := range t.Elems {
			v, err := m.exportValue(t.Type, e, true)
			if err != nil {
				return nil, fmt.Errorf("fast: snapshot: table %d element %d: %w", i, k, err)
			}
			st.Elems[k] = v
		}
		s.Tables = append(s.Tables, st)
	}
	for i, d := range m.dropData {
		if d {
			s.DroppedData = append(s.DroppedData, uint32(i))
		}
	}
	for i, d := range m.dropElem {
		if d {
			s.DroppedElem = append(s.DroppedElem, uint32(i))
		}
	}
	return s, nil
}

// Restore replaces the machine's state with s, after checking that s is
// consistent with this module; a rejected snapshot changes nothing.
func (m *machine) Restore(s *snapshot.Snapshot) error {
	if m.inHost > 0 || m.nested > 0 {
		return fmt.Errorf("fast: cannot restore during a host call or a nested call")
	}
	if err := m.checkSnapshot(s); err != nil {
		return fmt.Errorf("fast: restore: %w", err)
	}

	if err := m.restoreFrames(s); err != nil {
		return fmt.Errorf("fast: restore: %w", err)
	}

	for i, v := range s.Globals {
		m.globals[i].Lo, m.globals[i].Hi = m.importValue(v), 0
	}
	for i, sm := range s.Memories {
		mem := m.memories[i]
		size := int(sm.Size) * snapshot.PageSize
		if cap(mem.Data) >= size {
			mem.Data = mem.Data[:size]
		} else {
			mem.Data = make([]byte, size)
		}
		for p, page := range sm.Pages {
			dst := mem.Data[p*snapshot.PageSize : (p+1)*snapshot.PageSize]
			if page == nil {
				clear(dst)
			} else {
				copy(dst, page)
			}
		}
	}
	m.reloadMemory()
	for i, st := range s.Tables {
		t := m.tables[i]
		t.Elems = t.Elems[:0]
		for _, v := range st.Elems {
			t.Elems = append(t.Elems, m.importValue(v))
		}
	}
	for i, seg := range m.mod.Datas {
		m.datas[i], m.dropData[i] = seg.Init, false
	}
	for _, d := range s.DroppedData {
		m.datas[d], m.dropData[d] = nil, true
	}
	for i, seg := range m.mod.Elems {
		refs := make([]uint64, len(seg.Items))
		for k, item := range seg.Items {
			refs[k] = m.evalConst(item)
		}
		m.elems[i], m.dropElem[i] = refs, false
	}
	for _, d := range s.DroppedElem {
		m.elems[d], m.dropElem[d] = nil, true
	}
	return nil
}

// checkSnapshot validates s against the module, the analysis and this
// instance's limits.
func (m *machine) checkSnapshot(s *snapshot.Snapshot) error {
	if err := s.CheckAgainst(m.mod); err != nil {
		return err
	}
	if len(s.Frames) > m.prog.opts.MaxCallDepth {
		return fmt.Errorf("%d frames exceed the call depth limit %d", len(s.Frames), m.prog.opts.MaxCallDepth)
	}
	for i, sm := range s.Memories {
		if mem := m.memories[i]; sm.Size > mem.Max {
			return fmt.Errorf("memory %d has %d pages, above its maximum %d", i, sm.Size, mem.Max)
		}
	}
	for i, st := range s.Tables {
		if t := m.tables[i]; t.HasMax && uint64(len(st.Elems)) > uint64(t.Max) {
			return fmt.Errorf("table %d has %d elements, above its maximum %d", i, len(st.Elems), t.Max)
		}
	}
	return nil
}
