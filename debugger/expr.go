package debugger

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/wdb-dev/wdb/debuginfo"
	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/wasm"
)

// Expressions, as print, set, x, watch, breakpoint conditions and log
// points read them (docs/commands.md, "Expressions"):
//
//	expr    = or
//	or      = and { "||" and }
//	and     = cmp { "&&" cmp }
//	cmp     = bits [ ("==" | "!=" | "<" | "<=" | ">" | ">=") bits ]
//	bits    = shift { ("&" | "|" | "^") shift }
//	shift   = sum { ("<<" | ">>") sum }
//	sum     = product { ("+" | "-") product }
//	product = unary { ("*" | "/" | "%") unary }
//	unary   = ("-" | "!" | "~" | "*" | "&") unary | cast | sizeof | primary
//	primary = NUMBER | "(" expr ")" | [TYPE] "mem" "[" expr "]"
//	        | "local" N | "global" N | "stack" N | lN | gN | sN | $N
//	        | $sp | $pc | $counter | $top | NAME | $NAME
//
// TYPE is i8 u8 i16 u16 i32 u32 i64 u64 f32 f64 (mem[...] alone reads an
// i32). NAME is a source variable in scope (DWARF, session_vars.go), else a local's name from the name section. Values keep their
// Wasm type: i32 arithmetic wraps at 32 bits, an integer constant takes
// the type of the other operand, a float operand makes the result a float.
// C pointers and arrays in + - and comparisons, casts and sizeof follow C
// instead (cexpr.go).
// C pointers and arrays in + - and comparisons, casts and sizeof follow C
// instead (cexpr.go).

// exprState is what expressions read: the present state of a Session.
type exprState interface {
	Module() *wasm.Module
	Frames() []snapshot.Frame
	Globals() []snapshot.Value
	Memory() *engines.Memory
	Counter() uint64
	PC() (fn, offset uint32, ok bool)
}

// kind is the type of an expression value.
type kind uint8

const (
	kConst kind = iota // an integer constant, not yet given a width
	kBool              // a comparison's result: an i32 0 or 1
	kI32
	kI64
	kF32
	kF64
	kRef // a funcref or externref, only printed
)

// value is an expression's value. Integers are held in i (as int64, bits
// zero-extended for unsigned ones), floats in f.
type value struct {
	k        kind
	unsigned bool
	i        int64
	f        float64
	name     string // the type to print (i8, u32, funcref...), "" for k's own
	ref      snapshot.Value
}

func (v value) isFloat() bool { return v.k == kF32 || v.k == kF64 }

func (v value) typeName() string {
	if v.name != "" {
		return v.name
	}
	switch v.k {
	case kI32:
		if v.unsigned {
			return "u32"
		}
		return "i32"
	case kI64:
		if v.unsigned {
			return "u64"
		}
		return "i64"
	case kF32:
		return "f32"
	case kF64:
		return "f64"
	case kBool:
		return "bool"
	}
	return "int"
}

// truth is the value as a condition.
func (v value) truth() bool {
	if v.isFloat() {
		return v.f != 0
	}
	return v.i != 0
}

// format writes the value as "type:value"; f is 'x' (hex), 'u'
// (unsigned), 'd' (signed) or 0 (the type's own way).
func (v value) format(f byte) string {
	switch {
	case v.k == kRef:
		return v.ref.String()
	case v.k == kBool:
		return strconv.FormatBool(v.i != 0)
	case v.isFloat() && f == 'x':
		if v.k == kF32 {
			return fmt.Sprintf("f32:0x%08x", math.Float32bits(float32(v.f)))
		}
		return fmt.Sprintf("f64:0x%016x", math.Float64bits(v.f))
	case v.k == kF32:
		return "f32:" + FormatF32(math.Float32bits(float32(v.f)))
	case v.k == kF64:
		return "f64:" + FormatF64(math.Float64bits(v.f))
	}
	bits := uint64(v.i)
	if v.k == kI32 {
		bits = uint64(uint32(bits))
	}
	switch {
	case f == 'x':
		return fmt.Sprintf("%s:0x%x", v.typeName(), bits)
	case f == 'u' || (f == 0 && v.unsigned):
		return fmt.Sprintf("%s:%d", v.typeName(), bits)
	}
	return fmt.Sprintf("%s:%d", v.typeName(), v.i)
}

