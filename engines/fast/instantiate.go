package fast

import (
	"fmt"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// Instantiate checks the imports, creates the instance in store, and
// applies the active segments (spec 2.0: element segments, then data
// segments, each bounds-checked as a whole; a trap aborts instantiation
// with the effects of the segments before it kept). A module loaded without
// bulk memory gets 1.0's rule instead: all segments are checked first, and
// one that does not fit is a link error with nothing written.
func (p *program) Instantiate(store *engines.Store, imports []engines.Extern) (engines.Machine, error) {
	mod := p.mod
	if len(imports) != len(mod.Imports) {
		return nil, fmt.Errorf("module has %d imports, %d provided", len(mod.Imports), len(imports))
	}
	for i := range mod.Imports {
		if err := engines.CheckImport(mod, &mod.Imports[i], &imports[i]); err != nil {
			return nil, err
		}
	}
	if store == nil {
		store = engines.NewStore()
	}
	m := &machine{
		prog:       p,
		mod:        mod,
		store:      store,
		funcs:      p.funcs,
		imports:    make([]engines.Extern, len(p.funcs)),
		refs:       make([]uint64, len(p.funcs)),
		fastActive: make([]*variant, len(p.funcs)),
		stack:      make([]uint32, initialStackCells),
		frames:     make([]frame, 16),
		maxDepth:   p.opts.MaxCallDepth,
	}
	// Nothing is translated for this machine yet: the first call of each
	// function translates it (if no other machine did) and patches the
	// table (enter).
	for i := range m.fastActive {
		m.fastActive[i] = untranslated
	}
	m.active = m.fastActive
	m.fastLimit.Store(1<<63 - 1)

	// Imports, in the order of the import section.
	var fi uint32
	for i, imp := range mod.Imports {
		ext := imports[i]
		switch imp.Kind {
		case wasm.ExternFunc:
			m.imports[fi] = ext
			fi++
		case wasm.ExternTable:
			m.tables = append(m.tables, ext.Table)
		case wasm.ExternMemory:
			m.memories = append(m.memories, ext.Memory)
		case wasm.ExternGlobal:
			m.globals = append(m.globals, ext.Global)
		}
	}
	m.id = store.Add(m)
	for i := range p.funcs {
		m.refs[i] = m.funcRef(uint32(i))
	}

	// The module's own tables, memories and globals.
	for _, t := range mod.Tables[mod.NumImportedTables:] {
		m.tables = append(m.tables, engines.NewTable(t))
	}
	for _, t := range mod.Memories[mod.NumImportedMemories:] {
		m.memories = append(m.memories, engines.NewMemory(t, p.opts.MaxMemoryPages))
	}
	if len(m.memories) > 0 {
		m.mem = m.memories[0]
		m.reloadMemory()
	}
	for i, t := range mod.Globals[mod.NumImportedGlobals:] {
		g := &engines.Global{Type: t}
		g.Lo = m.evalConst(mod.GlobalInits[i])
		m.globals = append(m.globals, g)
	}

	// Segments: evaluate the element items, keep the data.
	m.elems = make([][]uint64, len(mod.Elems))
	m.dropElem = make([]bool, len(mod.Elems))
	for i, seg := range mod.Elems {
		refs := make([]uint64, len(seg.Items))
		for k, item := range seg.Items {
			refs[k] = m.evalConst(item)
		}
		m.elems[i] = refs
	}
	m.datas = make([][]byte, len(mod.Datas))
	m.dropData = make([]bool, len(mod.Datas))
	for i, seg := range mod.Datas {
		m.datas[i] = seg.Init
	}

	if !mod.Features.Has(wasm.BulkMemory) {
		offset := func(e wasm.ConstExpr) uint32 { return uint32(m.evalConst(e)) }
		if err := engines.CheckSegmentsFit(mod, offset, m.tables, m.memories); err != nil {
			return nil, err
		}
	}
	for i, seg := range mod.Elems {
		switch seg.Mode {
		case wasm.SegmentActive:
			off := uint64(uint32(m.evalConst(seg.Offset)))
			t := m.tables[seg.Table]
			if off+uint64(len(m.elems[i])) > uint64(len(t.Elems)) {
				return nil, &engines.Trap{Msg: msgTableOOB}
			}
			copy(t.Elems[off:], m.elems[i])
			m.elems[i], m.dropElem[i] = nil, true
		case wasm.SegmentDeclarative:
			m.elems[i], m.dropElem[i] = nil, true
		}
	}
	for i, seg := range mod.Datas {
		if seg.Mode != wasm.SegmentActive {
			continue
		}
		off := uint64(uint32(m.evalConst(seg.Offset)))
		mem := m.memories[seg.Memory]
		if off+uint64(len(seg.Init)) > uint64(len(mem.Data)) {
			return nil, &engines.Trap{Msg: msgMemoryOOB}
		}
		copy(mem.Data[off:], seg.Init)
		m.datas[i], m.dropData[i] = nil, true
	}
	return m, nil
}

// funcRef is the reference value of function idx: this instance's own
// function, or the function of the instance that exported the import.
func (m *machine) funcRef(idx uint32) uint64 {
	if ext := m.imports[idx]; m.funcs[idx].imported && ext.Owner != nil {
		return engines.FuncRef(ext.Owner.ID(), ext.Index)
	}
	return engines.FuncRef(m.id, idx)
}

// evalConst evaluates a validated constant expression.
func (m *machine) evalConst(e wasm.ConstExpr) uint64 {
	switch e.Op {
	case wasm.OpRefNull:
		return 0
	case wasm.OpRefFunc:
		return m.refs[e.Value]
	case wasm.OpGlobalGet:
		return m.globals[e.Value].Lo
	}
	return e.Value
}
