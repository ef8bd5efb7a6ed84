package threaded

import (
	"fmt"

	"github.com/wdb-dev/wdb/wasm"
)

// The compiler runs over a function's instructions once with an abstract
// operand stack that says where each operand lives (as Wasm3's compiler
// does):
//
//   - its home, slot tempBase+height;
//   - a local's or a constant's slot: local.get and the constants emit
//     nothing, the operand aliases the slot;
//   - r0 or fp0: the result of an operation stays in the register of its
//     class until something needs the register or a slot.
//
// Invariants that keep aliasing and the registers safe:
//
//   - local.set/tee x first moves every other operand aliasing x home
//     (preserve on write);
//   - at block, loop, if, else and end, at calls and branches, every
//     operand that crosses is put where the code at the other side expects
//     it: all operands at home at the entry of a construct, a label's
//     values at its homes, call arguments at their homes (the callee's
//     frame starts at the first one), and no register live across a call.

// label is an open construct.
type label struct {
	blk     *wasm.Block
	live    bool    // entered from reachable code
	patches []int32 // forward jumps to the continuation (End+1)
	els     int32   // if: the jump to the else arm (-1 once patched)
	head    int32   // loop: the operation at the first instruction of the body
}

type compiler struct {
	fn      *function
	d       *wasm.Func
	mod     *wasm.Module
	precise bool
	watch   bool // a store check before every store (watchVariant)

	code   []inst
	wasmOf []int32
	pos    []int32
	tables [][]int32

	stack  []int32 // operand locations
	r0     int     // the operand in r0, or -1
	fp0    int     // the operand in fp0, or -1
	homeTo int     // operands below this height are all at home
	labels []label
	cur    int // the Wasm instruction being compiled
	consts map[uint64]int32

	// The last operation, when it produced the top operand in a
	// register and can write it to a slot instead: its index, the
	// variant that does, and which immediate holds the destination.
	prod     int
	prodSlot opFn
	prodDst  byte // 'b', 'c' or 'h' (retarget)
	// The last operation, when it is an i32/i64 comparison (or eqz) that
	// produced the top operand in r0: its opcode and operand locations.
	cmpOp      wasm.Opcode
	cmpX, cmpY int
	// The last operation, when it is an i32.add of two slots into r0 (an
	// address a load can compute itself).
	addSS int32

	// regProd[0] and [1] are the producers of the operands in r0 and
	// fp0, while they can still write them to a slot instead: a register
	// operand that must go home then costs no move (the producer writes
	// it there).
	regProd [2]regProducer

	maps *stackMaps
}

// regProducer is the operation that produced a register operand.
type regProducer struct {
	op      int32 // -1: none
	slotFn  opFn
	dst     byte
	mapFrom int // the stack map entries recorded since
}

func (c *compiler) fail(format string, args ...any) {
	panic(compileError{fmt.Errorf("%s at offset 0x%x: %s", c.d.DisplayName(), c.d.Instrs[c.cur].Offset, fmt.Sprintf(format, args...))})
}

type compileError struct{ err error }

// compile translates the function: the fast variant, or the precise one,
// either with store checks (watch), and optionally the stack maps.
func (f *function) compile(precise, watch, maps bool) (v *variant, sm *stackMaps, err error) {
	d := f.def
	c := &compiler{
		fn: f, d: d, mod: f.prog.mod, precise: precise, watch: watch,
		pos:     make([]int32, len(d.Instrs)+1),
		r0:      -1,
		fp0:     -1,
		prod:    -1,
		addSS:   -1,
		regProd: [2]regProducer{{op: -1}, {op: -1}},
		consts:  make(map[uint64]int32, len(f.consts)),
	}
	for i, k := range f.consts {
		c.consts[k] = int32(f.constBase + i)
	}
	if maps {
		c.maps = &stackMaps{start: make([]uint32, len(d.Instrs)+1)}
	}
	defer func() {
		if r := recover(); r != nil {
			ce, ok := r.(compileError)
			if !ok {
				panic(r)
			}
			v, sm, err = nil, nil, ce.err
		}
	}()
	c.labels = append(c.labels, label{blk: &d.Blocks[0], live: true, els: -1})
	for i := range d.Instrs {
		c.cur = i
		c.instr(i)
	}
	c.pos[len(d.Instrs)] = -1
	if maps {
		c.maps.start[len(d.Instrs)] = uint32(len(c.maps.entries))
	}
	v = &variant{fn: f, code: c.code, pos: c.pos, wasmOf: c.wasmOf, tables: c.tables,
		frameSlots: f.frameSlots, precise: precise}
	return v, c.maps, nil
}