// plain writes the value without its type.
func (v value) plain() string {
	s := v.format(0)
	if _, after, ok := strings.Cut(s, ":"); ok && v.k != kRef {
		return after
	}
	return s
}

// fromSnapshot converts a typed Wasm value.
func fromSnapshot(sv snapshot.Value) value {
	switch sv.Type {
	case wasm.I32:
		return value{k: kI32, i: int64(int32(uint32(sv.Lo)))}
	case wasm.I64:
		return value{k: kI64, i: int64(sv.Lo)}
	case wasm.F32:
		return value{k: kF32, f: float64(math.Float32frombits(uint32(sv.Lo)))}
	case wasm.F64:
		return value{k: kF64, f: math.Float64frombits(sv.Lo)}
	}
	return value{k: kRef, ref: sv, name: sv.Type.String()}
}

// toSnapshot converts v to a value of type t, for set.
func (v value) toSnapshot(t wasm.ValType) (snapshot.Value, error) {
	switch {
	case v.k == kRef:
		return snapshot.Value{}, fmt.Errorf("cannot assign a %s", v.typeName())
	case t == wasm.I32 || t == wasm.I64:
		if v.isFloat() {
			return snapshot.Value{}, fmt.Errorf("cannot assign %s to an %v (the value must be an integer)", v.format(0), t)
		}
		if t == wasm.I32 {
			return snapshot.Value{Type: t, Lo: uint64(uint32(v.i))}, nil
		}
		return snapshot.Value{Type: t, Lo: uint64(v.i)}, nil
	case t == wasm.F32:
		return snapshot.Value{Type: t, Lo: uint64(math.Float32bits(float32(v.float())))}, nil
	case t == wasm.F64:
		return snapshot.Value{Type: t, Lo: math.Float64bits(v.float())}, nil
	}
	return snapshot.Value{}, fmt.Errorf("cannot assign to a %v", t)
}

func (v value) float() float64 {
	switch {
	case v.isFloat():
		return v.f
	case v.unsigned:
		return float64(uint64(v.i))
	}
	return float64(v.i)
}

// memType is the type of a memory access.
type memType struct {
	name     string
	size     uint32
	k        kind
	unsigned bool
	signExt  bool // a narrow signed integer
}

var memTypes = map[string]memType{
	"i8": {"i8", 1, kI32, false, true}, "u8": {"u8", 1, kI32, true, false},
	"i16": {"i16", 2, kI32, false, true}, "u16": {"u16", 2, kI32, true, false},
	"i32": {"i32", 4, kI32, false, false}, "u32": {"u32", 4, kI32, true, false},
	"i64": {"i64", 8, kI64, false, false}, "u64": {"u64", 8, kI64, true, false},
	"f32": {"f32", 4, kF32, false, false}, "f64": {"f64", 8, kF64, false, false},
}

func (t memType) decode(b []byte) value {
	var bits uint64
	for i := len(b) - 1; i >= 0; i-- {
		bits = bits<<8 | uint64(b[i])
	}
	v := value{k: t.k, unsigned: t.unsigned}
	if t.size < 4 {
		v.name = t.name
	}
	switch {
	case t.k == kF32:
		v.f = float64(math.Float32frombits(uint32(bits)))
	case t.k == kF64:
		v.f = math.Float64frombits(bits)
	case t.signExt:
		shift := 64 - 8*t.size
		v.i = int64(bits<<shift) >> shift
	case t.k == kI32 && !t.unsigned:
		v.i = int64(int32(uint32(bits)))
	default:
		v.i = int64(bits)
	}
	return v
}

func (t memType) encode(v value) ([]byte, error) {
	var bits uint64
	switch t.k {
	case kF32:
		bits = uint64(math.Float32bits(float32(v.float())))
	case kF64:
		bits = math.Float64bits(v.float())
	default:
		if v.isFloat() || v.k == kRef {
			return nil, fmt.Errorf("cannot store %s as an %s (the value must be an integer)", v.format(0), t.name)
		}
		bits = uint64(v.i)
	}
	b := make([]byte, 8)
	binary.LittleEndian.PutUint64(b, bits)
	return b[:t.size], nil
}

