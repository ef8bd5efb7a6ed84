package debugger

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wdb-dev/wdb/wasm"
)

// The listings are checked against wabt, an independent implementation of
// the text format: wasm2wat (--no-debug-names, so it refers to everything
// by index) gives each function's instructions as text with the same
// indentation rule, and wasm-objdump -d gives the file offset of every
// instruction including the final end. Our $names are mapped back to
// indices and float constants compared by their bits (wabt writes hex
// floats, we write the shortest exact decimal). CI installs wabt (.ci/run);
// elsewhere the test is skipped when it is missing.

func requireWABT(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"wasm2wat", "wasm-objdump"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is needed (apt-get install wabt)", tool)
			}
			t.Skipf("%s not installed (apt-get install wabt)", tool)
		}
	}
}

// listingModules are the modules the listing tests compare: the project's
// test programs and spec-suite modules that exercise every kind of
// immediate.
func listingModules(t *testing.T) []string {
	files, _ := filepath.Glob("../testdata/*/*.wasm")
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/tetratelabs/wazero").Output()
	if err != nil {
		t.Fatalf("locating wazero's spec tests: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "internal", "integration_test", "spectest", "v2", "testdata")
	for _, p := range []string{"br_table", "call_indirect", "const", "float_literals", "float_exprs", "select", "table_copy",
		"table_init", "memory_init", "memory_copy", "ref_func", "ref_null", "address", "block", "if", "loop", "conversions", "bulk", "elem", "table_grow", "table_fill"} {
		m, _ := filepath.Glob(filepath.Join(dir, p+".*.wasm"))
		files = append(files, m...)
	}
	if len(files) < 100 {
		t.Fatalf("found only %d modules", len(files))
	}
	return files
}

func TestListingMatchesWABT(t *testing.T) {
	requireWABT(t)
	compared := 0
	perPrefix := map[string]int{} // spec modules compared per file name prefix
	for _, path := range listingModules(t) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m, err := wasm.Load(b)
		prefix, _, _ := strings.Cut(filepath.Base(path), ".")
		if err != nil || perPrefix[prefix] >= 6 {
			continue // invalid on purpose (spec tests), or enough of that kind
		}
		if !strings.HasPrefix(path, "../testdata/") {
			perPrefix[prefix]++
		}
		wat, err := exec.Command("wasm2wat", "--no-debug-names", "--enable-all", path).Output()
		if err != nil {
			continue
		}
		dump, err := exec.Command("wasm-objdump", "-d", path).Output()
		if err != nil {
			t.Fatalf("wasm-objdump -d %s: %v", path, err)
		}
		texts, offsets := wabtFuncs(string(wat)), objdumpOffsets(string(dump))
		for fn := m.NumImportedFuncs; fn < uint32(len(m.Funcs)); fn++ {
			l, err := FuncListing(m, fn)
			if err != nil {
				t.Fatalf("%s func %d: %v", path, fn, err)
			}
			compareListing(t, m, path, l, texts[fn], offsets[fn])
			compared++
		}
	}
	if compared < 1000 {
		t.Errorf("compared only %d functions", compared)
	}
}

// wabtLine is one instruction as wasm2wat prints it.
type wabtLine struct {
	depth int
	text  string
}

var (
	watFunc    = regexp.MustCompile(`^  \(func \(;(\d+);\)`)
	watComment = regexp.MustCompile(`\(;[^;]*;\)|;;.*$`)
)

// wabtFuncs parses wasm2wat's output: the instructions of each function,
// by function index.
func wabtFuncs(wat string) map[uint32][]wabtLine {
	out := map[uint32][]wabtLine{}
	var cur []wabtLine
	var fn uint32
	in := false
	for _, line := range strings.Split(wat, "\n") {
		if m := watFunc.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			fn, in, cur = uint32(n), !strings.HasSuffix(line, "))"), nil
			out[fn] = nil
			continue
		}
		if !in || strings.HasPrefix(strings.TrimSpace(line), "(local") {
			continue
		}
		text := strings.TrimSpace(watComment.ReplaceAllString(line, ""))
		for strings.Count(text, ")") > strings.Count(text, "(") { // the function's (and module's) closing parenthesis
			text = strings.TrimSuffix(text, ")")
			in = false
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		cur = append(cur, wabtLine{depth: (indent - 4) / 2, text: strings.Join(strings.Fields(text), " ")})
		out[fn] = cur
	}
	return out
}

var objdumpFunc = regexp.MustCompile(`^[0-9a-f]+ func\[(\d+)\]`)

// objdumpOffsets parses wasm-objdump -d: each function's instruction
// offsets.
func objdumpOffsets(dump string) map[uint32][]uint32 {
	out := map[uint32][]uint32{}
	var fn uint32
	for _, line := range strings.Split(dump, "\n") {
		if m := objdumpFunc.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			fn = uint32(n)
			continue
		}
		// " 000053: 20 00    | local.get 0"; long encodings continue on
		// lines with no text, and local declarations are not instructions.
		hex, _, ok := strings.Cut(strings.TrimSpace(line), ":")
		_, text, bar := strings.Cut(line, "|")
		if !ok || !bar || strings.TrimSpace(text) == "" || strings.HasPrefix(strings.TrimSpace(text), "local[") {
			continue
		}
		off, err := strconv.ParseUint(hex, 16, 32)
		if err == nil {
			out[fn] = append(out[fn], uint32(off))
		}
	}
	return out
}

