package wasm

// The loader's own pass over the module, in file order as the spec's
// reference decoder reads it: each section's header (order, size, custom
// sections), then its contents, read strictly and with exact file offsets,
// function bodies included. It rejects the malformed encodings wabin
// accepts, validates what can be validated at module level (index spaces,
// limits, constant expressions, segments, exports), decodes the element
// section (wabin cannot: global.get in element expressions) and the data
// section, and records what wabin does not (offsets). It runs before wabin,
// so wabin only ever sees a well-formed, valid module.

// Section ids.
const (
	secCustom    = 0
	secType      = 1
	secImport    = 2
	secFunction  = 3
	secTable     = 4
	secMemory    = 5
	secGlobal    = 6
	secExport    = 7
	secStart     = 8
	secElement   = 9
	secCode      = 10
	secData      = 11
	secDataCount = 12
	numSections  = 13
)

var sectionNames = [numSections]string{
	"custom", "type", "import", "function", "table", "memory", "global",
	"export", "start", "element", "code", "data", "data count",
}

// sectionRank is the position a section must have in the file: the data
// count section (id 12) comes between the element and code sections.
func sectionRank(id byte) int {
	switch {
	case id == secDataCount:
		return secCode
	case id >= secCode:
		return int(id) + 1
	}
	return int(id)
}

// section is the header of one section.
type section struct {
	id    byte
	start int // offset of the id byte
	off   int // offset of the contents
	end   int // offset just after the contents
}

// body is one function body of the code section.
type body struct {
	start  int // offset of the body's size
	locals int // offset of the local declarations
	code   int // offset of the first instruction
	end    int // offset just after the body

	// The declared locals, expanded; the decoded instructions, control
	// constructs and br_table depths; the blocks whose type is a type
	// index (resolved when the types are known).
	localTypes []ValType
	instrs     []Instr
	blocks     []Block
	brTable    []uint32
	typed      []typedBlock
}

// localDecl is one entry of a body's local declarations: n locals of type t.
type localDecl struct {
	n uint32
	t ValType
}

const (
	// maxLocals bounds a function's locals (parameters included) and
	// maxModuleLocals the sum over all functions: valid modules may declare
	// up to 2^32-1 locals, but no engine could allocate them.
	maxLocals       = 1 << 20
	maxModuleLocals = 1 << 26
	// maxTableMin is wabin's limit on a table's initial size.
	maxTableMin = 1 << 27
	// maxPages is the largest memory size, in 64 KiB pages.
	maxPages = 1 << 16
)

