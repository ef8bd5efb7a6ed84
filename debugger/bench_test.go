package debugger

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// The figures of docs/performance.md, "Debugger":
//
//	go test ./debugger -run '^$' -bench . -benchtime 5x
//
// BenchmarkOverhead runs a kernel to completion under a Session (periodic
// snapshots, no breakpoints) and on a plain machine of the same engine;
// the ratio of the two is the debugger's overhead.
func BenchmarkOverhead(b *testing.B) {
	for _, prog := range []struct {
		name string
		arg  string
	}{{"fib", "32"}, {"sieve", "1000"}, {"matmul", "250"}} {
		mod := loadModule(b, "bench/"+prog.name+".wasm")
		for _, engine := range engines.Names() {
			b.Run(prog.name+"/"+engine+"/plain", func(b *testing.B) {
				eng, _ := engines.Get(engine)
				p, err := eng.Compile(mod, engines.Options{})
				if err != nil {
					b.Fatal(err)
				}
				fn, _ := mod.ExportedFunc("run")
				n, _ := strconv.ParseUint(prog.arg, 10, 32)
				for b.Loop() {
					m, err := p.Instantiate(engines.NewStore(), nil)
					if err != nil {
						b.Fatal(err)
					}
					m.Start(fn, []uint64{n})
					if ev := m.Run(engines.Stop{Limit: engines.NoLimit}); ev.Kind != engines.Done {
						b.Fatal(ev.Kind)
					}
				}
			})
			b.Run(prog.name+"/"+engine+"/session", func(b *testing.B) {
				var snaps int
				for b.Loop() {
					s := kernel(b, mod, engine, prog.arg)
					st, err := s.Continue()
					if err != nil || st.Reason != Finished {
						b.Fatal(st.Reason, err)
					}
					snaps = len(s.Timeline().Snapshots)
					s.Close()
				}
				b.ReportMetric(float64(snaps), "snapshots")
			})
		}
	}
}

// BenchmarkWatch runs sieve under a Session with no watchpoint, with a
// memory watch the program never writes (every store stops the engine and
// is ruled out from its operands) and with one on a word of the sieve's
// array (the stores there also run alone and are compared): the cost of
// exact memory watchpoints (docs/time-travel.md).
func BenchmarkWatch(b *testing.B) {
	mod := loadModule(b, "bench/sieve.wasm")
	const composite = 1024 // the array's address (wasm-objdump: i32.const 1024)
	for _, engine := range engines.Names() {
		for _, c := range []struct {
			name string
			w    *Watchpoint
		}{
			{"none", nil},
			{"miss", &Watchpoint{Kind: WatchMemory, Addr: 0, Len: 4}},
			{"hit", &Watchpoint{Kind: WatchMemory, Addr: composite + 4, Len: 4}},
		} {
			b.Run(engine+"/"+c.name, func(b *testing.B) {
				var stops int
				for b.Loop() {
					s := kernel(b, mod, engine, "3")
					if c.w != nil {
						if _, err := s.AddWatchpoint(*c.w); err != nil {
							b.Fatal(err)
						}
					}
					stops = 0
					for {
						st, err := s.Continue()
						if err != nil {
							b.Fatal(err)
						}
						if st.Reason == Finished {
							break
						}
						stops++
					}
					s.Close()
				}
				b.ReportMetric(float64(stops), "changes")
			})
		}
	}
}

func kernel(b *testing.B, mod *wasm.Module, engine, arg string) *Session {
	s, err := New(Config{Path: "kernel", Module: mod, Engine: engine, Invoke: "run", Args: []string{arg}})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkReverseStep measures reverse-step at the end of a run of more
// than 10^9 instructions (sieve on the fast engine), and reports the
// memory the timeline holds. The run itself is not timed.
func BenchmarkReverseStep(b *testing.B) {
	engine := "fast"
	if e := os.Getenv("WDB_BENCH_ENGINE"); e != "" {
		engine = e
	}
	mod := loadModule(b, "bench/sieve.wasm")
	s := kernel(b, mod, engine, "12000")
	defer s.Close()
	t0 := time.Now()
	st, err := s.Continue()
	if err != nil || st.Reason != Finished {
		b.Fatal(st.Reason, err)
	}
	run := time.Since(t0)
	if st.Counter < 1e9 {
		b.Fatalf("only %d instructions", st.Counter)
	}
	ti := s.Timeline()
	b.Logf("%s: %d instructions in %v under the debugger; %d snapshots, %.1f MiB", engine, st.Counter, run, len(ti.Snapshots), float64(ti.Bytes)/(1<<20))
	b.ReportMetric(float64(st.Counter), "instructions")
	b.ReportMetric(float64(ti.Bytes)/(1<<20), "timeline-MiB")
	b.ReportMetric(float64(len(ti.Snapshots)), "snapshots")
	b.ResetTimer()
	for b.Loop() {
		st, err := s.ReverseStep()
		if err != nil || st.Reason != Step {
			b.Fatal(st.Reason, err)
		}
	}
	b.StopTimer()
	fmt.Fprint(os.Stderr)
}
