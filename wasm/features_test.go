package wasm

import (
	"errors"
	"strings"
	"testing"
)

// TestFeatures1 checks that modules valid in 2.0 are rejected in 1.0 mode
// as 1.0 rejects them.
func TestFeatures1(t *testing.T) {
	typeVoid := sec(secType, 1, 0x60, 0, 0)
	oneFunc := sec(secFunction, 1, 0)
	tests := []struct {
		name string
		b    []byte
		kind ErrorKind
		msg  string
	}{
		{"multi-value result", module(sec(secType, 1, 0x60, 0, 2, byte(I32), byte(I32))),
			Invalid, "invalid result arity"},
		{"block type index", module(typeVoid, oneFunc,
			codeSec([]byte{0, byte(OpBlock), 0, byte(OpEnd), byte(OpEnd)})),
			Malformed, "malformed block type"},
		{"sign extension", module(typeVoid, oneFunc,
			codeSec([]byte{0, byte(OpI32Const), 0, byte(OpI32Extend8S), byte(OpDrop), byte(OpEnd)})),
			Malformed, "illegal opcode 0xc0 (sign extension: not enabled)"},
		{"saturating conversion", module(typeVoid, oneFunc,
			codeSec([]byte{0, byte(OpF32Const), 0, 0, 0, 0, 0xfc, 0, byte(OpDrop), byte(OpEnd)})),
			Malformed, "illegal opcode 0xfc 0"},
		{"multiple tables", module(sec(secTable, 2, byte(FuncRef), 0, 0, byte(FuncRef), 0, 0)),
			Invalid, "multiple tables"},
		{"externref", module(sec(secTable, 1, byte(ExternRef), 0, 0)),
			Malformed, "malformed reference type"},
		{"call_indirect table index", module(typeVoid, oneFunc, sec(secTable, 1, byte(FuncRef), 0, 0),
			codeSec([]byte{0, byte(OpI32Const), 0, byte(OpCallIndirect), 0, 0x80, 0, byte(OpEnd)})),
			Malformed, "zero byte expected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Load(tt.b)
			if err != nil {
				t.Fatalf("2.0: %v", err)
			}
			if m.Features != Features2 {
				t.Errorf("2.0: Features = %v", m.Features)
			}
			_, err = LoadFeatures(tt.b, Features1)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("1.0: got %v, want a *wasm.Error", err)
			}
			if e.Kind != tt.kind || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("1.0: got %v, want a %v error %q", err, tt.kind, tt.msg)
			}
		})
	}

	// What 1.0 has loads, and the module says how it was loaded.
	b := module(typeVoid, oneFunc, sec(secTable, 1, byte(FuncRef), 0, 0),
		codeSec([]byte{0, byte(OpI32Const), 0, byte(OpCallIndirect), 0, 0, byte(OpEnd)}))
	m, err := LoadFeatures(b, Features1)
	if err != nil {
		t.Fatal(err)
	}
	if m.Features != Features1 {
		t.Errorf("Features = %v, want %v", m.Features, Features1)
	}
}
