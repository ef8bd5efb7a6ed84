package wasm

import (
	"debug/dwarf"
	"sort"
)

// A function's name comes from the "name" custom section, or else from
// DWARF, or else from the exports (the first name it is exported under,
// in export order: "_start" rather than "func[0]" in a backtrace). Custom
// sections are not validated (spec 2.0, appendix "Custom Sections"): a
// damaged name section is used as far as it can be read and never makes
// loading fail.

// funcExport is a function export, as the loader's pass reads it.
type funcExport struct {
	idx  uint32
	name string
}

// Name section subsection ids.
const (
	nameModule   = 0
	nameFunction = 1
	nameLocal    = 2
	nameGlobal   = 7 // extended name section
)

// readNames fills in ModuleName, Func.Name, Func.LocalNames and
// GlobalNames.
func (l *loader) readNames() {
	for _, c := range l.m.Customs {
		if c.Name == "name" {
			funcs := l.m.Funcs
			l.readNameSection(c, func(idx uint32, name string) {
				if idx < uint32(len(funcs)) {
					funcs[idx].Name = name
				}
			})
			break // only the first name section counts
		}
	}
	l.readDWARFNames()
	for _, e := range l.funcExports {
		if e.idx < uint32(len(l.m.Funcs)) && l.m.Funcs[e.idx].Name == "" {
			l.m.Funcs[e.idx].Name = e.name
		}
	}
}

// exportName returns the first name function idx is exported under, or "".
func (l *loader) exportName(idx uint32) string {
	for _, e := range l.funcExports {
		if e.idx == idx {
			return e.name
		}
	}
	return ""
}

// funcName returns function idx's name for an error message. When the
// error stopped loading before the name section was reached, the rest of
// the file is searched for it (DWARF is not), and the exports read so far
// (the export section comes before the code) are the fallback.
func (l *loader) funcName(idx uint32) string {
	if idx < uint32(len(l.m.Funcs)) {
		return l.m.Funcs[idx].Name
	}
	var name string
	r := newReader(l.b, 8, len(l.b), "")
	for !r.eof() && r.err == nil {
		id := r.byte()
		size := r.u32()
		if r.err != nil || uint64(size) > uint64(r.remaining()) {
			break
		}
		end := r.pos + int(size)
		cr := newReader(l.b, r.pos, end, "")
		if id == secCustom && cr.name() == "name" && cr.err == nil {
			c := CustomSection{Offset: uint32(cr.pos), Data: l.b[cr.pos:end]}
			l.readNameSection(c, func(i uint32, n string) {
				if i == idx {
					name = n
				}
			})
			break
		}
		r.pos = end
	}
	if name == "" {
		name = l.exportName(idx)
	}
	return name
}

func (l *loader) readNameSection(c CustomSection, setName func(idx uint32, name string)) {
	m := l.m
	end := int(c.Offset) + len(c.Data)
	r := newReader(l.b, int(c.Offset), end, "unexpected end")
	for !r.eof() && r.err == nil {
		id := r.byte()
		size := r.u32()
		if r.err != nil || uint64(size) > uint64(r.remaining()) {
			return
		}
		sub := newReader(l.b, r.pos, r.pos+int(size), "unexpected end")
		r.pos += int(size)
		switch id {
		case nameModule:
			if name := sub.name(); sub.err == nil {
				m.ModuleName = name
			}
		case nameFunction:
			n := sub.count()
			for i := uint32(0); i < n && sub.err == nil; i++ {
				idx := sub.u32()
				name := sub.name()
				if sub.err == nil {
					setName(idx, name)
				}
			}
		case nameGlobal:
			n := sub.count()
			for i := uint32(0); i < n && sub.err == nil; i++ {
				idx := sub.u32()
				name := sub.name()
				if sub.err == nil && uint64(idx) < uint64(len(l.globals)) {
					if m.GlobalNames == nil {
						m.GlobalNames = make(map[uint32]string, n)
					}
					m.GlobalNames[idx] = name
				}
			}
		case nameLocal:
			n := sub.count()
			for i := uint32(0); i < n && sub.err == nil; i++ {
				idx := sub.u32()
				k := sub.count()
				var f *Func
				if sub.err == nil && idx < uint32(len(m.Funcs)) {
					f = m.Funcs[idx]
				}
				for j := uint32(0); j < k && sub.err == nil; j++ {
					local := sub.u32()
					name := sub.name()
					if sub.err == nil && f != nil {
						if f.LocalNames == nil {
							f.LocalNames = make(map[uint32]string, k)
						}
						f.LocalNames[local] = name
					}
				}
			}
		}
	}
}

// readDWARFNames names the functions the name section left unnamed from
// the DWARF subprograms (clang writes DWARF but no name section). A
// subprogram's low_pc is relative to the code section's contents and
// points at its function's body.
func (l *loader) readDWARFNames() {
	m := l.m
	if len(l.bodies) == 0 {
		return
	}
	defer func() { _ = recover() }() // debug/dwarf on damaged input: names are optional
	d, err := m.DWARF()
	if d == nil || err != nil {
		return
	}
	// An out-of-line copy of an inlined function, or a definition of a
	// declared one, has its name on the entry it refers to, which may come
	// later: collect, then resolve.
	names := map[dwarf.Offset]string{}
	type subprogram struct {
		lowPC  uint64
		name   string
		origin dwarf.Offset
	}
	var subs []subprogram
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			break
		}
		if e == nil {
			break
		}
		if e.Tag != dwarf.TagSubprogram {
			continue
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		if name == "" {
			name, _ = e.Val(dwarf.AttrLinkageName).(string)
		}
		if name != "" {
			names[e.Offset] = name
		}
		lowPC, ok := e.Val(dwarf.AttrLowpc).(uint64)
		if !ok {
			continue
		}
		origin, _ := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset)
		if spec, ok := e.Val(dwarf.AttrSpecification).(dwarf.Offset); ok {
			origin = spec
		}
		subs = append(subs, subprogram{lowPC, name, origin})
	}
	for _, sp := range subs {
		name := sp.name
		if name == "" {
			name = names[sp.origin]
		}
		if name == "" {
			continue
		}
		off := uint64(m.CodeSectionOffset) + sp.lowPC
		i := sort.Search(len(l.bodies), func(i int) bool { return uint64(l.bodies[i].end) > off })
		if i < len(l.bodies) && uint64(l.bodies[i].start) <= off {
			if f := m.Funcs[int(l.numImportedFuncs)+i]; f.Name == "" {
				f.Name = name
			}
		}
	}
}

// StackPointer returns the index of the C stack pointer, the mutable i32
// global LLVM keeps it in: the global named __stack_pointer, else (no
// global names) global 0 when it is a mutable i32, as wasm-ld places it.
func (m *Module) StackPointer() (uint32, bool) {
	for i, n := range m.GlobalNames {
		if n == "__stack_pointer" {
			g := m.Globals[i]
			return i, g.Type == I32 && g.Mutable
		}
	}
	if len(m.GlobalNames) == 0 && len(m.Globals) > 0 && m.Globals[0].Type == I32 && m.Globals[0].Mutable {
		return 0, true
	}
	return 0, false
}
