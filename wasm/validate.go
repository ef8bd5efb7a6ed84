package wasm

// Validation of function bodies, following the spec's algorithm (appendix
// "Validation Algorithm"), producing the analysis as it goes: the operand
// stack is a persistent list of type nodes (Func.TypeNodes), so recording
// the stack before an instruction costs one InstrInfo, not a copy.

// sig is the operand and result types of a simple instruction.
type sig struct {
	a, b ValType // operands, first pushed first; b is 0 for unary ones
	r    ValType // result
}

var numSigs = func() (s [256]sig) {
	set := func(from, to Opcode, g sig) {
		for op := from; op <= to; op++ {
			s[op] = g
		}
	}
	set(OpI32Eqz, OpI32Eqz, sig{I32, 0, I32})
	set(OpI32Eq, OpI32GeU, sig{I32, I32, I32})
	set(OpI64Eqz, OpI64Eqz, sig{I64, 0, I32})
	set(OpI64Eq, OpI64GeU, sig{I64, I64, I32})
	set(OpF32Eq, OpF32Ge, sig{F32, F32, I32})
	set(OpF64Eq, OpF64Ge, sig{F64, F64, I32})
	set(OpI32Clz, OpI32Popcnt, sig{I32, 0, I32})
	set(OpI32Add, OpI32Rotr, sig{I32, I32, I32})
	set(OpI64Clz, OpI64Popcnt, sig{I64, 0, I64})
	set(OpI64Add, OpI64Rotr, sig{I64, I64, I64})
	set(OpF32Abs, OpF32Sqrt, sig{F32, 0, F32})
	set(OpF32Add, OpF32Copysign, sig{F32, F32, F32})
	set(OpF64Abs, OpF64Sqrt, sig{F64, 0, F64})
	set(OpF64Add, OpF64Copysign, sig{F64, F64, F64})
	set(OpI32WrapI64, OpI32WrapI64, sig{I64, 0, I32})
	set(OpI32TruncF32S, OpI32TruncF32U, sig{F32, 0, I32})
	set(OpI32TruncF64S, OpI32TruncF64U, sig{F64, 0, I32})
	set(OpI64ExtendI32S, OpI64ExtendI32U, sig{I32, 0, I64})
	set(OpI64TruncF32S, OpI64TruncF32U, sig{F32, 0, I64})
	set(OpI64TruncF64S, OpI64TruncF64U, sig{F64, 0, I64})
	set(OpF32ConvertI32S, OpF32ConvertI32U, sig{I32, 0, F32})
	set(OpF32ConvertI64S, OpF32ConvertI64U, sig{I64, 0, F32})
	set(OpF32DemoteF64, OpF32DemoteF64, sig{F64, 0, F32})
	set(OpF64ConvertI32S, OpF64ConvertI32U, sig{I32, 0, F64})
	set(OpF64ConvertI64S, OpF64ConvertI64U, sig{I64, 0, F64})
	set(OpF64PromoteF32, OpF64PromoteF32, sig{F32, 0, F64})
	set(OpI32ReinterpretF32, OpI32ReinterpretF32, sig{F32, 0, I32})
	set(OpI64ReinterpretF64, OpI64ReinterpretF64, sig{F64, 0, I64})
	set(OpF32ReinterpretI32, OpF32ReinterpretI32, sig{I32, 0, F32})
	set(OpF64ReinterpretI64, OpF64ReinterpretI64, sig{I64, 0, F64})
	set(OpI32Extend8S, OpI32Extend16S, sig{I32, 0, I32})
	set(OpI64Extend8S, OpI64Extend32S, sig{I64, 0, I64})
	return s
}()

// truncSatSigs are the signatures of the 0xFC 0..7 conversions.
var truncSatSigs = [8]sig{
	{F32, 0, I32}, {F32, 0, I32}, {F64, 0, I32}, {F64, 0, I32},
	{F32, 0, I64}, {F32, 0, I64}, {F64, 0, I64}, {F64, 0, I64},
}

// memOp describes a load or store: the value type and the natural
// alignment exponent.
type memOp struct {
	t     ValType
	align uint32
}

