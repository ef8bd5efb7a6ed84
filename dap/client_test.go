package dap

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	godap "github.com/google/go-dap"

	_ "github.com/wdb-dev/wdb/engines/fast"
	_ "github.com/wdb-dev/wdb/engines/standard"
	_ "github.com/wdb-dev/wdb/engines/threaded"
)

// A go-dap client over a real TCP socket to a server started by the test.

// timeout bounds every wait: a hang fails the test instead of blocking it.
const timeout = 20 * time.Second

// testLog collects the server's diagnostics for the test log.
type testLog struct {
	t  *testing.T
	mu sync.Mutex
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.t.Logf("server: %s", strings.TrimSpace(string(p)))
	return len(p), nil
}

// startServer serves on a loopback port until the test ends.
func startServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- ServeListener(l, Options{Log: &testLog{t: t}}) }()
	t.Cleanup(func() {
		l.Close()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("ServeListener: %v", err)
			}
		case <-time.After(timeout):
			t.Errorf("ServeListener did not end %v after its listener closed (a session hangs)", timeout)
		}
	})
	return l.Addr().String()
}

type client struct {
	t       *testing.T
	conn    net.Conn
	seq     int
	msgs    chan godap.Message
	readErr chan error
	pending []godap.Message // read, not yet expected
	output  strings.Builder // output events, in order, by category "stdout" etc.
	outputs map[string]*strings.Builder
	// zeroBased: initialize says lines and columns count from 0.
	zeroBased bool
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return clientOn(t, conn)
}

// clientOn is a client on a connection to a server.
func clientOn(t *testing.T, conn net.Conn) *client {
	c := &client{t: t, conn: conn, msgs: make(chan godap.Message, 1000), readErr: make(chan error, 1), outputs: map[string]*strings.Builder{}}
	t.Cleanup(func() { conn.Close() })
	go c.read()
	return c
}

func (c *client) read() {
	r := bufio.NewReader(c.conn)
	for {
		m, err := godap.ReadProtocolMessage(r)
		if err != nil {
			c.readErr <- err
			close(c.msgs)
			return
		}
		c.msgs <- m
	}
}

// send sends a request built from command and arguments.
func (c *client) send(command string, args any) int {
	c.t.Helper()
	c.seq++
	m := map[string]any{"seq": c.seq, "type": "request", "command": command}
	if args != nil {
		m["arguments"] = args
	}
	b, err := json.Marshal(m)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(b)
	return c.seq
}

func (c *client) sendRaw(b []byte) {
	c.t.Helper()
	if err := godap.WriteBaseMessage(c.conn, b); err != nil {
		c.t.Fatalf("sending: %v", err)
	}
}

// next returns the next message from the server.
func (c *client) next() godap.Message {
	c.t.Helper()
	select {
	case m, ok := <-c.msgs:
		if !ok {
			c.t.Fatalf("the server closed the connection: %v", <-c.readErr)
		}
		if o, ok := m.(*godap.OutputEvent); ok {
			if o.Body.Output == "" {
				c.t.Errorf("an empty output event (category %q)", o.Body.Category)
			}
			b := c.outputs[o.Body.Category]
			if b == nil {
				b = &strings.Builder{}
				c.outputs[o.Body.Category] = b
			}
			b.WriteString(o.Body.Output)
		}
		return m
	case <-time.After(timeout):
		_, file, line, _ := runtime.Caller(2)
		c.t.Fatalf("%s:%d: no message from the server in %v (pending: %s)", filepath.Base(file), line, timeout, describe(c.pending))
	}
	return nil
}

func describe(ms []godap.Message) string {
	var s []string
	for _, m := range ms {
		s = append(s, fmt.Sprintf("%T", m))
	}
	return strings.Join(s, ", ")
}

// expect returns the first message of type T, read or pending; the
// others stay pending.
func expect[T godap.Message](c *client) T {
	c.t.Helper()
	for i, m := range c.pending {
		if v, ok := m.(T); ok {
			c.pending = append(c.pending[:i:i], c.pending[i+1:]...)
			return v
		}
	}
	for {
		m := c.next()
		if v, ok := m.(T); ok {
			return v
		}
		if e, ok := m.(*godap.ErrorResponse); ok {
			var zero T
			if _, want := any(zero).(*godap.ErrorResponse); !want {
				c.t.Fatalf("%s failed: %s", e.Command, e.Message)
			}
		}
		c.pending = append(c.pending, m)
	}
}

// expectError returns the error response to the request with seq.
func (c *client) expectError(seq int) *godap.ErrorResponse {
	c.t.Helper()
	for {
		m := c.next()
		if e, ok := m.(*godap.ErrorResponse); ok {
			if e.RequestSeq != seq {
				c.t.Fatalf("error response to request %d, want one to %d: %s", e.RequestSeq, seq, e.Message)
			}
			return e
		}
		if r, ok := m.(godap.ResponseMessage); ok {
			c.t.Fatalf("request %d (%s) succeeded, want an error", r.GetResponse().RequestSeq, r.GetResponse().Command)
		}
		c.pending = append(c.pending, m)
	}
}

