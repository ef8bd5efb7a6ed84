package debugger

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// errInterrupted ends an internal replay that Interrupt cut short.
var errInterrupted = errors.New("interrupted")

// runOpts says how advance runs forward.
type runOpts struct {
	limit       uint64 // absolute counter to stop at (engines.NoLimit: none)
	returnDepth int    // > 0: stop after a return to this depth (engines.Stop)
	stop        bool   // breakpoints and watchpoints stop the run
	checkStart  bool   // a breakpoint at the starting position stops too
	log         bool   // log points log
	// at, when set, is asked at each stop of the machine at one of
	// Session.stepStops where no breakpoint stops the run (not at the
	// starting instruction): true ends the run there (Reason Step).
	at func() bool
}

// advance runs forward from the present until the limit (Reason Step),
// a return to returnDepth (Step), a breakpoint or watchpoint (when o.stop),
// the end of the program or an interrupt. On the way it records the hits
// of every breakpoint (each one is set in the engine during every run),
// takes the timeline's periodic snapshots and passes through forks. Under
// watchpoints, an instruction that may change a watched value runs alone
// and the values are compared after it (watch.go).
func (s *Session) advance(o runOpts) (Stop, error) {
	if s.ended {
		return s.stop, nil
	}
	start := s.machine.Counter()
	checked := start
	if b, err := s.breakAt(false); err != nil || (b != nil && o.checkStart && o.stop) {
		return s.breakStop(b), err
	}
	if o.checkStart && o.at != nil && o.at() {
		return s.here(Step), nil
	}
	watching := o.stop && len(s.watches) > 0
	if watching {
		s.setBreakpoints(true)
		defer s.syncBreakpoints()
	}
	for {
		c := s.machine.Counter()
		if c >= o.limit {
			return s.here(Step), nil
		}
		if c != checked {
			// A Run does not stop at a breakpoint on its first
			// instruction: look at it here.
			checked = c
			if b, err := s.breakAt(o.log); err != nil || (b != nil && o.stop) {
				return s.breakStop(b), err
			}
			if o.at != nil && o.at() {
				return s.here(Step), nil
			}
		}
		lim := min(o.limit, s.tl.due(c))
		if f := s.tl.nextFork(c); f != nil {
			lim = min(lim, f.counter())
		}
		var old [][]byte // the watched values before an instruction run alone
		if watching && s.mayChange() {
			lim, old = c+1, s.watchValues()
		}
		var t0 time.Time
		if !watching {
			// (Under watchpoints the runs are short and are not the
			// engine's speed: the spacing of snapshots keeps its rate.)
			t0 = time.Now()
		}
		ev := s.machine.Run(engines.Stop{Limit: lim, ReturnDepth: o.returnDepth})
		now := s.machine.Counter()
		if !watching {
			s.tl.measuredRun(now-c, time.Since(t0))
		}
		s.tl.end = max(s.tl.end, now)
		if i := s.watchChange(old, ev); i >= 0 {
			if ev.Kind == engines.LimitReached {
				if err := s.passLimit(c); err != nil {
					return s.here(Step), err
				}
			}
			return s.watchStop(i, old[i]), nil
		}
		switch ev.Kind {
		case engines.LimitReached:
			if err := s.passLimit(c); err != nil {
				return s.here(Step), err
			}
		case engines.Breakpoint:
			checked = now
			if b, err := s.breakAt(o.log); err != nil || (b != nil && o.stop) {
				return s.breakStop(b), err
			}
			if o.at != nil && o.at() {
				return s.here(Step), nil
			}
		case engines.Returned:
			return s.here(Step), nil
		case engines.Done:
			if s.entry+1 < len(s.entries) {
				s.entry++
				if err := s.machine.Start(s.entries[s.entry].fn, s.entries[s.entry].args); err != nil {
					return s.here(Step), fmt.Errorf("starting %s: %w", s.funcName(s.entries[s.entry].fn), err)
				}
				continue
			}
			s.entry = len(s.entries)
			return s.end(Stop{Reason: Finished, Results: ev.Results}), nil
		case engines.Exited:
			return s.end(Stop{Reason: Exited, ExitCode: ev.ExitCode}), nil
		case engines.Trapped:
			return s.end(Stop{Reason: Trapped, Trap: ev.Trap}), nil
		case engines.Interrupted:
			return s.here(Interrupted), nil
		default:
			return s.here(Step), fmt.Errorf("the engine stopped unexpectedly (%v) at counter %d", ev.Kind, now)
		}
	}
}

// passLimit is what a forward run does where it stopped at its limit,
// having started at counter c: at a fork, the fork's (edited) state
// replaces the one computed; where a snapshot is due, it is taken.
func (s *Session) passLimit(c uint64) error {
	now := s.machine.Counter()
	if f := s.tl.at(now); f != nil && f.fork && now > c {
		return s.restore(f)
	} else if f == nil && now == s.tl.due(c) {
		return s.takeSnapshot(false)
	}
	return nil
}

// end records the end of the program.
func (s *Session) end(st Stop) Stop {
	st.Counter = s.machine.Counter()
	st.Func, st.Offset, st.HasPC = s.machine.PC()
	s.ended, s.stop = true, st
	s.tl.end = max(s.tl.end, st.Counter)
	return st
}

