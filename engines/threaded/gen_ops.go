//go:build ignore

// gen_ops writes ops_gen.go: the numeric, memory and compare-and-branch
// operations in every variant of where their operands live (r: the
// register of the operand's class, r0 for integers and references, fp0 for
// floats; s: a slot of the frame) and where their result goes (r: the
// register; s: a slot, used when the result is fused with the local.set
// that follows). Wasm3 writes these variants with C macros; here a table
// and a template do it.
//
//	go run gen_ops.go
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
	"strings"
)

// class of a Wasm type: which register caches it.
func class(t string) string {
	if t == "f32" || t == "f64" {
		return "f"
	}
	return "i"
}

var goType = map[string]string{"i32": "uint32", "i64": "uint64", "f32": "float32", "f64": "float64"}

// read returns Go code reading an operand of type t from loc ("r" or a slot
// expression).
func read(t, loc, field string) string {
	if loc == "r" {
		switch t {
		case "i32":
			return "uint32(m.r0)"
		case "i64":
			return "m.r0"
		case "f32":
			return "math.Float32frombits(uint32(m.fp0))"
		case "f64":
			return "math.Float64frombits(m.fp0)"
		}
	}
	p := fmt.Sprintf("unsafe.Add(m.fp, in.%s)", field)
	switch t {
	case "i32":
		return fmt.Sprintf("*(*uint32)(%s)", p)
	case "i64":
		return fmt.Sprintf("*(*uint64)(%s)", p)
	case "f32":
		return fmt.Sprintf("*(*float32)(%s)", p)
	case "f64":
		return fmt.Sprintf("*(*float64)(%s)", p)
	}
	panic(t)
}

// write returns Go code storing v of type t to the register or to the slot
// at in.<field>. i32 and f32 values are stored zero-extended.
func write(t, dst, field, v string) string {
	if dst == "r" {
		switch t {
		case "i32":
			return fmt.Sprintf("m.r0 = uint64(%s)", v)
		case "i64":
			return fmt.Sprintf("m.r0 = %s", v)
		case "f32":
			return fmt.Sprintf("m.fp0 = uint64(math.Float32bits(%s))", v)
		case "f64":
			return fmt.Sprintf("m.fp0 = math.Float64bits(%s)", v)
		}
	}
	p := fmt.Sprintf("unsafe.Add(m.fp, in.%s)", field)
	switch t {
	case "i32":
		return fmt.Sprintf("*(*uint64)(%s) = uint64(%s)", p, v)
	case "i64":
		return fmt.Sprintf("*(*uint64)(%s) = %s", p, v)
	case "f32":
		return fmt.Sprintf("*(*uint64)(%s) = uint64(math.Float32bits(%s))", p, v)
	case "f64":
		return fmt.Sprintf("*(*float64)(%s) = %s", p, v)
	}
	panic(t)
}

type op struct {
	wasm    string // wasm.Op name without the prefix
	x, y, r string // operand and result types ("" when absent)
	body    string // Go statements: x, y given, assign r; TRAP(msg) traps
}

func bin(name, t, r, body string) op { return op{name, t, t, r, body} }
func un(name, x, r, body string) op  { return op{name, x, "", r, body} }