// emit appends an operation belonging to the current instruction.
func (c *compiler) emit(fn opFn, a, b int32, imm int64) int32 {
	c.code = append(c.code, inst{fn: fn, a: a, b: b, c: imm})
	c.wasmOf = append(c.wasmOf, int32(c.cur))
	c.prod = -1
	c.cmpOp = 0
	c.addSS = -1
	return int32(len(c.code) - 1)
}

func off(slot int32) int32 { return slot * 8 }

func (c *compiler) home(h int) int32 { return int32(c.fn.tempBase + h) }

func isFloat(t wasm.ValType) bool { return t == wasm.F32 || t == wasm.F64 }

// regOf is the register that caches values of type t.
func regOf(t wasm.ValType) int32 {
	if isFloat(t) {
		return locFP0
	}
	return locR0
}

// typeAt is the type of operand h before the current instruction.
func (c *compiler) typeAt(h int) wasm.ValType {
	info := c.d.Info[c.cur]
	n := info.Top
	for k := int(info.Height) - 1; k > h; k-- {
		n = c.d.TypeNodes[n].Parent
	}
	return c.d.TypeNodes[n].Type
}

// toHome moves operand h to its home.
func (c *compiler) toHome(h int) {
	loc, hm := c.stack[h], c.home(h)
	switch loc {
	case hm:
		return
	case locR0, locFP0:
		if !c.homeByProducer(h, loc) {
			c.emit([2]opFn{opSetR0, opSetFP0}[regIdx(loc)], 0, off(hm), 0)
		}
		c.regFree(loc)
	default:
		c.emit(opMove, off(loc), off(hm), 0)
	}
	c.stack[h] = hm
}

// move emits the move of a value from src (a slot or a register) to slot
// dst, if they differ; the abstract stack does not change.
func (c *compiler) move(src, dst int32) {
	switch src {
	case dst:
	case locR0:
		c.emit(opSetR0, 0, off(dst), 0)
	case locFP0:
		c.emit(opSetFP0, 0, off(dst), 0)
	default:
		c.emit(opMove, off(src), off(dst), 0)
	}
}

// allHome moves every operand home.
func (c *compiler) allHome() {
	for h := c.homeTo; h < len(c.stack); h++ {
		c.toHome(h)
	}
	c.homeTo = len(c.stack)
}

// spillRegs moves the operands held in registers home.
func (c *compiler) spillRegs() {
	if c.r0 >= 0 {
		c.toHome(c.r0)
	}
	if c.fp0 >= 0 {
		c.toHome(c.fp0)
	}
}

// maxPending bounds the operands that are not at home (aliases and
// registers): past it, they all go home. The stack maps then hold at most
// that many entries per boundary, however deep the operand stack (a
// function that pushes thousands of constants would otherwise have maps
// quadratic in its length), and preserving a local scans at most that
// many operands.
const maxPending = 64

func (c *compiler) push(loc int32) {
	if len(c.stack)-c.homeTo >= maxPending {
		c.allHome()
	}
	c.stack = append(c.stack, loc)
	switch loc {
	case locR0:
		c.r0 = len(c.stack) - 1
	case locFP0:
		c.fp0 = len(c.stack) - 1
	default:
		return
	}
	rp := &c.regProd[regIdx(loc)]
	rp.op = -1
	if c.prod >= 0 && c.prod == len(c.code)-1 {
		*rp = regProducer{op: int32(c.prod), slotFn: c.prodSlot, dst: c.prodDst}
		if c.maps != nil {
			rp.mapFrom = len(c.maps.entries)
		}
	}
}

func regIdx(loc int32) int { return int(-loc - 1) }

// regFree notes that register loc holds no operand any more.
func (c *compiler) regFree(loc int32) {
	if loc == locR0 {
		c.r0 = -1
	} else {
		c.fp0 = -1
	}
	c.regProd[regIdx(loc)].op = -1
}

// regRead notes that an operation reads register loc for an operand it
// does not consume (a branch's moves): its producer must keep writing the
// register.
func (c *compiler) regRead(loc int32) {
	if loc < 0 {
		c.regProd[regIdx(loc)].op = -1
	}
}