// readSections reads the module's sections in order, as the spec's
// reference decoder does: each section's header, then its contents. The
// first malformed encoding is returned; the first validation error is kept
// in l.invalid.
func (l *loader) readSections() *Error {
	b := l.b
	r := newReader(b, 0, len(b), "unexpected end")
	magic := r.bytes(4)
	if r.err != nil {
		return &Error{Kind: Malformed, Func: -1, Msg: "unexpected end: magic header not detected"}
	}
	if string(magic) != "\x00asm" {
		return &Error{Kind: Malformed, Func: -1, Msg: "magic header not detected"}
	}
	version := r.bytes(4)
	if r.err != nil {
		return &Error{Kind: Malformed, Offset: 4, Func: -1, Msg: "unexpected end: unknown binary version"}
	}
	if string(version) != "\x01\x00\x00\x00" {
		return &Error{Kind: Malformed, Offset: 4, Func: -1, Msg: "unknown binary version"}
	}
	lastRank := 0
	for !r.eof() {
		start := r.pos
		id := r.byte()
		if id >= numSections {
			return &Error{Kind: Malformed, Offset: uint32(start), Func: -1, Msg: sprintf("malformed section id %d%s", id, sectionProposal(id))}
		}
		if id == secDataCount && !l.has(BulkMemory) {
			return &Error{Kind: Malformed, Offset: uint32(start), Func: -1, Msg: "malformed section id 12: data count" + notEnabled(BulkMemory)}
		}
		size := r.u32()
		if r.err != nil {
			return r.err
		}
		if uint64(size) > uint64(r.remaining()) {
			return &Error{Kind: Malformed, Offset: uint32(start), Func: -1,
				Msg: sprintf("length out of bounds: %s section of %d bytes, %d left in the file", sectionNames[id], size, r.remaining())}
		}
		s := section{id: id, start: start, off: r.pos, end: r.pos + int(size)}
		r.pos = s.end
		if id == secCustom {
			cr := newReader(b, s.off, s.end, "unexpected end")
			name := cr.name()
			if cr.err != nil {
				return cr.err
			}
			l.m.Customs = append(l.m.Customs, CustomSection{Name: name, Offset: uint32(cr.pos), Data: b[cr.pos:s.end:s.end]})
			continue
		}
		rank := sectionRank(id)
		if rank <= lastRank {
			return &Error{Kind: Malformed, Offset: uint32(start), Func: -1,
				Msg: sprintf("unexpected content after last section: %s section out of order or repeated", sectionNames[id])}
		}
		lastRank = rank
		l.sections = append(l.sections, s)
		l.present[id] = true
		if err := l.readSection(s); err != nil {
			return err
		}
	}
	if n := len(l.funcs) - int(l.numImportedFuncs); n != len(l.bodies) {
		off := len(l.b)
		if l.present[secCode] {
			off = l.section(secCode).off
		}
		return &Error{Kind: Malformed, Offset: uint32(off), Func: -1,
			Msg: sprintf("function and code section have inconsistent lengths: %d functions, %d bodies", n, len(l.bodies))}
	}
	// The code comes before the data, so this is checked at the end. A
	// module without data segments needs no count: its data indices are
	// then reported by the validator as unknown segments.
	if l.dataUse >= 0 && !l.present[secDataCount] && l.present[secData] {
		fn := int64(-1)
		for i, bd := range l.bodies {
			if bd.code <= l.dataUse && l.dataUse < bd.end {
				fn = int64(l.numImportedFuncs) + int64(i)
			}
		}
		return &Error{Kind: Malformed, Offset: uint32(l.dataUse), Func: fn,
			Msg: "data count section required: memory.init and data.drop need one"}
	}
	if l.m.DataCount >= 0 && l.m.DataCount != int64(l.numDatas) {
		off := l.section(secDataCount).off
		return &Error{Kind: Malformed, Offset: uint32(off), Func: -1,
			Msg: sprintf("data count and data section have inconsistent lengths: count %d, %d segments", l.m.DataCount, l.numDatas)}
	}
	return nil
}

// readSection reads the contents of a known section. Like the reference
// decoder, it may read past the section's declared end: a wrong size is
// reported ("section size mismatch") only if the contents are otherwise
// well-formed.
func (l *loader) readSection(s section) *Error {
	r := newReader(l.b, s.off, len(l.b), "unexpected end of section or function")
	switch s.id {
	case secType:
		l.readTypes(r)
	case secImport:
		l.readImports(r)
	case secFunction:
		l.readFunctions(r)
	case secTable:
		l.readTables(r)
	case secMemory:
		l.readMemories(r)
	case secGlobal:
		l.readGlobals(r)
	case secExport:
		l.readExports(r)
	case secStart:
		l.readStart(r)
	case secElement:
		l.readElements(r)
	case secCode:
		l.m.CodeSectionOffset = uint32(s.off)
		l.readCode(r, s)
	case secData:
		l.readData(r)
	case secDataCount:
		l.m.DataCount = int64(r.u32())
	}
	if r.err != nil {
		return r.err
	}
	if r.pos != s.end {
		return &Error{Kind: Malformed, Offset: uint32(min(r.pos, s.end)), Func: -1,
			Msg: sprintf("section size mismatch: %s section of %d bytes, contents of %d", sectionNames[s.id], s.end-s.off, r.pos-s.off)}
	}
	return nil
}

