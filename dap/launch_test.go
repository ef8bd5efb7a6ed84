package dap

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	godap "github.com/google/go-dap"

	"github.com/wdb-dev/wdb/wasm"
)

// The guest's world from the launch attributes (and its stderr as output
// events), stepOut, writeMemory and breakpointLocations.

// runToExit launches with stopAtExit false and returns the exit code once
// the session has ended.
func runToExit(c *client, args map[string]any) int {
	c.t.Helper()
	args["stopAtExit"] = false
	c.launch(args, nil)
	code := expect[*godap.ExitedEvent](c).Body.ExitCode
	expect[*godap.TerminatedEvent](c)
	return code
}

// launchToHanoi launches compute.wasm with a function breakpoint on hanoi
// and waits for its first hit.
func (c *client) launchToHanoi() {
	c.t.Helper()
	c.launch(map[string]any{"program": program(c.t, "wasi/compute.wasm")}, func() {
		c.send("setFunctionBreakpoints", map[string]any{"breakpoints": []map[string]any{{"name": "hanoi"}}})
		expect[*godap.SetFunctionBreakpointsResponse](c)
	})
	c.stopped("function breakpoint")
}

// loadModule decodes compute.wasm (or b, when given).
func loadModule(t *testing.T, b []byte) *wasm.Module {
	t.Helper()
	if b == nil {
		var err error
		if b, err = os.ReadFile(program(t, "wasi/compute.wasm")); err != nil {
			t.Fatal(err)
		}
	}
	mod, err := wasm.Load(b)
	if err != nil {
		t.Fatal(err)
	}
	return mod
}

// dataAddress returns where an active data segment puts want in memory.
func dataAddress(t *testing.T, mod *wasm.Module, want []byte) uint32 {
	t.Helper()
	for _, d := range mod.Datas {
		if i := bytes.Index(d.Init, want); i >= 0 && d.Mode == wasm.SegmentActive && d.Offset.Op == wasm.OpI32Const {
			return uint32(d.Offset.Value) + uint32(i)
		}
	}
	t.Fatalf("%q is not in an active data segment", want)
	return 0
}

