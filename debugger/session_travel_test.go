package debugger

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/wasi"
	"github.com/wdb-dev/wdb/wasm"
)

// travel moves back and forth through a run, switching engines on the
// way, and checks that the output is the straight run's, printed once.
// exact says whether the program's instruction count is deterministic (a
// Go program's depends on the clock); replays must reproduce the
// session's own run exactly anyway.
func travel(t *testing.T, mod *wasm.Module, interval uint64, exact bool) {
	names := engines.Names()
	want, total := straight(t, mod, names[0])
	for _, first := range names {
		for _, second := range names {
			t.Run(first+"-"+second, func(t *testing.T) {
				var out bytes.Buffer
				s := open(t, mod, first, &out)
				if interval > 0 {
					s.tl.interval, s.tl.fixed = interval, true
				}
				mid := total / 2
				st, err := s.Goto(mid) // in the middle of the work
				mustStop(t, st, err, Arrived)
				printed := out.String()
				if err := s.SwitchEngine(second); err != nil {
					t.Fatal(err)
				}
				if s.Engine() != second {
					t.Fatalf("engine %s", s.Engine())
				}
				st, err = s.Goto(total / 3) // back in time on the new engine
				mustStop(t, st, err, Arrived)
				st, err = s.ReverseStep()
				mustStop(t, st, err, Step)
				if st.Counter != total/3-1 {
					t.Fatalf("reverse-step after the switch went to %d", st.Counter)
				}
				if out.String() != printed {
					t.Fatalf("going back printed %q", out.String()[len(printed):])
				}
				if err := s.SwitchEngine(first); err != nil {
					t.Fatal(err)
				}
				st, err = s.Goto(mid + total/5) // forward through the replayed past into the present
				mustStop(t, st, err, Arrived)
				st, err = s.ReverseStep()
				mustStop(t, st, err, Step)
				st, err = s.Continue()
				mustEnd(t, st, err)
				end := st.Counter
				if (exact && end != total) || out.String() != want {
					t.Fatalf("ended at %d (want %d), output:\n%s\nwant:\n%s", st.Counter, total, out.String(), want)
				}
				for range 3 {
					st, err = s.Goto(total / 4)
					mustStop(t, st, err, Arrived)
					if st := ends(t)(s.Continue()); st.Counter != end {
						t.Fatalf("replayed to an end at %d, first at %d", st.Counter, end)
					}
				}
				if out.String() != want {
					t.Fatalf("replays printed again:\n%s", out.String())
				}
			})
		}
	}
}

func TestSwitchEngineAndReplay(t *testing.T) {
	travel(t, loadModule(t, "wasi/compute.wasm"), 3000, true)
}

// countingReader counts the reads of its input, which it gives out a few
// bytes at a time (as a pipe might), so that the program reads all
// through its run.
type countingReader struct {
	r     *strings.Reader
	reads int
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads++
	return c.r.Read(p[:min(len(p), 3)])
}

// TestReplayReadsNothingTwice: a C program that reads stdin line by line,
// run to its end, then taken back to before its first read, into the
// middle of its reads and near its end, and run to the end again each
// time: only the first run reads stdin (replays take what it read from the
// WASI log), nothing is printed twice, every run ends at the same counter.
func TestReplayReadsNothingTwice(t *testing.T) {
	mod := loadModule(t, "wasi/echo.wasm")
	lines := []string{"alpha", "beta", "gamma", "delta"}
	input := strings.Join(lines, "\n") + "\n"
	var want strings.Builder // what echo.c prints
	for i, l := range lines {
		fmt.Fprintf(&want, "%d: %s\n", i+1, l)
	}
	fmt.Fprintf(&want, "%d lines, %d bytes\n", len(lines), len(input))
	for _, engine := range engines.Names() {
		t.Run(engine, func(t *testing.T) {
			var out bytes.Buffer
			in := &countingReader{r: strings.NewReader(input)}
			s, err := New(Config{Path: "echo.wasm", Module: mod, Engine: engine,
				WASI: wasi.Config{Args: []string{"echo"}, Stdin: in, Stdout: &out, Stderr: &out}})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			s.tl.interval, s.tl.fixed = 1000, true
			st, err := s.Continue()
			st = mustEnd(t, st, err)
			total, reads := st.Counter, in.reads
			if out.String() != want.String() || reads == 0 {
				t.Fatalf("output after %d reads:\n%s\nwant:\n%s", reads, out.String(), want.String())
			}
			for _, k := range []uint64{0, total / 3, total / 2, total - 5} {
				st, err := s.Goto(k)
				mustStop(t, st, err, Arrived)
				st, err = s.Continue()
				st = mustEnd(t, st, err)
				if st.Counter != total || out.String() != want.String() || in.reads != reads {
					t.Fatalf("from counter %d: ended at %d (want %d) after %d reads of stdin (want %d), output:\n%s",
						k, st.Counter, total, in.reads, reads, out.String())
				}
			}
		})
	}
}

