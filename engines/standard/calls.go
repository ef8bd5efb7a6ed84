package standard

import (
	"github.com/wdb-dev/wdb/engines"
)

// enter pushes a frame for the wasm function f, whose arguments are the
// top f.numParams slots, and makes it current at its first instruction.
// On failure ("call stack exhausted") nothing changes.
func (m *machine) enter(f *function) engines.Status {
	if m.depth >= m.maxDepth {
		m.TrapMsg, m.TrapCause = engines.MsgCallStack, nil
		return engines.StTrap
	}
	base := m.sp - f.numParams
	need := base + f.numLocals + f.maxHeight
	if need > len(m.stack) && !m.growStack(need) {
		m.TrapMsg, m.TrapCause = engines.MsgCallStack, nil
		return engines.StTrap
	}
	locals := m.stack[base+f.numParams : base+f.numLocals]
	for i := range locals {
		locals[i] = slot{}
	}
	if m.depth > 0 {
		m.frames[m.depth-1].pc = m.pc
	}
	if m.depth == len(m.frames) {
		m.frames = append(m.frames, frame{})
	}
	m.frames[m.depth] = frame{fn: f, base: base}
	m.depth++
	m.pc, m.base, m.sp = 0, base, base+f.numLocals
	m.code = m.active[f.index]
	return engines.StRunning
}

// growStack makes the value stack at least need slots long.
func (m *machine) growStack(need int) bool {
	if need > maxStackSlots {
		return false
	}
	n := max(2*len(m.stack), need, initialStackSlots)
	n = min(n, maxStackSlots)
	grown := make([]slot, n)
	copy(grown, m.stack)
	m.stack = grown
	return true
}

// call performs a call instruction (at m.pc) of the wasm function f.
//
//go:noinline
func (m *machine) call(f *function) engines.Status {
	counter := m.cbase + int64(m.pc) + 1
	if st := m.enter(f); st != engines.StRunning {
		return st
	}
	m.cbase = counter
	if m.cbase >= m.FastLimit.Load() {
		return engines.StCheck
	}
	return engines.StRunning
}

// callImport performs a call instruction (at m.pc) of imported function
// idx: atomic, counted one when it returns.
//
//go:noinline
func (m *machine) callImport(idx uint32) engines.Status {
	f := m.funcs[idx]
	np, nr := f.numParams, f.numResults
	if nr > np && m.sp-np+nr > len(m.stack) && !m.growStack(m.sp-np+nr) {
		m.TrapMsg, m.TrapCause = engines.MsgCallStack, nil
		return engines.StTrap
	}
	buf := m.hostBuffer(np + nr)
	params, results := buf[:np:np], buf[np:]
	for i := range params {
		params[i] = m.stack[m.sp-np+i].lo
	}
	if st := m.HostCall(m.Imports[idx], params, results); st != engines.StRunning {
		m.releaseHostBuffer(np + nr)
		return st
	}
	m.sp -= np
	for i, r := range results {
		m.stack[m.sp+i] = slot{lo: r}
	}
	m.sp += nr
	m.releaseHostBuffer(np + nr)
	m.pc++
	return engines.StRunning
}

// hostBuffer takes n words from the host argument stack; nested host calls
// take theirs above.
func (m *machine) hostBuffer(n int) []uint64 {
	l := len(m.hostArgs)
	if l+n > cap(m.hostArgs) {
		// The old buffer may still be in use by outer calls: leave it to
		// them and continue in a new one.
		m.hostArgs = make([]uint64, l, 2*(l+n)+16)
	}
	m.hostArgs = m.hostArgs[:l+n]
	buf := m.hostArgs[l : l+n : l+n]
	clear(buf)
	return buf
}

func (m *machine) releaseHostBuffer(n int) { m.hostArgs = m.hostArgs[:len(m.hostArgs)-n] }

