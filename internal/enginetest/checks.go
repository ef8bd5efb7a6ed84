package enginetest

import (
	"fmt"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/snapshot"
)

// maxErrors bounds the failures one check reports before giving up, so a
// broken engine gives a readable test log.
const maxErrors = 5

// errorBudget counts failures and stops the test after maxErrors.
type errorBudget struct {
	t testing.TB
	n int
}

func (b *errorBudget) errorf(format string, args ...any) {
	b.t.Helper()
	b.t.Errorf(format, args...)
	if b.n++; b.n >= maxErrors {
		b.t.Fatalf("giving up after %d failures", b.n)
	}
}

// Step executes exactly one instruction (Run with a limit one past the
// counter) and returns the event: LimitReached, or Done when that
// instruction ended the started call. Any other event fails the test.
func Step(t testing.TB, m engines.Machine) engines.Event {
	t.Helper()
	before := m.Counter()
	ev := m.Run(engines.Stop{Limit: before + 1})
	switch ev.Kind {
	case engines.LimitReached, engines.Done:
	default:
		t.Fatalf("%s: step at counter %d: %v%s", m.Engine(), before, ev.Kind, trapText(ev))
	}
	if got := m.Counter(); got != before+1 {
		t.Fatalf("%s: step at counter %d: counter is %d after it, want %d", m.Engine(), before, got, before+1)
	}
	return ev
}

// RunTo runs m until its counter is c, which must be before the end.
func RunTo(t testing.TB, m engines.Machine, c uint64) {
	t.Helper()
	ev := m.Run(engines.Stop{Limit: c})
	if ev.Kind != engines.LimitReached || m.Counter() != c {
		t.Fatalf("%s: run to counter %d: %v%s at counter %d", m.Engine(), c, ev.Kind, trapText(ev), m.Counter())
	}
}

// SnapshotRoundTrip checks checkpoints between engines: p runs on from,
// stopping at each counter (those at or past the end are ignored); at each
// stop the snapshot is encoded, decoded and restored into a fresh machine
// of to, which runs to the end. Its outcome must equal a straight run's,
// the decoded snapshot must equal the original, and a Snapshot taken right
// after Restore must equal it too. The machine that took the snapshots must
// itself finish like a straight run (taking a snapshot changes nothing).
func SnapshotRoundTrip(t testing.TB, from, to engines.Engine, p Program, counters []uint64) {
	t.Helper()
	want := RunToEnd(t, from, p)
	budget := &errorBudget{t: t}
	m := Start(t, from, p)
	checked := 0
	for _, c := range sortedUnique(counters) {
		if c >= want.Counter {
			break
		}
		checked++
		RunTo(t, m, c)
		s, err := m.Snapshot()
		if err != nil {
			budget.errorf("%s on %s: snapshot at counter %d: %v", p.Name, from.Name(), c, err)
			continue
		}
		if s.Counter != c {
			budget.errorf("%s on %s: snapshot at counter %d has counter %d", p.Name, from.Name(), c, s.Counter)
		}
		img, err := snapshot.Encode(s, snapshot.EncodeOptions{})
		if err != nil {
			budget.errorf("%s on %s: encode snapshot at counter %d: %v", p.Name, from.Name(), c, err)
			continue
		}
		decoded, err := snapshot.Decode(img)
		if err != nil {
			budget.errorf("%s on %s: decode snapshot at counter %d: %v", p.Name, from.Name(), c, err)
			continue
		}
		if d := snapshot.Diff(s, decoded); d != "" {
			budget.errorf("%s on %s: counter %d: decoded image differs from the snapshot: %s", p.Name, from.Name(), c, d)
		}

		r := NewMachine(t, to, p)
		if err := r.Restore(decoded); err != nil {
			budget.errorf("%s: restore on %s of a snapshot from %s at counter %d: %v", p.Name, to.Name(), from.Name(), c, err)
			continue
		}
		if r.Counter() != c {
			budget.errorf("%s: counter %d on %s after restoring counter %d", p.Name, r.Counter(), to.Name(), c)
		}
		again, err := r.Snapshot()
		if err != nil {
			budget.errorf("%s on %s: snapshot right after restore at counter %d: %v", p.Name, to.Name(), c, err)
		} else if d := snapshot.Diff(s, again); d != "" {
			budget.errorf("%s: counter %d: snapshot on %s right after restore differs from the one taken on %s: %s",
				p.Name, c, to.Name(), from.Name(), d)
		}
		got := FinishBy(t, r, fmt.Sprintf("%s restored at counter %d", p.Name, c), want.Counter+1)
		if d := want.Diff(got); d != "" {
			budget.errorf("%s: restored on %s at counter %d (snapshot from %s), finished differently: %s",
				p.Name, to.Name(), c, from.Name(), d)
		}
	}
	if d := want.Diff(FinishBy(t, m, p.Name+" after snapshots", want.Counter+1)); d != "" {
		budget.errorf("%s on %s: taking snapshots changed the run: %s", p.Name, from.Name(), d)
	}
	t.Logf("%s: %d checkpoints from %s restored on %s, in a run of %d instructions",
		p.Name, checked, from.Name(), to.Name(), want.Counter)
}

