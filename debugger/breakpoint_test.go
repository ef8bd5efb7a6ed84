package debugger

import (
	"bytes"
	"math/bits"
	"slices"
	"testing"

	"github.com/wdb-dev/wdb/engines"
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