func compareListing(t *testing.T, m *wasm.Module, path string, l *Listing, want []wabtLine, offsets []uint32) {
	t.Helper()
	name := filepath.Base(path) + " " + m.Funcs[l.Func].DisplayName()
	if len(offsets) != len(l.Lines) {
		t.Errorf("%s: %d lines, wasm-objdump shows %d instructions", name, len(l.Lines), len(offsets))
		return
	}
	for i, off := range offsets {
		if l.Lines[i].Offset != off {
			t.Errorf("%s line %d: offset 0x%x, wasm-objdump says 0x%x", name, i, l.Lines[i].Offset, off)
			return
		}
	}
	body := l.Lines[:len(l.Lines)-1] // wasm2wat does not print the final end
	if len(body) != len(want) {
		t.Errorf("%s: %d instructions, wasm2wat prints %d", name, len(body), len(want))
		return
	}
	for i, ln := range body {
		got := numericRefs(m, m.Funcs[l.Func], ln.Text)
		if ln.Depth != want[i].depth || !sameInstr(got, want[i].text) {
			t.Errorf("%s at 0x%x: got %q at depth %d, wasm2wat: %q at depth %d", name, ln.Offset, got, ln.Depth, want[i].text, want[i].depth)
			return
		}
	}
}

// numericRefs replaces the $names of an instruction with the indices they
// stand for.
func numericRefs(m *wasm.Module, f *wasm.Func, text string) string {
	op, arg, ok := strings.Cut(text, " $")
	if !ok {
		return text
	}
	if strings.HasPrefix(op, "local.") {
		for i, n := range f.LocalNames {
			if n == arg {
				return op + " " + strconv.Itoa(int(i))
			}
		}
	}
	if strings.HasPrefix(op, "global.") {
		for i, n := range m.GlobalNames {
			if n == arg {
				return op + " " + strconv.Itoa(int(i))
			}
		}
	}
	for _, g := range m.Funcs {
		if g.Name == arg {
			return op + " " + strconv.Itoa(int(g.Index))
		}
	}
	return text
}

// sameInstr compares instruction texts, float constants by value.
func sameInstr(got, want string) bool {
	if got == want {
		return true
	}
	gop, garg, _ := strings.Cut(got, " ")
	wop, warg, _ := strings.Cut(want, " ")
	if gop != wop || (gop != "f32.const" && gop != "f64.const") {
		return false
	}
	size := 64
	if gop == "f32.const" {
		size = 32
	}
	g, err1 := floatBits(garg, size)
	w, err2 := floatBits(warg, size)
	return err1 == nil && err2 == nil && g == w
}