func TestLaunchArgsEnvCwdDirs(t *testing.T) {
	addr := startServer(t)

	// program relative to cwd; args and env as args.c echoes them, and
	// its exit status is argc.
	c := dial(t, addr)
	code := runToExit(c, map[string]any{"program": "args.wasm", "cwd": program(t, "wasi"),
		"args": []string{"one", "two words"}, "env": map[string]string{"WHO": "dap"}, "snapshotBudget": "64M"})
	want := "argv[0]=args.wasm\nargv[1]=one\nargv[2]=two words\nenv WHO=dap\nWHO=dap\n"
	if out := c.outputOf("stdout"); code != 3 || out != want {
		t.Errorf("args.wasm exited %d with output\n%s\nwant 3 and\n%s", code, out, want)
	}
	c.disconnect()

	// dirs: fileio.c reads /data/input.txt and writes /data/output.txt,
	// the lines numbered and reversed under a header with their count.
	dir := t.TempDir()
	input, err := os.ReadFile(program(t, "wasi/data/input.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "input.txt"), input, 0o644); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(input), "\n"), "\n")
	expected := fmt.Sprintf("lines: %4d\n", len(lines))
	for i, l := range lines {
		r := []rune(l)
		for a, b := 0, len(r)-1; a < b; a, b = a+1, b-1 {
			r[a], r[b] = r[b], r[a]
		}
		expected += fmt.Sprintf("%d: %s\n", i+1, string(r))
	}
	c = dial(t, addr)
	if code := runToExit(c, map[string]any{"program": program(t, "wasi/fileio.wasm"), "dirs": []string{dir + ":/data"}}); code != 0 {
		t.Errorf("fileio.wasm exited %d: %s", code, c.outputOf("stderr"))
	}
	if got, err := os.ReadFile(filepath.Join(dir, "output.txt")); err != nil || string(got) != expected {
		t.Errorf("output.txt (%v):\n%s\nwant:\n%s", err, got, expected)
	}
	c.disconnect()

	// Without the directory the guest cannot open its input, and says so
	// on stderr: an output event of category stderr.
	c = dial(t, addr)
	code = runToExit(c, map[string]any{"program": program(t, "wasi/fileio.wasm")})
	if errOut := c.outputOf("stderr"); code != 1 || !strings.HasPrefix(errOut, "fileio: open /data/input.txt: ") || c.outputOf("stdout") != "" {
		t.Errorf("fileio.wasm without dirs exited %d, stderr %q, stdout %q", code, errOut, c.outputOf("stdout"))
	}
	c.disconnect()
}

// TestStepOutWriteMemoryBreakpointLocations: stepOut of hanoi(4) shows its
// result, 2^4-1, on main's operand stack; bytes written into the format
// string change what the program prints next.
func TestStepOutWriteMemoryBreakpointLocations(t *testing.T) {
	c := dial(t, startServer(t))
	c.launchToHanoi()

	// breakpointLocations: every line of the text but its header.
	src := c.sourceOf("hanoi")
	c.send("source", map[string]any{"source": src, "sourceReference": src.SourceReference})
	text := strings.Split(strings.TrimSuffix(expect[*godap.SourceResponse](c).Body.Content, "\n"), "\n")
	c.send("breakpointLocations", map[string]any{"source": src, "line": 1, "endLine": len(text)})
	locs := expect[*godap.BreakpointLocationsResponse](c).Body.Breakpoints
	if len(locs) != len(text)-1 || locs[0].Line != 2 || locs[len(locs)-1].Line != len(text) {
		t.Errorf("breakpoint locations %+v in a text of %d lines, want lines 2..%d", locs, len(text), len(text))
	}

	// The third entry of hanoi is hanoi(4), called from main.
	entries := hanoiEntries()
	for i := 1; i < 3; i++ {
		c.send("continue", map[string]any{"threadId": 1})
		expect[*godap.ContinueResponse](c)
		c.stopped("function breakpoint")
	}
	n := entries[2]
	if v := c.locals()["$0"]; v.Value != fmt.Sprint(n) {
		t.Fatalf("third hit: local %+v, want %d", v, n)
	}
	depth := len(c.stackTrace())
	c.send("setFunctionBreakpoints", map[string]any{"breakpoints": []map[string]any{}})
	expect[*godap.SetFunctionBreakpointsResponse](c)
	c.send("stepOut", map[string]any{"threadId": 1})
	expect[*godap.StepOutResponse](c)
	c.stopped("step")
	frames := c.stackTrace()
	if len(frames) != depth-1 || frames[0].Name != "__original_main" {
		t.Fatalf("after stepOut: %d frames, top %q; want %d, __original_main", len(frames), frames[0].Name, depth-1)
	}
	stack := c.variables(c.scopes(frames[0].Id)["Operand Stack"].VariablesReference)
	if top := stack[len(stack)-1]; top.Value != fmt.Sprint(1<<n-1) || top.Type != "i32" {
		t.Errorf("after stepOut of hanoi(%d) the top of the stack is %+v, want i32 %d", n, top, 1<<n-1)
	}

	// Overwrite "hanoi" in the format string with "HANOI".
	format := []byte("hanoi(%d) = %d moves\n")
	addr := dataAddress(t, loadModule(t, nil), format)
	c.send("writeMemory", map[string]any{"memoryReference": fmt.Sprintf("0x%x", addr), "data": base64.StdEncoding.EncodeToString([]byte("HANOI"))})
	if w := expect[*godap.WriteMemoryResponse](c).Body.BytesWritten; w != 5 {
		t.Errorf("writeMemory wrote %d bytes, want 5", w)
	}
	c.send("readMemory", map[string]any{"memoryReference": fmt.Sprintf("0x%x", addr), "count": len(format)})
	if got, _ := base64.StdEncoding.DecodeString(expect[*godap.ReadMemoryResponse](c).Body.Data); string(got) != "HANOI(%d) = %d moves\n" {
		t.Errorf("read back %q", got)
	}
	c.send("continue", map[string]any{"threadId": 1})
	expect[*godap.ContinueResponse](c)
	c.stopped("exited")
	// hanoi(1)'s line was printed before; the later ones use the new text.
	want := strings.Replace(computeOutput(), "hanoi(4)", "HANOI(4)", 1)
	want = strings.Replace(want, "hanoi(7)", "HANOI(7)", 1)
	want = strings.Replace(want, "hanoi(10)", "HANOI(10)", 1)
	if out := c.outputOf("stdout"); out != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}
	c.disconnect()
}

// TestDisassembleOutsideTheCode: the Disassembly view asks for
// instructions before the first and after the last; they come as
// placeholders at distinct addresses, in order. The instructions' text
// is located by sourceReference alone: VS Code's Disassembly view reads a
// location's absolute path as a file (ignoring its sourceReference), and
// leaves every row it cannot read blank.
func TestDisassembleOutsideTheCode(t *testing.T) {
	mod := loadModule(t, nil)
	firstFn, lastFn := mod.Funcs[mod.NumImportedFuncs], mod.Funcs[len(mod.Funcs)-1]
	first, last := firstFn.Instrs[0].Offset, lastFn.Instrs[len(lastFn.Instrs)-1].Offset

	c := dial(t, startServer(t))
	c.launch(map[string]any{"program": program(t, "wasi/compute.wasm"), "stopOnEntry": true}, nil)
	c.stopped("entry")
	for _, tc := range []struct {
		ref    uint32
		offset int
		want   []string // "" for a placeholder, "*" for any instruction
	}{
		{first, -2, []string{"", "", fmt.Sprintf("0x%x", first), "*"}},
		{last, -1, []string{"*", fmt.Sprintf("0x%x", last), "", ""}},
	} {
		c.send("disassemble", map[string]any{"memoryReference": fmt.Sprintf("0x%x", tc.ref), "instructionOffset": tc.offset, "instructionCount": len(tc.want)})
		ins := expect[*godap.DisassembleResponse](c).Body.Instructions
		if len(ins) != len(tc.want) {
			t.Fatalf("disassemble at 0x%x%+d: %d instructions, want %d", tc.ref, tc.offset, len(ins), len(tc.want))
		}
		prev := int64(-1)
		for i, in := range ins {
			a, err := strconv.ParseInt(in.Address, 0, 64)
			if err != nil || a <= prev {
				t.Errorf("disassemble at 0x%x%+d: address %q after 0x%x", tc.ref, tc.offset, in.Address, prev)
			}
			prev = a
			placeholder := in.Instruction == "(no code)"
			if !placeholder && (in.Location == nil || in.Location.SourceReference == 0 || in.Location.Path != "") {
				t.Errorf("disassemble at 0x%x%+d: [%d] %s is located at %+v, want a sourceReference and no path", tc.ref, tc.offset, i, in.Instruction, in.Location)
			}
			if w := tc.want[i]; placeholder != (w == "") || (w != "" && w != "*" && in.Address != w) {
				t.Errorf("disassemble at 0x%x%+d: [%d] = %s %q, want %q", tc.ref, tc.offset, i, in.Address, in.Instruction, w)
			}
		}
	}
	c.disconnect()
}

// divByZero is a module whose _start divides 1 by 0: the spec's trap
// "integer divide by zero". Assembled by hand: type () -> (), one
// function, its export, its body.
var divByZero = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section
	0x03, 0x02, 0x01, 0x00, // function section
	0x07, 0x0a, 0x01, 0x06, '_', 's', 't', 'a', 'r', 't', 0x00, 0x00, // export section
	0x0a, 0x0a, 0x01, 0x08, 0x00, 0x41, 0x01, 0x41, 0x00, 0x6d, 0x1a, 0x0b, // i32.const 1, i32.const 0, i32.div_s, drop, end
}