var binops = []op{
	bin("I32Add", "i32", "i32", "r = x + y"),
	bin("I32Sub", "i32", "i32", "r = x - y"),
	bin("I32Mul", "i32", "i32", "r = x * y"),
	bin("I32DivS", "i32", "i32", "if y == 0 { TRAP(msgDivideByZero) }; if int32(y) == -1 && int32(x) == math.MinInt32 { TRAP(msgIntegerOverflow) }; r = uint32(int32(x) / int32(y))"),
	bin("I32DivU", "i32", "i32", "if y == 0 { TRAP(msgDivideByZero) }; r = x / y"),
	bin("I32RemS", "i32", "i32", "if y == 0 { TRAP(msgDivideByZero) }; if int32(y) != -1 { r = uint32(int32(x) % int32(y)) }"),
	bin("I32RemU", "i32", "i32", "if y == 0 { TRAP(msgDivideByZero) }; r = x % y"),
	bin("I32And", "i32", "i32", "r = x & y"),
	bin("I32Or", "i32", "i32", "r = x | y"),
	bin("I32Xor", "i32", "i32", "r = x ^ y"),
	bin("I32Shl", "i32", "i32", "r = x << (y & 31)"),
	bin("I32ShrS", "i32", "i32", "r = uint32(int32(x) >> (y & 31))"),
	bin("I32ShrU", "i32", "i32", "r = x >> (y & 31)"),
	bin("I32Rotl", "i32", "i32", "r = bits.RotateLeft32(x, int(y&31))"),
	bin("I32Rotr", "i32", "i32", "r = bits.RotateLeft32(x, -int(y&31))"),
	bin("I32Eq", "i32", "i32", "r = b2i(x == y)"),
	bin("I32Ne", "i32", "i32", "r = b2i(x != y)"),
	bin("I32LtS", "i32", "i32", "r = b2i(int32(x) < int32(y))"),
	bin("I32LtU", "i32", "i32", "r = b2i(x < y)"),
	bin("I32GtS", "i32", "i32", "r = b2i(int32(x) > int32(y))"),
	bin("I32GtU", "i32", "i32", "r = b2i(x > y)"),
	bin("I32LeS", "i32", "i32", "r = b2i(int32(x) <= int32(y))"),
	bin("I32LeU", "i32", "i32", "r = b2i(x <= y)"),
	bin("I32GeS", "i32", "i32", "r = b2i(int32(x) >= int32(y))"),
	bin("I32GeU", "i32", "i32", "r = b2i(x >= y)"),

	bin("I64Add", "i64", "i64", "r = x + y"),
	bin("I64Sub", "i64", "i64", "r = x - y"),
	bin("I64Mul", "i64", "i64", "r = x * y"),
	bin("I64DivS", "i64", "i64", "if y == 0 { TRAP(msgDivideByZero) }; if int64(y) == -1 && int64(x) == math.MinInt64 { TRAP(msgIntegerOverflow) }; r = uint64(int64(x) / int64(y))"),
	bin("I64DivU", "i64", "i64", "if y == 0 { TRAP(msgDivideByZero) }; r = x / y"),
	bin("I64RemS", "i64", "i64", "if y == 0 { TRAP(msgDivideByZero) }; if int64(y) != -1 { r = uint64(int64(x) % int64(y)) }"),
	bin("I64RemU", "i64", "i64", "if y == 0 { TRAP(msgDivideByZero) }; r = x % y"),
	bin("I64And", "i64", "i64", "r = x & y"),
	bin("I64Or", "i64", "i64", "r = x | y"),
	bin("I64Xor", "i64", "i64", "r = x ^ y"),
	bin("I64Shl", "i64", "i64", "r = x << (y & 63)"),
	bin("I64ShrS", "i64", "i64", "r = uint64(int64(x) >> (y & 63))"),
	bin("I64ShrU", "i64", "i64", "r = x >> (y & 63)"),
	bin("I64Rotl", "i64", "i64", "r = bits.RotateLeft64(x, int(y&63))"),
	bin("I64Rotr", "i64", "i64", "r = bits.RotateLeft64(x, -int(y&63))"),
	bin("I64Eq", "i64", "i32", "r = b2i(x == y)"),
	bin("I64Ne", "i64", "i32", "r = b2i(x != y)"),
	bin("I64LtS", "i64", "i32", "r = b2i(int64(x) < int64(y))"),
	bin("I64LtU", "i64", "i32", "r = b2i(x < y)"),
	bin("I64GtS", "i64", "i32", "r = b2i(int64(x) > int64(y))"),
	bin("I64GtU", "i64", "i32", "r = b2i(x > y)"),
	bin("I64LeS", "i64", "i32", "r = b2i(int64(x) <= int64(y))"),
	bin("I64LeU", "i64", "i32", "r = b2i(x <= y)"),
	bin("I64GeS", "i64", "i32", "r = b2i(int64(x) >= int64(y))"),
	bin("I64GeU", "i64", "i32", "r = b2i(x >= y)"),

	bin("F32Add", "f32", "f32", "r = x + y"),
	bin("F32Sub", "f32", "f32", "r = x - y"),
	bin("F32Mul", "f32", "f32", "r = x * y"),
	bin("F32Div", "f32", "f32", "r = x / y"),
	bin("F32Min", "f32", "f32", "r = math.Float32frombits(numeric.Fmin32(math.Float32bits(x), math.Float32bits(y)))"),
	bin("F32Max", "f32", "f32", "r = math.Float32frombits(numeric.Fmax32(math.Float32bits(x), math.Float32bits(y)))"),
	bin("F32Copysign", "f32", "f32", "r = math.Float32frombits(math.Float32bits(x)&0x7fffffff | math.Float32bits(y)&0x80000000)"),
	bin("F32Eq", "f32", "i32", "r = b2i(x == y)"),
	bin("F32Ne", "f32", "i32", "r = b2i(x != y)"),
	bin("F32Lt", "f32", "i32", "r = b2i(x < y)"),
	bin("F32Gt", "f32", "i32", "r = b2i(x > y)"),
	bin("F32Le", "f32", "i32", "r = b2i(x <= y)"),
	bin("F32Ge", "f32", "i32", "r = b2i(x >= y)"),

	bin("F64Add", "f64", "f64", "r = x + y"),
	bin("F64Sub", "f64", "f64", "r = x - y"),
	bin("F64Mul", "f64", "f64", "r = x * y"),
	bin("F64Div", "f64", "f64", "r = x / y"),
	bin("F64Min", "f64", "f64", "r = math.Float64frombits(numeric.Fmin64(math.Float64bits(x), math.Float64bits(y)))"),
	bin("F64Max", "f64", "f64", "r = math.Float64frombits(numeric.Fmax64(math.Float64bits(x), math.Float64bits(y)))"),
	bin("F64Copysign", "f64", "f64", "r = math.Float64frombits(math.Float64bits(x)&(1<<63-1) | math.Float64bits(y)&(1<<63))"),
	bin("F64Eq", "f64", "i32", "r = b2i(x == y)"),
	bin("F64Ne", "f64", "i32", "r = b2i(x != y)"),
	bin("F64Lt", "f64", "i32", "r = b2i(x < y)"),
	bin("F64Gt", "f64", "i32", "r = b2i(x > y)"),
	bin("F64Le", "f64", "i32", "r = b2i(x <= y)"),
	bin("F64Ge", "f64", "i32", "r = b2i(x >= y)"),
}

