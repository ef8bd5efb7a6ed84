package debugger

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/wdb-dev/wdb/engines"
)

// change is one change of a watched value: the counter after the
// instruction that made it, and the bytes before and after.
type change struct {
	k        uint64
	old, new []byte
}

// stepChanges is the independent reference for watchpoints: it
// single-steps m to the end of its run and reads the watched bytes after
// every instruction.
func stepChanges(m engines.Machine, read func() []byte) []change {
	var out []change
	v := read()
	for m.Run(engines.Stop{Limit: m.Counter() + 1}).Kind == engines.LimitReached {
		if n := read(); !bytes.Equal(n, v) {
			out = append(out, change{m.Counter(), v, n})
			v = n
		}
	}
	return out
}

func memBytes(m engines.Machine, addr, n uint32) func() []byte {
	return func() []byte { return bytes.Clone(m.Memory(0).Data[addr : addr+n]) }
}

func global32(m engines.Machine, i uint32) func() []byte {
	return func() []byte { return binary.LittleEndian.AppendUint32(nil, uint32(m.Global(i).Lo)) }
}

// undone says whether some change is undone within n instructions: the
// case that sampling or comparing after chunks misses.
func undone(cs []change, n uint64) bool {
	for i := 1; i < len(cs); i++ {
		if cs[i].k-cs[i-1].k < n && bytes.Equal(cs[i].new, cs[i-1].old) {
			return true
		}
	}
	return false
}

// hit is a stop the test expects: a change of a watchpoint or a
// breakpoint's hit.
type hit struct {
	k  uint64
	ch *change // nil: the breakpoint
}

// watchHits turns changes into expected stops.
func watchHits(cs []change) []hit {
	out := make([]hit, len(cs))
	for i := range cs {
		out[i] = hit{cs[i].k, &cs[i]}
	}
	return out
}

// walk checks that Continue stops at every hit in order, then ends, and
// that ReverseContinue from the end stops at every hit backwards, then at
// the start of time; along the way, w's hit count follows the timeline.
func walk(t *testing.T, s *Session, w *Watchpoint, want []hit) {
	t.Helper()
	check := func(dir string, i int, st Stop, err error) {
		t.Helper()
		h := want[i]
		if h.ch == nil {
			mustStop(t, st, err, BreakpointHit)
		} else {
			mustStop(t, st, err, WatchpointHit)
			if st.Watch.Watchpoint != w || !bytes.Equal(st.Watch.Old, h.ch.old) || !bytes.Equal(st.Watch.New, h.ch.new) {
				t.Fatalf("%s stop %d at %d: %x -> %x, want %x -> %x", dir, i, st.Counter, st.Watch.Old, st.Watch.New, h.ch.old, h.ch.new)
			}
		}
		if st.Counter != h.k {
			t.Fatalf("%s stop %d: at %d (%v), want %d", dir, i, st.Counter, st.Reason, h.k)
		}
		changes := 0
		for _, x := range want[:i+1] {
			if x.ch != nil {
				changes++
			}
		}
		if w.Hits != changes {
			t.Fatalf("%s stop %d at %d: %d hits, want %d", dir, i, st.Counter, w.Hits, changes)
		}
	}
	for i := range want {
		st, err := s.Continue()
		check("forward", i, st, err)
	}
	ends(t)(s.Continue())
	for i := len(want) - 1; i >= 0; i-- {
		st, err := s.ReverseContinue()
		check("reverse", i, st, err)
	}
	st, err := s.ReverseContinue()
	mustStop(t, st, err, StartOfTime)
}

// printedAddr reads the address a test program prints as "NAME at N".
func printedAddr(t *testing.T, output, name string) uint32 {
	t.Helper()
	m := regexp.MustCompile(name + ` at (\d+)`).FindStringSubmatch(output)
	if m == nil {
		t.Fatalf("no address of %s in %q", name, output)
	}
	a, _ := strconv.ParseUint(m[1], 10, 32)
	return uint32(a)
}

