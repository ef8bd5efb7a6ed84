package threaded

import (
	"math"

	"github.com/wdb-dev/wdb/engines"
)

// SetBreakpoints replaces the breakpoints. A function that holds one runs
// this machine's copy of its precise variant, whose steps at the
// breakpoints always check.
func (m *machine) SetBreakpoints(offsets []uint32) {
	m.MarkBreakpoints(m.Mod, offsets)
	m.selectVariants()
}

// SetStoreWatch makes the stores that touch ranges stop Run
// (engines.StoreWatcher): while ranges are set, the functions that store
// run their watch variants, which check before every store.
func (m *machine) SetStoreWatch(ranges []engines.MemRange) {
	m.SetWatched(ranges)
	m.selectVariants()
}

// selectVariants fills the tables of variants again after a change of
// the breakpoints or the watch.
func (m *machine) selectVariants() {
	m.bpCode = nil
	for i, f := range m.funcs {
		if f.imported {
			continue
		}
		bp := m.BP != nil && m.BP[i] != nil
		if bp || m.fastTab[i] != untranslated {
			m.fastTab[i] = m.variantFor(f, false)
		}
		if m.preciseTab != nil && (bp || m.preciseTab[i] != untranslated) {
			m.preciseTab[i] = m.variantFor(f, true)
		}
	}
	m.SetPrecise(m.Current.Precise)
}

// variantFor returns the variant f runs on this machine in fast or
// precise mode: its breakpoint copy if it holds a breakpoint, its watch
// variant if it stores while memory is watched, else its own. f must be
// translated, except for a breakpoint copy, which translates it.
func (m *machine) variantFor(f *function, precise bool) *variant {
	switch {
	case m.BP != nil && m.BP[f.index] != nil:
		return m.bpVariant(f)
	case m.Watched != nil && f.hasStores:
		return f.watchVariant(precise)
	case precise:
		return f.preciseVariant()
	}
	return f.fast
}

// bpVariant returns this machine's copy of f's precise variant (its watch
// variant while memory is watched) with a breakpoint step at every
// instruction that holds one.
func (m *machine) bpVariant(f *function) *variant {
	if v, ok := m.bpCode[f.index]; ok {
		return v
	}
	if err := f.translated(); err != nil {
		return untranslated // the call will trap with the error
	}
	p := f.preciseVariant()
	if m.Watched != nil && f.hasStores {
		p = f.watchVariant(true)
	}
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
	v = m.variantFor(f, m.Current.Precise)
	m.active[f.index] = v
	return v
}

// SetPrecise selects the variants for what remains of the Run and moves
// every frame to its function's active variant where its position exists
// there. A boundary inside a fused operation has none: the top frame then
// stays where it is, and FastLimit makes the next check point come back
// here. In precise mode FastLimit is the limit itself, which the steps
// compare the counter with.
func (m *machine) SetPrecise(precise bool) {
	m.Current.Precise = precise
	if precise && !m.Current.Nested {
		m.SetFastLimit(int64(min(m.Current.Limit, math.MaxInt64)))
	}
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
	if !m.remapTop() {
		m.FastLimit.Store(math.MinInt64)
	}
}

// remapTop moves the top frame to its function's active variant if its
// position exists there, and reports whether it runs the active variant.
// If not, it moves it to the precise variant this machine runs for the
// function (which has every position), so that until the next check point
// the top frame still stops at its breakpoints and watched stores.
func (m *machine) remapTop() bool {
	if m.depth == 0 || m.pos == nil {
		return true
	}
	f := m.top().fn
	v := m.activeVariant(f)
	if v == m.v {
		return true
	}
	if p := v.pos[m.wi]; p >= 0 && v != untranslated {
		m.v, m.pos = v, &v.code[p]
		return true
	}
	if p := m.variantFor(f, true); p != m.v {
		m.v, m.pos = p, &p.code[p.pos[m.wi]]
	}
	return false
}

// SaveActivation saves the activation before a Call above it; the
// returned function brings it back, keeping the counter.
func (m *machine) SaveActivation() func(panicked bool) {
	v, pos, wi, base, depth, r0, fp0 := m.v, m.pos, m.wi, m.base, m.depth, m.r0, m.fp0
	return func(panicked bool) {
		if panicked {
			m.wi = wi // m.cbase + wi is the counter
		}
		counter := m.Counter()
		m.v, m.pos, m.wi, m.depth, m.r0, m.fp0 = v, pos, wi, depth, r0, fp0
		m.setFrame(base)
		m.cbase = int64(counter) - int64(wi)
	}
}

// PushCall places a call of fn with args above the activation, at its
// first instruction, keeping the counter.
func (m *machine) PushCall(fn uint32, args []uint64) (func() []uint64, error) {
	f := m.funcs[fn]
	if m.depth == 0 {
		m.startFn = f // for Results
	}
	counter, at := m.Counter(), m.frameEnd()
	if !m.growStack(at + len(args) + f.numResults) {
		return nil, &engines.Trap{Msg: msgCallStack}
	}
	copy(m.stack[at:], args)
	if msg := m.enter(f, at); msg != "" {
		return nil, &engines.Trap{Msg: msg}
	}
	m.cbase = int64(counter)
	return func() []uint64 { return m.resultsAt(f, at) }, nil
}

// resultsAt reads f's results from slot at on.
func (m *machine) resultsAt(f *function, at int) []uint64 {
	res := make([]uint64, f.numResults)
	for i, t := range f.def.Type.Results {
		res[i] = typedValue(t, m.stack[at+i])
	}
	return res
}

// Results collects the started call's results from the bottom slots.
func (m *machine) Results() []uint64 { return m.resultsAt(m.startFn, 0) }

// Window: the fast variant never runs more than a function's length
// between check points.
func (m *machine) Window() int64 { return int64(2*m.prog.maxLen + 2) }

// Reset discards the frames and makes the counter counter.
func (m *machine) Reset(counter uint64) {
	m.depth, m.wi, m.pos = 0, 0, nil
	m.setFrame(0)
	m.cbase = int64(counter)
}

// Position returns the top frame's function and instruction index.
func (m *machine) Position() (uint32, int) { return m.top().fn.index, m.wi }

// stepStop is the precise variant's check at the boundary before
// instruction in.a.
func (m *machine) stepStop(in *inst) *inst {
	if m.Current.Nested {
		if m.Interrupted() {
			m.FastLimit.Store(math.MinInt64) // for the nested Call's next check point
		}
		return next(in)
	}
	m.wi, m.pos = int(in.a), in
	if ev, ok := m.AtBoundary(); ok {
		m.StopKind = ev.Kind
		m.status = engines.StStop
		return nil
	}
	return next(in)
}

// MakeTrap describes the trap at the current position.
func (m *machine) MakeTrap() *engines.Trap {
	t := &engines.Trap{Msg: m.TrapMsg, Cause: m.TrapCause}
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