func trunc(name, x, r, fn string) op {
	return un(name, x, r, fmt.Sprintf("v, msg := numeric.%s(float64(x)); if msg != \"\" { TRAP(msg) }; r = %s(v)", fn, goType[r]))
}

func sat(name, x, r, fn string) op {
	return un(name, x, r, fmt.Sprintf("r = %s(numeric.%s(float64(x)))", goType[r], fn))
}

var unops = []op{
	un("I32Eqz", "i32", "i32", "r = b2i(x == 0)"),
	un("I32Clz", "i32", "i32", "r = uint32(bits.LeadingZeros32(x))"),
	un("I32Ctz", "i32", "i32", "r = uint32(bits.TrailingZeros32(x))"),
	un("I32Popcnt", "i32", "i32", "r = uint32(bits.OnesCount32(x))"),
	un("I64Eqz", "i64", "i32", "r = b2i(x == 0)"),
	un("I64Clz", "i64", "i64", "r = uint64(bits.LeadingZeros64(x))"),
	un("I64Ctz", "i64", "i64", "r = uint64(bits.TrailingZeros64(x))"),
	un("I64Popcnt", "i64", "i64", "r = uint64(bits.OnesCount64(x))"),

	un("F32Abs", "f32", "f32", "r = math.Float32frombits(math.Float32bits(x) &^ 0x80000000)"),
	un("F32Neg", "f32", "f32", "r = math.Float32frombits(math.Float32bits(x) ^ 0x80000000)"),
	un("F32Ceil", "f32", "f32", "r = math.Float32frombits(numeric.Round32(math.Float32bits(x), math.Ceil))"),
	un("F32Floor", "f32", "f32", "r = math.Float32frombits(numeric.Round32(math.Float32bits(x), math.Floor))"),
	un("F32Trunc", "f32", "f32", "r = math.Float32frombits(numeric.Round32(math.Float32bits(x), math.Trunc))"),
	un("F32Nearest", "f32", "f32", "r = math.Float32frombits(numeric.Round32(math.Float32bits(x), math.RoundToEven))"),
	un("F32Sqrt", "f32", "f32", "r = float32(math.Sqrt(float64(x)))"),
	un("F64Abs", "f64", "f64", "r = math.Float64frombits(math.Float64bits(x) &^ (1 << 63))"),
	un("F64Neg", "f64", "f64", "r = math.Float64frombits(math.Float64bits(x) ^ (1 << 63))"),
	un("F64Ceil", "f64", "f64", "r = math.Float64frombits(numeric.Round64(math.Float64bits(x), math.Ceil))"),
	un("F64Floor", "f64", "f64", "r = math.Float64frombits(numeric.Round64(math.Float64bits(x), math.Floor))"),
	un("F64Trunc", "f64", "f64", "r = math.Float64frombits(numeric.Round64(math.Float64bits(x), math.Trunc))"),
	un("F64Nearest", "f64", "f64", "r = math.Float64frombits(numeric.Round64(math.Float64bits(x), math.RoundToEven))"),
	un("F64Sqrt", "f64", "f64", "r = math.Sqrt(x)"),

	un("I32WrapI64", "i64", "i32", "r = uint32(x)"),
	trunc("I32TruncF32S", "f32", "i32", "TruncI32S"),
	trunc("I32TruncF32U", "f32", "i32", "TruncI32U"),
	trunc("I32TruncF64S", "f64", "i32", "TruncI32S"),
	trunc("I32TruncF64U", "f64", "i32", "TruncI32U"),
	un("I64ExtendI32S", "i32", "i64", "r = uint64(int64(int32(x)))"),
	un("I64ExtendI32U", "i32", "i64", "r = uint64(x)"),
	trunc("I64TruncF32S", "f32", "i64", "TruncI64S"),
	trunc("I64TruncF32U", "f32", "i64", "TruncI64U"),
	trunc("I64TruncF64S", "f64", "i64", "TruncI64S"),
	trunc("I64TruncF64U", "f64", "i64", "TruncI64U"),
	un("F32ConvertI32S", "i32", "f32", "r = float32(int32(x))"),
	un("F32ConvertI32U", "i32", "f32", "r = float32(x)"),
	un("F32ConvertI64S", "i64", "f32", "r = float32(int64(x))"),
	un("F32ConvertI64U", "i64", "f32", "r = float32(x)"),
	un("F32DemoteF64", "f64", "f32", "r = float32(x)"),
	un("F64ConvertI32S", "i32", "f64", "r = float64(int32(x))"),
	un("F64ConvertI32U", "i32", "f64", "r = float64(x)"),
	un("F64ConvertI64S", "i64", "f64", "r = float64(int64(x))"),
	un("F64ConvertI64U", "i64", "f64", "r = float64(x)"),
	un("F64PromoteF32", "f32", "f64", "r = float64(x)"),
	un("I32ReinterpretF32", "f32", "i32", "r = math.Float32bits(x)"),
	un("I64ReinterpretF64", "f64", "i64", "r = math.Float64bits(x)"),
	un("F32ReinterpretI32", "i32", "f32", "r = math.Float32frombits(x)"),
	un("F64ReinterpretI64", "i64", "f64", "r = math.Float64frombits(x)"),
	un("I32Extend8S", "i32", "i32", "r = uint32(int32(int8(x)))"),
	un("I32Extend16S", "i32", "i32", "r = uint32(int32(int16(x)))"),
	un("I64Extend8S", "i64", "i64", "r = uint64(int64(int8(x)))"),
	un("I64Extend16S", "i64", "i64", "r = uint64(int64(int16(x)))"),
	un("I64Extend32S", "i64", "i64", "r = uint64(int64(int32(x)))"),
	sat("I32TruncSatF32S", "f32", "i32", "SatI32S"),
	sat("I32TruncSatF32U", "f32", "i32", "SatI32U"),
	sat("I32TruncSatF64S", "f64", "i32", "SatI32S"),
	sat("I32TruncSatF64U", "f64", "i32", "SatI32U"),
	sat("I64TruncSatF32S", "f32", "i64", "SatI64S"),
	sat("I64TruncSatF32U", "f32", "i64", "SatI64U"),
	sat("I64TruncSatF64S", "f64", "i64", "SatI64S"),
	sat("I64TruncSatF64U", "f64", "i64", "SatI64U"),
	un("RefIsNull", "i64", "i32", "r = b2i(x == 0)"),
}

