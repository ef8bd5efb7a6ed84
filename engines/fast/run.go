package fast

import (
	"fmt"
	"math"

	"github.com/wdb-dev/wdb/engines"
)

// Interrupt makes the Run in progress (or the next one) return
// Interrupted at an instruction boundary.
func (m *machine) Interrupt() {
	m.interrupt.Store(true)
	m.fastLimit.Store(math.MinInt64)
}

// SetBreakpoints replaces the breakpoints. A function that holds one runs
// its precise variant, whose boundary ops check them.
func (m *machine) SetBreakpoints(offsets []uint32) {
	m.bp = nil
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
		if m.bp == nil {
			m.bp = make([][]bool, len(m.funcs))
		}
		if m.bp[f.Index] == nil {
			m.bp[f.Index] = make([]bool, len(f.Instrs))
		}
		m.bp[f.Index][i] = true
		m.hasBP = true
	}
	// Entries of functions this machine has not called stay untranslated
	// (activeVariant looks at the breakpoints when it fills them); the
	// others are translated already, which makes fn.fast safe to read.
	for i, fn := range m.funcs {
		switch {
		case fn.imported:
		case m.bp != nil && m.bp[i] != nil:
			m.fastActive[i] = fn.preciseVariant()
		case m.fastActive[i] != untranslated:
			m.fastActive[i] = fn.fast
		}
	}
	m.setPrecise(m.run.precise)
}

// setPrecise selects the variants for what remains of the Run and moves
// the top frame to its function's active variant when its position exists
// there (a boundary inside a fused op has none: the frame then stays in
// the precise variant until it leaves the function or reaches a check
// point).
func (m *machine) setPrecise(precise bool) {
	m.run.precise = precise
	if precise {
		m.ensurePrecise()
		m.active = m.preciseAll
	} else {
		m.active = m.fastActive
	}
	if m.depth > 0 {
		m.remapTop()
	}
}

// ensurePrecise makes the machine's table of precise variants; each
// function's is translated when the machine first needs it
// (activeVariant).
func (m *machine) ensurePrecise() {
	if m.preciseAll != nil {
		return
	}
	m.preciseAll = make([]*variant, len(m.funcs))
	for i := range m.preciseAll {
		m.preciseAll[i] = untranslated
	}
}

// activeVariant returns m.active[f.index], the variant new activations of
// f run, translating it and filling the entry on first need. f must be
// translated (function.translated) already.
func (m *machine) activeVariant(f *function) *variant {
	v := m.active[f.index]
	if v != untranslated {
		return v
	}
	if m.run.precise {
		v = f.preciseVariant()
		m.preciseAll[f.index] = v
		return v
	}
	return m.fastVariant(f)
}

// fastVariant returns m.fastActive[f.index], translating it and filling
// the entry on first need: the fast variant, or the precise one in a
// function that holds a breakpoint. f must be translated already.
func (m *machine) fastVariant(f *function) *variant {
	v := m.fastActive[f.index]
	if v != untranslated {
		return v
	}
	if m.bp != nil && m.bp[f.index] != nil {
		v = f.preciseVariant()
	} else {
		v = f.fast
	}
	m.fastActive[f.index] = v
	return v
}

func (m *machine) remapTop() {
	v := m.activeVariant(m.top())
	if v == m.code {
		return
	}
	if p := v.pos[m.wi]; p >= 0 {
		m.code, m.pc = v, int(p)
	}
}

// Start discards any activation and prepares a call of fn.
func (m *machine) Start(fn uint32, args []uint64) error {
	if m.inHost > 0 || m.nested > 0 {
		return fmt.Errorf("fast: Start called during a call")
	}
	if int(fn) >= len(m.funcs) {
		return fmt.Errorf("fast: Start: no function %d", fn)
	}
	f := m.funcs[fn]
	if len(args) != f.numParams {
		return fmt.Errorf("fast: Start: %s takes %d arguments, got %d", f.def.DisplayName(), f.numParams, len(args))
	}
	counter := m.Counter()
	m.depth, m.pc, m.wi, m.base = 0, 0, 0, 0
	m.cbase = int64(counter)
	m.startFn = f
	m.pendingHost = false
	m.pendingArgs = nil
	if f.imported {
		m.pendingHost = true
		m.pendingArgs = append([]uint64(nil), args...)
		return nil
	}
	if !m.growStack(2 * len(args)) {
		return &engines.Trap{Msg: msgCallStack}
	}
	c := 0
	for i, t := range f.def.Type.Params {
		m.setCell(t, c, args[i])
		c += cells(t)
	}
	if st := m.enter(f, 0); st != stRunning {
		m.depth = 0
		return &engines.Trap{Msg: m.trapMsg}
	}
	return nil
}