// retarget makes operation k write its result to slot dst: it becomes
// slotFn, whose immediate field (b, c, or the high half of c) names dst.
func (c *compiler) retarget(k int32, slotFn opFn, field byte, dst int32) {
	in := &c.code[k]
	in.fn = slotFn
	switch field {
	case 'b':
		in.b = off(dst)
	case 'h':
		in.c = in.c&0xffffffff | int64(off(dst))<<32
	default:
		in.c = int64(off(dst))
	}
}

// homeByProducer makes the producer of operand h, in register loc, write
// it to its home instead, if it still can; the stack maps recorded since
// then place the operand at home too.
func (c *compiler) homeByProducer(h int, loc int32) bool {
	from := c.regProd[regIdx(loc)].mapFrom
	hm := c.home(h)
	if !c.writeBy(loc, hm) {
		return false
	}
	if c.maps != nil {
		for i := from; i < len(c.maps.entries); i++ {
			if e := &c.maps.entries[i]; e.pos == int32(h) && e.loc == loc {
				e.loc = hm
			}
		}
	}
	return true
}

// writeBy makes the producer of the operand in register loc write it to
// slot dst instead, if it still can.
func (c *compiler) writeBy(loc, dst int32) bool {
	rp := &c.regProd[regIdx(loc)]
	if rp.op < 0 {
		return false
	}
	k := rp.op
	c.retarget(k, rp.slotFn, rp.dst, dst)
	if k == int32(c.prod) {
		c.prod, c.cmpOp = -1, 0
	}
	rp.op = -1
	return true
}

// pop removes the top operand and returns its location.
func (c *compiler) pop() int32 {
	n := len(c.stack) - 1
	loc := c.stack[n]
	c.stack = c.stack[:n]
	if loc < 0 {
		c.regFree(loc)
	}
	c.homeTo = min(c.homeTo, n)
	return loc
}

// popN removes n operands.
func (c *compiler) popN(n int) {
	for ; n > 0; n-- {
		c.pop()
	}
}

// claim makes the register for a result of type t free: an operand still
// in it moves home.
func (c *compiler) claim(t wasm.ValType) int32 {
	r := regOf(t)
	if r == locR0 && c.r0 >= 0 {
		c.toHome(c.r0)
	}
	if r == locFP0 && c.fp0 >= 0 {
		c.toHome(c.fp0)
	}
	return r
}

// claimsFree reports whether claim(t) would emit nothing, with the top
// operand (in r0) popped.
func (c *compiler) claimsFree(t wasm.ValType) bool {
	return regOf(t) == locR0 || c.fp0 < 0 || c.regProd[1].op >= 0
}

// where is 0 for a register, 1 for a slot; and the slot's byte offset.
func where(loc int32) (int, int32) {
	if loc < 0 {
		return 0, 0
	}
	return 1, off(loc)
}

// record writes the stack map entry of the boundary before instruction i.
func (c *compiler) record(i int) {
	sm := c.maps
	sm.start[i] = uint32(len(sm.entries))
	if c.d.Info[i].Unreachable {
		return
	}
	for h := c.homeTo; h < len(c.stack); h++ {
		if loc := c.stack[h]; loc != c.home(h) {
			sm.entries = append(sm.entries, mapEntry{pos: int32(h), loc: loc})
		}
	}
}