// loads: result type, width in bytes, Go expression of the loaded value
// from p (an unsafe.Pointer into memory).
type load struct {
	wasm, r string
	width   int
	expr    string
}

var loads = []load{
	{"I32Load", "i32", 4, "*(*uint32)(p)"},
	{"I64Load", "i64", 8, "*(*uint64)(p)"},
	{"F32Load", "f32", 4, "*(*float32)(p)"},
	{"F64Load", "f64", 8, "*(*float64)(p)"},
	{"I32Load8S", "i32", 1, "uint32(int32(*(*int8)(p)))"},
	{"I32Load8U", "i32", 1, "uint32(*(*uint8)(p))"},
	{"I32Load16S", "i32", 2, "uint32(int32(*(*int16)(p)))"},
	{"I32Load16U", "i32", 2, "uint32(*(*uint16)(p))"},
	{"I64Load8S", "i64", 1, "uint64(int64(*(*int8)(p)))"},
	{"I64Load8U", "i64", 1, "uint64(*(*uint8)(p))"},
	{"I64Load16S", "i64", 2, "uint64(int64(*(*int16)(p)))"},
	{"I64Load16U", "i64", 2, "uint64(*(*uint16)(p))"},
	{"I64Load32S", "i64", 4, "uint64(int64(*(*int32)(p)))"},
	{"I64Load32U", "i64", 4, "uint64(*(*uint32)(p))"},
}

