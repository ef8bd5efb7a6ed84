package bench

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/internal/enginetest"

	// The engines to measure; each registers itself.
	_ "github.com/wdb-dev/wdb/engines/fast"
	_ "github.com/wdb-dev/wdb/engines/standard"
	_ "github.com/wdb-dev/wdb/engines/threaded"
)

// BenchmarkPrograms runs every kernel of testdata/bench with its benchmark
// argument on every registered engine and on wazero's interpreter, in the
// same process. Both sides compile once, outside the timed loop, and time
// the same work per iteration: instantiate, call the entry, discard.
func BenchmarkPrograms(b *testing.B) {
	for _, p := range enginetest.BenchPrograms() {
		name := strings.TrimPrefix(p.Name, "bench/")
		b.Run(name, func(b *testing.B) {
			for _, en := range engines.Names() {
				e, err := engines.Get(en)
				if err != nil {
					b.Fatal(err)
				}
				b.Run(en, func(b *testing.B) { benchEngine(b, e, p) })
			}
			b.Run(Baseline, func(b *testing.B) { benchWazero(b, p) })
		})
	}
}

func benchEngine(b *testing.B, e engines.Engine, p enginetest.Program) {
	mod := p.Module(b)
	prog, err := e.Compile(mod, engines.Options{})
	if err != nil {
		b.Fatal(err)
	}
	fn, ok := mod.ExportedFunc(p.Entry)
	if !ok {
		b.Fatalf("%s: no export %q", p.Name, p.Entry)
	}
	var first []uint64
	for i := 0; b.Loop(); i++ {
		m, err := prog.Instantiate(engines.NewStore(), nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := m.Start(fn, p.BenchArgs); err != nil {
			b.Fatal(err)
		}
		ev := m.Run(engines.Stop{Limit: engines.NoLimit})
		if ev.Kind != engines.Done {
			b.Fatalf("%s on %s: %v", p.Name, e.Name(), ev.Kind)
		}
		if i == 0 {
			first = slices.Clone(ev.Results)
		} else if !slices.Equal(first, ev.Results) {
			b.Fatalf("%s on %s: results changed between runs: %v then %v", p.Name, e.Name(), first, ev.Results)
		}
	}
}

func benchWazero(b *testing.B, p enginetest.Program) {
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer r.Close(ctx)
	compiled, err := r.CompileModule(ctx, p.Wasm)
	if err != nil {
		b.Fatal(err)
	}
	// An anonymous module can be instantiated any number of times.
	config := wazero.NewModuleConfig().WithName("")
	for b.Loop() {
		m, err := r.InstantiateModule(ctx, compiled, config)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.ExportedFunction(p.Entry).Call(ctx, p.BenchArgs...); err != nil {
			b.Fatal(err)
		}
		m.Close(ctx)
	}
}