func (l *loader) section(id byte) section {
	for _, s := range l.sections {
		if s.id == id {
			return s
		}
	}
	return section{}
}

// invalidAt records a validation error unless one is already kept.
func (l *loader) invalidAt(off int, format string, args ...any) {
	if l.invalid == nil {
		l.invalid = &Error{Kind: Invalid, Offset: uint32(off), Func: -1, Msg: sprintf(format, args...)}
	}
}

func (l *loader) readTypes(r *reader) {
	n := r.count()
	l.numTypes = n
	for i := uint32(0); i < n && r.err == nil; i++ {
		off := r.pos
		if form := r.byte(); form != 0x60 && r.err == nil {
			if form&0x80 != 0 { // a longer LEB128 encoding of -0x20
				r.failf(off, "integer representation too long: function type form 0x%02x", form)
			} else {
				r.failf(off, "malformed function type form 0x%02x", form)
			}
		}
		for k := 0; k < 2; k++ { // parameters, then results
			c := r.count()
			for j := uint32(0); j < c && r.err == nil; j++ {
				l.valType(r)
			}
			if k == 0 {
				l.paramCounts = append(l.paramCounts, c)
			} else if c > 1 && !l.has(MultiValue) {
				l.invalidAt(off, "invalid result arity: %d results%s", c, notEnabled(MultiValue))
			}
		}
	}
}

// valType reads a value type the module's features allow.
func (l *loader) valType(r *reader) ValType {
	off := r.pos
	t := r.valType()
	if t.IsRef() && !l.has(ReferenceTypes) {
		r.failf(off, "malformed value type 0x%02x%s", byte(t), notEnabled(ReferenceTypes))
	}
	return t
}

// refType reads a reference type the module's features allow.
func (l *loader) refType(r *reader) ValType {
	off := r.pos
	t := r.refType()
	if t == ExternRef && !l.has(ReferenceTypes) {
		r.failf(off, "malformed reference type 0x%02x%s", byte(t), notEnabled(ReferenceTypes))
	}
	return t
}

func (l *loader) checkTypeIndex(off int, idx uint32) {
	if idx >= l.numTypes {
		l.invalidAt(off, "unknown type %d", idx)
	}
}

func (l *loader) readImports(r *reader) {
	n := r.count()
	for i := uint32(0); i < n && r.err == nil; i++ {
		r.name()
		r.name()
		off := r.pos
		kind := r.byte()
		descOff := r.pos
		switch ExternKind(kind) {
		case ExternFunc:
			idx := r.u32()
			l.checkTypeIndex(descOff, idx)
			l.funcs = append(l.funcs, idx)
			l.numImportedFuncs++
		case ExternTable:
			l.readTableType(r)
		case ExternMemory:
			l.readMemoryType(r)
		case ExternGlobal:
			l.readGlobalType(r)
			l.numImportedGlobals++
		default:
			if r.err == nil {
				r.failf(off, "malformed import kind 0x%02x", kind)
			}
		}
	}
}

func (l *loader) readTableType(r *reader) {
	start := r.pos
	t := l.refType(r)
	off := r.pos
	lim := r.limits()
	if r.err != nil {
		return
	}
	if lim.HasMax && lim.Min > lim.Max {
		l.invalidAt(off, "size minimum must not be greater than maximum")
	}
	l.tables = append(l.tables, t)
	if len(l.tables) > 1 && !l.has(ReferenceTypes) {
		l.invalidAt(start, "multiple tables%s", notEnabled(ReferenceTypes))
	}
	if lim.Min > maxTableMin && l.unsupported == nil {
		l.unsupported = &Error{Kind: Unsupported, Offset: uint32(off), Func: -1,
			Msg: sprintf("table of %d elements: at most %d are supported", lim.Min, maxTableMin)}
	}
}

