package debugger

// gotoCounter brings the present to counter t: into the past by replaying
// from the last snapshot at or before t, into the future by running on
// from the present. Breakpoints do not stop it (their hits are recorded);
// the end of the program does.
func (s *Session) gotoCounter(t uint64, reason Reason) (Stop, error) {
	if t < s.tl.start {
		t, reason = s.tl.start, StartOfTime
	}
	c := s.machine.Counter()
	if t < c {
		p := s.tl.before(t)
		if err := s.restore(p); err != nil {
			return s.here(Step), err
		}
	} else if t == c {
		if s.ended {
			return s.stop, nil
		}
		return s.here(reason), nil
	}
	st, err := s.advance(runOpts{limit: t})
	if err != nil || st.Reason != Step {
		return st, err
	}
	return s.here(reason), nil
}

// Goto goes to any counter, past or future. Going into the future runs
// forward ignoring breakpoints and stops early at the end of the program.
func (s *Session) Goto(counter uint64) (Stop, error) {
	return s.move(s.gotoCounter(counter, Arrived))
}

// Restart goes back to the earliest moment of the timeline.
func (s *Session) Restart() (Stop, error) {
	return s.move(s.gotoCounter(s.tl.start, Entry))
}

// ReverseStep goes back one instruction.
func (s *Session) ReverseStep() (Stop, error) {
	c := s.machine.Counter()
	if c <= s.tl.start {
		return s.move(s.here(StartOfTime), nil)
	}
	return s.move(s.gotoCounter(c-1, Step))
}

// ReverseNext goes back to the previous instruction of this frame,
// stepping back over calls, or into the caller when the present is the
// frame's first instruction.
func (s *Session) ReverseNext() (Stop, error) {
	c, d := s.machine.Counter(), s.machine.Depth()
	if c <= s.tl.start {
		return s.move(s.here(StartOfTime), nil)
	}
	if d == 0 {
		return s.ReverseStep()
	}
	st, err := s.gotoCounter(c-1, Step)
	if err != nil || st.Reason != Step || s.machine.Depth() <= d {
		return s.move(st, err)
	}
	// c-1 is the end of a call this frame made: go back to the call,
	// the last time this frame (at depth d) was at that instruction.
	call := s.machine.Frames()[d-1].PC
	return s.move(s.reverseToCall(c-1, call, d))
}

// ReverseFinish goes back to the call instruction that entered the
// current frame. In the entry function, it goes to the start of time.
func (s *Session) ReverseFinish() (Stop, error) {
	c, d := s.machine.Counter(), s.machine.Depth()
	if d == 0 {
		return s.ReverseStep()
	}
	if d == 1 || c <= s.tl.start {
		return s.move(s.gotoCounter(s.tl.start, StartOfTime))
	}
	call := s.machine.Frames()[d-2].PC
	return s.move(s.reverseToCall(c, call, d-1))
}

// reverseToCall goes to the last counter before `before` at which the
// frame at depth d was about to execute the instruction at offset call.
func (s *Session) reverseToCall(before uint64, call uint32, d int) (Stop, error) {
	var found uint64
	ok, err := s.searchBack(before, func(p *point, end uint64) (bool, error) {
		hit := false
		err := s.scan(p, end, scanOpts{offs: []uint32{call}, visit: func(k uint64) {
			if k < before && s.machine.Depth() == d {
				found, hit = k, true
			}
		}})
		return hit, err
	})
	if err != nil {
		return s.here(Step), err
	}
	if !ok {
		return s.gotoCounter(s.tl.start, StartOfTime)
	}
	return s.gotoCounter(found, Step)
}

// searchBack scans the timeline backwards, one interval between
// snapshots at a time, from the interval holding before-1 down to the
// start, until scanOne finds what it looks for. scanOne(p, end) replays
// from point p to counter end.
func (s *Session) searchBack(before uint64, scanOne func(p *point, end uint64) (bool, error)) (bool, error) {
	if before <= s.tl.start {
		return false, nil
	}
	end := before - 1
	p := s.tl.before(end)
	for p != nil {
		found, err := scanOne(p, end)
		if err != nil || found {
			return found, err
		}
		if p.counter() <= s.tl.start {
			return false, nil
		}
		end = p.counter()
		p = s.tl.before(end - 1)
	}
	return false, nil
}

// ReverseContinue goes back to the last breakpoint or watchpoint hit
// before the present (rr's algorithm: replay the interval before the
// present, remember the last hit, go there; if there is none, try the
// interval before). With none, it goes to the start of time. A
// watchpoint's change and a breakpoint at the same counter report the
// change, as a forward run does.
func (s *Session) ReverseContinue() (Stop, error) {
	present := s.machine.Counter()
	if len(s.breaks) == 0 && len(s.watches) == 0 {
		return s.move(s.gotoCounter(s.tl.start, StartOfTime))
	}
	offs := make([]uint32, 0, len(s.breaks))
	for _, b := range s.breaks {
		offs = append(offs, b.Offset)
	}
	var (
		bpAt, wAt uint64
		bp        *Breakpoint
		bpErr     error
		wIdx      int
		wOld      []byte
	)
	ok, err := s.searchBack(present, func(p *point, end uint64) (bool, error) {
		bp, bpErr, wIdx = nil, nil, -1
		err := s.scan(p, end, scanOpts{offs: offs,
			visit: func(k uint64) {
				if k >= present {
					return
				}
				if b, err := s.breakAt(false); b != nil || err != nil {
					bpAt, bp, bpErr = k, b, err
				}
			},
			change: func(k uint64, i int, old []byte) {
				if k < present {
					wAt, wIdx, wOld = k, i, old
				}
			}})
		return bp != nil || wIdx >= 0, err
	})
	if err != nil {
		return s.move(s.here(Step), err)
	}
	if !ok {
		return s.move(s.gotoCounter(s.tl.start, StartOfTime))
	}
	if wIdx >= 0 && (bp == nil || wAt >= bpAt) {
		st, err := s.gotoCounter(wAt, WatchpointHit)
		if err == nil && st.Reason == WatchpointHit {
			st = s.watchStop(wIdx, wOld)
		}
		return s.move(st, err)
	}
	st, err := s.gotoCounter(bpAt, BreakpointHit)
	if err == nil && st.Reason == BreakpointHit {
		st.Breakpoint = bp
	}
	if err == nil {
		err = bpErr
	}
	return s.move(st, err)
}

// recount replays the timeline from its start to the present, recording
// every breakpoint's hits (for hit conditions, which count from the
// start).
func (s *Session) recount() error {
	c := s.machine.Counter()
	if c == s.tl.start {
		return nil
	}
	if err := s.restore(s.tl.points[0]); err != nil {
		return err
	}
	st, err := s.advance(runOpts{limit: c})
	if err == nil && st.Reason == Interrupted {
		err = errInterrupted
	}
	return err
}