func (s *Session) breakStop(b *Breakpoint) Stop {
	st := s.here(BreakpointHit)
	st.Breakpoint = b
	return st
}

// scanOpts says what scan looks at.
type scanOpts struct {
	offs  []uint32       // instructions to visit (machine breakpoints)
	start func()         // called once the replay's first state is restored
	visit func(c uint64) // called at each counter where the PC holds one of offs
	// change, when set, is called at each change of a watched value
	// (watchpoint i changed from old, by the instruction that retired
	// at c); the changes are recorded as watchpoint hits.
	change func(c uint64, i int, old []byte)
}

// scan replays from point p to counter end (inclusive), visiting
// instructions of interest and finding the changes of watched values as
// advance does. It takes no snapshots: the caller chose p as the last
// point at or before end, so no fork lies between.
func (s *Session) scan(p *point, end uint64, o scanOpts) error {
	if err := s.restore(p); err != nil {
		return err
	}
	if o.start != nil {
		o.start()
	}
	watching := o.change != nil && len(s.watches) > 0
	offs := slices.Sorted(slices.Values(o.offs))
	if watching {
		s.setBreakpoints(true)
	} else {
		s.machine.SetBreakpoints(offs)
	}
	defer s.syncBreakpoints()
	for {
		c := s.machine.Counter()
		if _, off, ok := s.machine.PC(); ok && o.visit != nil {
			if _, found := slices.BinarySearch(offs, off); found {
				o.visit(c)
			}
		}
		if c >= end {
			return nil
		}
		lim := end
		var old [][]byte
		if watching && s.mayChange() {
			lim, old = c+1, s.watchValues()
		}
		ev := s.machine.Run(engines.Stop{Limit: lim})
		if i := s.watchChange(old, ev); i >= 0 {
			o.change(s.machine.Counter(), i, old[i])
		}
		switch ev.Kind {
		case engines.LimitReached, engines.Breakpoint:
		case engines.Done:
			if s.entry+1 >= len(s.entries) {
				return nil
			}
			s.entry++
			if err := s.machine.Start(s.entries[s.entry].fn, s.entries[s.entry].args); err != nil {
				return err
			}
		case engines.Interrupted:
			return errInterrupted
		default:
			return nil // the program ended: nothing further to see
		}
	}
}

// move finishes a public move: the Hits fields and the last stop.
func (s *Session) move(st Stop, err error) (Stop, error) {
	if errors.Is(err, errInterrupted) {
		st, err = s.here(Interrupted), nil
	}
	s.stop = st
	s.updateHits()
	return st, err
}

func isEnd(r Reason) bool { return r == Exited || r == Finished || r == Trapped }

// Continue runs until a breakpoint, a watchpoint, the end or an interrupt.
func (s *Session) Continue() (Stop, error) {
	return s.move(s.advance(runOpts{limit: engines.NoLimit, stop: true, log: true}))
}

// StepInstruction executes one instruction, into calls (a host call is
// one instruction).
func (s *Session) StepInstruction() (Stop, error) {
	return s.move(s.advance(runOpts{limit: s.machine.Counter() + 1, stop: true, log: true}))
}

// Next executes one instruction; a call runs until it returns.
func (s *Session) Next() (Stop, error) {
	d := s.machine.Depth()
	if s.ended || !s.atCall() {
		return s.StepInstruction()
	}
	st, err := s.advance(runOpts{limit: s.machine.Counter() + 1, stop: true, log: true})
	if err != nil || st.Reason != Step || s.machine.Depth() <= d {
		return s.move(st, err) // a host call, or stopped on the way
	}
	return s.move(s.advance(runOpts{limit: engines.NoLimit, returnDepth: d, stop: true, checkStart: true, log: true}))
}

// Advance runs until the program is about to execute one of the
// instructions locs, in any frame, or until the current function returns
// to its caller, or a breakpoint or watchpoint stops it (gdb's advance
// and until LOCATION).
func (s *Session) Advance(locs []Location) (Stop, error) {
	if s.ended {
		return s.move(s.stop, nil)
	}
	offs := make([]uint32, 0, len(locs))
	for _, l := range locs {
		offs = append(offs, l.Offset)
	}
	slices.Sort(offs)
	d := s.machine.Depth()
	return s.move(s.runTo(offs, max(d-1, 0), false, func() bool {
		_, off, _ := s.machine.PC()
		_, at := slices.BinarySearch(offs, off)
		return at
	}))
}

// atCall says whether the next instruction is a call.
func (s *Session) atCall() bool {
	fn, off, ok := s.machine.PC()
	if !ok {
		return false
	}
	f := s.mod.Funcs[fn]
	i, ok := f.InstrAt(off)
	if !ok {
		return false
	}
	switch f.Instrs[i].Op {
	case wasm.OpCall, wasm.OpCallIndirect:
		return true
	}
	return false
}

// Finish runs until the current frame returns (it stops in the caller,
// after the call). In the entry function, it runs on like Continue.
func (s *Session) Finish() (Stop, error) {
	d := s.machine.Depth()
	return s.move(s.advance(runOpts{limit: engines.NoLimit, returnDepth: max(d-1, 0), stop: true, log: true}))
}
