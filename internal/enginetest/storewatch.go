package enginetest

import (
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// storeWatchSpan bounds the instructions StoreWatch compares.
const storeWatchSpan = 300_000

// storeAccess is the store the machine is about to execute: its
// effective address and width (ok false: the next instruction is not a
// store). It reads the address from the typed operand stack, under the
// value.
func storeAccess(m engines.Machine) (ea uint64, n uint32, ok bool) {
	fn, off, running := m.PC()
	if !running {
		return 0, 0, false
	}
	f := m.Module().Funcs[fn]
	i, found := f.InstrAt(off)
	if !found {
		return 0, 0, false
	}
	in := f.Instrs[i]
	if n = wasm.StoreWidth(in.Op); n == 0 || in.B != 0 {
		return 0, 0, false
	}
	frames := m.Frames()
	st := frames[len(frames)-1].Stack
	return uint64(uint32(st[len(st)-2].Lo)) + in.C, n, true
}

// StoreWatch checks an engine that is an engines.StoreWatcher on p: with
// two watched ranges (the bytes of the 3rd store p executes, and 8 bytes
// at the 40th store's address, when there are that many), Run stops
// before exactly the stores that touch a range, as single-stepping finds
// them, with runs cut by limits now and then (the engines' precise code)
// and the watch lifted and set again in the middle. Engines that are not
// StoreWatchers are skipped.
func StoreWatch(t *testing.T, e engines.Engine, p Program) {
	t.Helper()
	if _, ok := NewMachine(t, e, p).(engines.StoreWatcher); !ok {
		t.Skipf("%s is not an engines.StoreWatcher", e.Name())
	}
	// The reference: single steps, and the stores' addresses.
	ref := Start(t, e, p)
	var ranges []engines.MemRange
	type access struct {
		counter uint64
		ea      uint64
		n       uint32
	}
	var stores []access
	for ref.Counter() < storeWatchSpan {
		if ea, n, ok := storeAccess(ref); ok {
			stores = append(stores, access{ref.Counter(), ea, n})
		}
		if Step(t, ref).Kind != engines.LimitReached {
			break
		}
	}
	for _, k := range []int{2, 39} {
		if k < len(stores) {
			ranges = append(ranges, engines.MemRange{Addr: uint32(stores[k].ea), Len: []uint32{stores[k].n, 8}[min(k, 1)]})
		}
	}
	if len(ranges) == 0 {
		t.Skipf("%s executes fewer than 3 stores", p.Name)
	}
	var want []uint64
	for _, s := range stores {
		for _, r := range ranges {
			if s.ea < uint64(r.Addr)+uint64(r.Len) && uint64(r.Addr) < s.ea+uint64(s.n) {
				want = append(want, s.counter)
				break
			}
		}
	}
	end := ref.Counter()

	m := Start(t, e, p)
	m.(engines.StoreWatcher).SetStoreWatch(ranges)
	var got []uint64
	for i := 0; m.Counter() < end; i++ {
		limit := end
		if i%3 == 1 {
			limit = min(end, m.Counter()+uint64(i%17)+1) // a short run: precise code
		}
		if i == 5 { // lifted, then set again: the stops must not change
			m.(engines.StoreWatcher).SetStoreWatch(nil)
			m.(engines.StoreWatcher).SetStoreWatch(ranges)
		}
		ev := m.Run(engines.Stop{Limit: limit})
		switch ev.Kind {
		case engines.Breakpoint:
			if _, _, ok := storeAccess(m); !ok {
				fn, off, _ := m.PC()
				t.Fatalf("%s on %s: stopped at counter %d before func %d 0x%x, not a store", p.Name, e.Name(), m.Counter(), fn, off)
			}
			got = append(got, m.Counter())
		case engines.LimitReached:
		default:
			if m.Counter() < end {
				t.Fatalf("%s on %s: run ended with %v at counter %d, before %d", p.Name, e.Name(), ev.Kind, m.Counter(), end)
			}
		}
		if len(got) > len(want)+1 {
			break
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%s on %s: %d watched stores stopped, single steps found %d (ranges %v; got %v, want %v)", p.Name, e.Name(), len(got), len(want), ranges, first(got, 10), first(want, 10))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s on %s: watched store %d stopped at counter %d, single steps say %d", p.Name, e.Name(), i, got[i], want[i])
		}
	}
	t.Logf("%s on %s: %d watched stores of %d", p.Name, e.Name(), len(got), len(stores))
}

func first(s []uint64, n int) []uint64 { return s[:min(n, len(s))] }
