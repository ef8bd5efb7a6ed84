package spectest

import (
	"fmt"
	"math"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// spectestModule builds the "spectest" host module that the suite's
// modules import from: print functions that do nothing, four immutable
// globals, a table of 10..20 funcref and a memory of 1..2 pages.
func spectestModule() map[string]engines.Extern {
	exports := map[string]engines.Extern{}
	printers := map[string][]wasm.ValType{
		"print":         nil,
		"print_i32":     {wasm.I32},
		"print_i64":     {wasm.I64},
		"print_f32":     {wasm.F32},
		"print_f64":     {wasm.F64},
		"print_i32_f32": {wasm.I32, wasm.F32},
		"print_f64_f64": {wasm.F64, wasm.F64},
	}
	for name, params := range printers {
		exports[name] = engines.Extern{
			Kind: wasm.ExternFunc,
			Func: &engines.HostFunc{
				Module: "spectest",
				Name:   name,
				Type:   wasm.FuncType{Params: params},
				Call:   func(engines.Machine, []uint64, []uint64) error { return nil },
			},
		}
	}
	global := func(t wasm.ValType, bits uint64) engines.Extern {
		return engines.Extern{
			Kind:   wasm.ExternGlobal,
			Global: &engines.Global{Type: wasm.GlobalType{Type: t}, Lo: bits},
		}
	}
	exports["global_i32"] = global(wasm.I32, 666)
	exports["global_i64"] = global(wasm.I64, 666)
	exports["global_f32"] = global(wasm.F32, uint64(math.Float32bits(666.6)))
	exports["global_f64"] = global(wasm.F64, math.Float64bits(666.6))
	exports["table"] = engines.Extern{
		Kind: wasm.ExternTable,
		Table: engines.NewTable(wasm.TableType{
			Elem:   wasm.FuncRef,
			Limits: wasm.Limits{Min: 10, Max: 20, HasMax: true},
		}),
	}
	exports["memory"] = engines.Extern{
		Kind:   wasm.ExternMemory,
		Memory: engines.NewMemory(wasm.MemoryType{Limits: wasm.Limits{Min: 1, Max: 2, HasMax: true}}, 0),
	}
	return exports
}

// linkError is an import that cannot be resolved: the module is
// unlinkable.
type linkError struct {
	imp wasm.Import
	msg string // the spec's message
}

func (e *linkError) Error() string {
	return fmt.Sprintf("%s: import %q %q (%v)", e.msg, e.imp.Module, e.imp.Name, e.imp.Kind)
}

// skipError is an import from a module that was skipped: the importing
// module is skipped for the same reason.
type skipError struct{ reason string }

func (e *skipError) Error() string { return "skipped: " + e.reason }

// resolve finds the externs that m imports, by module and name, among the
// host modules and the registered instances. It checks the kind of each;
// matching the types is the engine's job (Program.Instantiate).
func (r *fileRunner) resolve(m *wasm.Module) ([]engines.Extern, error) {
	externs := make([]engines.Extern, len(m.Imports))
	for i, imp := range m.Imports {
		var (
			ext engines.Extern
			ok  bool
		)
		if host, isHost := r.hosts[imp.Module]; isHost {
			ext, ok = host[imp.Name]
		} else if inst, isInst := r.registered[imp.Module]; isInst {
			if inst.machine == nil {
				if inst.skip != "" {
					return nil, &skipError{inst.skip}
				}
				return nil, &linkError{imp, fmt.Sprintf("unknown import (module %q failed at line %d)", imp.Module, inst.line)}
			}
			ext, ok = inst.machine.Export(imp.Name)
		}
		if !ok {
			return nil, &linkError{imp, "unknown import"}
		}
		if ext.Kind != imp.Kind {
			return nil, &linkError{imp, fmt.Sprintf("incompatible import type: want %v, found %v", imp.Kind, ext.Kind)}
		}
		externs[i] = ext
	}
	return externs, nil
}