// node is a parsed expression.
type node interface{}

type (
	numNode   struct{ v value }
	unaryNode struct {
		op string
		x  node
	}
	binaryNode struct {
		op   string
		x, y node
		pos  int
	}
	localNode  struct{ index uint32 }
	nameNode   struct{ name string } // a local's name, or lN / gN / sN
	globalNode struct{ index uint32 }
	stackNode  struct {
		slot int
		top  bool
	}
	memNode struct {
		t    memType
		addr node
	}
	specialNode struct{ name string }   // $pc, $counter, $sp
	indexNode   struct{ x, index node } // a C array's or pointer's element
	derefNode   struct{ x node }        // *PTR
	addrNode    struct{ x node }        // &OBJ: a C object's address
	fieldNode   struct {                // a C struct's field after an element: NAME[i].f
		x    node
		name string
	}
	// viewNode reads a local, global or stack slot as a narrower or
	// unsigned C type (a source variable held there).
	viewNode struct {
		x node
		t memType
	}
)

// Expr is a parsed expression, evaluated against a Session's present state.
type Expr struct {
	text string
	root node
}

func (e *Expr) String() string { return e.text }

// exprError is a parse error at a column of the expression.
func exprError(text string, pos int, format string, args ...any) error {
	return fmt.Errorf("in %q at column %d: %s", text, pos+1, fmt.Sprintf(format, args...))
}

// ParseExpr parses an expression.
func ParseExpr(text string) (*Expr, error) {
	p := &parser{text: text}
	if err := p.lex(); err != nil {
		return nil, err
	}
	root, err := p.expr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, exprError(text, t.pos, "unexpected %q", t.text)
	}
	return &Expr{text: strings.TrimSpace(text), root: root}, nil
}

type tokKind uint8

const (
	tEOF tokKind = iota
	tNum
	tIdent
	tOp
)

type token struct {
	kind tokKind
	text string
	pos  int
}

type parser struct {
	text string
	toks []token
	i    int
}

var operators = []string{"||", "&&", "==", "!=", "<=", ">=", "<<", ">>", "..", ".", "->", "<", ">", "+", "-", "*", "/", "%", "!", "~", "&", "|", "^", "(", ")", "[", "]", "=", "@"}

func isIdentByte(c byte, first bool) bool {
	return c == '_' || c == '$' || c == '.' && !first || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || !first && c >= '0' && c <= '9'
}

func (p *parser) lex() error {
	s := p.text
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && (isIdentByte(s[j], false) || (s[j] == '+' || s[j] == '-') && (s[j-1] == 'e' || s[j-1] == 'E') && !strings.HasPrefix(s[i:], "0x")) {
				if s[j] == '.' && j+1 < len(s) && s[j+1] == '.' {
					break // a range: 0x10..0x20
				}
				j++
			}
			p.toks = append(p.toks, token{tNum, s[i:j], i})
			i = j
		case isIdentByte(c, true):
			j := i + 1
			for j < len(s) && isIdentByte(s[j], false) {
				j++
			}
			p.toks = append(p.toks, token{tIdent, s[i:j], i})
			i = j
		default:
			op := ""
			for _, o := range operators {
				if strings.HasPrefix(s[i:], o) {
					op = o
					break
				}
			}
			if op == "" {
				return exprError(s, i, "unexpected %q", string(c))
			}
			p.toks = append(p.toks, token{tOp, op, i})
			i += len(op)
		}
	}
	p.toks = append(p.toks, token{tEOF, "", len(s)})
	return nil
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }

func (p *parser) accept(ops ...string) (token, bool) {
	t := p.peek()
	if t.kind == tOp {
		for _, o := range ops {
			if t.text == o {
				p.i++
				return t, true
			}
		}
	}
	return t, false
}

