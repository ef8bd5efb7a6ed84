package enginetest

import "testing"

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

func TestSpread(t *testing.T) {
	got := spread([]uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 4)
	want := []uint64{1, 4, 7, 10}
	if len(got) != len(want) {
		t.Fatalf("spread = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("spread = %v, want %v", got, want)
		}
	}
}
