package dap

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	godap "github.com/google/go-dap"

	"github.com/wdb-dev/wdb/debugger"
	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/wasi"
	"github.com/wdb-dev/wdb/wasm"
)

// The start and end of a session: initialize, launch or attach,
// configurationDone, restart, terminate, disconnect.

// capabilities are what wdb supports, advertised honestly: each one has a
// handler and a test. Not supportsDelayedStackTraceLoading, although
// stackTrace pages: with it, VS Code (1.100) asks for the top frame, then
// for the rest, and when the stack below the top has not changed since the
// last stop it never redraws, so the Call Stack keeps a "Load More Stack
// Frames" link after every step.
func capabilities() godap.Capabilities {
	return godap.Capabilities{
		SupportsConfigurationDoneRequest:   true,
		SupportsFunctionBreakpoints:        true,
		SupportsConditionalBreakpoints:     true,
		SupportsHitConditionalBreakpoints:  true,
		SupportsEvaluateForHovers:          true,
		SupportsStepBack:                   true,
		SupportsSetVariable:                true,
		SupportsCompletionsRequest:         true,
		SupportsRestartRequest:             true,
		SupportsValueFormattingOptions:     true,
		SupportsExceptionInfoRequest:       true,
		SupportTerminateDebuggee:           true,
		SupportsLoadedSourcesRequest:       true,
		SupportsLogPoints:                  true,
		SupportsTerminateRequest:           true,
		SupportsDataBreakpoints:            true,
		SupportsReadMemoryRequest:          true,
		SupportsWriteMemoryRequest:         true,
		SupportsDisassembleRequest:         true,
		SupportsBreakpointLocationsRequest: true,
		SupportsSteppingGranularity:        true,
		SupportsInstructionBreakpoints:     true,
	}
}

// initializeArgs reads the client's initialize arguments; linesStartAt1
// and columnsStartAt1 default to true when absent.
type initializeArgs struct {
	LinesStartAt1            *bool `json:"linesStartAt1"`
	ColumnsStartAt1          *bool `json:"columnsStartAt1"`
	SupportsInvalidatedEvent bool  `json:"supportsInvalidatedEvent"`
	SupportsMemoryEvent      bool  `json:"supportsMemoryEvent"`
}

func (s *session) onInitialize(r *godap.InitializeRequest) error {
	if s.client.initialized {
		return errors.New("initialize was already received")
	}
	// go-dap's bools cannot tell "absent" (true by default) from false:
	// read the message again.
	var raw struct {
		Arguments initializeArgs `json:"arguments"`
	}
	if err := json.Unmarshal(s.raw, &raw); err != nil {
		return fmt.Errorf("bad initialize arguments: %v", err)
	}
	a := raw.Arguments
	s.client = clientInfo{initialized: true, linesStartAt1: a.LinesStartAt1 == nil || *a.LinesStartAt1,
		columnsStartAt1:  a.ColumnsStartAt1 == nil || *a.ColumnsStartAt1,
		invalidatedEvent: a.SupportsInvalidatedEvent, memoryEvent: a.SupportsMemoryEvent}
	resp := &godap.InitializeResponse{Response: response(&r.Request), Body: capabilities()}
	s.send(resp)
	return nil
}

// launchConfig holds the attributes of launch and attach configurations
// (vscode-ext/package.json declares the same ones).
type launchConfig struct {
	Program        string          `json:"program"`
	Args           []string        `json:"args"`
	Env            json.RawMessage `json:"env"` // {"KEY": "value"} or ["KEY=value"]
	Cwd            string          `json:"cwd"`
	Dirs           []string        `json:"dirs"` // HOST[:GUEST]
	SourceDirs     []string        `json:"sourceDirs"`
	Engine         string          `json:"engine"`
	Invoke         string          `json:"invoke"`
	Stdin          string          `json:"stdin"`
	StopOnEntry    bool            `json:"stopOnEntry"`
	StopAtExit     *bool           `json:"stopAtExit"`
	Terminal       *bool           `json:"terminal"`
	SnapshotBudget json.RawMessage `json:"snapshotBudget"` // bytes, or "512M"
	// attach
	Image  string `json:"image"`
	Module string `json:"module"`

	attach bool
}

// stopsAtExit: by default the session stays at the end of the program, so
// that the user can go back in time.
func (c *launchConfig) stopsAtExit() bool { return c.StopAtExit == nil || *c.StopAtExit }

// terminal: by default the program's stdout and stderr are terminals to
// it, as in a terminal window, so C's stdio sends each line as it ends
// (to a pipe it would hold the output until exit).
func (c *launchConfig) terminal() bool { return c.Terminal == nil || *c.Terminal }

func parseLaunch(raw json.RawMessage, request string) (launchConfig, error) {
	var c launchConfig
	if len(raw) == 0 || string(raw) == "null" {
		return c, fmt.Errorf("%s needs arguments", request)
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("bad %s arguments: %v", request, err)
	}
	if c.Engine == "" {
		c.Engine = "standard"
	}
	if !slices.Contains(engines.Names(), c.Engine) {
		return c, fmt.Errorf("%s: unknown engine %q (engines: %s)", request, c.Engine, strings.Join(engines.Names(), ", "))
	}
	if c.Cwd == "" {
		wd, err := os.Getwd()
		if err != nil {
			return c, err
		}
		c.Cwd = wd
	}
	return c, nil
}

