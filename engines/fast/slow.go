package fast

import (
	"fmt"
	"math"
	"math/bits"
	"unsafe"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/engines/numeric"
)

// slowOp executes the rare ops and those that need function calls (op o
// at m.pc). On a trap nothing is written.
//
//go:noinline
func (m *machine) slowOp(o *op) engines.Status {
	fp := unsafe.Pointer(&m.stack[m.base])
	f32 := func() float64 { return float64(math.Float32frombits(r32(fp, o.a))) }
	f64 := func() float64 { return math.Float64frombits(r64(fp, o.a)) }
	trunc32 := func(v uint64, msg string) engines.Status {
		if msg != "" {
			return m.trapHere(msg)
		}
		w32(fp, o.c, uint32(v))
		return engines.StRunning
	}
	trunc64 := func(v uint64, msg string) engines.Status {
		if msg != "" {
			return m.trapHere(msg)
		}
		w64(fp, o.c, v)
		return engines.StRunning
	}
	switch o.code {
	case opI32Popcnt:
		w32(fp, o.c, uint32(bits.OnesCount32(r32(fp, o.a))))
	case opI64Popcnt:
		w64(fp, o.c, uint64(bits.OnesCount64(r64(fp, o.a))))
	case opMemorySize:
		w32(fp, o.c, m.Memories[o.a].Pages())
	case opTableSize:
		w32(fp, o.c, uint32(len(m.Tables[o.a].Elems)))
	case opDataDrop:
		m.Datas[o.t] = nil
		m.DropData[o.t] = true
	case opElemDrop:
		m.Elems[o.t] = nil
		m.DropElem[o.t] = true
	case opF32Min:
		w32(fp, o.c, numeric.Fmin32(r32(fp, o.a), r32(fp, o.b)))
	case opF32Max:
		w32(fp, o.c, numeric.Fmax32(r32(fp, o.a), r32(fp, o.b)))
	case opF64Min:
		w64(fp, o.c, numeric.Fmin64(r64(fp, o.a), r64(fp, o.b)))
	case opF64Max:
		w64(fp, o.c, numeric.Fmax64(r64(fp, o.a), r64(fp, o.b)))
	case opF32Ceil:
		w32(fp, o.c, numeric.Round32(r32(fp, o.a), math.Ceil))
	case opF32Floor:
		w32(fp, o.c, numeric.Round32(r32(fp, o.a), math.Floor))
	case opF32Trunc:
		w32(fp, o.c, numeric.Round32(r32(fp, o.a), math.Trunc))
	case opF32Nearest:
		w32(fp, o.c, numeric.Round32(r32(fp, o.a), math.RoundToEven))
	case opF64Ceil:
		w64(fp, o.c, numeric.Round64(r64(fp, o.a), math.Ceil))
	case opF64Floor:
		w64(fp, o.c, numeric.Round64(r64(fp, o.a), math.Floor))
	case opF64Trunc:
		w64(fp, o.c, numeric.Round64(r64(fp, o.a), math.Trunc))
	case opF64Nearest:
		w64(fp, o.c, numeric.Round64(r64(fp, o.a), math.RoundToEven))
	case opI32TruncF32S:
		return trunc32(numeric.TruncI32S(f32()))
	case opI32TruncF32U:
		return trunc32(numeric.TruncI32U(f32()))
	case opI32TruncF64S:
		return trunc32(numeric.TruncI32S(f64()))
	case opI32TruncF64U:
		return trunc32(numeric.TruncI32U(f64()))
	case opI64TruncF32S:
		return trunc64(numeric.TruncI64S(f32()))
	case opI64TruncF32U:
		return trunc64(numeric.TruncI64U(f32()))
	case opI64TruncF64S:
		return trunc64(numeric.TruncI64S(f64()))
	case opI64TruncF64U:
		return trunc64(numeric.TruncI64U(f64()))
	case opI32TruncSatF32S:
		w32(fp, o.c, uint32(numeric.SatI32S(f32())))
	case opI32TruncSatF32U:
		w32(fp, o.c, uint32(numeric.SatI32U(f32())))
	case opI32TruncSatF64S:
		w32(fp, o.c, uint32(numeric.SatI32S(f64())))
	case opI32TruncSatF64U:
		w32(fp, o.c, uint32(numeric.SatI32U(f64())))
	case opI64TruncSatF32S:
		w64(fp, o.c, numeric.SatI64S(f32()))
	case opI64TruncSatF32U:
		w64(fp, o.c, numeric.SatI64U(f32()))
	case opI64TruncSatF64S:
		w64(fp, o.c, numeric.SatI64S(f64()))
	case opI64TruncSatF64U:
		w64(fp, o.c, numeric.SatI64U(f64()))
	case opF32ConvertI64U:
		w32(fp, o.c, math.Float32bits(float32(r64(fp, o.a))))
	case opF64ConvertI64U:
		w64(fp, o.c, math.Float64bits(float64(r64(fp, o.a))))

	case opMemoryGrow:
		old, ok := m.Memories[o.t].Grow(r32(fp, o.a))
		m.ReloadMemory()
		if !ok {
			w32(fp, o.c, math.MaxUint32)
		} else {
			w32(fp, o.c, old)
		}
	case opMemoryInit:
		d, s, n := uint64(r32(fp, o.a)), uint64(r32(fp, o.b)), uint64(r32(fp, o.c))
		data, dst := m.Datas[o.t], m.Memories[o.d].Data
		if s+n > uint64(len(data)) || d+n > uint64(len(dst)) {
			return m.trapHere(engines.MsgMemoryOOB)
		}
		copy(dst[d:d+n], data[s:s+n])
	case opMemoryCopy:
		dst, src := m.Memories[o.t].Data, m.Memories[o.d].Data
		d, s, n := uint64(r32(fp, o.a)), uint64(r32(fp, o.b)), uint64(r32(fp, o.c))
		if s+n > uint64(len(src)) || d+n > uint64(len(dst)) {
			return m.trapHere(engines.MsgMemoryOOB)
		}
		copy(dst[d:d+n], src[s:s+n])
	case opMemoryFill:
		mem := m.Memories[o.t].Data
		d, v, n := uint64(r32(fp, o.a)), byte(r32(fp, o.b)), uint64(r32(fp, o.c))
		if d+n > uint64(len(mem)) {
			return m.trapHere(engines.MsgMemoryOOB)
		}
		region := mem[d : d+n]
		for i := range region {
			region[i] = v
		}
	case opTableGet:
		t := m.Tables[o.t]
		i := uint64(r32(fp, o.a))
		if i >= uint64(len(t.Elems)) {
			return m.trapHere(engines.MsgTableOOB)
		}
		w64(fp, o.c, t.Elems[i])
	case opTableSet:
		t := m.Tables[o.t]
		i := uint64(r32(fp, o.a))
		if i >= uint64(len(t.Elems)) {
			return m.trapHere(engines.MsgTableOOB)
		}
		t.Elems[i] = r64(fp, o.b)
	case opTableGrow:
		old, ok := m.Tables[o.t].Grow(r32(fp, o.b), r64(fp, o.a))
		if !ok {
			w32(fp, o.c, math.MaxUint32)
		} else {
			w32(fp, o.c, old)
		}
	case opTableFill:
		t := m.Tables[o.t]
		i, v, n := uint64(r32(fp, o.a)), r64(fp, o.b), uint64(r32(fp, o.c))
		if i+n > uint64(len(t.Elems)) {
			return m.trapHere(engines.MsgTableOOB)
		}
		region := t.Elems[i : i+n]
		for k := range region {
			region[k] = v
		}
	case opTableCopy:
		dst, src := m.Tables[o.t].Elems, m.Tables[o.d].Elems
		d, s, n := uint64(r32(fp, o.a)), uint64(r32(fp, o.b)), uint64(r32(fp, o.c))
		if s+n > uint64(len(src)) || d+n > uint64(len(dst)) {
			return m.trapHere(engines.MsgTableOOB)
		}
		copy(dst[d:d+n], src[s:s+n])
	case opTableInit:
		// table.init: A = element segment (t), B = table (d).
		d, s, n := uint64(r32(fp, o.a)), uint64(r32(fp, o.b)), uint64(r32(fp, o.c))
		elems, dst := m.Elems[o.t], m.Tables[o.d].Elems
		if s+n > uint64(len(elems)) || d+n > uint64(len(dst)) {
			return m.trapHere(engines.MsgTableOOB)
		}
		copy(dst[d:d+n], elems[s:s+n])
	default:
		panic(fmt.Sprintf("fast: op 0x%x not implemented", o.code))
	}
	return engines.StRunning
}
