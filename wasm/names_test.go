package wasm

import (
	"bytes"
	"os"
	"regexp"
	"strings"
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

// TestGlobalNames: the global names subsection gives each global the $id
// its text source declares (wat2wasm --debug-names writes them), and a
// module without it has none.
func TestGlobalNames(t *testing.T) {
	const path = "../testdata/wat/memory"
	src, err := os.ReadFile(path + ".wat")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, m := range regexp.MustCompile(`\(global \$(\S+)`).FindAllStringSubmatch(string(src), -1) {
		want = append(want, m[1])
	}
	if len(want) == 0 {
		t.Fatal("no named globals in the source")
	}
	m := loadFile(t, path+".wasm")
	if len(m.GlobalNames) != len(want) {
		t.Errorf("%d global names, the source declares %d", len(m.GlobalNames), len(want))
	}
	for i, name := range want {
		if got := m.GlobalNames[uint32(i)]; got != name {
			t.Errorf("global %d: name %q, want %q", i, got, name)
		}
	}
	if m := loadFile(t, "testdata/analysis.wasm"); len(m.GlobalNames) != 0 {
		t.Errorf("global names in a module without them: %v", m.GlobalNames)
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

// exportSec is an export section of functions: name, index, name, index...
func exportSec(exports ...any) []byte {
	c := leb(uint32(len(exports) / 2))
	for i := 0; i < len(exports); i += 2 {
		name := exports[i].(string)
		c = append(append(append(c, leb(uint32(len(name)))...), name...), byte(ExternFunc))
		c = append(c, leb(uint32(exports[i+1].(int)))...)
	}
	return sec(secExport, c...)
}

// TestExportNames: a function the name section and DWARF leave unnamed is
// named after its first export; a name from the name section wins.
func TestExportNames(t *testing.T) {
	body := []byte{0, byte(OpEnd)}
	b := module(
		sec(secType, 1, 0x60, 0, 0),
		sec(secFunction, 4, 0, 0, 0, 0),
		exportSec("named_export", 1, "_start", 0, "main", 0, "main2", 3),
		codeSec(body, body, body, body),
		funcNames("", "named"), // function 0 has an empty name: no name
	)
	m, err := Load(b)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"_start", "named", "func[2]", "main2"} {
		if got := m.Funcs[i].DisplayName(); got != want {
			t.Errorf("func %d: %q, want %q", i, got, want)
		}
	}

	// Errors name the function the same way, before the code is read
	// (malformed) and after (invalid).
	malformed := module(
		sec(secType, 1, 0x60, 0, 0),
		sec(secFunction, 1, 0),
		exportSec("_start", 0),
		codeSec([]byte{0, byte(OpNop), 0xff, byte(OpEnd)}),
	)
	if e := loadErr(t, malformed); e.FuncName != "_start" || !strings.Contains(e.Error(), "_start at offset") {
		t.Errorf("malformed: %v (function %q)", e, e.FuncName)
	}
	invalid := module(
		sec(secType, 1, 0x60, 0, 1, byte(I32)),
		sec(secFunction, 1, 0),
		exportSec("_start", 0),
		codeSec([]byte{0, byte(OpI64Const), 0, byte(OpEnd)}),
	)
	if e := loadErr(t, invalid); e.FuncName != "_start" || !strings.Contains(e.Error(), "_start at offset") {
		t.Errorf("invalid: %v (function %q)", e, e.FuncName)
	}
}

// TestExportNamesAfterDWARF: DWARF names come before export names. run is
// exported as "ent" in a copy of dwarf.wasm without its name section.
func TestExportNamesAfterDWARF(t *testing.T) {
	b, err := os.ReadFile("testdata/dwarf.wasm")
	if err != nil {
		t.Fatal(err)
	}
	b = withoutCustom(t, b, "name")
	exp := []byte("\x03run\x00\x01") // "run", a function, index 1
	i := bytes.Index(b, exp)
	if i < 0 || bytes.Count(b, exp) != 1 {
		t.Fatal("no single export of run")
	}
	copy(b[i+1:], "ent")
	m, err := Load(b)
	if err != nil {
		t.Fatal(err)
	}
	if e := m.Exports[1]; e.Name != "ent" || e.Index != 1 {
		t.Fatalf("exports: %+v", m.Exports)
	}
	if got := m.Funcs[1].Name; got != "run" {
		t.Errorf("func 1: %q, want run (DWARF) rather than ent (its export)", got)
	}
}