// instr compiles instruction i.
func (c *compiler) instr(i int) {
	d := c.d
	in := &d.Instrs[i]
	live := !d.Info[i].Unreachable
	if c.maps != nil {
		c.record(i)
	}
	c.pos[i] = -1
	if live {
		if i > 0 && d.Instrs[i-1].Op == wasm.OpLoop && !d.Info[i-1].Unreachable {
			c.labels[len(c.labels)-1].head = int32(len(c.code))
		}
		c.pos[i] = int32(len(c.code))
		if c.precise {
			// The step keeps the fusion state: it is not the producer.
			prod, ps, pd, cmp := c.prod, c.prodSlot, c.prodDst, c.cmpOp
			c.emit(opStep, int32(i), 0, 0)
			c.prod, c.prodSlot, c.prodDst, c.cmpOp = prod, ps, pd, cmp
		}
	}
	switch in.Op {
	case wasm.OpBlock, wasm.OpLoop, wasm.OpIf:
		c.open(i, in, live)
		return
	case wasm.OpElse:
		c.elseArm(i)
		return
	case wasm.OpEnd:
		c.end(i)
		return
	}
	if !live {
		return
	}
	switch op := in.Op; op {
	case wasm.OpUnreachable:
		c.emit(opUnreachable, 0, 0, 0)
	case wasm.OpNop:
	case wasm.OpBr:
		c.branch(i, in.A, true)
	case wasm.OpBrIf:
		c.brIf(i, in.A)
	case wasm.OpBrTable:
		c.brTable(i, in)
	case wasm.OpReturn:
		c.ret(i, true)
	case wasm.OpCall:
		c.call(i, in.A)
	case wasm.OpCallIndirect:
		c.callIndirect(i, in)
	case wasm.OpDrop:
		c.pop()
	case wasm.OpSelect, wasm.OpSelectT:
		c.selectOp()
	case wasm.OpLocalGet:
		c.push(int32(in.A))
	case wasm.OpLocalSet, wasm.OpLocalTee:
		c.localSet(int32(in.A), op == wasm.OpLocalTee)
	case wasm.OpGlobalGet:
		t := c.mod.Globals[in.A].Type
		r := c.claim(t)
		fn, slotFn := opGlobalGetR0, opGlobalGetS
		if r == locFP0 {
			fn = opGlobalGetFP0
		}
		c.emit(fn, int32(in.A), 0, 0)
		c.producer(slotFn, 'b')
		c.push(r)
	case wasm.OpGlobalSet:
		loc := c.pop()
		fn := opGlobalSetS
		switch loc {
		case locR0:
			fn = opGlobalSetR0
		case locFP0:
			fn = opGlobalSetFP0
		}
		_, o := where(loc)
		c.emit(fn, int32(in.A), o, 0)
	case wasm.OpI32Const, wasm.OpI64Const, wasm.OpF32Const, wasm.OpF64Const:
		c.push(c.consts[in.C])
	case wasm.OpRefNull:
		c.push(c.consts[0])
	default:
		c.numeric(i, in)
	}
}

// producer notes that the last operation produced the top operand (pushed
// next) in a register, and that slotFn writes it to the slot in immediate
// dst instead.
func (c *compiler) producer(slotFn opFn, dst byte) {
	c.prod, c.prodSlot, c.prodDst = len(c.code)-1, slotFn, dst
}

// numeric compiles the operations of the generated tables, and the rare
// ones that run out of line with their operands at home.
func (c *compiler) numeric(i int, in *wasm.Instr) {
	op := in.Op
	n := len(c.stack)
	if t, ok := binTable[op]; ok {
		rt := resultType(op)
		x, y := c.stack[n-2], c.stack[n-1]
		c.popN(2)
		r := c.claim(rt)
		xi, xo := where(x)
		yi, yo := where(y)
		c.emit(t[xi][yi][0], xo, yo, 0)
		c.producer(t[xi][yi][1], 'c')
		if cmpBrTable[op] != nil {
			c.cmpOp, c.cmpX, c.cmpY = op, xi, yi
		}
		if op == wasm.OpI32Add && xi == 1 && yi == 1 {
			c.addSS = int32(len(c.code) - 1)
		}
		c.push(r)
		return
	}
	if t, ok := unTable[op]; ok {
		rt := resultType(op)
		x := c.pop()
		r := c.claim(rt)
		xi, xo := where(x)
		c.emit(t[xi][0], xo, 0, 0)
		c.producer(t[xi][1], 'c')
		if cmpBrTable[op] != nil {
			c.cmpOp, c.cmpX, c.cmpY = op, xi, 1
		}
		c.push(r)
		return
	}
	if t, ok := loadTable[op]; ok {
		rt := resultType(op)
		if k := c.addSS; !c.precise && k >= 0 && c.wasmOf[k] == int32(i-1) && c.stack[n-1] == locR0 && c.claimsFree(rt) {
			// Fusion: the load computes its address.
			c.pop()
			r := c.claim(rt)
			ft := loadAddTable[op]
			c.code[k].fn, c.code[k].c = ft[0], int64(in.C)
			c.wasmOf[k] = int32(i)
			c.pos[i] = -1
			c.prod, c.prodSlot, c.prodDst = int(k), ft[1], 'h'
			c.push(r)
			return
		}
		a := c.pop()
		r := c.claim(rt)
		ai, ao := where(a)
		c.emit(t[ai][0], ao, 0, int64(in.C))
		c.producer(t[ai][1], 'b')
		c.push(r)
		return
	}
	if t, ok := storeTable[op]; ok {
		a, v := c.stack[n-2], c.stack[n-1]
		if k := c.addSS; !c.precise && !c.watch && k >= 0 && k == int32(len(c.code)-1) && c.wasmOf[k] == int32(i-2) && a == locR0 && v >= 0 {
			// Fusion: the address was the last operation's result and
			// the value a local or a constant; the store computes the
			// address itself, and neither boundary after the add has a
			// position.
			c.code[k].fn, c.code[k].c = storeAddTable[op], int64(in.C)|int64(off(v))<<32
			c.wasmOf[k] = int32(i)
			c.pos[i-1], c.pos[i] = -1, -1
			c.popN(2)
			return
		}
		c.popN(2)
		ai, ao := where(a)
		vi, vo := where(v)
		if c.watch {
			// The check: the address where the store reads it, the
			// width, the static offset and the instruction.
			c.emit([2]opFn{opWatchR, opWatchS}[ai], ao, int32(storeWidth[op]), int64(uint32(in.C))|int64(i)<<32)
		}
		c.emit(t[ai][vi], ao, vo, int64(in.C))
		return
	}
	// Out of line: operands at home, results at home.
	k, results := slowArity(op)
	if k > n {
		c.fail("operand stack underflow")
	}
	for h := n - k; h < n; h++ {
		c.toHome(h)
	}
	c.emit(opSlow, off(c.home(n-k)), int32(i), 0)
	c.popN(k)
	for r := 0; r < results; r++ {
		c.push(c.home(len(c.stack)))
	}
}

