package standard

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// The benchmark kernels of the repository's testdata/bench, each run(n),
// on this engine and on wazero's interpreter in the same run, so that the
// ratio is what matters.
var benchKernels = []struct {
	name string
	arg  uint64
}{
	{"fib", 25}, {"sieve", 20}, {"matmul", 20}, {"nbody", 7000}, {"sha256", 20},
}

func benchWasm(b *testing.B, name string) []byte {
	bin, err := os.ReadFile(filepath.Join("..", "..", "testdata", "bench", name+".wasm"))
	if err != nil {
		b.Skip(err)
	}
	return bin
}

func BenchmarkStandard(b *testing.B) {
	for _, k := range benchKernels {
		b.Run(k.name, func(b *testing.B) {
			mod, err := wasm.Load(benchWasm(b, k.name))
			if err != nil {
				b.Fatal(err)
			}
			m := instance(b, mod, engines.Options{})
			fn := export(b, m, "run")
			for b.Loop() {
				if err := m.Start(fn, []uint64{k.arg}); err != nil {
					b.Fatal(err)
				}
				if ev := m.Run(noStop); ev.Kind != engines.Done {
					b.Fatal(ev.Kind, ev.Trap)
				}
			}
		})
	}
}

func BenchmarkWazeroInterpreter(b *testing.B) {
	ctx := context.Background()
	for _, k := range benchKernels {
		b.Run(k.name, func(b *testing.B) {
			r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
			defer r.Close(ctx)
			mod, err := r.Instantiate(ctx, benchWasm(b, k.name))
			if err != nil {
				b.Fatal(err)
			}
			fn := mod.ExportedFunction("run")
			for b.Loop() {
				if _, err := fn.Call(ctx, k.arg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSpeedRatio (WDB_PERF=1) runs each kernel alternately on this engine
// and on wazero's interpreter and reports the ratio of the fastest runs,
// which is robust to a loaded machine.
func TestSpeedRatio(t *testing.T) {
	if os.Getenv("WDB_PERF") == "" {
		t.Skip("set WDB_PERF=1")
	}
	ctx := context.Background()
	for _, k := range benchKernels {
		bin, err := os.ReadFile(filepath.Join("..", "..", "testdata", "bench", k.name+".wasm"))
		if err != nil {
			t.Skip(err)
		}
		mod, err := wasm.Load(bin)
		if err != nil {
			t.Fatal(err)
		}
		m := instance(t, mod, engines.Options{})
		fn := export(t, m, "run")
		r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
		wmod, err := r.Instantiate(ctx, bin)
		if err != nil {
			t.Fatal(err)
		}
		wfn := wmod.ExportedFunction("run")
		best, wbest := time.Duration(1<<62), time.Duration(1<<62)
		for range 15 {
			start := time.Now()
			m.Start(fn, []uint64{k.arg})
			m.Run(noStop)
			best = min(best, time.Since(start))
			start = time.Now()
			wfn.Call(ctx, k.arg)
			wbest = min(wbest, time.Since(start))
		}
		r.Close(ctx)
		t.Logf("%-8s standard %10v  wazero %10v  speed-up %.2fx", k.name, best, wbest, float64(wbest)/float64(best))
	}
}
