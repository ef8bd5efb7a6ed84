package debugger

import (
	"debug/dwarf"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/wdb-dev/wdb/debuginfo"
)

// C's casts, sizeof and pointer arithmetic in expressions
// (docs/source-lines.md, "In expressions"):
//
//	unary   = "(" CTYPE ")" unary | "sizeof" "(" CTYPE ")" | "sizeof" unary | ...
//	CTYPE   = (BASE... | "struct" NAME | "union" NAME | "enum" NAME | NAME) { "*" }
//
// BASE is a C base type's keyword (int, unsigned, char, long...) and NAME
// a typedef's name, looked up in the module's DWARF when evaluated. The
// parser has no DWARF, so a parenthesised name alone, (NAME), is a cast
// when a value starts right after it (a name, a number, "(", "!" or "~"):
// (size_t)x, (T)(-1); before an operator it is the name in parentheses:
// (x) - 1, (x) * 2. In sizeof(NAME), NAME is a variable when one is in
// scope, else a type.

// cType is a C type as an expression spells it.
type cType struct {
	name string   // the base type (BaseTypeName), "struct NAME"..., or a typedef's name
	base bool     // a base type: synthesised when the DWARF has none
	qual []string // const, volatile before the *s (those after are dropped)
	ptrs int      // the number of *s after it
}

func (t cType) String() string {
	s := strings.Join(append(slices.Clone(t.qual), t.name), " ")
	if t.ptrs == 0 {
		return s
	}
	return s + " " + strings.Repeat("*", t.ptrs)
}

type (
	castNode struct {
		t cType
		x node
	}
	sizeofNode struct {
		t *cType // sizeof(TYPE)
		x node   // else sizeof EXPR
	}
)

var cBaseWords = map[string]bool{"void": true, "char": true, "short": true, "int": true, "long": true, "float": true,
	"double": true, "signed": true, "unsigned": true, "_Bool": true, "bool": true}

// notTypedef are the identifiers that are never a typedef's name.
func notTypedef(name string) bool {
	_, mt := memTypes[name]
	switch name {
	case "mem", "local", "global", "stack", "sizeof":
		return true
	}
	return mt || strings.ContainsAny(name, ".$")
}

// typeAhead says whether a C type starts at token i (after a "("); cast
// says a lone (NAME) is a cast when a value follows.
func (p *parser) typeAhead(i int, cast bool) bool {
	t := p.toks[i]
	if t.kind != tIdent {
		return false
	}
	switch {
	case cBaseWords[t.text], t.text == "struct", t.text == "union", t.text == "enum", t.text == "const", t.text == "volatile":
		return true
	case notTypedef(t.text):
		return false
	}
	j := i + 1
	for p.toks[j].text == "*" && p.toks[j].kind == tOp {
		j++
	}
	if p.toks[j].kind != tOp || p.toks[j].text != ")" {
		return false
	}
	if j > i+1 {
		return true // (NAME *): only a type
	}
	if !cast {
		return false
	}
	switch n := p.toks[j+1]; n.kind {
	case tIdent, tNum:
		return true
	case tOp:
		return n.text == "(" || n.text == "!" || n.text == "~"
	}
	return false
}

// cType reads a C type up to (not including) its ")".
func (p *parser) cType() (cType, error) {
	var t cType
	var words []string
	start := p.peek()
	for {
		w := p.peek()
		if w.kind != tIdent {
			break
		}
		if w.text == "const" || w.text == "volatile" {
			p.next()
			if !slices.Contains(t.qual, w.text) {
				t.qual = append(t.qual, w.text)
			}
			continue
		}
		if t.name != "" || !cBaseWords[w.text] && len(words) > 0 {
			break
		}
		p.next()
		switch {
		case cBaseWords[w.text]:
			words = append(words, w.text)
			continue
		case w.text == "struct" || w.text == "union" || w.text == "enum":
			n := p.next()
			if n.kind != tIdent || cBaseWords[n.text] || notTypedef(n.text) {
				return t, exprError(p.text, n.pos, "expected a name after %s", w.text)
			}
			t.name = w.text + " " + n.text
		default:
			t.name = w.text // a typedef
		}
	}
	if len(words) > 0 {
		name, err := debuginfo.BaseTypeName(words)
		if err != nil {
			return t, exprError(p.text, start.pos, "%v", err)
		}
		t.name, t.base = name, true
	}
	if t.name == "" {
		return t, exprError(p.text, start.pos, "expected a C type")
	}
	for {
		if _, ok := p.accept("*"); ok {
			t.ptrs++
			continue
		}
		if q := p.peek(); q.kind != tIdent || q.text != "const" && q.text != "volatile" {
			return t, nil
		}
		p.next()
	}
}