// slowArity is the number of operands and results of the instructions
// that run out of line.
func slowArity(op wasm.Opcode) (int, int) {
	switch op {
	case wasm.OpMemorySize, wasm.OpTableSize, wasm.OpRefFunc:
		return 0, 1
	case wasm.OpMemoryGrow, wasm.OpTableGet:
		return 1, 1
	case wasm.OpTableSet:
		return 2, 0
	case wasm.OpTableGrow:
		return 2, 1
	case wasm.OpMemoryInit, wasm.OpMemoryCopy, wasm.OpMemoryFill, wasm.OpTableFill, wasm.OpTableCopy, wasm.OpTableInit:
		return 3, 0
	case wasm.OpDataDrop, wasm.OpElemDrop:
		return 0, 0
	}
	panic(compileError{fmt.Errorf("unsupported instruction 0x%x", op)})
}

// resultType is the type of the result of a numeric instruction.
func resultType(op wasm.Opcode) wasm.ValType {
	switch {
	case op >= wasm.OpI32Eqz && op <= wasm.OpF64Ge, op == wasm.OpRefIsNull:
		return wasm.I32
	case op == wasm.OpI32Load || op >= wasm.OpI32Load8S && op <= wasm.OpI32Load16U:
		return wasm.I32
	case op == wasm.OpI64Load || op >= wasm.OpI64Load8S && op <= wasm.OpI64Load32U:
		return wasm.I64
	case op == wasm.OpF32Load:
		return wasm.F32
	case op == wasm.OpF64Load:
		return wasm.F64
	case op >= wasm.OpI32Clz && op <= wasm.OpI32Rotr, op == wasm.OpI32WrapI64,
		op >= wasm.OpI32TruncF32S && op <= wasm.OpI32TruncF64U, op == wasm.OpI32ReinterpretF32,
		op == wasm.OpI32Extend8S, op == wasm.OpI32Extend16S,
		op >= wasm.OpI32TruncSatF32S && op <= wasm.OpI32TruncSatF64U:
		return wasm.I32
	case op >= wasm.OpI64Clz && op <= wasm.OpI64Rotr, op == wasm.OpI64ExtendI32S, op == wasm.OpI64ExtendI32U,
		op >= wasm.OpI64TruncF32S && op <= wasm.OpI64TruncF64U, op == wasm.OpI64ReinterpretF64,
		op >= wasm.OpI64Extend8S && op <= wasm.OpI64Extend32S,
		op >= wasm.OpI64TruncSatF32S && op <= wasm.OpI64TruncSatF64U:
		return wasm.I64
	case op >= wasm.OpF32Abs && op <= wasm.OpF32Copysign, op >= wasm.OpF32ConvertI32S && op <= wasm.OpF32DemoteF64,
		op == wasm.OpF32ReinterpretI32:
		return wasm.F32
	case op >= wasm.OpF64Abs && op <= wasm.OpF64Copysign, op >= wasm.OpF64ConvertI32S && op <= wasm.OpF64PromoteF32,
		op == wasm.OpF64ReinterpretI64:
		return wasm.F64
	}
	panic(compileError{fmt.Errorf("no result type for 0x%x", op)})
}