// stores: value type, width, Go statement storing v at p.
type store struct {
	wasm, v string
	width   int
	stmt    string
}

var stores = []store{
	{"I32Store", "i32", 4, "*(*uint32)(p) = v"},
	{"I64Store", "i64", 8, "*(*uint64)(p) = v"},
	{"F32Store", "f32", 4, "*(*float32)(p) = v"},
	{"F64Store", "f64", 8, "*(*float64)(p) = v"},
	{"I32Store8", "i32", 1, "*(*uint8)(p) = uint8(v)"},
	{"I32Store16", "i32", 2, "*(*uint16)(p) = uint16(v)"},
	{"I64Store8", "i64", 1, "*(*uint8)(p) = uint8(v)"},
	{"I64Store16", "i64", 2, "*(*uint16)(p) = uint16(v)"},
	{"I64Store32", "i64", 4, "*(*uint32)(p) = uint32(v)"},
}

// compare-and-branch fusions: an i32 comparison whose only use is the next
// br_if (which carries no values).
var cmpbr = []struct{ wasm, cond string }{
	{"I32Eq", "x == y"}, {"I32Ne", "x != y"},
	{"I32LtS", "int32(x) < int32(y)"}, {"I32LtU", "x < y"},
	{"I32GtS", "int32(x) > int32(y)"}, {"I32GtU", "x > y"},
	{"I32LeS", "int32(x) <= int32(y)"}, {"I32LeU", "x <= y"},
	{"I32GeS", "int32(x) >= int32(y)"}, {"I32GeU", "x >= y"},
	{"I64Eq", "x == y"}, {"I64Ne", "x != y"},
	{"I64LtS", "int64(x) < int64(y)"}, {"I64LtU", "x < y"},
	{"I64GtS", "int64(x) > int64(y)"}, {"I64GtU", "x > y"},
	{"I64LeS", "int64(x) <= int64(y)"}, {"I64LeU", "x <= y"},
	{"I64GeS", "int64(x) >= int64(y)"}, {"I64GeU", "x >= y"},
}

