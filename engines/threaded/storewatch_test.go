package threaded

import (
	"math"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/internal/enginetest"
	"github.com/wdb-dev/wdb/wasm"
)

// TestStoreWatchInteractions runs the threaded and the standard engine
// (the reference: another implementation of engines.StoreWatcher) in
// lockstep under watched ranges and breakpoints, changed between runs in
// both orders, lifted for a run and set again, with runs cut by limits
// (precise code, positions inside the fast variant's fused operations)
// and the machine replaced by one restored from a snapshot: every event
// and the state at every stop must be the same.
func TestStoreWatchInteractions(t *testing.T) {
	std, err := engines.Get("standard")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range enginetest.Programs() {
		if p.Name != "bench/sieve" && p.Name != "bench/sha256" && p.Name != "wat/memory" {
			continue
		}
		t.Run(p.Name, func(t *testing.T) {
			ranges, bps := watchTargets(t, std, p)
			ms := []engines.Machine{enginetest.Start(t, Engine{}, p), enginetest.Start(t, std, p)}
			set := func(watchFirst bool) {
				for _, m := range ms {
					if watchFirst {
						m.(engines.StoreWatcher).SetStoreWatch(ranges)
					}
					m.SetBreakpoints(bps)
					if !watchFirst {
						m.(engines.StoreWatcher).SetStoreWatch(ranges)
					}
				}
			}
			set(false)
			stops := 0
			for i := 0; i < 80; i++ {
				limit := uint64(engines.NoLimit)
				if i%4 == 1 {
					limit = ms[0].Counter() + uint64(i%13) + 1
				}
				switch i {
				case 10, 30: // a run with nothing watched, then set again
					for _, m := range ms {
						m.(engines.StoreWatcher).SetStoreWatch(nil)
						m.SetBreakpoints(nil)
					}
					limit = ms[0].Counter() + uint64(i%7) + 3
				case 11, 31:
					set(i == 11)
				case 20, 42: // restored into a new machine
					for k, e := range []engines.Engine{Engine{}, std} {
						s, err := ms[k].Snapshot()
						if err != nil {
							t.Fatal(err)
						}
						m := enginetest.NewMachine(t, e, p)
						if err := m.Restore(s); err != nil {
							t.Fatal(err)
						}
						ms[k] = m
					}
					set(i == 42)
				}
				evs := []engines.Event{ms[0].Run(engines.Stop{Limit: limit}), ms[1].Run(engines.Stop{Limit: limit})}
				if evs[0].Kind != evs[1].Kind {
					t.Fatalf("run %d: threaded %v, standard %v at counter %d", i, evs[0].Kind, evs[1].Kind, ms[1].Counter())
				}
				if d := enginetest.PositionDiff(ms[0], ms[1]); d != "" {
					t.Fatalf("run %d (%v): threaded vs standard: %s", i, evs[0].Kind, d)
				}
				if evs[0].Kind == engines.Breakpoint {
					stops++
				}
				if evs[0].Kind != engines.Breakpoint && evs[0].Kind != engines.LimitReached {
					break
				}
			}
			if stops < 10 {
				t.Fatalf("only %d stops: the test does not exercise the watch", stops)
			}
		})
	}
}

// watchTargets picks, with the standard engine watching all of memory,
// two ranges (the bytes of the 3rd store, 8 bytes at the 30th) and two
// breakpoints (the 5th store's instruction, and the one after the 12th
// store's).
func watchTargets(t *testing.T, std engines.Engine, p enginetest.Program) ([]engines.MemRange, []uint32) {
	m := enginetest.Start(t, std, p)
	m.(engines.StoreWatcher).SetStoreWatch([]engines.MemRange{{Addr: 0, Len: math.MaxUint32}})
	var ranges []engines.MemRange
	var bps []uint32
	for k := 0; k < 30; k++ {
		if ev := m.Run(engines.Stop{Limit: engines.NoLimit}); ev.Kind != engines.Breakpoint {
			t.Fatalf("store %d: %v", k, ev.Kind)
		}
		fn, off, _ := m.PC()
		f := m.Module().Funcs[fn]
		i, _ := f.InstrAt(off)
		frames := m.Frames()
		st := frames[len(frames)-1].Stack
		ea := uint32(st[len(st)-2].Lo) + uint32(f.Instrs[i].C)
		switch k {
		case 2:
			ranges = append(ranges, engines.MemRange{Addr: ea, Len: storeWidth[f.Instrs[i].Op]})
		case 29:
			ranges = append(ranges, engines.MemRange{Addr: ea, Len: 8})
		case 4:
			bps = append(bps, off)
		case 11:
			bps = append(bps, f.Instrs[i+1].Offset)
		}
	}
	return ranges, bps
}

