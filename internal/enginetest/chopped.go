package enginetest

import (
	"testing"

	"github.com/wdb-dev/wdb/engines"
)

// choppedRunSteps are the lengths of the runs ChoppedRuns cuts a program
// into: a debugger's periodic snapshots cut a run this way.
var choppedRunSteps = []uint64{1000, 4099, 77777}

// ChoppedRuns runs p on e as a chain of Runs, each stopping at a limit a
// fixed number of instructions further, and requires the same end as one
// straight Run. An engine that goes precise near a limit must come back
// to its fast code afterwards without losing its place.
func ChoppedRuns(t testing.TB, e engines.Engine, p Program) {
	t.Helper()
	want := RunToEnd(t, e, p)
	for _, step := range choppedRunSteps {
		m := Start(t, e, p)
		var ev engines.Event
		for limit := step; ; limit += step {
			if ev = m.Run(engines.Stop{Limit: limit}); ev.Kind != engines.LimitReached {
				break
			}
		}
		if d := want.Diff(Observe(m, ev)); d != "" {
			t.Errorf("%s: runs of %d instructions: %s", p.Name, step, d)
		}
	}
}
