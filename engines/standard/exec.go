package standard

import (
	"encoding/binary"
	"math"
	"math/bits"
	"unsafe"

	"github.com/wdb-dev/wdb/engines"
)

// Exec runs the current activation from the machine's saved state until a
// check point, a stop, a return to StopDepth, a trap or an exit.
//
// The loop keeps its state in a few local variables. Every case that has
// to call a function stores that state into the machine first and reloads
// it afterwards, so that no variable is live across a call: this keeps
// the register allocator from spilling them for every instruction.
// Instructions that are rare or need calls live in slowOp.
func (m *machine) Exec() engines.Status {
	code, pc, sp, base, stack := m.code, m.pc, m.sp, m.base, m.stack
	for {
		op := &code[pc]
	dispatch:
		switch op.code {
		case opNop:

		case opUnreachable:
			return m.trapAt(pc, sp, base, engines.MsgUnreachable)

		case opIf:
			sp--
			if uint32(stack[sp].lo) == 0 {
				m.cbase += int64(pc + 1 - int(op.a))
				pc = int(op.a)
				continue
			}

		case opJump:
			m.cbase += int64(pc + 1 - int(op.a))
			pc = int(op.a)
			continue

		case opBr:
			dst := base + int(op.c)
			if op.x != 0 {
				stack[dst] = stack[sp-1]
				dst++
			}
			sp = dst
			m.cbase += int64(pc + 1 - int(op.a))
			pc = int(op.a)
			continue

		case opBrIf:
			sp--
			if uint32(stack[sp].lo) != 0 {
				dst := base + int(op.c)
				if op.x != 0 {
					stack[dst] = stack[sp-1]
					dst++
				}
				sp = dst
				m.cbase += int64(pc + 1 - int(op.a))
				pc = int(op.a)
				continue
			}

		case opBrLoop:
			dst := base + int(op.c)
			if op.x != 0 {
				stack[dst] = stack[sp-1]
				dst++
			}
			sp = dst
			m.cbase += int64(pc + 1 - int(op.a))
			pc = int(op.a)
			if m.cbase >= m.FastLimit.Load() {
				m.save(pc, sp, base)
				return engines.StCheck
			}
			continue

		case opBrIfLoop:
			sp--
			if uint32(stack[sp].lo) != 0 {
				dst := base + int(op.c)
				if op.x != 0 {
					stack[dst] = stack[sp-1]
					dst++
				}
				sp = dst
				m.cbase += int64(pc + 1 - int(op.a))
				pc = int(op.a)
				if m.cbase >= m.FastLimit.Load() {
					m.save(pc, sp, base)
					return engines.StCheck
				}
				continue
			}

		case opBrIfReturn:
			sp--
			if uint32(stack[sp].lo) != 0 {
				op = &m.frames[m.depth-1].fn.ret
				goto dispatch
			}

		case opReturn:
			if op.x != 0 {
				stack[base] = stack[sp-1]
				sp = base + 1
			} else {
				sp = base
			}
			m.cbase += int64(pc + 1)
			m.depth--
			if m.depth <= m.StopDepth {
				m.save(0, sp, base)
				return engines.StReturn
			}
			caller := &m.frames[m.depth-1]
			pc = caller.pc + 1
			base = caller.base
			code = m.active[caller.fn.index]
			m.code = code
			m.cbase -= int64(pc)
			if m.cbase >= m.FastLimit.Load() {
				m.save(pc, sp, base)
				return engines.StCheck
			}
			continue

		case opReturnN:
			m.save(pc, sp, base)
			if st := m.returnN(m.frames[m.depth-1].fn.numResults); st != engines.StRunning {
				return st
			}
			code, pc, sp, base, stack = m.code, m.pc, m.sp, m.base, m.stack
			continue

		case opBrTable:
			m.save(pc, sp, base)
			if st := m.brTable(op); st != engines.StRunning {
				return st
			}
			code, pc, sp, base, stack = m.code, m.pc, m.sp, m.base, m.stack
			continue

		case opBrN:
			if op.x != 0 {
				sp--
				if uint32(stack[sp].lo) == 0 {
					break
				}
			}
			m.save(pc, sp, base)
			if st := m.branchN(&m.frames[m.depth-1].fn.brTable[op.a]); st != engines.StRunning {
				return st
			}
			code, pc, sp, base, stack = m.code, m.pc, m.sp, m.base, m.stack
			continue

		case opCall:
			// The common case inline; the rest (a deep call stack, a
			// value stack to grow) in call.
			f := m.funcs[op.a]
			nb := sp - f.numParams
			if m.depth >= len(m.frames) || m.depth >= m.maxDepth || nb+f.numLocals+f.maxHeight > len(stack) {
				m.save(pc, sp, base)
				if st := m.call(f); st != engines.StRunning {
					return st
				}
				code, pc, sp, base, stack = m.code, m.pc, m.sp, m.base, m.stack
				continue
			}
			for i := sp; i < nb+f.numLocals; i++ {
				stack[i].lo = 0
			}
			sp = nb + f.numLocals
			m.frames[m.depth-1].pc = pc
			m.frames[m.depth] = frame{fn: f, base: nb}
			m.depth++
			m.cbase += int64(pc + 1)
			code = m.active[f.index]
			m.code = code
			pc, base = 0, nb
			if m.cbase >= m.FastLimit.Load() {
				m.save(pc, sp, base)
				return engines.StCheck
			}
			continue

		case opCallImport:
			m.save(pc, sp, base)
			if st := m.callImport(op.a); st != engines.StRunning {
				return st
			}
			code, pc, sp, base, stack = m.code, m.pc, m.sp, m.base, m.stack
			continue

		case opCallIndirect:
			m.save(pc, sp, base)
			if st := m.callIndirect(op.a, uint32(op.c)); st != engines.StRunning {
				return st
			}
			code, pc, sp, base, stack = m.code, m.pc, m.sp, m.base, m.stack
			continue

		case opStep:
			m.save(pc, sp, base)
			if m.stepStop() {
				return engines.StStop
			}
			code, pc, sp, base, stack = m.code, m.pc, m.sp, m.base, m.stack
			op = &m.frames[m.depth-1].fn.code[pc]
			goto dispatch

		case opBreak:
			m.save(pc, sp, base)
			if m.breakStop() {
				return engines.StStop
			}
			code, pc, sp, base, stack = m.code, m.pc, m.sp, m.base, m.stack
			op = &m.frames[m.depth-1].fn.code[pc]
			goto dispatch

		case opWatchStore:
			op = &m.frames[m.depth-1].fn.code[pc]
			m.save(pc, sp, base)
			if m.storeWatchHit(op) {
				m.StopKind = engines.Breakpoint
				return engines.StStop
			}
			goto dispatch

		case opDrop:
			sp--

		case opSelect:
			sp -= 2
			if uint32(stack[sp+1].lo) == 0 {
				stack[sp-1] = stack[sp]
			}

		case opLocalGet:
			stack[sp] = stack[base+int(op.a)]
			sp++
		case opLocalSet:
			sp--
			stack[base+int(op.a)] = stack[sp]
		case opLocalTee:
			stack[base+int(op.a)] = stack[sp-1]
		case opGlobalGet:
			stack[sp] = slot{lo: m.Globals[op.a].Lo}
			sp++
		case opGlobalSet:
			sp--
			m.Globals[op.a].Lo = stack[sp].lo

		case opI32Load, opF32Load:
			ea := uint64(uint32(stack[sp-1].lo)) + uint64(op.a)
			mem := m.memData
			if ea+4 > uint64(len(mem)) {
				return m.trapAt(pc, sp, base, engines.MsgMemoryOOB)
			}
			stack[sp-1].lo = uint64(binary.LittleEndian.Uint32(mem[ea:]))
		case opI64Load, opF64Load:
			ea := uint64(uint32(stack[sp-1].lo)) + uint64(op.a)
			mem := m.memData
			if ea+8 > uint64(len(mem)) {
				return m.trapAt(pc, sp, base, engines.MsgMemoryOOB)
			}
			stack[sp-1].lo = binary.LittleEndian.Uint64(mem[ea:])
		case opI32Load8S:
			ea := uint64(uint32(stack[sp-1].lo)) + uint64(op.a)
			mem := m.memData
			if ea >= uint64(len(mem)) {
				return m.trapAt(pc, sp, base, engines.MsgMemoryOOB)
			}
			stack[sp-1].lo = uint64(uint32(int32(int8(mem[ea]))))
		case opI64Load8S:
			ea := uint64(uint32(stack[sp-1].lo)) + uint64(op.a)
			mem := m.memData
			if ea >= uint64(len(mem)) {
				return m.trapAt(pc, sp, base, engines.MsgMemoryOOB)
			}
			stack[sp-1].lo = uint64(int64(int8(mem[ea])))
		case opI32Load8U, opI64Load8U:
			ea := uint64(uint32(stack[sp-1].lo)) + uint64(op.a)
			mem := m.memData
			if ea >= uint64(len(mem)) {
				return m.trapAt(pc, sp, base, engines.MsgMemoryOOB)
			}
			stack[sp-1].lo = uint64(mem[ea])
		case opI32Load16S:
			ea := uint64(uint32(stack[sp-1].lo)) + uint64(op.a)
			mem := m.memData
			if ea+2 > uint64(len(mem)) {
				return m.trapAt(pc, sp, base, engines.MsgMemoryOOB)
			}
			stack[sp-1].lo = uint64(uint32(int32(int16(binary.LittleEndian.Uint16(mem[ea:])))))
		case opI64Load16S:
			ea := uint64(uint32(stack[sp-1].lo)) + uint64(op.a)
			mem := m.memData
			if ea+2 > uint64(len(mem)) {
				return m.trapAt(pc, sp, base, engines.MsgMemoryOOB)
			}
			stack[sp-1].lo = uint64(int64(int16(binary.LittleEndian.Uint16(mem[ea:]))))
		case opI32Load16U, opI64Load16U:
			ea := uint64(uint32(stack[sp-1].lo)) + uint64(op.a)
			mem := m.memData
			if ea+2 > uint64(len(mem)) {
				return m.trapAt(pc, sp, base, engines.MsgMemoryOOB)
			}
			stack[sp-1].lo = uint64(binary.LittleEndian.Uint16(mem[ea:]))
		case opI64Load32S:
			ea := uint64(uint32(stack[sp-1].lo)) + uint64(op.a)
			mem := m.memData
			if ea+4 > uint64(len(mem)) {
				return m.trapAt(pc, sp, base, engines.MsgMemoryOOB)
			}
			stack[sp-1].lo = uint64(int64(int32(binary.LittleEndian.Uint32(mem[ea:]))))
		case opI64Load32U:
			ea := uint64(uint32(stack[sp-1].lo)) + uint64(op.a)
			mem := m.memData
			if ea+4 > uint64(len(mem)) {
				return m.trapAt(pc, sp, base, engines.MsgMemoryOOB)
			}
			stack[sp-1].lo = uint64(binary.LittleEndian.Uint32(mem[ea:]))

		case opI32Store, opF32Store, opI64Store32:
			ea := uint64(uint32(stack[sp-2].lo)) + uint64(op.a)
			mem := m.memData
			if ea+4 > uint64(len(mem)) {
				return m.trapAt(pc, sp, base, engines.MsgMemoryOOB)
			}
			binary.LittleEndian.PutUint32(mem[ea:], uint32(stack[sp-1].lo))
			sp -= 2
		case opI64Store, opF64Store:
			ea := uint64(uint32(stack[sp-2].lo)) + uint64(op.a)
			mem := m.memData
			if ea+8 > uint64(len(mem)) {
				return m.trapAt(pc, sp, base, engines.MsgMemoryOOB)
			}
			binary.LittleEndian.PutUint64(mem[ea:], stack[sp-1].lo)
			sp -= 2
		case opI32Store8, opI64Store8:
			ea := uint64(uint32(stack[sp-2].lo)) + uint64(op.a)
			mem := m.memData
			if ea >= uint64(len(mem)) {
				return m.trapAt(pc, sp, base, engines.MsgMemoryOOB)
			}
			mem[ea] = byte(stack[sp-1].lo)
			sp -= 2
		case opI32Store16, opI64Store16:
			ea := uint64(uint32(stack[sp-2].lo)) + uint64(op.a)
			mem := m.memData
			if ea+2 > uint64(len(mem)) {
				return m.trapAt(pc, sp, base, engines.MsgMemoryOOB)
			}
			binary.LittleEndian.PutUint16(mem[ea:], uint16(stack[sp-1].lo))
			sp -= 2

		case opI32Const, opI64Const, opF32Const, opF64Const:
			stack[sp] = slot{lo: op.c}
			sp++

		case opI32Eqz:
			stack[sp-1].lo = b2u(uint32(stack[sp-1].lo) == 0)
		case opI32Eq:
			sp--
			stack[sp-1].lo = b2u(uint32(stack[sp-1].lo) == uint32(stack[sp].lo))
		case opI32Ne:
			sp--
			stack[sp-1].lo = b2u(uint32(stack[sp-1].lo) != uint32(stack[sp].lo))
		case opI32LtS:
			sp--
			stack[sp-1].lo = b2u(int32(stack[sp-1].lo) < int32(stack[sp].lo))
		case opI32LtU:
			sp--
			stack[sp-1].lo = b2u(uint32(stack[sp-1].lo) < uint32(stack[sp].lo))
		case opI32GtS:
			sp--
			stack[sp-1].lo = b2u(int32(stack[sp-1].lo) > int32(stack[sp].lo))
		case opI32GtU:
			sp--
			stack[sp-1].lo = b2u(uint32(stack[sp-1].lo) > uint32(stack[sp].lo))
		case opI32LeS:
			sp--
			stack[sp-1].lo = b2u(int32(stack[sp-1].lo) <= int32(stack[sp].lo))
		case opI32LeU:
			sp--
			stack[sp-1].lo = b2u(uint32(stack[sp-1].lo) <= uint32(stack[sp].lo))
		case opI32GeS:
			sp--
			stack[sp-1].lo = b2u(int32(stack[sp-1].lo) >= int32(stack[sp].lo))
		case opI32GeU:
			sp--
			stack[sp-1].lo = b2u(uint32(stack[sp-1].lo) >= uint32(stack[sp].lo))

		case opI64Eqz:
			stack[sp-1].lo = b2u(stack[sp-1].lo == 0)
		case opI64Eq:
			sp--
			stack[sp-1].lo = b2u(stack[sp-1].lo == stack[sp].lo)
		case opI64Ne:
			sp--
			stack[sp-1].lo = b2u(stack[sp-1].lo != stack[sp].lo)
		case opI64LtS:
			sp--
			stack[sp-1].lo = b2u(int64(stack[sp-1].lo) < int64(stack[sp].lo))
		case opI64LtU:
			sp--
			stack[sp-1].lo = b2u(stack[sp-1].lo < stack[sp].lo)
		case opI64GtS:
			sp--
			stack[sp-1].lo = b2u(int64(stack[sp-1].lo) > int64(stack[sp].lo))
		case opI64GtU:
			sp--
			stack[sp-1].lo = b2u(stack[sp-1].lo > stack[sp].lo)
		case opI64LeS:
			sp--
			stack[sp-1].lo = b2u(int64(stack[sp-1].lo) <= int64(stack[sp].lo))
		case opI64LeU:
			sp--
			stack[sp-1].lo = b2u(stack[sp-1].lo <= stack[sp].lo)
		case opI64GeS:
			sp--
			stack[sp-1].lo = b2u(int64(stack[sp-1].lo) >= int64(stack[sp].lo))
		case opI64GeU:
			sp--
			stack[sp-1].lo = b2u(stack[sp-1].lo >= stack[sp].lo)

		case opF32Eq:
			sp--
			stack[sp-1].lo = b2u(f32(stack[sp-1]) == f32(stack[sp]))
		case opF32Ne:
			sp--
			stack[sp-1].lo = b2u(f32(stack[sp-1]) != f32(stack[sp]))
		case opF32Lt:
			sp--
			stack[sp-1].lo = b2u(f32(stack[sp-1]) < f32(stack[sp]))
		case opF32Gt:
			sp--
			stack[sp-1].lo = b2u(f32(stack[sp-1]) > f32(stack[sp]))
		case opF32Le:
			sp--
			stack[sp-1].lo = b2u(f32(stack[sp-1]) <= f32(stack[sp]))
		case opF32Ge:
			sp--
			stack[sp-1].lo = b2u(f32(stack[sp-1]) >= f32(stack[sp]))
		case opF64Eq:
			sp--
			stack[sp-1].lo = b2u(f64(&stack[sp-1]) == f64(&stack[sp]))
		case opF64Ne:
			sp--
			stack[sp-1].lo = b2u(f64(&stack[sp-1]) != f64(&stack[sp]))
		case opF64Lt:
			sp--
			stack[sp-1].lo = b2u(f64(&stack[sp-1]) < f64(&stack[sp]))
		case opF64Gt:
			sp--
			stack[sp-1].lo = b2u(f64(&stack[sp-1]) > f64(&stack[sp]))
		case opF64Le:
			sp--
			stack[sp-1].lo = b2u(f64(&stack[sp-1]) <= f64(&stack[sp]))
		case opF64Ge:
			sp--
			stack[sp-1].lo = b2u(f64(&stack[sp-1]) >= f64(&stack[sp]))

		case opI32Clz:
			stack[sp-1].lo = uint64(bits.LeadingZeros32(uint32(stack[sp-1].lo)))
		case opI32Ctz:
			stack[sp-1].lo = uint64(bits.TrailingZeros32(uint32(stack[sp-1].lo)))
		case opI32Add:
			sp--
			stack[sp-1].lo = uint64(uint32(stack[sp-1].lo) + uint32(stack[sp].lo))
		case opI32Sub:
			sp--
			stack[sp-1].lo = uint64(uint32(stack[sp-1].lo) - uint32(stack[sp].lo))
		case opI32Mul:
			sp--
			stack[sp-1].lo = uint64(uint32(stack[sp-1].lo) * uint32(stack[sp].lo))
		case opI32DivS:
			a, b := int32(stack[sp-2].lo), int32(stack[sp-1].lo)
			if b == 0 {
				return m.trapAt(pc, sp, base, engines.MsgDivideByZero)
			}
			if b == -1 && a == math.MinInt32 {
				return m.trapAt(pc, sp, base, engines.MsgIntegerOverflow)
			}
			sp--
			stack[sp-1].lo = uint64(uint32(a / b))
		case opI32DivU:
			a, b := uint32(stack[sp-2].lo), uint32(stack[sp-1].lo)
			if b == 0 {
				return m.trapAt(pc, sp, base, engines.MsgDivideByZero)
			}
			sp--
			stack[sp-1].lo = uint64(a / b)
		case opI32RemS:
			a, b := int32(stack[sp-2].lo), int32(stack[sp-1].lo)
			if b == 0 {
				return m.trapAt(pc, sp, base, engines.MsgDivideByZero)
			}
			sp--
			if b == -1 {
				stack[sp-1].lo = 0
			} else {
				stack[sp-1].lo = uint64(uint32(a % b))
			}
		case opI32RemU:
			a, b := uint32(stack[sp-2].lo), uint32(stack[sp-1].lo)
			if b == 0 {
				return m.trapAt(pc, sp, base, engines.MsgDivideByZero)
			}
			sp--
			stack[sp-1].lo = uint64(a % b)
		case opI32And:
			sp--
			stack[sp-1].lo &= stack[sp].lo
		case opI32Or:
			sp--
			stack[sp-1].lo |= stack[sp].lo
		case opI32Xor:
			sp--
			stack[sp-1].lo ^= stack[sp].lo
		case opI32Shl:
			sp--
			stack[sp-1].lo = uint64(uint32(stack[sp-1].lo) << (stack[sp].lo & 31))
		case opI32ShrS:
			sp--
			stack[sp-1].lo = uint64(uint32(int32(stack[sp-1].lo) >> (stack[sp].lo & 31)))
		case opI32ShrU:
			sp--
			stack[sp-1].lo = uint64(uint32(stack[sp-1].lo) >> (stack[sp].lo & 31))
		case opI32Rotl:
			sp--
			stack[sp-1].lo = uint64(bits.RotateLeft32(uint32(stack[sp-1].lo), int(stack[sp].lo&31)))
		case opI32Rotr:
			sp--
			stack[sp-1].lo = uint64(bits.RotateLeft32(uint32(stack[sp-1].lo), -int(stack[sp].lo&31)))

		case opI64Clz:
			stack[sp-1].lo = uint64(bits.LeadingZeros64(stack[sp-1].lo))
		case opI64Ctz:
			stack[sp-1].lo = uint64(bits.TrailingZeros64(stack[sp-1].lo))
		case opI64Add:
			sp--
			stack[sp-1].lo += stack[sp].lo
		case opI64Sub:
			sp--
			stack[sp-1].lo -= stack[sp].lo
		case opI64Mul:
			sp--
			stack[sp-1].lo *= stack[sp].lo
		case opI64DivS:
			a, b := int64(stack[sp-2].lo), int64(stack[sp-1].lo)
			if b == 0 {
				return m.trapAt(pc, sp, base, engines.MsgDivideByZero)
			}
			if b == -1 && a == math.MinInt64 {
				return m.trapAt(pc, sp, base, engines.MsgIntegerOverflow)
			}
			sp--
			stack[sp-1].lo = uint64(a / b)
		case opI64DivU:
			a, b := stack[sp-2].lo, stack[sp-1].lo
			if b == 0 {
				return m.trapAt(pc, sp, base, engines.MsgDivideByZero)
			}
			sp--
			stack[sp-1].lo = a / b
		case opI64RemS:
			a, b := int64(stack[sp-2].lo), int64(stack[sp-1].lo)
			if b == 0 {
				return m.trapAt(pc, sp, base, engines.MsgDivideByZero)
			}
			sp--
			if b == -1 {
				stack[sp-1].lo = 0
			} else {
				stack[sp-1].lo = uint64(a % b)
			}
		case opI64RemU:
			a, b := stack[sp-2].lo, stack[sp-1].lo
			if b == 0 {
				return m.trapAt(pc, sp, base, engines.MsgDivideByZero)
			}
			sp--
			stack[sp-1].lo = a % b
		case opI64And:
			sp--
			stack[sp-1].lo &= stack[sp].lo
		case opI64Or:
			sp--
			stack[sp-1].lo |= stack[sp].lo
		case opI64Xor:
			sp--
			stack[sp-1].lo ^= stack[sp].lo
		case opI64Shl:
			sp--
			stack[sp-1].lo <<= stack[sp].lo & 63
		case opI64ShrS:
			sp--
			stack[sp-1].lo = uint64(int64(stack[sp-1].lo) >> (stack[sp].lo & 63))
		case opI64ShrU:
			sp--
			stack[sp-1].lo >>= stack[sp].lo & 63
		case opI64Rotl:
			sp--
			stack[sp-1].lo = bits.RotateLeft64(stack[sp-1].lo, int(stack[sp].lo&63))
		case opI64Rotr:
			sp--
			stack[sp-1].lo = bits.RotateLeft64(stack[sp-1].lo, -int(stack[sp].lo&63))

		case opF32Abs:
			stack[sp-1].lo &= 0x7fffffff
		case opF32Neg:
			stack[sp-1].lo ^= 0x80000000
		case opF32Copysign:
			sp--
			stack[sp-1].lo = stack[sp-1].lo&0x7fffffff | stack[sp].lo&0x80000000
		case opF32Sqrt:
			stack[sp-1].lo = uint64(math.Float32bits(float32(math.Sqrt(float64(f32(stack[sp-1]))))))
		case opF32Add:
			sp--
			stack[sp-1].lo = uint64(math.Float32bits(f32(stack[sp-1]) + f32(stack[sp])))
		case opF32Sub:
			sp--
			stack[sp-1].lo = uint64(math.Float32bits(f32(stack[sp-1]) - f32(stack[sp])))
		case opF32Mul:
			sp--
			stack[sp-1].lo = uint64(math.Float32bits(f32(stack[sp-1]) * f32(stack[sp])))
		case opF32Div:
			sp--
			stack[sp-1].lo = uint64(math.Float32bits(f32(stack[sp-1]) / f32(stack[sp])))
		case opF64Abs:
			stack[sp-1].lo &= 1<<63 - 1
		case opF64Neg:
			stack[sp-1].lo ^= 1 << 63
		case opF64Copysign:
			sp--
			stack[sp-1].lo = stack[sp-1].lo&(1<<63-1) | stack[sp].lo&(1<<63)
		case opF64Sqrt:
			stack[sp-1].lo = math.Float64bits(math.Sqrt(f64(&stack[sp-1])))
		case opF64Add:
			sp--
			stack[sp-1].lo = math.Float64bits(f64(&stack[sp-1]) + f64(&stack[sp]))
		case opF64Sub:
			sp--
			stack[sp-1].lo = math.Float64bits(f64(&stack[sp-1]) - f64(&stack[sp]))
		case opF64Mul:
			sp--
			stack[sp-1].lo = math.Float64bits(f64(&stack[sp-1]) * f64(&stack[sp]))
		case opF64Div:
			sp--
			stack[sp-1].lo = math.Float64bits(f64(&stack[sp-1]) / f64(&stack[sp]))

		case opI32WrapI64:
			stack[sp-1].lo = uint64(uint32(stack[sp-1].lo))
		case opI64ExtendI32S:
			stack[sp-1].lo = uint64(int64(int32(stack[sp-1].lo)))
		case opI64ExtendI32U:
			// Already zero-extended.
		case opI32ReinterpretF32, opF32ReinterpretI32, opI64ReinterpretF64, opF64ReinterpretI64:
			// Same bits.
		case opF32DemoteF64:
			stack[sp-1].lo = uint64(math.Float32bits(float32(f64(&stack[sp-1]))))
		case opF64PromoteF32:
			stack[sp-1].lo = math.Float64bits(float64(f32(stack[sp-1])))
		case opF32ConvertI32S:
			stack[sp-1].lo = uint64(math.Float32bits(float32(int32(stack[sp-1].lo))))
		case opF32ConvertI32U:
			stack[sp-1].lo = uint64(math.Float32bits(float32(uint32(stack[sp-1].lo))))
		case opF32ConvertI64S:
			stack[sp-1].lo = uint64(math.Float32bits(float32(int64(stack[sp-1].lo))))
		case opF64ConvertI32S:
			stack[sp-1].lo = math.Float64bits(float64(int32(stack[sp-1].lo)))
		case opF64ConvertI32U:
			stack[sp-1].lo = math.Float64bits(float64(uint32(stack[sp-1].lo)))
		case opF64ConvertI64S:
			stack[sp-1].lo = math.Float64bits(float64(int64(stack[sp-1].lo)))

		case opI32Extend8S:
			stack[sp-1].lo = uint64(uint32(int32(int8(stack[sp-1].lo))))
		case opI32Extend16S:
			stack[sp-1].lo = uint64(uint32(int32(int16(stack[sp-1].lo))))
		case opI64Extend8S:
			stack[sp-1].lo = uint64(int64(int8(stack[sp-1].lo)))
		case opI64Extend16S:
			stack[sp-1].lo = uint64(int64(int16(stack[sp-1].lo)))
		case opI64Extend32S:
			stack[sp-1].lo = uint64(int64(int32(stack[sp-1].lo)))

		case opRefNull:
			stack[sp] = slot{}
			sp++
		case opRefIsNull:
			stack[sp-1].lo = b2u(stack[sp-1].lo == 0)
		case opRefFunc:
			stack[sp] = slot{lo: m.Refs[op.a]}
			sp++

		default:
			m.save(pc, sp, base)
			if st := m.slowOp(op); st != engines.StRunning {
				return st
			}
			code, pc, sp, base, stack = m.code, m.pc, m.sp, m.base, m.stack
		}
		pc++
	}
}

