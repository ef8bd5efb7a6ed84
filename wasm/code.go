package wasm

// Instruction decoding: function bodies and constant expressions are
// decoded into Instrs (with their file offsets) and the skeleton of Blocks
// (kinds, nesting, start/else/end indices, block types). Decoding checks the
// binary format only; typing is the validator's job.

// Immediate kinds of the one-byte opcodes.
const (
	immIllegal = iota
	immNone
	immBlock // block type
	immElse
	immEnd
	immIndex // one u32 index into A
	immBrTable
	immCallIndirect
	immMemArg
	immZeroByte // memory.size, memory.grow
	immI32
	immI64
	immF32
	immF64
	immRefType // ref.null
	immSelectT
	immPrefixFC
	immPrefixFD
)

var immKinds = func() (k [256]uint8) {
	set := func(kind uint8, ops ...Opcode) {
		for _, op := range ops {
			k[op] = kind
		}
	}
	set(immNone, OpUnreachable, OpNop, OpReturn, OpDrop, OpSelect, OpRefIsNull)
	set(immBlock, OpBlock, OpLoop, OpIf)
	set(immElse, OpElse)
	set(immEnd, OpEnd)
	set(immIndex, OpBr, OpBrIf, OpCall, OpLocalGet, OpLocalSet, OpLocalTee,
		OpGlobalGet, OpGlobalSet, OpTableGet, OpTableSet, OpRefFunc)
	set(immBrTable, OpBrTable)
	set(immCallIndirect, OpCallIndirect)
	for op := OpI32Load; op <= OpI64Store32; op++ {
		k[op] = immMemArg
	}
	set(immZeroByte, OpMemorySize, OpMemoryGrow)
	set(immI32, OpI32Const)
	set(immI64, OpI64Const)
	set(immF32, OpF32Const)
	set(immF64, OpF64Const)
	for op := OpI32Eqz; op <= OpI64Extend32S; op++ {
		k[op] = immNone
	}
	set(immRefType, OpRefNull)
	set(immSelectT, OpSelectT)
	k[0xfc] = immPrefixFC
	k[0xfd] = immPrefixFD
	return k
}()

// Shared one-element result lists for block types (never modified).
var (
	typesI32       = []ValType{I32}
	typesI64       = []ValType{I64}
	typesF32       = []ValType{F32}
	typesF64       = []ValType{F64}
	typesFuncRef   = []ValType{FuncRef}
	typesExternRef = []ValType{ExternRef}
)

func singleType(t ValType) []ValType {
	switch t {
	case I32:
		return typesI32
	case I64:
		return typesI64
	case F32:
		return typesF32
	case F64:
		return typesF64
	case FuncRef:
		return typesFuncRef
	case ExternRef:
		return typesExternRef
	}
	return nil
}

// typedBlock is a block whose type is a type index, resolved once the
// types are known.
type typedBlock struct {
	block   int // index into the function's Blocks
	typeIdx uint32
}

// decoder decodes expressions into its slices: for function bodies, slices
// built in place in the arenas (readCode finishes them); for constant
// expressions, scratch space reused from one expression to the next.
type decoder struct {
	l       *loader
	r       *reader
	instrs  []Instr
	blocks  []Block
	brTable []uint32
	typed   []typedBlock
	open    []int32 // stack of the constructs being decoded, as local block indices
	// code is set when decoding function bodies, not constant expressions.
	code bool
	// The arenas the slices are built in; nil for constant expressions.
	instrArena *arena[Instr]
	blockArena *arena[Block]
	brArena    *arena[uint32]
}

