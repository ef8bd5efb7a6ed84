package debugger

import (
	"bytes"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// entries returns the counters at which a plain run is about to execute
// the instruction at off, by single-stepping.
func entries(t *testing.T, p *plain, off uint32) []uint64 {
	var out []uint64
	for {
		if _, o, ok := p.m.PC(); ok && o == off {
			out = append(out, p.m.Counter())
		}
		if !p.step() {
			return out
		}
	}
}

// TestBreakpointsInOrder: Continue stops at every entry of hanoi, in
// order, as single-stepping finds them; ReverseContinue finds the same
// hits backwards; hit counts follow the timeline; a hit condition picks
// the right hits.
func TestBreakpointsInOrder(t *testing.T) {
	mod := loadModule(t, "wasi/compute.wasm")
	for _, engine := range engines.Names() {
		t.Run(engine, func(t *testing.T) {
			want, _ := straight(t, mod, engine)
			var out bytes.Buffer
			s := open(t, mod, engine, &out)
			s.tl.interval, s.tl.fixed = 5000, true
			loc, err := s.ResolveLocation("hanoi")
			if err != nil {
				t.Fatal(err)
			}
			hits := entries(t, newPlain(t, mod, engine), loc.Offset)
			if len(hits) < 20 {
				t.Fatalf("only %d calls of hanoi", len(hits))
			}
			bp, err := s.AddBreakpoint(Breakpoint{Location: loc})
			if err != nil {
				t.Fatal(err)
			}
			var got []uint64
			for {
				st, err := s.Continue()
				if err != nil {
					t.Fatal(err)
				}
				if st.Reason != BreakpointHit {
					mustEnd(t, st, err)
					break
				}
				if st.Breakpoint != bp || bp.Hits != len(got)+1 {
					t.Fatalf("stop %d: breakpoint %v, hits %d", len(got), st.Breakpoint, bp.Hits)
				}
				got = append(got, st.Counter)
			}
			if !slices.Equal(got, hits) {
				t.Fatalf("forward hits differ: %d vs %d (first %v vs %v)", len(got), len(hits), got[:min(5, len(got))], hits[:5])
			}
			if out.String() != want {
				t.Fatalf("output\n%s\nwant\n%s", out.String(), want)
			}
			// Backwards: every hit, last first.
			var back []uint64
			next := 0 // the index of the next hit going forward
			for {
				st, err := s.ReverseContinue()
				if err != nil {
					t.Fatal(err)
				}
				if st.Reason == StartOfTime {
					break
				}
				mustStop(t, st, err, BreakpointHit)
				back = append(back, st.Counter)
				next = len(hits) - len(back) + 1
				if bp.Hits != len(hits)-len(back)+1 {
					t.Fatalf("at %d going back: hits %d, want %d", st.Counter, bp.Hits, len(hits)-len(back)+1)
				}
				if len(back) == len(hits)-3 {
					break // enough: the rest is the same machinery
				}
			}
			slices.Reverse(back)
			if !slices.Equal(back, hits[len(hits)-len(back):]) {
				t.Fatalf("reverse hits differ:\n%v\nwant\n%v", back, hits[len(hits)-len(back):])
			}
			// Forward again from the middle of the past: the counts carry on.
			st, err := s.Continue()
			mustStop(t, st, err, BreakpointHit)
			if i := next; st.Counter != hits[i] || bp.Hits != i+1 {
				t.Fatalf("forward again: at %d with %d hits, want %d with %d", st.Counter, bp.Hits, hits[i], i+1)
			}
			// A hit condition, counted from the start of the timeline.
			s.DeleteAll()
			if _, err := s.Restart(); err != nil {
				t.Fatal(err)
			}
			every, err := s.AddBreakpoint(Breakpoint{Location: loc, HitCondition: "% 5"})
			if err != nil {
				t.Fatal(err)
			}
			for i := 4; i < len(hits); i += 5 {
				st, err := s.Continue()
				mustStop(t, st, err, BreakpointHit)
				if st.Counter != hits[i] || every.Hits != i+1 {
					t.Fatalf("hit condition: stopped at %d (%d hits), want %d (%d hits)", st.Counter, every.Hits, hits[i], i+1)
				}
			}
			if out.String() != want {
				t.Fatalf("output after travels\n%s\nwant\n%s", out.String(), want)
			}
		})
	}
}

// TestTimelineThinning: a long run keeps O(log n) snapshots, counter 0
// among them, within the budget, sharing equal pages.
func TestTimelineThinning(t *testing.T) {
	mod := loadModule(t, "bench/fib.wasm")
	s, err := New(Config{Path: "fib.wasm", Module: mod, Invoke: "run", Args: []string{"22"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.tl.interval, s.tl.fixed = 1000, true
	st, err := s.Continue()
	mustStop(t, st, err, Finished)
	if st.Results[0] != 17711 {
		t.Fatalf("fib(22) = %d", st.Results[0])
	}
	ti := s.Timeline()
	limit := perBucket*(bits.Len64(ti.End/1000)+2) + 1
	if len(ti.Snapshots) > limit || len(ti.Snapshots) < 5 {
		t.Fatalf("%d snapshots over %d instructions (want 5..%d)", len(ti.Snapshots), ti.End, limit)
	}
	if ti.Snapshots[0].Counter != 0 {
		t.Fatalf("first snapshot at %d", ti.Snapshots[0].Counter)
	}
	// Shared pages really are shared: count distinct pages ourselves, on
	// a program that has some memory.
	var out bytes.Buffer
	s = open(t, loadModule(t, "wasi/compute.wasm"), "standard", &out)
	s.tl.interval, s.tl.fixed = 1000, true
	st, err = s.Continue()
	mustEnd(t, st, err)
	distinct := map[*byte]bool{}
	held := 0
	for _, p := range s.tl.points {
		eachPage(p.snap, func(k *byte) { distinct[k] = true; held++ })
	}
	if len(distinct) >= held {
		t.Fatalf("no page shared: %d pages held, %d distinct", held, len(distinct))
	}
	if got := s.tl.pages; got != int64(len(distinct)) {
		t.Fatalf("accounting: %d pages, counted %d", got, len(distinct))
	}
	// The budget: a small one drops snapshots, keeping counter 0.
	s.SetBudget(3 * 65536)
	ti = s.Timeline()
	if ti.Bytes > ti.Budget && len(ti.Snapshots) > 1 {
		t.Fatalf("over budget: %d > %d with %d snapshots", ti.Bytes, ti.Budget, len(ti.Snapshots))
	}
	if ti.Snapshots[0].Counter != 0 {
		t.Fatal("counter 0 dropped")
	}
	// Still travels.
	st, err = s.Goto(ti.End / 2)
	mustStop(t, st, err, Arrived)
	st, err = s.ReverseStep()
	mustStop(t, st, err, Step)
}

// parseBreak splits a break line at its option words only where the
// pieces are valid: a condition may use names such as log and hits, and a
// quoted log message may hold the words and be followed by options.
func TestParseBreakWords(t *testing.T) {
	for _, tc := range []struct {
		line string
		want BreakSpec
	}{
		{`f if log > 2`, BreakSpec{Location: "f", Condition: "log > 2"}},
		{`f if log > 2 && hits < 3`, BreakSpec{Location: "f", Condition: "log > 2 && hits < 3"}},
		{`f if a + hits > 1 hits 3`, BreakSpec{Location: "f", Condition: "a + hits > 1", HitCondition: "3"}},
		{`f if a + log > 1 log x`, BreakSpec{Location: "f", Condition: "a + log > 1", LogMessage: "x"}},
		{`f log "x if y"`, BreakSpec{Location: "f", LogMessage: "x if y"}},
		{`f log "x if y" if $0 == 1 hits >= 2`, BreakSpec{Location: "f", LogMessage: "x if y", Condition: "$0 == 1", HitCondition: ">= 2"}},
		{`f log "a" and "b"`, BreakSpec{Location: "f", LogMessage: `"a" and "b"`}},
		{`f log n = {$0} hits 2`, BreakSpec{Location: "f", LogMessage: "n = {$0} hits 2"}},
		{`f hits %10 if hits == 2`, BreakSpec{Location: "f", HitCondition: "%10", Condition: "hits == 2"}},
		{`if $0 == 3`, BreakSpec{Condition: "$0 == 3"}},
		{`lines.c:15  if  $0 == 3`, BreakSpec{Location: "lines.c:15", Condition: "$0 == 3"}},
		// Not an expression anywhere: split where the option is valid,
		// so that the error is about the condition.
		{`f if $0 === 1 hits 2`, BreakSpec{Location: "f", Condition: "$0 === 1", HitCondition: "2"}},
		{``, BreakSpec{}},
	} {
		got, err := parseBreak(tc.line)
		if err != nil || got != tc.want {
			t.Errorf("parseBreak(%q) = %+v, %v; want %+v", tc.line, got, err, tc.want)
		}
	}
	for _, line := range []string{`f if`, `f hits`, `f log`, `f extra`, `f log ""`} {
		if got, err := parseBreak(line); err == nil {
			t.Errorf("parseBreak(%q) = %+v, want an error", line, got)
		}
	}
}

// loopTop is the file offset of the first instruction in the loop of
// words.wasm's run.
func loopTop(t *testing.T, m *wasm.Module) uint32 {
	t.Helper()
	f := m.Funcs[m.NumImportedFuncs]
	for i, ins := range f.Instrs {
		if ins.Op == wasm.OpLoop {
			return f.Instrs[i+1].Offset
		}
	}
	t.Fatal("words.wasm: no loop")
	return 0
}

// A condition on locals named log and hits, through the break command:
// it stops in the iterations whose locals satisfy it (hits = log*(log-1)
// at the loop's top, as words.wat computes it); a quoted log message with
// the words in it may be followed by a condition.
func TestCmdBreakConditionWords(t *testing.T) {
	c := newCmdSession(t, "wat/words.wasm", "standard", "run", "10")
	top := loopTop(t, c.s.Module())
	c.do(fmt.Sprintf("break 0x%x if log > 2 && hits < 10", top))
	c.do(fmt.Sprintf(`break 0x%x log "log={log} if hits={hits}" if log == 1`, top))
	var stops []int32
	var logs string
	for {
		c.out.Reset()
		c.in.Exec("continue")
		if st := c.s.State(); st.Reason != BreakpointHit {
			if st.Reason != Finished {
				t.Fatalf("continue: %v", st.Reason)
			}
			break
		}
		logs += c.out.String()
		if c.param(2) != c.param(1)*(c.param(1)-1) {
			t.Fatalf("stopped with log %d, hits %d: words.wat's loop keeps hits = log*(log-1)", c.param(1), c.param(2))
		}
		stops = append(stops, c.param(1))
	}
	if !slices.Equal(stops, []int32{3}) {
		t.Errorf("stopped with log = %v, want [3] (the only k > 2 with k*(k-1) < 10)", stops)
	}
	if !strings.HasPrefix(logs, "log=1 if hits=0\n") {
		t.Errorf("the log point printed %q, want log=1 if hits=0 first", logs)
	}
}

// TestEnableDisable: a disabled breakpoint or watchpoint stops nothing,
// forwards or backwards; enabled again, it stops where single-stepping
// (breakpoint) and the first change of the value (watchpoint) say.
func TestEnableDisable(t *testing.T) {
	mod := loadModule(t, "wasi/compute.wasm")
	var out bytes.Buffer
	s := open(t, mod, "standard", &out)
	loc, err := s.ResolveLocation("hanoi")
	if err != nil {
		t.Fatal(err)
	}
	hits := entries(t, newPlain(t, mod, "standard"), loc.Offset)
	p := newPlain(t, mod, "standard")
	sp, _ := mod.StackPointer()
	firstSPChange := stepChanges(p.m, global32(p.m, sp))[0].k
	bp, err := s.AddBreakpoint(Breakpoint{Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	w := mustWatch(t, s, Watchpoint{Kind: WatchGlobal, Global: sp})
	for _, id := range []int{bp.ID, w.ID} {
		if err := s.Enable(id, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Enable(99, false); err == nil {
		t.Error("disabling point 99, which does not exist: no error")
	}
	if bs, ws := s.Breakpoints(), s.Watchpoints(); len(bs) != 1 || !bs[0].Disabled || len(ws) != 1 || !ws[0].Disabled {
		t.Fatalf("the disabled points are not listed as disabled: %+v %+v", bs, ws)
	}
	st, err := s.Continue()
	mustEnd(t, st, err)
	if st, err := s.ReverseContinue(); err != nil || st.Reason != StartOfTime {
		t.Fatalf("reverse-continue with everything disabled: %v at %d, %v; want the start of time", st.Reason, st.Counter, err)
	}
	if err := s.Enable(bp.ID, true); err != nil {
		t.Fatal(err)
	}
	if st, err := s.Continue(); err != nil || st.Reason != BreakpointHit || st.Counter != hits[0] {
		t.Fatalf("continue with the breakpoint enabled again: %v at %d, %v; want the breakpoint at %d", st.Reason, st.Counter, err, hits[0])
	}
	if _, err := s.Goto(0); err != nil {
		t.Fatal(err)
	}
	if err := s.Enable(w.ID, true); err != nil {
		t.Fatal(err)
	}
	if st, err := s.Continue(); err != nil || st.Reason != WatchpointHit || st.Counter != firstSPChange {
		t.Fatalf("continue with the watchpoint enabled again: %v at %d, %v; want its change at %d", st.Reason, st.Counter, err, firstSPChange)
	}

	c := newCmdSession(t, "wasi/compute.wasm", "standard", "")
	c.do("break hanoi")
	if got := c.do("disable"); got != "disabled all breakpoints and watchpoints\n" {
		t.Errorf("disable: %q", got)
	}
	if got := c.do("breakpoints"); !strings.Contains(got, "[disabled]") {
		t.Errorf("breakpoints after disable: %q", got)
	}
	mustEnd(t, c.stop("continue"), nil)
	c.do("enable 1")
	if st := c.stop("reverse-continue"); st.Reason != BreakpointHit || st.Counter != hits[len(hits)-1] {
		t.Errorf("reverse-continue after enable 1: %v at %d, want the last hit at %d", st.Reason, st.Counter, hits[len(hits)-1])
	}
	if got := c.fail("enable 7"); !strings.Contains(got, "no breakpoint or watchpoint 7") {
		t.Errorf("enable 7: %q", got)
	}
}