// castOrSizeof reads a cast or a sizeof, if one starts here.
func (p *parser) castOrSizeof() (node, bool, error) {
	t := p.peek()
	switch {
	case t.kind == tOp && t.text == "(" && p.typeAhead(p.i+1, true):
		p.next()
		ct, err := p.cType()
		if err == nil {
			err = p.expect(")")
		}
		if err != nil {
			return nil, true, err
		}
		x, err := p.unary()
		return &castNode{t: ct, x: x}, true, err
	case t.kind == tIdent && t.text == "sizeof":
		p.next()
		if n := p.peek(); n.kind == tOp && n.text == "(" && p.typeAhead(p.i+1, false) {
			p.next()
			ct, err := p.cType()
			if err == nil {
				err = p.expect(")")
			}
			return &sizeofNode{t: &ct}, true, err
		}
		x, err := p.unary()
		return &sizeofNode{x: x}, true, err
	}
	return nil, false, nil
}

// term is an operand: a C object (a source variable, what it reaches, or
// a computed C value such as p + 1) or a WebAssembly value.
type term struct {
	c *SourceVar
	v value
}

var errNotC = errors.New("not a C variable, field, element or pointer target")

// term evaluates n as a C object when it is one, else as a WebAssembly
// value.
func (ev *evaluator) term(n node) (term, error) {
	isC := false
	switch n := n.(type) {
	case *nameNode:
		_, isC = ev.sourceVar(strings.Split(n.name, ".")[0])
	case *fieldNode, *indexNode, *derefNode, *addrNode, *castNode, *sizeofNode:
		isC = true
	case *binaryNode:
		return ev.binaryTerm(n)
	}
	if isC {
		sv, err := ev.cObject(n)
		return term{c: &sv}, err
	}
	v, err := ev.eval(n)
	return term{v: v}, err
}

// value is t as a WebAssembly value: a C scalar read as its type (a
// pointer as a u32), an array as its address.
func (ev *evaluator) value(t term) (value, error) {
	if t.c == nil {
		return t.v, nil
	}
	if _, ok := debuginfo.Underlying(t.c.Type).(*dwarf.ArrayType); ok {
		a, err := t.c.address()
		return value{k: kI32, unsigned: true, i: int64(a)}, err
	}
	r, err := sourceVarNode(*t.c)
	if err != nil {
		return value{}, err
	}
	return ev.eval(r)
}

// pointee is the type a C pointer or array operand points to (an array
// decays to a pointer to its first element).
func pointee(t term) (dwarf.Type, bool) {
	if t.c == nil {
		return nil, false
	}
	switch u := debuginfo.Underlying(t.c.Type).(type) {
	case *dwarf.PtrType:
		return u.Type, true
	case *dwarf.ArrayType:
		return u.Type, true
	}
	return nil, false
}

// address is the value of a C pointer, or the address of an array.
func (v SourceVar) address() (uint32, error) {
	if _, ok := debuginfo.Underlying(v.Type).(*dwarf.ArrayType); !ok {
		return v.pointer()
	}
	if v.Loc.Kind != debuginfo.InMemory {
		return 0, fmt.Errorf("%s is not in memory (%s): it has no address", v.Name, v.Loc)
	}
	return v.Loc.Addr, nil
}

