package standard

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/engines/numeric"
)

// slowOp executes the instructions that the dispatch loop leaves out:
// rare ones, and those that need function calls. m.pc and m.sp are the
// loop's; on a trap m.sp is left unchanged, so the machine stays before
// the trapping instruction.
//
//go:noinline
func (m *machine) slowOp(o *op) engines.Status {
	s, sp := m.stack, m.sp
	switch o.code {
	case opMemorySize:
		s[sp] = slot{lo: uint64(m.Memories[o.a].Pages())}
		m.sp++
		return engines.StRunning
	case opTableSize:
		s[sp] = slot{lo: uint64(len(m.Tables[o.a].Elems))}
		m.sp++
		return engines.StRunning
	case opDataDrop:
		m.Datas[o.a] = nil
		m.DropData[o.a] = true
		return engines.StRunning
	case opElemDrop:
		m.Elems[o.a] = nil
		m.DropElem[o.a] = true
		return engines.StRunning
	}
	top := &s[sp-1].lo
	f32 := func() float64 { return float64(math.Float32frombits(uint32(*top))) }
	f64 := func() float64 { return math.Float64frombits(*top) }
	truncate := func(v uint64, msg string) engines.Status {
		if msg != "" {
			return m.TrapWith(msg)
		}
		*top = v
		return engines.StRunning
	}
	switch o.code {
	case opI32Popcnt:
		*top = uint64(bits.OnesCount32(uint32(*top)))
	case opI64Popcnt:
		*top = uint64(bits.OnesCount64(*top))

	case opF32Min:
		s[sp-2].lo = uint64(numeric.Fmin32(uint32(s[sp-2].lo), uint32(*top)))
		m.sp--
	case opF32Max:
		s[sp-2].lo = uint64(numeric.Fmax32(uint32(s[sp-2].lo), uint32(*top)))
		m.sp--
	case opF64Min:
		s[sp-2].lo = numeric.Fmin64(s[sp-2].lo, *top)
		m.sp--
	case opF64Max:
		s[sp-2].lo = numeric.Fmax64(s[sp-2].lo, *top)
		m.sp--
	case opF32Ceil:
		*top = uint64(numeric.Round32(uint32(*top), math.Ceil))
	case opF32Floor:
		*top = uint64(numeric.Round32(uint32(*top), math.Floor))
	case opF32Trunc:
		*top = uint64(numeric.Round32(uint32(*top), math.Trunc))
	case opF32Nearest:
		*top = uint64(numeric.Round32(uint32(*top), math.RoundToEven))
	case opF64Ceil:
		*top = numeric.Round64(*top, math.Ceil)
	case opF64Floor:
		*top = numeric.Round64(*top, math.Floor)
	case opF64Trunc:
		*top = numeric.Round64(*top, math.Trunc)
	case opF64Nearest:
		*top = numeric.Round64(*top, math.RoundToEven)

	case opI32TruncF32S:
		return truncate(numeric.TruncI32S(f32()))
	case opI32TruncF32U:
		return truncate(numeric.TruncI32U(f32()))
	case opI32TruncF64S:
		return truncate(numeric.TruncI32S(f64()))
	case opI32TruncF64U:
		return truncate(numeric.TruncI32U(f64()))
	case opI64TruncF32S:
		return truncate(numeric.TruncI64S(f32()))
	case opI64TruncF32U:
		return truncate(numeric.TruncI64U(f32()))
	case opI64TruncF64S:
		return truncate(numeric.TruncI64S(f64()))
	case opI64TruncF64U:
		return truncate(numeric.TruncI64U(f64()))
	case opI32TruncSatF32S:
		*top = numeric.SatI32S(f32())
	case opI32TruncSatF32U:
		*top = numeric.SatI32U(f32())
	case opI32TruncSatF64S:
		*top = numeric.SatI32S(f64())
	case opI32TruncSatF64U:
		*top = numeric.SatI32U(f64())
	case opI64TruncSatF32S:
		*top = numeric.SatI64S(f32())
	case opI64TruncSatF32U:
		*top = numeric.SatI64U(f32())
	case opI64TruncSatF64S:
		*top = numeric.SatI64S(f64())
	case opI64TruncSatF64U:
		*top = numeric.SatI64U(f64())
	case opF32ConvertI64U:
		*top = uint64(math.Float32bits(float32(*top)))
	case opF64ConvertI64U:
		*top = math.Float64bits(float64(*top))

	case opMemoryGrow:
		old, ok := m.Memories[o.a].Grow(uint32(*top))
		m.ReloadMemory()
		if !ok {
			*top = math.MaxUint32
		} else {
			*top = uint64(old)
		}
	case opMemoryInit:
		return m.memoryInit(o.a, uint32(o.c))
	case opMemoryCopy:
		dst, src := m.Memories[o.a].Data, m.Memories[uint32(o.c)].Data
		d, sr, n := uint64(uint32(s[sp-3].lo)), uint64(uint32(s[sp-2].lo)), uint64(uint32(*top))
		if sr+n > uint64(len(src)) || d+n > uint64(len(dst)) {
			return m.TrapWith(engines.MsgMemoryOOB)
		}
		copy(dst[d:d+n], src[sr:sr+n])
		m.sp -= 3
	case opMemoryFill:
		mem := m.Memories[o.a].Data
		d, v, n := uint64(uint32(s[sp-3].lo)), byte(s[sp-2].lo), uint64(uint32(*top))
		if d+n > uint64(len(mem)) {
			return m.TrapWith(engines.MsgMemoryOOB)
		}
		region := mem[d : d+n]
		for i := range region {
			region[i] = v
		}
		m.sp -= 3

	case opTableGet:
		t := m.Tables[o.a]
		i := uint64(uint32(*top))
		if i >= uint64(len(t.Elems)) {
			return m.TrapWith(engines.MsgTableOOB)
		}
		*top = t.Elems[i]
	case opTableSet:
		t := m.Tables[o.a]
		i := uint64(uint32(s[sp-2].lo))
		if i >= uint64(len(t.Elems)) {
			return m.TrapWith(engines.MsgTableOOB)
		}
		t.Elems[i] = *top
		m.sp -= 2
	case opTableGrow:
		old, ok := m.Tables[o.a].Grow(uint32(*top), s[sp-2].lo)
		m.sp--
		if !ok {
			s[sp-2].lo = math.MaxUint32
		} else {
			s[sp-2].lo = uint64(old)
		}
	case opTableFill:
		t := m.Tables[o.a]
		i, v, n := uint64(uint32(s[sp-3].lo)), s[sp-2].lo, uint64(uint32(*top))
		if i+n > uint64(len(t.Elems)) {
			return m.TrapWith(engines.MsgTableOOB)
		}
		region := t.Elems[i : i+n]
		for k := range region {
			region[k] = v
		}
		m.sp -= 3
	case opTableCopy:
		dst, src := m.Tables[o.a].Elems, m.Tables[uint32(o.c)].Elems
		d, sr, n := uint64(uint32(s[sp-3].lo)), uint64(uint32(s[sp-2].lo)), uint64(uint32(*top))
		if sr+n > uint64(len(src)) || d+n > uint64(len(dst)) {
			return m.TrapWith(engines.MsgTableOOB)
		}
		copy(dst[d:d+n], src[sr:sr+n])
		m.sp -= 3
	case opTableInit:
		return m.tableInit(o.a, uint32(o.c))
	default:
		panic(fmt.Sprintf("opcode 0x%x not implemented", o.code))
	}
	return engines.StRunning
}

