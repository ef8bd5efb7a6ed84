package standard

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// load reads and loads testdata/name.wasm.
func load(t testing.TB, name string) *wasm.Module {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".wasm"))
	if err != nil {
		t.Fatal(err)
	}
	mod, err := wasm.Load(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return mod
}

// instance compiles and instantiates mod with opts and imports.
func instance(t testing.TB, mod *wasm.Module, opts engines.Options, imports ...engines.Extern) engines.Machine {
	t.Helper()
	p, err := Engine{}.Compile(mod, opts)
	if err != nil {
		t.Fatal(err)
	}
	m, err := p.Instantiate(engines.NewStore(), imports)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// hostFunc is an import of type [i32] -> [i32].
func hostFunc(call func(engines.Machine, []uint64, []uint64) error) engines.Extern {
	return engines.Extern{Kind: wasm.ExternFunc, Func: &engines.HostFunc{
		Module: "env", Name: "host",
		Type: wasm.FuncType{Params: []wasm.ValType{wasm.I32}, Results: []wasm.ValType{wasm.I32}},
		Call: call,
	}}
}

// identity is a host function returning its argument plus one.
var identity = hostFunc(func(_ engines.Machine, p, r []uint64) error { r[0] = uint64(uint32(p[0] + 1)); return nil })

// export returns the index of the function exported as name.
func export(t testing.TB, m engines.Machine, name string) uint32 {
	t.Helper()
	fn, ok := m.Module().ExportedFunc(name)
	if !ok {
		t.Fatalf("no export %q", name)
	}
	return fn
}

// start starts the export name with args.
func start(t testing.TB, m engines.Machine, name string, args ...uint64) {
	t.Helper()
	if err := m.Start(export(t, m, name), args); err != nil {
		t.Fatal(err)
	}
}

var noStop = engines.Stop{Limit: engines.NoLimit}

// runToEnd runs until Done, failing on any other event.
func runToEnd(t testing.TB, m engines.Machine) []uint64 {
	t.Helper()
	ev := m.Run(noStop)
	if ev.Kind != engines.Done {
		t.Fatalf("run: %v (trap %v)", ev.Kind, ev.Trap)
	}
	return ev.Results
}