// Run executes until a stop condition holds or the started call ends.
func (m *machine) Run(stop engines.Stop) (ev engines.Event) {
	if m.inHost > 0 || m.nested > 0 {
		return engines.Event{Kind: engines.Trapped, Trap: &engines.Trap{Msg: "fast: Run called during a call"}}
	}
	defer m.recoverInternal(&ev)
	m.reloadMemory()
	if m.pendingHost {
		return m.runPendingHost(stop)
	}
	if m.depth == 0 {
		return engines.Event{Kind: engines.Done}
	}
	m.run = runState{limit: stop.Limit, returnDepth: stop.ReturnDepth, startCounter: m.Counter(), precise: m.run.precise}
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
				res := make([]uint64, m.startFn.numResults)
				c := 0
				for i, t := range m.startFn.def.Type.Results {
					res[i] = m.cellValue(t, c)
					c += cells(t)
				}
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
	m.pc, m.wi, m.depth, m.base = 0, 0, 0, 0
}

// boundaryStop evaluates the stop conditions at the current boundary.
func (m *machine) boundaryStop() (engines.Event, bool) {
	c := m.Counter()
	if c == m.run.limit && !m.run.nested {
		return engines.Event{Kind: engines.LimitReached}, true
	}
	if m.hasBP && !m.run.nested && c != m.run.startCounter {
		if bp := m.bp[m.top().index]; bp != nil && bp[m.wi] {
			return engines.Event{Kind: engines.Breakpoint}, true
		}
	}
	if m.interrupt.Swap(false) {
		return engines.Event{Kind: engines.Interrupted}, true
	}
	return engines.Event{}, false
}

// chooseMode selects the fast or the precise variants: precise when the
// limit may be reached before the next check point.
func (m *machine) chooseMode() {
	window := int64(2*m.prog.maxLen + 2)
	c := int64(m.Counter())
	fast := int64(math.MaxInt64)
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

// stepStop is opStep's check.
//
//go:noinline
func (m *machine) stepStop() bool {
	if m.run.nested {
		if m.interrupt.Load() {
			// Let the nested Call see it at its next check point.
			m.fastLimit.Store(math.MinInt64)
		}
		return false
	}
	ev, ok := m.boundaryStop()
	if ok {
		m.event = ev.Kind
	}
	return ok
}

// makeTrap describes the trap at the current position.
func (m *machine) makeTrap() *engines.Trap {
	t := &engines.Trap{Msg: m.trapMsg, Cause: m.trapCause}
	if m.depth > m.run.baseDepth {
		fn := m.top()
		t.Func, t.Offset = fn.index, fn.def.Instrs[m.wi].Offset
		t.Backtrace = append(t.Backtrace, engines.Location{Func: t.Func, Offset: t.Offset})
		for i := m.depth - 2; i >= m.run.baseDepth; i-- {
			f := &m.frames[i]
			t.Backtrace = append(t.Backtrace, engines.Location{Func: f.fn.index, Offset: f.fn.def.Instrs[f.callWi()].Offset})
		}
	}
	return t
}

// callWi is the Wasm index of the call instruction a frame below the top
// is executing.
func (f *frame) callWi() int { return int(f.code.wasm[f.ret-1]) }

var debugPanics = false

func (m *machine) recoverInternal(ev *engines.Event) {
	if r := recover(); r != nil {
		if debugPanics {
			panic(r)
		}
		*ev = engines.Event{Kind: engines.Trapped, Trap: &engines.Trap{Msg: fmt.Sprintf("internal error: %v", r)}}
	}
}
