package wasm

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tetratelabs/wabin/binary"
	wabin "github.com/tetratelabs/wabin/wasm"
)

// Load decodes, validates and analyses a WebAssembly 2.0 module. Any error
// is an *Error that says what is wrong and where. It is
// LoadFeatures(b, Features2).
//
// Load proceeds in phases, so that a malformed module is always reported as
// malformed, even when it is also invalid:
//
//  1. the loader's own pass over the sections, in file order
//     (sections.go): encoding checks, offsets, the element and data
//     sections, constant expressions, the module-level validation rules
//     (the first validation error is kept aside), and the decoding of every
//     function body into instructions (code.go);
//  2. wabin, on a copy without the custom, function, code, element and
//     data sections, decodes types, imports, exports and the other index
//     spaces;
//  3. the validation of every function, which produces the analysis
//     (validate.go).
func Load(b []byte) (*Module, error) { return LoadFeatures(b, Features2) }

// LoadFeatures is Load for a module that may use only the given features:
// with Features1, the module is loaded as WebAssembly 1.0 defines it. The
// features are recorded in the Module, for the engines.
func LoadFeatures(b []byte, f Features) (*Module, error) {
	l := &loader{b: b, m: &Module{Bytes: b, Features: f, Start: -1, DataCount: -1}, dataUse: -1}
	if err := l.load(); err != nil {
		if err.Func >= 0 {
			err.FuncName = l.funcName(uint32(err.Func))
		}
		return nil, err
	}
	return l.m, nil
}

