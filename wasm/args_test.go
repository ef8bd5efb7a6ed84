package wasm

import (
	"math"
	"strings"
	"testing"
)

func TestParseArgs(t *testing.T) {
	got, err := ParseArgs([]ValType{I32, I32, I64, F32, F64}, []string{"-1", "0xffffffff", "-5", "1.5", "-0.25"})
	if err != nil {
		t.Fatal(err)
	}
	want := []uint64{0xffffffff, 0xffffffff, uint64(1<<64 - 5), uint64(math.Float32bits(1.5)), math.Float64bits(-0.25)}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("argument %d = %#x, want %#x", i+1, got[i], want[i])
		}
	}
	for _, tc := range []struct {
		types []ValType
		args  []string
		msg   string
	}{
		{[]ValType{I32}, nil, "takes 1 arguments"},
		{[]ValType{I32}, []string{"0x100000000"}, `argument 1 ("0x100000000"): out of range for i32`},
		{[]ValType{I64}, []string{"x"}, `argument 1 ("x")`},
		{[]ValType{FuncRef}, []string{"1"}, "cannot be given as text"},
	} {
		if _, err := ParseArgs(tc.types, tc.args); err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("ParseArgs(%v, %q) = %v, want an error containing %q", tc.types, tc.args, err, tc.msg)
		}
	}
}