var memOps = [...]memOp{ // indexed by op - OpI32Load
	{I32, 2}, {I64, 3}, {F32, 2}, {F64, 3}, // i32.load .. f64.load
	{I32, 0}, {I32, 0}, {I32, 1}, {I32, 1}, // i32.load8_s .. i32.load16_u
	{I64, 0}, {I64, 0}, {I64, 1}, {I64, 1}, {I64, 2}, {I64, 2}, // i64.load8_s .. i64.load32_u
	{I32, 2}, {I64, 3}, {F32, 2}, {F64, 3}, // i32.store .. f64.store
	{I32, 0}, {I32, 1}, {I64, 0}, {I64, 1}, {I64, 2}, // i32.store8 .. i64.store32
}

// frame is an entry of the validator's control stack.
type frame struct {
	block           int32 // index into Func.Blocks
	kind            LabelKind
	params, results []ValType
	height          int   // operand stack height on entry, below the parameters
	top             int32 // top type node at that height
	paramsTop       int32 // top type node with the parameters pushed, for else
	// unreachable is the spec's flag: the rest of the frame's code is
	// unreachable and its operand stack polymorphic.
	unreachable bool
	// entryDead: the construct is entered from dead code. dead: the code
	// at this point is dead (also after a nested construct whose end is
	// never reached). Both affect only the analysis, not typing.
	entryDead, dead bool
	// reached: some path leads past the end (a branch to the label, the
	// end reached, or an if's false path).
	reached bool
}

func (f *frame) labelTypes() []ValType {
	if f.kind == LabelLoop {
		return f.params
	}
	return f.results
}

func (f *frame) live() bool { return !f.dead && !f.unreachable }

// validator validates one function at a time; its slices are reused.
type validator struct {
	l       *loader
	m       *Module
	f       *Func
	locals  []ValType  // parameters, then declared locals
	nodes   []TypeNode // built in place in nodeArena
	top     int32
	height  int
	maxH    int
	frames  []frame
	off     uint32 // offset of the instruction being validated
	scratch []ValType
	err     *Error

	nodeArena *arena[TypeNode]
}

func (v *validator) fail(format string, args ...any) {
	if v.err == nil {
		v.err = &Error{Kind: Invalid, Offset: v.off, Func: int64(v.f.Index), Msg: sprintf(format, args...)}
	}
}

func (v *validator) push(t ValType) {
	v.nodes = append(v.nodes, TypeNode{Type: t, Parent: v.top})
	v.top = int32(len(v.nodes) - 1)
	v.height++
	if v.height > v.maxH {
		v.maxH = v.height
	}
}

func (v *validator) pushVals(ts []ValType) {
	for _, t := range ts {
		v.push(t)
	}
}

// pop pops an operand of any type; Unknown when the stack is polymorphic.
func (v *validator) pop() ValType {
	fr := &v.frames[len(v.frames)-1]
	if v.height == fr.height {
		if !fr.unreachable {
			v.fail("type mismatch: operand stack is empty")
		}
		return Unknown
	}
	n := v.nodes[v.top]
	v.top = n.Parent
	v.height--
	return n.Type
}

func (v *validator) popExpect(want ValType) ValType {
	fr := &v.frames[len(v.frames)-1]
	if v.height == fr.height {
		if !fr.unreachable {
			v.fail("type mismatch: expected %s, operand stack is empty", want)
		}
		return want
	}
	got := v.pop()
	if got != want && got != Unknown && want != Unknown {
		v.fail("type mismatch: expected %s, found %s", want, got)
	}
	return got
}

func (v *validator) popVals(ts []ValType) {
	for i := len(ts) - 1; i >= 0; i-- {
		v.popExpect(ts[i])
	}
}

// setUnreachable marks the rest of the current frame unreachable and
// drops its operands.
func (v *validator) setUnreachable() {
	fr := &v.frames[len(v.frames)-1]
	fr.unreachable = true
	v.height, v.top = fr.height, fr.top
}