// localSet compiles local.set and local.tee of local x.
func (c *compiler) localSet(x int32, tee bool) {
	n := len(c.stack)
	top := c.stack[n-1]
	aliased := false
	for h := c.homeTo; h < n-1; h++ {
		if c.stack[h] == x {
			aliased = true
		}
	}
	// Fusion: the operation that produced the value writes the local.
	if !c.precise && !aliased && c.prod >= 0 && c.prod == len(c.code)-1 && c.wasmOf[c.prod] == int32(c.cur-1) && top < 0 {
		c.retarget(int32(c.prod), c.prodSlot, c.prodDst, x)
		c.prod, c.cmpOp = -1, 0
		c.pos[c.cur] = -1
		c.pop()
		if tee {
			c.push(x)
		}
		return
	}
	if aliased {
		for h := c.homeTo; h < n-1; h++ {
			if c.stack[h] == x {
				c.toHome(h)
			}
		}
	}
	c.move(top, x)
	c.pop()
	if tee {
		c.push(x)
	}
}

// selectOp compiles select: the two values in slots, the condition
// anywhere, the result in the register of its class.
func (c *compiler) selectOp() {
	n := len(c.stack)
	t := c.typeAt(n - 3)
	if t == wasm.Unknown {
		t = c.typeAt(n - 2)
	}
	for h := n - 3; h < n-1; h++ {
		if c.stack[h] < 0 {
			c.toHome(h)
		}
	}
	x, y, cond := c.stack[n-3], c.stack[n-2], c.stack[n-1]
	c.popN(3)
	r := c.claim(t)
	ci, co := where(cond)
	fn := [2][2]opFn{{opSelectR0R, opSelectR0S}, {opSelectFP0R, opSelectFP0S}}[b2idx(r == locFP0)][ci]
	c.emit(fn, off(x), off(y), int64(co))
	c.push(r)
}

func b2idx(b bool) int {
	if b {
		return 1
	}
	return 0
}

// open compiles block, loop and if.
func (c *compiler) open(i int, in *wasm.Instr, live bool) {
	blk := &c.d.Blocks[in.A]
	l := label{blk: blk, live: live, els: -1, head: -1}
	if live {
		if in.Op == wasm.OpIf {
			cond := c.pop()
			c.allHome()
			ci, co := where(cond)
			l.els = c.emit([2]opFn{opBrUnlessR0, opBrUnlessS}[ci], co, 0, 0)
		} else {
			c.allHome()
		}
	}
	c.labels = append(c.labels, l)
}

// patch points the jump at k to the next operation to be emitted, keeping
// its counter adjustment.
func (c *compiler) patch(k int32) {
	disp := int32(len(c.code)) - k
	c.code[k].c = c.code[k].c&^0xffffffff | int64(uint32(disp))
}

// resetTo makes the abstract stack height h, all at home.
func (c *compiler) resetTo(h int) {
	c.stack = c.stack[:0]
	for k := 0; k < h; k++ {
		c.stack = append(c.stack, c.home(k))
	}
	c.r0, c.fp0, c.homeTo = -1, -1, h
	c.prod, c.cmpOp = -1, 0
	c.regProd[0].op, c.regProd[1].op = -1, -1
}

// elseArm compiles else: the then arm's results go home and jump to the
// end; the if's false jump lands here.
func (c *compiler) elseArm(i int) {
	l := &c.labels[len(c.labels)-1]
	if !l.live {
		return
	}
	blk := l.blk
	if !c.d.Info[i].Unreachable {
		c.allHome()
		adj := int64(i + 1 - (blk.End + 1))
		l.patches = append(l.patches, c.emit(opBr, 0, 0, adj<<32))
	}
	if l.els >= 0 {
		c.patch(l.els)
		adj := int64(blk.Start + 1 - (i + 1))
		c.code[l.els].c = c.code[l.els].c&0xffffffff | adj<<32
		l.els = -1
	}
	c.resetTo(blk.Height + len(blk.Type.Params))
}