func mustWatch(t *testing.T, s *Session, w Watchpoint) *Watchpoint {
	t.Helper()
	p, err := s.AddWatchpoint(w)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestWatchpoints: watchpoints on C programs stop at every change that
// single-stepping a plain run sees, forwards and backwards; deleted, they
// stop no more, and the output is printed once.
//   - tally's total, changed 21 times;
//   - the C stack pointer (global 0) in tally, which each call with a
//     stack frame moves and moves back a few instructions later;
//   - blink's flag, which blink() sets and restores (sometimes to the
//     value it had: no change); then again with a breakpoint at blink's
//     entry too: the two kinds of stops interleave in counter order.
func TestWatchpoints(t *testing.T) {
	cases := []struct {
		name, prog string
		watch      func(t *testing.T, output string) Watchpoint
		check      func(cs []change) bool // the case is the one under test
		breakAt    string
	}{
		{"total", "wasi/tally.wasm",
			func(t *testing.T, out string) Watchpoint {
				return Watchpoint{Kind: WatchMemory, Addr: printedAddr(t, out, "total"), Len: 4}
			},
			func(cs []change) bool { return len(cs) == 21 }, ""},
		{"stack-pointer", "wasi/tally.wasm",
			func(*testing.T, string) Watchpoint { return Watchpoint{Kind: WatchGlobal, Global: 0} },
			func(cs []change) bool { return len(cs) >= 20 && undone(cs, 64) }, ""},
		{"restored", "wasi/blink.wasm",
			func(t *testing.T, out string) Watchpoint {
				return Watchpoint{Kind: WatchMemory, Addr: printedAddr(t, out, "flag"), Len: 4}
			},
			func(cs []change) bool { return len(cs) >= 10 && undone(cs, 16) }, "blink"},
	}
	for _, c := range cases {
		mod := loadModule(t, c.prog)
		for _, engine := range engines.Names() {
			t.Run(c.name+"/"+engine, func(t *testing.T) {
				want, _ := straight(t, mod, engine)
				wp := c.watch(t, want)
				p := newPlain(t, mod, engine)
				read := global32(p.m, wp.Global)
				if wp.Kind == WatchMemory {
					read = memBytes(p.m, wp.Addr, wp.Len)
				}
				cs := stepChanges(p.m, read)
				if !c.check(cs) {
					t.Fatalf("single-stepping saw %d changes: not the case under test", len(cs))
				}
				var out bytes.Buffer
				s := open(t, mod, engine, &out)
				s.tl.interval, s.tl.fixed = 3000, true
				w := mustWatch(t, s, wp)
				walk(t, s, w, watchHits(cs))
				if c.breakAt != "" {
					// The expected stops merged by counter.
					if _, err := s.Restart(); err != nil {
						t.Fatal(err)
					}
					loc, err := s.ResolveLocation(c.breakAt)
					if err != nil {
						t.Fatal(err)
					}
					bp, err := s.AddBreakpoint(Breakpoint{Location: loc})
					if err != nil {
						t.Fatal(err)
					}
					hits := watchHits(cs)
					for _, k := range entries(t, newPlain(t, mod, engine), loc.Offset) {
						hits = append(hits, hit{k: k})
					}
					slices.SortFunc(hits, func(x, y hit) int {
						if x.k == y.k {
							t.Fatalf("a change and a breakpoint at %d", x.k)
						}
						return int(x.k) - int(y.k)
					})
					walk(t, s, w, hits)
					if err := s.Delete(bp.ID); err != nil {
						t.Fatal(err)
					}
				}
				if err := s.Delete(w.ID); err != nil {
					t.Fatal(err)
				}
				ends(t)(s.Continue())
				if out.String() != want {
					t.Fatalf("output\n%s\nwant\n%s", out.String(), want)
				}
			})
		}
	}
}

// TestWatchMemoryWidths: watches over memory.wat's work area see the
// changes of memory.fill, memory.copy and stores of every width, some
// inside a range and some straddling its ends, and none of the stores
// that miss it. The first range holds the end of the copy, the second
// begins inside i64.store32s and ends inside f64.stores (which would
// catch a store ruled out by its address alone).
func TestWatchMemoryWidths(t *testing.T) {
	mod := loadModule(t, "wat/memory.wasm")
	fn, _ := mod.ExportedFunc("run")
	for _, engine := range engines.Names() {
		for _, r := range []struct{ addr, n uint32 }{{0x10010, 0x200}, {0x10086, 0x180}} {
			t.Run(fmt.Sprintf("%s/0x%x+%d", engine, r.addr, r.n), func(t *testing.T) {
				eng, _ := engines.Get(engine)
				prog, err := eng.Compile(mod, engines.Options{})
				if err != nil {
					t.Fatal(err)
				}
				m, err := prog.Instantiate(engines.NewStore(), nil)
				if err != nil {
					t.Fatal(err)
				}
				m.Start(fn, []uint64{2})
				m.Run(engines.Stop{Limit: 2}) // memory.grow: the range exists
				cs := stepChanges(m, memBytes(m, r.addr, r.n))
				if len(cs) < 100 {
					t.Fatalf("only %d changes", len(cs))
				}
				s, err := New(Config{Path: "memory.wasm", Module: mod, Engine: engine, Invoke: "run", Args: []string{"2"}})
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				s.tl.interval, s.tl.fixed = 2000, true
				if _, err := s.Goto(2); err != nil {
					t.Fatal(err)
				}
				w := mustWatch(t, s, Watchpoint{Kind: WatchMemory, Addr: r.addr, Len: r.n})
				walk(t, s, w, watchHits(cs))
			})
		}
	}
}