// computed is a C value that is not stored anywhere (a cast's, p + 1).
func (ev *evaluator) computed(name string, t dwarf.Type, b []byte) SourceVar {
	return SourceVar{Var: &debuginfo.Var{Name: name, Type: t}, st: &frameState{st: ev.st},
		Loc: debuginfo.Location{Kind: debuginfo.Computed, Value: b}}
}

// binaryTerm evaluates a binary operation: as C does when an operand of
// +, - or a comparison is a C pointer or array, else on WebAssembly
// values (binaryValue).
func (ev *evaluator) binaryTerm(n *binaryNode) (term, error) {
	switch n.op {
	case "@":
		return ev.array(n)
	case "+", "-", "==", "!=", "<", "<=", ">", ">=":
	default:
		v, err := ev.binaryValue(n)
		return term{v: v}, err
	}
	x, err := ev.term(n.x)
	if err != nil {
		return term{}, err
	}
	y, err := ev.term(n.y)
	if err != nil {
		return term{}, err
	}
	xe, xp := pointee(x)
	ye, yp := pointee(y)
	if !xp && !yp {
		xv, err := ev.value(x)
		if err != nil {
			return term{}, err
		}
		yv, err := ev.value(y)
		if err != nil {
			return term{}, err
		}
		v, err := binaryOp(n.op, xv, yv)
		return term{v: v}, err
	}
	switch {
	case n.op == "+" && xp && yp:
		return term{}, fmt.Errorf("%s + %s: pointers cannot be added", x.c.Name, y.c.Name)
	case n.op == "+" && yp: // n + p
		return ev.offset(y, ye, x, "+")
	case n.op == "-" && xp && yp:
		return ev.difference(x, xe, y, ye)
	case n.op == "-" && yp:
		return term{}, fmt.Errorf("%s - %s: a pointer cannot be subtracted from a number", ev.termName(x), y.c.Name)
	case n.op == "+" || n.op == "-":
		return ev.offset(x, xe, y, n.op)
	}
	a, err := ev.addressOf(x)
	if err != nil {
		return term{}, err
	}
	b, err := ev.addressOf(y)
	if err != nil {
		return term{}, err
	}
	return term{v: boolean(compare(n.op, a < b, a == b, a > b))}, nil
}

// maxArray bounds OBJ@N.
const maxArray = 1 << 20

// array is OBJ@N, gdb's artificial array: N objects of OBJ's type from
// OBJ's address on, so that memory a pointer points to prints as a C
// array (*p@10, buf[2]@len).
func (ev *evaluator) array(n *binaryNode) (term, error) {
	x, err := ev.term(n.x)
	if err != nil {
		return term{}, err
	}
	if x.c == nil {
		return term{}, fmt.Errorf("%s@: the left of @ must be a C object in memory (*p@10, a[2]@5)", ev.termName(x))
	}
	if x.c.Loc.Kind != debuginfo.InMemory {
		return term{}, fmt.Errorf("%s@: %s is not in memory (%s)", x.c.Name, x.c.Name, x.c.Loc)
	}
	y, err := ev.term(n.y)
	if err != nil {
		return term{}, err
	}
	cv, err := ev.value(y)
	if err != nil {
		return term{}, err
	}
	if cv.isFloat() || cv.i < 1 || cv.i > maxArray {
		return term{}, fmt.Errorf("%s@%s: the count must be an integer from 1 to %d", x.c.Name, cv.plain(), maxArray)
	}
	size := debuginfo.Size(x.c.Type)
	if size == 0 {
		return term{}, fmt.Errorf("%s@: %s has a type of unknown size (%s)", x.c.Name, x.c.Name, debuginfo.TypeName(x.c.Type))
	}
	t := &dwarf.ArrayType{CommonType: dwarf.CommonType{ByteSize: int64(size) * cv.i}, Type: x.c.Type, StrideBitSize: 0, Count: cv.i}
	sv := SourceVar{Var: &debuginfo.Var{Name: x.c.Name + "@" + ev.termName(y), Type: t}, st: x.c.st, Loc: x.c.Loc}
	sv.Loc.FrameBased = false
	return term{c: &sv}, nil
}

