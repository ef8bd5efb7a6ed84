package wasm

import (
	"errors"
	"strings"
	"testing"
)

// Small modules built byte by byte, for errors wat2wasm would not produce.

func leb(v uint32) []byte {
	var out []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(out, c)
		}
		out = append(out, c|0x80)
	}
}

func sec(id byte, contents ...byte) []byte {
	return append(append([]byte{id}, leb(uint32(len(contents)))...), contents...)
}

func module(sections ...[]byte) []byte {
	b := []byte("\x00asm\x01\x00\x00\x00")
	for _, s := range sections {
		b = append(b, s...)
	}
	return b
}

// codeSec is a code section with one body per argument (local
// declarations included).
func codeSec(bodies ...[]byte) []byte {
	c := leb(uint32(len(bodies)))
	for _, b := range bodies {
		c = append(append(c, leb(uint32(len(b)))...), b...)
	}
	return sec(secCode, c...)
}

// funcNames is a name section naming functions 0, 1, ...
func funcNames(names ...string) []byte {
	sub := leb(uint32(len(names)))
	for i, n := range names {
		sub = append(append(append(sub, leb(uint32(i))...), leb(uint32(len(n)))...), n...)
	}
	c := append([]byte{4, 'n', 'a', 'm', 'e', nameFunction}, leb(uint32(len(sub)))...)
	return sec(secCustom, append(c, sub...)...)
}

func loadErr(t *testing.T, b []byte) *Error {
	t.Helper()
	_, err := Load(b)
	if err == nil {
		t.Fatal("Load succeeded")
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T is not *wasm.Error: %v", err, err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error message has several lines: %q", err)
	}
	return e
}

