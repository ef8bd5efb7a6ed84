package debuginfo

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/wdb-dev/wdb/wasm"
)

func load(t testing.TB, path string) *wasm.Module {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := wasm.Load(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

func lines(t testing.TB, path string) (*wasm.Module, *Table) {
	t.Helper()
	m := load(t, path)
	tab, err := Lines(m)
	if err != nil || tab == nil {
		t.Fatalf("%s: Lines: %v, %v", path, tab, err)
	}
	return m, tab
}

// markers reads the /* L:NAME */ markers of a C source: their lines, and
// the function each is in (the last definition that starts a line above
// it: "static int square(int k) {").
func markers(t testing.TB, path string) (line map[string]int, fn map[string]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	line, fn = map[string]int{}, map[string]string{}
	def := regexp.MustCompile(`^[a-z].* \**([a-z_0-9]+)\(.*\{$`)
	mark := regexp.MustCompile(`/\* L:([a-z0-9]+) \*/`)
	cur := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if m := def.FindStringSubmatch(sc.Text()); m != nil {
			cur = m[1]
		}
		if m := mark.FindStringSubmatch(sc.Text()); m != nil {
			line[m[1]], fn[m[1]] = n, cur
		}
	}
	return line, fn
}

// The line of each marker of lines.c begins in the function around it, and
// Find and At agree there.
func TestMarkers(t *testing.T) {
	m, tab := lines(t, "../testdata/wasi/lines.wasm")
	line, fn := markers(t, "../testdata/wasi/lines.c")
	if len(line) < 10 {
		t.Fatalf("only %d markers in lines.c", len(line))
	}
	for name, want := range line {
		offs, found, err := tab.Find("lines.c", want)
		if err != nil || found != want || len(offs) == 0 {
			t.Errorf("L:%s: Find(lines.c, %d) = %v, %d, %v", name, want, offs, found, err)
			continue
		}
		for _, off := range offs {
			p, ok := tab.At(off)
			if !ok || p.Line != want || !strings.HasSuffix(p.File, "/lines.c") {
				t.Errorf("L:%s: At(0x%x) = %v, %v; want lines.c:%d", name, off, p, ok, want)
			}
			f, ok := m.FuncAt(off)
			if want := fn[name]; !ok || f.Name != want && !(want == "main" && f.Name == "__original_main") {
				t.Errorf("L:%s: 0x%x is in %v, want %s", name, off, f.DisplayName(), want)
			}
		}
	}
	// The for line begins three times (the init; the condition is its
	// continuation), and a line without code gives the next one.
	if offs, _, _ := tab.Find("wasi/lines.c", line["for"]); len(offs) != 2 {
		t.Errorf("the for line begins at %x, want the init and the increment", offs)
	}
	if _, found, err := tab.Find("lines.c", line["ret"]+1); err != nil || found <= line["ret"]+1 {
		t.Errorf("Find of a closing brace: line %d, %v", found, err)
	}
	for _, bad := range []string{"nosuch.c", "ines.c"} {
		if _, _, err := tab.Find(bad, 1); err == nil || !strings.Contains(err.Error(), "no file "+bad) {
			t.Errorf("Find(%s): %v", bad, err)
		}
	}
	if _, _, err := tab.Find("lines.c", 1000); err == nil {
		t.Error("Find past the last line: no error")
	}
}

// At agrees with Find on every row, and with the rows' extents.
func TestAtFind(t *testing.T) {
	for _, path := range []string{"../testdata/wasi/lines.wasm", "../testdata/wasi/compute.wasm", zigCC(t)} {
		_, tab := lines(t, path)
		rows := tab.Rows(0, ^uint32(0))
		entries := 0
		for i, r := range rows {
			if i > 0 && r.Offset < rows[i-1].End {
				t.Fatalf("%s: rows %d and %d overlap", path, i-1, i)
			}
			for _, off := range []uint32{r.Offset, r.End - 1} {
				if p, ok := tab.At(off); !ok || p != r.Pos {
					t.Fatalf("%s: At(0x%x) = %v, %v; the row is %v", path, off, p, ok, r)
				}
			}
			if !r.Entry {
				continue
			}
			entries++
			offs, found, err := tab.Find(r.File, r.Line)
			if err != nil || found != r.Line || !contains(offs, r.Offset) {
				t.Fatalf("%s: Find(%s, %d) = %x, %d, %v; want 0x%x in it", path, r.File, r.Line, offs, found, err, r.Offset)
			}
		}
		if entries == 0 {
			t.Errorf("%s: no line begins anywhere", path)
		}
	}
}

func contains(s []uint32, v uint32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// The rows are llvm-dwarfdump's: at every address of its line table that
// is an instruction, At gives the line of the last row there (a row
// covers its address up to the next row's), or nothing for line 0.
func TestDwarfdump(t *testing.T) {
	dump, err := exec.LookPath("llvm-dwarfdump")
	if err != nil {
		if dump, err = exec.LookPath("llvm-dwarfdump-14"); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatal("llvm-dwarfdump is needed (apt-get install llvm-14)")
			}
			t.Skip("llvm-dwarfdump not installed (apt-get install llvm-14)")
		}
	}
	for _, path := range []string{"../testdata/wasi/lines.wasm", "../testdata/wasi/compute.wasm"} {
		m, tab := lines(t, path)
		out, err := exec.Command(dump, "--debug-line", path).Output()
		if err != nil {
			t.Fatal(err)
		}
		row := regexp.MustCompile(`(?m)^0x([0-9a-f]{16})\s+(\d+)\s+(\d+)\s+\d+\s+\d+\s+\d+\s*(.*)$`)
		want := map[uint32]int{} // offset -> line of the last row there
		var order []uint32
		for _, r := range row.FindAllStringSubmatch(string(out), -1) {
			if strings.Contains(r[4], "end_sequence") {
				continue
			}
			addr, _ := strconv.ParseUint(r[1], 16, 64)
			ln, _ := strconv.Atoi(r[2])
			off := m.CodeSectionOffset + uint32(addr)
			if _, seen := want[off]; !seen {
				order = append(order, off)
			}
			want[off] = ln
		}
		n := 0
		for _, off := range order {
			f, in := m.FuncAt(off)
			if !in || !isInstr(f, off) {
				continue
			}
			p, ok := tab.At(off)
			switch ln := want[off]; {
			case ln == 0 && ok:
				t.Errorf("%s: 0x%x: %v; llvm-dwarfdump says line 0 (no line)", path, off, p)
			case ln != 0 && (!ok || p.Line != ln):
				t.Errorf("%s: 0x%x: %v, %v; llvm-dwarfdump says line %d", path, off, p, ok, ln)
			}
			n++
		}
		if n < 50 {
			t.Errorf("%s: only %d rows compared", path, n)
		}
	}
}