// termName names an operand in messages.
func (ev *evaluator) termName(t term) string {
	if t.c != nil {
		return t.c.Name
	}
	return t.v.plain()
}

// addressOf is a pointer's or array's address, or an integer, to compare.
func (ev *evaluator) addressOf(t term) (int64, error) {
	if _, ok := pointee(t); ok {
		a, err := t.c.address()
		return int64(a), err
	}
	v, err := ev.value(t)
	if err != nil {
		return 0, err
	}
	if v.isFloat() || v.k == kRef {
		return 0, fmt.Errorf("%s cannot be compared with a pointer", v.format(0))
	}
	return v.i, nil
}

// elemSize is the size of what a pointer points to, for its arithmetic.
// void * arithmetic is an error, not GCC's bytes.
func elemSize(p *SourceVar, elem dwarf.Type) (int64, error) {
	if _, void := elem.(*dwarf.VoidType); void || elem == nil {
		return 0, fmt.Errorf("%s is a void *: no arithmetic on it (cast it to char * to count bytes)", p.Name)
	}
	n := debuginfo.Size(elem)
	if n == 0 {
		return 0, fmt.Errorf("%s points to %s, of unknown size: no arithmetic on it", p.Name, debuginfo.TypeName(elem))
	}
	return int64(n), nil
}

// offset is p + n or p - n: n elements of p's type further, a pointer of
// p's type (a pointer to the element for an array).
func (ev *evaluator) offset(p term, elem dwarf.Type, n term, op string) (term, error) {
	size, err := elemSize(p.c, elem)
	if err != nil {
		return term{}, err
	}
	nv, err := ev.value(n)
	if err != nil {
		return term{}, err
	}
	name := fmt.Sprintf("(%s %s %s)", p.c.Name, op, ev.termName(n))
	if nv.isFloat() || nv.k == kRef {
		return term{}, fmt.Errorf("%s: a pointer's offset must be an integer", name)
	}
	a, err := p.c.address()
	if err != nil {
		return term{}, err
	}
	if op == "-" {
		nv.i = -nv.i
	}
	t := p.c.Type
	if _, ok := debuginfo.Underlying(t).(*dwarf.ArrayType); ok {
		t = debuginfo.PointerTo(elem)
	}
	r := uint32(int64(a) + nv.i*size) // wasm32 addresses wrap at 32 bits
	sv := ev.computed(name, t, binary.LittleEndian.AppendUint32(nil, r))
	return term{c: &sv}, nil
}

// difference is p - q: the number of elements between them, a C int
// (ptrdiff_t on wasm32).
func (ev *evaluator) difference(p term, pe dwarf.Type, q term, qe dwarf.Type) (term, error) {
	name := "(" + p.c.Name + " - " + q.c.Name + ")"
	if unqualified(pe) != unqualified(qe) {
		return term{}, fmt.Errorf("%s: pointers to different types (%s, %s)", name, debuginfo.TypeName(pe), debuginfo.TypeName(qe))
	}
	size, err := elemSize(p.c, pe)
	if err != nil {
		return term{}, err
	}
	a, err := p.c.address()
	if err != nil {
		return term{}, err
	}
	b, err := q.c.address()
	if err != nil {
		return term{}, err
	}
	it, err := ev.resolveType(cType{name: "int", base: true})
	if err != nil {
		return term{}, err
	}
	d := int32(int64(int32(a-b)) / size)
	sv := ev.computed(name, it, binary.LittleEndian.AppendUint32(nil, uint32(d)))
	return term{c: &sv}, nil
}

// unqualified names a type without its const or volatile.
func unqualified(t dwarf.Type) string {
	for {
		q, ok := t.(*dwarf.QualType)
		if !ok {
			return debuginfo.TypeName(t)
		}
		t = q.Type
	}
}

