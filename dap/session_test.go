package dap

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	godap "github.com/google/go-dap"
)

// Full sessions on testdata/wasi/compute.c (compiled to wasm32-wasi).

func program(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// computeOutput is what compute.c prints, computed here natively.
func computeOutput() string {
	var b strings.Builder
	for i := 1; i <= 10; i++ {
		x, steps := uint64(i*7), 0
		for x != 1 {
			if x&1 != 0 {
				x = 3*x + 1
			} else {
				x /= 2
			}
			steps++
		}
		fmt.Fprintf(&b, "collatz(%d) = %d\n", i*7, steps)
	}
	for i := 0; i <= 20; i += 5 {
		f := uint64(1)
		for k := 2; k <= i; k++ {
			f *= uint64(k)
		}
		fmt.Fprintf(&b, "%d! = %d\n", i, f)
	}
	for n := 1; n <= 12; n += 3 {
		fmt.Fprintf(&b, "hanoi(%d) = %d moves\n", n, 1<<n-1)
	}
	h := 0.0
	for k := 1; k <= 1000; k++ {
		h += 1.0 / float64(k)
	}
	fmt.Fprintf(&b, "H(1000) = %.6f\n", h)
	return b.String()
}

var counterRE = regexp.MustCompile(`counter (\d+)`)

// counterOf reads the counter a stopped event's description gives.
func counterOf(t *testing.T, e *godap.StoppedEvent) uint64 {
	t.Helper()
	m := counterRE.FindStringSubmatch(e.Body.Description)
	if m == nil {
		t.Fatalf("no counter in the stopped event's description %q", e.Body.Description)
	}
	n, _ := strconv.ParseUint(m[1], 10, 64)
	return n
}

// sourceLine returns line n (1-based) of a source's text.
func (c *client) sourceLine(src *godap.Source, n int) string {
	c.t.Helper()
	c.send("source", map[string]any{"source": src, "sourceReference": src.SourceReference})
	lines := strings.Split(expect[*godap.SourceResponse](c).Body.Content, "\n")
	if n < 1 || n > len(lines) {
		c.t.Fatalf("line %d of %s: it has %d lines", n, src.Name, len(lines))
	}
	return strings.TrimSpace(lines[n-1])
}

func TestComputeSession(t *testing.T) {
	c := dial(t, startServer(t))
	caps := c.initialize()
	if !caps.SupportsStepBack || !caps.SupportsInstructionBreakpoints || !caps.SupportsDisassembleRequest || !caps.SupportsReadMemoryRequest {
		t.Errorf("capabilities %+v lack step back, instruction breakpoints, disassemble or readMemory", caps)
	}
	c.send("launch", map[string]any{"program": program(t, "wasi/compute.wasm")})
	expect[*godap.LaunchResponse](c)
	expect[*godap.InitializedEvent](c)
	c.send("setFunctionBreakpoints", map[string]any{"breakpoints": []map[string]any{{"name": "hanoi"}}})
	bps := expect[*godap.SetFunctionBreakpointsResponse](c).Body.Breakpoints
	if len(bps) != 1 || !bps[0].Verified {
		t.Fatalf("function breakpoint: %+v", bps)
	}
	c.send("configurationDone", nil)
	expect[*godap.ConfigurationDoneResponse](c)

	// hanoi is first called with n = 1 (compute.c).
	first := c.stopped("function breakpoint")
	if len(first.Body.HitBreakpointIds) != 1 || first.Body.HitBreakpointIds[0] != bps[0].Id {
		t.Errorf("hit breakpoints %v, want [%d]", first.Body.HitBreakpointIds, bps[0].Id)
	}
	frames := c.stackTrace()
	if len(frames) < 2 || frames[0].Name != "hanoi" || frames[1].Name != "__original_main" {
		t.Fatalf("stack %+v, want hanoi called from main", frames)
	}
	top := frames[0]
	// compute.c is found (beside the module, if not where it was
	// compiled): the frame is shown there.
	if top.Source == nil || top.Source.SourceReference != 0 || !strings.HasSuffix(top.Source.Path, "/compute.c") {
		t.Fatalf("the top frame is not in compute.c: %+v", top)
	}
	// The breakpoint is on the function's first instruction: the first
	// line after the header "(func $hanoi ...)" of its text. That line is
	// the instruction at the PC, whose opcode the module file holds.
	wat, startLine := c.watPos(top)
	if got := c.sourceLine(wat, startLine); got != "block" {
		t.Errorf("line %d of the text is %q, want the block hanoi starts with", startLine, got)
	}
	pc, err := strconv.ParseUint(top.InstructionPointerReference, 0, 32)
	if err != nil {
		t.Fatalf("instructionPointerReference %q: %v", top.InstructionPointerReference, err)
	}
	modBytes, err := os.ReadFile(program(t, "wasi/compute.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	if modBytes[pc] != 0x02 { // block
		t.Errorf("the module's byte at the PC 0x%x is 0x%02x, not block (0x02)", pc, modBytes[pc])
	}
	scopes := c.scopes(top.Id)
	for _, name := range []string{"Locals", "Operand Stack", "Globals", "Memory"} {
		if _, ok := scopes[name]; !ok {
			t.Errorf("no %s scope in %v", name, scopes)
		}
	}
	locals := c.variables(scopes["Locals"].VariablesReference)
	if len(locals) != 1 || locals[0].Value != "1" || locals[0].Type != "i32" {
		t.Fatalf("hanoi's locals %+v, want one i32 1", locals)
	}

	// Step by instructions: the operand stack fills as the lines of the
	// text go by.
	c.send("next", map[string]any{"threadId": 1, "granularity": "instruction"})
	expect[*godap.NextResponse](c)
	c.stopped("step")
	c.send("stepIn", map[string]any{"threadId": 1, "granularity": "instruction"})
	expect[*godap.StepInResponse](c)
	c.stopped("step")
	frames = c.stackTrace()
	if _, line := c.watPos(frames[0]); line != startLine+2 {
		t.Errorf("after two steps at line %d, want %d", line, startLine+2)
	}
	if got := c.sourceLine(wat, startLine+1); got != "local.get 0" {
		t.Fatalf("the line before is %q, want local.get 0", got)
	}
	stack := c.variables(c.scopes(1)["Operand Stack"].VariablesReference)
	if len(stack) != 1 || stack[0].Value != "1" || stack[0].Type != "i32" {
		t.Errorf("operand stack after local.get 0: %+v, want [i32 1]", stack)
	}
	// Step back: the local.get is undone.
	c.send("stepBack", map[string]any{"threadId": 1, "granularity": "instruction"})
	expect[*godap.StepBackResponse](c)
	c.stopped("step")
	if _, line := c.watPos(c.stackTrace()[0]); line != startLine+1 {
		t.Errorf("after step back at line %d, want %d", line, startLine+1)
	}
	if stack := c.variables(c.scopes(1)["Operand Stack"].VariablesReference); len(stack) != 0 {
		t.Errorf("operand stack after step back: %+v, want empty", stack)
	}

	// Continue: hanoi(1) calls hanoi(0).
	c.send("continue", map[string]any{"threadId": 1})
	expect[*godap.ContinueResponse](c)
	second := c.stopped("function breakpoint")
	if v := c.locals()["$0"]; v.Value != "0" {
		t.Errorf("second hit: local %+v, want 0", v)
	}
	// Reverse continue: back to the first hit, at the same moment.
	c.send("reverseContinue", map[string]any{"threadId": 1})
	expect[*godap.ReverseContinueResponse](c)
	back := c.stopped("function breakpoint")
	if counterOf(t, back) != counterOf(t, first) || counterOf(t, second) <= counterOf(t, first) {
		t.Errorf("reverse continue at counter %d, the first hit was at %d (second at %d)", counterOf(t, back), counterOf(t, first), counterOf(t, second))
	}
	if v := c.locals()["$0"]; v.Value != "1" {
		t.Errorf("after reverse continue: local %+v, want 1", v)
	}

	// The console: switch engines and carry on.
	if r := c.evaluate("switch-engine fast", "repl"); !strings.Contains(c.evaluate("info", "repl").Result, "engine:    fast") {
		t.Errorf("after switch-engine fast (%q), info does not show the fast engine", r.Result)
	}
	if r := c.evaluate("$0 + 41", "watch"); r.Result != "42" || r.Type != "i32" {
		t.Errorf("watch $0 + 41 = %+v, want i32 42", r)
	}
	c.send("continue", map[string]any{"threadId": 1})
	expect[*godap.ContinueResponse](c)
	again := c.stopped("function breakpoint")
	if counterOf(t, again) != counterOf(t, second) || c.locals()["$0"].Value != "0" {
		t.Errorf("on the fast engine the second hit is at counter %d (local %v), was %d", counterOf(t, again), c.locals()["$0"], counterOf(t, second))
	}

	// Memory: the format strings are in the data section.
	want := []byte("hanoi(%d) = %d moves\n")
	addr := dataAddress(t, loadModule(t, modBytes), want)
	c.send("readMemory", map[string]any{"memoryReference": fmt.Sprintf("0x%x", addr-4), "offset": 4, "count": len(want)})
	mem := expect[*godap.ReadMemoryResponse](c).Body
	got, _ := base64.StdEncoding.DecodeString(mem.Data)
	if !bytes.Equal(got, want) || mem.Address != fmt.Sprintf("0x%x", addr) {
		t.Errorf("readMemory at 0x%x: %q at %s, want %q", addr, got, mem.Address, want)
	}

	// setVariable changes the local (and forks the timeline).
	c.send("setVariable", map[string]any{"variablesReference": c.scopes(1)["Locals"].VariablesReference, "name": "$0", "value": "7"})
	if r := expect[*godap.SetVariableResponse](c).Body; r.Value != "7" || r.Type != "i32" {
		t.Errorf("setVariable: %+v", r)
	}
	if v := c.locals()["$0"]; v.Value != "7" {
		t.Errorf("after setVariable the local is %+v", v)
	}
	c.disconnect()
}