// label returns the frame a branch of the given depth targets.
func (v *validator) label(depth uint32) *frame {
	if depth >= uint32(len(v.frames)) {
		v.fail("unknown label %d", depth)
		return nil
	}
	t := &v.frames[len(v.frames)-1-int(depth)]
	if t.kind != LabelLoop && v.frames[len(v.frames)-1].live() {
		t.reached = true
	}
	return t
}

func (v *validator) checkMemory() bool {
	if len(v.m.Memories) == 0 {
		v.fail("unknown memory 0")
		return false
	}
	return true
}

func (v *validator) table(idx uint32) (ValType, bool) {
	if idx >= uint32(len(v.m.Tables)) {
		v.fail("unknown table %d", idx)
		return 0, false
	}
	return v.m.Tables[idx].Elem, true
}

// validateFuncs validates every defined function and fills in its analysis.
func (l *loader) validateFuncs() *Error {
	m := l.m
	var total int
	for _, f := range m.Funcs[m.NumImportedFuncs:] {
		total += len(f.Instrs)
	}
	// One instruction, one InstrInfo. Type nodes are built in place in an
	// arena sized on the instructions validated so far: compiled code
	// pushes about two types for every three instructions. A function
	// starts with room for one per instruction; the rare one that pushes
	// more has its nodes moved out of the arena by append.
	infos := make([]InstrInfo, total)
	p := &progress{total: total}
	v := &validator{l: l, m: m, nodeArena: newArena[TypeNode](total/4, p)}
	for _, f := range m.Funcs[m.NumImportedFuncs:] {
		n := len(f.Instrs)
		f.Info, infos = infos[:n:n], infos[n:]
		v.nodes = v.nodeArena.start(n)
		v.run(f)
		if v.err != nil {
			return v.err
		}
		f.TypeNodes = v.nodeArena.finish(v.nodes)
		p.done += n
	}
	return nil
}

func (v *validator) run(f *Func) {
	v.f = f
	v.locals = append(append(v.locals[:0], f.Type.Params...), f.Locals...)
	v.top, v.height, v.maxH = -1, 0, 0
	f.Blocks[0].Type = FuncType{Results: f.Type.Results}
	v.frames = append(v.frames[:0], frame{kind: LabelFunc, results: f.Type.Results, top: -1, paramsTop: -1})
	for i := range f.Instrs {
		in := &f.Instrs[i]
		fr := &v.frames[len(v.frames)-1]
		f.Info[i] = InstrInfo{Height: uint32(v.height), Top: v.top, Block: fr.block, Unreachable: !fr.live()}
		v.off = in.Offset
		v.instr(in)
		if v.err != nil {
			return
		}
	}
	f.MaxHeight = v.maxH
}