// expr decodes one expression, up to and including the end that closes it.
// It returns false if decoding failed (d.r.err is set).
func (d *decoder) expr() bool {
	r := d.r
	ibase, bbase, tbase := len(d.instrs), len(d.blocks), len(d.brTable)
	d.blocks = append(d.blockArena.grow(d.blocks, 1), Block{Kind: LabelFunc, Start: -1, Else: -1, End: -1, Parent: -1})
	d.open = append(d.open[:0], 0)
	for len(d.open) > 0 {
		if r.pos >= r.end {
			r.fail(r.pos, "unexpected end of section or function: END opcode expected")
			return false
		}
		off := r.pos
		op := r.b[off]
		r.pos++
		in := Instr{Op: Opcode(op), Offset: uint32(off)}
		if f := opcodeFeature(in.Op); f != 0 && !d.l.has(f) {
			r.failf(off, "illegal opcode 0x%02x%s", op, notEnabled(f))
			return false
		}
		idx := len(d.instrs) - ibase // this instruction's index
		switch immKinds[op] {
		case immNone:
		case immBlock:
			kind := LabelBlock + LabelKind(op-byte(OpBlock))
			local := len(d.blocks) - bbase
			blk := Block{Kind: kind, Start: idx, Else: -1, End: -1, Parent: d.open[len(d.open)-1]}
			blk.Type.Results = d.blockType(local)
			if len(d.blocks) == cap(d.blocks) {
				d.blocks = d.blockArena.grow(d.blocks, 1)
			}
			d.blocks = append(d.blocks, blk)
			d.open = append(d.open, int32(local))
			in.A = uint32(local)
		case immElse:
			top := d.open[len(d.open)-1]
			b := &d.blocks[bbase+int(top)]
			if b.Kind != LabelIf || b.Else >= 0 {
				r.fail(off, "END opcode expected: else outside an if")
				return false
			}
			b.Else = idx
			in.A = uint32(top)
		case immEnd:
			top := d.open[len(d.open)-1]
			d.open = d.open[:len(d.open)-1]
			d.blocks[bbase+int(top)].End = idx
			in.A = uint32(top)
		case immIndex:
			in.A = r.u32()
		case immBrTable:
			n := r.count()
			in.A = uint32(len(d.brTable) - tbase)
			in.B = n + 1
			for i := uint32(0); i <= n && r.err == nil; i++ {
				if len(d.brTable) == cap(d.brTable) {
					d.brTable = d.brArena.grow(d.brTable, 1)
				}
				d.brTable = append(d.brTable, r.u32())
			}
		case immCallIndirect:
			in.A = r.u32()
			if d.l.has(ReferenceTypes) {
				in.B = r.u32()
			} else {
				d.zeroByte() // 1.0: reserved, table 0
			}
		case immMemArg:
			d.memArg(&in)
		case immZeroByte:
			d.zeroByte()
		case immI32:
			in.C = uint64(uint32(r.s32()))
		case immI64:
			in.C = uint64(r.s64())
		case immF32:
			in.C = uint64(r.f32())
		case immF64:
			in.C = r.f64()
		case immRefType:
			in.A = uint32(r.refType())
		case immSelectT:
			n := r.count()
			if n != 1 {
				d.l.invalidAt(off, "invalid result arity: select with %d types", n)
			}
			for i := uint32(0); i < n && r.err == nil; i++ {
				t := r.valType()
				if i == 0 {
					in.A = uint32(t)
				}
			}
		case immPrefixFC:
			d.prefixFC(&in)
		case immPrefixFD:
			r.unsupported(off, "SIMD instructions are not supported")
		default:
			r.failf(off, "illegal opcode 0x%02x%s", op, proposal(opcodeProposals, op))
		}
		if r.err != nil {
			return false
		}
		if len(d.instrs) == cap(d.instrs) {
			d.instrs = d.instrArena.grow(d.instrs, 1)
		}
		d.instrs = append(d.instrs, in)
	}
	return true
}

// blockType decodes a block type: empty, one value type (returned as the
// result list), or a type index (recorded in d.typed; nil returned).
func (d *decoder) blockType(block int) []ValType {
	r := d.r
	off := r.pos
	if r.pos < r.end {
		switch c := r.b[r.pos]; {
		case c == 0x40:
			r.pos++
			return nil
		case c == byte(V128):
			r.unsupported(off, "SIMD (v128) is not supported")
			return nil
		case c >= 0x40 && c < 0x80: // a negative one-byte s33: a value type
			return singleType(d.l.valType(r))
		}
	}
	v := r.s33()
	if r.err != nil {
		return nil
	}
	if v < 0 {
		r.failf(off, "malformed block type %d", v)
		return nil
	}
	if !d.l.has(MultiValue) {
		r.failf(off, "malformed block type: type index %d%s", v, notEnabled(MultiValue))
		return nil
	}
	if v >= int64(d.l.numTypes) {
		d.l.invalidAt(off, "unknown type %d", v)
		return nil
	}
	d.typed = append(d.typed, typedBlock{block: block, typeIdx: uint32(v)})
	return nil
}

func (d *decoder) memArg(in *Instr) {
	r := d.r
	off := r.pos
	align := r.u32()
	if align >= 32 && r.err == nil {
		r.failf(off, "malformed memop flags 0x%x", align)
	}
	in.A = align
	in.C = uint64(r.u32())
}

func (d *decoder) zeroByte() {
	r := d.r
	off := r.pos
	if c := r.byte(); c != 0 && r.err == nil {
		r.fail(off, "zero byte expected")
	}
}

// prefixFC decodes the 0xFC instructions: saturating truncations, bulk
// memory and table instructions.
func (d *decoder) prefixFC(in *Instr) {
	r := d.r
	sub := r.u32()
	if r.err != nil {
		return
	}
	in.Op = Opcode(0xfc00 | sub)
	if sub > 0x11 {
		r.failf(int(in.Offset), "illegal opcode 0xfc %d", sub)
		return
	}
	if f := opcodeFeature(in.Op); !d.l.has(f) {
		r.failf(int(in.Offset), "illegal opcode 0xfc %d%s", sub, notEnabled(f))
		return
	}
	switch in.Op {
	case OpMemoryInit, OpDataDrop:
		if d.code && d.l.dataUse < 0 {
			d.l.dataUse = int(in.Offset)
		}
		in.A = r.u32()
		if in.Op == OpMemoryInit {
			d.zeroByte()
		}
	case OpMemoryCopy:
		d.zeroByte()
		d.zeroByte()
	case OpMemoryFill:
		d.zeroByte()
	case OpTableInit, OpTableCopy:
		// table.init: elem then table; table.copy: destination then source.
		in.A = r.u32()
		in.B = r.u32()
	case OpElemDrop, OpTableGrow, OpTableSize, OpTableFill:
		in.A = r.u32()
	}
}
