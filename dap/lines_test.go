package dap

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	godap "github.com/google/go-dap"
)

// Source lines in the client, on testdata/wasi/lines.c (clang -O0, DWARF
// 5): the tests find its lines by their /* L:NAME */ markers, reading the
// file, and expect what its control flow dictates.

// lineMarkers maps each marker of lines.c to its line.
func lineMarkers(t *testing.T) map[string]int {
	t.Helper()
	b, err := os.ReadFile(program(t, "wasi/lines.c"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	re := regexp.MustCompile(`/\* L:([a-z0-9]+) \*/`)
	for i, l := range strings.Split(string(b), "\n") {
		if m := re.FindStringSubmatch(l); m != nil {
			out[m[1]] = i + 1
		}
	}
	return out
}

// move sends a step request and waits for its stop; it returns the top
// frame and the stop's counter.
func (c *client) move(command, granularity string) (godap.StackFrame, uint64) {
	c.t.Helper()
	args := map[string]any{"threadId": 1}
	if granularity != "" {
		args["granularity"] = granularity
	}
	c.send(command, args)
	for {
		m := c.next()
		if r, ok := m.(godap.ResponseMessage); ok && r.GetResponse().Command == command {
			if !r.GetResponse().Success {
				c.t.Fatalf("%s: %s", command, r.GetResponse().Message)
			}
			break
		}
		c.pending = append(c.pending, m)
	}
	e := c.stopped("step")
	return c.stackTrace()[0], counterOf(c.t, e)
}

// at checks that frame f is shown at line `line` of lines.c, in function fn.
func atLine(t *testing.T, what string, f godap.StackFrame, fn string, line int) {
	t.Helper()
	if f.Source == nil || !strings.HasSuffix(f.Source.Path, "/testdata/wasi/lines.c") || f.Source.Name != "lines.c" ||
		f.Source.SourceReference != 0 || f.Line != line || f.Name != fn || f.InstructionPointerReference == "" {
		t.Fatalf("%s: frame %s at %+v line %d (%s), want %s at lines.c:%d", what, f.Name, f.Source, f.Line, f.InstructionPointerReference, fn, line)
	}
}

func TestSourceLinesSession(t *testing.T) {
	L := lineMarkers(t)
	linesC := program(t, "wasi/lines.c")
	c := dial(t, startServer(t))
	var bps []godap.Breakpoint
	c.launch(map[string]any{"program": program(t, "wasi/lines.wasm")}, func() {
		c.send("setBreakpoints", map[string]any{"source": map[string]any{"name": "lines.c", "path": linesC},
			"breakpoints": []map[string]any{{"line": L["call"]}}})
		bps = expect[*godap.SetBreakpointsResponse](c).Body.Breakpoints
		// The lines where a line begins, around the call.
		c.send("breakpointLocations", map[string]any{"source": map[string]any{"path": linesC}, "line": L["call"] - 1, "endLine": L["add"]})
		locs := expect[*godap.BreakpointLocationsResponse](c).Body.Breakpoints
		if len(locs) != 3 || locs[0].Line != L["for"] || locs[1].Line != L["call"] || locs[2].Line != L["add"] {
			t.Errorf("breakpointLocations %d-%d: %+v, want lines %d, %d, %d", L["call"]-1, L["add"], locs, L["for"], L["call"], L["add"])
		}
	})
	if len(bps) != 1 || !bps[0].Verified || bps[0].Line != L["call"] || bps[0].Source == nil || bps[0].Source.Path != linesC {
		t.Fatalf("breakpoint on lines.c:%d: %+v", L["call"], bps)
	}
	e := c.stopped("breakpoint")
	if len(e.Body.HitBreakpointIds) != 1 || e.Body.HitBreakpointIds[0] != bps[0].Id {
		t.Errorf("hit breakpoints %v, want [%d]", e.Body.HitBreakpointIds, bps[0].Id)
	}
	start := counterOf(t, e)
	frames := c.stackTrace()
	atLine(t, "at the breakpoint", frames[0], "total", L["call"])
	atLine(t, "the caller", frames[1], "__original_main", L["total"])
	// The entry (_start, or the linker's wrapper of it) has no source
	// here (wasi-libc's crt1-command.c): its frame stays in its text.
	if last := frames[len(frames)-1]; !strings.HasPrefix(last.Name, "_start") || last.Source == nil || last.Source.SourceReference == 0 {
		t.Errorf("the bottom frame %+v: want _start in its text", last)
	}

	// next goes to the next line; stepBack back to the breakpoint's line,
	// at the same moment.
	f, _ := c.move("next", "")
	atLine(t, "next", f, "total", L["add"])
	f, k := c.move("stepBack", "")
	atLine(t, "stepBack", f, "total", L["call"])
	if k != start {
		t.Errorf("stepBack to counter %d, the breakpoint stopped at %d", k, start)
	}
	// stepIn goes into square, to its first line; stepBack from there
	// to the call.
	f, _ = c.move("stepIn", "statement")
	atLine(t, "stepIn", f, "square", L["square"])
	f, k = c.move("stepBack", "line")
	atLine(t, "stepBack out of square", f, "total", L["call"])
	if k != start {
		t.Errorf("stepBack from square to counter %d, the call's line began at %d", k, start)
	}
	// One instruction.
	f, k = c.move("stepIn", "instruction")
	if k != start+1 || f.Name != "total" {
		t.Errorf("stepIn by instruction: counter %d in %s, want %d in total", k, f.Name, start+1)
	}
	f, k = c.move("stepBack", "instruction")
	if k != start {
		t.Errorf("stepBack by instruction: counter %d, want %d", k, start)
	}
	// The console's line moves are moves: answered when they end, with a
	// stopped event.
	c.evaluate("nl", "repl")
	c.stopped("step")
	atLine(t, "nl in the console", c.stackTrace()[0], "total", L["add"])
	// A bad granularity is refused.
	seq := c.send("next", map[string]any{"threadId": 1, "granularity": "word"})
	if e := c.expectError(seq); !strings.Contains(e.Message, `"word"`) {
		t.Errorf("granularity word: %q", e.Message)
	}
	c.disconnect()
}

// Conditions, and breakpoints the line table cannot place.
func TestSourceBreakpointOptions(t *testing.T) {
	L := lineMarkers(t)
	linesC := program(t, "wasi/lines.c")
	c := dial(t, startServer(t))
	var bps, missing []godap.Breakpoint
	c.launch(map[string]any{"program": program(t, "wasi/lines.wasm")}, func() {
		// square(k) is called for k = 0 .. 4 (lines.c): k is its
		// parameter, local 0.
		c.send("setBreakpoints", map[string]any{"source": map[string]any{"path": linesC},
			"breakpoints": []map[string]any{{"line": L["square"], "condition": "$0 == 3"}, {"line": 100000}, {"line": -2}}})
		bps = expect[*godap.SetBreakpointsResponse](c).Body.Breakpoints
		c.send("setBreakpoints", map[string]any{"source": map[string]any{"path": "/nowhere/other.c"},
			"breakpoints": []map[string]any{{"line": 3}}})
		missing = expect[*godap.SetBreakpointsResponse](c).Body.Breakpoints
	})
	if len(bps) != 3 || !bps[0].Verified || bps[0].Line != L["square"] || bps[1].Verified || bps[2].Verified {
		t.Errorf("breakpoints %+v: want the first verified at line %d, not the ones past the end and before the start", bps, L["square"])
	}
	if len(missing) != 1 || missing[0].Verified || !strings.Contains(missing[0].Message, "other.c") {
		t.Errorf("a breakpoint in a file the module does not have: %+v", missing)
	}
	c.stopped("breakpoint")
	atLine(t, "the conditional breakpoint", c.stackTrace()[0], "square", L["square"])
	if k := c.locals()["$0"].Value; k != "3" {
		t.Errorf("stopped with k = %s, want 3", k)
	}
	// A line without code means the next one with code: the response
	// says which. The line above square's first line is its header.
	c.send("setBreakpoints", map[string]any{"source": map[string]any{"path": linesC}, "breakpoints": []map[string]any{{"line": L["square"] + 2}}})
	if b := expect[*godap.SetBreakpointsResponse](c).Body.Breakpoints; len(b) != 1 || !b[0].Verified || b[0].Line <= L["square"]+2 {
		t.Errorf("a breakpoint on the blank line %d: %+v, want it verified on a later line", L["square"]+2, b)
	}
	c.disconnect()
}

// A module without line information stays in its text, and steps by
// instructions whatever the granularity; a condition may use locals named
// like the option words of break (words.wat: hits = log*(log-1) at the
// loop's top).
func TestSourceLinesWithoutDWARF(t *testing.T) {
	c := dial(t, startServer(t))
	var bps []godap.Breakpoint
	c.launch(map[string]any{"program": program(t, "wat/words.wasm"), "invoke": "run", "args": []string{"10"}}, func() {
		src := c.sourceOf("count")
		c.send("source", map[string]any{"source": src, "sourceReference": src.SourceReference})
		text := strings.Split(expect[*godap.SourceResponse](c).Body.Content, "\n")
		top := 0
		for i, l := range text {
			if strings.HasPrefix(strings.TrimSpace(l), "loop") {
				top = i + 2 // the line after the loop's, 1-based
			}
		}
		c.send("setBreakpoints", map[string]any{"source": src, "breakpoints": []map[string]any{
			{"line": top, "condition": "log > 2 && hits < 10"},
			{"line": top, "condition": "log == 1", "logMessage": "log={log} if hits={hits}"}}})
		bps = expect[*godap.SetBreakpointsResponse](c).Body.Breakpoints
	})
	if len(bps) != 2 || !bps[0].Verified || !bps[1].Verified {
		t.Fatalf("breakpoints %+v", bps)
	}
	var stops []string
	for {
		e := expect[*godap.StoppedEvent](c)
		if e.Body.Reason != "breakpoint" {
			break
		}
		l := c.locals()
		stops = append(stops, l["log"].Value+" "+l["hits"].Value)
		f := c.stackTrace()[0]
		if f.Source == nil || f.Source.SourceReference == 0 {
			t.Fatalf("frame %+v: want the function's text", f)
		}
		_, k := c.move("next", "line")
		if f2 := c.stackTrace()[0]; k != counterOf(t, e)+1 || f2.Line != f.Line+1 {
			t.Errorf("next by line in the text: counter %d line %d, from %d line %d", k, f2.Line, counterOf(t, e), f.Line)
		}
		c.send("continue", map[string]any{"threadId": 1})
		expect[*godap.ContinueResponse](c)
	}
	var want []string
	for k := 0; k < 10; k++ {
		if k > 2 && k*(k-1) < 10 {
			want = append(want, fmt.Sprintf("%d %d", k, k*(k-1)))
		}
	}
	if strings.Join(stops, ",") != strings.Join(want, ",") {
		t.Errorf("stopped with log, hits = %v, want %v", stops, want)
	}
	if out := c.outputOf("console"); !strings.Contains(out, "log=1 if hits=0\n") {
		t.Errorf("the log point printed %q, want log=1 if hits=0", out)
	}
	c.disconnect()
}

// sourceDirs: where a source file is found when it is not at its
// recorded path (wasi/lines.c, relative) nor beside the module.
func TestSourceDirs(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(program(t, "wasi/lines.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	mod := filepath.Join(dir, "lines.wasm")
	if err := os.WriteFile(mod, b, 0o644); err != nil {
		t.Fatal(err)
	}
	addr := startServer(t)
	for _, dirs := range [][]string{nil, {program(t, "")}} {
		c := dial(t, addr)
		c.launch(map[string]any{"program": mod, "stopOnEntry": true, "sourceDirs": dirs, "cwd": dir}, nil)
		c.stopped("entry")
		c.send("setBreakpoints", map[string]any{"source": map[string]any{"path": program(t, "wasi/lines.c")},
			"breakpoints": []map[string]any{{"line": lineMarkers(t)["square"]}}})
		expect[*godap.SetBreakpointsResponse](c)
		c.send("continue", map[string]any{"threadId": 1})
		expect[*godap.ContinueResponse](c)
		c.stopped("breakpoint")
		f := c.stackTrace()[0]
		if found := f.Source != nil && f.Source.SourceReference == 0; found != (dirs != nil) {
			t.Errorf("sourceDirs %v: frame source %+v", dirs, f.Source)
		}
		c.disconnect()
	}
	c := dial(t, addr)
	c.initialize()
	seq := c.send("launch", map[string]any{"program": mod, "sourceDirs": []string{filepath.Join(dir, "nope")}})
	if e := c.expectError(seq); !strings.Contains(e.Message, "sourceDirs") || !strings.Contains(e.Message, "nope") {
		t.Errorf("a missing source directory: %q", e.Message)
	}
}

// advance in the Debug Console moves the program as the toolbar does: a
// stopped event, and the stack trace where it stopped.
func TestConsoleAdvance(t *testing.T) {
	c := dial(t, startServer(t))
	c.launch(map[string]any{"program": program(t, "wasi/lines.wasm"), "stopOnEntry": true}, nil)
	c.stopped("entry")
	c.evaluate("until square", "repl")
	c.stopped("step")
	if f := c.stackTrace()[0]; f.Name != "square" {
		t.Errorf("after until square the top frame is %q", f.Name)
	}
	c.disconnect()
}

// display expressions typed in the Debug Console show after every stop,
// toolbar moves included, once each.
func TestConsoleDisplay(t *testing.T) {
	L := lineMarkers(t)
	c := dial(t, startServer(t))
	c.launch(map[string]any{"program": program(t, "wasi/lines.wasm")}, func() {
		c.evaluate(fmt.Sprintf("break lines.c:%d", L["print"]), "repl")
	})
	c.stopped("breakpoint")
	made := c.evaluate("display i", "repl").Result
	for range 2 {
		c.send("continue", map[string]any{"threadId": 1})
		expect[*godap.ContinueResponse](c)
		c.stopped("breakpoint")
	}
	// A move typed in the console shows them in its own answer.
	next := c.evaluate("next", "repl").Result
	c.stopped("step")
	shown := c.outputOf("console")
	c.evaluate("delete", "repl")
	c.send("continue", map[string]any{"threadId": 1})
	expect[*godap.ContinueResponse](c)
	c.stopped("exited")
	// At the print line, i is the number the program prints next.
	var is []string
	for _, m := range regexp.MustCompile(`square\((\d+)\)`).FindAllStringSubmatch(c.outputOf("stdout"), -1) {
		is = append(is, m[1])
	}
	if len(is) < 3 || made != "1: i = "+is[0]+" (int)" || shown != "1: i = "+is[1]+" (int)\n1: i = "+is[2]+" (int)\n" ||
		strings.Count(next, "1: i = "+is[2]+" (int)") != 1 {
		t.Errorf("display i when made: %q; after two continues: %q; in next's answer: %q; the program printed i = %v", made, shown, next, is)
	}
	c.disconnect()
}
