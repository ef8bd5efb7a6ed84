package threaded

import (
	"fmt"
	"unsafe"

	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/wasm"
)

// framePosition is the Wasm instruction a frame stands at, and how many of
// the operands there are still its own: all of them for the top frame;
// for a frame at its call, those below the arguments.
func (m *machine) framePosition(k int) (wi, n int) {
	fr := &m.frames[k]
	if k == m.depth-1 {
		return m.wi, int(fr.fn.def.Info[m.wi].Height)
	}
	wi = int(fr.resume) - 1
	in := &fr.fn.def.Instrs[wi]
	return wi, int(fr.fn.def.Info[wi].Height) - snapshot.PassedOperands(m.Mod, in)
}

// operandBits reads an operand at location loc of frame k: a slot, or a
// register (the top frame's; below the top, operands left in a register
// at the call went home, slot home).
func (m *machine) operandBits(k int, loc int32, home int) uint64 {
	fr := &m.frames[k]
	switch {
	case loc >= 0:
		return m.stack[fr.base+int(loc)]
	case k < m.depth-1:
		return m.stack[fr.base+home]
	case loc == locR0:
		return m.r0
	default:
		return m.fp0
	}
}

// FrameStates converts the native frames to engine-neutral ones.
func (m *machine) FrameStates(strict bool) ([]snapshot.Frame, error) {
	out := make([]snapshot.Frame, 0, m.depth)
	for k := 0; k < m.depth; k++ {
		fr := &m.frames[k]
		fn := fr.fn
		d := fn.def
		wi, n := m.framePosition(k)
		types := d.StackTypes(wi)[:n]
		locs := fn.locations(wi, n)
		sf, err := m.ExportFrame(k, fn.index, wi, types, strict,
			func(i int, t wasm.ValType) (uint64, uint64) { return typedValue(t, m.stack[fr.base+i]), 0 },
			func(i int, t wasm.ValType) (uint64, uint64) {
				return typedValue(t, m.operandBits(k, locs[i], fn.tempBase+i)), 0
			})
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
		locs []int32
	}
	fs := make([]placed, len(s.Frames))
	base := 0
	for k, sf := range s.Frames {
		fn := m.funcs[sf.Func]
		if err := fn.translated(); err != nil {
			return err
		}
		wi, _ := fn.def.InstrAt(sf.PC)
		fs[k] = placed{fn, wi, base, fn.locations(wi, len(sf.Stack))}
		if k < len(s.Frames)-1 {
			base += fn.tempBase + len(sf.Stack)
		}
		if base > maxStackSlots {
			return fmt.Errorf("the frames need more than %d stack slots", maxStackSlots)
		}
	}
	// Check the operands held in locals and constants before changing
	// anything.
	for k, sf := range s.Frames {
		p := fs[k]
		for i, v := range sf.Stack {
			loc := p.locs[i]
			if loc < 0 || int(loc) >= p.fn.tempBase {
				continue
			}
			var want uint64
			what := "a local"
			if int(loc) < p.fn.numLocals {
				want = m.importValue(sf.Locals[loc])
			} else {
				want, what = p.fn.consts[int(loc)-p.fn.constBase], "a constant"
			}
			if got := m.importValue(v); typedValue(v.Type, want) != got {
				return fmt.Errorf("frame %d (%s) at offset 0x%x: operand %d is %v, but this engine holds it in %s whose value is 0x%x",
					k, p.fn.def.DisplayName(), sf.PC, i, v, what, want)
			}
		}
	}
	need := 0
	if len(fs) > 0 {
		last := fs[len(fs)-1]
		need = last.base + last.fn.frameSlots
	}
	if !m.growStack(need) {
		return fmt.Errorf("the frames need %d stack slots, more than the limit %d", need, maxStackSlots)
	}
	if len(m.frames) < len(s.Frames) {
		m.frames = append(m.frames, make([]frame, len(s.Frames)-len(m.frames))...)
	}
	m.r0, m.fp0 = 0, 0
	for k, sf := range s.Frames {
		p := fs[k]
		fn := p.fn
		for l, v := range sf.Locals {
			m.stack[p.base+l] = m.importValue(v)
		}
		copy(m.stack[p.base+fn.constBase:], fn.consts)
		top := k == len(s.Frames)-1
		for i, v := range sf.Stack {
			bits := m.importValue(v)
			switch loc := p.locs[i]; {
			case loc >= int32(fn.tempBase): // its home
				m.stack[p.base+int(loc)] = bits
			case loc >= 0: // a local or a constant, checked above
			case !top: // a register at the call, home since

				m.stack[p.base+fn.tempBase+i] = bits
			case loc == locR0:
				m.r0 = bits
			default:
				m.fp0 = bits
			}
		}
		m.frames[k] = frame{fn: fn, base: p.base}
		if !top {
			v := fn.fast
			if v.pos[p.wi+1] < 0 {
				v = fn.preciseVariant()
			}
			m.frames[k].v, m.frames[k].ret, m.frames[k].resume = v, &v.code[v.pos[p.wi+1]], int32(p.wi+1)
		}
		m.frames[k].fp = unsafe.Pointer(&m.stack[p.base])
	}
	m.depth = len(s.Frames)
	m.Pending = false
	m.wi, m.pos = 0, nil
	m.setFrame(0)
	if m.depth > 0 {
		top := fs[m.depth-1]
		m.wi = top.wi
		m.setFrame(top.base)
		m.v = top.fn.fast
		if m.v.pos[m.wi] < 0 {
			m.v = top.fn.preciseVariant()
		}
		m.pos = &m.v.code[m.v.pos[m.wi]]
		m.startFn = fs[0].fn
	}
	m.Current.Precise = false
	m.active = m.fastTab
	m.cbase = int64(s.Counter) - int64(m.wi)
	return nil
}

// importValue converts a snapshot value back to slot bits.
func (m *machine) importValue(v snapshot.Value) uint64 {
	lo, _ := m.ImportValue(v)
	return lo
}
