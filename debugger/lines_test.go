package debugger

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/wasi"
	"github.com/wdb-dev/wdb/wasm"
)

// Source lines on testdata/wasi/lines.c: the tests find its lines by their
// /* L:NAME */ markers, and expect what its control flow dictates.

// lineMarkers maps each marker of lines.c to its line.
func lineMarkers(t *testing.T) map[string]int {
	t.Helper()
	b, err := os.ReadFile(testdataFile("wasi/lines.c"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for i, l := range strings.Split(string(b), "\n") {
		if m := regexp.MustCompile(`/\* L:([a-z0-9]+) \*/`).FindStringSubmatch(l); m != nil {
			out[m[1]] = i + 1
		}
	}
	return out
}

// line is the source line of the present (0: none), from the line table.
func (c *cmdSession) line() int {
	t, _ := c.s.Lines()
	_, off, ok := c.s.PC()
	if t == nil || !ok {
		return 0
	}
	p, _ := t.At(off)
	return p.Line
}

// file is the base name of the present's source file.
func (c *cmdSession) file() string {
	t, _ := c.s.Lines()
	_, off, _ := c.s.PC()
	p, _ := t.At(off)
	return filepath.Base(p.File)
}

// A breakpoint at a line stops there, in the function around it, once per
// execution of the line: the values of square's k are the loop's i, which
// the program prints with k*k.
func TestLineBreak(t *testing.T) {
	L := lineMarkers(t)
	c := newCmdSession(t, "wasi/lines.wasm", "standard", "")
	if out := c.do(fmt.Sprintf("break lines.c:%d", L["square"])); !strings.Contains(out, fmt.Sprintf(" at lines.c:%d\n", L["square"])) {
		t.Fatalf("break: %q", out)
	}
	var ks []int32
	for {
		st := c.stop("continue")
		if st.Reason != BreakpointHit {
			if st.Reason != Finished {
				t.Fatalf("continue: %v", st.Reason)
			}
			break
		}
		if c.funcAt() != "square" || c.line() != L["square"] {
			t.Fatalf("stopped in %s at line %d, want square at %d", c.funcAt(), c.line(), L["square"])
		}
		ks = append(ks, c.param(0))
	}
	// The program's output: "square(i) = q" for each i of the loop.
	var want []int32
	for _, m := range regexp.MustCompile(`square\((\d+)\) = (\d+)`).FindAllStringSubmatch(c.guest.String(), -1) {
		i, _ := strconv.Atoi(m[1])
		q, _ := strconv.Atoi(m[2])
		if q != i*i {
			t.Errorf("the program printed square(%d) = %d", i, q)
		}
		want = append(want, int32(i))
	}
	if len(want) != 5 || fmt.Sprint(ks) != fmt.Sprint(want) {
		t.Errorf("k at the breakpoint: %v; the program printed the squares of %v (want 0..4: total(5))", ks, want)
	}
	if bl := c.do("breakpoints"); !strings.Contains(bl, fmt.Sprintf("5     square+0x1a (0x%x) at lines.c:%d", c.s.Breakpoints()[0].Offset, L["square"])) {
		t.Errorf("breakpoints:\n%s", bl)
	}

	// Conditions, hit counts, and LINE in the current file.
	c = newCmdSession(t, "wasi/lines.wasm", "standard", "")
	c.do(fmt.Sprintf("break lines.c:%d if $0 == 3", L["square"]))
	if st := c.stop("continue"); st.Reason != BreakpointHit || c.param(0) != 3 {
		t.Fatalf("break if $0 == 3: %v, k = %d", st.Reason, c.param(0))
	}
	c.do("delete")
	// Hits count from the start of the timeline: the 5th return is k = 4.
	c.do(fmt.Sprintf("tbreak %d hits ==5", L["return"]))
	if st := c.stop("continue"); st.Reason != BreakpointHit || c.param(0) != 4 || c.line() != L["return"] {
		t.Fatalf("tbreak LINE hits ==5: %v, k = %d, line %d", st.Reason, c.param(0), c.line())
	}
	if len(c.s.Breakpoints()) != 0 {
		t.Errorf("the temporary breakpoint is still there")
	}
	// The for line begins twice (init, increment): two breakpoints, both
	// deleted by a tbreak's hit.
	c.do(fmt.Sprintf("tbreak lines.c:%d", L["for"]))
	if n := len(c.s.Breakpoints()); n != 2 {
		t.Fatalf("tbreak on the for line: %d breakpoints", n)
	}
	c.stop("continue")
	if len(c.s.Breakpoints()) != 0 || c.line() != L["for"] {
		t.Errorf("after the tbreak's hit at line %d: %d breakpoints left", c.line(), len(c.s.Breakpoints()))
	}
	for line, want := range map[string]string{
		"break nosuch.c:3":   "no file nosuch.c in the line table",
		"break lines.c:9999": "no code at or after line 9999",
		"break lines.c:0":    "bad line number",
		"source nosuch.c:1":  "no file nosuch.c",
	} {
		if got := c.fail(line); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q in it", line, got, want)
		}
	}
	if out := c.do(fmt.Sprintf("break lines.c:%d", L["ret"]+1)); !strings.Contains(out, fmt.Sprintf("line %d has no code: using line", L["ret"]+1)) {
		t.Errorf("break at a closing brace: %q", out)
	}
}

// The line moves visit the lines in the order of the C control flow, and
// the reverse ones come back the same way.
func TestLineSteps(t *testing.T) {
	L := lineMarkers(t)
	c := newCmdSession(t, "wasi/lines.wasm", "standard", "")
	c.do(fmt.Sprintf("tbreak lines.c:%d", L["sum0"]))
	c.stop("continue")

	// next-line through total: the loop runs 5 times (total(5)).
	want := []int{L["sum0"], L["for"]}
	for i := 0; i < 5; i++ {
		want = append(want, L["call"], L["add"], L["print"], L["for"])
	}
	want = append(want, L["ret"])
	var got []int
	var counters []uint64
	for range want {
		got = append(got, c.line())
		counters = append(counters, c.s.Counter())
		if c.funcAt() != "total" {
			t.Fatalf("next-line left total for %s", c.funcAt())
		}
		c.stop("next-line")
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("next-line visits lines %v, want %v", got, want)
	}
	// It returned: on to the next line of main.
	if c.line() != L["sum"] || c.funcAt() != "__original_main" {
		t.Fatalf("next-line out of total: %s line %d, want line %d", c.funcAt(), c.line(), L["sum"])
	}
	c.stop("reverse-next-line")
	if c.line() != L["total"] {
		t.Fatalf("reverse-next-line from line %d: line %d, want %d", L["sum"], c.line(), L["total"])
	}
	// A breakpoint on the way stops next-line (in the call it steps
	// over); reverse-next-line goes back to square's first line, then to
	// the line of total that called it.
	callTotal := c.s.Counter()
	c.do(fmt.Sprintf("tbreak lines.c:%d", L["return"]))
	if st := c.stop("next-line"); st.Reason != BreakpointHit || c.funcAt() != "square" {
		t.Fatalf("next-line over a call holding a breakpoint: %v in %s", st.Reason, c.funcAt())
	}
	c.stop("rnl")
	if c.line() != L["square"] {
		t.Fatalf("reverse-next-line in square: line %d, want %d", c.line(), L["square"])
	}
	c.stop("rnl")
	if c.line() != L["call"] || c.funcAt() != "total" {
		t.Fatalf("reverse-next-line from square's first line: %s line %d, want total line %d", c.funcAt(), c.line(), L["call"])
	}
	c.do(fmt.Sprintf("goto %d", callTotal))
	// Into total again, to its last line, and back line by line.
	c.stop("step-line")
	if c.s.Counter() != counters[0] {
		t.Fatalf("step-line into total: counter %d, want %d (its first line)", c.s.Counter(), counters[0])
	}
	c.do(fmt.Sprintf("goto %d", counters[len(counters)-1]))
	for i := len(counters) - 2; i >= 0; i-- {
		c.stop("rnl")
		if c.s.Counter() != counters[i] {
			t.Fatalf("reverse-next-line %d: counter %d line %d, want %d line %d", len(counters)-1-i, c.s.Counter(), c.line(), counters[i], want[i])
		}
	}
	c.stop("rnl")
	if c.line() != L["total"] || c.funcAt() != "__original_main" {
		t.Errorf("reverse-next-line from total's first line: %s line %d, want the call at %d", c.funcAt(), c.line(), L["total"])
	}

	// step-line goes into square and out, and reverse-step-line comes back
	// through the same states, on every engine.
	for _, engine := range engines.Names() {
		t.Run(engine, func(t *testing.T) {
			c := newCmdSession(t, "wasi/lines.wasm", engine, "")
			c.do(fmt.Sprintf("tbreak lines.c:%d", L["call"]))
			c.stop("continue")
			type at struct {
				fn   string
				line int
			}
			want := []at{{"total", L["call"]}, {"square", L["square"]}, {"square", L["return"]}, {"total", L["add"]}, {"total", L["print"]}}
			var states []*snapshot.Snapshot
			for i, w := range want {
				if got := (at{c.funcAt(), c.line()}); got != w {
					t.Fatalf("step-line %d: %v, want %v", i, got, w)
				}
				states = append(states, c.state())
				c.stop("sl")
			}
			if c.funcAt() != "printf" || c.file() != "printf.c" {
				t.Errorf("step-line at the printf line: %s in %s, want wasi-libc's printf", c.funcAt(), c.file())
			}
			for i := len(states) - 1; i >= 0; i-- {
				c.stop("reverse-step-line")
				sameState(t, fmt.Sprintf("reverse-step-line to %v", want[i]), c.state(), states[i])
			}
			if st := c.stop("sl 3"); st.Reason != Step || c.line() != L["add"] {
				t.Errorf("sl 3: line %d, want %d", c.line(), L["add"])
			}
			// From the end of the program, back to its last line.
			c.do("delete")
			if st := c.stop("continue"); st.Reason != Finished {
				t.Fatalf("continue: %v", st.Reason)
			}
			if st := c.stop("rnl"); st.Reason != Step || c.line() == 0 {
				t.Errorf("reverse-next-line from the end: %v, %s line %d", st.Reason, c.funcAt(), c.line())
			}
			t.Logf("reverse-next-line from the end: %s %s:%d", c.funcAt(), c.file(), c.line())
		})
	}
}

// state is the present's snapshot with its memory copied.
func (c *cmdSession) state() *snapshot.Snapshot {
	c.t.Helper()
	sn, err := c.s.Snapshot()
	if err != nil {
		c.t.Fatal(err)
	}
	return sn
}

// next-line over a loop of a million iterations on one line is one run
// of the engine, and an interrupt stops it.
func TestNextLineLoop(t *testing.T) {
	L := lineMarkers(t)
	c := newCmdSession(t, "wasi/lines.wasm", "standard", "")
	c.do(fmt.Sprintf("tbreak lines.c:%d", L["spin"]))
	c.stop("continue")
	start := c.s.Counter()
	t0 := time.Now()
	c.stop("next-line")
	el := time.Since(t0)
	if c.line() != L["spun"] || c.s.Counter()-start < 1_000_000*5 {
		t.Fatalf("next-line over the loop: line %d after %d instructions", c.line(), c.s.Counter()-start)
	}
	t.Logf("next-line over %d instructions: %v", c.s.Counter()-start, el)
	// Back to the loop's line (its first instruction), then interrupt
	// next-line in the middle of the loop.
	t0 = time.Now()
	c.stop("rnl")
	t.Logf("reverse-next-line back over them: %v", time.Since(t0))
	if c.s.Counter() != start {
		t.Fatalf("reverse-next-line: counter %d, want %d", c.s.Counter(), start)
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
				c.s.Interrupt()
			}
		}
	}()
	st := c.stop("nl")
	close(done)
	if st.Reason != Interrupted || c.line() != L["spin"] {
		t.Errorf("interrupted next-line: %v at line %d", st.Reason, c.line())
	}
}

