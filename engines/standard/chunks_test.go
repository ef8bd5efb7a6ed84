package standard

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// TestChunkedRuns runs the repository's programs in chunks of random
// sizes (small ones go through the precise mode, large ones through the
// fast mode's check points), with a snapshot restored into a fresh machine
// at every stop, and requires the straight run's results and counter.
func TestChunkedRuns(t *testing.T) {
	programs := []struct {
		path string
		arg  uint64
	}{
		{"wat/control", 30}, {"wat/recursion", 12}, {"wat/indirect", 40}, {"wat/memory", 5},
		{"bench/fib", 12}, {"bench/sha256", 1}, {"bench/nbody", 30},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, p := range programs {
		bin, err := os.ReadFile(filepath.Join("..", "..", "testdata", p.path+".wasm"))
		if err != nil {
			t.Skip(err)
		}
		mod, err := wasm.Load(bin)
		if err != nil {
			t.Fatal(err)
		}
		ref := instance(t, mod, engines.Options{})
		start(t, ref, "run", p.arg)
		want := runToEnd(t, ref)
		total := ref.Counter()

		m := instance(t, mod, engines.Options{})
		start(t, m, "run", p.arg)
		stops := 0
		for {
			chunk := uint64(rng.IntN(50))
			if rng.IntN(4) == 0 {
				chunk = uint64(rng.IntN(20000))
			}
			limit := m.Counter() + chunk
			ev := m.Run(engines.Stop{Limit: limit})
			if ev.Kind == engines.Done {
				if !slices.Equal(ev.Results, want) || m.Counter() != total {
					t.Fatalf("%s: %v at %d, want %v at %d", p.path, ev.Results, m.Counter(), want, total)
				}
				break
			}
			if ev.Kind != engines.LimitReached || m.Counter() != limit {
				t.Fatalf("%s: %v at %d, want the limit %d", p.path, ev.Kind, m.Counter(), limit)
			}
			stops++
			if stops%7 == 0 {
				s, err := m.Snapshot()
				if err != nil {
					t.Fatal(err)
				}
				m = instance(t, mod, engines.Options{})
				if err := m.Restore(s); err != nil {
					t.Fatalf("%s at %d: %v", p.path, s.Counter, err)
				}
			}
		}
	}
}
