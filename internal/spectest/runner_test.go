package spectest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// hookEngine wraps an engine so that its machines' Run can misbehave.
type hookEngine struct {
	engines.Engine
	run func(m engines.Machine, s engines.Stop) engines.Event
}

type hookProgram struct {
	engines.Program
	e hookEngine
}

type hookMachine struct {
	engines.Machine
	e hookEngine
}

func (e hookEngine) Compile(m *wasm.Module, o engines.Options) (engines.Program, error) {
	p, err := e.Engine.Compile(m, o)
	return hookProgram{p, e}, err
}

func (p hookProgram) Instantiate(s *engines.Store, imports []engines.Extern) (engines.Machine, error) {
	m, err := p.Program.Instantiate(s, imports)
	if err != nil {
		return nil, err
	}
	return hookMachine{m, p.e}, nil
}

func (m hookMachine) Run(s engines.Stop) engines.Event { return m.e.run(m.Machine, s) }

// recorder collects the failures a fileRunner reports.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper()           {}
func (r *recorder) Error(args ...any) { r.errors = append(r.errors, fmt.Sprint(args...)) }
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// runFac runs the first commands of v2/fac.json (a module and calls of
// its functions) on e and returns the runner and what it reported.
func runFac(t *testing.T, e engines.Engine, commands int) (*fileRunner, []string) {
	fs, err := files()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.id() != "v2/fac.json" {
			continue
		}
		s, err := f.load()
		if err != nil {
			t.Fatal(err)
		}
		s.Commands = s.Commands[:commands]
		rec := &recorder{TB: t}
		r := newFileRunner(rec, e, f)
		r.runScript(s)
		return r, rec.errors
	}
	t.Fatal("v2/fac.json not found")
	return nil, nil
}

func TestEngineMisbehaviour(t *testing.T) {
	std := mustEngine("standard")
	defer func(d time.Duration) { callTimeout = d }(callTimeout)
	callTimeout = 50 * time.Millisecond

	tests := []struct {
		name string
		run  func(m engines.Machine, s engines.Stop) engines.Event
		want string
	}{
		{"panic", func(engines.Machine, engines.Stop) engines.Event { panic("boom") }, "panic: boom"},
		{"limit", func(engines.Machine, engines.Stop) engines.Event {
			return engines.Event{Kind: engines.LimitReached}
		}, "did not finish within 1000000000 instructions"},
		{"hang", func(m engines.Machine, s engines.Stop) engines.Event {
			// Only an interrupt ends this run.
			for {
				ev := m.Run(engines.Stop{Limit: m.Counter() + 1})
				if ev.Kind == engines.Interrupted {
					return ev
				}
				if ev.Kind != engines.LimitReached {
					m.Start(0, []uint64{1})
				}
			}
		}, "did not finish within 50ms"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, errs := runFac(t, hookEngine{std, tc.run}, 3)
			if r.tally.passed != 1 || r.tally.failed != 2 {
				t.Errorf("got %v, want the module to pass and both calls to fail", r.tally)
			}
			for _, e := range errs {
				if !strings.Contains(e, tc.want) {
					t.Errorf("failure %q does not say %q", e, tc.want)
				}
			}
			if len(errs) != 2 {
				t.Errorf("got %d failures, want 2: %q", len(errs), errs)
			}
		})
	}
}

func TestStandardFacPasses(t *testing.T) {
	r, errs := runFac(t, mustEngine("standard"), 3)
	if r.tally.passed != 3 || len(errs) != 0 {
		t.Errorf("got %v, %q", r.tally, errs)
	}
}
