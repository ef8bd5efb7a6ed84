package standard

import (
	"slices"

	"github.com/wdb-dev/wdb/engines"
)

// Breakpoints and the machine's half of Run (engines.Interp).

// SetBreakpoints replaces the breakpoints. Offsets that are not the start
// of an instruction of a defined function are ignored. A function that
// holds one runs a copy of its code with opBreak patched in.
func (m *machine) SetBreakpoints(offsets []uint32) {
	m.MarkBreakpoints(m.Mod, offsets)
	m.patchCode()
}

// SetStoreWatch makes the stores that touch ranges stop Run
// (engines.StoreWatcher): while ranges are set, the fast code has
// opWatchStore over every store, and the precise code checks stores in
// stepStop.
func (m *machine) SetStoreWatch(ranges []engines.MemRange) {
	m.SetWatched(ranges)
	m.patchCode()
}

// patchCode makes the fast code of every function: its own, or, where it
// holds breakpoints or stores are watched, a copy with opBreak and
// opWatchStore patched in (a breakpoint wins).
func (m *machine) patchCode() {
	watch := m.Watched != nil
	for i, fn := range m.prog.funcs {
		m.fastCode[i] = fn.code
		hasBP := m.BP != nil && m.BP[i] != nil
		if !hasBP && !(watch && slices.ContainsFunc(fn.code, func(o op) bool { return storeSize(o.code) > 0 })) {
			continue
		}
		m.fastCode[i] = slices.Clone(fn.code)
		for k := range fn.code {
			switch {
			case hasBP && m.BP[i][k]:
				m.fastCode[i][k] = op{code: opBreak}
			case watch && storeSize(fn.code[k].code) > 0:
				m.fastCode[i][k] = op{code: opWatchStore}
			}
		}
	}
	if !m.Current.Precise && m.depth > 0 {
		m.code = m.active[m.top().index]
	}
}

// storeWatchHit says whether o, the op at the current position, is a
// store that touches a watched range and stops the Run there.
func (m *machine) storeWatchHit(o *op) bool {
	n := storeSize(o.code)
	if n == 0 {
		return false
	}
	ea := uint64(uint32(m.stack[m.sp-2].lo)) + uint64(o.a)
	return m.StoreStop(m.Counter(), ea, n)
}

// Results collects the started call's results: at the bottom of the
// stack, where its frame was.
func (m *machine) Results() []uint64 {
	res := make([]uint64, m.startFn.numResults)
	for i := range res {
		res[i] = m.stack[i].lo
	}
	m.sp = 0
	return res
}

// Window is the most instructions the fast code runs between two check
// points (a function's length: a back branch is one), twice, plus slack.
func (m *machine) Window() int64 { return int64(2*m.prog.maxLen + 2) }

// Reset discards the frames and makes the counter counter.
func (m *machine) Reset(counter uint64) {
	m.pc, m.depth, m.sp, m.base = 0, 0, 0, 0
	m.cbase = int64(counter)
}

// Position returns the top frame's function and instruction index.
func (m *machine) Position() (uint32, int) { return m.top().index, m.pc }

func (m *machine) SetPrecise(precise bool) {
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
	ev, ok := m.AtBoundary()
	if !ok && m.Watched != nil && m.storeWatchHit(&m.top().code[m.pc]) {
		ev, ok = engines.Event{Kind: engines.Breakpoint}, true
	}
	if ok {
		m.StopKind = ev.Kind
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
	m.StopKind = engines.Breakpoint
	return true
}

// ResumeCaller makes the frame below a returned one current again.
func (m *machine) ResumeCaller() {
	caller := &m.frames[m.depth-1]
	m.pc = caller.pc + 1
	m.base = caller.base
	m.code = m.active[caller.fn.index]
	m.cbase -= int64(m.pc)
}

// MakeTrap describes the trap at the current position; the backtrace
// covers the frames of the current Run or Call.
func (m *machine) MakeTrap() *engines.Trap {
	t := &engines.Trap{Msg: m.TrapMsg, Cause: m.TrapCause}
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
