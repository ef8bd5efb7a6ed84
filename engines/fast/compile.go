package fast

import (
	"fmt"
	"math/bits"
	"slices"
	"sync"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

func init() { engines.Register(Engine{}) }

// Engine is the fast (register) interpreter.
type Engine struct{}

// Name returns "fast".
func (Engine) Name() string { return "fast" }

// program is a compiled module. It is shared by its instances, which may
// run on several goroutines: the functions are translated on first need
// (function.translated), each once, under a sync.Once.
type program struct {
	mod     *wasm.Module
	opts    engines.Options
	funcs   []*function
	typeIDs []uint32
	// maxLen is the length of the longest function in Wasm instructions:
	// the fast variant never runs more than that between check points.
	maxLen int
}

// variant is one translation of a function body: fast (fused, no
// boundaries) or precise (an opStep before every reachable instruction,
// no fusion). Both use the same frame layout and the same stack maps.
type variant struct {
	code []op
	// pos[i] is the op index at which execution stands at the boundary
	// before Wasm instruction i (-1: unreachable, or inside a fused op).
	// pos[len(Instrs)] is unused.
	pos []int32
	// wasm[k] is the Wasm instruction that op k belongs to.
	wasm []int32
	// Side tables of the out-of-line ops.
	brTables [][]brEntry
	moves    [][]move // multi-value returns
	// frameCells is the function's (both variants have the same layout),
	// here so that a call reads it from the variant it is about to run.
	frameCells int
}

// untranslated stands, in a machine's tables of active variants, for a
// function the machine has not called yet. Its frame never fits the stack,
// so the inline call path, which compares the frame with the stack anyway,
// falls to callSlow, which translates the function (enter) and patches the
// table: the first call of each function per machine pays, the others
// do not, and the dispatch loop has no check of its own for it.
var untranslated = &variant{frameCells: 1 << 30}

// function is one function of the index space.
//
// The frame layout and the fast variant are made by translated, once:
// read them only after calling it, or from a frame of a function the
// machine has entered (which did).
type function struct {
	// What every call reads, first and together.
	paramCells int
	localCells int      // parameters and declared locals (translated)
	pool       []uint32 // the constant pool, copied after the locals at every call (translated)

	index    uint32
	def      *wasm.Func
	typeID   uint32
	imported bool
	prog     *program

	numParams, numResults int
	resultCells           int

	once       sync.Once
	err        error
	localOff   []uint32 // cell offset of each local
	homeBase   int      // cell offset of the operand homes
	frameCells int      // locals + pool + operand homes
	fast       *variant

	preciseOnce sync.Once
	precise     *variant // made by preciseVariant

	watchOnce sync.Once
	watch     *variant // made by watchVariant

	maps     *stackMaps // built on first use (snapshot.go)
	mapsOnce sync.Once
}

// translated makes the frame layout and the fast variant of a function of
// the module, the first time anything needs them (a call, Start, Call,
// Restore); safe for concurrent use.
func (fn *function) translated() error {
	fn.once.Do(func() { fn.err = fn.prog.compileFunc(fn) })
	return fn.err
}

// preciseVariant returns the precise variant, translating it on first
// need. The fast translation of the same body must have succeeded.
func (fn *function) preciseVariant() *variant {
	fn.preciseOnce.Do(func() {
		if err := fn.translated(); err != nil {
			panic(err)
		}
		t, err := fn.prog.translate(fn, false, false, nil)
		if err != nil {
			panic(err) // the fast translation of the same body succeeded
		}
		t.v.frameCells = fn.frameCells
		fn.precise = t.v
	})
	if fn.precise == nil {
		panic(fmt.Sprintf("fast: %s: no precise translation", fn.def.DisplayName()))
	}
	return fn.precise
}

// watchVariant returns the variant functions run while stores are
// watched (StoreWatcher), made on first need: the fast variant with
// opWatchStore over every store, or the fast variant itself in a function
// without stores. Every op keeps its index, so the positions, side tables
// and stack maps are the fast variant's. f must be translated already.
func (fn *function) watchVariant() *variant {
	fn.watchOnce.Do(func() {
		fn.watch = fn.fast
		if !slices.ContainsFunc(fn.fast.code, func(o op) bool { return storeSize(o.code) > 0 }) {
			return
		}
		v := *fn.fast
		v.code = slices.Clone(fn.fast.code)
		for k := range v.code {
			if o := &v.code[k]; storeSize(o.code) > 0 {
				o.code, o.n = opWatchStore, uint16(o.code)
			}
		}
		fn.watch = &v
	})
	return fn.watch
}

// brEntry is one target of a br_table.
type brEntry struct {
	target int32 // op index (unused for a return)
	delta  int32 // counter adjustment
	ret    bool  // targets the function label
	loop   bool
	moves  []move // copies of the branch arguments
}

// move copies one value between frame positions (byte offsets).
type move struct {
	src, dst uint32
	wide     bool
}

// cells is the number of 32-bit cells a value of type t occupies.
func cells(t wasm.ValType) int {
	switch t {
	case wasm.I32, wasm.F32:
		return 1
	}
	return 2
}

// Compile prepares the module for the engine. It translates nothing:
// each function is translated into register code on first need
// (function.translated), so a program pays only for the functions it
// runs (a Go program runs a few hundred of its thousands).
func (Engine) Compile(m *wasm.Module, opts engines.Options) (engines.Program, error) {
	if opts.MaxCallDepth <= 0 {
		opts.MaxCallDepth = engines.DefaultMaxCallDepth
	}
	p := &program{mod: m, opts: opts}
	p.typeIDs = engines.CanonicalTypes(m.Types)
	fns := make([]function, len(m.Funcs))
	p.funcs = make([]*function, len(m.Funcs))
	for i, f := range m.Funcs {
		fn := &fns[i]
		fn.index = uint32(i)
		fn.prog = p
		fn.def = f
		fn.typeID = p.typeIDs[f.TypeIndex]
		fn.imported = f.Import != nil
		fn.numParams = len(f.Type.Params)
		fn.numResults = len(f.Type.Results)
		for _, t := range f.Type.Params {
			fn.paramCells += cells(t)
		}
		for _, t := range f.Type.Results {
			fn.resultCells += cells(t)
		}
		if !fn.imported {
			if len(f.Instrs) == 0 || len(f.Info) != len(f.Instrs) {
				return nil, fmt.Errorf("fast: %s has no analysed body (was the module loaded by wasm.Load?)", f.DisplayName())
			}
			p.maxLen = max(p.maxLen, len(f.Instrs))
		}
		p.funcs[i] = fn
	}
	return p, nil
}

// Module returns the compiled module.
func (p *program) Module() *wasm.Module { return p.mod }

// compileFunc lays out fn's frame and makes its fast variant (under
// fn.once: see translated).
func (p *program) compileFunc(fn *function) error {
	f := fn.def
	nl := f.NumLocals()
	fn.localOff = make([]uint32, nl)
	c := 0
	for i := 0; i < nl; i++ {
		t := f.LocalType(uint32(i))
		if t == wasm.V128 {
			return fmt.Errorf("fast: %s: v128 values are not supported", f.DisplayName())
		}
		fn.localOff[i] = uint32(c)
		c += cells(t)
	}
	fn.localCells = c
	var consts []uint32
	fn.pool, consts = constPool(f)
	fn.homeBase = fn.localCells + len(fn.pool)
	fast, err := p.translate(fn, true, false, consts)
	if err != nil {
		return err
	}
	fn.frameCells = fn.homeBase + fast.maxCells + 2
	fast.v.frameCells = fn.frameCells
	fn.fast = fast.v
	return nil
}

// constPool returns the function's constant pool (every constant of the
// body, once, in order of first appearance) and, for each constant
// instruction of the body in order, dead code included, the cell of its
// value in the pool. Duplicates are found with an open-addressing table:
// a Go map keyed by the constant was a third of the translation's time.
func constPool(f *wasm.Func) (pool, cells []uint32) {
	n := 0
	for i := range f.Instrs {
		if _, _, ok := constKey(&f.Instrs[i]); ok {
			n++
		}
	}
	if n == 0 {
		return nil, nil
	}
	type slot struct {
		bits uint64
		cell uint32 // pool cell + 1; 0: free
		wide bool
	}
	shift := uint(64 - bits.Len(uint(2*n-1)))
	table := make([]slot, 1<<(64-shift))
	mask := uint64(len(table) - 1)
	cells = make([]uint32, 0, n)
	for i := range f.Instrs {
		wide, v, ok := constKey(&f.Instrs[i])
		if !ok {
			continue
		}
		h := (v ^ uint64(b2i(wide))<<63) * 0x9e3779b97f4a7c15 >> shift
		for {
			sl := &table[h]
			if sl.cell == 0 {
				sl.bits, sl.wide, sl.cell = v, wide, uint32(len(pool))+1
				if wide {
					pool = append(pool, uint32(v), uint32(v>>32))
				} else {
					pool = append(pool, uint32(v))
				}
			}
			if sl.bits == v && sl.wide == wide {
				cells = append(cells, sl.cell-1)
				break
			}
			h = (h + 1) & mask
		}
	}
	return pool, cells
}

// constKey says whether in is a constant, and its value: 64 bits (wide)
// or 32.
func constKey(in *wasm.Instr) (wide bool, v uint64, ok bool) {
	switch in.Op {
	case wasm.OpI32Const, wasm.OpF32Const:
		return false, in.C & 0xffffffff, true
	case wasm.OpI64Const, wasm.OpF64Const:
		return true, in.C, true
	case wasm.OpRefNull:
		return true, 0, true
	}
	return false, 0, false
}

// Operand locations in the abstract stack of the translator.
const (
	inHome  uint8 = iota // the operand's own slot, fixed by its height
	inLocal              // aliases a local (local.get folded away)
	inConst              // a constant of the pool
)

// operand is one entry of the translator's abstract operand stack.
type operand struct {
	kind uint8
	typ  wasm.ValType
	idx  uint32 // local index, or the pool cell of a constant
	home uint32 // cell offset of its home above homeBase
}

// ctrl is one open block of the translator.
type ctrl struct {
	blk   *wasm.Block
	entry []operand // the stack below the block's parameters at entry
}

type fixup struct {
	op     int // index of the jump op to patch (or -1-entry index for br_table)
	target int // Wasm instruction index
	table  int // br_table index, or -1
	entry  int
}

// translator turns one function body into one variant.
type translator struct {
	p      *program
	fn     *function
	f      *wasm.Func
	fuse   bool
	record bool // build stack maps instead of code

	v        *variant
	cur      int // the Wasm instruction being translated
	stack    []operand
	ctrls    []ctrl
	maxCells int
	fixups   []fixup
	consts   []uint32 // pool cell of each constant instruction, in order (constPool)
	nconst   int      // constant instructions translated so far
	maps     *stackMaps
	// fusedAt is the op index a fusion may patch: the single op emitted by
	// the previous instruction, or -1.
	lastOp   int
	lastOpOf int
	brTables [][]brEntry
	moves    [][]move
}

// translate makes one variant of fn, whose layout is set, or its stack
// maps (record). consts are the constants' cells constPool returns (nil:
// compute them again).
// it again).
func (p *program) translate(fn *function, fuse, record bool, consts []uint32) (*translator, error) {
	f := fn.def
	t := &translator{p: p, fn: fn, f: f, fuse: fuse, record: record, v: &variant{}, lastOp: -1, lastOpOf: -1}
	t.v.pos = make([]int32, len(f.Instrs)+1)
	// The fast code has about one op for two instructions (local.get and
	// constants fold away); the precise code adds a step per instruction.
	n := len(f.Instrs)/2 + 4
	if !fuse {
		n += len(f.Instrs)
	}
	if !record {
		t.v.code, t.v.wasm = make([]op, 0, n), make([]int32, 0, n)
	}
	if consts == nil {
		_, consts = constPool(f)
	}
	t.consts = consts
	if record {
		t.maps = &stackMaps{start: make([]uint32, len(f.Instrs)+1)}
	}
	t.ctrls = append(t.ctrls, ctrl{blk: &f.Blocks[0]})
	for i := range f.Instrs {
		t.cur = i
		if err := t.instr(i); err != nil {
			return nil, err
		}
	}
	if record {
		t.maps.start[len(f.Instrs)] = uint32(len(t.maps.entries))
		return t, nil
	}
	for _, fx := range t.fixups {
		target := t.v.pos[fx.target]
		if target < 0 {
			return nil, fmt.Errorf("fast: %s: internal error: jump to instruction %d, which has no position", f.DisplayName(), fx.target)
		}
		if fx.table >= 0 {
			t.brTables[fx.table][fx.entry].target = target
		} else {
			t.v.code[fx.op].t = target
		}
	}
	t.v.brTables, t.v.moves = t.brTables, t.moves
	return t, nil
}

// emit appends an op belonging to the current instruction.
func (t *translator) emit(o op) int {
	t.v.code = append(t.v.code, o)
	t.v.wasm = append(t.v.wasm, int32(t.cur))
	return len(t.v.code) - 1
}

// loc is the byte offset of an operand's current location.
func (t *translator) loc(e operand) uint32 {
	switch e.kind {
	case inLocal:
		return t.fn.localOff[e.idx] * 4
	case inConst:
		return e.idx * 4
	}
	return (uint32(t.fn.homeBase) + e.home) * 4
}

func (t *translator) homeOf(e operand) uint32 { return (uint32(t.fn.homeBase) + e.home) * 4 }

// push pushes an operand of type typ in its home and returns its offset.
func (t *translator) pushHome(typ wasm.ValType) uint32 {
	e := operand{kind: inHome, typ: typ, home: t.nextHome()}
	t.stack = append(t.stack, e)
	t.maxCells = max(t.maxCells, int(e.home)+cells(typ))
	return t.homeOf(e)
}

func (t *translator) nextHome() uint32 {
	if n := len(t.stack); n > 0 {
		top := t.stack[n-1]
		return top.home + uint32(cells(top.typ))
	}
	return 0
}

func (t *translator) pushOperand(e operand) {
	e.home = t.nextHome()
	t.stack = append(t.stack, e)
	t.maxCells = max(t.maxCells, int(e.home)+cells(e.typ))
}

func (t *translator) pop() operand {
	e := t.stack[len(t.stack)-1]
	t.stack = t.stack[:len(t.stack)-1]
	return e
}

// mov emits a copy of a value of type typ.
func (t *translator) mov(src, dst uint32, typ wasm.ValType) {
	if src == dst {
		return
	}
	code := opMov32
	if cells(typ) == 2 {
		code = opMov64
	}
	t.emit(op{code: code, a: src, c: dst})
}

// materialize moves stack entry k into its home.
func (t *translator) materialize(k int) {
	e := &t.stack[k]
	if e.kind == inHome {
		return
	}
	t.mov(t.loc(*e), t.homeOf(*e), e.typ)
	e.kind = inHome
}

// preserve moves every operand that aliases local x into its home, before
// x changes (skip: an entry not to touch, or -1).
func (t *translator) preserve(x uint32, skip int) {
	for k := range t.stack {
		if k != skip && t.stack[k].kind == inLocal && t.stack[k].idx == x {
			t.materialize(k)
		}
	}
}

// enterBlock materializes what a block needs at entry: every operand that
// aliases a local (a local.set inside must not change it, whichever path
// reaches the end) and the block's parameters.
func (t *translator) enterBlock(b *wasm.Block) {
	for k := range t.stack {
		if t.stack[k].kind == inLocal || k >= b.Height {
			t.materialize(k)
		}
	}
	entry := append([]operand(nil), t.stack[:b.Height]...)
	t.ctrls = append(t.ctrls, ctrl{blk: b, entry: entry})
}

// resetTo sets the abstract stack to a block's entry state plus the given
// types in their homes.
func (t *translator) resetTo(c *ctrl, types []wasm.ValType) {
	t.stack = append(t.stack[:0], c.entry...)
	for _, ty := range types {
		t.pushHome(ty)
	}
}

// branchMoves computes the copies that carry a branch's arguments (the
// top arity operands) into the label's homes.
func (t *translator) branchMoves(b *wasm.Block) []move {
	return t.movesToHomes(b, b.Arity())
}

// movesToHomes computes the copies that carry the top n operands into the
// homes of b's values (right above b's height).
func (t *translator) movesToHomes(b *wasm.Block, n int) []move {
	var out []move
	home := uint32(0)
	if b.Height > 0 {
		below := t.stack[b.Height-1]
		home = below.home + uint32(cells(below.typ))
	}
	for k := len(t.stack) - n; k < len(t.stack); k++ {
		e := t.stack[k]
		dst := (uint32(t.fn.homeBase) + home) * 4
		if src := t.loc(e); src != dst {
			out = append(out, move{src: src, dst: dst, wide: cells(e.typ) == 2})
		}
		home += uint32(cells(e.typ))
	}
	return out
}

func (t *translator) emitMoves(ms []move) {
	for _, m := range ms {
		code := opMov32
		if m.wide {
			code = opMov64
		}
		t.emit(op{code: code, a: m.src, c: m.dst})
	}
}

// jump emits an unconditional jump to the continuation of label b.
func (t *translator) jumpTo(b *wasm.Block, code opcode, cond uint32) {
	k := b.Continuation()
	o := op{code: code, a: cond, d: int32(t.cur + 1 - k)}
	if b.Kind == wasm.LabelLoop {
		o.t = t.v.pos[k]
		switch code {
		case opJmp:
			o.code = opBrLoop
		case opBrIf:
			o.code = opBrIfLoop
		}
		t.emit(o)
		return
	}
	at := t.emit(o)
	t.fixups = append(t.fixups, fixup{op: at, target: k, table: -1})
}

// ret emits the function's return of the top numResults operands.
func (t *translator) ret() {
	n := t.fn.numResults
	switch {
	case n == 0:
		t.emit(op{code: opReturn, d: int32(t.cur + 1)})
	case n == 1:
		e := t.stack[len(t.stack)-1]
		t.emit(op{code: opReturn, a: t.loc(e), n: uint16(cells(e.typ)), d: int32(t.cur + 1)})
	default:
		var ms []move
		dst := uint32(0)
		for _, e := range t.stack[len(t.stack)-n:] {
			ms = append(ms, move{src: t.loc(e), dst: dst * 4, wide: cells(e.typ) == 2})
			dst += uint32(cells(e.typ))
		}
		t.moves = append(t.moves, ms)
		t.emit(op{code: opReturnN, a: uint32(len(t.moves) - 1), d: int32(t.cur + 1)})
	}
}

// instr translates instruction i.
func (t *translator) instr(i int) error {
	f := t.f
	in := &f.Instrs[i]
	info := &f.Info[i]
	if info.Unreachable {
		t.v.pos[i] = -1
		if _, _, ok := constKey(in); ok {
			t.nconst++ // constPool counts dead code's constants too
		}
		// Keep the block structure.
		switch in.Op {
		case wasm.OpBlock, wasm.OpLoop, wasm.OpIf:
			b := &f.Blocks[in.A]
			t.ctrls = append(t.ctrls, ctrl{blk: b, entry: append([]operand(nil), t.stack[:min(b.Height, len(t.stack))]...)})
		case wasm.OpElse:
			c := &t.ctrls[len(t.ctrls)-1]
			t.resetTo(c, c.blk.Type.Params)
		case wasm.OpEnd:
			if i < len(f.Instrs)-1 {
				c := t.ctrls[len(t.ctrls)-1]
				t.ctrls = t.ctrls[:len(t.ctrls)-1]
				t.resetTo(&c, c.blk.Type.Results)
			}
		}
		if t.record {
			t.maps.start[i] = uint32(len(t.maps.entries))
		}
		return nil
	}
	if len(t.stack) != int(info.Height) {
		return fmt.Errorf("fast: %s at offset 0x%x: internal error: stack height %d, the analysis says %d", f.DisplayName(), in.Offset, len(t.stack), info.Height)
	}
	if t.record {
		t.maps.start[i] = uint32(len(t.maps.entries))
		for k, e := range t.stack {
			if e.kind != inHome {
				t.maps.entries = append(t.maps.entries, mapEntry{pos: uint32(k), kind: e.kind, idx: e.idx})
			}
		}
	}
	t.v.pos[i] = int32(len(t.v.code))
	if !t.fuse {
		t.emit(op{code: opStep, a: uint32(i)})
	}
	startLen := len(t.v.code)
	defer func() {
		if len(t.v.code) == startLen+1 {
			t.lastOp, t.lastOpOf = startLen, i
		} else {
			t.lastOp, t.lastOpOf = -1, -1
		}
	}()
	fail := func(format string, args ...any) error {
		return fmt.Errorf("fast: %s at offset 0x%x: %s", f.DisplayName(), in.Offset, fmt.Sprintf(format, args...))
	}

	switch in.Op {
	case wasm.OpNop:
	case wasm.OpUnreachable:
		t.emit(op{code: opTrap})
	case wasm.OpBlock, wasm.OpLoop:
		t.enterBlock(&f.Blocks[in.A])
	case wasm.OpIf:
		b := &f.Blocks[in.A]
		cond := t.pop()
		t.enterBlock(b)
		k := b.End + 1
		if b.Else >= 0 {
			k = b.Else + 1
		}
		at := t.emit(op{code: opBrUnless, a: t.loc(cond), d: int32(i + 1 - k)})
		t.fixups = append(t.fixups, fixup{op: at, target: k, table: -1})
	case wasm.OpElse:
		c := &t.ctrls[len(t.ctrls)-1]
		t.emitMoves(t.branchMoves(c.blk))
		at := t.emit(op{code: opJmp, d: int32(i + 1 - (c.blk.End + 1))})
		t.fixups = append(t.fixups, fixup{op: at, target: c.blk.End + 1, table: -1})
		t.resetTo(c, c.blk.Type.Params)
	case wasm.OpEnd:
		if i == len(f.Instrs)-1 {
			t.ret()
			return nil
		}
		c := t.ctrls[len(t.ctrls)-1]
		t.ctrls = t.ctrls[:len(t.ctrls)-1]
		t.emitMoves(t.branchMovesEnd(c.blk))
		t.resetTo(&c, c.blk.Type.Results)
	case wasm.OpBr:
		b := f.LabelTarget(i, in.A)
		if b.Kind == wasm.LabelFunc {
			t.ret()
			return nil
		}
		t.emitMoves(t.branchMoves(b))
		t.jumpTo(b, opJmp, 0)
	case wasm.OpBrIf:
		cond := t.pop()
		b := f.LabelTarget(i, in.A)
		if b.Kind == wasm.LabelFunc {
			skip := t.emit(op{code: opBrUnless, a: t.loc(cond)})
			t.ret()
			t.v.code[skip].t = int32(len(t.v.code))
			return nil
		}
		ms := t.branchMoves(b)
		if len(ms) == 0 {
			if t.fuse && t.fuseCompare(cond, b) {
				return nil
			}
			t.jumpTo(b, opBrIf, t.loc(cond))
			return nil
		}
		skip := t.emit(op{code: opBrUnless, a: t.loc(cond)})
		t.emitMoves(ms)
		t.jumpTo(b, opJmp, 0)
		t.v.code[skip].t = int32(len(t.v.code))
	case wasm.OpBrTable:
		idx := t.pop()
		depths := f.BrTable[in.A : in.A+in.B]
		entries := make([]brEntry, len(depths))
		tab := len(t.brTables)
		for k, d := range depths {
			b := f.LabelTarget(i, d)
			if b.Kind == wasm.LabelFunc {
				entries[k] = brEntry{ret: true}
				continue
			}
			c := b.Continuation()
			entries[k] = brEntry{delta: int32(i + 1 - c), loop: b.Kind == wasm.LabelLoop, moves: t.branchMoves(b)}
			if b.Kind == wasm.LabelLoop {
				entries[k].target = t.v.pos[c]
			} else {
				t.fixups = append(t.fixups, fixup{target: c, table: tab, entry: k})
			}
		}
		t.brTables = append(t.brTables, entries)
		// A return needs the function's result moves.
		var retOp op
		for _, e := range entries {
			if e.ret {
				t.ret()
				retOp = t.v.code[len(t.v.code)-1]
				t.v.code = t.v.code[:len(t.v.code)-1]
				t.v.wasm = t.v.wasm[:len(t.v.wasm)-1]
				break
			}
		}
		t.emit(op{code: opBrTable, a: uint32(tab), b: t.loc(idx), c: retOp.a, n: retOp.n, t: int32(retOp.code), d: int32(i + 1)})
	case wasm.OpReturn:
		t.ret()
	case wasm.OpCall:
		callee := t.p.mod.Funcs[in.A]
		t.call(len(callee.Type.Params), callee.Type.Results, func(args uint32) {
			code := opCall
			if callee.Import != nil {
				code = opCallImport
			}
			t.emit(op{code: code, a: in.A, b: args / 4, d: int32(i + 1)})
		})
	case wasm.OpCallIndirect:
		ft := &t.p.mod.Types[in.A]
		idx := t.pop()
		t.call(len(ft.Params), ft.Results, func(args uint32) {
			t.emit(op{code: opCallIndirect, a: t.p.typeIDs[in.A], b: args / 4, c: t.loc(idx), t: int32(in.B)})
		})
	case wasm.OpDrop:
		t.pop()
	case wasm.OpSelect, wasm.OpSelectT:
		cond, b, a := t.pop(), t.pop(), t.pop()
		code := opSelect32
		if cells(a.typ) == 2 {
			code = opSelect64
		}
		dst := t.pushHome(a.typ)
		t.emit(op{code: code, a: t.loc(a), b: t.loc(b), c: dst, t: int32(t.loc(cond))})
	case wasm.OpLocalGet:
		t.pushOperand(operand{kind: inLocal, typ: f.LocalType(in.A), idx: in.A})
	case wasm.OpLocalSet, wasm.OpLocalTee:
		tee := in.Op == wasm.OpLocalTee
		v := t.stack[len(t.stack)-1]
		if !tee {
			t.pop()
		}
		if v.kind == inLocal && v.idx == in.A {
			break
		}
		skip := -1
		if tee {
			skip = len(t.stack) - 1
		}
		t.preserve(in.A, skip)
		dst := t.fn.localOff[in.A] * 4
		if t.fuse && v.kind == inHome && t.lastOpOf == i-1 && len(t.v.code) == t.lastOp+1 && fusable(t.v.code[t.lastOp]) && t.v.code[t.lastOp].c == t.homeOf(v) {
			t.v.code[t.lastOp].c = dst
			t.v.pos[i] = -1
		} else {
			t.mov(t.loc(v), dst, v.typ)
		}
		if tee {
			t.stack[len(t.stack)-1].kind = inLocal
			t.stack[len(t.stack)-1].idx = in.A
		}
	case wasm.OpGlobalGet:
		typ := t.p.mod.Globals[in.A].Type
		code := opGlobalGet32
		if cells(typ) == 2 {
			code = opGlobalGet64
		}
		dst := t.pushHome(typ)
		t.emit(op{code: code, a: in.A, c: dst})
	case wasm.OpGlobalSet:
		v := t.pop()
		code := opGlobalSet32
		if cells(v.typ) == 2 {
			code = opGlobalSet64
		}
		t.emit(op{code: code, a: t.loc(v), b: in.A})
	case wasm.OpI32Const, wasm.OpF32Const:
		t.pushOperand(operand{kind: inConst, typ: t.typeAfter(i), idx: t.constCell()})
	case wasm.OpI64Const, wasm.OpF64Const:
		t.pushOperand(operand{kind: inConst, typ: t.typeAfter(i), idx: t.constCell()})
	case wasm.OpRefNull:
		t.pushOperand(operand{kind: inConst, typ: wasm.ValType(in.A), idx: t.constCell()})
	case wasm.OpRefFunc:
		dst := t.pushHome(wasm.FuncRef)
		t.emit(op{code: opRefFunc, a: in.A, c: dst})

	case wasm.OpI32Load, wasm.OpI64Load, wasm.OpF32Load, wasm.OpF64Load,
		wasm.OpI32Load8S, wasm.OpI32Load8U, wasm.OpI32Load16S, wasm.OpI32Load16U,
		wasm.OpI64Load8S, wasm.OpI64Load8U, wasm.OpI64Load16S, wasm.OpI64Load16U,
		wasm.OpI64Load32S, wasm.OpI64Load32U:
		if in.B != 0 {
			return fail("multiple memories are not supported")
		}
		if in.C > 0xffffffff {
			return fail("offset %d too large", in.C)
		}
		addr := t.pop()
		dst := t.pushHome(t.typeAfter(i))
		t.emit(op{code: wasmOp(in.Op), a: t.loc(addr), c: dst, t: int32(uint32(in.C))})
	case wasm.OpI32Store, wasm.OpI64Store, wasm.OpF32Store, wasm.OpF64Store,
		wasm.OpI32Store8, wasm.OpI32Store16, wasm.OpI64Store8, wasm.OpI64Store16, wasm.OpI64Store32:
		if in.B != 0 {
			return fail("multiple memories are not supported")
		}
		if in.C > 0xffffffff {
			return fail("offset %d too large", in.C)
		}
		v, addr := t.pop(), t.pop()
		t.emit(op{code: wasmOp(in.Op), a: t.loc(addr), b: t.loc(v), t: int32(uint32(in.C))})

	case wasm.OpMemorySize, wasm.OpTableSize:
		dst := t.pushHome(wasm.I32)
		t.emit(op{code: wasmOp(in.Op), a: in.A, c: dst})
	case wasm.OpMemoryGrow:
		n := t.pop()
		dst := t.pushHome(wasm.I32)
		t.emit(op{code: opMemoryGrow, a: t.loc(n), c: dst, t: int32(in.A)})
	case wasm.OpDataDrop, wasm.OpElemDrop:
		t.emit(op{code: wasmOp(in.Op), t: int32(in.A)})
	case wasm.OpTableGet:
		idx := t.pop()
		dst := t.pushHome(t.p.mod.Tables[in.A].Elem)
		t.emit(op{code: opTableGet, a: t.loc(idx), c: dst, t: int32(in.A)})
	case wasm.OpTableSet:
		v, idx := t.pop(), t.pop()
		t.emit(op{code: opTableSet, a: t.loc(idx), b: t.loc(v), t: int32(in.A)})
	case wasm.OpTableGrow:
		n, v := t.pop(), t.pop()
		dst := t.pushHome(wasm.I32)
		t.emit(op{code: opTableGrow, a: t.loc(v), b: t.loc(n), c: dst, t: int32(in.A)})
	case wasm.OpMemoryInit, wasm.OpMemoryCopy, wasm.OpMemoryFill, wasm.OpTableInit, wasm.OpTableCopy, wasm.OpTableFill:
		n, s, d := t.pop(), t.pop(), t.pop()
		t.emit(op{code: wasmOp(in.Op), a: t.loc(d), b: t.loc(s), c: t.loc(n), t: int32(in.A), d: int32(in.B)})

	default:
		// Numeric instructions: operands and result from the analysis.
		pops := int(info.Height) - int(f.Info[i+1].Height) + 1
		if pops < 1 || pops > 2 {
			return fail("unsupported instruction %v", in.Op)
		}
		var a, b operand
		if pops == 2 {
			b = t.pop()
		}
		a = t.pop()
		if pops == 1 {
			b = a
		}
		dst := t.pushHome(t.typeAfter(i))
		t.emit(op{code: wasmOp(in.Op), a: t.loc(a), b: t.loc(b), c: dst})
	}
	return nil
}

// constCell is the frame cell of the value of the next constant
// instruction.
func (t *translator) constCell() uint32 {
	c := t.consts[t.nconst]
	t.nconst++
	return uint32(t.fn.localCells) + c
}

// typeAfter is the type of the top operand after instruction i.
func (t *translator) typeAfter(i int) wasm.ValType {
	return t.f.TypeNodes[t.f.Info[i+1].Top].Type
}

// call materializes the top n operands (the arguments) and emits the call;
// the results appear in the arguments' homes.
func (t *translator) call(n int, results []wasm.ValType, emit func(args uint32)) {
	first := len(t.stack) - n
	for k := first; k < len(t.stack); k++ {
		t.materialize(k)
	}
	args := uint32(t.fn.homeBase) + t.nextHome()
	if n > 0 {
		args = uint32(t.fn.homeBase) + t.stack[first].home
	}
	emit(args * 4)
	t.stack = t.stack[:first]
	for _, r := range results {
		t.pushHome(r)
	}
}

// branchMovesEnd: at a block's end reached normally, the results go to the
// block's homes.
func (t *translator) branchMovesEnd(b *wasm.Block) []move {
	return t.movesToHomes(b, len(b.Type.Results))
}

// fusable reports whether an op writes its result to c and nothing else,
// so that a following local.set can redirect it.
func fusable(o op) bool {
	switch {
	case o.code >= opI32Eqz && o.code <= opI64Extend32S:
		return true
	case o.code >= opI32Load && o.code <= opI64Load32U:
		return true
	case o.code == opSelect32 || o.code == opSelect64 || o.code == opGlobalGet32 || o.code == opGlobalGet64:
		return true
	}
	return false
}

// fuseCompare turns "compare; br_if" into one compare-and-branch op when
// the compare was the previous instruction's only op.
func (t *translator) fuseCompare(cond operand, b *wasm.Block) bool {
	i := t.cur
	if cond.kind != inHome || t.lastOpOf != i-1 || len(t.v.code) != t.lastOp+1 {
		return false
	}
	o := &t.v.code[t.lastOp]
	codes, ok := fusedBranch[o.code]
	if !ok || o.c != t.homeOf(cond) {
		return false
	}
	k := b.Continuation()
	o.d = int32(i + 1 - k)
	if b.Kind == wasm.LabelLoop {
		o.code = codes[1]
		o.t = t.v.pos[k]
	} else {
		o.code = codes[0]
		t.fixups = append(t.fixups, fixup{op: t.lastOp, target: k, table: -1})
	}
	t.v.pos[i] = -1
	return true
}
