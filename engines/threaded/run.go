package threaded

import (
	"fmt"

	"github.com/wdb-dev/wdb/engines"
)

// SetBreakpoints replaces the breakpoints. A function that holds one runs
// this machine's copy of its precise variant, whose steps at the
// breakpoints always check.
func (m *machine) SetBreakpoints(offsets []uint32) {
	m.MarkBreakpoints(m.Mod, offsets)
	m.bpCode = nil
	for i, f := range m.funcs {
		if f.imported {
			continue
		}
		switch {
		case m.BP != nil && m.BP[i] != nil:
			m.fastTab[i] = m.bpVariant(f)
			if m.preciseTab != nil {
				m.preciseTab[i] = m.fastTab[i]
			}
		case m.fastTab[i] != untranslated:
			m.fastTab[i] = f.fast
			if m.preciseTab != nil && m.preciseTab[i] != untranslated {
				m.preciseTab[i] = f.preciseVariant()
			}
		}
	}
	m.setPrecise(m.Current.Precise)
}

// bpVariant returns this machine's copy of f's precise variant with a
// breakpoint step at every instruction that holds one.
func (m *machine) bpVariant(f *function) *variant {
	if v, ok := m.bpCode[f.index]; ok {
		return v
	}
	if err := f.translated(); err != nil {
		return untranslated // the call will trap with the error
	}
	p := f.preciseVariant()
	v := *p
	v.code = append([]inst(nil), p.code...)
	for i, on := range m.BP[f.index] {
		if on && v.pos[i] >= 0 {
			v.code[v.pos[i]].fn = opStepBP
		}
	}
	if m.bpCode == nil {
		m.bpCode = map[uint32]*variant{}
	}
	m.bpCode[f.index] = &v
	return &v
}

// activeVariant returns m.active[f.index], translating f and filling the
// entry on first need.
func (m *machine) activeVariant(f *function) *variant {
	v := m.active[f.index]
	if v != untranslated {
		return v
	}
	if f.translated() != nil {
		return untranslated
	}
	switch {
	case m.BP != nil && m.BP[f.index] != nil:
		v = m.bpVariant(f)
	case m.Current.Precise:
		v = f.preciseVariant()
	default:
		v = f.fast
	}
	m.active[f.index] = v
	return v
}

// setPrecise selects the variants for what remains of the Run and moves
// every frame to its function's active variant where its position exists
// there (a boundary inside a fused operation has none: the top frame then
// stays where it is until a later check point).
func (m *machine) setPrecise(precise bool) {
	m.Current.Precise = precise
	if precise {
		if m.preciseTab == nil {
			m.preciseTab = make([]*variant, len(m.funcs))
			for i := range m.preciseTab {
				m.preciseTab[i] = untranslated
				if m.BP != nil && m.BP[i] != nil {
					m.preciseTab[i] = m.fastTab[i]
				}
			}
		}
		m.active = m.preciseTab
	} else {
		m.active = m.fastTab
	}
	for k := 0; k < m.depth-1; k++ {
		fr := &m.frames[k]
		v := m.activeVariant(fr.fn)
		if v != fr.v && v != untranslated {
			if p := v.pos[fr.resume]; p >= 0 {
				fr.v, fr.ret = v, &v.code[p]
			}
		}
	}
	m.remapTop()
}

// remapTop moves the top frame to its function's active variant if its
// position exists there, and reports whether it runs the active variant.
func (m *machine) remapTop() bool {
	if m.depth == 0 || m.pos == nil {
		return true
	}
	v := m.activeVariant(m.top().fn)
	if v == m.v {
		return true
	}
	if p := v.pos[m.wi]; p >= 0 && v != untranslated {
		m.v, m.pos = v, &v.code[p]
		return true
	}
	return false
}

// Start discards any activation and prepares a call of fn.
func (m *machine) Start(fn uint32, args []uint64) error {
	if m.InHost > 0 || m.Nested > 0 {
		return fmt.Errorf("threaded: Start called during a call")
	}
	if err := m.CheckCall("Start", fn, len(args)); err != nil {
		return err
	}
	f := m.funcs[fn]
	counter := m.Counter()
	m.depth, m.wi, m.pos = 0, 0, nil
	m.setFrame(0)
	m.cbase = int64(counter)
	m.startFn = f
	m.Pending = false
	if f.imported {
		m.StartHost(fn, args)
		return nil
	}
	if !m.growStack(len(args)) {
		return &engines.Trap{Msg: msgCallStack}
	}
	copy(m.stack, args)
	if msg := m.enter(f, 0); msg != "" {
		m.depth = 0
		return &engines.Trap{Msg: msg}
	}
	return nil
}

// Run executes until a stop condition holds or the started call ends.
func (m *machine) Run(stop engines.Stop) (ev engines.Event) {
	if m.InHost > 0 || m.Nested > 0 {
		return engines.Event{Kind: engines.Trapped, Trap: &engines.Trap{Msg: "threaded: Run called during a call"}}
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
	m.Current = engines.RunState{Limit: stop.Limit, ReturnDepth: stop.ReturnDepth, StartCounter: m.Counter(), Precise: m.Current.Precise}
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
				for i, t := range m.startFn.def.Type.Results {
					res[i] = typedValue(t, m.stack[i])
				}
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
			m.cbase = int64(m.Counter()) + 1
			m.wi, m.depth, m.pos = 0, 0, nil
			return engines.Event{Kind: engines.Exited, ExitCode: m.exitCode}
		}
	}
}

// boundaryStop evaluates the stop conditions at the current boundary.
func (m *machine) boundaryStop() (engines.Event, bool) {
	return m.BoundaryStop(m.Counter(), m.top().fn.index, m.wi)
}

// chooseMode selects the fast or the precise variants: precise when the
// limit may be reached before the next check point. In precise mode
// FastLimit is the limit itself, which the steps compare with. A top frame that
// cannot move to the fast variant yet makes the next check point come
// back here.
func (m *machine) chooseMode() {
	precise := m.ChooseMode(m.Counter(), int64(2*m.prog.maxLen+2))
	if precise {
		// The steps compare the counter with FastLimit: make it the limit.
		m.SetFastLimit(int64(m.Current.Limit))
	}
	m.setPrecise(precise)
	if !m.remapTop() {
		m.FastLimit.Store(-1 << 63)
	}
}

// stepStop is the precise variant's check at the boundary before
// instruction in.a.
func (m *machine) stepStop(in *inst) *inst {
	if m.Current.Nested {
		if m.Interrupted() {
			m.FastLimit.Store(-1 << 63) // for the nested Call's next check point
		}
		return next(in)
	}
	m.wi, m.pos = int(in.a), in
	if ev, ok := m.boundaryStop(); ok {
		m.event = ev.Kind
		m.status = stStop
		return nil
	}
	return next(in)
}

// makeTrap describes the trap at the current position.
func (m *machine) makeTrap() *engines.Trap {
	t := &engines.Trap{Msg: m.trapMsg, Cause: m.trapCause}
	if m.depth > m.Current.BaseDepth {
		fn := m.top().fn
		t.Func, t.Offset = fn.index, fn.def.Instrs[m.wi].Offset
		t.Backtrace = append(t.Backtrace, engines.Location{Func: t.Func, Offset: t.Offset})
		for i := m.depth - 2; i >= m.Current.BaseDepth; i-- {
			f := &m.frames[i]
			t.Backtrace = append(t.Backtrace, engines.Location{Func: f.fn.index, Offset: f.fn.def.Instrs[f.resume-1].Offset})
		}
	}
	return t
}