func (p *parser) expect(op string) error {
	if _, ok := p.accept(op); !ok {
		t := p.peek()
		if t.kind == tEOF {
			return exprError(p.text, t.pos, "expected %q at the end", op)
		}
		return exprError(p.text, t.pos, "expected %q, found %q", op, t.text)
	}
	return nil
}

// levels are the binary operators by increasing precedence. OBJ@N
// (gdb's artificial array) binds looser than + and -, as in gdb:
// *p@n+1 is *p@(n+1).
var levels = [][]string{{"||"}, {"&&"}, {"==", "!=", "<", "<=", ">", ">="}, {"&", "|", "^"}, {"<<", ">>"}, {"@"}, {"+", "-"}, {"*", "/", "%"}}

func (p *parser) expr() (node, error) { return p.binary(0) }

func (p *parser) binary(level int) (node, error) {
	if level == len(levels) {
		return p.unary()
	}
	x, err := p.binary(level + 1)
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.accept(levels[level]...)
		if !ok {
			return x, nil
		}
		y, err := p.binary(level + 1)
		if err != nil {
			return nil, err
		}
		x = &binaryNode{op: t.text, x: x, y: y, pos: t.pos}
	}
}

func (p *parser) unary() (node, error) {
	if n, ok, err := p.castOrSizeof(); ok {
		return n, err
	}
	if _, ok := p.accept("*"); ok { // *PTR: a C pointer's target
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &derefNode{x}, nil
	}
	if _, ok := p.accept("&"); ok { // &OBJ: a C object's address
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &addrNode{x}, nil
	}
	if t, ok := p.accept("-", "!", "~"); ok {
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &unaryNode{op: t.text, x: x}, nil
	}
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	return p.postfix(x)
}

func (p *parser) number(t token) (uint64, error) {
	v, err := strconv.ParseUint(t.text, 0, 64)
	if err != nil {
		return 0, exprError(p.text, t.pos, "%q is not a number", t.text)
	}
	return v, nil
}

// index reads the number after local, global or stack.
func (p *parser) index(what string) (uint64, error) {
	t := p.next()
	if t.kind != tNum {
		return 0, exprError(p.text, t.pos, "expected a %s number after %q", what, what)
	}
	return p.number(t)
}

func (p *parser) primary() (node, error) {
	t := p.next()
	switch t.kind {
	case tEOF:
		return nil, exprError(p.text, t.pos, "expected a value at the end")
	case tNum:
		if v, err := strconv.ParseUint(t.text, 0, 64); err == nil {
			return &numNode{value{k: kConst, i: int64(v)}}, nil
		}
		if f, err := strconv.ParseFloat(t.text, 64); err == nil && !strings.HasPrefix(t.text, "0x") {
			return &numNode{value{k: kF64, f: f}}, nil
		}
		return nil, exprError(p.text, t.pos, "%q is not a number", t.text)
	case tOp:
		if t.text == "(" {
			x, err := p.expr()
			if err != nil {
				return nil, err
			}
			return x, p.expect(")")
		}
		return nil, exprError(p.text, t.pos, "expected a value, found %q", t.text)
	}
	// An identifier.
	name := t.text
	if mt, ok := memTypes[name]; ok {
		if n := p.peek(); n.kind != tIdent || n.text != "mem" {
			return nil, exprError(p.text, n.pos, "expected mem[ADDR] after %s", name)
		}
		p.next()
		return p.mem(mt)
	}
	switch name {
	case "mem":
		return p.mem(memTypes["i32"])
	case "local", "global", "stack":
		n, err := p.index(name)
		if err != nil {
			return nil, err
		}
		if n > math.MaxUint32 {
			return nil, exprError(p.text, t.pos, "%s %d does not exist", name, n)
		}
		switch name {
		case "local":
			return &localNode{uint32(n)}, nil
		case "global":
			return &globalNode{uint32(n)}, nil
		}
		return &stackNode{slot: int(n)}, nil
	case "$pc", "$counter", "$sp":
		return &specialNode{name}, nil
	case "$top":
		return &stackNode{top: true}, nil
	}
	if rest, ok := strings.CutPrefix(name, "$"); ok {
		if n, err := strconv.ParseUint(rest, 10, 32); err == nil {
			return &localNode{uint32(n)}, nil
		}
		name = rest
	}
	if name == "" {
		return nil, exprError(p.text, t.pos, "expected a name after $")
	}
	return &nameNode{name}, nil
}