func (l *loader) readMemoryType(r *reader) {
	off := r.pos
	lim := r.limits()
	if r.err != nil {
		return
	}
	if lim.Min > maxPages || lim.HasMax && lim.Max > maxPages {
		l.invalidAt(off, "memory size must be at most 65536 pages (4GiB)")
	} else if lim.HasMax && lim.Min > lim.Max {
		l.invalidAt(off, "size minimum must not be greater than maximum")
	}
	l.numMemories++
	if l.numMemories > 1 {
		l.invalidAt(off, "multiple memories")
	}
}

func (l *loader) readGlobalType(r *reader) {
	t := l.valType(r)
	off := r.pos
	mut := r.byte()
	if mut > 1 && r.err == nil {
		r.failf(off, "malformed mutability 0x%02x", mut)
	}
	l.globals = append(l.globals, GlobalType{Type: t, Mutable: mut == 1})
}

func (l *loader) readFunctions(r *reader) {
	n := r.count()
	for i := uint32(0); i < n && r.err == nil; i++ {
		off := r.pos
		idx := r.u32()
		l.checkTypeIndex(off, idx)
		l.funcs = append(l.funcs, idx)
	}
}

func (l *loader) readTables(r *reader) {
	n := r.count()
	for i := uint32(0); i < n && r.err == nil; i++ {
		l.readTableType(r)
	}
}

func (l *loader) readMemories(r *reader) {
	n := r.count()
	for i := uint32(0); i < n && r.err == nil; i++ {
		l.readMemoryType(r)
	}
}

func (l *loader) readGlobals(r *reader) {
	n := r.count()
	for i := uint32(0); i < n && r.err == nil; i++ {
		l.readGlobalType(r)
		t := l.globals[len(l.globals)-1].Type
		l.m.GlobalInits = append(l.m.GlobalInits, l.constExpr(r, t))
	}
}

func (l *loader) readExports(r *reader) {
	n := r.count()
	seen := make(map[string]bool, r.capFor(n))
	for i := uint32(0); i < n && r.err == nil; i++ {
		nameOff := r.pos
		name := r.name()
		kindOff := r.pos
		kind := ExternKind(r.byte())
		idxOff := r.pos
		idx := r.u32()
		if r.err != nil {
			return
		}
		if seen[name] {
			l.invalidAt(nameOff, "duplicate export name %q", name)
		}
		seen[name] = true
		switch kind {
		case ExternFunc:
			if idx >= uint32(len(l.funcs)) {
				l.invalidAt(idxOff, "unknown function %d", idx)
			}
			l.declare(idx)
			l.funcExports = append(l.funcExports, funcExport{idx, name})
		case ExternTable:
			if idx >= uint32(len(l.tables)) {
				l.invalidAt(idxOff, "unknown table %d", idx)
			}
		case ExternMemory:
			if idx >= l.numMemories {
				l.invalidAt(idxOff, "unknown memory %d", idx)
			}
		case ExternGlobal:
			if idx >= uint32(len(l.globals)) {
				l.invalidAt(idxOff, "unknown global %d", idx)
			}
		default:
			r.failf(kindOff, "malformed export kind 0x%02x", byte(kind))
		}
	}
}

func (l *loader) readStart(r *reader) {
	off := r.pos
	idx := r.u32()
	if r.err != nil {
		return
	}
	l.m.Start = int64(idx)
	l.startOff = off
	if idx >= uint32(len(l.funcs)) {
		l.invalidAt(off, "unknown function %d", idx)
	}
}

// declare adds function idx to the functions ref.func may refer to (the
// spec's C.refs).
func (l *loader) declare(idx uint32) {
	if l.declared == nil {
		l.declared = make([]bool, len(l.funcs))
	}
	if idx < uint32(len(l.declared)) {
		l.declared[idx] = true
	}
}

