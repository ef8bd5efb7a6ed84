package dap

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	godap "github.com/google/go-dap"

	"github.com/wdb-dev/wdb/debugger"
)

// Options configure a server.
type Options struct {
	// Log receives diagnostics: protocol errors, bad messages (nil:
	// discarded). Never the protocol stream itself.
	Log io.Writer
}

// Serve runs one debug session over rw (the client's stdin and stdout, or a
// connection) until the client disconnects or the stream ends. It returns
// nil for a clean end, and the error for a broken stream (a message that
// is not framed by a Content-Length header cannot be skipped).
func Serve(rw io.ReadWriter, opts Options) error {
	s := newSession(rw, opts)
	return s.serve()
}

// ServeListener accepts connections on l and serves one session per
// connection, each on its own goroutine, until l is closed.
func ServeListener(l net.Listener, opts Options) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.Close()
			if err := Serve(conn, opts); err != nil {
				logf(opts.Log, "session from %s: %v", conn.RemoteAddr(), err)
			}
		}()
	}
}

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, "wdb dap: "+format+"\n", args...)
	}
}

// session is one client's debug session. Requests are read and handled one
// at a time on the serving goroutine; moves of the program (continue,
// steps, REPL commands) run on a goroutine of their own so that pause,
// disconnect and terminate can interrupt them.
type session struct {
	r    *bufio.Reader
	opts Options

	wmu  sync.Mutex // guards w, seq and werr
	w    io.Writer
	seq  int
	werr error

	client clientInfo

	// Set by launch or attach; then only touched by the goroutine that
	// owns the program (the serving one, or the move's while running).
	dbg     *debugger.Session
	in      *debugger.Interpreter
	console *consoleWriter
	launch  launchConfig
	code    *codeIndex
	files   sourceFiles

	configured bool // configurationDone received
	terminated bool // terminate handled: the program is gone
	ended      bool // disconnect handled: stop serving
	closers    []io.Closer
	raw        []byte // the request being handled

	mu         sync.Mutex // guards the fields below
	running    bool
	moveDone   chan struct{}
	current    move
	pauseAsked bool // the client asked to pause this move
	quietStop  bool // this move is being interrupted without a stopped event
	// resumeAfter: the move was stopped by a quiet interrupt (set by its
	// goroutine before it ends).
	resumeAfter bool

	vars *varTable
	bps  *breakpointSet
}

// clientInfo is what the client said in initialize.
type clientInfo struct {
	initialized      bool
	linesStartAt1    bool
	columnsStartAt1  bool
	invalidatedEvent bool
	memoryEvent      bool
}

func newSession(rw io.ReadWriter, opts Options) *session {
	s := &session{r: bufio.NewReader(rw), w: rw, opts: opts}
	s.client.linesStartAt1, s.client.columnsStartAt1 = true, true
	s.vars = newVarTable()
	s.bps = newBreakpointSet()
	return s
}

// serve reads and handles requests until the end of the session.
func (s *session) serve() error {
	defer s.shutdown()
	for !s.ended {
		content, err := godap.ReadBaseMessage(s.r)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				return nil // the client went away: end the session
			}
			return fmt.Errorf("reading a message: %w", err)
		}
		s.handle(content)
		if err := s.writeErr(); err != nil {
			return fmt.Errorf("writing to the client: %w", err)
		}
	}
	return nil
}

// shutdown ends the program: a move in progress is interrupted and waited
// for, and the debugger session closed.
func (s *session) shutdown() {
	s.stopMove()
	if s.dbg != nil {
		s.dbg.Close()
		s.dbg = nil
	}
	for _, c := range s.closers {
		c.Close()
	}
}

// header is the part of every message read before decoding it fully.
type header struct {
	Seq     int    `json:"seq"`
	Type    string `json:"type"`
	Command string `json:"command"`
}

