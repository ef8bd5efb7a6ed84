package enginetest

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/snapshot"
)

// Result is the observable outcome of a run: how it ended, the counter, and
// the final state of memories, globals and tables, read through the
// Machine's own views (not through Snapshot, so that it also checks
// snapshots independently).
type Result struct {
	Event    engines.Event
	Counter  uint64
	Memories [][]byte
	Globals  []snapshot.Value
	Tables   [][]uint64
}

// NewMachine compiles p for e and instantiates it in a new store, without
// starting anything.
func NewMachine(t testing.TB, e engines.Engine, p Program) engines.Machine {
	t.Helper()
	prog, err := e.Compile(p.Module(t), engines.Options{})
	if err != nil {
		t.Fatalf("%s on %s: compile: %v", p.Name, e.Name(), err)
	}
	m, err := prog.Instantiate(engines.NewStore(), nil)
	if err != nil {
		t.Fatalf("%s on %s: instantiate: %v", p.Name, e.Name(), err)
	}
	return m
}

// Start instantiates p on e and starts its entry call.
func Start(t testing.TB, e engines.Engine, p Program) engines.Machine {
	t.Helper()
	m := NewMachine(t, e, p)
	fn, ok := p.Module(t).ExportedFunc(p.Entry)
	if !ok {
		t.Fatalf("%s: no exported function %q", p.Name, p.Entry)
	}
	if err := m.Start(fn, p.Args); err != nil {
		t.Fatalf("%s on %s: start: %v", p.Name, e.Name(), err)
	}
	return m
}

// RunToEnd runs p on e without stopping and returns the outcome. A run
// that does not end with Done fails the test.
func RunToEnd(t testing.TB, e engines.Engine, p Program) Result {
	t.Helper()
	m := Start(t, e, p)
	return Finish(t, m, p.Name)
}

// Finish runs m to the end of its started call and returns the outcome.
func Finish(t testing.TB, m engines.Machine, what string) Result {
	t.Helper()
	return FinishBy(t, m, what, engines.NoLimit)
}

// FinishBy is Finish for a run that must end before counter limit: one
// still running there fails the test (a damaged state may well loop for
// ever).
func FinishBy(t testing.TB, m engines.Machine, what string, limit uint64) Result {
	t.Helper()
	ev := m.Run(engines.Stop{Limit: limit})
	if ev.Kind == engines.LimitReached {
		t.Fatalf("%s on %s: still running at counter %d", what, m.Engine(), m.Counter())
	}
	if ev.Kind != engines.Done {
		t.Fatalf("%s on %s: run ended with %v%s, want done", what, m.Engine(), ev.Kind, trapText(ev))
	}
	return Observe(m, ev)
}

// Observe copies m's current outcome: ev, the counter, memories, globals
// and tables.
func Observe(m engines.Machine, ev engines.Event) Result {
	r := Final(m, ev)
	r.Event.Results = slices.Clone(r.Event.Results)
	for i := range r.Memories {
		r.Memories[i] = bytes.Clone(r.Memories[i])
	}
	for i := range r.Tables {
		r.Tables[i] = slices.Clone(r.Tables[i])
	}
	return r
}

// Final is Observe without the copies, for a machine that will not run
// again (large memories make the copies costly): the result shares the
// machine's memories and tables.
func Final(m engines.Machine, ev engines.Event) Result {
	mod := m.Module()
	r := Result{Event: ev, Counter: m.Counter()}
	for i := range mod.Memories {
		r.Memories = append(r.Memories, m.Memory(uint32(i)).Data)
	}
	for i := range mod.Globals {
		g := m.Global(uint32(i))
		r.Globals = append(r.Globals, snapshot.Value{Type: g.Type.Type, Lo: g.Lo, Hi: g.Hi})
	}
	for i := range mod.Tables {
		r.Tables = append(r.Tables, m.Table(uint32(i)).Elems)
	}
	return r
}

// Diff describes how got differs from r, or returns "" when they are the
// same.
func (r Result) Diff(got Result) string {
	var d []string
	if r.Event.Kind != got.Event.Kind {
		d = append(d, fmt.Sprintf("event %v, want %v", got.Event.Kind, r.Event.Kind))
	}
	if !slices.Equal(r.Event.Results, got.Event.Results) {
		d = append(d, fmt.Sprintf("results %#x, want %#x", got.Event.Results, r.Event.Results))
	}
	if r.Event.ExitCode != got.Event.ExitCode {
		d = append(d, fmt.Sprintf("exit code %d, want %d", got.Event.ExitCode, r.Event.ExitCode))
	}
	if r.Counter != got.Counter {
		d = append(d, fmt.Sprintf("counter %d, want %d", got.Counter, r.Counter))
	}
	if len(r.Memories) != len(got.Memories) {
		d = append(d, fmt.Sprintf("%d memories, want %d", len(got.Memories), len(r.Memories)))
	} else {
		for i := range r.Memories {
			if s := memoryDiff(r.Memories[i], got.Memories[i]); s != "" {
				d = append(d, fmt.Sprintf("memory %d: %s", i, s))
			}
		}
	}
	if len(r.Globals) != len(got.Globals) {
		d = append(d, fmt.Sprintf("%d globals, want %d", len(got.Globals), len(r.Globals)))
	} else {
		for i := range r.Globals {
			if r.Globals[i] != got.Globals[i] {
				d = append(d, fmt.Sprintf("global %d = %v, want %v", i, got.Globals[i], r.Globals[i]))
			}
		}
	}
	if len(r.Tables) != len(got.Tables) {
		d = append(d, fmt.Sprintf("%d tables, want %d", len(got.Tables), len(r.Tables)))
	} else {
		for i := range r.Tables {
			if !slices.Equal(r.Tables[i], got.Tables[i]) {
				d = append(d, fmt.Sprintf("table %d = %#x, want %#x", i, got.Tables[i], r.Tables[i]))
			}
		}
	}
	return strings.Join(d, "; ")
}

// memoryDiff reports the size difference or the first differing byte.
func memoryDiff(want, got []byte) string {
	if len(want) != len(got) {
		return fmt.Sprintf("%d bytes, want %d", len(got), len(want))
	}
	for i := range want {
		if want[i] != got[i] {
			return fmt.Sprintf("byte 0x%x is 0x%02x, want 0x%02x", i, got[i], want[i])
		}
	}
	return ""
}

func trapText(ev engines.Event) string {
	if ev.Trap == nil {
		return ""
	}
	return fmt.Sprintf(" (%s at func %d offset 0x%x)", ev.Trap.Msg, ev.Trap.Func, ev.Trap.Offset)
}
