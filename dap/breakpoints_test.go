package dap

import (
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	godap "github.com/google/go-dap"
)

// sourceOf finds a function's text among the loaded sources.
func (c *client) sourceOf(fn string) godap.Source {
	c.t.Helper()
	c.send("loadedSources", nil)
	for _, s := range expect[*godap.LoadedSourcesResponse](c).Body.Sources {
		if s.Name == fn+".wat" {
			return s
		}
	}
	c.t.Fatalf("no source %s.wat", fn)
	return godap.Source{}
}

// hanoiEntries is the sequence of n at the entries of hanoi in compute.c
// as compiled: main calls hanoi(n) for n = 1, 4, 7, 10, and clang turned
// hanoi's two recursive calls into one (hanoi(n-1)*2+1, as its text
// shows), so each call recurses down to 0.
func hanoiEntries() []int {
	var out []int
	for n := 1; n <= 12; n += 3 {
		for k := n; k >= 0; k-- {
			out = append(out, k)
		}
	}
	return out
}

func TestSourceBreakpointsConditionsAndLogPoints(t *testing.T) {
	c := dial(t, startServer(t))
	var src godap.Source
	var bps []godap.Breakpoint
	c.launch(map[string]any{"program": program(t, "wasi/compute.wasm")}, func() {
		src = c.sourceOf("hanoi")
		// Line 2: hanoi's first instruction (line 1 is the header).
		c.send("setBreakpoints", map[string]any{"source": src, "breakpoints": []map[string]any{
			{"line": 2, "logMessage": "enter {$0}"},
			{"line": 3, "condition": "$0 == 4"},
			{"line": 4, "hitCondition": "3"},
			{"line": 999},
		}})
		bps = expect[*godap.SetBreakpointsResponse](c).Body.Breakpoints
	})
	if len(bps) != 4 || !bps[0].Verified || !bps[1].Verified || !bps[2].Verified || bps[3].Verified {
		t.Fatalf("breakpoints %+v: want the first three verified, not the one past the end", bps)
	}
	if bps[1].Line != 3 || bps[1].Source == nil || bps[1].Source.SourceReference != src.SourceReference {
		t.Errorf("breakpoint on line 3 reported at %+v", bps[1])
	}
	entries := hanoiEntries()
	// Lines 2 to 4 run on every entry. $0 == 4 first holds at the third
	// entry, whose line 4 is that line's third hit: line 3, then line 4.
	e := c.stopped("breakpoint")
	if e.Body.HitBreakpointIds[0] != bps[1].Id || c.locals()["$0"].Value != "4" {
		t.Errorf("first stop: breakpoint %v with $0 = %v, want breakpoint %d with 4", e.Body.HitBreakpointIds, c.locals()["$0"], bps[1].Id)
	}
	c.send("continue", map[string]any{"threadId": 1})
	expect[*godap.ContinueResponse](c)
	e = c.stopped("breakpoint")
	if e.Body.HitBreakpointIds[0] != bps[2].Id || c.locals()["$0"].Value != strconv.Itoa(entries[2]) {
		t.Errorf("second stop: breakpoint %v with $0 = %v, want breakpoint %d with $0 = %d", e.Body.HitBreakpointIds, c.locals()["$0"], bps[2].Id, entries[2])
	}
	// Remove the stopping ones; the log point stays and logs every entry.
	c.send("setBreakpoints", map[string]any{"source": src, "breakpoints": []map[string]any{{"line": 2, "logMessage": "enter {$0}"}}})
	if b := expect[*godap.SetBreakpointsResponse](c).Body.Breakpoints; len(b) != 1 || b[0].Id != bps[0].Id {
		t.Errorf("the unchanged log point was replaced: %+v, was %+v", b, bps[0])
	}
	c.send("continue", map[string]any{"threadId": 1})
	expect[*godap.ContinueResponse](c)
	c.stopped("exited")
	var want strings.Builder
	for _, n := range entries {
		fmt.Fprintf(&want, "enter %d\n", n)
	}
	if got := c.outputOf("console"); !strings.Contains(got, want.String()) {
		t.Errorf("log point output:\n%s\nwant it to contain:\n%s", got, want.String())
	}
	if got := c.outputOf("stdout"); got != computeOutput() {
		t.Errorf("guest output:\n%s\nwant:\n%s", got, computeOutput())
	}
	c.disconnect()
}