// TestAdvertisedExtras covers the capabilities the sessions above do not:
// exception info at a trap, delayed stack trace loading (startFrame and
// levels), the hex value format, and completions.
func TestAdvertisedExtras(t *testing.T) {
	addr := startServer(t)
	mod := filepath.Join(t.TempDir(), "div.wasm")
	if err := os.WriteFile(mod, divByZero, 0o644); err != nil {
		t.Fatal(err)
	}
	c := dial(t, addr)
	c.launch(map[string]any{"program": mod}, nil)
	e := c.stopped("exception")
	if !strings.Contains(e.Body.Text, "integer divide by zero") {
		t.Errorf("the trap's stopped event says %q", e.Body.Text)
	}
	c.send("exceptionInfo", map[string]any{"threadId": 1})
	info := expect[*godap.ExceptionInfoResponse](c).Body
	if info.ExceptionId != "trap" || !strings.Contains(info.Description, "integer divide by zero") || info.Details == nil || !strings.Contains(info.Details.StackTrace, "_start") {
		t.Errorf("exceptionInfo: %+v (details %+v)", info, info.Details)
	}
	c.disconnect()

	c = dial(t, addr)
	c.launchToHanoi()
	c.send("continue", map[string]any{"threadId": 1})
	expect[*godap.ContinueResponse](c)
	c.stopped("function breakpoint") // hanoi(0), called from hanoi(1)
	all := c.stackTrace()
	c.send("stackTrace", map[string]any{"threadId": 1, "startFrame": 1, "levels": 2})
	part := expect[*godap.StackTraceResponse](c).Body
	same := func(a, b godap.StackFrame) bool {
		return a.Id == b.Id && a.Name == b.Name && a.Line == b.Line && a.InstructionPointerReference == b.InstructionPointerReference
	}
	if part.TotalFrames != len(all) || len(part.StackFrames) != 2 || !same(part.StackFrames[0], all[1]) || !same(part.StackFrames[1], all[2]) {
		t.Errorf("frames 1 and 2 of %d: %+v (total %d)", len(all), part.StackFrames, part.TotalFrames)
	}
	// hanoi(1)'s local, in hex, and an expression in hex.
	c.send("variables", map[string]any{"variablesReference": c.scopes(2)["Locals"].VariablesReference, "format": map[string]any{"hex": true}})
	if v := expect[*godap.VariablesResponse](c).Body.Variables; len(v) != 1 || v[0].Value != "0x1" {
		t.Errorf("hanoi(1)'s locals in hex: %+v", v)
	}
	c.send("evaluate", map[string]any{"expression": "$0 - 1", "context": "watch", "format": map[string]any{"hex": true}})
	if r := expect[*godap.EvaluateResponse](c).Body; r.Result != "0xffffffff" || r.Type != "i32" {
		t.Errorf("$0 - 1 at hanoi(0) in hex: %+v", r)
	}
	// Completions, as the terminal's Tab.
	text := "switch-engine thr"
	c.send("completions", map[string]any{"text": text, "column": len(text) + 1})
	targets := expect[*godap.CompletionsResponse](c).Body.Targets
	if len(targets) != 1 || targets[0].Label != "threaded" || !strings.HasSuffix(strings.TrimSpace(targets[0].Text), "threaded") {
		t.Errorf("completions of %q: %+v", text, targets)
	}
	c.disconnect()
}