func (v *validator) instr(in *Instr) {
	m := v.m
	switch op := in.Op; op {
	case OpUnreachable:
		v.setUnreachable()
	case OpNop:
	case OpBlock, OpLoop, OpIf:
		if op == OpIf {
			v.popExpect(I32)
		}
		v.enter(in.A)
	case OpElse:
		fr := &v.frames[len(v.frames)-1]
		if fr.live() {
			fr.reached = true
		}
		v.endArm(fr)
		v.top, v.height = fr.paramsTop, fr.height+len(fr.params)
		fr.unreachable = false
		fr.dead = fr.entryDead
	case OpEnd:
		v.end()
	case OpBr:
		if t := v.label(in.A); t != nil {
			v.popVals(t.labelTypes())
			v.setUnreachable()
		}
	case OpBrIf:
		v.popExpect(I32)
		if t := v.label(in.A); t != nil {
			v.passThrough(t.labelTypes())
		}
	case OpBrTable:
		v.brTable(in)
	case OpReturn:
		v.popVals(v.f.Type.Results)
		v.setUnreachable()
	case OpCall:
		if in.A >= uint32(len(m.Funcs)) {
			v.fail("unknown function %d", in.A)
			return
		}
		t := m.Funcs[in.A].Type
		v.popVals(t.Params)
		v.pushVals(t.Results)
	case OpCallIndirect:
		elem, ok := v.table(in.B)
		if !ok {
			return
		}
		if elem != FuncRef {
			v.fail("type mismatch: call_indirect on a table of %s", elem)
			return
		}
		if in.A >= uint32(len(m.Types)) {
			v.fail("unknown type %d", in.A)
			return
		}
		t := &m.Types[in.A]
		v.popExpect(I32)
		v.popVals(t.Params)
		v.pushVals(t.Results)
	case OpDrop:
		v.pop()
	case OpSelect:
		v.popExpect(I32)
		t1, t2 := v.pop(), v.pop()
		switch {
		case t1.IsRef() || t2.IsRef():
			v.fail("type mismatch: select without a type on references")
		case t1 != t2 && t1 != Unknown && t2 != Unknown:
			v.fail("type mismatch: select on %s and %s", t2, t1)
		}
		if t1 == Unknown {
			t1 = t2
		}
		v.push(t1)
	case OpSelectT:
		t := ValType(in.A)
		v.popExpect(I32)
		v.popExpect(t)
		v.popExpect(t)
		v.push(t)
	case OpLocalGet, OpLocalSet, OpLocalTee:
		if in.A >= uint32(len(v.locals)) {
			v.fail("unknown local %d", in.A)
			return
		}
		t := v.locals[in.A]
		if op != OpLocalGet {
			v.popExpect(t)
		}
		if op != OpLocalSet {
			v.push(t)
		}
	case OpGlobalGet, OpGlobalSet:
		if in.A >= uint32(len(m.Globals)) {
			v.fail("unknown global %d", in.A)
			return
		}
		g := m.Globals[in.A]
		if op == OpGlobalGet {
			v.push(g.Type)
			return
		}
		if !g.Mutable {
			v.fail("global is immutable: global %d", in.A)
			return
		}
		v.popExpect(g.Type)
	case OpTableGet:
		if t, ok := v.table(in.A); ok {
			v.popExpect(I32)
			v.push(t)
		}
	case OpTableSet:
		if t, ok := v.table(in.A); ok {
			v.popExpect(t)
			v.popExpect(I32)
		}
	case OpMemorySize:
		if v.checkMemory() {
			v.push(I32)
		}
	case OpMemoryGrow:
		if v.checkMemory() {
			v.popExpect(I32)
			v.push(I32)
		}
	case OpI32Const:
		v.push(I32)
	case OpI64Const:
		v.push(I64)
	case OpF32Const:
		v.push(F32)
	case OpF64Const:
		v.push(F64)
	case OpRefNull:
		v.push(ValType(in.A))
	case OpRefIsNull:
		if t := v.pop(); !t.IsRef() && t != Unknown {
			v.fail("type mismatch: ref.is_null on %s", t)
		}
		v.push(I32)
	case OpRefFunc:
		if in.A >= uint32(len(m.Funcs)) {
			v.fail("unknown function %d", in.A)
			return
		}
		if int(in.A) >= len(v.l.declared) || !v.l.declared[in.A] {
			v.fail("undeclared function reference %d", in.A)
			return
		}
		v.push(FuncRef)
	default:
		switch {
		case op >= OpI32Load && op <= OpI64Store32:
			v.memAccess(in)
		case op < 0x100:
			s := numSigs[op]
			if s.b != 0 {
				v.popExpect(s.b)
			}
			v.popExpect(s.a)
			v.push(s.r)
		default:
			v.prefixFC(in)
		}
	}
}

// enter starts the block, loop or if whose Blocks index is blk.
func (v *validator) enter(blk uint32) {
	b := &v.f.Blocks[blk]
	parent := &v.frames[len(v.frames)-1]
	parentUnreachable, entryDead := parent.unreachable, !parent.live()
	top, height := v.top, v.height
	v.popVals(b.Type.Params)
	b.Height = v.height
	fr := frame{
		block: int32(blk), kind: b.Kind, params: b.Type.Params, results: b.Type.Results,
		height: v.height, top: v.top, entryDead: entryDead, dead: entryDead,
	}
	if parentUnreachable {
		// The parameters came from a polymorphic stack: they are the
		// declared types from now on.
		v.pushVals(b.Type.Params)
	} else {
		v.top, v.height = top, height
	}
	fr.paramsTop = v.top
	v.frames = append(v.frames, fr)
}