// postfix reads what follows a C object: [i] (an element of an array or
// pointer), .f (a field; NAME.f is one identifier) and ->f.
func (p *parser) postfix(n node) (node, error) {
	for {
		if t, ok := p.accept("->", "."); ok {
			if t.text == "->" {
				n = &derefNode{n}
			}
			f := p.next()
			if f.kind != tIdent {
				return nil, exprError(p.text, f.pos, "expected a field name after %s", t.text)
			}
			for _, name := range strings.Split(f.text, ".") {
				n = &fieldNode{x: n, name: name}
			}
			continue
		}
		if _, ok := p.accept("["); !ok {
			return n, nil
		}
		i, err := p.expr()
		if err != nil {
			return nil, err
		}
		if err := p.expect("]"); err != nil {
			return nil, err
		}
		n = &indexNode{x: n, index: i}
	}
}

func (p *parser) mem(t memType) (node, error) {
	if err := p.expect("["); err != nil {
		return nil, err
	}
	addr, err := p.expr()
	if err != nil {
		return nil, err
	}
	return &memNode{t: t, addr: addr}, p.expect("]")
}

// evaluator evaluates expressions against a state, in one frame (0 is the
// innermost), reading the frames and globals once.
type evaluator struct {
	st      exprState
	frame   int
	frames  []snapshot.Frame
	globals []snapshot.Value
	srcVars []SourceVar // in scope at the frame, read on first use, and the globals used
	srcInfo *debuginfo.Vars
	srcRead bool
}

func newEvaluator(st exprState, frame int) *evaluator {
	return &evaluator{st: st, frame: frame}
}

// Eval evaluates e in frame (0: the innermost) of st's present.
func (e *Expr) eval(ev *evaluator) (value, error) { return ev.eval(e.root) }

func (ev *evaluator) currentFrame() (*snapshot.Frame, error) {
	if ev.frames == nil {
		ev.frames = ev.st.Frames()
	}
	if len(ev.frames) == 0 {
		return nil, errors.New("the program is not running: no frame")
	}
	if ev.frame >= len(ev.frames) {
		return nil, fmt.Errorf("no frame %d", ev.frame)
	}
	return &ev.frames[len(ev.frames)-1-ev.frame], nil
}

func (ev *evaluator) global(i uint32) (*snapshot.Value, error) {
	if ev.globals == nil {
		ev.globals = ev.st.Globals()
	}
	if int(i) >= len(ev.globals) {
		return nil, fmt.Errorf("no global %d (the module has %d)", i, len(ev.globals))
	}
	return &ev.globals[i], nil
}

// lvalue is a place an expression names: a local, a global, a stack slot
// or memory.
type lvalue struct {
	kind  string // "local", "global", "stack", "mem"
	index uint32 // local or global index, stack slot
	addr  uint32
	t     memType
	typ   wasm.ValType // of a local, global or stack slot
	view  *memType     // a source variable's type, for a local, global or stack slot
}

func (l lvalue) String() string {
	if l.kind == "mem" {
		return fmt.Sprintf("%s mem[0x%x]", l.t.name, l.addr)
	}
	return fmt.Sprintf("%s %d", l.kind, l.index)
}