// TestGoProgram travels through a real Go program built for wasip1.
func TestGoProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go program")
	}
	dir := t.TempDir()
	src := `package main

import "fmt"

func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

func main() {
	for i := 0; i < 18; i += 3 {
		fmt.Printf("fib(%d) = %d\n", i, fib(i))
	}
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module fibs\n\ngo 1.21\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "fibs.wasm")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOFLAGS=", "GOWORK=off")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("go build for wasip1 failed: %v\n%s", err, msg)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := wasm.Load(b)
	if err != nil {
		t.Fatal(err)
	}
	travel(t, mod, 0, false)
}

// TestFork: writing memory forks the timeline; the new future is the one
// a plain run with the same write has; travelling over the fork keeps it.
func TestFork(t *testing.T) {
	mod := loadModule(t, "wasi/tally.wasm")
	for _, engine := range engines.Names() {
		t.Run(engine, func(t *testing.T) {
			want, _ := straight(t, mod, engine)
			addr := printedAddr(t, want, "total")
			var out bytes.Buffer
			s := open(t, mod, engine, &out)
			s.tl.interval, s.tl.fixed = 2000, true
			w := mustWatch(t, s, Watchpoint{Kind: WatchMemory, Addr: addr, Len: 4})
			for range 3 {
				stops(t, WatchpointHit)(s.Continue())
			}
			fork := s.Counter()
			if err := s.Delete(w.ID); err != nil {
				t.Fatal(err)
			}
			ends(t)(s.Continue())
			// Back to the fork point, then change the total.
			st, err := s.Goto(fork)
			mustStop(t, st, err, Arrived)
			if err := s.WriteMemory(addr, binary.LittleEndian.AppendUint32(nil, 1000)); err != nil {
				t.Fatal(err)
			}
			if ti := s.Timeline(); ti.End != fork || ti.Present != fork {
				t.Fatalf("after the fork: present %d, end %d, want both %d", ti.Present, ti.End, fork)
			}
			// The expected future: a plain run with the same write.
			p := newPlain(t, mod, engine)
			p.m.Run(engines.Stop{Limit: fork})
			pre := p.out.Len()
			binary.LittleEndian.PutUint32(p.m.Memory(0).Data[addr:], 1000)
			p.finish(t)
			before := out.Len()
			st, err = s.Continue()
			mustEnd(t, st, err)
			if out.String()[before:] != p.out.String()[pre:] || st.Counter != p.m.Counter() {
				t.Fatalf("the forked future printed\n%s\nwant\n%s", out.String()[before:], p.out.String()[pre:])
			}
			// Across the fork from before it: the edited state again.
			printed := out.String()
			st, err = s.Goto(fork / 2)
			mustStop(t, st, err, Arrived)
			st, err = s.Goto(fork + 1)
			mustStop(t, st, err, Arrived)
			if v := binary.LittleEndian.Uint32(s.Memory().Data[addr:]); v != 1000 {
				t.Fatalf("after replaying over the fork the total is %d", v)
			}
			ends(t)(s.Continue())
			if out.String() != printed {
				t.Fatalf("replay printed again")
			}
			// Errors name what is wrong.
			if err := s.SetGlobal(9999, snapshot.Value{}); err == nil {
				t.Error("SetGlobal of a missing global worked")
			}
		})
	}
}

func ends(t *testing.T) func(Stop, error) Stop {
	return func(st Stop, err error) Stop { t.Helper(); return mustEnd(t, st, err) }
}

func stops(t *testing.T, r Reason) func(Stop, error) Stop {
	return func(st Stop, err error) Stop { t.Helper(); return mustStop(t, st, err, r) }
}

// TestCheckpoint: an image saved by the session resumes, as `wdb resume`
// does, into the rest of the straight run; LoadCheckpoint comes back to it.
func TestCheckpoint(t *testing.T) {
	mod := loadModule(t, "wasi/compute.wasm")
	want, total := straight(t, mod, "standard")
	var out bytes.Buffer
	s := open(t, mod, "standard", &out)
	stops(t, Arrived)(s.Goto(total / 2))
	path := filepath.Join(t.TempDir(), "mid.wdb")
	if err := s.SaveCheckpoint(path); err != nil {
		t.Fatal(err)
	}
	printed := out.String()
	img, err := snapshot.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, engine := range engines.Names() {
		// Resume as cmd/wdb does: a fresh machine and host.
		eng, _ := engines.Get(engine)
		prog, err := eng.Compile(mod, engines.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var rest bytes.Buffer
		h, err := wasi.New(wasi.Config{Stdout: &rest})
		if err != nil {
			t.Fatal(err)
		}
		imps, _ := h.Imports(mod)
		m, err := prog.Instantiate(engines.NewStore(), imps)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Restore(img); err != nil {
			t.Fatal(err)
		}
		if err := h.Restore(img.Host); err != nil {
			t.Fatal(err)
		}
		m.Run(engines.Stop{Limit: engines.NoLimit})
		h.Close()
		if printed+rest.String() != want {
			t.Fatalf("%s: resumed output\n%s\nwant the rest of\n%s", engine, rest.String(), want)
		}
	}
	ends(t)(s.Continue())
	if err := s.LoadCheckpoint(path); err != nil {
		t.Fatal(err)
	}
	if s.Counter() != total/2 || s.Timeline().Start != total/2 {
		t.Fatalf("loaded at %d, timeline from %d", s.Counter(), s.Timeline().Start)
	}
	if err := s.LoadCheckpoint(filepath.Join(t.TempDir(), "missing.wdb")); err == nil {
		t.Fatal("loading a missing file worked")
	}
}