func (l *loader) readElements(r *reader) {
	n := r.count()
	l.m.Elems = make([]ElemSegment, 0, r.capFor(n))
	for i := uint32(0); i < n && r.err == nil; i++ {
		flagsOff := r.pos
		flags := r.u32()
		seg := ElemSegment{Type: FuncRef}
		tableOff := r.pos
		if !l.has(BulkMemory) {
			// 1.0: a table index in place of the flags, then the offset
			// and function indices of flags 0.
			seg.Table, tableOff, flags = flags, flagsOff, 0
		}
		if flags > 7 && r.err == nil {
			r.failf(flagsOff, "malformed elements segment kind %d", flags)
			return
		}
		switch {
		case flags&1 == 0:
			seg.Mode = SegmentActive
		case flags&2 == 0:
			seg.Mode = SegmentPassive
		default:
			seg.Mode = SegmentDeclarative
		}
		if flags&3 == 2 { // explicit table index
			tableOff = r.pos
			seg.Table = r.u32()
		}
		if seg.Mode == SegmentActive {
			if seg.Table >= uint32(len(l.tables)) {
				l.invalidAt(tableOff, "unknown table %d", seg.Table)
			}
			seg.Offset = l.constExpr(r, I32)
		}
		// Flags 1, 2, 3 carry an element kind; 5, 6, 7 a reference type.
		typeOff := r.pos
		if flags&3 != 0 {
			if flags&4 == 0 {
				if kind := r.byte(); kind != 0 && r.err == nil {
					r.failf(typeOff, "malformed element kind 0x%02x", kind)
				}
			} else {
				seg.Type = l.refType(r)
			}
		}
		if r.err != nil {
			return
		}
		if seg.Mode == SegmentActive && seg.Table < uint32(len(l.tables)) && l.tables[seg.Table] != seg.Type {
			l.invalidAt(typeOff, "type mismatch: %s segment for a table of %s", seg.Type, l.tables[seg.Table])
		}
		if flags&4 == 0 { // function indices
			c := r.count()
			seg.Items = make([]ConstExpr, 0, r.capFor(c))
			for j := uint32(0); j < c; j++ {
				off := r.pos
				idx := r.u32()
				if r.err != nil {
					return
				}
				if idx >= uint32(len(l.funcs)) {
					l.invalidAt(off, "unknown function %d", idx)
				}
				l.declare(idx)
				seg.Items = append(seg.Items, ConstExpr{Op: OpRefFunc, Value: uint64(idx)})
			}
		} else { // expressions
			c := r.count()
			seg.Items = make([]ConstExpr, 0, r.capFor(c))
			for j := uint32(0); j < c; j++ {
				seg.Items = append(seg.Items, l.constExpr(r, seg.Type))
				if r.err != nil {
					return
				}
			}
		}
		l.m.Elems = append(l.m.Elems, seg)
	}
}

func (l *loader) readData(r *reader) {
	n := r.count()
	l.numDatas = n
	l.m.Datas = make([]DataSegment, 0, r.capFor(n))
	for i := uint32(0); i < n && r.err == nil; i++ {
		flagsOff := r.pos
		flags := r.u32()
		var seg DataSegment
		memOff := r.pos
		if !l.has(BulkMemory) {
			// 1.0: a memory index in place of the flags, then the offset
			// and bytes of flags 0.
			seg.Memory, memOff, flags = flags, flagsOff, 0
		}
		switch flags {
		case 0, 2:
			if flags == 2 {
				memOff = r.pos
				seg.Memory = r.u32()
			}
			if seg.Memory >= l.numMemories && r.err == nil {
				l.invalidAt(memOff, "unknown memory %d", seg.Memory)
			}
			seg.Offset = l.constExpr(r, I32)
		case 1:
			seg.Mode = SegmentPassive
		default:
			if r.err == nil {
				r.failf(flagsOff, "malformed data segment kind %d", flags)
			}
			return
		}
		size := r.u32()
		seg.Init = r.bytes(size)
		l.m.Datas = append(l.m.Datas, seg)
	}
}