// handle decodes one message and dispatches it. Bad messages get an error
// response (when they can be answered) and never end the session.
func (s *session) handle(content []byte) {
	var h header
	if err := json.Unmarshal(content, &h); err != nil {
		logf(s.opts.Log, "malformed message: %v", err)
		s.sendError(&godap.Request{Command: ""}, fmt.Sprintf("malformed JSON message: %v", err))
		return
	}
	if h.Type != "request" {
		logf(s.opts.Log, "ignoring a message of type %q (seq %d): wdb sends no requests", h.Type, h.Seq)
		return
	}
	req := &godap.Request{ProtocolMessage: godap.ProtocolMessage{Seq: h.Seq, Type: h.Type}, Command: h.Command}
	msg, err := godap.DecodeProtocolMessage(content)
	if err != nil {
		var field *godap.DecodeProtocolMessageFieldError
		if errors.As(err, &field) {
			s.sendError(req, fmt.Sprintf("unknown request %q", h.Command))
		} else {
			s.sendError(req, fmt.Sprintf("bad arguments for %s: %v", h.Command, err))
		}
		return
	}
	s.raw = content
	if err := s.dispatch(msg); err != nil {
		s.sendError(req, err.Error())
	}
}

// errRunning is the answer to requests that need the program stopped.
var errRunning = errors.New("the program is running: pause it first")

// dispatch runs one request. A returned error becomes the error response;
// handlers that succeed send their response themselves.
func (s *session) dispatch(msg godap.Message) error {
	req := msg.(godap.RequestMessage).GetRequest()
	// Requests that may come at any time.
	switch r := msg.(type) {
	case *godap.InitializeRequest:
		return s.onInitialize(r)
	case *godap.DisconnectRequest:
		return s.onDisconnect(r)
	case *godap.TerminateRequest:
		return s.onTerminate(r)
	case *godap.PauseRequest:
		return s.onPause(r)
	case *godap.ThreadsRequest:
		return s.onThreads(r)
	case *godap.CancelRequest:
		return errors.New("cancel is not supported")
	}
	if !s.client.initialized {
		return fmt.Errorf("%s before initialize", req.Command)
	}
	switch r := msg.(type) {
	case *godap.LaunchRequest:
		return s.onLaunch(r)
	case *godap.AttachRequest:
		return s.onAttach(r)
	}
	if s.terminated {
		return fmt.Errorf("%s: the program was terminated", req.Command)
	}
	if s.dbg == nil {
		return fmt.Errorf("%s before launch or attach", req.Command)
	}
	// Breakpoints may change while a continue runs: it is paused, they
	// change, and it goes on.
	switch r := msg.(type) {
	case *godap.SetBreakpointsRequest:
		return s.whilePaused(func() error { return s.onSetBreakpoints(r) })
	case *godap.SetFunctionBreakpointsRequest:
		return s.whilePaused(func() error { return s.onSetFunctionBreakpoints(r) })
	case *godap.SetInstructionBreakpointsRequest:
		return s.whilePaused(func() error { return s.onSetInstructionBreakpoints(r) })
	case *godap.SetDataBreakpointsRequest:
		return s.whilePaused(func() error { return s.onSetDataBreakpoints(r) })
	case *godap.SetExceptionBreakpointsRequest:
		return s.onSetExceptionBreakpoints(r)
	case *godap.SourceRequest:
		return s.onSource(r)
	case *godap.LoadedSourcesRequest:
		return s.onLoadedSources(r)
	case *godap.BreakpointLocationsRequest:
		return s.onBreakpointLocations(r)
	}
	if s.isRunning() {
		return errRunning
	}
	// The program moves once the client has set its breakpoints.
	switch msg.(type) {
	case *godap.ContinueRequest, *godap.NextRequest, *godap.StepInRequest, *godap.StepOutRequest,
		*godap.StepBackRequest, *godap.ReverseContinueRequest, *godap.RestartRequest:
		if !s.configured {
			return fmt.Errorf("%s before configurationDone", req.Command)
		}
	}
	switch r := msg.(type) {
	case *godap.ConfigurationDoneRequest:
		return s.onConfigurationDone(r)
	case *godap.ContinueRequest:
		return s.onContinue(r)
	case *godap.NextRequest:
		return s.step(&r.Request, r.Arguments.Granularity, s.dbg.Next, s.dbg.NextLine)
	case *godap.StepInRequest:
		return s.step(&r.Request, r.Arguments.Granularity, s.dbg.StepInstruction, s.dbg.StepLine)
	case *godap.StepOutRequest:
		return s.step(&r.Request, r.Arguments.Granularity, s.dbg.Finish, nil)
	case *godap.StepBackRequest:
		// Back over calls, as next goes over them (the console's
		// reverse-step goes back into them).
		return s.step(&r.Request, r.Arguments.Granularity, s.dbg.ReverseNext, s.dbg.ReverseNextLine)
	case *godap.ReverseContinueRequest:
		return s.step(&r.Request, "", s.dbg.ReverseContinue, nil)
	case *godap.RestartRequest:
		return s.onRestart(r)
	case *godap.StackTraceRequest:
		return s.onStackTrace(r)
	case *godap.ScopesRequest:
		return s.onScopes(r)
	case *godap.VariablesRequest:
		return s.onVariables(r)
	case *godap.SetVariableRequest:
		return s.onSetVariable(r)
	case *godap.EvaluateRequest:
		return s.onEvaluate(r)
	case *godap.CompletionsRequest:
		return s.onCompletions(r)
	case *godap.ExceptionInfoRequest:
		return s.onExceptionInfo(r)
	case *godap.DataBreakpointInfoRequest:
		return s.onDataBreakpointInfo(r)
	case *godap.DisassembleRequest:
		return s.onDisassemble(r)
	case *godap.ReadMemoryRequest:
		return s.onReadMemory(r)
	case *godap.WriteMemoryRequest:
		return s.onWriteMemory(r)
	}
	return fmt.Errorf("%s is not supported by wdb", req.Command)
}

