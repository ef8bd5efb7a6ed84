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

// Suite runs the single-engine checks on e over all Programs: results and
// final memory equal to wazero's interpreter, a run cut by limits against
// a straight one, single steps against runs to a counter, and (for an
// engines.StoreWatcher) the stops at watched stores. Each program is a parallel subtest. Checkpoint round
// trips from e to e are part of Matrix, with those to the other engines.
func Suite(t *testing.T, e engines.Engine) {
	for _, p := range Programs() {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			t.Run("wazero", func(t *testing.T) { CheckAgainstWazero(t, e, p) })
			t.Run("chopped", func(t *testing.T) { ChoppedRuns(t, e, p) })
			t.Run("store-watch", func(t *testing.T) { StoreWatch(t, e, p) })
			t.Run("step-vs-run", func(t *testing.T) {
				for _, n := range stepVsRunCounts {
					StepVsRunTo(t, e, p, n)
				}
			})
		})
	}
}

// Reference is the engine the others are compared with where one
// comparison per engine is enough (step traces, stops): equality is
// transitive, so engines that all agree with the reference agree with
// each other.
const Reference = "standard"

// Engines returns every registered engine, sorted by name: an engine
// joins the matrix by being imported.
func Engines(t testing.TB) []engines.Engine {
	t.Helper()
	var out []engines.Engine
	for _, name := range engines.Names() {
		e, err := engines.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		t.Fatal("no engine is registered: import the engine packages")
	}
	return out
}

// PairName names the subtest of a checkpoint taken on from and restored
// on to.
func PairName(from, to string) string { return from + "-to-" + to }

// Matrix checks checkpoints between every ordered pair of registered
// engines, each engine with itself included, on all Programs: subtest
// "A-to-B/program" runs SnapshotRoundTrip from A to B at the counters
// Counters chooses on A.
func Matrix(t *testing.T) {
	es := Engines(t)
	for _, a := range es {
		for _, b := range es {
			t.Run(PairName(a.Name(), b.Name()), func(t *testing.T) {
				for _, p := range Programs() {
					t.Run(p.Name, func(t *testing.T) {
						t.Parallel()
						SnapshotRoundTrip(t, a, b, p, Counters(t, a, p))
					})
				}
			})
		}
	}
}

// Traces steps every registered engine side by side with the Reference
// engine on all Programs, over the first traceSteps instructions, in
// subtests "engine/program". The reference with itself checks that two of
// its machines step alike.
func Traces(t *testing.T) {
	againstReference(t, func(t *testing.T, ref, e engines.Engine, p Program) {
		StepTraces(t, ref, e, p, traceSteps)
	})
}

// againstReference runs check on the Reference engine and each registered
// engine, for each program, in parallel subtests "engine/program".
func againstReference(t *testing.T, check func(t *testing.T, ref, e engines.Engine, p Program)) {
	ref, err := engines.Get(Reference)
	if err != nil {
		t.Fatalf("the reference engine: %v", err)
	}
	for _, e := range Engines(t) {
		t.Run(e.Name(), func(t *testing.T) {
			for _, p := range Programs() {
				t.Run(p.Name, func(t *testing.T) {
					t.Parallel()
					check(t, ref, e, p)
				})
			}
		})
	}
}