func TestInstructionAndDataBreakpoints(t *testing.T) {
	c := dial(t, startServer(t))
	var addr string
	c.launch(map[string]any{"program": program(t, "wasi/compute.wasm"), "stopOnEntry": true}, func() {
		c.send("disassemble", map[string]any{"memoryReference": "0x0", "instructionCount": 1})
		expect[*godap.DisassembleResponse](c)
		// printf's first instruction, the address of a breakpoint on
		// the first line of its text.
		src := c.sourceOf("printf")
		c.send("setBreakpoints", map[string]any{"source": src, "breakpoints": []map[string]any{{"line": 2}}})
		b := expect[*godap.SetBreakpointsResponse](c).Body.Breakpoints[0]
		addr = b.InstructionReference
		c.send("setBreakpoints", map[string]any{"source": src, "breakpoints": []map[string]any{}})
		expect[*godap.SetBreakpointsResponse](c)
		c.send("setInstructionBreakpoints", map[string]any{"breakpoints": []map[string]any{{"instructionReference": addr}, {"instructionReference": "nonsense"}}})
		ib := expect[*godap.SetInstructionBreakpointsResponse](c).Body.Breakpoints
		if len(ib) != 2 || !ib[0].Verified || ib[1].Verified {
			t.Fatalf("instruction breakpoints %+v", ib)
		}
	})
	c.stopped("entry")
	c.send("continue", map[string]any{"threadId": 1})
	expect[*godap.ContinueResponse](c)
	c.stopped("instruction breakpoint")
	frames := c.stackTrace()
	if frames[0].Name != "printf" || frames[0].InstructionPointerReference != addr {
		t.Fatalf("stopped in %s at %s, want printf at %s", frames[0].Name, frames[0].InstructionPointerReference, addr)
	}
	// The disassembly at the PC is the source's line.
	c.send("disassemble", map[string]any{"memoryReference": addr, "instructionOffset": -2, "instructionCount": 5, "resolveSymbols": true})
	ins := expect[*godap.DisassembleResponse](c).Body.Instructions
	if len(ins) != 5 || ins[2].Address != addr || ins[2].Symbol != "printf" || ins[2].Line != frames[0].Line {
		t.Fatalf("disassembly around %s: %+v", addr, ins)
	}
	if got := c.sourceLine(frames[0].Source, frames[0].Line); got != ins[2].Instruction {
		t.Errorf("the source line %q is not the disassembled %q", got, ins[2].Instruction)
	}
	if ins[1].Symbol == "printf" || ins[3].Symbol != "printf" {
		t.Errorf("the instruction before printf's first is in %q, the one after in %q", ins[1].Symbol, ins[3].Symbol)
	}
	c.send("setInstructionBreakpoints", map[string]any{"breakpoints": []map[string]any{}})
	expect[*godap.SetInstructionBreakpointsResponse](c)

	// A data breakpoint on the 64 bytes below the stack pointer: the
	// next function to take a stack frame writes there.
	var sp uint32
	for _, v := range c.variables(c.scopes(1)["Memory"].VariablesReference) {
		if v.Name == "$sp" {
			n, _ := strconv.ParseUint(v.Value, 0, 32)
			sp = uint32(n)
		}
	}
	if sp < 64 {
		t.Fatalf("no stack pointer in the Memory scope (%d)", sp)
	}
	region := fmt.Sprintf("mem[0x%x..0x%x]", sp-64, sp)
	c.send("dataBreakpointInfo", map[string]any{"name": region})
	info := expect[*godap.DataBreakpointInfoResponse](c).Body
	if info.DataId == nil {
		t.Fatalf("dataBreakpointInfo %s: %+v", region, info)
	}
	read := func() []byte {
		c.send("readMemory", map[string]any{"memoryReference": fmt.Sprintf("0x%x", sp-64), "count": 64})
		b, _ := base64.StdEncoding.DecodeString(expect[*godap.ReadMemoryResponse](c).Body.Data)
		return b
	}
	before := read()
	c.send("setDataBreakpoints", map[string]any{"breakpoints": []map[string]any{{"dataId": info.DataId, "accessType": "write"}}})
	db := expect[*godap.SetDataBreakpointsResponse](c).Body.Breakpoints
	if len(db) != 1 || !db[0].Verified {
		t.Fatalf("data breakpoint: %+v", db)
	}
	c.send("continue", map[string]any{"threadId": 1})
	expect[*godap.ContinueResponse](c)
	e := c.stopped("data breakpoint")
	if e.Body.HitBreakpointIds[0] != db[0].Id {
		t.Errorf("hit %v, want data breakpoint %d", e.Body.HitBreakpointIds, db[0].Id)
	}
	if after := read(); string(after) == string(before) {
		t.Errorf("stopped by the data breakpoint but %s did not change", region)
	}
	// Globals: the stack pointer, by the variable's name.
	globals := c.scopes(1)["Globals"].VariablesReference
	// clang's name section names it.
	if name := c.variables(globals)[0].Name; name != "global 0 $__stack_pointer" {
		t.Errorf("global 0 is shown as %q", name)
	}
	c.send("dataBreakpointInfo", map[string]any{"variablesReference": globals, "name": c.variables(globals)[0].Name})
	if id := expect[*godap.DataBreakpointInfoResponse](c).Body.DataId; id != "global:0" {
		t.Errorf("dataBreakpointInfo of global 0: %v", id)
	}
	// ... which stops the program where it changes, forwards and back.
	c.send("setDataBreakpoints", map[string]any{"breakpoints": []map[string]any{{"dataId": "global:0", "accessType": "write"}}})
	gb := expect[*godap.SetDataBreakpointsResponse](c).Body.Breakpoints
	if len(gb) != 1 || !gb[0].Verified {
		t.Fatalf("data breakpoint on global 0: %+v", gb)
	}
	sp0 := c.variables(globals)[0].Value
	c.send("continue", map[string]any{"threadId": 1})
	expect[*godap.ContinueResponse](c)
	hit := c.stopped("data breakpoint")
	globals = c.scopes(1)["Globals"].VariablesReference
	if sp1 := c.variables(globals)[0].Value; hit.Body.HitBreakpointIds[0] != gb[0].Id || sp1 == sp0 {
		t.Errorf("stopped by %v with global 0 = %s (was %s), want data breakpoint %d and a change", hit.Body.HitBreakpointIds, sp1, sp0, gb[0].Id)
	}
	c.send("reverseContinue", map[string]any{"threadId": 1})
	expect[*godap.ReverseContinueResponse](c)
	if back := c.stopped("data breakpoint"); counterOf(t, back) >= counterOf(t, hit) {
		t.Errorf("reverse continue with a data breakpoint on global 0 stopped at %s, after the forward hit (%s)", back.Body.Description, hit.Body.Description)
	}
	// Locals cannot be watched: no dataId, a reason.
	c.send("dataBreakpointInfo", map[string]any{"variablesReference": c.scopes(1)["Locals"].VariablesReference, "name": "$0"})
	if r := expect[*godap.DataBreakpointInfoResponse](c).Body; r.DataId != nil || r.Description == "" {
		t.Errorf("dataBreakpointInfo of a local: %+v", r)
	}
	c.disconnect()
}

