package fast

import (
	"fmt"

	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/wasm"
)

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

// FrameStates converts the native frames to engine-neutral ones.
func (m *machine) FrameStates(strict bool) ([]snapshot.Frame, error) {
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
			n := len(types) - snapshot.PassedOperands(m.Mod, in)
			types, locs = types[:n], locs[:n]
		}
		base := int(fr.base)
		sf, err := m.ExportFrame(k, fn.index, wi, types, strict,
			func(i int, t wasm.ValType) (uint64, uint64) { return m.cellValue(t, base+int(fn.localOff[i])), 0 },
			func(i int, t wasm.ValType) (uint64, uint64) { return m.cellValue(t, base+locs[i]), 0 })
		if err != nil {
			return nil, err
		}
		out = append(out, sf)
	}
	return out, nil
}

// RestoreFrames rebuilds the frames of a checked snapshot. Operands that
// the stack map places in a local or a constant are not stored anywhere:
// the snapshot's value must equal the local's or the constant's (it does
// for any state a program can reach).
func (m *machine) RestoreFrames(s *snapshot.Snapshot) error {
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
			n := len(types) - snapshot.PassedOperands(m.Mod, &fn.def.Instrs[wi])
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
	m.Current.Precise = false
	m.active = m.fastActive
	m.cbase = int64(s.Counter) - int64(m.wi)
	return nil
}

// importValue converts a snapshot value back to stack bits.
func (m *machine) importValue(v snapshot.Value) uint64 {
	lo, _ := m.ImportValue(v)
	return lo
}
