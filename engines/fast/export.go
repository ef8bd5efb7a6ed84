package fast

import (
	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// Export returns the export called name.
func (m *machine) Export(name string) (engines.Extern, bool) {
	for _, e := range m.mod.Exports {
		if e.Name != name {
			continue
		}
		switch e.Kind {
		case wasm.ExternFunc:
			return m.funcExtern(e.Index), true
		case wasm.ExternTable:
			return engines.Extern{Kind: e.Kind, Table: m.tables[e.Index]}, true
		case wasm.ExternMemory:
			return engines.Extern{Kind: e.Kind, Memory: m.memories[e.Index]}, true
		case wasm.ExternGlobal:
			return engines.Extern{Kind: e.Kind, Global: m.globals[e.Index]}, true
		}
	}
	return engines.Extern{}, false
}

// funcExtern exports function idx. A re-exported import keeps its
// identity.
func (m *machine) funcExtern(idx uint32) engines.Extern {
	f := m.funcs[idx]
	if f.imported {
		return m.imports[idx]
	}
	return engines.Extern{
		Kind: wasm.ExternFunc,
		Func: &engines.HostFunc{
			Module: m.mod.ModuleName,
			Name:   f.def.DisplayName(),
			Type:   *f.def.Type,
			Call: func(_ engines.Machine, params, results []uint64) error {
				res, err := m.Call(idx, params)
				copy(results, res)
				return err
			},
		},
		Owner: m,
		Index: idx,
	}
}
