package standard

import (
	"fmt"

	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/wasm"
)

// FrameStates converts the native frames to engine-neutral ones. With
// strict set, a reference that cannot be expressed is an error.
func (m *machine) FrameStates(strict bool) ([]snapshot.Frame, error) {
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
			types = types[:len(types)-snapshot.PassedOperands(m.Mod, in)]
		}
		opBase := fr.base + fr.fn.numLocals
		// Below a nested call (made by a host function), the host call's
		// arguments are still on the stack under the callee's frame.
		if k < m.depth-1 && m.InHost > 0 && opBase+len(types) <= end {
			end = opBase + len(types)
		}
		if end-opBase != len(types) {
			return nil, fmt.Errorf("standard: internal error: frame %d (%s) at offset 0x%x holds %d operands, the analysis says %d",
				k, f.DisplayName(), in.Offset, end-opBase, len(types))
		}
		sf, err := m.ExportFrame(k, fr.fn.index, pc, types, strict,
			func(i int, _ wasm.ValType) (uint64, uint64) { s := m.stack[fr.base+i]; return s.lo, s.hi },
			func(i int, _ wasm.ValType) (uint64, uint64) { s := m.stack[opBase+i]; return s.lo, s.hi })
		if err != nil {
			return nil, err
		}
		out = append(out, sf)
	}
	return out, nil
}

// importSlot converts a snapshot value back to a slot.
func (m *machine) importSlot(v snapshot.Value) slot {
	lo, hi := m.ImportValue(v)
	return slot{lo: lo, hi: hi}
}

// RestoreFrames rebuilds the value stack and the frames bottom up.
func (m *machine) RestoreFrames(s *snapshot.Snapshot) error {
	need := 0
	for _, fr := range s.Frames {
		fn := m.funcs[fr.Func]
		need += fn.numLocals + fn.maxHeight
	}
	if need > len(m.stack) && !m.growStack(need) {
		return fmt.Errorf("the frames need %d stack slots, more than the limit %d", need, maxStackSlots)
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
			m.stack[sp] = m.importSlot(v)
			sp++
		}
		for _, v := range fr.Stack {
			m.stack[sp] = m.importSlot(v)
			sp++
		}
	}
	m.depth, m.sp, m.pc, m.base = len(s.Frames), sp, 0, 0
	if m.depth > 0 {
		top := &m.frames[m.depth-1]
		m.pc, m.base = top.pc, top.base
		m.code = m.active[top.fn.index]
		if m.startFn == nil || m.startFn != m.frames[0].fn {
			m.startFn = m.frames[0].fn
		}
	}
	m.cbase = int64(s.Counter) - int64(m.pc)
	return nil
}