func TestConsoleAttachAndExit(t *testing.T) {
	addr := startServer(t)
	c := dial(t, addr)
	c.launch(map[string]any{"program": program(t, "wasi/compute.wasm"), "stopOnEntry": true, "engine": "fast", "snapshotBudget": "64M"}, nil)
	c.stopped("entry")
	// goto, from the console, moves the program: a stopped event follows.
	c.evaluate("goto 60000", "repl")
	e := c.stopped("goto")
	if counterOf(t, e) != 60000 {
		t.Errorf("goto 60000 stopped at %s", e.Body.Description)
	}
	if r := c.evaluate("info", "repl"); !strings.Contains(r.Result, "counter 60000") || !strings.Contains(r.Result, "engine:    fast") {
		t.Errorf("info after goto:\n%s", r.Result)
	}
	seq := c.send("evaluate", map[string]any{"expression": "frobnicate", "context": "repl"})
	if e := c.expectError(seq); !strings.Contains(e.Message, "unknown command") {
		t.Errorf("unknown console command: %q", e.Message)
	}
	frames := c.stackTrace()
	image := filepath.Join(t.TempDir(), "here.wdb")
	c.evaluate("checkpoint save "+image, "repl")
	before := c.outputOf("stdout")
	c.disconnect()

	// Attach to the image: stopped where it was saved; the rest of the
	// output follows.
	a := dial(t, addr)
	a.attach(map[string]any{"image": image, "stopAtExit": false})
	got := a.stackTrace()
	if len(got) != len(frames) || got[0].InstructionPointerReference != frames[0].InstructionPointerReference || got[0].Name != frames[0].Name {
		t.Fatalf("attached at %+v, saved at %+v", got[0], frames[0])
	}
	a.send("continue", map[string]any{"threadId": 1})
	expect[*godap.ContinueResponse](a)
	if code := expect[*godap.ExitedEvent](a).Body.ExitCode; code != 0 {
		t.Errorf("exit code %d", code)
	}
	expect[*godap.TerminatedEvent](a)
	if out := before + a.outputOf("stdout"); out != computeOutput() {
		t.Errorf("output before the checkpoint and after attaching:\n%s\nwant:\n%s", out, computeOutput())
	}
	a.disconnect()
}

