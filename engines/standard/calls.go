package standard

import (
	"fmt"
	"math"

	"github.com/wdb-dev/wdb/engines"
)

// enter pushes a frame for the wasm function f, whose arguments are the
// top f.numParams slots, and makes it current at its first instruction.
// On failure ("call stack exhausted") nothing changes.
func (m *machine) enter(f *function) status {
	if m.depth >= m.maxDepth {
		m.trapMsg, m.trapCause = engines.MsgCallStack, nil
		return stTrap
	}
	base := m.sp - f.numParams
	need := base + f.numLocals + f.maxHeight
	if need > len(m.stack) && !m.growStack(need) {
		m.trapMsg, m.trapCause = engines.MsgCallStack, nil
		return stTrap
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
	return stRunning
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
func (m *machine) call(f *function) status {
	counter := m.cbase + int64(m.pc) + 1
	if st := m.enter(f); st != stRunning {
		return st
	}
	m.cbase = counter
	if m.cbase >= m.FastLimit.Load() {
		return stCheck
	}
	return stRunning
}

// callImport performs a call instruction (at m.pc) of imported function
// idx: atomic, counted one when it returns.
//
//go:noinline
func (m *machine) callImport(idx uint32) status {
	f := m.funcs[idx]
	np, nr := f.numParams, f.numResults
	if nr > np && m.sp-np+nr > len(m.stack) && !m.growStack(m.sp-np+nr) {
		m.trapMsg, m.trapCause = engines.MsgCallStack, nil
		return stTrap
	}
	buf := m.hostBuffer(np + nr)
	params, results := buf[:np:np], buf[np:]
	for i := range params {
		params[i] = m.stack[m.sp-np+i].lo
	}
	if st := m.hostCall(m.Imports[idx], params, results); st != stRunning {
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
	return stRunning
}

// hostCall calls an imported (or another instance's) function with the
// machine at the call instruction, and converts its error.
func (m *machine) hostCall(ext engines.Extern, params, results []uint64) status {
	err := m.CallExtern(ext, params, results)
	m.reloadMemory()
	if err == nil {
		return stRunning
	}
	if exit, ok := err.(*engines.ExitError); ok {
		m.exitCode = exit.Code
		return stExit
	}
	m.trapMsg, m.trapCause = err.Error(), err
	return stTrap
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
func (m *machine) callIndirect(typeID uint32, t uint32) status {
	m.sp--
	st := m.callRef(typeID, t, uint32(m.stack[m.sp].lo))
	if st == stTrap || st == stExit {
		m.sp++ // still at the call_indirect, with its operands
	}
	return st
}

// callRef calls the function that element i of table t refers to.
func (m *machine) callRef(typeID, t, i uint32) status {
	tab := m.Tables[t]
	if uint64(i) >= uint64(len(tab.Elems)) {
		return m.trapWith(engines.MsgUndefinedElement)
	}
	ref := tab.Elems[i]
	if ref == 0 {
		return m.trapWith(engines.MsgUninitialized)
	}
	inst, fn := engines.DecodeFuncRef(ref)
	if inst != m.ID() {
		return m.callForeign(inst, fn, typeID)
	}
	if int(fn) >= len(m.funcs) {
		return m.trapWith(engines.MsgUndefinedElement)
	}
	f := m.funcs[fn]
	if f.typeID != typeID {
		return m.trapWith(engines.MsgIndirectMismatch)
	}
	if f.imported {
		return m.callImport(fn)
	}
	return m.call(f)
}

// callForeign calls function fn of another instance of the store through a
// reference: atomic, like a host call.
func (m *machine) callForeign(inst, fn, typeID uint32) status {
	ext, ft, msg := m.Foreign(inst, fn, &m.Mod.Types[typeID])
	if msg != "" {
		return m.trapWith(msg)
	}
	np, nr := len(ft.Params), len(ft.Results)
	if m.sp-np+nr > len(m.stack) && !m.growStack(m.sp-np+nr) {
		return m.trapWith(engines.MsgCallStack)
	}
	params := make([]uint64, np)
	for k := range params {
		params[k] = m.stack[m.sp-np+k].lo
	}
	results := make([]uint64, nr)
	if st := m.hostCall(ext, params, results); st != stRunning {
		return st
	}
	m.sp -= np
	for k, r := range results {
		m.stack[m.sp+k] = slot{lo: r}
	}
	m.sp += nr
	m.pc++
	return stRunning
}

func (m *machine) trapWith(msg string) status {
	m.trapMsg, m.trapCause = msg, nil
	return stTrap
}

// Call runs function fn to completion, above whatever activation the
// machine holds (from outside, or nested inside a host call), and returns
// its results. The counter keeps counting. Breakpoints and the Run's limit
// do not apply; an Interrupt abandons the call with an error.
func (m *machine) Call(fn uint32, args []uint64) (results []uint64, err error) {
	if err := m.CheckCall("Call", fn, len(args)); err != nil {
		return nil, err
	}
	f := m.funcs[fn]
	if m.Nested >= maxNestedCalls {
		return nil, &engines.Trap{Msg: engines.MsgCallStack}
	}
	if f.imported {
		return m.CallImport(fn, args)
	}

	// Save the activation below and the stop conditions of its Run.
	type savedState struct {
		code         []op
		pc, sp, base int
		depth        int
		run          engines.RunState
		stopDepth    int
		fastLimit    int64
		hostArgs     int
	}
	m.reloadMemory()
	saved := savedState{m.code, m.pc, m.sp, m.base, m.depth, m.Current, m.stopDepth, m.FastLimit.Load(), len(m.hostArgs)}
	restore := func() {
		counter := m.Counter()
		m.code, m.pc, m.sp, m.base, m.depth = saved.code, saved.pc, saved.sp, saved.base, saved.depth
		m.cbase = int64(counter) - int64(saved.pc)
		m.Current, m.stopDepth = saved.run, saved.stopDepth
		m.setPrecise(saved.run.Precise)
		m.SetFastLimit(saved.fastLimit)
		m.hostArgs = m.hostArgs[:saved.hostArgs]
		m.reloadMemory()
	}
	m.Nested++
	defer func() {
		m.Nested--
		if r := recover(); r != nil {
			m.pc = 0
			restore()
			results, err = nil, &engines.Trap{Msg: fmt.Sprintf("internal error: %v", r)}
		}
	}()

	counter := m.Counter()
	m.Current = engines.RunState{Limit: engines.NoLimit, BaseDepth: m.depth, Nested: true}
	m.stopDepth = m.depth
	m.setPrecise(false)
	m.SetFastLimit(math.MaxInt64)
	if need := m.sp + len(args); need > len(m.stack) && !m.growStack(need) {
		restore()
		return nil, &engines.Trap{Msg: engines.MsgCallStack}
	}
	for i, a := range args {
		m.stack[m.sp+i] = slot{lo: a}
	}
	m.sp += len(args)
	if st := m.enter(f); st != stRunning {
		restore()
		return nil, &engines.Trap{Msg: m.trapMsg}
	}
	m.cbase = int64(counter)
	for {
		switch m.exec() {
		case stCheck:
			if m.TakeInterrupt() {
				restore()
				return nil, &engines.Trap{Msg: "interrupted"}
			}
			m.FastLimit.Store(math.MaxInt64)
		case stReturn:
			// The callee's frame is popped; its results are at its base,
			// which was the saved sp. m.pc is 0 and m.cbase the counter.
			results = make([]uint64, f.numResults)
			for i := range results {
				results[i] = m.stack[saved.sp+i].lo
			}
			restore()
			return results, nil
		case stStop:
			// Stops do not apply to nested calls; carry on.
		case stTrap:
			t := m.makeTrap()
			restore()
			return nil, t
		case stExit:
			restore()
			return nil, &engines.ExitError{Code: m.exitCode}
		}
	}
}
