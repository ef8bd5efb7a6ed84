package snapshot

import (
	"errors"
	"fmt"

	"github.com/wdb-dev/wdb/wasm"
)

// Validate checks that s is well formed on its own (without the module):
// value types and their bits, label kinds, memory and table limits, page
// sizes. Encode calls it; everything Decode returns passes it.
//
// ModuleHash may be left zero when Module is set (Encode then hashes the
// module); otherwise it must be the module's sha256.
func (s *Snapshot) Validate() error {
	if s == nil {
		return errors.New("snapshot: nil snapshot")
	}
	if err := s.validate(); err != "" {
		return errors.New("snapshot: " + err)
	}
	return nil
}

// validate returns the first problem as text, or "".
func (s *Snapshot) validate() string {
	switch {
	case s.Module == nil && s.ModuleHash == [32]byte{}:
		return "no module hash and no module"
	case !fitsU32(len(s.Module)):
		return "module too large"
	case s.Module != nil && s.ModuleHash != [32]byte{} && HashModule(s.Module) != s.ModuleHash:
		return "ModuleHash is not the sha256 of Module"
	}
	if !fitsU32(len(s.Frames)) || !fitsU32(len(s.Globals)) || !fitsU32(len(s.Memories)) ||
		!fitsU32(len(s.Tables)) || !fitsU32(len(s.DroppedData)) || !fitsU32(len(s.DroppedElem)) {
		return "too many entries"
	}
	for i, f := range s.Frames {
		if err := checkValues(f.Locals, "local"); err != "" {
			return fmt.Sprintf("frame %d, %s", i, err)
		}
		if err := checkValues(f.Stack, "stack value"); err != "" {
			return fmt.Sprintf("frame %d, %s", i, err)
		}
		if !fitsU32(len(f.Labels)) {
			return fmt.Sprintf("frame %d: too many labels", i)
		}
		for j, l := range f.Labels {
			if l.Kind > wasm.LabelIf {
				return fmt.Sprintf("frame %d, label %d: invalid label kind %d", i, j, l.Kind)
			}
		}
	}
	if err := checkValues(s.Globals, "global"); err != "" {
		return err
	}
	total := 0
	for i, m := range s.Memories {
		if err := checkMemory(m); err != "" {
			return fmt.Sprintf("memory %d: %s", i, err)
		}
		total += int(m.Size)
	}
	if total > maxTotalPages {
		return fmt.Sprintf("memories hold %d pages in all, more than the %d an image may hold", total, maxTotalPages)
	}
	for i, t := range s.Tables {
		if !t.Type.IsRef() {
			return fmt.Sprintf("table %d: invalid element type %v", i, t.Type)
		}
		if t.HasMax && uint64(len(t.Elems)) > uint64(t.Max) {
			return fmt.Sprintf("table %d: %d elements, more than its maximum %d", i, len(t.Elems), t.Max)
		}
		if err := checkValues(t.Elems, "element"); err != "" {
			return fmt.Sprintf("table %d, %s", i, err)
		}
		for j, v := range t.Elems {
			if v.Type != t.Type {
				return fmt.Sprintf("table %d, element %d: %v in a table of %v", i, j, v.Type, t.Type)
			}
		}
	}
	if h := s.Host; h != nil {
		if !fitsU32(len(h.Args)) || !fitsU32(len(h.Env)) || !fitsU32(len(h.Files)) {
			return "host: too many entries"
		}
		for _, ss := range [][]string{h.Args, h.Env} {
			for _, a := range ss {
				if !fitsU32(len(a)) {
					return "host: string too long"
				}
			}
		}
		for _, f := range h.Files {
			if !fitsU32(len(f.GuestPath)) || !fitsU32(len(f.HostDir)) || !fitsU32(len(f.PreopenPath)) {
				return fmt.Sprintf("host: fd %d: path too long", f.FD)
			}
		}
	}
	return ""
}

func checkMemoryLimits(size, max uint32, hasMax bool) string {
	switch {
	case size > maxPages:
		return fmt.Sprintf("size %d pages is more than %d", size, maxPages)
	case hasMax && max > maxPages:
		return fmt.Sprintf("maximum %d pages is more than %d", max, maxPages)
	case hasMax && size > max:
		return fmt.Sprintf("size %d pages is more than its maximum %d", size, max)
	}
	return ""
}

func checkMemory(m Memory) string {
	if err := checkMemoryLimits(m.Size, m.Max, m.HasMax); err != "" {
		return err
	}
	switch {
	case len(m.Pages) != int(m.Size):
		return fmt.Sprintf("%d page entries for a size of %d pages", len(m.Pages), m.Size)
	}
	for i, p := range m.Pages {
		if p != nil && len(p) != PageSize {
			return fmt.Sprintf("page %d is %d bytes long, not %d", i, len(p), PageSize)
		}
	}
	return ""
}

func checkValues(vs []Value, what string) string {
	if !fitsU32(len(vs)) {
		return "too many values"
	}
	for i, v := range vs {
		if err := checkValue(v); err != "" {
			return fmt.Sprintf("%s %d: %s", what, i, err)
		}
	}
	return ""
}

// checkValue checks the type and that no bits are set that the image
// would not store (or that the type does not have).
func checkValue(v Value) string {
	switch v.Type {
	case wasm.I32, wasm.F32:
		if v.Lo>>32 != 0 {
			return fmt.Sprintf("%v value 0x%x has bits set above bit 31", v.Type, v.Lo)
		}
	case wasm.I64, wasm.F64, wasm.FuncRef, wasm.ExternRef:
	case wasm.V128:
		return ""
	default:
		return fmt.Sprintf("invalid value type %v", v.Type)
	}
	if v.Hi != 0 {
		return fmt.Sprintf("%v value has Hi set (only v128 uses it)", v.Type)
	}
	return ""
}
