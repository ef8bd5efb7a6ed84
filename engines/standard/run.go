package standard

import (
	"fmt"
	"math"

	"github.com/wdb-dev/wdb/engines"
)

// Start, Run, breakpoints, interrupts and the stop conditions.

// Interrupt makes the Run in progress (or, if none, the next one) return
// Interrupted at an instruction boundary. Safe from any goroutine.
func (m *machine) Interrupt() {
	m.interrupt.Store(true)
	m.fastLimit.Store(math.MinInt64)
}

// SetBreakpoints replaces the breakpoints. Offsets that are not the start
// of an instruction of a defined function are ignored.
func (m *machine) SetBreakpoints(offsets []uint32) {
	for i, fn := range m.prog.funcs {
		m.fastCode[i] = fn.code
	}
	m.bp = make([][]bool, len(m.prog.funcs))
	m.hasBP = false
	for _, off := range offsets {
		f, ok := m.mod.FuncAt(off)
		if !ok {
			continue
		}
		i, ok := f.InstrAt(off)
		if !ok {
			continue
		}
		fn := m.prog.funcs[f.Index]
		if m.bp[f.Index] == nil {
			m.bp[f.Index] = make([]bool, len(fn.code))
			m.fastCode[f.Index] = append([]op(nil), fn.code...)
		}
		m.bp[f.Index][i] = true
		m.fastCode[f.Index][i] = op{code: opBreak}
		m.hasBP = true
	}
	if !m.run.precise && m.depth > 0 {
		m.code = m.active[m.top().index]
	}
}

// Start discards any activation and prepares a call of fn.
func (m *machine) Start(fn uint32, args []uint64) error {
	if m.inHost > 0 || m.nested > 0 {
		return fmt.Errorf("standard: Start called during a call")
	}
	if int(fn) >= len(m.funcs) {
		return fmt.Errorf("standard: Start: no function %d", fn)
	}
	f := m.funcs[fn]
	if len(args) != f.numParams {
		return fmt.Errorf("standard: Start: %s takes %d arguments, got %d", f.def.DisplayName(), f.numParams, len(args))
	}
	counter := m.Counter()
	m.depth, m.sp, m.pc, m.base = 0, 0, 0, 0
	m.cbase = int64(counter)
	m.startFn = f
	m.pendingHost = false
	m.pendingArgs = nil
	if f.imported {
		m.pendingHost = true
		m.pendingArgs = append([]uint64(nil), args...)
		return nil
	}
	if len(args) > len(m.stack) && !m.growStack(len(args)) {
		return &engines.Trap{Msg: msgCallStack}
	}
	for i, a := range args {
		m.stack[i] = slot{lo: a}
	}
	m.sp = len(args)
	if st := m.enter(f); st != stRunning {
		m.depth, m.sp = 0, 0
		return &engines.Trap{Msg: m.trapMsg}
	}
	return nil
}

// Run executes until a stop condition holds or the started call ends.
func (m *machine) Run(stop engines.Stop) (ev engines.Event) {
	if m.inHost > 0 || m.nested > 0 {
		return engines.Event{Kind: engines.Trapped, Trap: &engines.Trap{Msg: "standard: Run called during a call"}}
	}
	defer m.recoverInternal(&ev)
	m.reloadMemory()
	if m.pendingHost {
		return m.runPendingHost(stop)
	}
	if m.depth == 0 {
		return engines.Event{Kind: engines.Done}
	}
	m.run = runState{limit: stop.Limit, returnDepth: stop.ReturnDepth, startCounter: m.Counter()}
	m.stopDepth = max(0, stop.ReturnDepth)
	if ev, ok := m.boundaryStop(); ok {
		return ev
	}
	m.chooseMode()
	for {
		switch m.exec() {
		case stCheck:
			if ev, ok := m.boundaryStop(); ok {
				return ev
			}
			m.chooseMode()
		case stReturn:
			if m.depth == 0 {
				n := m.startFn.numResults
				res := make([]uint64, n)
				for i := range res {
					res[i] = m.stack[i].lo
				}
				m.sp = 0
				return engines.Event{Kind: engines.Done, Results: res}
			}
			m.resumeCaller()
			if m.Counter() == m.run.limit {
				return engines.Event{Kind: engines.LimitReached}
			}
			return engines.Event{Kind: engines.Returned}
		case stStop:
			return engines.Event{Kind: m.event}
		case stTrap:
			return engines.Event{Kind: engines.Trapped, Trap: m.makeTrap()}
		case stExit:
			m.exitActivation()
			return engines.Event{Kind: engines.Exited, ExitCode: m.exitCode}
		}
	}
}

