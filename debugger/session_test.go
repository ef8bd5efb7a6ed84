package debugger

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	_ "github.com/wdb-dev/wdb/engines/fast"
	_ "github.com/wdb-dev/wdb/engines/standard"
	_ "github.com/wdb-dev/wdb/engines/threaded"
	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/wasi"
	"github.com/wdb-dev/wdb/wasm"
)

func loadModule(t testing.TB, name string) *wasm.Module {
	t.Helper()
	b, err := os.ReadFile(testdataFile(name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := wasm.Load(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func open(t testing.TB, mod *wasm.Module, engine string, out *bytes.Buffer) *Session {
	t.Helper()
	s, err := New(Config{Path: "test.wasm", Module: mod, Engine: engine, WASI: wasi.Config{Args: []string{"prog"}, Stdout: out, Stderr: out}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// plain is the independent reference: the module on an engine with a
// WASI host, driven directly, as `wdb run` does.
type plain struct {
	m    engines.Machine
	host *wasi.Host
	out  *bytes.Buffer
	mod  *wasm.Module
}

func newPlain(t testing.TB, mod *wasm.Module, engine string) *plain {
	t.Helper()
	eng, err := engines.Get(engine)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := eng.Compile(mod, engines.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := new(bytes.Buffer)
	h, err := wasi.New(wasi.Config{Args: []string{"prog"}, Stdout: out, Stderr: out, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	imps, err := h.Imports(mod)
	if err != nil {
		t.Fatal(err)
	}
	m, err := prog.Instantiate(engines.NewStore(), imps)
	if err != nil {
		t.Fatal(err)
	}
	fn, ok := mod.ExportedFunc("_start")
	if !ok {
		t.Fatal("no _start")
	}
	if err := m.Start(fn, nil); err != nil {
		t.Fatal(err)
	}
	return &plain{m: m, host: h, out: out, mod: mod}
}

// step runs one instruction; it returns false at the end.
func (p *plain) step() bool {
	ev := p.m.Run(engines.Stop{Limit: p.m.Counter() + 1})
	return ev.Kind == engines.LimitReached
}

func (p *plain) finish(t testing.TB) {
	ev := p.m.Run(engines.Stop{Limit: engines.NoLimit})
	if ev.Kind != engines.Done && ev.Kind != engines.Exited {
		t.Fatalf("plain run ended with %v %v", ev.Kind, ev.Trap)
	}
}

// straight runs mod to the end and returns its output and final counter.
func straight(t testing.TB, mod *wasm.Module, engine string) (string, uint64) {
	p := newPlain(t, mod, engine)
	p.finish(t)
	return p.out.String(), p.m.Counter()
}

// comparable drops what legitimately differs between two hosts: the
// monotonic clock's reading.
func comparable(s *snapshot.Snapshot) *snapshot.Snapshot {
	c := *s
	c.Module = nil
	if s.Host != nil {
		h := *s.Host
		h.Monotonic, h.LogPosition = 0, 0
		c.Host = &h
	}
	return &c
}

func sameState(t *testing.T, what string, got, want *snapshot.Snapshot) {
	t.Helper()
	if d := snapshot.Diff(comparable(got), comparable(want)); d != "" {
		t.Fatalf("%s: states differ: %s", what, d)
	}
}

func mustStop(t *testing.T, st Stop, err error, want Reason) Stop {
	t.Helper()
	if err != nil {
		t.Fatalf("%v at counter %d: %v", want, st.Counter, err)
	}
	if st.Reason != want {
		t.Fatalf("stopped with %v at counter %d (trap %v), want %v", st.Reason, st.Counter, st.Trap, want)
	}
	return st
}

func mustEnd(t *testing.T, st Stop, err error) Stop {
	t.Helper()
	if err != nil || (st.Reason != Exited && st.Reason != Finished) || st.ExitCode != 0 {
		t.Fatalf("stopped with %v (exit %d, trap %v) at counter %d, err %v; want the end", st.Reason, st.ExitCode, st.Trap, st.Counter, err)
	}
	return st
}

// TestForwardThenReverse: the states reached by Goto and ReverseStep,
// after the run went to its end, equal an independent plain run's at the
// same counters.
func TestForwardThenReverse(t *testing.T) {
	mod := loadModule(t, "wasi/compute.wasm")
	for _, engine := range engines.Names() {
		t.Run(engine, func(t *testing.T) {
			want, total := straight(t, mod, engine)
			var out bytes.Buffer
			s := open(t, mod, engine, &out)
			s.SetBudget(4 << 20) // thinning and the budget at work too
			s.tl.interval, s.tl.fixed = 2000, true
			// Reference states at many counters, from a plain run.
			var ks []uint64
			for k := uint64(0); k < total; k += total/37 + 1 {
				ks = append(ks, k)
			}
			ks = append(ks, total-1)
			ref := map[uint64]*snapshot.Snapshot{}
			p := newPlain(t, mod, engine)
			for _, k := range ks {
				if ev := p.m.Run(engines.Stop{Limit: k}); ev.Kind != engines.LimitReached {
					t.Fatalf("plain run to %d: %v", k, ev.Kind)
				}
				sn, err := p.m.Snapshot()
				if err != nil {
					t.Fatal(err)
				}
				ref[k] = sn
			}
			st, err := s.Continue()
			mustEnd(t, st, err)
			if st.Counter != total || out.String() != want {
				t.Fatalf("session ended at %d with output\n%s\nwant %d and\n%s", st.Counter, out.String(), total, want)
			}
			check := func(what string, k uint64) {
				got, err := s.Snapshot()
				if err != nil {
					t.Fatal(err)
				}
				got.Host = nil
				sameState(t, fmt.Sprintf("%s %d", what, k), got, ref[k])
			}
			for i := len(ks) - 1; i >= 0; i-- {
				st, err := s.Goto(ks[i])
				mustStop(t, st, err, Arrived)
				check("goto", ks[i])
			}
			// ReverseStep from k+1 lands on k.
			for i := len(ks) - 1; i >= 0; i -= 3 {
				k := ks[i]
				if st, err := s.Goto(k + 1); err != nil || st.Counter != k+1 {
					t.Fatalf("goto %d: at %d, %v", k+1, st.Counter, err)
				}
				st, err := s.ReverseStep()
				mustStop(t, st, err, Step)
				if st.Counter != k {
					t.Fatalf("reverse-step from %d went to %d", k+1, st.Counter)
				}
				check("reverse-step to", k)
			}
			// Forward again to the end: the same end, nothing printed twice.
			st, err = s.Continue()
			mustEnd(t, st, err)
			if st.Counter != total || out.String() != want {
				t.Fatalf("second end at %d, output\n%s", st.Counter, out.String())
			}
			if n := len(s.Timeline().Snapshots); n < 2 {
				t.Errorf("only %d snapshots", n)
			}
		})
	}
}
