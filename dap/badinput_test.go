package dap

import (
	"net"
	"strings"
	"testing"
	"time"

	godap "github.com/google/go-dap"
)

// Bad input and clients that misbehave: error responses or a clean end of
// the session, never a crash or a hang.

func TestMalformedAndUnknownRequests(t *testing.T) {
	c := dial(t, startServer(t))
	c.sendRaw([]byte(`{"seq": 1, "type": "request", "command": `))
	if e := expect[*godap.ErrorResponse](c); !strings.Contains(e.Message, "malformed JSON") {
		t.Errorf("malformed JSON: %q", e.Message)
	}
	seq := c.send("frobnicate", map[string]any{"x": 1})
	if e := c.expectError(seq); !strings.Contains(e.Message, `unknown request "frobnicate"`) || e.Command != "frobnicate" {
		t.Errorf("unknown command: %+v", e)
	}
	// Requests out of order.
	for _, cmd := range []string{"launch", "stackTrace", "configurationDone", "next"} {
		seq := c.send(cmd, map[string]any{"threadId": 1})
		if e := c.expectError(seq); !strings.Contains(e.Message, "before initialize") {
			t.Errorf("%s before initialize: %q", cmd, e.Message)
		}
	}
	c.initialize()
	seq = c.send("initialize", map[string]any{"adapterID": "wdb"})
	c.expectError(seq)
	for _, cmd := range []string{"stackTrace", "configurationDone", "continue", "evaluate", "setBreakpoints", "readMemory"} {
		seq := c.send(cmd, map[string]any{"threadId": 1})
		if e := c.expectError(seq); !strings.Contains(e.Message, "before launch") {
			t.Errorf("%s before launch: %q", cmd, e.Message)
		}
	}
	// Bad launch arguments.
	for args, want := range map[string]map[string]any{
		`"program" is missing`:  {"stopOnEntry": true},
		"no such file":          {"program": "/nonexistent/app.wasm"},
		`unknown engine "nope"`: {"program": program(t, "wasi/compute.wasm"), "engine": "nope"},
		"bad launch arguments":  {"program": 7},
		"snapshotBudget":        {"program": program(t, "wasi/compute.wasm"), "snapshotBudget": "lots"},
		"malformed module":      {"program": program(t, "wasi/compute.c")},
		"not a directory":       {"program": program(t, "wasi/compute.wasm"), "dirs": []string{"/nonexistent"}},
	} {
		seq := c.send("launch", want)
		if e := c.expectError(seq); !strings.Contains(e.Message, args) {
			t.Errorf("launch %v: %q, want it to mention %q", want, e.Message, args)
		}
	}
	c.send("launch", map[string]any{"program": program(t, "wasi/compute.wasm"), "stopOnEntry": true})
	expect[*godap.LaunchResponse](c)
	seq = c.send("launch", map[string]any{"program": program(t, "wasi/compute.wasm")})
	c.expectError(seq)
	// The program does not move before the configuration is done.
	for _, cmd := range []string{"continue", "next", "stepIn", "stepOut", "stepBack", "reverseContinue", "restart"} {
		seq := c.send(cmd, map[string]any{"threadId": 1})
		if e := c.expectError(seq); !strings.Contains(e.Message, "before configurationDone") {
			t.Errorf("%s before configurationDone: %q", cmd, e.Message)
		}
	}
	seq = c.send("evaluate", map[string]any{"expression": "goto 1000", "context": "repl"})
	if e := c.expectError(seq); !strings.Contains(e.Message, "goto 1000 before configurationDone") {
		t.Errorf("goto in the console before configurationDone: %q", e.Message)
	}
	c.send("configurationDone", nil)
	expect[*godap.ConfigurationDoneResponse](c)
	c.stopped("entry")

	// Bad arguments, and arguments of the wrong type.
	bad := []struct {
		cmd  string
		args any
		want string
	}{
		{"stackTrace", map[string]any{"threadId": 5}, "no thread 5"},
		{"stackTrace", map[string]any{"threadId": "one"}, "bad arguments for stackTrace"},
		{"scopes", map[string]any{"frameId": 99}, "no frame with id 99"},
		{"variables", map[string]any{"variablesReference": 999}, "no variables with reference 999"},
		{"source", map[string]any{"sourceReference": 100000}, "no source"},
		{"readMemory", map[string]any{"memoryReference": "zz", "count": 4}, "bad reference"},
		{"writeMemory", map[string]any{"memoryReference": "0x0", "data": "%%%"}, "not base64"},
		{"writeMemory", map[string]any{"memoryReference": "0xffffff00", "data": "AAAA"}, "past the end of memory"},
		{"disassemble", map[string]any{"memoryReference": "0x0", "instructionCount": -1}, "instructionCount"},
		{"evaluate", map[string]any{"expression": "1 +", "context": "watch"}, "at column"},
		{"evaluate", map[string]any{"expression": "info\ncontinue", "context": "repl"}, "one line"},
		{"setVariable", map[string]any{"variablesReference": 1, "name": "nope", "value": "1"}, "no variables"},
		{"setExpression", map[string]any{"expression": "x", "value": "1"}, "not supported"},
		{"exceptionInfo", map[string]any{"threadId": 1}, "not stopped at a trap"},
		{"completions", map[string]any{"text": "br", "column": 99}, "outside the text"},
		{"setExceptionBreakpoints", map[string]any{"filters": []string{"all"}}, "no filter"},
		{"breakpointLocations", map[string]any{"source": map[string]any{"path": "/nowhere/x.c"}, "line": 1}, "no file x.c"},
		{"next", map[string]any{"threadId": 1, "granularity": "nope"}, `granularity "nope"`},
		{"stepIn", map[string]any{"threadId": 1, "granularity": 7}, "bad arguments for stepIn"},
	}
	for _, b := range bad {
		seq := c.send(b.cmd, b.args)
		if e := c.expectError(seq); !strings.Contains(e.Message, b.want) {
			t.Errorf("%s %v: %q, want it to mention %q", b.cmd, b.args, e.Message, b.want)
		}
	}
	// Breakpoints that cannot be set are reported unverified, with why.
	c.send("setFunctionBreakpoints", map[string]any{"breakpoints": []map[string]any{{"name": "no_such_function"}, {"name": "hanoi", "condition": "$0 =="}, {"name": "hanoi", "hitCondition": "often"}}})
	for i, b := range expect[*godap.SetFunctionBreakpointsResponse](c).Body.Breakpoints {
		if b.Verified || b.Message == "" {
			t.Errorf("bad function breakpoint %d: %+v", i, b)
		}
	}
	c.send("setDataBreakpoints", map[string]any{"breakpoints": []map[string]any{{"dataId": "bogus"}, {"dataId": "global:0", "accessType": "read"}}})
	for i, b := range expect[*godap.SetDataBreakpointsResponse](c).Body.Breakpoints {
		if b.Verified || b.Message == "" {
			t.Errorf("bad data breakpoint %d: %+v", i, b)
		}
	}
	// The session still works.
	if r := c.evaluate("print 6 * 7", "repl"); r.Result != "int:42" {
		t.Errorf("print 6 * 7 = %q", r.Result)
	}
	c.disconnect()
}