// place resolves n to the place it names, or fails for values that are
// not places.
func (ev *evaluator) place(n node) (lvalue, error) {
	switch n := n.(type) {
	case *localNode:
		f, err := ev.currentFrame()
		if err != nil {
			return lvalue{}, err
		}
		if int(n.index) >= len(f.Locals) {
			return lvalue{}, fmt.Errorf("no local %d in %s (it has %d)", n.index, funcDisplay(ev.st.Module(), f.Func), len(f.Locals))
		}
		return lvalue{kind: "local", index: n.index, typ: f.Locals[n.index].Type}, nil
	case *globalNode:
		g, err := ev.global(n.index)
		if err != nil {
			return lvalue{}, err
		}
		return lvalue{kind: "global", index: n.index, typ: g.Type}, nil
	case *stackNode:
		f, err := ev.currentFrame()
		if err != nil {
			return lvalue{}, err
		}
		slot := n.slot
		if n.top {
			slot = len(f.Stack) - 1
		}
		if slot < 0 || slot >= len(f.Stack) {
			return lvalue{}, fmt.Errorf("no stack slot %d (the operand stack holds %d)", slot, len(f.Stack))
		}
		return lvalue{kind: "stack", index: uint32(slot), typ: f.Stack[slot].Type}, nil
	case *memNode:
		a, err := ev.eval(n.addr)
		if err != nil {
			return lvalue{}, err
		}
		addr, err := address(a)
		if err != nil {
			return lvalue{}, err
		}
		return lvalue{kind: "mem", addr: addr, t: n.t}, nil
	case *specialNode:
		if n.name == "$sp" {
			i, err := ev.stackPointer()
			if err != nil {
				return lvalue{}, err
			}
			return ev.place(&globalNode{i})
		}
		return lvalue{}, fmt.Errorf("%s cannot be changed", n.name)
	case *nameNode:
		r, err := ev.resolveName(n.name)
		if err != nil {
			return lvalue{}, err
		}
		return ev.place(r)
	case *viewNode:
		l, err := ev.place(n.x)
		l.view = &n.t
		return l, err
	case *indexNode, *derefNode, *fieldNode:
		v, err := ev.cObject(n)
		if err != nil {
			return lvalue{}, err
		}
		r, err := sourceVarNode(v)
		if err != nil {
			return lvalue{}, err
		}
		return ev.place(r)
	}
	return lvalue{}, errors.New("not a local, global, stack slot or memory location")
}

// address converts an address value.
func address(a value) (uint32, error) {
	if a.isFloat() || a.k == kRef {
		return 0, fmt.Errorf("address %s is not an integer", a.format(0))
	}
	if a.i < 0 || a.i > math.MaxUint32 {
		return 0, fmt.Errorf("address %d is outside the 32-bit memory", a.i)
	}
	return uint32(a.i), nil
}

// readMemory returns n bytes of memory 0 at addr.
func readMemory(st exprState, addr, n uint32) ([]byte, error) {
	m := st.Memory()
	if m == nil {
		return nil, errors.New("the module has no memory")
	}
	if uint64(addr)+uint64(n) > uint64(len(m.Data)) {
		return nil, fmt.Errorf("mem[0x%x..0x%x] is out of bounds (the memory has %d bytes)", addr, uint64(addr)+uint64(n), len(m.Data))
	}
	return m.Data[addr : addr+n], nil
}

// stackPointer is the index of the C stack pointer (wasm.Module.StackPointer).
func (ev *evaluator) stackPointer() (uint32, error) {
	if i, ok := ev.st.Module().StackPointer(); ok {
		return i, nil
	}
	return 0, errors.New("$sp: the module has no stack pointer (no mutable i32 global named __stack_pointer, or unnamed global 0)")
}

// resolveName finds a name: a source variable in scope at the frame (from
// DWARF), else a local of the current frame's function (from the name
// section), else a global, else lN, gN, sN.
func (ev *evaluator) resolveName(name string) (node, error) {
	if v, ok := ev.sourceVar(name); ok {
		return sourceVarNode(v)
	}
	if strings.Contains(name, ".") { // a C struct's field: NAME.field
		if v, ok := ev.sourceVar(name[:strings.Index(name, ".")]); ok && v.Err == nil {
			v, err := ev.cObject(&nameNode{name})
			if err != nil {
				return nil, err
			}
			return sourceVarNode(v)
		}
	}
	m := ev.st.Module()
	if f, err := ev.currentFrame(); err == nil {
		for i, n := range m.Funcs[f.Func].LocalNames {
			if n == name {
				return &localNode{i}, nil
			}
		}
	}
	for i, n := range m.GlobalNames {
		if n == name {
			return &globalNode{i}, nil
		}
	}
	if len(name) > 1 {
		if n, err := strconv.ParseUint(name[1:], 10, 32); err == nil {
			switch name[0] {
			case 'l':
				return &localNode{uint32(n)}, nil
			case 'g':
				return &globalNode{uint32(n)}, nil
			case 's':
				return &stackNode{slot: int(n)}, nil
			}
		}
	}
	where := "here"
	if f, err := ev.currentFrame(); err == nil {
		where = "in " + funcDisplay(ev.st.Module(), f.Func)
	}
	if t, _ := ev.resolveType(cType{name: name}); t != nil {
		return nil, fmt.Errorf("%s is a C type, not a value (a cast before - * & + needs parentheses: (%s)(-1))", name, name)
	}
	return nil, fmt.Errorf("no local or global named %q %s (locals are local N, $N or lN; globals global N or gN)", name, where)
}