// resolveType finds a C type in the module's DWARF (the unit of the
// frame's function first); a base type the DWARF lacks is synthesised.
func (ev *evaluator) resolveType(ct cType) (dwarf.Type, error) {
	info := ev.debugInfo()
	var pc uint32
	if fs, err := frameStateOf(ev.st, ev.frame); err == nil {
		pc = fs.f.PC
	}
	t, err := info.Type(pc, ct.name)
	if err != nil {
		return nil, err
	}
	if t == nil && ct.base {
		t = debuginfo.BaseType(ct.name)
	}
	if t == nil {
		if info == nil {
			return nil, fmt.Errorf("no type %s: the module has no DWARF", ct.name)
		}
		return nil, fmt.Errorf("no type %s in the module's DWARF", ct.name)
	}
	for _, q := range ct.qual {
		t = &dwarf.QualType{Qual: q, Type: t}
	}
	for range ct.ptrs {
		t = debuginfo.PointerTo(t)
	}
	return t, nil
}

// cast converts a value to a C scalar type as C does: integers truncated
// or extended, floats truncated toward zero, pointers as 32-bit integers.
func (ev *evaluator) cast(n *castNode) (SourceVar, error) {
	t, err := ev.resolveType(n.t)
	if err != nil {
		return SourceVar{}, err
	}
	x, err := ev.term(n.x)
	if err != nil {
		return SourceVar{}, err
	}
	name := "(" + n.t.String() + ")" + ev.termName(x)
	kind, ok := debuginfo.Scalar(t)
	if !ok {
		return SourceVar{}, fmt.Errorf("%s: cannot cast to %s, only to a number or a pointer", name, debuginfo.TypeName(t))
	}
	v, err := ev.value(x)
	if err != nil {
		return SourceVar{}, err
	}
	if v.k == kRef {
		return SourceVar{}, fmt.Errorf("%s: a %s is not a number", name, v.typeName())
	}
	mt := memTypes[kind]
	if _, ok := debuginfo.Underlying(t).(*dwarf.BoolType); ok {
		truth := v.truth()
		v = value{k: kI32}
		if truth {
			v.i = 1
		}
	}
	if v.isFloat() && !mt.isFloat() {
		f := math.Trunc(v.f)
		switch {
		case f >= -(1<<63) && f < 1<<63:
			v = value{k: kI64, i: int64(f)}
		case f >= 0 && f < 1<<64:
			v = value{k: kI64, i: int64(uint64(f))}
		default:
			return SourceVar{}, fmt.Errorf("%s: %s does not fit in %s", name, v.plain(), debuginfo.TypeName(t))
		}
	}
	b, err := mt.encode(v)
	if err != nil {
		return SourceVar{}, fmt.Errorf("%s: %v", name, err)
	}
	return ev.computed(name, t, b), nil
}

func (t memType) isFloat() bool { return t.k == kF32 || t.k == kF64 }

// sizeof is the size of a C type or of a C object's type, a C unsigned
// int.
func (ev *evaluator) sizeof(n *sizeofNode) (SourceVar, error) {
	var t dwarf.Type
	var name string
	if n.t != nil {
		var err error
		if t, err = ev.resolveType(*n.t); err != nil {
			return SourceVar{}, err
		}
		name = "sizeof(" + n.t.String() + ")"
	} else if nn, ok := n.x.(*nameNode); ok && !notTypedef(nn.name) {
		// sizeof(NAME): a variable in scope, else a typedef.
		if _, ok := ev.sourceVar(nn.name); !ok {
			t, _ = ev.resolveType(cType{name: nn.name})
			name = "sizeof(" + nn.name + ")"
		}
	}
	if t == nil {
		x, err := ev.term(n.x)
		if err != nil {
			return SourceVar{}, err
		}
		if x.c == nil {
			return SourceVar{}, fmt.Errorf("sizeof %s: not a C object or type (a WebAssembly value)", x.v.format(0))
		}
		t, name = x.c.Type, "sizeof "+x.c.Name
	}
	size := debuginfo.Size(t)
	if size == 0 {
		return SourceVar{}, fmt.Errorf("%s: %s has no known size", name, debuginfo.TypeName(t))
	}
	ut, err := ev.resolveType(cType{name: "unsigned int", base: true})
	if err != nil {
		return SourceVar{}, err
	}
	return ev.computed(name, ut, binary.LittleEndian.AppendUint32(nil, size)), nil
}