// longRun launches fib(40) (minutes of work) and lets it run.
func longRun(t *testing.T, c *client) {
	t.Helper()
	c.launch(map[string]any{"program": program(t, "bench/fib.wasm"), "invoke": "run", "args": []string{"40"}}, nil)
	time.Sleep(50 * time.Millisecond)
}

func TestPauseWhileRunning(t *testing.T) {
	c := dial(t, startServer(t))
	longRun(t, c)
	seq := c.send("stackTrace", map[string]any{"threadId": 1})
	if e := c.expectError(seq); !strings.Contains(e.Message, "running") {
		t.Errorf("stackTrace while running: %q", e.Message)
	}
	c.send("threads", nil)
	expect[*godap.ThreadsResponse](c)
	// A breakpoint set while it runs: the continue goes on and hits it.
	c.send("setFunctionBreakpoints", map[string]any{"breakpoints": []map[string]any{{"name": "fib", "condition": "$0 == 3"}}})
	if b := expect[*godap.SetFunctionBreakpointsResponse](c).Body.Breakpoints; len(b) != 1 || !b[0].Verified {
		t.Fatalf("breakpoint set while running: %+v", b)
	}
	c.stopped("function breakpoint")
	if v := c.locals()["$0"]; v.Value != "3" {
		t.Errorf("stopped with local %+v, want 3", v)
	}
	c.send("setFunctionBreakpoints", map[string]any{"breakpoints": []map[string]any{}})
	expect[*godap.SetFunctionBreakpointsResponse](c)
	c.send("continue", map[string]any{"threadId": 1})
	expect[*godap.ContinueResponse](c)
	time.Sleep(50 * time.Millisecond)
	c.send("pause", map[string]any{"threadId": 1})
	expect[*godap.PauseResponse](c)
	c.stopped("pause")
	if len(c.stackTrace()) == 0 {
		t.Error("paused with no frames")
	}
	// A console command that runs long can be paused too.
	c.send("evaluate", map[string]any{"expression": "continue", "context": "repl"})
	expect[*godap.ContinuedEvent](c)
	time.Sleep(50 * time.Millisecond)
	c.send("pause", map[string]any{"threadId": 1})
	expect[*godap.PauseResponse](c)
	if r := expect[*godap.EvaluateResponse](c); !strings.Contains(r.Body.Result, "interrupted") {
		t.Errorf("the console's continue, paused: %q", r.Body.Result)
	}
	c.stopped("pause")
	// Terminate while running ends the program; disconnect ends the session.
	c.send("continue", map[string]any{"threadId": 1})
	expect[*godap.ContinueResponse](c)
	c.send("terminate", nil)
	expect[*godap.TerminateResponse](c)
	expect[*godap.TerminatedEvent](c)
	c.disconnect()
}

func TestClientGoneMidRun(t *testing.T) {
	// Serve is called directly, to see it return.
	a, b := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- Serve(a, Options{Log: &testLog{t: t}}) }()
	c := &client{t: t, conn: b, msgs: make(chan godap.Message, 1000), readErr: make(chan error, 1), outputs: map[string]*strings.Builder{}}
	go c.read()
	longRun(t, c)
	b.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after the client left: %v", err)
		}
	case <-time.After(timeout):
		t.Fatal("Serve did not return after the client left in the middle of a run")
	}
}

func TestBrokenFraming(t *testing.T) {
	a, b := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- Serve(a, Options{}) }()
	go b.Write([]byte("this is not a DAP header\r\n\r\n"))
	select {
	case err := <-done:
		if err == nil {
			t.Error("Serve returned no error for a stream without Content-Length")
		}
	case <-time.After(timeout):
		t.Fatal("Serve hangs on a stream without Content-Length")
	}
	b.Close()
}