// endArm checks the operands at the end of a block or an if's arm.
func (v *validator) endArm(fr *frame) {
	v.popVals(fr.results)
	if v.height != fr.height && v.err == nil {
		v.fail("type mismatch: %d values left on the operand stack at the end of a %s", v.height-fr.height, fr.kind)
	}
}

func (v *validator) end() {
	fr := &v.frames[len(v.frames)-1]
	if fr.live() {
		fr.reached = true
	}
	if fr.kind == LabelIf && v.f.Blocks[fr.block].Else < 0 {
		// No else: the false path passes the parameters through.
		if !equalTypes(fr.params, fr.results) {
			v.fail("type mismatch: if without else must leave its parameters unchanged")
			return
		}
		if !fr.entryDead {
			fr.reached = true
		}
	}
	top, height := v.top, v.height
	v.endArm(fr)
	if v.err != nil {
		return
	}
	if fr.unreachable {
		v.pushVals(fr.results)
	} else {
		v.top, v.height = top, height // the results are already there
	}
	reached := fr.reached
	v.frames = v.frames[:len(v.frames)-1]
	if n := len(v.frames); n > 0 && !reached {
		v.frames[n-1].dead = true
	}
}

// popPush checks that the top operands have types ts, leaving them on the
// stack. Operands missing from a polymorphic stack stay unknown (Wasm 2.0:
// the labels of a br_table in dead code need not agree on types).
func (v *validator) popPush(ts []ValType) {
	top, height := v.top, v.height
	v.popVals(ts)
	v.top, v.height = top, height
}

// passThrough pops ts and pushes them back (br_if).
func (v *validator) passThrough(ts []ValType) {
	top, height := v.top, v.height
	v.popVals(ts)
	if v.frames[len(v.frames)-1].unreachable {
		v.pushVals(ts)
	} else {
		v.top, v.height = top, height
	}
}

func (v *validator) brTable(in *Instr) {
	v.popExpect(I32)
	targets := v.f.BrTable[in.A : in.A+in.B]
	def := v.label(targets[len(targets)-1])
	if def == nil {
		return
	}
	arity := len(def.labelTypes())
	for _, depth := range targets[:len(targets)-1] {
		t := v.label(depth)
		if t == nil {
			return
		}
		if len(t.labelTypes()) != arity {
			v.fail("type mismatch: br_table targets with %d and %d values", len(t.labelTypes()), arity)
			return
		}
		if !v.m.Features.Has(ReferenceTypes) && !equalTypes(t.labelTypes(), def.labelTypes()) {
			// 1.0: the labels agree on types, even in dead code.
			v.fail("type mismatch: br_table targets of types %v and %v", t.labelTypes(), def.labelTypes())
			return
		}
		v.popPush(t.labelTypes())
	}
	v.popVals(def.labelTypes())
	v.setUnreachable()
}

func (v *validator) memAccess(in *Instr) {
	if !v.checkMemory() {
		return
	}
	mo := memOps[in.Op-OpI32Load]
	if in.A > mo.align {
		v.fail("alignment must not be larger than natural: 2^%d > 2^%d", in.A, mo.align)
		return
	}
	if in.Op >= OpI32Store {
		v.popExpect(mo.t)
		v.popExpect(I32)
		return
	}
	v.popExpect(I32)
	v.push(mo.t)
}