// TestStoreWatchNested: a watched store stops Run in the started call,
// never in the nested Call a host function makes (watch.wat). The stops
// and the result follow from watch.wat.
func TestStoreWatchNested(t *testing.T) {
	mod := loadModule(t, "watch.wasm")
	g, _ := mod.ExportedFunc("g")
	h, _ := mod.ExportedFunc("h")
	host := &engines.HostFunc{Module: "env", Name: "f", Type: *mod.Funcs[0].Type,
		Call: func(caller engines.Machine, params, results []uint64) error {
			res, err := caller.Call(h, []uint64{params[0]})
			results[0] = res[0]
			return err
		}}
	m := instantiate(t, Engine{}, mod, []engines.Extern{{Kind: wasm.ExternFunc, Func: host}})
	m.(engines.StoreWatcher).SetStoreWatch([]engines.MemRange{{Addr: 18, Len: 1}, {Addr: 16, Len: 1}})
	if err := m.Start(g, []uint64{7}); err != nil {
		t.Fatal(err)
	}
	gd := mod.Funcs[g]
	for _, want := range []int{2, 8} { // g's i32.store and i32.store8
		ev := m.Run(engines.Stop{Limit: engines.NoLimit})
		fn, off, _ := m.PC()
		if ev.Kind != engines.Breakpoint || fn != g || off != gd.Instrs[want].Offset {
			t.Fatalf("got %v at func %d offset 0x%x, want a stop at g's instruction %d (0x%x)", ev.Kind, fn, off, want, gd.Instrs[want].Offset)
		}
	}
	ev := m.Run(engines.Stop{Limit: engines.NoLimit})
	// 7 at 16 (i32), 7 at 17 (i16, by h), 5 at 18.
	if ev.Kind != engines.Done || len(ev.Results) != 1 || ev.Results[0] != 0x00050707 {
		t.Fatalf("got %v %x, want Done with 0x50707", ev.Kind, ev.Results)
	}
}

// TestStoreWatchFromInsideFusion: a machine restored where the fast
// variant has no position (inside k's fused add and local.set, where a
// limit stopped the run), then the watch is set: the next Run, in fast
// mode, stops at the store (watch.wat; in straight-line code the counter
// is the instruction index).
func TestStoreWatchFromInsideFusion(t *testing.T) {
	mod := loadModule(t, "watch.wasm")
	k, _ := mod.ExportedFunc("k")
	imports := []engines.Extern{{Kind: wasm.ExternFunc, Func: &engines.HostFunc{
		Module: "env", Name: "f", Type: *mod.Funcs[0].Type,
		Call: func(engines.Machine, []uint64, []uint64) error { return nil }}}}
	m := instantiate(t, Engine{}, mod, imports)
	if err := m.Start(k, []uint64{7}); err != nil {
		t.Fatal(err)
	}
	if ev := m.Run(engines.Stop{Limit: 3}); ev.Kind != engines.LimitReached {
		t.Fatalf("got %v, want the limit", ev.Kind)
	}
	s, err := m.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	m = instantiate(t, Engine{}, mod, imports)
	if err := m.Restore(s); err != nil {
		t.Fatal(err)
	}
	m.(engines.StoreWatcher).SetStoreWatch([]engines.MemRange{{Addr: 19, Len: 4}})
	ev := m.Run(engines.Stop{Limit: engines.NoLimit})
	_, off, _ := m.PC()
	if ev.Kind != engines.Breakpoint || m.Counter() != 6 || off != mod.Funcs[k].Instrs[6].Offset {
		t.Fatalf("got %v at counter %d offset 0x%x, want a stop at the store, counter 6", ev.Kind, m.Counter(), off)
	}
}
