package debugger

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/wasm"
)

// exprFake is a state for expressions: one frame of a function with four
// locals (one named), two globals and a page of memory.
type exprFake struct {
	m   *wasm.Module
	mem *engines.Memory
}

func newExprFake() *exprFake {
	f := &wasm.Func{Index: 0, Name: "f", Type: &wasm.FuncType{Params: []wasm.ValType{wasm.I32, wasm.I64}},
		Locals: []wasm.ValType{wasm.F32, wasm.F64}, LocalNames: map[uint32]string{1: "big"}}
	m := &wasm.Module{Funcs: []*wasm.Func{f}, Globals: []wasm.GlobalType{{Type: wasm.I32, Mutable: true}, {Type: wasm.F64}}}
	mem := &engines.Memory{Data: make([]byte, 65536)}
	copy(mem.Data, []byte{0xff, 0xff, 0xff, 0xff, 0x34, 0x12, 0, 0})
	return &exprFake{m: m, mem: mem}
}

func (e *exprFake) Module() *wasm.Module             { return e.m }
func (e *exprFake) Memory() *engines.Memory          { return e.mem }
func (e *exprFake) Counter() uint64                  { return 12345 }
func (e *exprFake) PC() (fn, offset uint32, ok bool) { return 0, 0x42, true }
func (e *exprFake) Globals() []snapshot.Value {
	return []snapshot.Value{{Type: wasm.I32, Lo: 66000}, {Type: wasm.F64, Lo: math.Float64bits(0.5)}}
}
func (e *exprFake) Frames() []snapshot.Frame {
	return []snapshot.Frame{{Func: 0, Locals: []snapshot.Value{
		{Type: wasm.I32, Lo: math.MaxInt32}, {Type: wasm.I64, Lo: uint64(0xfffffffffffffffb)}, // -5
		{Type: wasm.F32, Lo: uint64(math.Float32bits(1.5))}, {Type: wasm.F64, Lo: math.Float64bits(0.1)},
	}, Stack: []snapshot.Value{{Type: wasm.I32, Lo: 7}, {Type: wasm.I64, Lo: 9}}}}
}

func TestExprValues(t *testing.T) {
	st := newExprFake()
	l0 := int32(math.MaxInt32)
	a, b, c32 := 0.1, 0.2, float32(1.5) // variables: Go folds constant expressions exactly
	for _, c := range []struct{ expr, want string }{
		// Wasm arithmetic wraps at the width of the operands (Go's int32
		// arithmetic is the reference).
		{"$0 + 1", fmt.Sprintf("i32:%d", l0+1)},
		{"l0 << 1", fmt.Sprintf("i32:%d", l0<<1)},
		{"-$0 - 2", fmt.Sprintf("i32:%d", -l0-2)},
		{"local 0 * local 0", fmt.Sprintf("i32:%d", l0*l0)},
		{"big * 3", "i64:-15"},
		{"$1 / 2", fmt.Sprintf("i64:%d", int64(-5)/2)},
		{"$1 % 3", fmt.Sprintf("i64:%d", int64(-5)%3)},
		{"$1 >> 1", fmt.Sprintf("i64:%d", int64(-5)>>1)},
		{"$0 + big", fmt.Sprintf("i64:%d", int64(l0)-5)},
		{"$2 * 2", "f32:3"},
		{"$3 + 0.2", "f64:" + FormatF64(math.Float64bits(a+b))},
		{"$2 + $3", "f64:" + FormatF64(math.Float64bits(float64(c32)+a))},
		{"7 / 2", "int:3"},
		{"-7 / 2", fmt.Sprintf("int:%d", -7/2)},
		{"1 << 40", fmt.Sprintf("int:%d", int64(1)<<40)},
		{"~0", "int:-1"},
		{"0x10 | 0x3 ^ 1", fmt.Sprintf("int:%d", 0x10|0x3^1)},
		{"1 + 2 * 3 == 7 && !(2 > 3)", "true"},
		{"1 > 2 || 3 <= 3", "true"},
		{"u32 mem[0] > 0x7fffffff", "true"},
		{"i32 mem[0] < 0", "true"},
		{"mem[0]", "i32:-1"},
		{"u16 mem[4]", "u16:4660"},
		{"i8 mem[0]", "i8:-1"},
		{"u8 mem[0] + 1", "u32:256"},
		{"i64 mem[0]", fmt.Sprintf("i64:%d", int64(0x12_34_ff_ff_ff_ff))},
		{"mem[4 * 1 + 0]", "i32:4660"},
		{"global 0", "i32:66000"},
		{"$sp - 16", "i32:65984"},
		{"g1 * 4", "f64:2"},
		{"stack 1", "i64:9"},
		{"$top + s0", "i64:16"},
		{"$counter", "u64:12345"},
		{"$pc", "u32:66"},
		{"(1 + 2) * (3 + 4)", "int:21"},
		{"0 && 1 / 0", "false"}, // && does not evaluate its right side
	} {
		checkExpr(t, st, c.expr, c.want)
	}
}

// checkExpr evaluates expr on st and compares its value with want.
func checkExpr(t *testing.T, st exprState, expr, want string) {
	t.Helper()
	e, err := ParseExpr(expr)
	if err != nil {
		t.Errorf("%s: %v", expr, err)
		return
	}
	v, err := e.eval(newEvaluator(st, 0))
	if err != nil {
		t.Errorf("%s: %v", expr, err)
		return
	}
	if got := v.format(0); got != want {
		t.Errorf("%s = %s, want %s", expr, got, want)
	}
}