// branchN performs a taken branch (at m.pc) carrying more than one value.
//
//go:noinline
func (m *machine) branchN(t *brTarget) engines.Status {
	n, dst := int(t.arity), m.base+int(t.height)
	copy(m.stack[dst:dst+n], m.stack[m.sp-n:m.sp])
	m.sp = dst + n
	m.cbase += int64(m.pc + 1 - int(t.pc))
	m.pc = int(t.pc)
	if m.cbase >= m.FastLimit.Load() {
		return engines.StCheck
	}
	return engines.StRunning
}

// brTable performs a br_table (at m.pc). It is out of line: the
// dispatch loop is faster without its register pressure.
//
//go:noinline
func (m *machine) brTable(o *op) engines.Status {
	m.sp--
	i := uint64(uint32(m.stack[m.sp].lo))
	if i >= o.c {
		i = o.c - 1
	}
	fn := m.frames[m.depth-1].fn
	if t := &fn.brTable[uint64(o.a)+i]; !t.ret {
		return m.branchN(t)
	}
	return m.returnN(fn.numResults)
}

// returnN performs a return (at m.pc) of n values, out of line: the same
// as the loop's opReturn.
//
//go:noinline
func (m *machine) returnN(n int) engines.Status {
	copy(m.stack[m.base:m.base+n], m.stack[m.sp-n:m.sp])
	m.sp = m.base + n
	m.cbase += int64(m.pc + 1)
	m.depth--
	if m.depth <= m.StopDepth {
		m.pc = 0
		return engines.StReturn
	}
	m.ResumeCaller()
	if m.cbase >= m.FastLimit.Load() {
		return engines.StCheck
	}
	return engines.StRunning
}

// save writes the loop's state back into the machine.
func (m *machine) save(pc, sp, base int) {
	m.pc, m.sp, m.base = pc, sp, base
}

// trapAt records a trap at instruction pc.
func (m *machine) trapAt(pc, sp, base int, msg string) engines.Status {
	m.save(pc, sp, base)
	m.TrapMsg, m.TrapCause = msg, nil
	return engines.StTrap
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func f32(s slot) float32 { return math.Float32frombits(uint32(s.lo)) }

// f64 reads a slot as an f64 straight from memory (math.Float64frombits
// on the loaded bits would move them through an integer register first).
func f64(s *slot) float64 { return *(*float64)(unsafe.Pointer(&s.lo)) }
