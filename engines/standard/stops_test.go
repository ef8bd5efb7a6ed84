package standard

import (
	"testing"
	"time"

	"github.com/wdb-dev/wdb/engines"
)

// TestLimit stops at every counter of a run, in both the precise and the
// fast mode (a far limit is reached through the fast mode's check points),
// and then finishes with the plain run's result.
func TestLimit(t *testing.T) {
	mod := load(t, "recursion")
	ref := instance(t, mod, engines.Options{})
	start(t, ref, "run", 7)
	want := runToEnd(t, ref)[0]
	total := ref.Counter()

	for k := uint64(0); k <= total; k++ {
		m := instance(t, mod, engines.Options{})
		start(t, m, "run", 7)
		ev := m.Run(engines.Stop{Limit: k})
		if k == total {
			if ev.Kind != engines.Done {
				t.Fatalf("limit %d (the end): %v", k, ev.Kind)
			}
			continue
		}
		if ev.Kind != engines.LimitReached || m.Counter() != k {
			t.Fatalf("limit %d: %v at counter %d", k, ev.Kind, m.Counter())
		}
		// A Run whose limit is the current counter returns at once.
		if ev := m.Run(engines.Stop{Limit: k}); ev.Kind != engines.LimitReached || m.Counter() != k {
			t.Fatalf("limit %d again: %v at %d", k, ev.Kind, m.Counter())
		}
		if got := runToEnd(t, m)[0]; got != want || m.Counter() != total {
			t.Fatalf("limit %d: finished with %d at counter %d, want %d at %d", k, got, m.Counter(), want, total)
		}
	}
}

// TestBreakpoints: a breakpoint stops before its instruction, but not at
// the first instruction of a Run.
func TestBreakpoints(t *testing.T) {
	mod := load(t, "counting")
	m := instance(t, mod, engines.Options{}, identity)
	fn := export(t, m, "loop")
	f := mod.Funcs[fn]
	// Instruction 1 is the first of the loop's body (local.get $i).
	bp := f.Instrs[1].Offset
	m.SetBreakpoints([]uint32{bp})
	start(t, m, "loop", 5)
	hits := 0
	for {
		ev := m.Run(noStop)
		if ev.Kind == engines.Done {
			if ev.Results[0] != 5 {
				t.Errorf("result %v", ev.Results)
			}
			break
		}
		if ev.Kind != engines.Breakpoint {
			t.Fatalf("%v", ev.Kind)
		}
		if gf, off, _ := m.PC(); gf != fn || off != bp {
			t.Fatalf("stopped at %d/0x%x, want 0x%x", gf, off, bp)
		}
		// Counter at the n-th hit: loop (1) + (n-1) iterations of 8.
		if want := uint64(1 + 8*hits); m.Counter() != want {
			t.Errorf("hit %d at counter %d, want %d", hits, m.Counter(), want)
		}
		hits++
	}
	if hits != 5 {
		t.Errorf("%d hits, want 5", hits)
	}

	// A breakpoint at the very first instruction does not fire on the Run
	// that starts there.
	m.SetBreakpoints([]uint32{f.Instrs[0].Offset})
	start(t, m, "loop", 2)
	if ev := m.Run(noStop); ev.Kind != engines.Done {
		t.Errorf("breakpoint at the first instruction: %v", ev.Kind)
	}

	// Breakpoints also fire in the precise mode, and cleared ones do not.
	m.SetBreakpoints([]uint32{bp})
	start(t, m, "loop", 3)
	c0 := m.Counter()
	if ev := m.Run(engines.Stop{Limit: c0 + 20}); ev.Kind != engines.Breakpoint || m.Counter() != c0+1 {
		t.Errorf("precise: %v at %d, want a breakpoint at %d", ev.Kind, m.Counter(), c0+1)
	}
	m.SetBreakpoints(nil)
	if ev := m.Run(noStop); ev.Kind != engines.Done {
		t.Errorf("after clearing: %v", ev.Kind)
	}
}

// TestReturnDepth: step out of a recursive call.
func TestReturnDepth(t *testing.T) {
	m := instance(t, load(t, "recursion"), engines.Options{})
	start(t, m, "run", 6)
	// Go deep: stop when the depth reaches 4.
	for m.Depth() < 4 {
		if ev := m.Run(engines.Stop{Limit: m.Counter() + 1}); ev.Kind != engines.LimitReached {
			t.Fatalf("%v", ev.Kind)
		}
	}
	caller := m.Frames()[2]
	ev := m.Run(engines.Stop{Limit: engines.NoLimit, ReturnDepth: 3})
	if ev.Kind != engines.Returned || m.Depth() != 3 {
		t.Fatalf("%v at depth %d", ev.Kind, m.Depth())
	}
	// The caller continues after its call instruction.
	f := m.Module().Funcs[caller.Func]
	i, _ := f.InstrAt(caller.PC)
	if _, off, _ := m.PC(); off != f.Instrs[i+1].Offset {
		t.Errorf("returned to 0x%x, want 0x%x", off, f.Instrs[i+1].Offset)
	}
	runToEnd(t, m)
}

