package enginetest

import (
	"testing"

	"github.com/wdb-dev/wdb/engines"
)

// maxStops bounds the breakpoint hits CompareStops compares.
const maxStops = 300

// Stops compares the stops of every registered engine with the Reference
// engine's on all Programs (CompareStops), in subtests "engine/program".
func Stops(t *testing.T) { againstReference(t, CompareStops) }

// CompareStops runs p on ref and e side by side and requires the same
// stops: breakpoints at every third instruction of the function running
// at counter 500 (so folded and fused boundaries included), every fifth
// hit a run to a return depth (step over) instead, followed by an
// interrupt requested before the next Run. Each stop must have the same
// event, counter, PC and depth on both.
func CompareStops(t *testing.T, ref, e engines.Engine, p Program) {
	t.Helper()
	total := RunToEnd(t, ref, p).Counter
	at := min(uint64(500), total/2)
	probe := Start(t, ref, p)
	RunTo(t, probe, at)
	fn, _, _ := probe.PC()
	var bps []uint32
	for i, in := range p.Module(t).Funcs[fn].Instrs {
		if i%3 == 0 {
			bps = append(bps, in.Offset)
		}
	}
	ms := [2]engines.Machine{Start(t, ref, p), Start(t, e, p)}
	for _, m := range ms {
		m.SetBreakpoints(bps)
	}
	// run runs both machines with stop and compares where they stopped.
	run := func(what string, stop engines.Stop, change func(engines.Machine)) engines.EventKind {
		t.Helper()
		var evs [2]engines.Event
		for k, m := range ms {
			if change != nil {
				change(m)
			}
			evs[k] = m.Run(stop)
		}
		fa, oa, _ := ms[0].PC()
		fb, ob, _ := ms[1].PC()
		if evs[0].Kind != evs[1].Kind || ms[0].Counter() != ms[1].Counter() || fa != fb || oa != ob || ms[0].Depth() != ms[1].Depth() {
			t.Fatalf("%s: %s: %v at %d (func %d 0x%x, depth %d) on %s, %v at %d (func %d 0x%x, depth %d) on %s", p.Name, what,
				evs[0].Kind, ms[0].Counter(), fa, oa, ms[0].Depth(), ref.Name(),
				evs[1].Kind, ms[1].Counter(), fb, ob, ms[1].Depth(), e.Name())
		}
		return evs[0].Kind
	}
	hits := 0
	defer func() {
		t.Logf("%s: %d breakpoint hits compared between %s and %s", p.Name, hits, ref.Name(), e.Name())
	}()
	for ; hits < maxStops; hits++ {
		if run("breakpoint hit", engines.Stop{Limit: engines.NoLimit}, nil) != engines.Breakpoint {
			return
		}
		if hits%5 != 4 || ms[0].Depth() <= 1 {
			continue
		}
		stop := engines.Stop{Limit: engines.NoLimit, ReturnDepth: ms[0].Depth() - 1}
		kind := run("return depth", stop, func(m engines.Machine) { m.SetBreakpoints(nil) })
		for _, m := range ms {
			m.SetBreakpoints(bps)
		}
		if kind == engines.Done {
			return
		}
		if run("interrupt", engines.Stop{Limit: engines.NoLimit}, engines.Machine.Interrupt) != engines.Interrupted {
			t.Fatalf("%s: Run after Interrupt did not return interrupted", p.Name)
		}
	}
}
