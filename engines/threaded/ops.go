package threaded

//go:generate go run gen_ops.go

import (
	"math"
	"sync/atomic"
	"unsafe"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// The operations written by hand: moves, control, calls, globals, select,
// the step of the precise variant and the out-of-line instructions. The
// numeric and memory ones are generated (gen_ops.go, ops_gen.go).
//
// Immediates: slot operands are byte offsets from the frame pointer m.fp.
// A jump's c holds its displacement in operations (low 32 bits) and the
// counter adjustment of the taken branch, j+1-k for a branch from
// instruction j to k (high 32 bits).

const (
	msgUnreachable      = engines.MsgUnreachable
	msgDivideByZero     = engines.MsgDivideByZero
	msgIntegerOverflow  = engines.MsgIntegerOverflow
	msgMemoryOOB        = engines.MsgMemoryOOB
	msgTableOOB         = engines.MsgTableOOB
	msgUndefinedElement = engines.MsgUndefinedElement
	msgUninitialized    = engines.MsgUninitialized
	msgIndirectMismatch = engines.MsgIndirectMismatch
	msgCallStack        = engines.MsgCallStack
)

func b2i(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

func slot(fp unsafe.Pointer, off int32) *uint64 { return (*uint64)(unsafe.Add(fp, off)) }

// Moves: a is the source, b the destination.

func opMove(m *machine, in *inst) *inst {
	*slot(m.fp, in.b) = *slot(m.fp, in.a)
	return next(in)
}

func opSetR0(m *machine, in *inst) *inst {
	*slot(m.fp, in.b) = m.r0
	return next(in)
}

func opSetFP0(m *machine, in *inst) *inst {
	*slot(m.fp, in.b) = m.fp0
	return next(in)
}

// Jumps.

func jumpTarget(in *inst) *inst {
	return (*inst)(unsafe.Add(unsafe.Pointer(in), int64(int32(in.c))*int64(instSize)))
}

// jump takes a forward branch.
func (m *machine) jump(in *inst) *inst {
	m.cbase += in.c >> 32
	return jumpTarget(in)
}

// A backward branch is a check point. To leave the loop there, it notes
// itself and returns loopExit, as deferTrap does, so that it stays a
// frameless leaf.

// loopExit leaves the loop at the target of the backward branch noted in
// m.trapAt.
var loopExit = inst{fn: func(m *machine, _ *inst) *inst {
	k := (m.trapAt - uintptr(unsafe.Pointer(unsafe.SliceData(m.v.code)))) / instSize
	in := &m.v.code[k]
	j := int64(m.v.wasmOf[k])
	m.wi = int(j + 1 - in.c>>32)
	return m.checkExit(jumpTarget(in))
}}

// checkExit leaves the dispatch loop at a check point; m.wi is set.
func (m *machine) checkExit(t *inst) *inst {
	m.pos = t
	m.status = engines.StCheck
	return nil
}

func opBr(m *machine, in *inst) *inst { return m.jump(in) }
func opBrLoop(m *machine, in *inst) *inst {
	m.cbase += in.c >> 32
	if m.cbase >= m.fastLimit() {
		return m.deferTrap(in, &loopExit)
	}
	return jumpTarget(in)
}

func opBrIfR0(m *machine, in *inst) *inst {
	if uint32(m.r0) != 0 {
		return m.jump(in)
	}
	return next(in)
}

func opBrIfS(m *machine, in *inst) *inst {
	if *(*uint32)(unsafe.Add(m.fp, in.a)) != 0 {
		return m.jump(in)
	}
	return next(in)
}

func opBrIfLoopR0(m *machine, in *inst) *inst {
	if uint32(m.r0) != 0 {
		m.cbase += in.c >> 32
		if m.cbase >= m.fastLimit() {
			return m.deferTrap(in, &loopExit)
		}
		return jumpTarget(in)
	}
	return next(in)
}

func opBrIfLoopS(m *machine, in *inst) *inst {
	if *(*uint32)(unsafe.Add(m.fp, in.a)) != 0 {
		m.cbase += in.c >> 32
		if m.cbase >= m.fastLimit() {
			return m.deferTrap(in, &loopExit)
		}
		return jumpTarget(in)
	}
	return next(in)
}

func opBrUnlessR0(m *machine, in *inst) *inst {
	if uint32(m.r0) == 0 {
		return m.jump(in)
	}
	return next(in)
}

func opBrUnlessS(m *machine, in *inst) *inst {
	if *(*uint32)(unsafe.Add(m.fp, in.a)) == 0 {
		return m.jump(in)
	}
	return next(in)
}

// br_table: the index in r0 or slot a, b the jump table; each entry is a
// stub that moves the values and branches.
func opBrTableR0(m *machine, in *inst) *inst { return m.brTable(uint32(m.r0), in) }
func opBrTableS(m *machine, in *inst) *inst {
	return m.brTable(*(*uint32)(unsafe.Add(m.fp, in.a)), in)
}

func (m *machine) brTable(i uint32, in *inst) *inst {
	t := m.v.tables[in.b]
	if uint64(i) >= uint64(len(t)) {
		i = uint32(len(t) - 1)
	}
	return &m.v.code[t[i]]
}

// fastLimit reads Runner.FastLimit. The compiler does not inline
// atomic.Int64.Load in this package's operations (it does elsewhere), and
// a call would give every branch operation a stack frame; this is the
// same atomic load, as an intrinsic. (The Int64's value is its only
// field of nonzero size.)
func (m *machine) fastLimit() int64 {
	return atomic.LoadInt64((*int64)(unsafe.Pointer(&m.FastLimit)))
}

// Deferred traps. An operation that may trap stays a frameless leaf (no
// call, no write barrier) if, to trap, it notes its own address in
// m.trapAt and returns one of these: the next dispatch raises the trap.
var (
	trapMemoryOOB       = inst{fn: func(m *machine, _ *inst) *inst { return m.raise(msgMemoryOOB) }}
	trapDivideByZero    = inst{fn: func(m *machine, _ *inst) *inst { return m.raise(msgDivideByZero) }}
	trapIntegerOverflow = inst{fn: func(m *machine, _ *inst) *inst { return m.raise(msgIntegerOverflow) }}
)

func (m *machine) deferTrap(in *inst, t *inst) *inst {
	m.trapAt = uintptr(unsafe.Pointer(in))
	return t
}

// raise traps at the operation deferTrap noted.
func (m *machine) raise(msg string) *inst {
	k := (m.trapAt - uintptr(unsafe.Pointer(unsafe.SliceData(m.v.code)))) / instSize
	return m.trap(&m.v.code[k], msg)
}

func opUnreachable(m *machine, in *inst) *inst { return m.trap(in, msgUnreachable) }

// opStep is the boundary of the precise variant before instruction a: it
// checks the stop conditions when the counter reaches FastLimit (the
// limit, or MinInt64 for an interrupt).
func opStep(m *machine, in *inst) *inst {
	if m.cbase+int64(in.a) >= m.fastLimit() {
		return m.stepStop(in)
	}
	return next(in)
}

// opStepBP is opStep at an instruction that holds a breakpoint, in a
// machine's copy of the precise variant.
func opStepBP(m *machine, in *inst) *inst { return m.stepStop(in) }

// Globals: a is the global.

func opGlobalGetR0(m *machine, in *inst) *inst {
	m.r0 = m.Globals[in.a].Lo
	return next(in)
}

func opGlobalGetFP0(m *machine, in *inst) *inst {
	m.fp0 = m.Globals[in.a].Lo
	return next(in)
}

func opGlobalGetS(m *machine, in *inst) *inst {
	*slot(m.fp, in.b) = m.Globals[in.a].Lo
	return next(in)
}

func opGlobalSetR0(m *machine, in *inst) *inst {
	m.Globals[in.a].Lo = m.r0
	return next(in)
}

func opGlobalSetFP0(m *machine, in *inst) *inst {
	m.Globals[in.a].Lo = m.fp0
	return next(in)
}

func opGlobalSetS(m *machine, in *inst) *inst {
	m.Globals[in.a].Lo = *slot(m.fp, in.b)
	return next(in)
}

// select: values in slots a and b, the condition in r0 or slot c.

func opSelectR0R(m *machine, in *inst) *inst {
	m.r0 = *slot(m.fp, pick(uint32(m.r0), in))
	return next(in)
}

func opSelectR0S(m *machine, in *inst) *inst {
	m.r0 = *slot(m.fp, pick(*(*uint32)(unsafe.Add(m.fp, in.c)), in))
	return next(in)
}

func opSelectFP0R(m *machine, in *inst) *inst {
	m.fp0 = *slot(m.fp, pick(uint32(m.r0), in))
	return next(in)
}

func opSelectFP0S(m *machine, in *inst) *inst {
	m.fp0 = *slot(m.fp, pick(*(*uint32)(unsafe.Add(m.fp, in.c)), in))
	return next(in)
}

func pick(cond uint32, in *inst) int32 {
	if cond != 0 {
		return in.a
	}
	return in.b
}

// opSlow runs an instruction out of line (memory.grow, bulk memory, the
// table instructions, ref.func): b is the instruction, a the slot of its
// first operand; its results replace the operands.
func opSlow(m *machine, in *inst) *inst {
	if msg := m.slowInstr(in); msg != "" {
		return m.trap(in, msg)
	}
	return next(in)
}

func (m *machine) slowInstr(in *inst) string {
	ins := &m.v.fn.def.Instrs[in.b]
	s := unsafe.Slice(slot(m.fp, in.a), 3)
	u32 := func(k int) uint64 { return uint64(uint32(s[k])) }
	switch ins.Op {
	case wasm.OpMemorySize:
		s[0] = uint64(m.Memories[ins.A].Pages())
	case wasm.OpMemoryGrow:
		old, ok := m.Memories[ins.A].Grow(uint32(s[0]))
		m.ReloadMemory()
		if !ok {
			s[0] = math.MaxUint32
		} else {
			s[0] = uint64(old)
		}
	case wasm.OpMemoryInit:
		data := m.Datas[ins.A]
		d, src, n := u32(0), u32(1), u32(2)
		mem := m.Memories[ins.B].Data
		if src+n > uint64(len(data)) || d+n > uint64(len(mem)) {
			return msgMemoryOOB
		}
		copy(mem[d:d+n], data[src:src+n])
	case wasm.OpDataDrop:
		m.Datas[ins.A], m.DropData[ins.A] = nil, true
	case wasm.OpMemoryCopy:
		dst, src := m.Memories[ins.A].Data, m.Memories[ins.B].Data
		d, sr, n := u32(0), u32(1), u32(2)
		if sr+n > uint64(len(src)) || d+n > uint64(len(dst)) {
			return msgMemoryOOB
		}
		copy(dst[d:d+n], src[sr:sr+n])
	case wasm.OpMemoryFill:
		mem := m.Memories[ins.A].Data
		d, v, n := u32(0), byte(s[1]), u32(2)
		if d+n > uint64(len(mem)) {
			return msgMemoryOOB
		}
		region := mem[d : d+n]
		for i := range region {
			region[i] = v
		}
	case wasm.OpTableGet:
		t := m.Tables[ins.A]
		i := u32(0)
		if i >= uint64(len(t.Elems)) {
			return msgTableOOB
		}
		s[0] = t.Elems[i]
	case wasm.OpTableSet:
		t := m.Tables[ins.A]
		i := u32(0)
		if i >= uint64(len(t.Elems)) {
			return msgTableOOB
		}
		t.Elems[i] = s[1]
	case wasm.OpTableSize:
		s[0] = uint64(len(m.Tables[ins.A].Elems))
	case wasm.OpTableGrow:
		old, ok := m.Tables[ins.A].Grow(uint32(s[1]), s[0])
		if !ok {
			s[0] = math.MaxUint32
		} else {
			s[0] = uint64(old)
		}
	case wasm.OpTableFill:
		t := m.Tables[ins.A]
		i, v, n := u32(0), s[1], u32(2)
		if i+n > uint64(len(t.Elems)) {
			return msgTableOOB
		}
		region := t.Elems[i : i+n]
		for k := range region {
			region[k] = v
		}
	case wasm.OpTableCopy:
		dst, src := m.Tables[ins.A].Elems, m.Tables[ins.B].Elems
		d, sr, n := u32(0), u32(1), u32(2)
		if sr+n > uint64(len(src)) || d+n > uint64(len(dst)) {
			return msgTableOOB
		}
		copy(dst[d:d+n], src[sr:sr+n])
	case wasm.OpTableInit:
		elems := m.Elems[ins.A]
		d, src, n := u32(0), u32(1), u32(2)
		t := m.Tables[ins.B]
		if src+n > uint64(len(elems)) || d+n > uint64(len(t.Elems)) {
			return msgTableOOB
		}
		copy(t.Elems[d:d+n], elems[src:src+n])
	case wasm.OpElemDrop:
		m.Elems[ins.A], m.DropElem[ins.A] = nil, true
	case wasm.OpRefFunc:
		s[0] = m.Refs[ins.A]
	default:
		return "threaded: instruction not implemented"
	}
	return ""
}

// Store checks of the watch variants (SetStoreWatch), before a store: the
// address in r0 or slot a, the width in b, the static offset in the low
// 32 bits of c and the store's instruction in the high 32.

func opWatchR(m *machine, in *inst) *inst { return m.watchStore(in, uint32(m.r0)) }
func opWatchS(m *machine, in *inst) *inst {
	return m.watchStore(in, *(*uint32)(unsafe.Add(m.fp, in.a)))
}

// watchStore stops the Run at the store's boundary if it touches a
// watched range (Runner.StoreStop), as at a breakpoint.
func (m *machine) watchStore(in *inst, addr uint32) *inst {
	wi := in.c >> 32
	if !m.StoreStop(uint64(m.cbase+wi), uint64(addr)+uint64(uint32(in.c)), uint32(in.b)) {
		return next(in)
	}
	m.wi = int(wi)
	m.pos = &m.v.code[m.v.pos[wi]]
	m.StopKind = engines.Breakpoint
	m.status = engines.StStop
	return nil
}

// storeWidth is the number of bytes each store writes.
var storeWidth = map[wasm.Opcode]uint32{
	wasm.OpI32Store8: 1, wasm.OpI64Store8: 1,
	wasm.OpI32Store16: 2, wasm.OpI64Store16: 2,
	wasm.OpI32Store: 4, wasm.OpF32Store: 4, wasm.OpI64Store32: 4,
	wasm.OpI64Store: 8, wasm.OpF64Store: 8,
}
