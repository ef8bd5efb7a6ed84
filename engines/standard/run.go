package standard

import "github.com/wdb-dev/wdb/engines"

// Breakpoints and the machine's half of Run (engines.Interp).

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