// TestZeroBasedLines: a client that counts lines and columns from 0 sees
// every line one less than a client counting from 1, and sets breakpoints
// in those terms.
func TestZeroBasedLines(t *testing.T) {
	addr := startServer(t)
	top := func(zero bool) (godap.StackFrame, *client) {
		c := dial(t, addr)
		c.zeroBased = zero
		c.launchToHanoi()
		return c.stackTrace()[0], c
	}
	one, c1 := top(false)
	_, oneWAT := c1.watPos(one)
	c1.disconnect()
	zero, c := top(true)
	src, zeroWAT := c.watPos(zero)
	if zero.Line != one.Line-1 || zero.Column != one.Column-1 || zeroWAT != oneWAT-1 || zero.InstructionPointerReference != one.InstructionPointerReference {
		t.Fatalf("the same stop: from 0 %s line %d column %d (text line %d), from 1 %s line %d column %d (text line %d)",
			zero.InstructionPointerReference, zero.Line, zero.Column, zeroWAT, one.InstructionPointerReference, one.Line, one.Column, oneWAT)
	}
	// A breakpoint on the next line of the text, in 0-based terms: the
	// instruction after the PC, where next stops.
	c.send("setBreakpoints", map[string]any{"source": src, "breakpoints": []map[string]any{{"line": zeroWAT + 1}}})
	bp := expect[*godap.SetBreakpointsResponse](c).Body.Breakpoints[0]
	c.send("next", map[string]any{"threadId": 1, "granularity": "instruction"})
	expect[*godap.NextResponse](c)
	c.stopped("step")
	after := c.stackTrace()[0]
	if _, line := c.watPos(after); !bp.Verified || bp.Line != zeroWAT+1 || line != bp.Line || bp.InstructionReference != after.InstructionPointerReference {
		t.Errorf("breakpoint %+v on 0-based line %d; next stopped at line %d, %s", bp, zeroWAT+1, line, after.InstructionPointerReference)
	}
	c.disconnect()
}