func TestErrorShape(t *testing.T) {
	// Type [] -> [], one function named "broken" whose body is
	// nop, 0xff (no such opcode), end. The 0xff is at offset 0x18.
	malformed := module(
		sec(secType, 1, 0x60, 0, 0),
		sec(secFunction, 1, 0),
		codeSec([]byte{0, byte(OpNop), 0xff, byte(OpEnd)}),
		funcNames("broken"),
	)
	e := loadErr(t, malformed)
	if got, want := e.Error(), "malformed module: broken at offset 0x18: illegal opcode 0xff"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if e.Kind != Malformed || e.Func != 0 || e.FuncName != "broken" || e.Offset != 0x18 {
		t.Errorf("fields: %+v", *e)
	}

	// Type [] -> [i32], one unnamed function returning an i64: the
	// final end, at 0x1a, finds the wrong type.
	invalid := module(
		sec(secType, 1, 0x60, 0, 1, byte(I32)),
		sec(secFunction, 1, 0),
		codeSec([]byte{0, byte(OpI64Const), 0, byte(OpEnd)}),
	)
	e = loadErr(t, invalid)
	if got, want := e.Error(), "invalid module: func[0] at offset 0x1a: type mismatch: expected i32, found i64"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if e.Kind != Invalid || e.Func != 0 || e.FuncName != "" {
		t.Errorf("fields: %+v", *e)
	}

	// Outside functions: two exports named "a", the second at 0x19.
	dup := module(
		sec(secType, 1, 0x60, 0, 0),
		sec(secFunction, 1, 0),
		sec(secExport, 2, 1, 'a', 0, 0, 1, 'a', 0, 0),
		codeSec([]byte{0, byte(OpEnd)}),
	)
	e = loadErr(t, dup)
	if got, want := e.Error(), `invalid module: offset 0x19: duplicate export name "a"`; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestErrorMessages(t *testing.T) {
	memory := sec(secMemory, 1, 0, 1)
	global := sec(secGlobal, 1, byte(I32), 0, byte(OpI32Const), 0, byte(OpEnd))
	tests := []struct {
		name  string
		extra []byte // a memory or global section, or nothing
		body  []byte // instructions of a [i32] -> [] function, final end excluded
		kind  ErrorKind
		at    int // index in body of the offending instruction
		msg   string
	}{
		{"local", nil, []byte{0x20, 3, 0x1a}, Invalid, 0, "unknown local 3"},
		{"label", nil, []byte{0x0c, 5}, Invalid, 0, "unknown label 5"},
		{"function", nil, []byte{0x10, 9}, Invalid, 0, "unknown function 9"},
		{"global", nil, []byte{0x23, 0, 0x1a}, Invalid, 0, "unknown global 0"},
		{"immutable", global, []byte{0x41, 1, 0x24, 0}, Invalid, 2, "global is immutable"},
		{"memory", nil, []byte{0x41, 0, 0x28, 2, 0, 0x1a}, Invalid, 2, "unknown memory 0"},
		{"align", memory, []byte{0x41, 0, 0x28, 3, 0, 0x1a}, Invalid, 2, "alignment must not be larger than natural"},
		{"memop flags", memory, []byte{0x41, 0, 0x28, 0x40, 0, 0x1a}, Malformed, 3, "malformed memop flags"},
		{"empty stack", nil, []byte{0x6a, 0x1a}, Invalid, 0, "type mismatch"},
		{"select refs", nil, []byte{0xd0, 0x70, 0xd0, 0x70, 0x41, 0, 0x1b, 0x1a}, Invalid, 6, "type mismatch"},
		{"zero byte", memory, []byte{0x3f, 1, 0x1a}, Malformed, 1, "zero byte expected"},
		{"simd", nil, []byte{0xfd, 0x0c}, Unsupported, 0, "SIMD"},
		{"end missing", nil, []byte{0x02, 0x40}, Malformed, 3, "unexpected end"},
		{"long leb", nil, []byte{0x20, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, Malformed, 1, "integer representation too long"},
		{"large leb", nil, []byte{0x20, 0x80, 0x80, 0x80, 0x80, 0x10}, Malformed, 1, "integer too large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sections := [][]byte{sec(secType, 1, 0x60, 1, byte(I32), 0), sec(secFunction, 1, 0)}
			if tc.extra != nil {
				sections = append(sections, tc.extra)
			}
			body := append(append([]byte{0}, tc.body...), byte(OpEnd))
			sections = append(sections, codeSec(body))
			b := module(sections...)
			// The body is the module's last bytes.
			bodyStart := len(b) - len(body) + 1
			e := loadErr(t, b)
			if e.Kind != tc.kind || !strings.HasPrefix(e.Msg, tc.msg) || e.Func != 0 || int(e.Offset) != bodyStart+tc.at {
				t.Errorf("got %v (kind %d, func %d), want kind %d, %q at %#x", e, e.Kind, e.Func, tc.kind, tc.msg, bodyStart+tc.at)
			}
		})
	}
}

func TestMalformedSections(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		off  uint32
		msg  string
	}{
		{"magic", []byte("\x00asx\x01\x00\x00\x00"), 0, "magic header not detected"},
		{"version", []byte("\x00asm\x02\x00\x00\x00"), 4, "unknown binary version"},
		{"order", module(sec(secFunction, 0), sec(secType, 0)), 11, "unexpected content after last section"},
		{"section id", module([]byte{13, 0}), 8, "malformed section id"},
		{"size", module([]byte{secType, 5, 0}), 8, "length out of bounds"},
		{"mismatch", module(sec(secType, 0, 0)), 11, "section size mismatch"},
		{"func count", module(sec(secType, 1, 0x60, 0, 0), sec(secFunction, 1, 0)), 18, "function and code section have inconsistent lengths"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := loadErr(t, tc.b)
			if e.Kind != Malformed || e.Offset != tc.off || !strings.HasPrefix(e.Msg, tc.msg) || e.Func != -1 {
				t.Errorf("got %v, want %q at %#x", e, tc.msg, tc.off)
			}
		})
	}
}

func TestProposalHints(t *testing.T) {
	// A memory with limits flag 3: shared, from the threads proposal.
	e := loadErr(t, module(sec(secMemory, 1, 3, 1, 1)))
	if e.Kind != Malformed || !strings.Contains(e.Msg, "threads") {
		t.Errorf("shared memory: %v", e)
	}
	// return_call (tail calls).
	e = loadErr(t, module(
		sec(secType, 1, 0x60, 0, 0),
		sec(secFunction, 1, 0),
		codeSec([]byte{0, 0x12, 0, byte(OpEnd)}),
	))
	if e.Kind != Malformed || !strings.Contains(e.Msg, "tail calls") {
		t.Errorf("return_call: %v", e)
	}
}
