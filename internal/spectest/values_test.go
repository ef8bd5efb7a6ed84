package spectest

import (
	"encoding/json"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

func jv(typ, value string) jsonValue {
	v := jsonValue{Type: typ}
	if value != "" {
		v.Value, _ = json.Marshal(value)
	}
	return v
}

func TestPatterns(t *testing.T) {
	tests := []struct {
		v     jsonValue
		bits  uint64
		match bool
	}{
		{jv("i32", "4294967295"), 0xffff_ffff, true},
		{jv("i32", "4294967295"), 0xffff_ffff_ffff_ffff, false}, // not zero-extended
		{jv("i32", "-1"), 0xffff_ffff, true},
		{jv("i64", "18446744073709551615"), 0xffff_ffff_ffff_ffff, true},
		{jv("f32", "2143289344"), 0x7fc0_0000, true},
		{jv("f32", "nan:canonical"), 0x7fc0_0000, true},
		{jv("f32", "nan:canonical"), 0xffc0_0000, true},
		{jv("f32", "nan:canonical"), 0x7fc0_0001, false},
		{jv("f32", "nan:arithmetic"), 0x7fc0_0001, true},
		{jv("f32", "nan:arithmetic"), 0x7fa0_0000, false},
		{jv("f64", "nan:canonical"), 0xfff8_0000_0000_0000, true},
		{jv("f64", "nan:canonical"), 0x7ff8_0000_0000_0001, false},
		{jv("f64", "nan:arithmetic"), 0x7ffc_0000_0000_0000, true},
		{jv("f64", "nan:arithmetic"), 0x7ff4_0000_0000_0000, false},
		{jv("externref", "null"), 0, true},
		{jv("externref", "0"), 1, true},
		{jv("externref", "0"), 0, false},
		{jv("externref", ""), 5, true},
		{jv("funcref", "null"), 0, true},
		{jv("funcref", "null"), engines.FuncRef(0, 0), false},
		{jv("funcref", ""), engines.FuncRef(0, 0), true},
		{jv("funcref", ""), 0, false},
	}
	for _, tc := range tests {
		p, err := parseValue(tc.v)
		if err != nil {
			t.Errorf("parseValue(%s %s): %v", tc.v.Type, tc.v.Value, err)
			continue
		}
		if got := p.matches(tc.bits); got != tc.match {
			t.Errorf("%v matches 0x%x = %v, want %v", p, tc.bits, got, tc.match)
		}
	}
	if _, err := parseValue(jsonValue{Type: "v128", Value: json.RawMessage(`["0","0","0","0"]`)}); err != errSIMD {
		t.Errorf("v128: got %v, want errSIMD", err)
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		t    wasm.ValType
		bits uint64
		want string
	}{
		{wasm.I32, 0xffff_fffb, "i32:-5"},
		{wasm.I32, 1 << 40, "i32:0x0000010000000000(high bits set)"},
		{wasm.F32, 0x3fc0_0000, "f32:1.5"},
		{wasm.F32, 0x8000_0000, "f32:-0"},
		{wasm.F64, 0x7ff8_0000_0000_0001, "f64:nan:0x7ff8000000000001"},
		{wasm.FuncRef, 0, "funcref:null"},
		{wasm.FuncRef, engines.FuncRef(2, 7), "funcref:2.7"},
		{wasm.ExternRef, externHandle(41), "externref:41"},
	}
	for _, tc := range tests {
		if got := formatValue(tc.t, tc.bits); got != tc.want {
			t.Errorf("formatValue(%v, 0x%x) = %q, want %q", tc.t, tc.bits, got, tc.want)
		}
	}
}

func TestMessageMatches(t *testing.T) {
	tests := []struct {
		got, want string
		match     bool
	}{
		{"out of bounds memory access", "out of bounds memory access", true},
		{"instantiate: out of bounds memory access at 0x12", "out of bounds memory access", true},
		{"uninitialized element", "uninitialized element 2", true},
		{"uninitialized element", "undefined element", false},
		{"integer overflow", "integer divide by zero", false},
	}
	for _, tc := range tests {
		if got := messageMatches(tc.got, tc.want); got != tc.match {
			t.Errorf("messageMatches(%q, %q) = %v, want %v", tc.got, tc.want, got, tc.match)
		}
	}
}