// floatBits reads a WAT float literal: decimal or hex, inf, nan[:0xPAYLOAD].
func floatBits(s string, size int) (uint64, error) {
	neg := strings.HasPrefix(s, "-")
	body := strings.TrimLeft(s, "+-")
	var bits uint64
	switch {
	case strings.HasPrefix(body, "nan"):
		payload := uint64(1) << 22
		exp := uint64(0xff) << 23
		if size == 64 {
			payload, exp = 1<<51, 0x7ff<<52
		}
		if p, ok := strings.CutPrefix(body, "nan:"); ok {
			v, err := strconv.ParseUint(p, 0, 64)
			if err != nil {
				return 0, err
			}
			payload = v
		}
		bits = exp | payload
		if neg {
			bits |= 1 << (size - 1)
		}
		return bits, nil
	case body == "inf":
		if size == 32 {
			return uint64(math.Float32bits(float32(math.Inf(map[bool]int{true: -1, false: 1}[neg])))), nil
		}
		return math.Float64bits(math.Inf(map[bool]int{true: -1, false: 1}[neg])), nil
	}
	v, err := strconv.ParseFloat(s, size)
	if size == 32 {
		return uint64(math.Float32bits(float32(v))), err
	}
	return math.Float64bits(v), err
}

// TestListingLines checks the line ↔ offset mapping of Source.
func TestListingLines(t *testing.T) {
	b, err := os.ReadFile("../testdata/wat/recursion.wasm")
	if err != nil {
		t.Fatal(err)
	}
	m, err := wasm.Load(b)
	if err != nil {
		t.Fatal(err)
	}
	for fn := m.NumImportedFuncs; fn < uint32(len(m.Funcs)); fn++ {
		l, err := FuncListing(m, fn)
		if err != nil {
			t.Fatal(err)
		}
		src := strings.Split(strings.TrimSuffix(l.Source(), "\n"), "\n")
		if len(src) != len(l.Header)+len(m.Funcs[fn].Instrs) {
			t.Fatalf("%s: %d source lines for %d header lines and %d instructions", m.Funcs[fn].DisplayName(), len(src), len(l.Header), len(m.Funcs[fn].Instrs))
		}
		for i, in := range m.Funcs[fn].Instrs {
			line, ok := l.Line(in.Offset)
			if !ok || strings.TrimSpace(src[line-1]) != InstrText(m, fn, i) {
				t.Fatalf("%s: instruction %d at 0x%x is on line %d (%v): %q", m.Funcs[fn].DisplayName(), i, in.Offset, line, ok, src[line-1])
			}
			if off, ok := l.Offset(line); !ok || off != in.Offset {
				t.Fatalf("line %d maps back to 0x%x, want 0x%x", line, off, in.Offset)
			}
		}
		if off, ok := l.Offset(1); !ok || off != m.Funcs[fn].Instrs[0].Offset {
			t.Errorf("the header line maps to 0x%x, want the first instruction", off)
		}
		if _, ok := l.Offset(len(src) + 1); ok {
			t.Errorf("a line past the end maps to an instruction")
		}
		if _, ok := l.Line(m.Funcs[fn].Instrs[0].Offset + 1000000); ok {
			t.Errorf("an offset outside the function has a line")
		}
	}
	if _, err := FuncListing(m, uint32(len(m.Funcs))); err == nil {
		t.Error("no error for a function index out of range")
	}
}

