package standard

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

// frameStates converts the native frames to engine-neutral ones. With
// strict set, a reference that cannot be expressed is an error.
func (m *machine) frameStates(strict bool) ([]snapshot.Frame, error) {
	out := make([]snapshot.Frame, 0, m.depth)
	for k := 0; k < m.depth; k++ {
		fr := &m.frames[k]
		f := fr.fn.def
		pc, end := m.pc, m.sp
		if k < m.depth-1 {
			pc, end = fr.pc, m.frames[k+1].base
		}
		in := &f.Instrs[pc]
		types := f.StackTypes(pc)
		if k < m.depth-1 {
			types = types[:len(types)-snapshot.PassedOperands(m.mod, in)]
		}
		opBase := fr.base + fr.fn.numLocals
		// Below a nested call (made by a host function), the host call's
		// arguments are still on the stack under the callee's frame.
		if k < m.depth-1 && m.inHost > 0 && opBase+len(types) <= end {
			end = opBase + len(types)
		}
		if end-opBase != len(types) {
			return nil, fmt.Errorf("standard: internal error: frame %d (%s) at offset 0x%x holds %d operands, the analysis says %d",
				k, f.DisplayName(), in.Offset, end-opBase, len(types))
		}
		sf := snapshot.Frame{Func: fr.fn.index, PC: in.Offset}
		sf.Locals = make([]snapshot.Value, fr.fn.numLocals)
		for i := range sf.Locals {
			v, err := m.exportValue(f.LocalType(uint32(i)), m.stack[fr.base+i], strict)
			if err != nil {
				return nil, fmt.Errorf("frame %d (%s) local %d: %w", k, f.DisplayName(), i, err)
			}
			sf.Locals[i] = v
		}
		sf.Stack = make([]snapshot.Value, len(types))
		for i, t := range types {
			v, err := m.exportValue(t, m.stack[opBase+i], strict)
			if err != nil {
				return nil, fmt.Errorf("frame %d (%s) operand %d: %w", k, f.DisplayName(), i, err)
			}
			sf.Stack[i] = v
		}
		sf.Labels = snapshot.LabelsAt(f, pc)
		out = append(out, sf)
	}
	return out, nil
}

// exportValue types a slot. Function references become function index+1
// of this module.
func (m *machine) exportValue(t wasm.ValType, s slot, strict bool) (snapshot.Value, error) {
	v := snapshot.Value{Type: t, Lo: s.lo, Hi: s.hi}
	if t == wasm.FuncRef && s.lo != 0 {
		idx, ok := m.refIndex(s.lo)
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

// importValue converts a snapshot value back to a slot.
func (m *machine) importValue(v snapshot.Value) slot {
	if v.Type == wasm.FuncRef && v.Lo != 0 {
		return slot{lo: m.refs[v.Lo-1]}
	}
	return slot{lo: v.Lo, hi: v.Hi}
}

// Snapshot captures the state at the current instruction boundary.
func (m *machine) Snapshot() (*snapshot.Snapshot, error) {
	if m.inHost > 0 || m.nested > 0 {
		return nil, fmt.Errorf("standard: cannot snapshot during a host call or a nested call")
	}
	if m.pendingHost {
		return nil, fmt.Errorf("standard: cannot snapshot before a started host function has run")
	}
	s := &snapshot.Snapshot{
		Module:     m.mod.Bytes,
		ModuleHash: snapshot.HashModule(m.mod.Bytes),
		Counter:    m.Counter(),
	}
	frames, err := m.frameStates(true)
	if err != nil {
		return nil, fmt.Errorf("standard: snapshot: %w", err)
	}
	s.Frames = frames
	for i, g := range m.globals {
		v, err := m.exportValue(m.mod.Globals[i].Type, slot{lo: g.Lo, hi: g.Hi}, true)
		if err != nil {
			return nil, fmt.Errorf("standard: snapshot: global %d: %w", i, err)
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
			v, err := m.exportValue(t.Type, slot{lo: e}, true)
			if err != nil {
				return nil, fmt.Errorf("standard: snapshot: table %d element %d: %w", i, k, err)
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
		return fmt.Errorf("standard: cannot restore during a host call or a nested call")
	}
	if err := m.checkSnapshot(s); err != nil {
		return fmt.Errorf("standard: restore: %w", err)
	}

	// Frames: rebuild the value stack bottom up.
	need := 0
	for _, fr := range s.Frames {
		fn := m.funcs[fr.Func]
		need += fn.numLocals + fn.maxHeight
	}
	if need > len(m.stack) && !m.growStack(need) {
		return fmt.Errorf("standard: restore: the frames need %d stack slots, more than the limit %d", need, maxStackSlots)
	}
	if len(m.frames) < len(s.Frames) {
		m.frames = append(m.frames, make([]frame, len(s.Frames)-len(m.frames))...)
	}
	sp := 0
	for k, fr := range s.Frames {
		fn := m.funcs[fr.Func]
		i, _ := fn.def.InstrAt(fr.PC)
		m.frames[k] = frame{fn: fn, pc: i, base: sp}
		for _, v := range fr.Locals {
			m.stack[sp] = m.importValue(v)
			sp++
		}
		for _, v := range fr.Stack {
			m.stack[sp] = m.importValue(v)
			sp++
		}
	}
	m.depth, m.sp, m.pc, m.base = len(s.Frames), sp, 0, 0
	m.pendingHost, m.pendingArgs = false, nil
	if m.depth > 0 {
		top := &m.frames[m.depth-1]
		m.pc, m.base = top.pc, top.base
		m.code = m.active[top.fn.index]
		if m.startFn == nil || m.startFn != m.frames[0].fn {
			m.startFn = m.frames[0].fn
		}
	}
	m.cbase = int64(s.Counter) - int64(m.pc)

	for i, v := range s.Globals {
		sl := m.importValue(v)
		m.globals[i].Lo, m.globals[i].Hi = sl.lo, sl.hi
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
			t.Elems = append(t.Elems, m.importValue(v).lo)
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