// StepVsRunTo checks that n single steps and one run to counter n reach the
// same state: equal Snapshot()s, then equal outcomes when both finish. If
// the program ends before n steps, both routes must end it.
func StepVsRunTo(t testing.TB, e engines.Engine, p Program, n uint64) {
	t.Helper()
	stepped := Start(t, e, p)
	done := false
	for stepped.Counter() < n && !done {
		done = Step(t, stepped).Kind == engines.Done
	}
	ran := Start(t, e, p)
	ev := ran.Run(engines.Stop{Limit: n})
	if done {
		if ev.Kind != engines.Done || ran.Counter() != stepped.Counter() {
			t.Fatalf("%s on %s: stepping ended at counter %d, a run to %d gave %v at counter %d",
				p.Name, e.Name(), stepped.Counter(), n, ev.Kind, ran.Counter())
		}
		return
	}
	if ev.Kind != engines.LimitReached || ran.Counter() != n {
		t.Fatalf("%s on %s: run to counter %d: %v%s at counter %d", p.Name, e.Name(), n, ev.Kind, trapText(ev), ran.Counter())
	}
	a, err := stepped.Snapshot()
	if err != nil {
		t.Fatalf("%s on %s: snapshot after %d steps: %v", p.Name, e.Name(), n, err)
	}
	b, err := ran.Snapshot()
	if err != nil {
		t.Fatalf("%s on %s: snapshot after a run to %d: %v", p.Name, e.Name(), n, err)
	}
	if d := snapshot.Diff(a, b); d != "" {
		t.Fatalf("%s on %s: at counter %d, the run-to snapshot differs from the stepped one: %s", p.Name, e.Name(), n, d)
	}
	want := Finish(t, stepped, p.Name+" after steps")
	if d := want.Diff(Finish(t, ran, p.Name+" after a run to a counter")); d != "" {
		t.Fatalf("%s on %s: the two routes to counter %d finish differently: %s", p.Name, e.Name(), n, d)
	}
}

// StepTraces steps p on a and b side by side, at most maxSteps
// instructions, and requires the same counter, PC and typed frames (locals,
// operand stack, labels) before every instruction, and the same outcome if
// the program ends within maxSteps.
func StepTraces(t testing.TB, a, b engines.Engine, p Program, maxSteps int) {
	t.Helper()
	ma, mb := Start(t, a, p), Start(t, b, p)
	for step := 0; step < maxSteps; step++ {
		if d := PositionDiff(ma, mb); d != "" {
			t.Fatalf("%s: after %d steps, %s and %s differ: %s", p.Name, step, a.Name(), b.Name(), d)
		}
		eva, evb := Step(t, ma), Step(t, mb)
		if eva.Kind != evb.Kind {
			t.Fatalf("%s: step %d ends with %v on %s, %v on %s", p.Name, step, eva.Kind, a.Name(), evb.Kind, b.Name())
		}
		if eva.Kind == engines.Done {
			if d := Observe(ma, eva).Diff(Observe(mb, evb)); d != "" {
				t.Fatalf("%s: %s finished differently from %s: %s", p.Name, b.Name(), a.Name(), d)
			}
			return
		}
	}
}

// PositionDiff compares two machines' counters, PCs and frames ("" when
// they are the same).
func PositionDiff(a, b engines.Machine) string {
	if a.Counter() != b.Counter() {
		return fmt.Sprintf("counter %d vs %d", a.Counter(), b.Counter())
	}
	fa, oa, oka := a.PC()
	fb, ob, okb := b.PC()
	if fa != fb || oa != ob || oka != okb {
		return fmt.Sprintf("PC func %d offset 0x%x (%v) vs func %d offset 0x%x (%v) at counter %d",
			fa, oa, oka, fb, ob, okb, a.Counter())
	}
	// snapshot.Diff compares states, not representations (nil and empty
	// slices are the same), so it compares frames too.
	sa := &snapshot.Snapshot{Counter: a.Counter(), Frames: a.Frames()}
	sb := &snapshot.Snapshot{Counter: b.Counter(), Frames: b.Frames()}
	if d := snapshot.Diff(sa, sb); d != "" {
		return fmt.Sprintf("at counter %d: %s", a.Counter(), d)
	}
	return ""
}
