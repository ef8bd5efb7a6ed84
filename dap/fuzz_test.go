package dap

import (
	"encoding/json"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	godap "github.com/google/go-dap"
)

// FuzzRequests sends a launched session (compute.wasm, stopped on entry)
// a sequence of requests whose commands come from script and whose
// arguments are filled from the words of text, or are text itself as raw
// JSON: every request gets a response, and the session ends cleanly, never
// a panic or a hang.
//
//	go test ./dap -run '^$' -fuzz FuzzRequests -fuzztime 2m
func FuzzRequests(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5}, "1 hanoi 0x10 $0 4")
	f.Add([]byte{6, 0, 7, 1, 8, 2, 9, 3}, "goto 500 | 2 -1 mem[0]")
	f.Add([]byte{10, 4, 11, 5, 12, 6, 13, 7, 14, 8}, `{"threadId": 1, "granularity": "line"}`)
	f.Add([]byte{15, 9, 16, 0, 17, 1, 18, 2, 19, 3}, "switch-engine fast\x00 reverse-step 1000000")
	f.Add([]byte{20, 200, 21, 201, 22, 202, 23, 203, 24, 204}, "x $sp 16 {} [] null")
	f.Fuzz(func(t *testing.T, script []byte, text string) {
		if len(script) > 24 || strings.Contains(text, "checkpoint") {
			return // short sessions; nothing written to files
		}
		conn, server := net.Pipe()
		done := make(chan error, 1)
		go func() { done <- Serve(server, Options{Log: io.Discard}) }()
		c := clientOn(t, conn)
		c.launch(map[string]any{"program": program(t, "wasi/compute.wasm"), "stopOnEntry": true, "cwd": t.TempDir()}, nil)
		words := strings.Fields(text)
		word := func(i byte) string {
			if len(words) == 0 {
				return ""
			}
			return words[int(i)%len(words)]
		}
		num := func(i byte) int { return int(i) - 8 }
		for i := 0; i+1 < len(script); i += 2 {
			cmd, a := fuzzCommands[int(script[i])%len(fuzzCommands)], script[i+1]
			var args any = map[string]any{
				"threadId": num(a), "frameId": num(a), "variablesReference": num(a), "name": word(a),
				"expression": word(a) + " " + word(a+1), "context": []string{"repl", "hover", "watch"}[a%3],
				"value": word(a + 1), "memoryReference": word(a), "offset": num(a), "count": int(a) * 3,
				"instructionCount": num(a), "instructionOffset": num(a), "data": word(a), "sourceReference": num(a),
				"granularity": []string{"instruction", "line", "statement"}[a%3],
				"source":      map[string]any{"sourceReference": num(a), "path": word(a)},
				"breakpoints": []map[string]any{{"line": num(a), "name": word(a), "instructionReference": word(a), "dataId": word(a), "condition": word(a + 1)}},
			}
			if a%4 == 0 && json.Valid([]byte(text)) {
				args = json.RawMessage(text)
			}
			seq := c.send(cmd, args)
			if !c.answered(seq) {
				return // the session ended (terminate, restart's failure...)
			}
		}
		c.send("disconnect", map[string]any{"terminateDebuggee": true})
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(timeout):
			t.Fatalf("the session did not end %v after disconnect", timeout)
		}
	})
}

// fuzzCommands are the requests FuzzRequests sends (all the server
// handles, but launch, attach and disconnect).
var fuzzCommands = []string{
	"threads", "stackTrace", "scopes", "variables", "evaluate", "setVariable", "setBreakpoints",
	"setFunctionBreakpoints", "setInstructionBreakpoints", "dataBreakpointInfo", "setDataBreakpoints",
	"continue", "next", "stepIn", "stepOut", "stepBack", "reverseContinue", "pause", "disassemble",
	"readMemory", "writeMemory", "source", "loadedSources", "breakpointLocations", "completions",
	"exceptionInfo", "restart", "terminate", "configurationDone", "setExceptionBreakpoints", "initialize",
}

// answered waits for the response to request seq (events go by); false
// when the server closed the connection first.
func (c *client) answered(seq int) bool {
	c.t.Helper()
	for {
		select {
		case m, ok := <-c.msgs:
			if !ok {
				return false
			}
			if r, ok := m.(godap.ResponseMessage); ok && r.GetResponse().RequestSeq == seq {
				return true
			}
		case <-time.After(timeout):
			c.t.Fatalf("no response to request %d in %v", seq, timeout)
		}
	}
}