// TestSetVariableEverywhere: setVariable on an operand stack slot, a
// global and a row of memory (a local's is in TestComputeSession).
func TestSetVariableEverywhere(t *testing.T) {
	c := dial(t, startServer(t))
	c.launchToHanoi()
	for i := 0; i < 2; i++ { // block, local.get 0
		c.send("stepIn", map[string]any{"threadId": 1, "granularity": "instruction"})
		expect[*godap.StepInResponse](c)
		c.stopped("step")
	}
	set := func(scope, name, value string) godap.SetVariableResponseBody {
		t.Helper()
		c.send("setVariable", map[string]any{"variablesReference": c.scopes(1)[scope].VariablesReference, "name": name, "value": value})
		return expect[*godap.SetVariableResponse](c).Body
	}
	value := func(scope, name string) string {
		t.Helper()
		for _, v := range c.variables(c.scopes(1)[scope].VariablesReference) {
			if v.Name == name {
				return v.Value
			}
		}
		t.Fatalf("no %s in %s", name, scope)
		return ""
	}
	if r := set("Operand Stack", "[0]", "40 + 2"); r.Value != "42" || r.Type != "i32" || value("Operand Stack", "[0]") != "42" {
		t.Errorf("setVariable [0] = 40 + 2: %+v, then %s", r, value("Operand Stack", "[0]"))
	}
	g := c.variables(c.scopes(1)["Globals"].VariablesReference)[0]
	if r := set("Globals", g.Name, "0x10000"); r.Value != "65536" || value("Globals", g.Name) != "65536" {
		t.Errorf("setVariable %s = 0x10000: %+v, then %s", g.Name, r, value("Globals", g.Name))
	}
	// A row of memory: the first bytes change, the rest stay.
	read := func(a uint32, n int) []byte {
		c.send("readMemory", map[string]any{"memoryReference": fmt.Sprintf("0x%x", a), "count": n})
		b, _ := base64.StdEncoding.DecodeString(expect[*godap.ReadMemoryResponse](c).Body.Data)
		return b
	}
	const row = 0x400
	before := read(row, 16)
	rows := 0
	for _, v := range c.variables(c.scopes(1)["Memory"].VariablesReference) {
		if v.Name == "bytes" {
			rows = v.VariablesReference
		}
	}
	c.send("setVariable", map[string]any{"variablesReference": rows, "name": fmt.Sprintf("0x%08x", row), "value": "de ad be ef"})
	expect[*godap.SetVariableResponse](c)
	want := append([]byte{0xde, 0xad, 0xbe, 0xef}, before[4:]...)
	if got := read(row, 16); !bytes.Equal(got, want) {
		t.Errorf("row 0x%x after setVariable: % x, want % x", row, got, want)
	}
	c.disconnect()
}
