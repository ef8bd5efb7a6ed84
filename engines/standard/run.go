package standard

import (
	"fmt"

	"github.com/wdb-dev/wdb/engines"
)

// Start, Run, breakpoints, interrupts and the stop conditions.

// SetBreakpoints replaces the breakpoints. Offsets that are not the start
// of an instruction of a defined function are ignored. A function that
// holds one runs a copy of its code with opBreak patched in.
func (m *machine) SetBreakpoints(offsets []uint32) {
	m.MarkBreakpoints(m.Mod, offsets)
	for i, fn := range m.prog.funcs {
		m.fastCode[i] = fn.code
		if m.BP == nil || m.BP[i] == nil {
			continue
		}
		m.fastCode[i] = append([]op(nil), fn.code...)
		for k, on := range m.BP[i] {
			if on {
				m.fastCode[i][k] = op{code: opBreak}
			}
		}
	}
	if !m.Current.Precise && m.depth > 0 {
		m.code = m.active[m.top().index]
	}
}

// Start discards any activation and prepares a call of fn.
func (m *machine) Start(fn uint32, args []uint64) error {
	if m.InHost > 0 || m.Nested > 0 {
		return fmt.Errorf("standard: Start called during a call")
	}
	if err := m.CheckCall("Start", fn, len(args)); err != nil {
		return err
	}
	f := m.funcs[fn]
	counter := m.Counter()
	m.depth, m.sp, m.pc, m.base = 0, 0, 0, 0
	m.cbase = int64(counter)
	m.startFn = f
	m.Pending = false
	if f.imported {
		m.StartHost(fn, args)
		return nil
	}
	if len(args) > len(m.stack) && !m.growStack(len(args)) {
		return &engines.Trap{Msg: engines.MsgCallStack}
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
	if m.InHost > 0 || m.Nested > 0 {
		return engines.Event{Kind: engines.Trapped, Trap: &engines.Trap{Msg: "standard: Run called during a call"}}
	}
	defer engines.RecoverInternal(&ev)
	m.reloadMemory()
	if m.Pending {
		ev, retired := m.RunPending(&m.Instance, m.Counter(), stop)
		if retired {
			m.cbase++
		}
		return ev
	}
	if m.depth == 0 {
		return engines.Event{Kind: engines.Done}
	}
	m.Current = engines.RunState{Limit: stop.Limit, ReturnDepth: stop.ReturnDepth, StartCounter: m.Counter()}
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
			if m.Counter() == m.Current.Limit {
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

// exitActivation ends the activation after proc_exit: the exiting call is
// counted and the frames are discarded.
func (m *machine) exitActivation() {
	m.cbase = int64(m.Counter()) + 1
	m.pc, m.depth, m.sp, m.base = 0, 0, 0, 0
}

// boundaryStop evaluates the stop conditions at the current instruction
// boundary.
func (m *machine) boundaryStop() (engines.Event, bool) {
	return m.BoundaryStop(m.Counter(), m.top().index, m.pc)
}

// chooseMode selects the fast or the precise code for what remains of the
// Run: precise (every instruction checks the stop conditions) when the
// limit may be reached before the next check point, fast otherwise.
func (m *machine) chooseMode() {
	m.setPrecise(m.ChooseMode(m.Counter(), int64(2*m.prog.maxLen+2)))
}

func (m *machine) setPrecise(precise bool) {
	m.Current.Precise = precise
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
	if m.Current.Nested || m.Counter() == m.Current.StartCounter {
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
	if m.depth > m.Current.BaseDepth {
		fn := m.top()
		t.Func, t.Offset = fn.index, fn.def.Instrs[m.pc].Offset
		t.Backtrace = append(t.Backtrace, engines.Location{Func: t.Func, Offset: t.Offset})
		for i := m.depth - 2; i >= m.Current.BaseDepth; i-- {
			f := &m.frames[i]
			t.Backtrace = append(t.Backtrace, engines.Location{Func: f.fn.index, Offset: f.fn.def.Instrs[f.pc].Offset})
		}
	}
	return t
}
