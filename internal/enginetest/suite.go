package enginetest

import (
	"testing"

	"github.com/wdb-dev/wdb/engines"
)

// stepVsRunCounts are the counters at which StepVsRunTo compares the two
// routes (those past a program's end compare the ends).
var stepVsRunCounts = []uint64{0, 1, 2, 3, 10, 57, 100, 1000, 4321, 10000}

// traceSteps bounds StepTraces in the suites.
const traceSteps = 20000

// Suite runs every single-engine check on e over all Programs: results and
// final memory equal to wazero's interpreter, checkpoint round trips from e
// to e at the counters chosen by Counters, a run cut by limits against a
// straight one, and single steps against runs to a counter. Each program is a parallel subtest.
func Suite(t *testing.T, e engines.Engine) {
	for _, p := range Programs() {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			t.Run("wazero", func(t *testing.T) { CheckAgainstWazero(t, e, p) })
			t.Run("snapshot", func(t *testing.T) { SnapshotRoundTrip(t, e, e, p, Counters(t, e, p)) })
			t.Run("chopped", func(t *testing.T) { ChoppedRuns(t, e, p) })
			t.Run("step-vs-run", func(t *testing.T) {
				for _, n := range stepVsRunCounts {
					StepVsRunTo(t, e, p, n)
				}
			})
		})
	}
}

// CrossSuite runs the checks between two engines over all Programs:
// checkpoints taken on each restored on the other at the counters chosen
// by Counters, and step-by-step traces compared over the first traceSteps
// instructions.
func CrossSuite(t *testing.T, a, b engines.Engine) {
	for _, p := range Programs() {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			counters := Counters(t, a, p)
			t.Run(a.Name()+"-to-"+b.Name(), func(t *testing.T) { SnapshotRoundTrip(t, a, b, p, counters) })
			t.Run(b.Name()+"-to-"+a.Name(), func(t *testing.T) { SnapshotRoundTrip(t, b, a, p, counters) })
			t.Run("trace", func(t *testing.T) { StepTraces(t, a, b, p, traceSteps) })
		})
	}
}