func (ev *evaluator) read(l lvalue) (value, error) {
	var sv snapshot.Value
	switch l.kind {
	case "local":
		f, _ := ev.currentFrame()
		sv = f.Locals[l.index]
	case "global":
		g, _ := ev.global(l.index)
		sv = *g
	case "stack":
		f, _ := ev.currentFrame()
		sv = f.Stack[l.index]
	}
	if l.kind != "mem" {
		if l.view != nil {
			b := binary.LittleEndian.AppendUint64(nil, sv.Lo)
			return l.view.decode(b[:l.view.size]), nil
		}
		return fromSnapshot(sv), nil
	}
	b, err := readMemory(ev.st, l.addr, l.t.size)
	if err != nil {
		return value{}, err
	}
	return l.t.decode(b), nil
}

func (ev *evaluator) eval(n node) (value, error) {
	switch n := n.(type) {
	case *numNode:
		return n.v, nil
	case *specialNode:
		switch n.name {
		case "$pc":
			_, off, ok := ev.st.PC()
			if !ok {
				return value{}, errors.New("$pc: the program is not running")
			}
			return value{k: kI32, unsigned: true, i: int64(off)}, nil
		case "$counter":
			return value{k: kI64, unsigned: true, i: int64(ev.st.Counter())}, nil
		}
	case *unaryNode:
		x, err := ev.eval(n.x)
		if err != nil {
			return value{}, err
		}
		return unaryOp(n.op, x)
	case *addrNode:
		v, err := ev.cObject(n)
		if err != nil {
			return value{}, err
		}
		a, err := v.pointer()
		return value{k: kI32, unsigned: true, i: int64(a)}, err
	case *binaryNode:
		t, err := ev.binaryTerm(n)
		if err != nil {
			return value{}, err
		}
		return ev.value(t)
	case *castNode, *sizeofNode:
		sv, err := ev.cObject(n)
		if err != nil {
			return value{}, err
		}
		return ev.value(term{c: &sv})
	}
	l, err := ev.place(n)
	if err != nil {
		return value{}, err
	}
	return ev.read(l)
}

// binaryValue evaluates a binary operation on WebAssembly values.
func (ev *evaluator) binaryValue(n *binaryNode) (value, error) {
	x, err := ev.eval(n.x)
	if err != nil {
		return value{}, err
	}
	// && and || do not evaluate their right side when the left decides.
	if (n.op == "&&" && !x.truth()) || (n.op == "||" && x.truth()) {
		return boolean(x.truth()), nil
	}
	y, err := ev.eval(n.y)
	if err != nil {
		return value{}, err
	}
	return binaryOp(n.op, x, y)
}

func boolean(b bool) value {
	if b {
		return value{k: kBool, i: 1}
	}
	return value{k: kBool}
}

func unaryOp(op string, x value) (value, error) {
	if x.k == kRef {
		return value{}, fmt.Errorf("%s of a %s", op, x.typeName())
	}
	switch op {
	case "!":
		return boolean(!x.truth()), nil
	case "-":
		if x.isFloat() {
			x.f = -x.f
			return x, nil
		}
		x.i = -x.i
	case "~":
		if x.isFloat() {
			return value{}, fmt.Errorf("~ of %s: not an integer", x.format(0))
		}
		x.i = ^x.i
	}
	return wrap(x), nil
}

