package fast

import (
	"math"

	"github.com/wdb-dev/wdb/engines"
)

// SetBreakpoints replaces the breakpoints. A function that holds one runs
// its precise variant, whose boundary ops check them.
func (m *machine) SetBreakpoints(offsets []uint32) {
	m.MarkBreakpoints(m.Mod, offsets)
	m.chooseFast()
}

// SetStoreWatch makes the stores that touch ranges stop Run
// (engines.StoreWatcher). While ranges are set, functions without
// breakpoints run their watch variant (opWatchStore over the stores), and
// the precise variant's stepStop checks stores; with none, the variants
// are those of an unwatched machine.
func (m *machine) SetStoreWatch(ranges []engines.MemRange) {
	m.SetWatched(ranges)
	m.chooseFast()
}

// chooseFast fills the table of fast variants again after a change of
// breakpoints or watched ranges, and moves the top frame to its new one.
func (m *machine) chooseFast() {
	// Entries of functions this machine has not called stay untranslated
	// (fastVariant fills them); the others are translated already, which
	// makes fn.fast safe to read.
	for i, fn := range m.funcs {
		switch {
		case fn.imported:
		case m.BP != nil && m.BP[i] != nil, m.fastActive[i] != untranslated:
			m.fastActive[i] = m.fastChoice(fn)
		}
	}
	m.SetPrecise(m.Current.Precise)
}

// SetPrecise selects the variants for what remains of the Run and moves
// the top frame to its function's active variant when its position exists
// there (a boundary inside a fused op has none: the frame then stays in
// the precise variant until it leaves the function or reaches a check
// point).
func (m *machine) SetPrecise(precise bool) {
	m.Current.Precise = precise
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
	if m.Current.Precise {
		v = f.preciseVariant()
		m.preciseAll[f.index] = v
		return v
	}
	return m.fastVariant(f)
}

// fastVariant returns m.fastActive[f.index], translating it and filling
// the entry on first need (fastChoice). f must be translated already.
func (m *machine) fastVariant(f *function) *variant {
	v := m.fastActive[f.index]
	if v != untranslated {
		return v
	}
	v = m.fastChoice(f)
	m.fastActive[f.index] = v
	return v
}

// fastChoice is the variant f runs outside precise mode: the precise one
// if it holds a breakpoint, the watch variant while stores are watched,
// else the fast one. f must be translated already.
func (m *machine) fastChoice(f *function) *variant {
	switch {
	case m.BP != nil && m.BP[f.index] != nil:
		return f.preciseVariant()
	case m.Watched != nil:
		return f.watchVariant()
	}
	return f.fast
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

// Results collects the started call's results from the bottom cells.
func (m *machine) Results() []uint64 {
	res := make([]uint64, m.startFn.numResults)
	c := 0
	for i, t := range m.startFn.def.Type.Results {
		res[i] = m.cellValue(t, c)
		c += cells(t)
	}
	return res
}

// Window: the fast variant never runs more than a function's length
// between check points.
func (m *machine) Window() int64 { return int64(2*m.prog.maxLen + 2) }

// Reset discards the frames and makes the counter counter.
func (m *machine) Reset(counter uint64) {
	m.pc, m.wi, m.depth, m.base = 0, 0, 0, 0
	m.cbase = int64(counter)
}

// Position returns the top frame's function and instruction index.
func (m *machine) Position() (uint32, int) { return m.top().index, m.wi }

// stepStop is opStep's check.
//
//go:noinline
func (m *machine) stepStop() bool {
	if m.Current.Nested {
		if m.Interrupted() {
			// Let the nested Call see it at its next check point.
			m.FastLimit.Store(math.MinInt64)
		}
		return false
	}
	ev, ok := m.AtBoundary()
	if !ok && m.Watched != nil && m.storeHit(&m.code.code[m.pc+1]) {
		ev, ok = engines.Event{Kind: engines.Breakpoint}, true
	}
	if ok {
		m.StopKind = ev.Kind
		return true
	}
	if !m.Current.Precise {
		// The precise variant was needed near the last Run's limit or
		// after a stop inside a fused op; this Run is a fast one. Go back
		// to the fast variant at the first boundary it has, or a long loop
		// would run precise to its end (each timeline snapshot is such a
		// limit).
		m.remapTop()
	}
	return false
}

// MakeTrap describes the trap at the current position.
func (m *machine) MakeTrap() *engines.Trap {
	t := &engines.Trap{Msg: m.TrapMsg, Cause: m.TrapCause}
	if m.depth > m.Current.BaseDepth {
		fn := m.top()
		t.Func, t.Offset = fn.index, fn.def.Instrs[m.wi].Offset
		t.Backtrace = append(t.Backtrace, engines.Location{Func: t.Func, Offset: t.Offset})
		for i := m.depth - 2; i >= m.Current.BaseDepth; i-- {
			f := &m.frames[i]
			t.Backtrace = append(t.Backtrace, engines.Location{Func: f.fn.index, Offset: f.fn.def.Instrs[f.callWi()].Offset})
		}
	}
	return t
}

// callWi is the Wasm index of the call instruction a frame below the top
// is executing.
func (f *frame) callWi() int { return int(f.code.wasm[f.ret-1]) }