// outputOf returns the output events' text so far, of one category.
func (c *client) outputOf(category string) string {
	if b := c.outputs[category]; b != nil {
		return b.String()
	}
	return ""
}

// stopped waits for a stopped event with the given reason.
func (c *client) stopped(reason string) *godap.StoppedEvent {
	c.t.Helper()
	e := expect[*godap.StoppedEvent](c)
	if e.Body.Reason != reason {
		c.t.Fatalf("stopped for %q (%s), want %q", e.Body.Reason, e.Body.Description, reason)
	}
	return e
}

// closed waits for the server to close the connection.
func (c *client) closed() {
	c.t.Helper()
	for {
		select {
		case _, ok := <-c.msgs:
			if !ok {
				return
			}
		case <-time.After(timeout):
			c.t.Fatalf("the server did not close the connection in %v", timeout)
		}
	}
}

// initialize does the initialize exchange.
func (c *client) initialize() godap.Capabilities {
	c.t.Helper()
	c.send("initialize", map[string]any{"adapterID": "wdb", "linesStartAt1": !c.zeroBased, "columnsStartAt1": !c.zeroBased,
		"supportsVariableType": true, "supportsMemoryReferences": true, "supportsInvalidatedEvent": true})
	return expect[*godap.InitializeResponse](c).Body
}

// launch initializes and launches, with breakpoints set by configure
// before configurationDone.
func (c *client) launch(args map[string]any, configure func()) {
	c.t.Helper()
	c.initialize()
	c.send("launch", args)
	expect[*godap.LaunchResponse](c)
	expect[*godap.InitializedEvent](c)
	if configure != nil {
		configure()
	}
	c.send("configurationDone", nil)
	expect[*godap.ConfigurationDoneResponse](c)
}

// attach initializes and attaches to an image, which reports the stop
// where the image was taken.
func (c *client) attach(args map[string]any) {
	c.t.Helper()
	c.initialize()
	c.send("attach", args)
	expect[*godap.AttachResponse](c)
	expect[*godap.InitializedEvent](c)
	c.send("configurationDone", nil)
	expect[*godap.ConfigurationDoneResponse](c)
	c.stopped("entry")
}

func (c *client) disconnect() {
	c.t.Helper()
	c.send("disconnect", map[string]any{"terminateDebuggee": true})
	expect[*godap.DisconnectResponse](c)
	c.closed()
}

func (c *client) stackTrace() []godap.StackFrame {
	c.t.Helper()
	c.send("stackTrace", map[string]any{"threadId": 1})
	return expect[*godap.StackTraceResponse](c).Body.StackFrames
}

// scopes returns frame id's scopes by name.
func (c *client) scopes(frame int) map[string]godap.Scope {
	c.t.Helper()
	c.send("scopes", map[string]any{"frameId": frame})
	out := map[string]godap.Scope{}
	for _, s := range expect[*godap.ScopesResponse](c).Body.Scopes {
		out[s.Name] = s
	}
	return out
}

func (c *client) variables(ref int) []godap.Variable {
	c.t.Helper()
	c.send("variables", map[string]any{"variablesReference": ref})
	return expect[*godap.VariablesResponse](c).Body.Variables
}

// evaluate runs an expression or a console command and returns its result.
func (c *client) evaluate(expr, context string) godap.EvaluateResponseBody {
	c.t.Helper()
	c.send("evaluate", map[string]any{"expression": expr, "context": context})
	return expect[*godap.EvaluateResponse](c).Body
}

// locals returns the top frame's locals as name → value.
func (c *client) locals() map[string]godap.Variable {
	c.t.Helper()
	out := map[string]godap.Variable{}
	for _, v := range c.variables(c.scopes(1)["Locals"].VariablesReference) {
		out[v.Name] = v
	}
	return out
}

// watPos returns where a frame is in its function's WebAssembly text,
// as the disassembly of its instruction gives it (frames with a source
// file are shown there, not in the text).
func (c *client) watPos(f godap.StackFrame) (*godap.Source, int) {
	c.t.Helper()
	c.send("disassemble", map[string]any{"memoryReference": f.InstructionPointerReference, "instructionCount": 1})
	ins := expect[*godap.DisassembleResponse](c).Body.Instructions
	if len(ins) != 1 || ins[0].Location == nil || ins[0].Address != f.InstructionPointerReference {
		c.t.Fatalf("disassembly of frame %s at %s: %+v", f.Name, f.InstructionPointerReference, ins)
	}
	return ins[0].Location, ins[0].Line
}