// callIndirect performs call_indirect (at m.pc): expected type id typeID,
// table t.
//
//go:noinline
func (m *machine) callIndirect(typeID uint32, t uint32) engines.Status {
	m.sp--
	st := m.callRef(typeID, t, uint32(m.stack[m.sp].lo))
	if st == engines.StTrap || st == engines.StExit {
		m.sp++ // still at the call_indirect, with its operands
	}
	return st
}

// callRef calls the function that element i of table t refers to.
func (m *machine) callRef(typeID, t, i uint32) engines.Status {
	tab := m.Tables[t]
	if uint64(i) >= uint64(len(tab.Elems)) {
		return m.TrapWith(engines.MsgUndefinedElement)
	}
	ref := tab.Elems[i]
	if ref == 0 {
		return m.TrapWith(engines.MsgUninitialized)
	}
	inst, fn := engines.DecodeFuncRef(ref)
	if inst != m.ID() {
		return m.callForeign(inst, fn, typeID)
	}
	if int(fn) >= len(m.funcs) {
		return m.TrapWith(engines.MsgUndefinedElement)
	}
	f := m.funcs[fn]
	if f.typeID != typeID {
		return m.TrapWith(engines.MsgIndirectMismatch)
	}
	if f.imported {
		return m.callImport(fn)
	}
	return m.call(f)
}

// callForeign calls function fn of another instance of the store through a
// reference: atomic, like a host call.
func (m *machine) callForeign(inst, fn, typeID uint32) engines.Status {
	ext, ft, msg := m.Foreign(inst, fn, &m.Mod.Types[typeID])
	if msg != "" {
		return m.TrapWith(msg)
	}
	np, nr := len(ft.Params), len(ft.Results)
	if m.sp-np+nr > len(m.stack) && !m.growStack(m.sp-np+nr) {
		return m.TrapWith(engines.MsgCallStack)
	}
	params := make([]uint64, np)
	for k := range params {
		params[k] = m.stack[m.sp-np+k].lo
	}
	results := make([]uint64, nr)
	if st := m.HostCall(ext, params, results); st != engines.StRunning {
		return st
	}
	m.sp -= np
	for k, r := range results {
		m.stack[m.sp+k] = slot{lo: r}
	}
	m.sp += nr
	m.pc++
	return engines.StRunning
}

// SaveActivation saves the activation below a Call (engines.Interp).
func (m *machine) SaveActivation() func(panicked bool) {
	code, pc, sp, base, depth, hostArgs := m.code, m.pc, m.sp, m.base, m.depth, len(m.hostArgs)
	return func(panicked bool) {
		if panicked {
			m.pc = 0 // m.cbase is the counter
		}
		counter := m.Counter()
		m.code, m.pc, m.sp, m.base, m.depth = code, pc, sp, base, depth
		m.cbase = int64(counter) - int64(pc)
		m.hostArgs = m.hostArgs[:hostArgs]
	}
}

// PushCall places a Call of function fn above the activation
// (engines.Interp): its arguments on top of the stack, where its results
// will be.
func (m *machine) PushCall(fn uint32, args []uint64) (func() []uint64, error) {
	f := m.funcs[fn]
	if m.depth == 0 {
		m.startFn = f // for Results
	}
	counter, at := m.Counter(), m.sp
	if need := at + len(args); need > len(m.stack) && !m.growStack(need) {
		return nil, &engines.Trap{Msg: engines.MsgCallStack}
	}
	for i, a := range args {
		m.stack[at+i] = slot{lo: a}
	}
	m.sp += len(args)
	if st := m.enter(f); st != engines.StRunning {
		return nil, &engines.Trap{Msg: m.TrapMsg}
	}
	m.cbase = int64(counter)
	return func() []uint64 {
		// The callee's frame is popped; its results are at its base.
		results := make([]uint64, f.numResults)
		for i := range results {
			results[i] = m.stack[at+i].lo
		}
		return results
	}, nil
}