// path resolves a path of the configuration against cwd.
func (c *launchConfig) path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Cwd, p)
}

func (c *launchConfig) env() ([]string, error) {
	if len(c.Env) == 0 || string(c.Env) == "null" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal(c.Env, &m); err == nil {
		out := make([]string, 0, len(m))
		for k, v := range m {
			out = append(out, k+"="+v)
		}
		sort.Strings(out)
		return out, nil
	}
	var l []string
	if err := json.Unmarshal(c.Env, &l); err != nil {
		return nil, errors.New(`env: want an object {"KEY": "value"} or a list of "KEY=value"`)
	}
	for _, e := range l {
		if !strings.Contains(e, "=") {
			return nil, fmt.Errorf("env %q: want KEY=value", e)
		}
	}
	return l, nil
}

func (c *launchConfig) budget() (int64, error) {
	if len(c.SnapshotBudget) == 0 || string(c.SnapshotBudget) == "null" {
		return 0, nil
	}
	var n int64
	if err := json.Unmarshal(c.SnapshotBudget, &n); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("snapshotBudget %d: must not be negative", n)
		}
		return n, nil
	}
	var text string
	if err := json.Unmarshal(c.SnapshotBudget, &text); err != nil {
		return 0, errors.New(`snapshotBudget: want a number of bytes or a size such as "256M"`)
	}
	n, err := debugger.ParseSize(text)
	if err != nil {
		return 0, fmt.Errorf("snapshotBudget: %v", err)
	}
	return n, nil
}

// sourceDirs are where source files are looked for when they are not at
// the path the line table records nor beside the module: sourceDirs, then
// cwd (for a path relative to where the program was compiled).
func (c *launchConfig) sourceDirs() ([]string, error) {
	var out []string
	for _, d := range c.SourceDirs {
		p := c.path(d)
		if st, err := os.Stat(p); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("sourceDirs %q: %s is not a directory", d, p)
		}
		out = append(out, p)
	}
	return append(out, c.Cwd), nil
}

// wasiConfig is the guest's world: args, env, preopened directories and
// stdio (stdout and stderr become output events, terminals to the guest
// unless the launch says "terminal": false).
func (s *session) wasiConfig(c *launchConfig, args []string) (wasi.Config, error) {
	env, err := c.env()
	if err != nil {
		return wasi.Config{}, err
	}
	cfg := wasi.Config{Args: args, Env: env,
		Stdout: &consoleWriter{s: s, category: "stdout", terminal: c.terminal()},
		Stderr: &consoleWriter{s: s, category: "stderr", terminal: c.terminal()}}
	for _, d := range c.Dirs {
		p, err := wasi.ParsePreopen(d)
		if err != nil {
			return cfg, fmt.Errorf("dirs: %v", err)
		}
		p.HostDir = c.path(p.HostDir)
		if st, err := os.Stat(p.HostDir); err != nil || !st.IsDir() {
			return cfg, fmt.Errorf("dirs %q: %s is not a directory", d, p.HostDir)
		}
		cfg.Preopens = append(cfg.Preopens, p)
	}
	if c.Stdin != "" {
		f, err := os.Open(c.path(c.Stdin))
		if err != nil {
			return cfg, fmt.Errorf("stdin: %v", err)
		}
		cfg.Stdin = f
		s.closers = append(s.closers, f)
	}
	return cfg, nil
}

func (s *session) onLaunch(r *godap.LaunchRequest) error {
	if s.dbg != nil {
		return errors.New("the session has already launched or attached a program")
	}
	c, err := parseLaunch(r.Arguments, "launch")
	if err != nil {
		return err
	}
	if c.Program == "" {
		return errors.New(`launch: "program" is missing: the .wasm file to debug`)
	}
	path := c.path(c.Program)
	mod, err := readModule(path)
	if err != nil {
		return fmt.Errorf("launch: %v", err)
	}
	budget, err := c.budget()
	if err != nil {
		return err
	}
	guestArgs := c.Args
	if c.Invoke == "" {
		guestArgs = append([]string{filepath.Base(path)}, c.Args...)
	}
	host, err := s.wasiConfig(&c, guestArgs)
	if err != nil {
		return err
	}
	srcDirs, err := c.sourceDirs()
	if err != nil {
		return err
	}
	cfg := debugger.Config{Path: path, Module: mod, Engine: c.Engine, WASI: host, Invoke: c.Invoke, Budget: budget, SourceDirs: srcDirs}
	if c.Invoke != "" {
		cfg.Args = c.Args
	}
	dbg, err := debugger.New(cfg)
	if err != nil {
		return fmt.Errorf("launch: %v", err)
	}
	s.start(&r.Request, dbg, c)
	return nil
}