func (v *validator) prefixFC(in *Instr) {
	m := v.m
	op := in.Op
	if op <= OpI64TruncSatF64U {
		s := truncSatSigs[op-OpI32TruncSatF32S]
		v.popExpect(s.a)
		v.push(s.r)
		return
	}
	switch op {
	case OpMemoryInit, OpDataDrop:
		if op == OpMemoryInit && !v.checkMemory() {
			return
		}
		if int64(in.A) >= m.DataCount {
			v.fail("unknown data segment %d", in.A)
			return
		}
		if op == OpMemoryInit {
			v.popVals(threeI32)
		}
	case OpMemoryCopy, OpMemoryFill:
		if v.checkMemory() {
			v.popVals(threeI32)
		}
	case OpTableInit:
		t, ok := v.table(in.B)
		if !ok {
			return
		}
		if in.A >= uint32(len(m.Elems)) {
			v.fail("unknown elem segment %d", in.A)
			return
		}
		if e := m.Elems[in.A].Type; e != t {
			v.fail("type mismatch: table.init of %s into a table of %s", e, t)
			return
		}
		v.popVals(threeI32)
	case OpElemDrop:
		if in.A >= uint32(len(m.Elems)) {
			v.fail("unknown elem segment %d", in.A)
		}
	case OpTableCopy:
		dst, ok := v.table(in.A)
		if !ok {
			return
		}
		src, ok := v.table(in.B)
		if !ok {
			return
		}
		if dst != src {
			v.fail("type mismatch: table.copy from %s to %s", src, dst)
			return
		}
		v.popVals(threeI32)
	case OpTableGrow:
		if t, ok := v.table(in.A); ok {
			v.popExpect(I32)
			v.popExpect(t)
			v.push(I32)
		}
	case OpTableSize:
		if _, ok := v.table(in.A); ok {
			v.push(I32)
		}
	case OpTableFill:
		if t, ok := v.table(in.A); ok {
			v.popExpect(I32)
			v.popExpect(t)
			v.popExpect(I32)
		}
	}
}

var threeI32 = []ValType{I32, I32, I32}

func equalTypes(a, b []ValType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// validateStart checks the start function's signature.
func (l *loader) validateStart() *Error {
	m := l.m
	if m.Start < 0 {
		return nil
	}
	if t := m.Funcs[m.Start].Type; len(t.Params) != 0 || len(t.Results) != 0 {
		return &Error{Kind: Invalid, Offset: uint32(l.startOff), Func: -1,
			Msg: sprintf("start function must have type [] -> [], not %v", t)}
	}
	return nil
}

// constExpr decodes and validates a constant expression of type want.
// Validation errors are kept in l.invalid; a zero ConstExpr is returned for
// an invalid expression.
func (l *loader) constExpr(r *reader, want ValType) ConstExpr {
	d := &l.constDecoder
	d.l, d.r = l, r
	d.instrs, d.blocks, d.brTable, d.typed = d.instrs[:0], d.blocks[:0], d.brTable[:0], d.typed[:0]
	start := r.pos
	if !d.expr() {
		return ConstExpr{}
	}
	var ce ConstExpr
	n := 0 // operands on the stack
	var t ValType
	body := d.instrs[:len(d.instrs)-1]
	for _, in := range body {
		switch in.Op {
		case OpI32Const, OpI64Const, OpF32Const, OpF64Const:
			t = [...]ValType{I32, I64, F32, F64}[in.Op-OpI32Const]
			ce = ConstExpr{Op: in.Op, Value: in.C}
		case OpRefNull:
			t = ValType(in.A)
			ce = ConstExpr{Op: in.Op, Value: uint64(in.A)}
		case OpRefFunc:
			if in.A >= uint32(len(l.funcs)) {
				l.invalidAt(int(in.Offset), "unknown function %d", in.A)
				return ConstExpr{}
			}
			l.declare(in.A)
			t = FuncRef
			ce = ConstExpr{Op: in.Op, Value: uint64(in.A)}
		case OpGlobalGet:
			// Only imported globals may be read (Wasm 2.0).
			if in.A >= l.numImportedGlobals {
				l.invalidAt(int(in.Offset), "unknown global %d", in.A)
				return ConstExpr{}
			}
			g := l.globals[in.A]
			if g.Mutable {
				l.invalidAt(int(in.Offset), "constant expression required: global %d is mutable", in.A)
				return ConstExpr{}
			}
			t = g.Type
			ce = ConstExpr{Op: in.Op, Value: uint64(in.A)}
		default:
			l.invalidAt(int(in.Offset), "constant expression required: %s is not constant", in.Op)
			return ConstExpr{}
		}
		n++
	}
	if n != 1 || t != want {
		found := "[]"
		if n == 1 {
			found = "[" + t.String() + "]"
		} else if n > 1 {
			found = sprintf("%d values", n)
		}
		l.invalidAt(start, "type mismatch: constant expression of type [%s] has %s", want, found)
		return ConstExpr{}
	}
	return ce
}