// The source command shows the lines around the present with => and *;
// the file is found beside the module or in a --source-dir.
func TestSourceCommand(t *testing.T) {
	L := lineMarkers(t)
	abs, err := filepath.Abs(testdataFile("wasi/lines.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	c := newCmdSession(t, abs, "standard", "") // the file is beside the module
	c.do(fmt.Sprintf("break lines.c:%d", L["add"]))
	c.stop("continue")
	out := c.do("source")
	src, _ := os.ReadFile(testdataFile("wasi/lines.c"))
	text := strings.Split(string(src), "\n")
	for _, n := range []int{L["add"] - 1, L["add"], L["add"] + 1} {
		mark := "   "
		if n == L["add"] {
			mark = "=>*"
		}
		if want := fmt.Sprintf("%5d %s %s\n", n, mark, text[n-1]); !strings.Contains(out, want) {
			t.Errorf("source: no %q in\n%s", want, out)
		}
	}
	if info := c.do("info"); !strings.Contains(info, fmt.Sprintf("source:    wasi/lines.c:%d:", L["add"])) {
		t.Errorf("info:\n%s", info)
	}
	if got := c.fail("source lines.c:9999"); !strings.Contains(got, "lines, no line 9999") {
		t.Errorf("source lines.c:9999: %q", got)
	}
	if got := c.in.Complete("break li"); fmt.Sprint(got) != "[break lines.c:]" {
		t.Errorf("Complete(break li) = %q", got)
	}

	// A module elsewhere: the file is not beside it; --source-dir finds it.
	dir := t.TempDir()
	b, _ := os.ReadFile(testdataFile("wasi/lines.wasm"))
	path := filepath.Join(dir, "lines.wasm")
	os.WriteFile(path, b, 0o644)
	m, err := wasm.Load(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, dirs := range [][]string{nil, {filepath.Dir(testdataFile("wasi/lines.c"))}} {
		s, err := New(Config{Path: path, Module: m, SourceDirs: dirs, WASI: wasi.Config{Stdout: &bytes.Buffer{}}})
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		in := NewInterpreter(s, &out)
		err = in.Exec(fmt.Sprintf("source lines.c:%d", L["add"]))
		switch {
		case dirs == nil && (err == nil || !strings.Contains(err.Error(), "source file wasi/lines.c not found (tried wasi/lines.c, "+filepath.Join(dir, "wasi/lines.c"))):
			t.Errorf("source without the file: %v", err)
		case dirs != nil && (err != nil || !strings.Contains(out.String(), text[L["add"]-1])):
			t.Errorf("source with --source-dir: %v\n%s", err, out.String())
		}
		s.Close()
	}
}

// A module without lines: the line commands say so and the rest is as
// before; a damaged line table is a warning, once, and no lines.
func TestNoLines(t *testing.T) {
	c := newCmdSession(t, "bench/fib.wasm", "standard", "run", "5")
	for _, cmd := range []string{"step-line", "rnl", "source", "break fib.c:3"} {
		if got := c.fail(cmd); !strings.Contains(got, "no source line information") {
			t.Errorf("%s: %q", cmd, got)
		}
	}
	if c.s.Counter() != 0 {
		t.Errorf("a line move without lines moved to %d", c.s.Counter())
	}

	b, _ := os.ReadFile(testdataFile("wasi/lines.wasm"))
	m, _ := wasm.Load(b)
	for _, cs := range m.Customs {
		if cs.Name == ".debug_line" {
			b[cs.Offset+4] = 99 // the first unit's version
		}
	}
	m, err := wasm.Load(b)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Module: m, WASI: wasi.Config{Stdout: &bytes.Buffer{}}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out bytes.Buffer
	in := NewInterpreter(s, &out)
	in.Exec("step")
	in.Exec("bt")
	if n := strings.Count(out.String(), "warning: module: damaged DWARF in .debug_line"); n != 1 || strings.Contains(out.String(), " at lines.c") {
		t.Errorf("with a damaged .debug_line (%d warnings):\n%s", n, out.String())
	}
	if err := in.Exec("step-line"); err == nil || !strings.Contains(err.Error(), ".debug_line") {
		t.Errorf("step-line with a damaged .debug_line: %v", err)
	}
}