// isInstr reports whether off is the offset of an instruction of function f.
func isInstr(f *wasm.Func, off uint32) bool {
	ins := f.Instrs
	i := sort.Search(len(ins), func(i int) bool { return ins[i].Offset >= off })
	return i < len(ins) && ins[i].Offset == off
}

// zigCC is a C program of the wazero corpus built by zig cc, with DWARF.
func zigCC(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/tetratelabs/wazero").Output()
	if err != nil {
		t.Skipf("go list wazero: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "imports", "wasi_snapshot_preview1", "testdata", "zig-cc", "wasi.wasm")
}

// Programs of other toolchains: zig cc's has lines (its main is in
// wasi.c); the Rust (cargo-wasi), TinyGo and Zig ones of the corpus are
// built without DWARF, and so is Go's wasip1 output (the linker writes
// none for wasm): no table, no error.
func TestCorpus(t *testing.T) {
	path := zigCC(t)
	m, tab := lines(t, path)
	var main *wasm.Func
	for _, f := range m.Funcs {
		if f.Name == "main" || f.Name == "__original_main" && main == nil {
			main = f
		}
	}
	if main == nil {
		t.Fatal("zig-cc: no main")
	}
	found := false
	for _, in := range main.Instrs {
		if p, ok := tab.At(in.Offset); ok && strings.HasSuffix(p.File, "wasi.c") && p.Line > 0 {
			found = true
		}
	}
	if !found {
		t.Errorf("zig-cc: no instruction of %s has a position in wasi.c", main.DisplayName())
	}
	dir := filepath.Dir(filepath.Dir(path))
	for _, p := range []string{"cargo-wasi/wasi.wasm", "tinygo/wasi.wasm", "zig/wasi.wasm"} {
		if tab, err := Lines(load(t, filepath.Join(dir, p))); tab != nil || err != nil {
			t.Errorf("%s: %v, %v; want no table", p, tab, err)
		}
	}
}

// A damaged .debug_line is an error naming it, never a panic.
func TestDamaged(t *testing.T) {
	m := load(t, "../testdata/wasi/lines.wasm")
	i := debugLine(t, m)
	good := m.Customs[i].Data
	for name, data := range map[string][]byte{
		"truncated":    good[:20],
		"bad version":  append(append([]byte{}, good[:4]...), append([]byte{99, 0}, good[6:]...)...),
		"long unit":    append([]byte{0xf0, 0xff, 0xff, 0x7f}, good[4:]...),
		"empty":        {},
		"garbage tail": append(append([]byte{}, good[:len(good)/2]...), make([]byte, 64)...),
	} {
		m.Customs[i].Data = data
		tab, err := Lines(m)
		if err == nil && name != "empty" {
			t.Errorf("%s: no error (%d rows)", name, len(tab.Rows(0, ^uint32(0))))
		} else if err != nil && !strings.Contains(err.Error(), ".debug_line") {
			t.Errorf("%s: %v, want the section named", name, err)
		}
	}
	m.Customs[i].Data = good
}

func debugLine(t testing.TB, m *wasm.Module) int {
	for i, c := range m.Customs {
		if c.Name == ".debug_line" {
			return i
		}
	}
	t.Fatal("no .debug_line")
	return -1
}

// FuzzLines: any .debug_line gives a table or an error, never a panic
// (go test ./debuginfo -fuzz FuzzLines).
func FuzzLines(f *testing.F) {
	m := load(f, "../testdata/wasi/lines.wasm")
	i := debugLine(f, m)
	good := m.Customs[i].Data
	// The first unit (crt1's, 0x66 bytes): small inputs fuzz faster.
	f.Add(good[:0x66])
	f.Add(good[:100])
	f.Add([]byte{1, 0, 0, 0, 5})
	f.Fuzz(func(t *testing.T, data []byte) {
		m.Customs[i].Data = data
		tab, err := Lines(m)
		if err == nil && tab != nil {
			for _, r := range tab.Rows(0, ^uint32(0)) {
				tab.At(r.Offset)
			}
		}
	})
}
