package enginetest_test

import (
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/internal/enginetest"

	_ "github.com/wdb-dev/wdb/engines/fast"
)

func engine(t *testing.T, name string) engines.Engine {
	t.Helper()
	e, err := engines.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestFast checks the fast engine on its own: wazero's results, checkpoint
// round trips fast→fast, steps against runs to a counter.
func TestFast(t *testing.T) { enginetest.Suite(t, engine(t, "fast")) }

// TestStandardFast checks checkpoints standard→fast and fast→standard and
// compares step traces.
func TestStandardFast(t *testing.T) {
	enginetest.CrossSuite(t, engine(t, "standard"), engine(t, "fast"))
}

// TestStandardFastStops compares the stops of the two engines: breakpoints
// (at every instruction of the function running at counter 500, so
// folded and fused boundaries included), runs to a return depth, and
// interrupts requested before a Run.
func TestStandardFastStops(t *testing.T) {
	compareStops(t, engine(t, "standard"), engine(t, "fast"))
}

// compareStops compares the stops of engines std and other (see
// TestStandardFastStops).
func compareStops(t *testing.T, std, other engines.Engine) {
	for _, p := range enginetest.Programs() {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			total := enginetest.RunToEnd(t, std, p).Counter
			at := min(uint64(500), total/2)
			probe := enginetest.Start(t, std, p)
			enginetest.RunTo(t, probe, at)
			fn, _, _ := probe.PC()
			var bps []uint32
			for i, in := range p.Module(t).Funcs[fn].Instrs {
				if i%3 == 0 {
					bps = append(bps, in.Offset)
				}
			}
			ms := []engines.Machine{enginetest.Start(t, std, p), enginetest.Start(t, other, p)}
			for _, m := range ms {
				m.SetBreakpoints(bps)
			}
			hits := 0
			defer func() { t.Logf("%s: %d breakpoint hits compared", p.Name, hits) }()
			for hit := 0; hit < 300; hit++ {
				hits = hit
				var evs [2]engines.Event
				for k, m := range ms {
					evs[k] = m.Run(engines.Stop{Limit: engines.NoLimit})
				}
				fa, oa, _ := ms[0].PC()
				fb, ob, _ := ms[1].PC()
				if evs[0].Kind != evs[1].Kind || ms[0].Counter() != ms[1].Counter() || fa != fb || oa != ob {
					t.Fatalf("breakpoint hit %d: %v at %d (func %d 0x%x) on standard, %v at %d (func %d 0x%x) on %s",
						hit, evs[0].Kind, ms[0].Counter(), fa, oa, evs[1].Kind, ms[1].Counter(), fb, ob, other.Name())
				}
				if evs[0].Kind != engines.Breakpoint {
					break
				}
				// Every few hits, step over (return depth) instead.
				if hit%5 == 4 && ms[0].Depth() > 1 {
					for k, m := range ms {
						m.SetBreakpoints(nil)
						evs[k] = m.Run(engines.Stop{Limit: engines.NoLimit, ReturnDepth: max(1, m.Depth()-1)})
						m.SetBreakpoints(bps)
					}
					if evs[0].Kind != evs[1].Kind || ms[0].Counter() != ms[1].Counter() || ms[0].Depth() != ms[1].Depth() {
						t.Fatalf("return depth after hit %d: %v at %d on standard, %v at %d on %s", hit, evs[0].Kind, ms[0].Counter(), evs[1].Kind, ms[1].Counter(), other.Name())
					}
					if evs[0].Kind == engines.Done {
						break
					}
					for _, m := range ms {
						m.Interrupt()
						if ev := m.Run(engines.Stop{Limit: engines.NoLimit}); ev.Kind != engines.Interrupted {
							t.Fatalf("%s: Run after Interrupt gave %v", m.Engine(), ev.Kind)
						}
					}
				}
			}
		})
	}
}

// TestFastSharedProgram runs machines of one compiled program at the same
// time: the fast engine translates each function on its first call,
// whichever machine makes it.
func TestFastSharedProgram(t *testing.T) {
	e := engine(t, "fast")
	for _, p := range enginetest.Programs() {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			enginetest.SharedProgram(t, e, p)
		})
	}
}
