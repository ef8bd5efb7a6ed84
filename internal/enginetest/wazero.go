package enginetest

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// Wazero runs p on wazero's interpreter, an independent oracle, and returns
// the entry's results and the final contents of the memory exported as
// "memory" (nil when there is none).
func Wazero(t testing.TB, p Program) (results []uint64, memory []byte) {
	t.Helper()
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer r.Close(ctx)
	mod, err := r.Instantiate(ctx, p.Wasm)
	if err != nil {
		t.Fatalf("%s on wazero: instantiate: %v", p.Name, err)
	}
	fn := mod.ExportedFunction(p.Entry)
	if fn == nil {
		t.Fatalf("%s on wazero: no exported function %q", p.Name, p.Entry)
	}
	results, err = fn.Call(ctx, p.Args...)
	if err != nil {
		t.Fatalf("%s on wazero: %v", p.Name, err)
	}
	if mem := mod.ExportedMemory("memory"); mem != nil {
		data, _ := mem.Read(0, mem.Size())
		memory = bytes.Clone(data)
	}
	return results, memory
}

// CheckAgainstWazero runs p on e and requires wazero's results and final
// exported memory.
func CheckAgainstWazero(t testing.TB, e engines.Engine, p Program) {
	t.Helper()
	got := RunToEnd(t, e, p)
	results, memory := Wazero(t, p)
	if !slices.Equal(got.Event.Results, results) {
		t.Errorf("%s on %s: results %#x, wazero's interpreter gives %#x", p.Name, e.Name(), got.Event.Results, results)
	}
	if memory == nil {
		return
	}
	idx, ok := exportedMemory(p.Module(t), "memory")
	if !ok {
		t.Fatalf("%s: wazero sees an exported memory that the module does not list", p.Name)
	}
	if d := memoryDiff(memory, got.Memories[idx]); d != "" {
		t.Errorf("%s on %s: final memory differs from wazero's: %s", p.Name, e.Name(), d)
	}
}

func exportedMemory(mod *wasm.Module, name string) (uint32, bool) {
	for _, e := range mod.Exports {
		if e.Kind == wasm.ExternMemory && e.Name == name {
			return e.Index, true
		}
	}
	return 0, false
}