// end compiles the end of a construct or of the function.
func (c *compiler) end(i int) {
	l := c.labels[len(c.labels)-1]
	c.labels = c.labels[:len(c.labels)-1]
	if !l.live {
		return
	}
	blk := l.blk
	if blk.Kind == wasm.LabelFunc {
		if !c.d.Info[i].Unreachable {
			c.ret(i, false)
		}
		return
	}
	if !c.d.Info[i].Unreachable {
		c.allHome()
	}
	for _, k := range l.patches {
		c.patch(k)
	}
	if l.els >= 0 { // an if without else: false goes past the end
		c.patch(l.els)
		adj := int64(blk.Start + 1 - (i + 1))
		c.code[l.els].c = c.code[l.els].c&0xffffffff | adj<<32
	}
	c.resetTo(blk.Height + len(blk.Type.Results))
}

// target returns the label a branch of the given depth reaches.
func (c *compiler) target(depth uint32) *label {
	return &c.labels[len(c.labels)-1-int(depth)]
}

// branchMoves emits the moves of a branch's values to the label's homes;
// the abstract stack does not change.
func (c *compiler) branchMoves(l *label) {
	blk := l.blk
	n := blk.Arity()
	top := len(c.stack)
	for k := 0; k < n; k++ {
		src := c.stack[top-n+k]
		c.regRead(src)
		c.move(src, c.home(blk.Height+k))
	}
}

// jumpTo emits the jump of a taken branch from instruction i to label l
// (whose values are in place) and returns its index.
func (c *compiler) jumpTo(i int, l *label) {
	blk := l.blk
	if blk.Kind == wasm.LabelLoop {
		k := blk.Start + 1
		j := c.emit(opBrLoop, 0, 0, 0)
		c.code[j].c = int64(i+1-k)<<32 | int64(uint32(l.head-j))
		return
	}
	adj := int64(i + 1 - (blk.End + 1))
	l.patches = append(l.patches, c.emit(opBr, 0, 0, adj<<32))
}

// branch compiles br (and the taken side of a br_if or br_table entry).
func (c *compiler) branch(i int, depth uint32, _ bool) {
	l := c.target(depth)
	if l.blk.Kind == wasm.LabelFunc {
		c.ret(i, true)
		return
	}
	c.branchMoves(l)
	c.jumpTo(i, l)
}

// brIf compiles br_if. Without values to move, an i32/i64 comparison just
// before it in the fast variant becomes a compare-and-branch operation.
func (c *compiler) brIf(i int, depth uint32) {
	l := c.target(depth)
	n := len(c.stack)
	needsMoves := false
	if l.blk.Kind == wasm.LabelFunc {
		needsMoves = true
	} else {
		a := l.blk.Arity()
		for k := 0; k < a; k++ {
			if c.stack[n-1-a+k] != c.home(l.blk.Height+k) {
				needsMoves = true
			}
		}
	}
	if !needsMoves && !c.precise && c.cmpOp != 0 && c.prod >= 0 && c.prod == len(c.code)-1 && c.wasmOf[c.prod] == int32(i-1) && c.stack[n-1] == locR0 {
		// Fuse with the comparison.
		k := int32(c.prod)
		loop := b2idx(l.blk.Kind == wasm.LabelLoop)
		c.code[k].fn = cmpBrTable[c.cmpOp][c.cmpX][c.cmpY][loop]
		c.wasmOf[k] = int32(i)
		c.pos[i] = -1
		c.pop()
		c.prod, c.cmpOp = -1, 0
		c.setJump(i, k, l)
		return
	}
	cond := c.pop()
	ci, co := where(cond)
	if needsMoves {
		skip := c.emit([2]opFn{opBrUnlessR0, opBrUnlessS}[ci], co, 0, 0)
		c.branch(i, depth, true)
		c.patch(skip)
		return
	}
	loop := b2idx(l.blk.Kind == wasm.LabelLoop)
	k := c.emit([2][2]opFn{{opBrIfR0, opBrIfLoopR0}, {opBrIfS, opBrIfLoopS}}[ci][loop], co, 0, 0)
	c.setJump(i, k, l)
}

