package enginetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/wdb-dev/wdb/engines"
)

// sharedWorkers is how many machines SharedProgram runs at once.
const sharedWorkers = 8

// SharedProgram checks that one compiled program serves several machines
// at once, as Compile once, Instantiate many promises: p is compiled once
// and sharedWorkers goroutines instantiate it and run it in different
// ways at the same time (straight; in short runs, so near a limit;
// stopping at breakpoints in every function; restored from a snapshot
// into another instance of the same program). Each must finish like a
// straight run of its own compilation. Run it under -race too: an engine
// that translates functions on first need shares that work between
// machines.
func SharedProgram(t *testing.T, e engines.Engine, p Program) {
	t.Helper()
	want := RunToEnd(t, e, p)
	mod := p.Module(t)
	prog, err := e.Compile(mod, engines.Options{})
	if err != nil {
		t.Fatalf("%s on %s: compile: %v", p.Name, e.Name(), err)
	}
	entry, ok := mod.ExportedFunc(p.Entry)
	if !ok {
		t.Fatalf("%s: no exported function %q", p.Name, p.Entry)
	}
	var bps []uint32
	for _, f := range mod.Funcs {
		for i, in := range f.Instrs {
			if i%7 == 3 {
				bps = append(bps, in.Offset)
			}
		}
	}
	var wg sync.WaitGroup
	for w := range sharedWorkers {
		wg.Go(func() {
			if err := sharedRun(prog, entry, p, w%4, bps, want); err != nil {
				t.Errorf("%s on %s, machine %d: %v", p.Name, e.Name(), w, err)
			}
		})
	}
	wg.Wait()
}

// sharedRun runs one machine of SharedProgram (no testing.TB calls: it
// runs on its own goroutine).
func sharedRun(prog engines.Program, entry uint32, p Program, mode int, bps []uint32, want Result) error {
	start := func() (engines.Machine, error) {
		m, err := prog.Instantiate(engines.NewStore(), nil)
		if err != nil {
			return nil, fmt.Errorf("instantiate: %v", err)
		}
		return m, m.Start(entry, p.Args)
	}
	m, err := start()
	if err != nil {
		return err
	}
	var ev engines.Event
	switch mode {
	case 0: // straight
		ev = m.Run(engines.Stop{Limit: engines.NoLimit})
	case 1: // short runs: every one ends near its limit
		for ev.Kind = engines.LimitReached; ev.Kind == engines.LimitReached; {
			ev = m.Run(engines.Stop{Limit: m.Counter() + 97})
		}
	case 2: // breakpoints everywhere for a while, then none
		m.SetBreakpoints(bps)
		for hits := 0; hits < 200; hits++ {
			if ev = m.Run(engines.Stop{Limit: engines.NoLimit}); ev.Kind != engines.Breakpoint {
				break
			}
		}
		if ev.Kind == engines.Breakpoint {
			m.SetBreakpoints(nil)
			ev = m.Run(engines.Stop{Limit: engines.NoLimit})
		}
	case 3: // a snapshot half-way, restored into another instance
		half := want.Counter / 2
		if ev = m.Run(engines.Stop{Limit: half}); ev.Kind != engines.LimitReached {
			return fmt.Errorf("run to %d ended with %v", half, ev.Kind)
		}
		s, err := m.Snapshot()
		if err != nil {
			return fmt.Errorf("snapshot at %d: %v", half, err)
		}
		r, err := prog.Instantiate(engines.NewStore(), nil)
		if err != nil {
			return fmt.Errorf("instantiate: %v", err)
		}
		if err := r.Restore(s); err != nil {
			return fmt.Errorf("restore at %d: %v", half, err)
		}
		rev := r.Run(engines.Stop{Limit: engines.NoLimit})
		if d := want.Diff(Observe(r, rev)); d != "" {
			return fmt.Errorf("restored at %d: %s", half, d)
		}
		ev = m.Run(engines.Stop{Limit: engines.NoLimit})
	}
	if d := want.Diff(Observe(m, ev)); d != "" {
		return fmt.Errorf("mode %d: %s", mode, d)
	}
	return nil
}