// runPendingHost performs a started call of an imported function: one
// instruction, atomic.
func (m *machine) runPendingHost(stop engines.Stop) engines.Event {
	if m.Counter() == stop.Limit {
		return engines.Event{Kind: engines.LimitReached}
	}
	if m.interrupt.Swap(false) {
		return engines.Event{Kind: engines.Interrupted}
	}
	f := m.startFn
	results := make([]uint64, f.numResults)
	m.inHost++
	err := m.callExtern(m.imports[f.index], m.pendingArgs, results)
	m.inHost--
	if exit, ok := err.(*engines.ExitError); ok {
		m.pendingHost = false
		m.cbase++
		return engines.Event{Kind: engines.Exited, ExitCode: exit.Code}
	}
	if err != nil {
		return engines.Event{Kind: engines.Trapped, Trap: &engines.Trap{Msg: err.Error(), Func: f.index, Cause: err}}
	}
	m.pendingHost = false
	m.cbase++
	return engines.Event{Kind: engines.Done, Results: results}
}

// exitActivation ends the activation after proc_exit: the exiting call is
// counted and the frames are discarded.
func (m *machine) exitActivation() {
	m.cbase = int64(m.Counter()) + 1
	m.pc, m.depth, m.sp, m.base = 0, 0, 0, 0
}

// boundaryStop evaluates the stop conditions at the current instruction
// boundary, in the order of docs/execution-model.md.
func (m *machine) boundaryStop() (engines.Event, bool) {
	c := m.Counter()
	if c == m.run.limit && !m.run.nested {
		return engines.Event{Kind: engines.LimitReached}, true
	}
	if m.hasBP && !m.run.nested && c != m.run.startCounter {
		if bp := m.bp[m.top().index]; bp != nil && bp[m.pc] {
			return engines.Event{Kind: engines.Breakpoint}, true
		}
	}
	if m.interrupt.Swap(false) {
		return engines.Event{Kind: engines.Interrupted}, true
	}
	return engines.Event{}, false
}

// chooseMode selects the fast or the precise code for what remains of the
// Run: precise (every instruction checks the stop conditions) when the
// limit may be reached before the next check point, fast otherwise.
func (m *machine) chooseMode() {
	window := int64(2*m.prog.maxLen + 2)
	c := int64(m.Counter())
	fast := int64(math.MaxInt64)
	// A limit already passed can never be reached.
	if !m.run.nested && m.run.limit <= math.MaxInt64/2 && int64(m.run.limit) >= c {
		fast = int64(m.run.limit) - window
	}
	precise := c >= fast
	if precise {
		fast = math.MaxInt64
	}
	m.setPrecise(precise)
	m.fastLimit.Store(fast)
	if m.interrupt.Load() {
		m.fastLimit.Store(math.MinInt64)
	}
}

func (m *machine) setPrecise(precise bool) {
	m.run.precise = precise
	if precise {
		m.active = m.stepCode
	} else {
		m.active = m.fastCode
	}
	if m.depth > 0 {
		m.code = m.active[m.top().index]
	}
}

// stepStop is opStep's check: it reports whether Run must stop before the
// instruction at m.pc.
//
//go:noinline
func (m *machine) stepStop() bool {
	ev, ok := m.boundaryStop()
	if ok {
		m.event = ev.Kind
	}
	return ok
}

// breakStop is opBreak's check: a breakpoint stops, except at the first
// instruction of a Run and in nested calls.
//
//go:noinline
func (m *machine) breakStop() bool {
	if m.run.nested || m.Counter() == m.run.startCounter {
		return false
	}
	m.event = engines.Breakpoint
	return true
}

// resumeCaller makes the frame below a returned one current again.
func (m *machine) resumeCaller() {
	caller := &m.frames[m.depth-1]
	m.pc = caller.pc + 1
	m.base = caller.base
	m.code = m.active[caller.fn.index]
	m.cbase -= int64(m.pc)
}

// makeTrap describes the trap at the current position; the backtrace
// covers the frames of the current Run or Call.
func (m *machine) makeTrap() *engines.Trap {
	t := &engines.Trap{Msg: m.trapMsg, Cause: m.trapCause}
	if m.depth > m.run.baseDepth {
		fn := m.top()
		t.Func, t.Offset = fn.index, fn.def.Instrs[m.pc].Offset
		t.Backtrace = append(t.Backtrace, engines.Location{Func: t.Func, Offset: t.Offset})
		for i := m.depth - 2; i >= m.run.baseDepth; i-- {
			f := &m.frames[i]
			t.Backtrace = append(t.Backtrace, engines.Location{Func: f.fn.index, Offset: f.fn.def.Instrs[f.pc].Offset})
		}
	}
	return t
}

// debugPanics lets tests see a panic's stack instead of a trap.
var debugPanics = false

// recoverInternal turns a Go panic (a bug) into a trap, as a last resort.
func (m *machine) recoverInternal(ev *engines.Event) {
	if r := recover(); r != nil {
		if debugPanics {
			panic(r)
		}
		*ev = engines.Event{Kind: engines.Trapped, Trap: &engines.Trap{Msg: fmt.Sprintf("internal error: %v", r)}}
	}
}