// memoryInit executes memory.init of data segment seg into memory mem.
func (m *machine) memoryInit(seg, mem uint32) engines.Status {
	s, sp := m.stack, m.sp
	d, sr, n := uint64(uint32(s[sp-3].lo)), uint64(uint32(s[sp-2].lo)), uint64(uint32(s[sp-1].lo))
	data, dst := m.Datas[seg], m.Memories[mem].Data
	if sr+n > uint64(len(data)) || d+n > uint64(len(dst)) {
		return m.TrapWith(engines.MsgMemoryOOB)
	}
	copy(dst[d:d+n], data[sr:sr+n])
	m.sp -= 3
	return engines.StRunning
}

// tableInit executes table.init of element segment seg into table t.
func (m *machine) tableInit(seg, t uint32) engines.Status {
	s, sp := m.stack, m.sp
	d, sr, n := uint64(uint32(s[sp-3].lo)), uint64(uint32(s[sp-2].lo)), uint64(uint32(s[sp-1].lo))
	elems, dst := m.Elems[seg], m.Tables[t].Elems
	if sr+n > uint64(len(elems)) || d+n > uint64(len(dst)) {
		return m.TrapWith(engines.MsgTableOOB)
	}
	copy(dst[d:d+n], elems[sr:sr+n])
	m.sp -= 3
	return engines.StRunning
}