// TestInterrupt stops an endless loop from another goroutine, at an
// instruction boundary from which the machine can be snapshot.
func TestInterrupt(t *testing.T) {
	m := instance(t, load(t, "counting"), engines.Options{}, identity)
	start(t, m, "forever")
	go func() {
		time.Sleep(20 * time.Millisecond)
		m.Interrupt()
	}()
	ev := m.Run(noStop)
	if ev.Kind != engines.Interrupted {
		t.Fatalf("%v", ev.Kind)
	}
	if m.Counter() < 1000 {
		t.Errorf("counter %d: the loop hardly ran", m.Counter())
	}
	if _, err := m.Snapshot(); err != nil {
		t.Error(err)
	}
	// The interrupt was consumed: the next Run goes on until the limit.
	if ev := m.Run(engines.Stop{Limit: m.Counter() + 1000}); ev.Kind != engines.LimitReached {
		t.Errorf("after the interrupt: %v", ev.Kind)
	}
}

// TestCallStackExhausted: deep recursion and a large frame trap, with no
// Go stack overflow.
func TestCallStackExhausted(t *testing.T) {
	mod := load(t, "recursion")
	for _, opts := range []engines.Options{{}, {MaxCallDepth: 100}, {MaxCallDepth: 1 << 20}} {
		for _, fn := range []string{"deep", "wide"} {
			m := instance(t, mod, opts)
			start(t, m, fn, 0)
			ev := m.Run(noStop)
			if ev.Kind != engines.Trapped || ev.Trap.Msg != engines.MsgCallStack {
				t.Fatalf("%s %+v: %v %v", fn, opts, ev.Kind, ev.Trap)
			}
			limit := opts.MaxCallDepth
			if limit == 0 {
				limit = engines.DefaultMaxCallDepth
			}
			if m.Depth() > limit {
				t.Errorf("%s: depth %d above the limit %d", fn, m.Depth(), limit)
			}
			if fn == "deep" && limit <= engines.DefaultMaxCallDepth && m.Depth() != limit {
				t.Errorf("%s: trapped at depth %d, want %d", fn, m.Depth(), limit)
			}
			if len(ev.Trap.Backtrace) != m.Depth() {
				t.Errorf("backtrace of %d frames at depth %d", len(ev.Trap.Backtrace), m.Depth())
			}
		}
	}
}

// TestLimitPassed: a limit below the counter never fires.
func TestLimitPassed(t *testing.T) {
	m := instance(t, load(t, "recursion"), engines.Options{})
	start(t, m, "run", 6)
	m.Run(engines.Stop{Limit: 50})
	if ev := m.Run(engines.Stop{Limit: 10}); ev.Kind != engines.Done {
		t.Errorf("%v", ev.Kind)
	}
}

// TestCallFromOutside: Call on a machine stopped in the middle of a run
// leaves that run undisturbed; an interrupted Call returns an error and
// unwinds its frames.
func TestCallFromOutside(t *testing.T) {
	mod := load(t, "counting")
	ref := instance(t, mod, engines.Options{}, identity)
	start(t, ref, "loop", 20)
	want := runToEnd(t, ref)

	m := instance(t, mod, engines.Options{}, identity)
	start(t, m, "loop", 20)
	m.Run(engines.Stop{Limit: 37})
	depth, frames := m.Depth(), m.Frames()
	res, err := m.Call(export(t, m, "brtable"), []uint64{1})
	if err != nil || res[0] != 11 {
		t.Fatalf("Call: %v %v", res, err)
	}
	// brtable(1) retires 7 instructions; the activation below is intact.
	if m.Counter() != 37+7 || m.Depth() != depth || len(m.Frames()) != len(frames) {
		t.Errorf("after Call: counter %d depth %d", m.Counter(), m.Depth())
	}
	if got := runToEnd(t, m); got[0] != want[0] {
		t.Errorf("run resumed after a Call: %v, want %v", got, want)
	}

	go func() {
		time.Sleep(10 * time.Millisecond)
		m.Interrupt()
	}()
	if _, err := m.Call(export(t, m, "forever"), nil); err == nil || err.Error() != "interrupted" {
		t.Fatalf("interrupted Call: %v", err)
	}
	if m.Depth() != 0 {
		t.Errorf("depth %d after an interrupted Call", m.Depth())
	}
	start(t, m, "loop", 3)
	if got := runToEnd(t, m); got[0] != 3 {
		t.Errorf("after an interrupted Call: %v", got)
	}
}