// Sending.

// send writes a message with the next sequence number. Safe from any
// goroutine. After a write error, nothing more is sent.
func (s *session) send(m godap.Message) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.werr != nil {
		return
	}
	s.seq++
	switch m := m.(type) {
	case godap.ResponseMessage:
		m.GetResponse().Seq = s.seq
	case godap.EventMessage:
		m.GetEvent().Seq = s.seq
	}
	s.werr = godap.WriteProtocolMessage(s.w, m)
}

func (s *session) writeErr() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.werr
}

// response returns a successful response to req.
func response(req *godap.Request) godap.Response {
	return godap.Response{ProtocolMessage: godap.ProtocolMessage{Type: "response"}, Command: req.Command, RequestSeq: req.Seq, Success: true}
}

func event(name string) godap.Event {
	return godap.Event{ProtocolMessage: godap.ProtocolMessage{Type: "event"}, Event: name}
}

// sendError answers req with an error message.
func (s *session) sendError(req *godap.Request, msg string) {
	r := &godap.ErrorResponse{Response: response(req)}
	r.Success = false
	r.Message = msg
	s.send(r)
}

// ok answers req with an empty successful response.
func (s *session) ok(req *godap.Request) error {
	r := response(req)
	s.send(&r)
	return nil
}

func (s *session) output(category, text string) {
	s.send(&godap.OutputEvent{Event: event("output"), Body: godap.OutputEventBody{Category: category, Output: text}})
}

// consoleWriter sends what is written to it as output events of one
// category, or, while capturing, keeps it (the result of an evaluate).
type consoleWriter struct {
	s        *session
	category string
	terminal bool // what IsTerminal answers the guest's fd_fdstat_get

	mu      sync.Mutex
	capture *[]byte
}

// IsTerminal tells wasi whether the guest sees a terminal here.
func (w *consoleWriter) IsTerminal() bool { return w.terminal }

func (w *consoleWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil // the guest's empty iovecs: no empty output events
	}
	w.mu.Lock()
	if w.capture != nil {
		*w.capture = append(*w.capture, p...)
		w.mu.Unlock()
		return len(p), nil
	}
	w.mu.Unlock()
	w.s.output(w.category, string(p))
	return len(p), nil
}

// captured runs f with what is written to w kept, and returns it.
func (w *consoleWriter) captured(f func() error) (string, error) {
	var buf []byte
	w.mu.Lock()
	w.capture = &buf
	w.mu.Unlock()
	err := f()
	w.mu.Lock()
	w.capture = nil
	w.mu.Unlock()
	return string(buf), err
}