// readCode reads the function bodies: local declarations and
// instructions.
func (l *loader) readCode(r *reader, s section) {
	n := r.count()
	l.bodies = make([]body, 0, r.capFor(n))
	defined := l.funcs[min(int(l.numImportedFuncs), len(l.funcs)):]
	// A function's slices are built in place in large shared chunks, sized
	// on the bytes of code decoded so far. The first chunks are cautious:
	// compiled code has about two bytes per instruction, 30 per block and
	// 25 per br_table entry, and each takes at least one.
	size := s.end - s.off
	p := &progress{total: size}
	instrs, blocks, brs := newArena[Instr](size/4, p), newArena[Block](size/64, p), newArena[uint32](size/256, p)
	d := &decoder{l: l, code: true, instrArena: instrs, blockArena: blocks, brArena: brs}
	locals := newArena[ValType](size/64, p)
	var decls []localDecl
	var total uint64
	for i := uint32(0); i < n && r.err == nil; i++ {
		fn := int64(l.numImportedFuncs) + int64(i)
		start := r.pos
		p.done = start - s.off
		size := r.u32()
		if r.err != nil {
			return
		}
		if uint64(size) > uint64(r.remaining()) {
			r.fail(start, "unexpected end of section or function: function body too long")
			r.err.Func = fn
			return
		}
		bd := body{start: start, locals: r.pos, end: r.pos + int(size)}
		// Like sections, a body is read past its declared end if need be.
		br := newReader(l.b, bd.locals, len(l.b), "unexpected end of section or function")
		numDecls := br.count()
		var count uint64
		decls = decls[:0]
		for j := uint32(0); j < numDecls && br.err == nil; j++ {
			n := br.u32()
			count += uint64(n)
			decls = append(decls, localDecl{n, l.valType(br)})
		}
		if br.err != nil {
			r.err = br.err
			r.err.Func = fn
			return
		}
		if count > 1<<32-1 {
			r.err = &Error{Kind: Malformed, Offset: uint32(bd.locals), Func: fn, Msg: "too many locals"}
			return
		}
		declared := int(count)
		if int(i) < len(defined) && int(defined[i]) < int(l.numTypes) {
			// Parameters count too; their types are checked by wabin.
			count += uint64(l.numParams(defined[i]))
		}
		total += count
		if count > maxLocals || total > maxModuleLocals {
			r.err = &Error{Kind: Unsupported, Offset: uint32(bd.locals), Func: fn,
				Msg: sprintf("too many locals: %d (wdb supports at most %d per function, %d per module)", count, maxLocals, maxModuleLocals)}
			return
		}
		if declared > 0 {
			ls := locals.start(declared)
			for _, dc := range decls {
				for range dc.n {
					ls = append(ls, dc.t)
				}
			}
			bd.localTypes = locals.finish(ls)
		}
		bd.code = br.pos

		d.r = br
		d.instrs, d.blocks, d.brTable, d.typed = instrs.start(0), blocks.start(0), brs.start(0), d.typed[:0]
		if !d.expr() {
			r.err = br.err
			r.err.Func = fn
			return
		}
		if br.pos != bd.end {
			r.err = &Error{Kind: Malformed, Offset: uint32(min(br.pos, bd.end)), Func: fn,
				Msg: sprintf("section size mismatch: function body of %d bytes, contents of %d", bd.end-bd.locals, br.pos-bd.locals)}
			return
		}
		bd.instrs = instrs.finish(d.instrs)
		bd.blocks = blocks.finish(d.blocks)
		if len(d.brTable) > 0 {
			bd.brTable = brs.finish(d.brTable)
		}
		if len(d.typed) > 0 {
			bd.typed = append([]typedBlock(nil), d.typed...)
		}
		l.bodies = append(l.bodies, bd)
		r.pos = bd.end
	}
}

// numParams returns the parameter count of type idx (wabin has not run yet).
func (l *loader) numParams(idx uint32) uint32 {
	if int(idx) < len(l.paramCounts) {
		return l.paramCounts[idx]
	}
	return 0
}
