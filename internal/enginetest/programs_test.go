package enginetest

import (
	"slices"
	"testing"
)

func TestPrograms(t *testing.T) {
	ps := Programs()
	if len(BenchPrograms()) < 4 {
		t.Errorf("%d benchmark programs, want at least 4", len(BenchPrograms()))
	}
	for _, p := range ps {
		mod := p.Module(t)
		if _, ok := mod.ExportedFunc(p.Entry); !ok {
			t.Errorf("%s: no exported function %q", p.Name, p.Entry)
		}
		if len(mod.Imports) != 0 {
			t.Errorf("%s: imports %d objects, want none", p.Name, len(mod.Imports))
		}
	}
}

func TestVanDerCorput(t *testing.T) {
	for i, want := range []float64{0, 0.5, 0.25, 0.75, 0.125, 0.625, 0.375, 0.875, 0.0625} {
		if got := vanDerCorput(uint64(i)); got != want {
			t.Errorf("vanDerCorput(%d) = %v, want %v", i, got, want)
		}
	}
}

// TestPick checks that a few counters include one of each kind, and that
// all are below the end, sorted and distinct.
func TestPick(t *testing.T) {
	s := &CounterScan{
		hostCalls: []uint64{500, 501}, fused: []uint64{600}, folded: []uint64{700},
		calls: []uint64{800}, returns: []uint64{900}, loops: []uint64{1000},
		deepest: 1100,
	}
	got := s.Pick(2000, 10, 0)
	if len(got) != 10 {
		t.Fatalf("Pick(2000, 10) = %v: %d counters", got, len(got))
	}
	for _, want := range []uint64{600, 700, 800, 900, 1000, 1100, 1000 /* 1/2 */, 0} {
		if !slices.Contains(got, want) {
			t.Errorf("Pick(2000, 10) = %v, without %d", got, want)
		}
	}
	if !slices.Contains(got, 500) && !slices.Contains(got, 501) {
		t.Errorf("Pick(2000, 10) = %v, without a host call", got)
	}
	if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
		t.Errorf("Pick(2000, 10) = %v: not sorted and distinct", got)
	}
	for _, c := range s.Pick(3, 50, 0) {
		if c >= 3 {
			t.Errorf("Pick(3, 50) includes %d", c)
		}
	}
}