// TestFunctionsCommand: functions lists every function with the name,
// signature and import wasm-objdump gives it; a regular expression
// selects those whose names match.
func TestFunctionsCommand(t *testing.T) {
	requireWABT(t)
	const file = "wasi/compute.wasm"
	dump, err := exec.Command("wasm-objdump", "-x", testdataFile(file)).Output()
	if err != nil {
		t.Fatal(err)
	}
	sigs := map[string]string{}
	var want []string
	typeRe := regexp.MustCompile(`^ - type\[(\d+)\] (\(.*\)) -> (.*)$`)
	funcRe := regexp.MustCompile(`^ - func\[(\d+)\] sig=(\d+) <([^>]*)>(?: <- (\S+))?$`)
	for _, l := range strings.Split(string(dump), "\n") {
		if m := typeRe.FindStringSubmatch(l); m != nil {
			sigs[m[1]] = m[2]
			if m[3] != "nil" {
				sigs[m[1]] += " -> " + m[3]
			}
		}
		if m := funcRe.FindStringSubmatch(l); m != nil {
			line := fmt.Sprintf("func[%s] %s %s", m[1], m[3], sigs[m[2]])
			if m[4] != "" {
				line += " imported " + m[4]
			}
			want = append(want, line)
		}
	}
	c := newCmdSession(t, file, "standard", "")
	got := strings.Split(strings.TrimSpace(c.do("functions")), "\n")
	if len(got) != len(want)+1 || got[len(got)-1] != fmt.Sprintf("%d functions", len(want)) {
		t.Fatalf("functions: %d lines, wasm-objdump lists %d functions:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("functions line %d: %q, wasm-objdump says %q", i, got[i], w)
		}
	}
	if !strings.Contains(c.do("functions ^hanoi$"), " at compute.c:") {
		t.Errorf("functions ^hanoi$ does not give hanoi's source line")
	}
	var wantFd []string
	for _, w := range want {
		if strings.Contains(w, "fd_") {
			wantFd = append(wantFd, w)
		}
	}
	out := strings.Split(strings.TrimSpace(c.do("info functions fd_")), "\n")
	if len(out) != len(wantFd)+1 || out[len(out)-1] != fmt.Sprintf("%d of %d functions", len(wantFd), len(want)) {
		t.Errorf("info functions fd_: %q, want the %d of wasm-objdump's functions with fd_ in their names", out, len(wantFd))
	}
	if e := c.fail("functions ("); !strings.Contains(e, "missing closing )") {
		t.Errorf("functions (: %q", e)
	}
}

// TestAdvance: advance stops at a source line ahead, at a function's
// entry in a deeper frame, and, when the location is not reached, where
// the current function returns; no breakpoint is left behind.
func TestAdvance(t *testing.T) {
	L := lineMarkers(t)
	c := newCmdSession(t, "wasi/lines.wasm", "standard", "")
	c.stop(fmt.Sprintf("advance lines.c:%d", L["call"]))
	if got := c.do("info"); !strings.Contains(got, fmt.Sprintf("lines.c:%d:", L["call"])) {
		t.Fatalf("advance lines.c:%d: %s", L["call"], got)
	}
	depth := len(c.s.Frames())
	c.stop("until square")
	if fr := c.s.Frames(); len(fr) != depth+1 || !strings.Contains(c.do("frame"), "square+0x0 ") {
		t.Errorf("until square from total: %d frames (want %d), %s", len(fr), depth+1, c.do("frame"))
	}
	// spin is not called from square: the stop is where square returns.
	st := c.stop("advance spin")
	if fr := c.s.Frames(); len(fr) != depth || st.Reason != Step || !strings.Contains(c.do("frame"), "total+") {
		t.Errorf("advance spin from square: %v with %d frames in %s, want total's frame", st.Reason, len(fr), c.do("frame"))
	}
	if bl := c.do("breakpoints"); !strings.Contains(bl, "no breakpoints") {
		t.Errorf("advance left breakpoints: %s", bl)
	}
	if e := c.fail("advance"); !strings.Contains(e, "advance to where") {
		t.Errorf("advance without a location: %q", e)
	}
}