// Casts and sizeof of C base types on WebAssembly values, without DWARF
// (the types are synthesised): Go's conversions are the reference.
func TestExprCasts(t *testing.T) {
	st := newExprFake()
	l0, l1, l2, n := int32(math.MaxInt32), int64(-5), float32(1.5), 300
	for _, c := range []struct{ expr, want string }{
		{"(char)300", fmt.Sprintf("i8:%d", int8(n))},
		{"(unsigned char)$0", fmt.Sprintf("u8:%d", uint8(l0))},
		{"(short)$1", fmt.Sprintf("i16:%d", int16(l1))},
		{"(unsigned)$1", fmt.Sprintf("u32:%d", uint32(l1))},
		{"(unsigned long long)$1", fmt.Sprintf("u64:%d", uint64(l1))},
		{"(signed char)(unsigned short)-1", fmt.Sprintf("i8:%d", int8(-1))},
		{"(int)$2", fmt.Sprintf("i32:%d", int32(l2))},
		{"(int)-$2", fmt.Sprintf("i32:%d", int32(-l2))},
		{"(long long)$0 * 4", fmt.Sprintf("i64:%d", int64(l0)*4)},
		{"(double)$0 / 2", "f64:" + FormatF64(math.Float64bits(float64(l0)/2))},
		{"(float)$3", "f32:" + FormatF32(math.Float32bits(float32(0.1)))},
		{"(_Bool)$3 + 0", "u32:1"}, // _Bool is a u8 in arithmetic
		{"(int *)0x1000 + 1", "u32:4100"},
		{"sizeof(int)", "u32:4"},
		{"sizeof(long)", "u32:4"},
		{"sizeof(double *) + sizeof(short) + sizeof(long long)", "u32:14"},
		{"sizeof (unsigned char) * 3", "u32:3"},
		{"(big) - 1", "i64:-6"}, // a name in parentheses before an operator is no cast
		{"(big) * 2", "i64:-10"},
	} {
		checkExpr(t, st, c.expr, c.want)
	}
	for _, c := range []struct{ expr, want string }{
		{"(big)(1)", "no type big: the module has no DWARF"},
		{"(struct s *)0", "no type struct s"},
		{"(unsigned double)1", `"unsigned double" is not a C type`},
		{"(int", `expected ")"`},
		{"(struct)1", "expected a name after struct"},
		{"sizeof $0", "not a C object or type"},
		{"(void)1", "cannot cast to void"},
		{"(int *)0 + (int *)0", "pointers cannot be added"},
		{"(void *)0 + 1", "void *"},
		{"(int)$0 - (int *)4", "cannot be subtracted"},
		{"(int *)4 - (char *)4", "different types"},
	} {
		e, err := ParseExpr(c.expr)
		if err == nil {
			_, err = e.eval(newEvaluator(st, 0))
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.expr, err, c.want)
		}
	}
}

func TestExprErrors(t *testing.T) {
	st := newExprFake()
	for _, c := range []struct{ expr, want string }{
		{"1 +", `in "1 +" at column 4: expected a value at the end`},
		{"mem[1", `expected "]" at the end`},
		{"i32 5", "expected mem[ADDR] after i32"},
		{"(1", `expected ")"`},
		{"1 2", `at column 3: unexpected "2"`},
		{"#", `unexpected "#"`},
		{"local x", "expected a local number"},
		{"1 / 0", "division by zero"},
		{"$2 & 1", "& is not defined on floats"},
		{"~$3", "not an integer"},
		{"f64 mem[65535]", "mem[0xffff..0x10007] is out of bounds (the memory has 65536 bytes)"},
		{"mem[-1]", "outside the 32-bit memory"},
		{"mem[1.5]", "is not an integer"},
		{"local 9", "no local 9 in f (it has 4)"},
		{"global 5", "no global 5 (the module has 2)"},
		{"stack 2", "no stack slot 2 (the operand stack holds 2)"},
		{"nosuch", `no local or global named "nosuch" in f`},
		{"0x", `"0x" is not a number`},
	} {
		e, err := ParseExpr(c.expr)
		if err == nil {
			_, err = e.eval(newEvaluator(st, 0))
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.expr, err, c.want)
		}
	}
}

// TestExprAssign converts values to the types of the places they go to.
func TestExprAssign(t *testing.T) {
	for _, c := range []struct {
		v    value
		t    wasm.ValType
		want uint64
		err  bool
	}{
		{value{k: kConst, i: -1}, wasm.I32, 0xffffffff, false},
		{value{k: kConst, i: 1 << 33}, wasm.I64, 1 << 33, false},
		{value{k: kConst, i: 3}, wasm.F64, math.Float64bits(3), false},
		{value{k: kF64, f: 0.1}, wasm.F32, uint64(math.Float32bits(0.1)), false},
		{value{k: kF64, f: 2.5}, wasm.I32, 0, true},
	} {
		got, err := c.v.toSnapshot(c.t)
		if (err != nil) != c.err || err == nil && (got.Lo != c.want || got.Type != c.t) {
			t.Errorf("%v as %v: %v %v, want %x", c.v.format(0), c.t, got, err, c.want)
		}
	}
	b, err := memTypes["i16"].encode(value{k: kConst, i: -2})
	if err != nil || fmt.Sprintf("% x", b) != "fe ff" {
		t.Errorf("i16 -2: % x %v", b, err)
	}
}
