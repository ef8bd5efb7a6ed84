package engines

import (
	"fmt"

	"github.com/wdb-dev/wdb/wasm"
)

// CheckImport checks that ext matches the import's type, with the spec's
// subtyping of limits.
func CheckImport(mod *wasm.Module, imp *wasm.Import, ext *Extern) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("incompatible import type for %s.%s: %s", imp.Module, imp.Name, fmt.Sprintf(format, args...))
	}
	if ext.Kind != imp.Kind {
		return fail("expected %v, got %v", imp.Kind, ext.Kind)
	}
	switch imp.Kind {
	case wasm.ExternFunc:
		want := &mod.Types[imp.TypeIndex]
		var got *wasm.FuncType
		switch {
		case ext.Owner != nil:
			funcs := ext.Owner.Module().Funcs
			if int(ext.Index) >= len(funcs) {
				return fail("no function %d in the exporting instance", ext.Index)
			}
			got = funcs[ext.Index].Type
		case ext.Func != nil:
			got = &ext.Func.Type
		default:
			return fail("missing function")
		}
		if !got.Equal(want) {
			return fail("expected function %v, got %v", want, got)
		}
	case wasm.ExternTable:
		t := ext.Table
		if t == nil {
			return fail("missing table")
		}
		if t.Type != imp.Table.Elem {
			return fail("expected table of %v, got %v", imp.Table.Elem, t.Type)
		}
		if err := checkLimits(imp.Table.Limits, uint32(len(t.Elems)), t.Max, t.HasMax); err != "" {
			return fail("table %s", err)
		}
	case wasm.ExternMemory:
		mem := ext.Memory
		if mem == nil {
			return fail("missing memory")
		}
		if err := checkLimits(imp.Memory.Limits, mem.Pages(), mem.TypeMax, mem.HasMax); err != "" {
			return fail("memory %s", err)
		}
	case wasm.ExternGlobal:
		g := ext.Global
		if g == nil {
			return fail("missing global")
		}
		if g.Type != imp.Global {
			return fail("expected global %v (mutable %v), got %v (mutable %v)",
				imp.Global.Type, imp.Global.Mutable, g.Type.Type, g.Type.Mutable)
		}
	}
	return nil
}

// checkLimits checks that an object of the given current size and declared
// maximum matches the limits of an import.
func checkLimits(want wasm.Limits, size, max uint32, hasMax bool) string {
	if size < want.Min {
		return fmt.Sprintf("size %d is below the minimum %d", size, want.Min)
	}
	if want.HasMax {
		if !hasMax {
			return fmt.Sprintf("has no maximum, expected at most %d", want.Max)
		}
		if max > want.Max {
			return fmt.Sprintf("maximum %d is above %d", max, want.Max)
		}
	}
	return ""
}
