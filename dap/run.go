package dap

import (
	"fmt"
	"strings"

	godap "github.com/google/go-dap"

	"github.com/wdb-dev/wdb/debugger"
)

// Moving the program: continue, the steps forwards and backwards, pause,
// and the stopped events that end every move.

// move is one movement of the program, run on its own goroutine.
type move struct {
	name string
	run  func() (debugger.Stop, error)
	// resumable: the move may be interrupted to change breakpoints and
	// started again (a continue).
	resumable bool
	// repl is the console command that made the move: it is answered when
	// the move ends, with the command's output.
	repl *godap.EvaluateRequest
	// console runs the command line for repl (it reports its own output).
	console func() (string, error)
}

func (s *session) isRunning() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running
}

// startMove runs m on a new goroutine. The caller has checked that nothing
// is running.
func (s *session) startMove(m move) {
	s.vars.reset()
	done := make(chan struct{})
	s.mu.Lock()
	s.running, s.moveDone, s.current = true, done, m
	s.pauseAsked, s.quietStop = false, false
	s.mu.Unlock()
	go s.runMove(m, done)
}

func (s *session) runMove(m move, done chan struct{}) {
	var st debugger.Stop
	var err error
	var out string
	for retried := false; ; retried = true {
		if m.console != nil {
			out, err = m.console()
			st = s.dbg.State()
		} else {
			st, err = m.run()
		}
		s.mu.Lock()
		// An interrupt nobody asked for is one that came after the last
		// move had ended already: run again, once.
		stale := st.Reason == debugger.Interrupted && err == nil && !s.pauseAsked && !s.quietStop && m.console == nil
		if !stale || retried {
			break
		}
		s.mu.Unlock()
	}
	quiet := s.quietStop && st.Reason == debugger.Interrupted && err == nil
	s.running, s.quietStop, s.pauseAsked = false, false, false
	s.mu.Unlock()
	if m.repl != nil {
		s.answerEvaluate(m.repl, out, err)
		err = nil
	}
	if quiet {
		// Interrupted by stopMove or whilePaused, which may start the
		// move again.
		s.resumeAfter = true
	} else {
		if m.console == nil && st.HasPC && s.in.Displays() > 0 {
			// The console's display expressions (a move typed in the
			// console shows them itself), in the innermost frame.
			s.selectFrame(0)
			if out, _ := s.console.captured(func() error { s.in.ShowDisplays(); return nil }); out != "" {
				s.output("console", out)
			}
		}
		s.reportStop(st, err)
	}
	close(done)
}

// stopMove interrupts the move in progress, if any, and waits for its end
// (without a stopped event).
func (s *session) stopMove() {
	s.mu.Lock()
	if !s.running {
		s.mu.Unlock()
		return
	}
	s.quietStop = true
	done := s.moveDone
	s.mu.Unlock()
	s.dbg.Interrupt()
	<-done
	s.resumeAfter = false
}

// whilePaused runs f, which changes breakpoints, with the program stopped:
// a continue in progress is interrupted and started again after f.
func (s *session) whilePaused(f func() error) error {
	s.mu.Lock()
	running, resumable, done := s.running, s.current.resumable, s.moveDone
	if running && resumable {
		s.quietStop = true
	}
	s.mu.Unlock()
	if !running {
		return f()
	}
	if !resumable {
		return errRunning
	}
	s.dbg.Interrupt()
	<-done
	err := f()
	if s.resumeAfter {
		s.resumeAfter = false
		s.startMove(s.current)
	}
	return err
}

func (s *session) onPause(r *godap.PauseRequest) error {
	s.mu.Lock()
	if s.running {
		s.pauseAsked = true
		s.dbg.Interrupt()
	}
	s.mu.Unlock()
	return s.ok(&r.Request)
}

func (s *session) onContinue(r *godap.ContinueRequest) error {
	s.send(&godap.ContinueResponse{Response: response(&r.Request), Body: godap.ContinueResponseBody{AllThreadsContinued: true}})
	s.startMove(move{name: "continue", run: s.dbg.Continue, resumable: true})
	return nil
}

// step answers a step request and starts its move: by source lines (line,
// nil when the request has no line move) when the innermost frame is
// shown in a source file and the granularity allows, else by
// instructions, which are the lines of a function's text (stepMove).
func (s *session) step(req *godap.Request, g godap.SteppingGranularity, instruction, line func() (debugger.Stop, error)) error {
	run, err := s.stepMove(g, instruction, line)
	if err != nil {
		return err
	}
	s.ok(req)
	s.startMove(move{name: req.Command, run: run})
	return nil
}

// reportStop tells the client where the program stopped: a stopped
// event, or, at the end of a program that is not to stay there, the
// exited and terminated events. An error of the move is shown in the
// console.
func (s *session) reportStop(st debugger.Stop, err error) {
	if err != nil {
		s.output("stderr", "wdb: "+err.Error()+"\n")
	}
	body := godap.StoppedEventBody{ThreadId: threadID, AllThreadsStopped: true}
	where := fmt.Sprintf("counter %d", st.Counter)
	switch st.Reason {
	case debugger.Entry:
		body.Reason, body.Description = "entry", "entry, "+where
	case debugger.Step, debugger.StartOfTime, debugger.Arrived:
		body.Reason, body.Description = "step", where
		if st.Reason == debugger.StartOfTime {
			body.Description = "start of the timeline, " + where
		}
		if st.Reason == debugger.Arrived {
			body.Reason = "goto"
		}
	case debugger.BreakpointHit:
		body.Reason = "breakpoint"
		if st.Breakpoint != nil {
			id := s.bps.id(st.Breakpoint.ID)
			body.Reason = s.bps.reason(st.Breakpoint.ID)
			body.HitBreakpointIds = []int{id}
			body.Description = fmt.Sprintf("breakpoint %d, %s", id, where)
		}
	case debugger.WatchpointHit:
		body.Reason = "data breakpoint"
		if st.Watch != nil {
			body.HitBreakpointIds = []int{st.Watch.Watchpoint.ID}
			body.Description = fmt.Sprintf("data breakpoint %d, %s", st.Watch.Watchpoint.ID, where)
			body.Text = s.in.StopLine(st)
			s.output("console", s.in.WatchChange(st.Watch)+"\n")
		}
	case debugger.Interrupted:
		body.Reason, body.Description = "pause", "paused, "+where
	case debugger.Trapped:
		body.Reason, body.Description = "exception", "trap, "+where
		if st.Trap != nil {
			body.Text = st.Trap.Msg
		}
		s.output("console", s.in.StopLine(st)+"\n")
	case debugger.Exited, debugger.Finished:
		s.output("console", s.in.StopLine(st)+"\n")
		if !s.launch.stopsAtExit() {
			code := 0
			if st.Reason == debugger.Exited {
				code = int(st.ExitCode)
			}
			s.send(&godap.ExitedEvent{Event: event("exited"), Body: godap.ExitedEventBody{ExitCode: code}})
			s.send(&godap.TerminatedEvent{Event: event("terminated")})
			return
		}
		body.Reason = "exited"
		body.Description = strings.TrimPrefix(s.in.StopLine(st), "program ")
		body.Text = "the program has ended: Step Back and Reverse Continue go back in time"
	}
	s.send(&godap.StoppedEvent{Event: event("stopped"), Body: body})
}
