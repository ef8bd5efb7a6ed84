package wasm

import (
	"os"
	"testing"
)

// withoutCustom returns b without its custom sections called name.
func withoutCustom(t *testing.T, b []byte, name string) []byte {
	t.Helper()
	out := append([]byte(nil), b[:8]...)
	r := newReader(b, 8, len(b), "unexpected end")
	for !r.eof() {
		start := r.pos
		id := r.byte()
		size := r.u32()
		end := r.pos + int(size)
		if r.err != nil || end > len(b) {
			t.Fatalf("bad module: %v", r.err)
		}
		if id != secCustom || r.name() != name {
			out = append(out, b[start:end]...)
		}
		r.pos = end
	}
	return out
}

func TestNameSection(t *testing.T) {
	m := loadFile(t, "testdata/analysis.wasm")
	want := []string{"leaf", "shapes", "dead", "loopparam", "calls"}
	for i, f := range m.Funcs {
		if f.Name != want[i] || f.DisplayName() != want[i] {
			t.Errorf("func %d: name %q, want %q", i, f.Name, want[i])
		}
	}
	if ln := m.Funcs[1].LocalNames; ln[0] != "p" || ln[1] != "l" {
		t.Errorf("local names of shapes: %v", ln)
	}
}

func TestDWARFNames(t *testing.T) {
	b, err := os.ReadFile("testdata/dwarf.wasm")
	if err != nil {
		t.Fatal(err)
	}
	stripped := withoutCustom(t, b, "name")
	if len(stripped) == len(b) {
		t.Fatal("no name section to strip")
	}
	m, err := Load(stripped)
	if err != nil {
		t.Fatal(err)
	}
	// clang named them in the name section it wrote: sum_squares, run,
	// twice (a static function).
	for i, want := range []string{"sum_squares", "run", "twice"} {
		if got := m.Funcs[i].Name; got != want {
			t.Errorf("func %d: DWARF name %q, want %q", i, got, want)
		}
	}
}

func TestBrokenNameSection(t *testing.T) {
	// Module name "mod", then function names claiming two entries but
	// holding one and a half: the first is kept, the rest ignored, and the
	// module loads.
	sub0 := []byte{nameModule, 4, 3, 'm', 'o', 'd'}
	sub1 := []byte{nameFunction, 7, 2, 0, 2, 'o', 'k', 1, 9}
	name := append(append([]byte{4, 'n', 'a', 'm', 'e'}, sub0...), sub1...)
	b := module(
		sec(secType, 1, 0x60, 0, 0),
		sec(secFunction, 2, 0, 0),
		codeSec([]byte{0, byte(OpEnd)}, []byte{0, byte(OpEnd)}),
		sec(secCustom, name...),
	)
	m, err := Load(b)
	if err != nil {
		t.Fatal(err)
	}
	if m.ModuleName != "mod" || m.Funcs[0].Name != "ok" || m.Funcs[1].Name != "" {
		t.Errorf("module %q, names %q %q", m.ModuleName, m.Funcs[0].Name, m.Funcs[1].Name)
	}
	if len(m.Customs) != 1 || m.Customs[0].Name != "name" || int(m.Customs[0].Offset)+len(m.Customs[0].Data) != len(b) {
		t.Errorf("customs: %+v", m.Customs)
	}
}