func TestRestartAndTerminate(t *testing.T) {
	c := dial(t, startServer(t))
	c.launch(map[string]any{"program": program(t, "wasi/compute.wasm")}, nil)
	c.stopped("exited")
	first := c.outputOf("stdout")
	// At the end, step back goes into the past.
	c.send("stepBack", map[string]any{"threadId": 1})
	expect[*godap.StepBackResponse](c)
	c.stopped("step")
	if len(c.stackTrace()) == 0 {
		t.Error("no frames after stepping back from the end")
	}
	c.send("restart", nil)
	expect[*godap.RestartResponse](c)
	c.stopped("exited")
	// The replay prints nothing twice.
	if c.outputOf("stdout") != first || first != computeOutput() {
		t.Errorf("output after restart:\n%s", c.outputOf("stdout"))
	}
	c.send("terminate", nil)
	expect[*godap.TerminateResponse](c)
	expect[*godap.TerminatedEvent](c)
	seq := c.send("stackTrace", map[string]any{"threadId": 1})
	c.expectError(seq)
	c.disconnect()
}

// A client that keeps breakpoints by path (from an earlier session) sets
// them in a function's text by its path alone: PROGRAM.wat/N/NAME.wat,
// whose base name titles the editor tab, or the earlier N-NAME.wat.
func TestFunctionTextByPath(t *testing.T) {
	c := dial(t, startServer(t))
	var src godap.Source
	var byPath, old []godap.Breakpoint
	c.launch(map[string]any{"program": program(t, "wasi/compute.wasm")}, func() {
		src = c.sourceOf("hanoi")
		if filepath.Base(src.Path) != "hanoi.wat" {
			t.Errorf("hanoi's text has path %s, want one ending in /hanoi.wat", src.Path)
		}
		c.send("setBreakpoints", map[string]any{"source": map[string]any{"path": src.Path}, "breakpoints": []map[string]any{{"line": 2}}})
		byPath = expect[*godap.SetBreakpointsResponse](c).Body.Breakpoints
		n := filepath.Base(filepath.Dir(src.Path))
		oldPath := filepath.Join(filepath.Dir(filepath.Dir(src.Path)), n+"-hanoi.wat")
		c.send("setBreakpoints", map[string]any{"source": map[string]any{"path": oldPath}, "breakpoints": []map[string]any{{"line": 3}}})
		old = expect[*godap.SetBreakpointsResponse](c).Body.Breakpoints
	})
	if len(byPath) != 1 || !byPath[0].Verified || len(old) != 1 || !old[0].Verified {
		t.Fatalf("breakpoints by path: %+v, by the earlier path: %+v", byPath, old)
	}
	c.stopped("breakpoint")
	if f := c.stackTrace()[0]; f.Name != "hanoi" {
		t.Errorf("stopped in %s, want hanoi", f.Name)
	}
	c.disconnect()
}