var eqzbr = []struct{ wasm, t string }{{"I32Eqz", "i32"}, {"I64Eqz", "i64"}}

var locs = []string{"r", "s"}

func lower(s string) string { return strings.ToLower(s[:1]) + s[1:] }

// trapify turns TRAP(msg) into a return: the spec's constant messages
// through a deferred trap (which keeps the operation a frameless leaf),
// others through m.trap.
func trapify(body string) string {
	for _, k := range []string{"DivideByZero", "IntegerOverflow"} {
		body = strings.ReplaceAll(body, "TRAP(msg"+k+")", "return m.deferTrap(in, &trap"+k+")")
	}
	return strings.ReplaceAll(strings.ReplaceAll(body, "TRAP(", "return m.trap(in, "), "; ", "\n")
}

// jumpCode takes a branch (m.jump, m.jumpLoop), written out: the
// inliner does not take jumpLoop.
func jumpCode(loop string) string {
	if loop == "" {
		return "m.cbase += in.c >> 32\nreturn jumpTarget(in)\n"
	}
	return "m.cbase += in.c >> 32\nif m.cbase >= m.fastLimit() {\nreturn m.deferTrap(in, &loopExit)\n}\nreturn jumpTarget(in)\n"
}

func main() {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("// Code generated by gen_ops.go; DO NOT EDIT.\n\npackage threaded\n\n")
	p("import (\n\"math\"\n\"math/bits\"\n\"unsafe\"\n\n\"github.com/wdb-dev/wdb/engines/numeric\"\n\"github.com/wdb-dev/wdb/wasm\"\n)\n\n")
	p("var _ = bits.Len\n\n")

	// Binary: operands x (in.a) and y (in.b), result to the register or
	// to slot in.c.
	for _, o := range binops {
		for xi, xl := range locs {
			for yi, yl := range locs {
				if xl == "r" && yl == "r" && class(o.x) == class(o.y) {
					continue
				}
				for _, dst := range locs {
					p("func op%s_%s%s_%s(m *machine, in *inst) *inst {\n", o.wasm, xl, yl, dst)
					p("x, y := %s, %s\n", read(o.x, xl, "a"), read(o.y, yl, "b"))
					p("var r %s\n%s\n", goType[o.r], trapify(o.body))
					p("%s\nreturn next(in)\n}\n\n", write(o.r, dst, "c", "r"))
					_, _ = xi, yi
				}
			}
		}
	}
	p("// binTable[op][x][y][dst]: 0 is the register, 1 a slot.\nvar binTable = map[wasm.Opcode]*[2][2][2]opFn{\n")
	for _, o := range binops {
		p("wasm.Op%s: {", o.wasm)
		for _, xl := range locs {
			p("{")
			for _, yl := range locs {
				if xl == "r" && yl == "r" && class(o.x) == class(o.y) {
					p("{nil, nil},")
					continue
				}
				p("{op%s_%s%s_r, op%s_%s%s_s},", o.wasm, xl, yl, o.wasm, xl, yl)
			}
			p("},")
		}
		p("},\n")
	}
	p("}\n\n")

	for _, o := range unops {
		for _, xl := range locs {
			for _, dst := range locs {
				p("func op%s_%s_%s(m *machine, in *inst) *inst {\n", o.wasm, xl, dst)
				p("x := %s\n", read(o.x, xl, "a"))
				p("var r %s\n%s\n", goType[o.r], trapify(o.body))
				p("%s\nreturn next(in)\n}\n\n", write(o.r, dst, "c", "r"))
			}
		}
	}
	p("// unTable[op][x][dst]: 0 is the register, 1 a slot.\nvar unTable = map[wasm.Opcode]*[2][2]opFn{\n")
	for _, o := range unops {
		p("wasm.Op%s: {{op%[1]s_r_r, op%[1]s_r_s}, {op%[1]s_s_r, op%[1]s_s_s}},\n", o.wasm)
	}
	p("}\n\n")

	// Loads: address in.a, result to the register or slot in.b, static
	// offset in.c.
	for _, l := range loads {
		for _, al := range locs {
			for _, dst := range locs {
				p("func op%s_%s_%s(m *machine, in *inst) *inst {\n", l.wasm, al, dst)
				p("ea := uint64(%s) + uint64(in.c)\n", read("i32", al, "a"))
				p("if ea+%d > uint64(len(m.mem)) { return m.deferTrap(in, &trapMemoryOOB) }\n", l.width)
				p("p := unsafe.Add(unsafe.Pointer(unsafe.SliceData(m.mem)), ea)\n")
				p("%s\nreturn next(in)\n}\n\n", write(l.r, dst, "b", l.expr))
			}
		}
	}
	p("// loadTable[op][addr][dst]: 0 is the register, 1 a slot.\nvar loadTable = map[wasm.Opcode]*[2][2]opFn{\n")
	for _, l := range loads {
		p("wasm.Op%s: {{op%[1]s_r_r, op%[1]s_r_s}, {op%[1]s_s_r, op%[1]s_s_s}},\n", l.wasm)
	}
	p("}\n\n")

	// Loads fused with the i32.add of two slots that computes their
	// address (fast variant): a and b the add's operands, the static
	// offset in the low 32 bits of c, a result slot in the high 32. A
	// trap leaves the address in r0, where the load's boundary has it.
	for _, l := range loads {
		for _, dst := range locs {
			p("func op%sAdd_ss_%s(m *machine, in *inst) *inst {\n", l.wasm, dst)
			p("a := *(*uint32)(unsafe.Add(m.fp, in.a)) + *(*uint32)(unsafe.Add(m.fp, in.b))\n")
			p("ea := uint64(a) + uint64(uint32(in.c))\n")
			p("if ea+%d > uint64(len(m.mem)) {\nm.r0 = uint64(a)\nreturn m.deferTrap(in, &trapMemoryOOB)\n}\n", l.width)
			p("p := unsafe.Add(unsafe.Pointer(unsafe.SliceData(m.mem)), ea)\n")
			w := write(l.r, dst, "c", l.expr)
			w = strings.Replace(w, "unsafe.Add(m.fp, in.c)", "unsafe.Add(m.fp, in.c>>32)", 1)
			p("%s\nreturn next(in)\n}\n\n", w)
		}
	}
	p("// loadAddTable[op][dst]: 0 is the register, 1 a slot.\nvar loadAddTable = map[wasm.Opcode]*[2]opFn{\n")
	for _, l := range loads {
		p("wasm.Op%s: {op%[1]sAdd_ss_r, op%[1]sAdd_ss_s},\n", l.wasm)
	}
	p("}\n\n")

	// Stores: address in.a, value in.b, static offset in.c.
	for _, s := range stores {
		for _, al := range locs {
			for _, vl := range locs {
				if al == "r" && vl == "r" && class(s.v) == "i" {
					continue
				}
				p("func op%s_%s%s(m *machine, in *inst) *inst {\n", s.wasm, al, vl)
				p("ea := uint64(%s) + uint64(in.c)\n", read("i32", al, "a"))
				p("v := %s\n", read(s.v, vl, "b"))
				p("if ea+%d > uint64(len(m.mem)) { return m.deferTrap(in, &trapMemoryOOB) }\n", s.width)
				p("p := unsafe.Add(unsafe.Pointer(unsafe.SliceData(m.mem)), ea)\n")
				p("%s\nreturn next(in)\n}\n\n", s.stmt)
			}
		}
	}
	// Stores fused with the i32.add of two slots that computes their
	// address, the value being a local or a constant pushed in between
	// (fast variant): a and b the add's operands, the static offset in the
	// low 32 bits of c, the value's slot in the high 32. A trap leaves the
	// address in r0, where the store's boundary has it.
	for _, st := range stores {
		p("func op%sAdd_sss(m *machine, in *inst) *inst {\n", st.wasm)
		p("a := *(*uint32)(unsafe.Add(m.fp, in.a)) + *(*uint32)(unsafe.Add(m.fp, in.b))\n")
		p("ea := uint64(a) + uint64(uint32(in.c))\n")
		p("v := %s\n", strings.Replace(read(st.v, "s", "c"), "unsafe.Add(m.fp, in.c)", "unsafe.Add(m.fp, in.c>>32)", 1))
		p("if ea+%d > uint64(len(m.mem)) {\nm.r0 = uint64(a)\nreturn m.deferTrap(in, &trapMemoryOOB)\n}\n", st.width)
		p("p := unsafe.Add(unsafe.Pointer(unsafe.SliceData(m.mem)), ea)\n")
		p("%s\nreturn next(in)\n}\n\n", st.stmt)
	}
	p("var storeAddTable = map[wasm.Opcode]opFn{\n")
	for _, st := range stores {
		p("wasm.Op%s: op%[1]sAdd_sss,\n", st.wasm)
	}
	p("}\n\n")

	p("// storeTable[op][addr][value]: 0 is the register, 1 a slot.\nvar storeTable = map[wasm.Opcode]*[2][2]opFn{\n")
	for _, s := range stores {
		rr := "nil"
		if class(s.v) == "f" {
			rr = "op" + s.wasm + "_rr"
		}
		p("wasm.Op%s: {{%s, op%[1]s_rs}, {op%[1]s_sr, op%[1]s_ss}},\n", s.wasm, rr)
	}
	p("}\n\n")

	// Compare and branch: operands in.a, in.b; in.c holds the jump
	// (displacement in ops, low 32 bits) and the counter adjustment (high
	// 32 bits). The loop form is a check point.
	typeOf := func(w string) string { return strings.ToLower(w[:3]) }
	for _, c := range cmpbr {
		t := typeOf(c.wasm)
		for _, xl := range locs {
			for _, yl := range locs {
				if xl == "r" && yl == "r" {
					continue
				}
				for _, loop := range []string{"", "Loop"} {
					p("func opBr%s%s_%s%s(m *machine, in *inst) *inst {\n", c.wasm, loop, xl, yl)
					p("x, y := %s, %s\n", read(t, xl, "a"), read(t, yl, "b"))
					p("if %s {\n%s}\nreturn next(in)\n}\n\n", c.cond, jumpCode(loop))
				}
			}
		}
	}
	for _, c := range eqzbr {
		for _, xl := range locs {
			for _, loop := range []string{"", "Loop"} {
				p("func opBr%s%s_%s(m *machine, in *inst) *inst {\n", c.wasm, loop, xl)
				p("if %s == 0 {\n%s}\nreturn next(in)\n}\n\n", read(c.t, xl, "a"), jumpCode(loop))
			}
		}
	}
	p("// cmpBrTable[op][x][y][loop]: 0 is the register, 1 a slot; eqz uses [x][1].\nvar cmpBrTable = map[wasm.Opcode]*[2][2][2]opFn{\n")
	for _, c := range cmpbr {
		p("wasm.Op%s: {{{nil, nil}, {opBr%[1]s_rs, opBr%[1]sLoop_rs}}, {{opBr%[1]s_sr, opBr%[1]sLoop_sr}, {opBr%[1]s_ss, opBr%[1]sLoop_ss}}},\n", c.wasm)
	}
	for _, c := range eqzbr {
		p("wasm.Op%s: {{{nil, nil}, {opBr%[1]s_r, opBr%[1]sLoop_r}}, {{nil, nil}, {opBr%[1]s_s, opBr%[1]sLoop_s}}},\n", c.wasm)
	}
	p("}\n")

	out, err := format.Source(b.Bytes())
	if err != nil {
		os.WriteFile("ops_gen.go", b.Bytes(), 0o644)
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile("ops_gen.go", out, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