// loader holds the state of one Load.
type loader struct {
	b []byte
	m *Module

	sections []section // the known sections, in file order
	present  [numSections]bool
	// invalid is the first validation error found before validation
	// proper; it is reported only once the module is known to be
	// well-formed.
	invalid *Error
	// unsupported is the first use of an unsupported feature that does
	// not prevent decoding, reported after validation errors.
	unsupported *Error

	// What the loader's own pass learns, for its checks and offsets.
	numTypes           uint32
	paramCounts        []uint32
	funcs              []uint32 // type index of every function, imports first
	numImportedFuncs   uint32
	tables             []ValType
	numMemories        uint32
	globals            []GlobalType
	numImportedGlobals uint32
	numDatas           uint32
	declared           []bool // functions ref.func may name (the spec's C.refs)
	startOff           int
	dataUse            int // offset of the first memory.init or data.drop, or -1
	bodies             []body
	funcExports        []funcExport // in export order, for names

	// constDecoder decodes constant expressions; its slices are reused.
	constDecoder decoder
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// has reports whether the module may use feature f.
func (l *loader) has(f Features) bool { return l.m.Features.Has(f) }

func (l *loader) load() *Error {
	if err := l.readSections(); err != nil {
		return err
	}
	l.makeFuncs()
	l.readNames()
	if l.invalid != nil {
		return l.invalid
	}
	if l.unsupported != nil {
		return l.unsupported
	}
	if err := l.decodeWabin(); err != nil {
		return err
	}
	if err := l.validateStart(); err != nil {
		return err
	}
	return l.validateFuncs()
}

// makeFuncs creates the function index space from the loader's pass; wabin
// fills in types, imports and locals later.
func (l *loader) makeFuncs() {
	m := l.m
	funcs := make([]Func, len(l.funcs))
	m.Funcs = make([]*Func, len(funcs))
	m.NumImportedFuncs = l.numImportedFuncs
	for i := range funcs {
		f := &funcs[i]
		f.Index = uint32(i)
		f.TypeIndex = l.funcs[i]
		if i >= int(l.numImportedFuncs) {
			bd := &l.bodies[i-int(l.numImportedFuncs)]
			f.BodyOffset, f.BodyEnd = uint32(bd.locals), uint32(bd.end)
			f.Locals = bd.localTypes
			f.Instrs, f.Blocks, f.BrTable = bd.instrs, bd.blocks, bd.brTable
		}
		m.Funcs[i] = f
	}
}

// arena hands out slices cut from large chunks, so that a module's many
// small per-function slices cost few allocations and no copies. A slice is
// built in place at the free end of the current chunk: start it, append to
// it (making room with grow first, which moves the slice under
// construction to a new chunk when the current one is full), then finish
// it, which hands it out with its capacity cut to its length.
//
// Nothing is known of a module's size in instructions before its code is
// decoded, so chunks are sized as the pass goes: the first from a cautious
// estimate, each next one from the rate of use so far (elements per unit of
// input: bytes of code, instructions validated) projected over the input
// still to come, within geometric bounds. Little is allocated that is not
// handed out: a big allocation costs its zeroing, or in a fresh process its
// page faults, whether it is used or not.
type arena[T any] struct {
	buf       []T       // the current chunk; its length is the part handed out
	p         *progress // how far the pass that uses the arena has come
	first     int       // size of the first chunk
	handed    int       // elements handed out, all chunks
	allocated int       // elements allocated, all chunks
}

// progress is how far a pass has come through its input, in units of the
// pass's choosing: done of total.
type progress struct{ done, total int }

const minChunk = 256

// newArena returns an arena whose first chunk holds first elements (or
// more, if the first slice needs more) and whose next chunks are sized on
// p.
func newArena[T any](first int, p *progress) *arena[T] {
	return &arena[T]{first: first, p: p}
}

// start returns an empty slice at the free end of the current chunk, with
// room for n elements (in a new chunk if need be), to be appended to and
// finished.
func (a *arena[T]) start(n int) []T {
	return a.grow(a.buf[len(a.buf):len(a.buf)], n)
}

// grow returns s, a slice under construction (from start) or any slice if
// a is nil, with room for n more elements. Without room in the current
// chunk, s is copied to the start of a new one.
func (a *arena[T]) grow(s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	if a == nil {
		return slices.Grow(s, n)
	}
	size := a.chunkSize(len(s), n)
	buf := make([]T, len(s), size)
	copy(buf, s)
	a.allocated += size
	a.buf = buf[:0]
	return buf
}

// chunkSize returns the size of the next chunk, which must hold a slice of
// used elements under construction and n more.
func (a *arena[T]) chunkSize(used, n int) int {
	need := 2*used + n // the slice under construction grows geometrically
	if a.allocated == 0 {
		return max(a.first, need, 16)
	}
	var proj int
	if p := a.p; p != nil && p.done > 0 && p.total > p.done {
		// The rest of the input at the rate so far, 1/16 to spare. The
		// slice under construction is part of the rest.
		proj = int(float64(a.handed) * float64(p.total-p.done) / float64(p.done) * 17 / 16)
	}
	// At least 1/16 of what is allocated (a projection that falls short
	// costs few chunks), at most twice (one made on little input cannot
	// overshoot far).
	proj = min(max(proj, a.allocated/16), 2*a.allocated)
	return max(proj, need, minChunk)
}

// finish hands out s, built from start: its elements are the chunk's, its
// capacity its length. If s has outgrown the chunk by an append without
// grow, it is handed out where append moved it.
func (a *arena[T]) finish(s []T) []T {
	lo := len(a.buf)
	if len(s) > 0 && (lo == cap(a.buf) || &a.buf[:lo+1][lo] != &s[0]) {
		return s[:len(s):len(s)]
	}
	a.buf = a.buf[:lo+len(s)]
	a.handed += len(s)
	return a.buf[lo : lo+len(s) : lo+len(s)]
}

// decodeWabin has wabin decode the module and fills the Module from its
// result. Left out of wabin's copy: custom sections (wabin fails on some
// well-formed ones, and the spec does not validate them), the element
// section (wabin cannot read global.get items), the data section (the
// loader's pass has the segments already, as slices of the module, where
// wabin would copy them one by one: Go programs have tens of thousands),
// and the function and code sections (the loader's pass has the functions'
// types and their locals, and decodes the bodies, which wabin would copy).
func (l *loader) decodeWabin() *Error {
	keep := func(s section) bool {
		switch s.id {
		case secFunction, secCode, secElement, secData:
			return false
		case secMemory: // wabin fails on an empty memory section
			return s.end != s.off+1 || l.b[s.off] != 0
		}
		return true
	}
	size := 8
	for _, s := range l.sections {
		if keep(s) {
			size += s.end - s.start
		}
	}
	stripped := append(make([]byte, 0, size), l.b[:8]...)
	for _, s := range l.sections {
		if keep(s) {
			stripped = append(stripped, l.b[s.start:s.end]...)
		}
	}
	wm, err := decodeWabin(stripped)
	if err != nil {
		return l.wabinError(err)
	}
	m := l.m
	m.Types = make([]FuncType, len(wm.TypeSection))
	for i, t := range wm.TypeSection {
		m.Types[i] = FuncType{Params: valTypes(t.Params), Results: valTypes(t.Results)}
	}

	m.Imports = make([]Import, len(wm.ImportSection))
	var funcTypes []uint32
	for i, im := range wm.ImportSection {
		imp := Import{Module: im.Module, Name: im.Name, Kind: ExternKind(im.Type)}
		switch imp.Kind {
		case ExternFunc:
			imp.TypeIndex = im.DescFunc
			funcTypes = append(funcTypes, im.DescFunc)
		case ExternTable:
			imp.Table = tableType(im.DescTable)
			m.Tables = append(m.Tables, imp.Table)
			m.NumImportedTables++
		case ExternMemory:
			imp.Memory = memoryType(im.DescMem)
			m.Memories = append(m.Memories, imp.Memory)
			m.NumImportedMemories++
		case ExternGlobal:
			imp.Global = GlobalType{Type: ValType(im.DescGlobal.ValType), Mutable: im.DescGlobal.Mutable}
			m.Globals = append(m.Globals, imp.Global)
			m.NumImportedGlobals++
		}
		m.Imports[i] = imp
	}
	for _, t := range wm.TableSection {
		m.Tables = append(m.Tables, tableType(t))
	}
	if wm.MemorySection != nil {
		m.Memories = append(m.Memories, memoryType(wm.MemorySection))
	}
	for _, g := range wm.GlobalSection {
		m.Globals = append(m.Globals, GlobalType{Type: ValType(g.Type.ValType), Mutable: g.Type.Mutable})
	}
	m.Exports = make([]Export, len(wm.ExportSection))
	for i, e := range wm.ExportSection {
		m.Exports[i] = Export{Name: e.Name, Kind: ExternKind(e.Type), Index: e.Index}
	}
	if wm.StartSection != nil {
		m.Start = int64(*wm.StartSection)
	}
	if wm.DataCountSection != nil {
		m.DataCount = int64(*wm.DataCountSection)
	}

	// The loader's pass and wabin read the same bytes; a disagreement
	// would be a bug in one of them, reported rather than trusted.
	switch {
	case len(funcTypes) != int(m.NumImportedFuncs):
		return l.disagree(secImport, "function count")
	case len(m.Globals) != len(l.globals):
		return l.disagree(secGlobal, "global count")
	case len(m.Tables) != len(l.tables):
		return l.disagree(secTable, "table count")
	}
	for i, f := range m.Funcs {
		if i < len(funcTypes) && f.TypeIndex != funcTypes[i] {
			return l.disagree(secImport, "function types")
		}
		f.Type = &m.Types[f.TypeIndex]
	}
	k := 0 // imported functions come first, in import order
	for i := range m.Imports {
		if m.Imports[i].Kind == ExternFunc {
			m.Funcs[k].Import = &m.Imports[i]
			k++
		}
	}
	for i := range l.bodies {
		f := m.Funcs[int(m.NumImportedFuncs)+i]
		for _, tb := range l.bodies[i].typed {
			f.Blocks[tb.block].Type = m.Types[tb.typeIdx]
		}
	}
	return nil
}

// decodeWabin runs wabin, turning a panic (a bug, as the loader's pass has
// checked the module) into an error.
func decodeWabin(b []byte) (m *wabin.Module, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return binary.DecodeModule(b, wabin.CoreFeaturesV2)
}

func valTypes(ts []wabin.ValueType) []ValType {
	if len(ts) == 0 {
		return nil
	}
	out := make([]ValType, len(ts))
	for i, t := range ts {
		out[i] = ValType(t)
	}
	return out
}

func tableType(t *wabin.Table) TableType {
	tt := TableType{Elem: ValType(t.Type), Limits: Limits{Min: t.Min}}
	if t.Max != nil {
		tt.Limits.Max, tt.Limits.HasMax = *t.Max, true
	}
	return tt
}

func memoryType(mem *wabin.Memory) MemoryType {
	return MemoryType{Limits: Limits{Min: mem.Min, Max: mem.Max, HasMax: mem.IsMaxEncoded}}
}

// wabinError turns a wabin error into an *Error at the offset of the
// section it names ("section memory: ...").
func (l *loader) wabinError(err error) *Error {
	msg := err.Error()
	off := 8
	if rest, ok := strings.CutPrefix(msg, "section "); ok {
		for id, name := range sectionNames {
			if strings.HasPrefix(rest, name+":") || strings.HasPrefix(rest, strings.ReplaceAll(name, " ", "_")+":") {
				off = l.section(byte(id)).start
				break
			}
		}
	}
	return &Error{Kind: Malformed, Offset: uint32(off), Func: -1, Msg: "wabin: " + msg}
}

func (l *loader) disagree(id byte, what string) *Error {
	return &Error{Kind: Malformed, Offset: uint32(l.section(id).start), Func: -1,
		Msg: "internal error: the loader and wabin disagree on the " + what}
}