// wrap brings an integer back to its width (and signedness).
func wrap(v value) value {
	switch {
	case v.k == kI32 && v.unsigned:
		v.i = int64(uint32(v.i))
	case v.k == kI32 || v.k == kBool:
		v.i = int64(int32(v.i))
	}
	return v
}

// resultKind is the type of a binary operation on x and y.
func resultKind(x, y value) (kind, bool) {
	rank := func(k kind) int {
		switch k {
		case kF64:
			return 5
		case kF32:
			return 4
		case kI64:
			return 3
		case kI32, kBool:
			return 2
		}
		return 1
	}
	k := x.k
	if rank(y.k) > rank(k) {
		k = y.k
	}
	if k == kBool {
		k = kI32
	}
	if k == kF32 && (x.k == kI64 || y.k == kI64) {
		k = kF64
	}
	unsigned := x.unsigned && x.k != kConst || y.unsigned && y.k != kConst
	return k, unsigned
}

func binaryOp(op string, x, y value) (value, error) {
	if x.k == kRef || y.k == kRef {
		if (op == "==" || op == "!=") && x.k == kRef && y.k == kRef {
			return boolean((x.ref == y.ref) == (op == "==")), nil
		}
		return value{}, fmt.Errorf("%s %s %s: references can only be compared with each other", x.format(0), op, y.format(0))
	}
	switch op {
	case "&&":
		return boolean(x.truth() && y.truth()), nil
	case "||":
		return boolean(x.truth() || y.truth()), nil
	}
	k, unsigned := resultKind(x, y)
	if k == kF32 || k == kF64 {
		a, b := x.float(), y.float()
		if k == kF32 {
			a, b = float64(float32(a)), float64(float32(b))
		}
		r := value{k: k}
		switch op {
		case "+":
			r.f = a + b
		case "-":
			r.f = a - b
		case "*":
			r.f = a * b
		case "/":
			r.f = a / b
		case "==", "!=", "<", "<=", ">", ">=":
			return boolean(compare(op, a < b, a == b, a > b)), nil
		default:
			return value{}, fmt.Errorf("%s is not defined on floats (%s %s %s)", op, x.format(0), op, y.format(0))
		}
		if k == kF32 {
			r.f = float64(float32(r.f))
		}
		return r, nil
	}
	r := value{k: k, unsigned: unsigned}
	a, b := x.i, y.i
	switch op {
	case "+":
		r.i = a + b
	case "-":
		r.i = a - b
	case "*":
		r.i = a * b
	case "/", "%":
		if b == 0 {
			return value{}, errors.New("division by zero")
		}
		switch {
		case unsigned && op == "/":
			r.i = int64(uint64(a) / uint64(b))
		case unsigned:
			r.i = int64(uint64(a) % uint64(b))
		case op == "/":
			r.i = a / b
		default:
			r.i = a % b
		}
	case "&":
		r.i = a & b
	case "|":
		r.i = a | b
	case "^":
		r.i = a ^ b
	case "<<":
		r.i = a << (uint64(b) & 63)
	case ">>":
		if unsigned || k == kI32 && x.unsigned {
			r.i = int64(uint64(a) >> (uint64(b) & 63))
		} else {
			r.i = a >> (uint64(b) & 63)
		}
	default:
		if unsigned {
			return boolean(compare(op, uint64(a) < uint64(b), a == b, uint64(a) > uint64(b))), nil
		}
		return boolean(compare(op, a < b, a == b, a > b)), nil
	}
	return wrap(r), nil
}

func compare(op string, lt, eq, gt bool) bool {
	switch op {
	case "==":
		return eq
	case "!=":
		return !eq
	case "<":
		return lt
	case "<=":
		return lt || eq
	case ">":
		return gt
	}
	return gt || eq
}

// funcDisplay is a function's name for messages.
func funcDisplay(m *wasm.Module, fn uint32) string {
	if int(fn) < len(m.Funcs) {
		return m.Funcs[fn].DisplayName()
	}
	return fmt.Sprintf("func[%d]", fn)
}
