package fast

import (
	"encoding/binary"
	"math"
	"math/bits"
	"unsafe"

	"github.com/wdb-dev/wdb/engines"
)

// Exec runs the current activation from the machine's saved position until
// a check point, a stop, a return to StopDepth, a trap or an exit.
//
// The loop keeps three variables: the code, the op index and the frame
// pointer. Every case that needs a function call saves the position in the
// machine and reloads after it, so that nothing is live across a call.
func (m *machine) Exec() engines.Status {
	code, pc := m.code.code, m.pc
	fp := unsafe.Pointer(&m.stack[m.base])
	for {
		o := &code[pc]
		switch o.code {
		case opNop:
		case opMov32:
			w32(fp, o.c, r32(fp, o.a))
		case opMov64:
			w64(fp, o.c, r64(fp, o.a))
		case opJmp:
			m.cbase += int64(o.d)
			pc = int(o.t)
			continue
		case opBrUnless:
			if r32(fp, o.a) == 0 {
				m.cbase += int64(o.d)
				pc = int(o.t)
				continue
			}
		case opBrIf:
			if r32(fp, o.a) != 0 {
				m.cbase += int64(o.d)
				pc = int(o.t)
				continue
			}
		case opBrLoop:
			m.cbase += int64(o.d)
			if m.cbase >= m.FastLimit.Load() {
				return m.checkAfterBranch(pc)
			}
			pc = int(o.t)
			continue
		case opBrIfLoop:
			if r32(fp, o.a) != 0 {
				m.cbase += int64(o.d)
				if m.cbase >= m.FastLimit.Load() {
					return m.checkAfterBranch(pc)
				}
				pc = int(o.t)
				continue
			}
		case opBrI32Eqz:
			if r32(fp, o.a) == 0 {
				m.cbase += int64(o.d)
				pc = int(o.t)
				continue
			}
		case opBrI32EqzLoop:
			if r32(fp, o.a) == 0 {
				m.cbase += int64(o.d)
				if m.cbase >= m.FastLimit.Load() {
					return m.checkAfterBranch(pc)
				}
				pc = int(o.t)
				continue
			}
		case opBrI32Eq:
			if r32(fp, o.a) == r32(fp, o.b) {
				m.cbase += int64(o.d)
				pc = int(o.t)
				continue
			}
		case opBrI32EqLoop:
			if r32(fp, o.a) == r32(fp, o.b) {
				m.cbase += int64(o.d)
				if m.cbase >= m.FastLimit.Load() {
					return m.checkAfterBranch(pc)
				}
				pc = int(o.t)
				continue
			}
		case opBrI32Ne:
			if r32(fp, o.a) != r32(fp, o.b) {
				m.cbase += int64(o.d)
				pc = int(o.t)
				continue
			}
		case opBrI32NeLoop:
			if r32(fp, o.a) != r32(fp, o.b) {
				m.cbase += int64(o.d)
				if m.cbase >= m.FastLimit.Load() {
					return m.checkAfterBranch(pc)
				}
				pc = int(o.t)
				continue
			}
		case opBrI32LtS:
			if int32(r32(fp, o.a)) < int32(r32(fp, o.b)) {
				m.cbase += int64(o.d)
				pc = int(o.t)
				continue
			}
		case opBrI32LtSLoop:
			if int32(r32(fp, o.a)) < int32(r32(fp, o.b)) {
				m.cbase += int64(o.d)
				if m.cbase >= m.FastLimit.Load() {
					return m.checkAfterBranch(pc)
				}
				pc = int(o.t)
				continue
			}
		case opBrI32LtU:
			if r32(fp, o.a) < r32(fp, o.b) {
				m.cbase += int64(o.d)
				pc = int(o.t)
				continue
			}
		case opBrI32LtULoop:
			if r32(fp, o.a) < r32(fp, o.b) {
				m.cbase += int64(o.d)
				if m.cbase >= m.FastLimit.Load() {
					return m.checkAfterBranch(pc)
				}
				pc = int(o.t)
				continue
			}
		case opBrI32GtS:
			if int32(r32(fp, o.a)) > int32(r32(fp, o.b)) {
				m.cbase += int64(o.d)
				pc = int(o.t)
				continue
			}
		case opBrI32GtSLoop:
			if int32(r32(fp, o.a)) > int32(r32(fp, o.b)) {
				m.cbase += int64(o.d)
				if m.cbase >= m.FastLimit.Load() {
					return m.checkAfterBranch(pc)
				}
				pc = int(o.t)
				continue
			}
		case opBrI32GtU:
			if r32(fp, o.a) > r32(fp, o.b) {
				m.cbase += int64(o.d)
				pc = int(o.t)
				continue
			}
		case opBrI32GtULoop:
			if r32(fp, o.a) > r32(fp, o.b) {
				m.cbase += int64(o.d)
				if m.cbase >= m.FastLimit.Load() {
					return m.checkAfterBranch(pc)
				}
				pc = int(o.t)
				continue
			}
		case opBrI32LeS:
			if int32(r32(fp, o.a)) <= int32(r32(fp, o.b)) {
				m.cbase += int64(o.d)
				pc = int(o.t)
				continue
			}
		case opBrI32LeSLoop:
			if int32(r32(fp, o.a)) <= int32(r32(fp, o.b)) {
				m.cbase += int64(o.d)
				if m.cbase >= m.FastLimit.Load() {
					return m.checkAfterBranch(pc)
				}
				pc = int(o.t)
				continue
			}
		case opBrI32LeU:
			if r32(fp, o.a) <= r32(fp, o.b) {
				m.cbase += int64(o.d)
				pc = int(o.t)
				continue
			}
		case opBrI32LeULoop:
			if r32(fp, o.a) <= r32(fp, o.b) {
				m.cbase += int64(o.d)
				if m.cbase >= m.FastLimit.Load() {
					return m.checkAfterBranch(pc)
				}
				pc = int(o.t)
				continue
			}
		case opBrI32GeS:
			if int32(r32(fp, o.a)) >= int32(r32(fp, o.b)) {
				m.cbase += int64(o.d)
				pc = int(o.t)
				continue
			}
		case opBrI32GeSLoop:
			if int32(r32(fp, o.a)) >= int32(r32(fp, o.b)) {
				m.cbase += int64(o.d)
				if m.cbase >= m.FastLimit.Load() {
					return m.checkAfterBranch(pc)
				}
				pc = int(o.t)
				continue
			}
		case opBrI32GeU:
			if r32(fp, o.a) >= r32(fp, o.b) {
				m.cbase += int64(o.d)
				pc = int(o.t)
				continue
			}
		case opBrI32GeULoop:
			if r32(fp, o.a) >= r32(fp, o.b) {
				m.cbase += int64(o.d)
				if m.cbase >= m.FastLimit.Load() {
					return m.checkAfterBranch(pc)
				}
				pc = int(o.t)
				continue
			}
		case opSelect32:
			if r32(fp, uint32(o.t)) != 0 {
				w32(fp, o.c, r32(fp, o.a))
			} else {
				w32(fp, o.c, r32(fp, o.b))
			}
		case opSelect64:
			if r32(fp, uint32(o.t)) != 0 {
				w64(fp, o.c, r64(fp, o.a))
			} else {
				w64(fp, o.c, r64(fp, o.b))
			}
		case opGlobalGet32:
			w32(fp, o.c, uint32(m.Globals[o.a].Lo))
		case opGlobalGet64:
			w64(fp, o.c, m.Globals[o.a].Lo)
		case opGlobalSet32:
			m.Globals[o.b].Lo = uint64(r32(fp, o.a))
		case opGlobalSet64:
			m.Globals[o.b].Lo = r64(fp, o.a)
		case opRefFunc:
			w64(fp, o.c, m.Refs[o.a])
		case opTrap:
			return m.trapAt(pc, engines.MsgUnreachable)

		case opReturn:
			switch o.n {
			case 1:
				w32(fp, 0, r32(fp, o.a))
			case 2:
				w64(fp, 0, r64(fp, o.a))
			}
			m.cbase += int64(o.d)
			m.depth--
			if m.depth <= m.StopDepth {
				m.pc, m.wi = 0, 0
				return engines.StReturn
			}
			caller := &m.frames[m.depth-1]
			if caller.code != m.active[caller.fn.index] {
				m.remapCaller(caller)
			}
			m.code, pc, m.base = caller.code, int(caller.ret), int(caller.base)
			code = m.code.code
			fp = unsafe.Pointer(&m.stack[m.base])
			next := caller.code.wasm[pc-1] + 1
			m.cbase -= int64(next)
			if m.cbase >= m.FastLimit.Load() {
				m.pc, m.wi = pc, int(next)
				return engines.StCheck
			}
			continue

		case opCall:
			// v is untranslated on the machine's first call of f: its
			// frame does not fit, and callSlow translates f.
			f, v := m.funcs[o.a], m.active[o.a]
			nb := m.base + int(o.b)
			if m.depth >= len(m.frames) || m.depth >= m.maxDepth || nb+v.frameCells+4 > len(m.stack) {
				m.pc = pc
				if st := m.callSlow(f, nb, o); st != engines.StRunning {
					return st
				}
			} else {
				s := m.stack[nb:]
				for i := f.paramCells; i < f.localCells; i++ {
					s[i] = 0
				}
				pool := s[f.localCells:]
				for i, v := range f.pool {
					pool[i] = v
				}
				caller := &m.frames[m.depth-1]
				caller.code, caller.ret = m.code, int32(pc+1)
				m.frames[m.depth] = frame{fn: f, base: int32(nb)}
				m.depth++
				m.cbase += int64(o.d)
				m.code = v
				m.base = nb
				m.pc = 0
				if m.cbase >= m.FastLimit.Load() {
					m.wi = 0
					return engines.StCheck
				}
			}
			code, pc = m.code.code, m.pc
			fp = unsafe.Pointer(&m.stack[m.base])
			continue

		case opCallImport:
			m.pc = pc
			if st := m.callImport(o); st != engines.StRunning {
				return st
			}
			code, pc = m.code.code, m.pc
			fp = unsafe.Pointer(&m.stack[m.base])
		case opCallIndirect:
			m.pc = pc
			if st := m.callIndirect(o); st != engines.StRunning {
				return st
			}
			code, pc = m.code.code, m.pc
			fp = unsafe.Pointer(&m.stack[m.base])
			continue
		case opReturnN, opBrTable:
			m.pc = pc
			if st := m.branchOut(o); st != engines.StRunning {
				return st
			}
			code, pc = m.code.code, m.pc
			fp = unsafe.Pointer(&m.stack[m.base])
			continue
		case opWatchStore:
			m.pc, m.wi = pc, int(m.code.wasm[pc])
			if st := m.watchStore(o); st != engines.StRunning {
				return st
			}
		case opStep:
			m.pc, m.wi = pc, int(o.a)
			if m.stepStop() {
				return engines.StStop
			}
			code, pc = m.code.code, m.pc
			fp = unsafe.Pointer(&m.stack[m.base])
			if code[pc].code != opStep {
				// stepStop went back to the fast variant: pc is the op
				// to run next, not this step.
				continue
			}

		case opI32DivS:
			a, b := int32(r32(fp, o.a)), int32(r32(fp, o.b))
			if b == 0 {
				return m.trapAt(pc, engines.MsgDivideByZero)
			}
			if b == -1 && a == math.MinInt32 {
				return m.trapAt(pc, engines.MsgIntegerOverflow)
			}
			w32(fp, o.c, uint32(a/b))
		case opI32DivU:
			a, b := r32(fp, o.a), r32(fp, o.b)
			if b == 0 {
				return m.trapAt(pc, engines.MsgDivideByZero)
			}
			w32(fp, o.c, a/b)
		case opI32RemS:
			a, b := int32(r32(fp, o.a)), int32(r32(fp, o.b))
			if b == 0 {
				return m.trapAt(pc, engines.MsgDivideByZero)
			}
			if b == -1 {
				w32(fp, o.c, 0)
			} else {
				w32(fp, o.c, uint32(a%b))
			}
		case opI32RemU:
			a, b := r32(fp, o.a), r32(fp, o.b)
			if b == 0 {
				return m.trapAt(pc, engines.MsgDivideByZero)
			}
			w32(fp, o.c, a%b)
		case opI64DivS:
			a, b := int64(r64(fp, o.a)), int64(r64(fp, o.b))
			if b == 0 {
				return m.trapAt(pc, engines.MsgDivideByZero)
			}
			if b == -1 && a == math.MinInt64 {
				return m.trapAt(pc, engines.MsgIntegerOverflow)
			}
			w64(fp, o.c, uint64(a/b))
		case opI64DivU:
			a, b := r64(fp, o.a), r64(fp, o.b)
			if b == 0 {
				return m.trapAt(pc, engines.MsgDivideByZero)
			}
			w64(fp, o.c, a/b)
		case opI64RemS:
			a, b := int64(r64(fp, o.a)), int64(r64(fp, o.b))
			if b == 0 {
				return m.trapAt(pc, engines.MsgDivideByZero)
			}
			if b == -1 {
				w64(fp, o.c, 0)
			} else {
				w64(fp, o.c, uint64(a%b))
			}
		case opI64RemU:
			a, b := r64(fp, o.a), r64(fp, o.b)
			if b == 0 {
				return m.trapAt(pc, engines.MsgDivideByZero)
			}
			w64(fp, o.c, a%b)

		case opI32Load:
			ea := uint64(r32(fp, o.a)) + uint64(uint32(o.t))
			mem := m.memData
			if ea+4 > uint64(len(mem)) {
				return m.trapAt(pc, engines.MsgMemoryOOB)
			}
			w32(fp, o.c, binary.LittleEndian.Uint32(mem[ea:]))
		case opF32Load:
			ea := uint64(r32(fp, o.a)) + uint64(uint32(o.t))
			mem := m.memData
			if ea+4 > uint64(len(mem)) {
				return m.trapAt(pc, engines.MsgMemoryOOB)
			}
			w32(fp, o.c, binary.LittleEndian.Uint32(mem[ea:]))
		case opI64Load:
			ea := uint64(r32(fp, o.a)) + uint64(uint32(o.t))
			mem := m.memData
			if ea+8 > uint64(len(mem)) {
				return m.trapAt(pc, engines.MsgMemoryOOB)
			}
			w64(fp, o.c, binary.LittleEndian.Uint64(mem[ea:]))
		case opF64Load:
			ea := uint64(r32(fp, o.a)) + uint64(uint32(o.t))
			mem := m.memData
			if ea+8 > uint64(len(mem)) {
				return m.trapAt(pc, engines.MsgMemoryOOB)
			}
			w64(fp, o.c, binary.LittleEndian.Uint64(mem[ea:]))
		case opI32Load8S:
			ea := uint64(r32(fp, o.a)) + uint64(uint32(o.t))
			mem := m.memData
			if ea >= uint64(len(mem)) {
				return m.trapAt(pc, engines.MsgMemoryOOB)
			}
			w32(fp, o.c, uint32(int32(int8(mem[ea]))))
		case opI32Load8U:
			ea := uint64(r32(fp, o.a)) + uint64(uint32(o.t))
			mem := m.memData
			if ea >= uint64(len(mem)) {
				return m.trapAt(pc, engines.MsgMemoryOOB)
			}
			w32(fp, o.c, uint32(mem[ea]))
		case opI32Load16S:
			ea := uint64(r32(fp, o.a)) + uint64(uint32(o.t))
			mem := m.memData
			if ea+2 > uint64(len(mem)) {
				return m.trapAt(pc, engines.MsgMemoryOOB)
			}
			w32(fp, o.c, uint32(int32(int16(binary.LittleEndian.Uint16(mem[ea:])))))
		case opI32Load16U:
			ea := uint64(r32(fp, o.a)) + uint64(uint32(o.t))
			mem := m.memData
			if ea+2 > uint64(len(mem)) {
				return m.trapAt(pc, engines.MsgMemoryOOB)
			}
			w32(fp, o.c, uint32(binary.LittleEndian.Uint16(mem[ea:])))
		case opI64Load8S:
			ea := uint64(r32(fp, o.a)) + uint64(uint32(o.t))
			mem := m.memData
			if ea >= uint64(len(mem)) {
				return m.trapAt(pc, engines.MsgMemoryOOB)
			}
			w64(fp, o.c, uint64(int64(int8(mem[ea]))))
		case opI64Load8U:
			ea := uint64(r32(fp, o.a)) + uint64(uint32(o.t))
			mem := m.memData
			if ea >= uint64(len(mem)) {
				return m.trapAt(pc, engines.MsgMemoryOOB)
			}
			w64(fp, o.c, uint64(mem[ea]))
		case opI64Load16S:
			ea := uint64(r32(fp, o.a)) + uint64(uint32(o.t))
			mem := m.memData
			if ea+2 > uint64(len(mem)) {
				return m.trapAt(pc, engines.MsgMemoryOOB)
			}
			w64(fp, o.c, uint64(int64(int16(binary.LittleEndian.Uint16(mem[ea:])))))
		case opI64Load16U:
			ea := uint64(r32(fp, o.a)) + uint64(uint32(o.t))
			mem := m.memData
			if ea+2 > uint64(len(mem)) {
				return m.trapAt(pc, engines.MsgMemoryOOB)
			}
			w64(fp, o.c, uint64(binary.LittleEndian.Uint16(mem[ea:])))
		case opI64Load32S:
			ea := uint64(r32(fp, o.a)) + uint64(uint32(o.t))
			mem := m.memData
			if ea+4 > uint64(len(mem)) {
				return m.trapAt(pc, engines.MsgMemoryOOB)
			}
			w64(fp, o.c, uint64(int64(int32(binary.LittleEndian.Uint32(mem[ea:])))))
		case opI64Load32U:
			ea := uint64(r32(fp, o.a)) + uint64(uint32(o.t))
			mem := m.memData
			if ea+4 > uint64(len(mem)) {
				return m.trapAt(pc, engines.MsgMemoryOOB)
			}
			w64(fp, o.c, uint64(binary.LittleEndian.Uint32(mem[ea:])))
		case opI32Store:
			ea := uint64(r32(fp, o.a)) + uint64(uint32(o.t))
			mem := m.memData
			if ea+4 > uint64(len(mem)) {
				return m.trapAt(pc, engines.MsgMemoryOOB)
			}
			binary.LittleEndian.PutUint32(mem[ea:], r32(fp, o.b))
		case opF32Store:
			ea := uint64(r32(fp, o.a)) + uint64(uint32(o.t))
			mem := m.memData
			if ea+4 > uint64(len(mem)) {
				return m.trapAt(pc, engines.MsgMemoryOOB)
			}
			binary.LittleEndian.PutUint32(mem[ea:], r32(fp, o.b))
		case opI64Store32:
			ea := uint64(r32(fp, o.a)) + uint64(uint32(o.t))
			mem := m.memData
			if ea+4 > uint64(len(mem)) {
				return m.trapAt(pc, engines.MsgMemoryOOB)
			}
			binary.LittleEndian.PutUint32(mem[ea:], r32(fp, o.b))
		case opI64Store:
			ea := uint64(r32(fp, o.a)) + uint64(uint32(o.t))
			mem := m.memData
			if ea+8 > uint64(len(mem)) {
				return m.trapAt(pc, engines.MsgMemoryOOB)
			}
			binary.LittleEndian.PutUint64(mem[ea:], r64(fp, o.b))
		case opF64Store:
			ea := uint64(r32(fp, o.a)) + uint64(uint32(o.t))
			mem := m.memData
			if ea+8 > uint64(len(mem)) {
				return m.trapAt(pc, engines.MsgMemoryOOB)
			}
			binary.LittleEndian.PutUint64(mem[ea:], r64(fp, o.b))
		case opI32Store8:
			ea := uint64(r32(fp, o.a)) + uint64(uint32(o.t))
			mem := m.memData
			if ea >= uint64(len(mem)) {
				return m.trapAt(pc, engines.MsgMemoryOOB)
			}
			mem[ea] = byte(r32(fp, o.b))
		case opI64Store8:
			ea := uint64(r32(fp, o.a)) + uint64(uint32(o.t))
			mem := m.memData
			if ea >= uint64(len(mem)) {
				return m.trapAt(pc, engines.MsgMemoryOOB)
			}
			mem[ea] = byte(r32(fp, o.b))
		case opI32Store16:
			ea := uint64(r32(fp, o.a)) + uint64(uint32(o.t))
			mem := m.memData
			if ea+2 > uint64(len(mem)) {
				return m.trapAt(pc, engines.MsgMemoryOOB)
			}
			binary.LittleEndian.PutUint16(mem[ea:], uint16(r32(fp, o.b)))
		case opI64Store16:
			ea := uint64(r32(fp, o.a)) + uint64(uint32(o.t))
			mem := m.memData
			if ea+2 > uint64(len(mem)) {
				return m.trapAt(pc, engines.MsgMemoryOOB)
			}
			binary.LittleEndian.PutUint16(mem[ea:], uint16(r32(fp, o.b)))
		case opI32Eqz:
			w32(fp, o.c, b2i(r32(fp, o.a) == 0))
		case opI32Eq:
			w32(fp, o.c, b2i(r32(fp, o.a) == r32(fp, o.b)))
		case opI32Ne:
			w32(fp, o.c, b2i(r32(fp, o.a) != r32(fp, o.b)))
		case opI32LtS:
			w32(fp, o.c, b2i(int32(r32(fp, o.a)) < int32(r32(fp, o.b))))
		case opI32LtU:
			w32(fp, o.c, b2i(r32(fp, o.a) < r32(fp, o.b)))
		case opI32GtS:
			w32(fp, o.c, b2i(int32(r32(fp, o.a)) > int32(r32(fp, o.b))))
		case opI32GtU:
			w32(fp, o.c, b2i(r32(fp, o.a) > r32(fp, o.b)))
		case opI32LeS:
			w32(fp, o.c, b2i(int32(r32(fp, o.a)) <= int32(r32(fp, o.b))))
		case opI32LeU:
			w32(fp, o.c, b2i(r32(fp, o.a) <= r32(fp, o.b)))
		case opI32GeS:
			w32(fp, o.c, b2i(int32(r32(fp, o.a)) >= int32(r32(fp, o.b))))
		case opI32GeU:
			w32(fp, o.c, b2i(r32(fp, o.a) >= r32(fp, o.b)))
		case opI64Eqz:
			w32(fp, o.c, b2i(r64(fp, o.a) == 0))
		case opI64Eq:
			w32(fp, o.c, b2i(r64(fp, o.a) == r64(fp, o.b)))
		case opI64Ne:
			w32(fp, o.c, b2i(r64(fp, o.a) != r64(fp, o.b)))
		case opI64LtS:
			w32(fp, o.c, b2i(int64(r64(fp, o.a)) < int64(r64(fp, o.b))))
		case opI64LtU:
			w32(fp, o.c, b2i(r64(fp, o.a) < r64(fp, o.b)))
		case opI64GtS:
			w32(fp, o.c, b2i(int64(r64(fp, o.a)) > int64(r64(fp, o.b))))
		case opI64GtU:
			w32(fp, o.c, b2i(r64(fp, o.a) > r64(fp, o.b)))
		case opI64LeS:
			w32(fp, o.c, b2i(int64(r64(fp, o.a)) <= int64(r64(fp, o.b))))
		case opI64LeU:
			w32(fp, o.c, b2i(r64(fp, o.a) <= r64(fp, o.b)))
		case opI64GeS:
			w32(fp, o.c, b2i(int64(r64(fp, o.a)) >= int64(r64(fp, o.b))))
		case opI64GeU:
			w32(fp, o.c, b2i(r64(fp, o.a) >= r64(fp, o.b)))
		case opF32Eq:
			w32(fp, o.c, b2i(rf32(fp, o.a) == rf32(fp, o.b)))
		case opF64Eq:
			w32(fp, o.c, b2i(rf64(fp, o.a) == rf64(fp, o.b)))
		case opF32Ne:
			w32(fp, o.c, b2i(rf32(fp, o.a) != rf32(fp, o.b)))
		case opF64Ne:
			w32(fp, o.c, b2i(rf64(fp, o.a) != rf64(fp, o.b)))
		case opF32Lt:
			w32(fp, o.c, b2i(rf32(fp, o.a) < rf32(fp, o.b)))
		case opF64Lt:
			w32(fp, o.c, b2i(rf64(fp, o.a) < rf64(fp, o.b)))
		case opF32Gt:
			w32(fp, o.c, b2i(rf32(fp, o.a) > rf32(fp, o.b)))
		case opF64Gt:
			w32(fp, o.c, b2i(rf64(fp, o.a) > rf64(fp, o.b)))
		case opF32Le:
			w32(fp, o.c, b2i(rf32(fp, o.a) <= rf32(fp, o.b)))
		case opF64Le:
			w32(fp, o.c, b2i(rf64(fp, o.a) <= rf64(fp, o.b)))
		case opF32Ge:
			w32(fp, o.c, b2i(rf32(fp, o.a) >= rf32(fp, o.b)))
		case opF64Ge:
			w32(fp, o.c, b2i(rf64(fp, o.a) >= rf64(fp, o.b)))
		case opI32Clz:
			w32(fp, o.c, uint32(bits.LeadingZeros32(r32(fp, o.a))))
		case opI32Ctz:
			w32(fp, o.c, uint32(bits.TrailingZeros32(r32(fp, o.a))))
		case opI32Add:
			w32(fp, o.c, r32(fp, o.a)+r32(fp, o.b))
		case opI64Add:
			w64(fp, o.c, r64(fp, o.a)+r64(fp, o.b))
		case opI32Sub:
			w32(fp, o.c, r32(fp, o.a)-r32(fp, o.b))
		case opI64Sub:
			w64(fp, o.c, r64(fp, o.a)-r64(fp, o.b))
		case opI32Mul:
			w32(fp, o.c, r32(fp, o.a)*r32(fp, o.b))
		case opI64Mul:
			w64(fp, o.c, r64(fp, o.a)*r64(fp, o.b))
		case opI32And:
			w32(fp, o.c, r32(fp, o.a)&r32(fp, o.b))
		case opI64And:
			w64(fp, o.c, r64(fp, o.a)&r64(fp, o.b))
		case opI32Or:
			w32(fp, o.c, r32(fp, o.a)|r32(fp, o.b))
		case opI64Or:
			w64(fp, o.c, r64(fp, o.a)|r64(fp, o.b))
		case opI32Xor:
			w32(fp, o.c, r32(fp, o.a)^r32(fp, o.b))
		case opI64Xor:
			w64(fp, o.c, r64(fp, o.a)^r64(fp, o.b))
		case opI32Shl:
			w32(fp, o.c, r32(fp, o.a)<<(r32(fp, o.b)&31))
		case opI32ShrS:
			w32(fp, o.c, uint32(int32(r32(fp, o.a))>>(r32(fp, o.b)&31)))
		case opI32ShrU:
			w32(fp, o.c, r32(fp, o.a)>>(r32(fp, o.b)&31))
		case opI32Rotl:
			w32(fp, o.c, bits.RotateLeft32(r32(fp, o.a), int(r32(fp, o.b)&31)))
		case opI32Rotr:
			w32(fp, o.c, bits.RotateLeft32(r32(fp, o.a), -int(r32(fp, o.b)&31)))
		case opI64Clz:
			w64(fp, o.c, uint64(bits.LeadingZeros64(r64(fp, o.a))))
		case opI64Ctz:
			w64(fp, o.c, uint64(bits.TrailingZeros64(r64(fp, o.a))))
		case opI64Shl:
			w64(fp, o.c, r64(fp, o.a)<<(r64(fp, o.b)&63))
		case opI64ShrS:
			w64(fp, o.c, uint64(int64(r64(fp, o.a))>>(r64(fp, o.b)&63)))
		case opI64ShrU:
			w64(fp, o.c, r64(fp, o.a)>>(r64(fp, o.b)&63))
		case opI64Rotl:
			w64(fp, o.c, bits.RotateLeft64(r64(fp, o.a), int(r64(fp, o.b)&63)))
		case opI64Rotr:
			w64(fp, o.c, bits.RotateLeft64(r64(fp, o.a), -int(r64(fp, o.b)&63)))
		case opF32Abs:
			w32(fp, o.c, r32(fp, o.a)&0x7fffffff)
		case opF32Neg:
			w32(fp, o.c, r32(fp, o.a)^0x80000000)
		case opF32Copysign:
			w32(fp, o.c, r32(fp, o.a)&0x7fffffff|r32(fp, o.b)&0x80000000)
		case opF32Sqrt:
			wf32(fp, o.c, float32(math.Sqrt(float64(rf32(fp, o.a)))))
		case opF64Abs:
			w64(fp, o.c, r64(fp, o.a)&(1<<63-1))
		case opF64Neg:
			w64(fp, o.c, r64(fp, o.a)^(1<<63))
		case opF64Copysign:
			w64(fp, o.c, r64(fp, o.a)&(1<<63-1)|r64(fp, o.b)&(1<<63))
		case opF64Sqrt:
			wf64(fp, o.c, math.Sqrt(rf64(fp, o.a)))
		case opF32Add:
			wf32(fp, o.c, rf32(fp, o.a)+rf32(fp, o.b))
		case opF64Add:
			wf64(fp, o.c, rf64(fp, o.a)+rf64(fp, o.b))
		case opF32Sub:
			wf32(fp, o.c, rf32(fp, o.a)-rf32(fp, o.b))
		case opF64Sub:
			wf64(fp, o.c, rf64(fp, o.a)-rf64(fp, o.b))
		case opF32Mul:
			wf32(fp, o.c, rf32(fp, o.a)*rf32(fp, o.b))
		case opF64Mul:
			wf64(fp, o.c, rf64(fp, o.a)*rf64(fp, o.b))
		case opF32Div:
			wf32(fp, o.c, rf32(fp, o.a)/rf32(fp, o.b))
		case opF64Div:
			wf64(fp, o.c, rf64(fp, o.a)/rf64(fp, o.b))
		case opI32WrapI64:
			w32(fp, o.c, uint32(r64(fp, o.a)))
		case opI64ExtendI32S:
			w64(fp, o.c, uint64(int64(int32(r32(fp, o.a)))))
		case opI64ExtendI32U:
			w64(fp, o.c, uint64(r32(fp, o.a)))
		case opI32ReinterpretF32:
			w32(fp, o.c, r32(fp, o.a))
		case opF32ReinterpretI32:
			w32(fp, o.c, r32(fp, o.a))
		case opI64ReinterpretF64:
			w64(fp, o.c, r64(fp, o.a))
		case opF64ReinterpretI64:
			w64(fp, o.c, r64(fp, o.a))
		case opF32DemoteF64:
			wf32(fp, o.c, float32(rf64(fp, o.a)))
		case opF64PromoteF32:
			wf64(fp, o.c, float64(rf32(fp, o.a)))
		case opF32ConvertI32S:
			wf32(fp, o.c, float32(int32(r32(fp, o.a))))
		case opF32ConvertI32U:
			wf32(fp, o.c, float32(r32(fp, o.a)))
		case opF32ConvertI64S:
			wf32(fp, o.c, float32(int64(r64(fp, o.a))))
		case opF64ConvertI32S:
			wf64(fp, o.c, float64(int32(r32(fp, o.a))))
		case opF64ConvertI32U:
			wf64(fp, o.c, float64(r32(fp, o.a)))
		case opF64ConvertI64S:
			wf64(fp, o.c, float64(int64(r64(fp, o.a))))
		case opI32Extend8S:
			w32(fp, o.c, uint32(int32(int8(r32(fp, o.a)))))
		case opI32Extend16S:
			w32(fp, o.c, uint32(int32(int16(r32(fp, o.a)))))
		case opI64Extend8S:
			w64(fp, o.c, uint64(int64(int8(r64(fp, o.a)))))
		case opI64Extend16S:
			w64(fp, o.c, uint64(int64(int16(r64(fp, o.a)))))
		case opI64Extend32S:
			w64(fp, o.c, uint64(int64(int32(r64(fp, o.a)))))
		case opRefIsNull:
			w32(fp, o.c, b2i(r64(fp, o.a) == 0))

		default:
			m.pc = pc
			if st := m.slowOp(o); st != engines.StRunning {
				return st
			}
			code, pc = m.code.code, m.pc
			fp = unsafe.Pointer(&m.stack[m.base])
		}
		pc++
	}
}

// checkAfterBranch leaves exec at a check point reached by the taken
// backward branch at op pc (its counter adjustment already applied).
//
//go:noinline
func (m *machine) checkAfterBranch(pc int) engines.Status {
	o := &m.code.code[pc]
	m.pc = int(o.t)
	j := int(m.code.wasm[pc])
	if isFusedBranch(o.code) {
		j++ // the op is the compare's; the branch is the next instruction
	}
	m.wi = j + 1 - int(o.d)
	return engines.StCheck
}

// trapAt records a trap at op pc: the machine stays before the Wasm
// instruction that the op belongs to.
//
//go:noinline
func (m *machine) trapAt(pc int, msg string) engines.Status {
	m.wi = int(m.code.wasm[pc])
	m.pc = pc
	if p := m.code.pos[m.wi]; p >= 0 {
		m.pc = int(p)
	}
	m.TrapMsg, m.TrapCause = msg, nil
	return engines.StTrap
}
