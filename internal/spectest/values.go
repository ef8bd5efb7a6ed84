package spectest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// errSIMD marks a v128 value: the command needs SIMD and is skipped.
var errSIMD = errors.New("v128 value")

// pattern is what a value must be. It is either exact bits, a NaN class of
// f32 or f64, or (for references) any non-null reference.
type pattern struct {
	typ  wasm.ValType
	bits uint64
	kind patternKind
}

type patternKind byte

const (
	exact         patternKind = iota
	canonicalNaN              // nan:canonical
	arithmeticNaN             // nan:arithmetic
	anyRef                    // a reference type with no value given: any non-null reference
)

// externHandle maps the suite's externref N to the host handle N+1, so
// that handle 0 stays the null reference.
func externHandle(n uint64) uint64 { return n + 1 }

// parseValue converts a wast2json value.
func parseValue(v jsonValue) (pattern, error) {
	p := pattern{}
	switch v.Type {
	case "i32":
		p.typ = wasm.I32
	case "i64":
		p.typ = wasm.I64
	case "f32":
		p.typ = wasm.F32
	case "f64":
		p.typ = wasm.F64
	case "funcref":
		p.typ = wasm.FuncRef
	case "externref":
		p.typ = wasm.ExternRef
	case "v128":
		return p, errSIMD
	default:
		return p, fmt.Errorf("unknown value type %q", v.Type)
	}
	if len(v.Value) == 0 {
		if !p.typ.IsRef() {
			return p, fmt.Errorf("%s value missing", v.Type)
		}
		p.kind = anyRef
		return p, nil
	}
	var s string
	if err := json.Unmarshal(v.Value, &s); err != nil {
		return p, fmt.Errorf("%s value %s: %v", v.Type, v.Value, err)
	}
	switch {
	case s == "nan:canonical" && (p.typ == wasm.F32 || p.typ == wasm.F64):
		p.kind = canonicalNaN
		return p, nil
	case s == "nan:arithmetic" && (p.typ == wasm.F32 || p.typ == wasm.F64):
		p.kind = arithmeticNaN
		return p, nil
	case s == "null" && p.typ.IsRef():
		return p, nil
	}
	bits, err := parseBits(s, p.typ)
	if err != nil {
		return p, fmt.Errorf("%s value %q: %v", v.Type, s, err)
	}
	switch p.typ {
	case wasm.ExternRef:
		bits = externHandle(bits)
	case wasm.FuncRef:
		// The suite never writes a function reference's identity.
		return p, fmt.Errorf("funcref value %q: only null can be given", s)
	}
	p.bits = bits
	return p, nil
}

// parseBits reads the decimal bits of a number: unsigned as wast2json
// writes them, or signed.
func parseBits(s string, t wasm.ValType) (uint64, error) {
	size := 64
	if t == wasm.I32 || t == wasm.F32 {
		size = 32
	}
	if u, err := strconv.ParseUint(s, 10, size); err == nil {
		return u, nil
	}
	i, err := strconv.ParseInt(s, 10, size)
	if err != nil {
		return 0, err
	}
	if size == 32 {
		return uint64(uint32(i)), nil
	}
	return uint64(i), nil
}

// parseArgs converts an invocation's arguments.
func parseArgs(vs []jsonValue) ([]pattern, []uint64, error) {
	pats := make([]pattern, len(vs))
	bits := make([]uint64, len(vs))
	for i, v := range vs {
		p, err := parseValue(v)
		if err != nil {
			return nil, nil, err
		}
		if p.kind != exact {
			return nil, nil, fmt.Errorf("argument %d: %s is not a value", i, p)
		}
		pats[i], bits[i] = p, p.bits
	}
	return pats, bits, nil
}

// matches reports whether the bits of a result of type p.typ fit p.
// Values narrower than 64 bits must be zero-extended.
func (p pattern) matches(bits uint64) bool {
	switch p.kind {
	case canonicalNaN:
		if p.typ == wasm.F32 {
			return bits>>32 == 0 && bits&0x7fff_ffff == 0x7fc0_0000
		}
		return bits&0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000
	case arithmeticNaN:
		if p.typ == wasm.F32 {
			return bits>>32 == 0 && bits&0x7fc0_0000 == 0x7fc0_0000
		}
		return bits&0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000
	case anyRef:
		return bits != 0
	}
	return bits == p.bits
}

func (p pattern) String() string {
	switch p.kind {
	case canonicalNaN:
		return p.typ.String() + ":nan:canonical"
	case arithmeticNaN:
		return p.typ.String() + ":nan:arithmetic"
	case anyRef:
		return p.typ.String() + ":non-null"
	}
	return formatValue(p.typ, p.bits)
}

// formatValue shows a value with its type, e.g. "i32:-1", "f32:1.5",
// "f64:nan:0x7ff8000000000001", "funcref:2.7" (instance 2, function 7),
// "externref:41" (the suite's number, not the handle).
func formatValue(t wasm.ValType, bits uint64) string {
	return t.String() + ":" + formatBits(t, bits)
}

func formatBits(t wasm.ValType, bits uint64) string {
	narrow := t == wasm.I32 || t == wasm.F32
	if narrow && bits>>32 != 0 {
		// Not zero-extended: show every bit, it is a bug worth seeing.
		return fmt.Sprintf("0x%016x(high bits set)", bits)
	}
	switch t {
	case wasm.I32:
		return strconv.FormatInt(int64(int32(bits)), 10)
	case wasm.I64:
		return strconv.FormatInt(int64(bits), 10)
	case wasm.F32:
		f := math.Float32frombits(uint32(bits))
		if f != f {
			return fmt.Sprintf("nan:0x%08x", uint32(bits))
		}
		return strconv.FormatFloat(float64(f), 'g', -1, 32)
	case wasm.F64:
		f := math.Float64frombits(bits)
		if math.IsNaN(f) {
			return fmt.Sprintf("nan:0x%016x", bits)
		}
		return strconv.FormatFloat(f, 'g', -1, 64)
	case wasm.FuncRef:
		if bits == 0 {
			return "null"
		}
		inst, fn := engines.DecodeFuncRef(bits)
		return fmt.Sprintf("%d.%d", inst, fn)
	case wasm.ExternRef:
		if bits == 0 {
			return "null"
		}
		return strconv.FormatUint(bits-1, 10)
	}
	return fmt.Sprintf("0x%x", bits)
}

// formatArgs shows an invocation's arguments without their types, as the
// .wast script reads: [0 1.5 null].
func formatArgs(args []pattern) string {
	s := make([]string, len(args))
	for i, a := range args {
		s[i] = formatBits(a.typ, a.bits)
	}
	return "[" + strings.Join(s, " ") + "]"
}

// formatResults shows results typed by the function's signature.
func formatResults(types []wasm.ValType, bits []uint64) string {
	if len(bits) == 0 {
		return "no results"
	}
	s := make([]string, len(bits))
	for i, b := range bits {
		if i < len(types) {
			s[i] = formatValue(types[i], b)
		} else {
			s[i] = fmt.Sprintf("0x%x", b)
		}
	}
	return strings.Join(s, ", ")
}

func formatPatterns(ps []pattern) string {
	if len(ps) == 0 {
		return "no results"
	}
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}