// onAttach opens a checkpoint image stopped where it was taken: a wdb
// image file, or a directory in the format of the WAMR / WasmEdge
// checkpoint-restore forks, whose module "module" (or "program") gives.
func (s *session) onAttach(r *godap.AttachRequest) error {
	if s.dbg != nil {
		return errors.New("the session has already launched or attached a program")
	}
	c, err := parseLaunch(r.Arguments, "attach")
	if err != nil {
		return err
	}
	c.attach = true
	if c.Image == "" {
		return errors.New(`attach: "image" is missing: the checkpoint image to resume`)
	}
	image, modFile := c.path(c.Image), c.path(c.Module)
	if modFile == "" {
		modFile = c.path(c.Program)
	}
	var (
		path string
		mod  *wasm.Module
		open func(debugger.Config) (*debugger.Session, error)
	)
	if st, err := os.Stat(image); err == nil && st.IsDir() {
		if modFile == "" {
			return fmt.Errorf(`attach: %s is a directory, an image of the WAMR / WasmEdge forks, which does not include its module: give it as "module"`, c.Image)
		}
		if mod, err = readModule(modFile); err != nil {
			return fmt.Errorf("attach: %v", err)
		}
		path = modFile
		open = func(cfg debugger.Config) (*debugger.Session, error) { return debugger.OpenFork(cfg, image) }
	} else {
		img, err := snapshot.ReadFile(image)
		if err != nil {
			return fmt.Errorf("attach: %v", err)
		}
		path = image
		if modFile != "" {
			path = modFile
			b, err := os.ReadFile(path)
			if err != nil {
				return fmt.Errorf("attach: %v", err)
			}
			if err := img.CheckModule(b); err != nil {
				return fmt.Errorf("attach: %s: %v", path, err)
			}
			img.Module = b
		}
		if img.Module == nil {
			return fmt.Errorf(`attach: %s does not include its module: give it as "module"`, c.Image)
		}
		if mod, err = wasm.Load(img.Module); err != nil {
			return fmt.Errorf("attach: %s: %v", path, err)
		}
		open = func(cfg debugger.Config) (*debugger.Session, error) { return debugger.Open(cfg, img) }
	}
	budget, err := c.budget()
	if err != nil {
		return err
	}
	host, err := s.wasiConfig(&c, nil)
	if err != nil {
		return err
	}
	srcDirs, err := c.sourceDirs()
	if err != nil {
		return err
	}
	dbg, err := open(debugger.Config{Path: path, Module: mod, Engine: c.Engine, WASI: host, Budget: budget, SourceDirs: srcDirs})
	if err != nil {
		return fmt.Errorf("attach: %v", err)
	}
	s.start(&r.Request, dbg, c)
	return nil
}

// readModule loads the module file at path.
func readModule(path string) (*wasm.Module, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	mod, err := wasm.Load(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return mod, nil
}

// start takes a newly created debugger session, answers the launch or
// attach request and asks for the configuration.
func (s *session) start(req *godap.Request, dbg *debugger.Session, c launchConfig) {
	s.dbg, s.launch = dbg, c
	s.console = &consoleWriter{s: s, category: "console"}
	s.in = debugger.NewInterpreter(dbg, s.console)
	s.code = newCodeIndex(dbg.Module(), dbg.Path())
	s.files = sourceFiles{found: map[string]string{}}
	s.ok(req)
	s.send(&godap.InitializedEvent{Event: event("initialized")})
}

func (s *session) onConfigurationDone(r *godap.ConfigurationDoneRequest) error {
	if s.configured {
		return errors.New("configurationDone was already received")
	}
	s.configured = true
	s.ok(&r.Request)
	s.begin()
	return nil
}

// begin reports the program stopped where it starts (attach, or
// stopOnEntry), or runs it.
func (s *session) begin() {
	if s.launch.attach || s.launch.StopOnEntry {
		s.reportStop(s.dbg.State(), nil)
		return
	}
	s.startMove(move{name: "continue", run: s.dbg.Continue, resumable: true})
}

// onRestart goes back to the start of the timeline (the program's first
// instruction, or the attached image) and begins again. The launch
// configuration is not read again: the timeline stays valid.
func (s *session) onRestart(r *godap.RestartRequest) error {
	if _, err := s.dbg.Restart(); err != nil {
		return err
	}
	s.vars.reset()
	s.ok(&r.Request)
	s.begin()
	return nil
}

func (s *session) onTerminate(r *godap.TerminateRequest) error {
	s.stopMove()
	s.terminated = true
	s.ok(&r.Request)
	s.send(&godap.TerminatedEvent{Event: event("terminated")})
	return nil
}

func (s *session) onDisconnect(r *godap.DisconnectRequest) error {
	s.stopMove()
	if s.dbg != nil {
		s.dbg.Close()
		s.dbg = nil
	}
	s.ok(&r.Request)
	s.ended = true
	return nil
}

func (s *session) onThreads(r *godap.ThreadsRequest) error {
	name := "main"
	if s.dbg != nil {
		name = filepath.Base(s.dbg.Path())
	}
	s.send(&godap.ThreadsResponse{Response: response(&r.Request), Body: godap.ThreadsResponseBody{Threads: []godap.Thread{{Id: threadID, Name: name}}}})
	return nil
}

// threadID is the program's only thread.
const threadID = 1