// setJump fills the jump of operation k, a conditional branch at
// instruction i to label l.
func (c *compiler) setJump(i int, k int32, l *label) {
	if l.blk.Kind == wasm.LabelLoop {
		c.code[k].c = int64(i+1-(l.blk.Start+1))<<32 | int64(uint32(l.head-k))
		return
	}
	c.code[k].c = int64(i+1-(l.blk.End+1)) << 32
	l.patches = append(l.patches, k)
}

// brTable compiles br_table: a jump table of stubs, one per distinct
// target, each moving the values and jumping.
func (c *compiler) brTable(i int, in *wasm.Instr) {
	idx := c.pop()
	ii, io := where(idx)
	depths := c.d.BrTable[in.A : in.A+in.B]
	t := int32(len(c.tables))
	c.tables = append(c.tables, make([]int32, len(depths)))
	c.emit([2]opFn{opBrTableR0, opBrTableS}[ii], io, t, 0)
	stubs := map[uint32]int32{}
	for k, depth := range depths {
		s, ok := stubs[depth]
		if !ok {
			s = int32(len(c.code))
			stubs[depth] = s
			c.branch(i, depth, true)
		}
		c.tables[t][k] = s
	}
}

// ret compiles a return from instruction i (return, a branch to the
// function's label, or the final end): the results go to slots 0..n-1 and
// the frame is left. The abstract stack does not change.
func (c *compiler) ret(i int, _ bool) {
	n := c.fn.numResults
	top := len(c.stack)
	srcs := make([]int32, n)
	copy(srcs, c.stack[top-n:])
	// A result read from a slot below n could be overwritten by an
	// earlier result: read it from its home instead.
	for k, s := range srcs {
		if s >= 0 && s < int32(n) && s != int32(k) {
			hm := c.home(top - n + k)
			c.emit(opMove, off(s), off(hm), 0)
			srcs[k] = hm
		}
	}
	// Fusion: a single result in a register, produced by the previous
	// instruction, is written by its producer straight into slot 0 (the
	// fast variant then has no boundary at this instruction).
	if !c.precise && n == 1 && srcs[0] < 0 && c.prod >= 0 && c.prod == len(c.code)-1 &&
		c.wasmOf[c.prod] == int32(i-1) && c.regProd[regIdx(srcs[0])].op == int32(c.prod) {
		c.writeBy(srcs[0], 0)
		c.pos[i] = -1
		srcs[0] = 0
	}
	if n == 1 && srcs[0] != 0 {
		// One result: the return moves it.
		c.regRead(srcs[0])
		switch s := srcs[0]; s {
		case locR0:
			c.emit(opReturnR0, int32(i+1), 0, 0)
		case locFP0:
			c.emit(opReturnFP0, int32(i+1), 0, 0)
		default:
			c.emit(opReturnS, int32(i+1), off(s), 0)
		}
		return
	}
	for k, s := range srcs {
		c.regRead(s)
		c.move(s, int32(k))
	}
	c.emit(opReturn, int32(i+1), 0, 0)
}

// callArgs puts the top n operands at their homes and frees the
// registers; it returns the height of the first argument.
func (c *compiler) callArgs(n int) int {
	c.spillRegs()
	top := len(c.stack)
	for h := top - n; h < top; h++ {
		c.toHome(h)
	}
	return top - n
}

// call compiles a call of function fn.
func (c *compiler) call(i int, fn uint32) {
	ft := c.mod.Funcs[fn].Type
	h0 := c.callArgs(len(ft.Params))
	op := opCall
	if c.mod.Funcs[fn].Import != nil {
		op = opCallHost
	}
	c.emit(op, int32(fn), c.home(h0), int64(i+1))
	c.popN(len(ft.Params))
	for range ft.Results {
		c.push(c.home(len(c.stack)))
	}
}

// callIndirect compiles call_indirect: the arguments and the element index
// at their homes; b is the first argument's slot, a the type, and c packs
// the table (high 32 bits) and the resume index.
func (c *compiler) callIndirect(i int, in *wasm.Instr) {
	ft := &c.mod.Types[in.A]
	h0 := c.callArgs(len(ft.Params) + 1)
	c.emit(opCallIndirect, int32(in.A), c.home(h0), int64(in.B)<<32|int64(i+1))
	c.popN(len(ft.Params) + 1)
	for range ft.Results {
		c.push(c.home(len(c.stack)))
	}
}
