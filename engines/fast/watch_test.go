package fast

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	_ "github.com/wdb-dev/wdb/engines/standard"
	"github.com/wdb-dev/wdb/internal/enginetest"
	"github.com/wdb-dev/wdb/wasm"
)

// TestStoreWatchScenario runs one script of watched Runs on the fast and
// the standard engine, which must agree on every event and on the frames
// there: breakpoints set before and after the watch (one on a watched
// store), short runs (precise code), a nested Call that writes the watched
// bytes (no stop), the watch lifted and set again while stopped, and a
// machine restored from a snapshot of each engine.
func TestStoreWatchScenario(t *testing.T) {
	std, err := engines.Get("standard")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range enginetest.Programs() {
		switch p.Name {
		case "bench/sha256", "bench/nbody", "bench/matmul", "bench/sieve":
		default:
			continue
		}
		t.Run(p.Name, func(t *testing.T) {
			ranges := changedRanges(t, std, p)
			bps := storeOffsets(p.Module(t))
			want := watchScript(t, std, std, p, ranges, bps)
			for _, from := range []engines.Engine{Engine{}, std} {
				got := watchScript(t, Engine{}, from, p, ranges, bps)
				if got != want {
					t.Fatalf("fast (restored from %s) and standard differ:\n%s", from.Name(), firstDiff(got, want))
				}
			}
		})
	}
}

// changedRanges returns ranges of memory 0 around bytes that p changes
// (the first, the middle of those, the last), found with the reference
// engine.
func changedRanges(t *testing.T, ref engines.Engine, p enginetest.Program) []engines.MemRange {
	m := enginetest.Start(t, ref, p)
	before := append([]byte(nil), m.Memory(0).Data...)
	after := enginetest.Finish(t, m, p.Name).Memories[0]
	first, last := -1, -1
	for i := range before {
		if before[i] != after[i] {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		t.Fatalf("%s changes no memory", p.Name)
	}
	return []engines.MemRange{{Addr: uint32(first), Len: 4}, {Addr: uint32(first+last) / 2, Len: 16}, {Addr: uint32(last), Len: 1}}
}

// storeOffsets returns the offsets of the first store of the last
// function with stores and of the instruction after it.
func storeOffsets(mod *wasm.Module) []uint32 {
	for k := len(mod.Funcs) - 1; k >= 0; k-- {
		f := mod.Funcs[k]
		for i, in := range f.Instrs {
			if storeSize(wasmOp(in.Op)) > 0 && i+1 < len(f.Instrs) {
				return []uint32{in.Offset, f.Instrs[i+1].Offset}
			}
		}
	}
	return nil
}

// watchScript runs the script on a machine of engine e (restored, half
// way, from a snapshot of a machine of engine from) and returns what it
// saw, one line per event.
func watchScript(t *testing.T, e, from engines.Engine, p enginetest.Program, ranges []engines.MemRange, bps []uint32) string {
	var out strings.Builder
	m := enginetest.Start(t, from, p)
	sw := func() engines.StoreWatcher { return m.(engines.StoreWatcher) }
	run := func(limit uint64) engines.Event {
		ev := m.Run(engines.Stop{Limit: limit})
		fmt.Fprintf(&out, "%v at %d", ev.Kind, m.Counter())
		if fn, off, ok := m.PC(); ok {
			fmt.Fprintf(&out, " func %d 0x%x %v", fn, off, m.Frames())
		}
		out.WriteByte('\n')
		return ev
	}
	m.SetBreakpoints(bps)
	sw().SetStoreWatch(ranges)
	for range 6 {
		run(engines.NoLimit)
	}
	m.SetBreakpoints(nil)
	for i := range 30 {
		run(m.Counter() + uint64(i%7) + 1)
	}
	s, err := m.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	m = enginetest.NewMachine(t, e, p)
	if err := m.Restore(s); err != nil {
		t.Fatal(err)
	}
	sw().SetStoreWatch(ranges)
	for range 4 {
		run(engines.NoLimit)
	}
	fn, _ := p.Module(t).ExportedFunc(p.Entry)
	res, err := m.Call(fn, p.Args)
	fmt.Fprintf(&out, "nested call: %v %v at %d\n", res, err, m.Counter())
	sw().SetStoreWatch(nil)
	run(m.Counter() + 1000)
	sw().SetStoreWatch(ranges)
	m.SetBreakpoints(bps)
	for range 6 {
		if run(engines.NoLimit).Kind == engines.Done {
			break
		}
	}
	return out.String()
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("event %d: got  %s\n          want %s", i, g[i], w[i])
		}
	}
	return fmt.Sprintf("got %d events, want %d", len(g), len(w))
}
