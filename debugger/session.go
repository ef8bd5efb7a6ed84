// Package debugger runs a WebAssembly program under control: breakpoints,
// watchpoints, stepping, time travel over a timeline of engine-neutral
// snapshots, engine switching and checkpoints (docs/time-travel.md).
//
// The API is the contract of the debugger brief. Precisions and additions
// for the command layer:
//   - Breakpoint.Hits and Watchpoint.Hits count along the timeline: the
//     hits at counters up to the present (each counter once, whichever way
//     the present got there). A breakpoint set in the middle of a run
//     counts from where it was set, and from earlier moments as reverse
//     moves replay them; one with a HitCondition counts from the start of
//     the timeline (AddBreakpoint replays the past to count them).
//   - LoadCheckpoint starts a new timeline at the image (as Open does): the
//     image's host state replaces the host's, so the old past cannot be
//     replayed any more.
//   - ReverseFinish in the entry function (no caller) goes to the start of
//     time (Reason StartOfTime).
//   - A Breakpoint's Cond error stops the program there and is returned
//     with the Stop.
//   - Additions: DefaultBudget; Session.Depth(); images of the WAMR /
//     WasmEdge checkpoint-restore forks (snapshot/crfork): OpenFork,
//     SaveForkImage, and LoadCheckpoint of such a directory.
package debugger

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/wdb-dev/wdb/debuginfo"
	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/snapshot/crfork"
	"github.com/wdb-dev/wdb/wasi"
	"github.com/wdb-dev/wdb/wasm"
)

// Config describes the program a Session debugs.
type Config struct {
	Path    string       // module file, for messages
	Module  *wasm.Module // loaded and validated (wasm.Load)
	Engine  string       // engine name; "" means "standard"
	Options engines.Options
	WASI    wasi.Config // args, env, preopens, stdio; guest output goes to WASI.Stdout/Stderr
	Invoke  string      // exported function to call instead of _start ("": start function if any, then _start)
	Args    []string    // Invoke's arguments, parsed by its parameter types
	Budget  int64       // timeline memory budget in bytes; 0 means 512 MiB
	// SourceDirs are where the source command looks for source files
	// not found at their path or beside the module.
	SourceDirs []string
}

// entry is a function call the program makes at top level.
type entry struct {
	fn   uint32
	args []uint64
}

// Session is one program under the debugger. Its methods are not safe
// for concurrent use, except Interrupt.
type Session struct {
	cfg    Config
	mod    *wasm.Module
	hash   [32]byte // of the module's bytes
	engine string
	progs  map[string]engines.Program // compiled, by engine
	host   *wasi.Host
	// freshHost is the host's state before the program ran: what a fork
	// image, which has no WASI state, resumes with.
	freshHost *snapshot.Host

	mu      sync.Mutex // guards machine for Interrupt
	machine engines.Machine

	entries []entry
	entry   int  // index of the running entry (len(entries): none left)
	ended   bool // the program exited, finished or trapped: stop holds how
	stop    Stop

	tl *timeline

	// breaks and watches are the enabled points, the ones runs use;
	// disabled ones wait in off (Enable).
	breaks  []*Breakpoint
	watches []*Watchpoint
	off     []any // *Breakpoint or *Watchpoint
	nextID  int
	// brk and wat hold the session's records of each point.
	brk map[*Breakpoint]*bpState
	wat map[*Watchpoint]*wpState
	// writers are the offsets of the instructions that may change a
	// watched value (findWriters): storeWriters the stores among them,
	// which an engine that is a StoreWatcher checks itself, writers the
	// others.
	writers, storeWriters []uint32
	// stepStops are where a source-line step has the machine stop besides
	// the breakpoints (session_lines.go); runOpts.at decides there.
	stepStops []uint32
	// lines is the line table (nil: none), read on first use.
	lines     *debuginfo.Table
	lineFns   *lineFuncs
	linesErr  error
	linesRead bool
	// The source variables (session_vars.go), read on first use.
	vars     *debuginfo.Vars
	varsErr  error
	varsRead bool
}

// New prepares the program and stops before its first instruction
// (counter 0, Stop.Reason Entry).
func New(cfg Config) (*Session, error) {
	s, err := newSession(cfg)
	if err != nil {
		return nil, err
	}
	if len(s.entries) > 0 {
		if err := s.machine.Start(s.entries[0].fn, s.entries[0].args); err != nil {
			s.Close()
			return nil, fmt.Errorf("%s: %w", s.cfg.Path, err)
		}
	}
	if err := s.startTimeline(s.machine.Counter()); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Open starts from a checkpoint image (snapshot.ReadFile), stopped at its
// PC; the timeline begins at the image's counter.
func Open(cfg Config, img *snapshot.Snapshot) (*Session, error) {
	s, err := newSession(cfg)
	if err != nil {
		return nil, err
	}
	if err := s.load(img); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// OpenFork starts from an image of the WAMR / WasmEdge checkpoint-restore
// forks (the directory dir, read by crfork.Import), stopped at its PC. The
// format has no instruction counter and no WASI state: the timeline begins
// at counter 0 and the host is cfg.WASI's, as before a run.
func OpenFork(cfg Config, dir string) (*Session, error) {
	s, err := newSession(cfg)
	if err != nil {
		return nil, err
	}
	if err := s.loadFork(dir); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func newSession(cfg Config) (*Session, error) {
	if cfg.Module == nil {
		return nil, errors.New("debugger: no module")
	}
	if cfg.Engine == "" {
		cfg.Engine = "standard"
	}
	if cfg.Path == "" {
		cfg.Path = "module"
	}
	s := &Session{cfg: cfg, mod: cfg.Module, progs: map[string]engines.Program{},
		brk: map[*Breakpoint]*bpState{}, wat: map[*Watchpoint]*wpState{}, nextID: 1}
	entries, err := entriesOf(cfg)
	if err != nil {
		return nil, err
	}
	s.entries = entries
	s.hash = s.mod.Hash()
	host, err := wasi.New(cfg.WASI)
	if err != nil {
		return nil, err
	}
	s.host, s.freshHost = host, host.State()
	m, err := s.instantiate(cfg.Engine)
	if err != nil {
		host.Close()
		return nil, err
	}
	s.machine, s.engine = m, cfg.Engine
	return s, nil
}

// entriesOf lists the calls the program makes: the start function if
// any, then Invoke (with Args) or _start.
func entriesOf(cfg Config) ([]entry, error) {
	mod := cfg.Module
	var out []entry
	if mod.Start >= 0 {
		out = append(out, entry{fn: uint32(mod.Start)})
	}
	switch fn, ok := mod.ExportedFunc(cfg.Invoke); {
	case cfg.Invoke != "" && !ok:
		return nil, fmt.Errorf("%s: no exported function %q", cfg.Path, cfg.Invoke)
	case cfg.Invoke != "":
		params, err := wasm.ParseArgs(mod.Funcs[fn].Type.Params, cfg.Args)
		if err != nil {
			return nil, fmt.Errorf("%s: invoke %s: %w", cfg.Path, cfg.Invoke, err)
		}
		out = append(out, entry{fn: fn, args: params})
	default:
		if fn, ok := mod.ExportedFunc("_start"); ok {
			out = append(out, entry{fn: fn})
		} else if mod.Start < 0 {
			return nil, fmt.Errorf("%s: no _start export and no start function: invoke an exported function instead", cfg.Path)
		}
	}
	return out, nil
}

// instantiate compiles the module for an engine (once per engine) and
// instantiates it with the session's host.
func (s *Session) instantiate(name string) (engines.Machine, error) {
	prog := s.progs[name]
	if prog == nil {
		eng, err := engines.Get(name)
		if err != nil {
			return nil, err
		}
		prog, err = eng.Compile(s.mod, s.cfg.Options)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.cfg.Path, err)
		}
		s.progs[name] = prog
	}
	imports, err := s.host.Imports(s.mod)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.cfg.Path, err)
	}
	m, err := prog.Instantiate(engines.NewStore(), imports)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.cfg.Path, err)
	}
	return m, nil
}

// startTimeline begins a new timeline at the present, with its first
// snapshot.
func (s *Session) startTimeline(counter uint64) error {
	s.tl = newTimeline(counter, s.cfg.Budget)
	s.stop = s.here(Entry)
	for _, st := range s.brk {
		st.hits = nil
	}
	for _, st := range s.wat {
		st.hits = nil
	}
	s.updateHits()
	return s.takeSnapshot(false)
}

// load makes an image the present and the start of a new timeline.
func (s *Session) load(img *snapshot.Snapshot) error {
	if img == nil {
		return errors.New("debugger: no image")
	}
	if err := img.CheckModule(s.mod.Bytes); err != nil {
		return fmt.Errorf("%s: %w", s.cfg.Path, err)
	}
	entry := len(s.entries)
	if len(img.Frames) > 0 {
		entry = -1
		for i, e := range s.entries {
			if e.fn == img.Frames[0].Func {
				entry = i
				break
			}
		}
		if entry < 0 {
			return fmt.Errorf("the image is running %s, which is not one of the program's entry functions", s.funcName(img.Frames[0].Func))
		}
	}
	if err := s.machine.Restore(img); err != nil {
		return fmt.Errorf("restoring the image: %w", err)
	}
	if img.Host != nil {
		if err := s.host.Restore(img.Host); err != nil {
			return fmt.Errorf("restoring the WASI state: %w", err)
		}
	}
	s.entry, s.ended = entry, false
	if err := s.startTimeline(img.Counter); err != nil {
		return err
	}
	if img.Host != nil && img.Host.Exited {
		s.ended = true
		s.stop = Stop{Reason: Exited, Counter: img.Counter, ExitCode: img.Host.ExitCode}
	} else if len(img.Frames) == 0 {
		s.ended = true
		s.stop = Stop{Reason: Finished, Counter: img.Counter}
	}
	return nil
}

// Close releases the host's descriptors.
func (s *Session) Close() error {
	if s == nil || s.host == nil {
		return nil
	}
	err := s.host.Close()
	s.host = nil
	return err
}

func (s *Session) Module() *wasm.Module { return s.mod }
func (s *Session) Path() string         { return s.cfg.Path }
func (s *Session) Engine() string       { return s.engine }
func (s *Session) Counter() uint64      { return s.machine.Counter() }

// Depth is the number of frames on the call stack.
func (s *Session) Depth() int { return s.machine.Depth() }

func (s *Session) PC() (fn, offset uint32, ok bool) { return s.machine.PC() }

// Frames returns the typed call stack, bottom first.
func (s *Session) Frames() []snapshot.Frame { return s.machine.Frames() }

// Globals returns every global's value, imported first.
func (s *Session) Globals() []snapshot.Value {
	out := make([]snapshot.Value, len(s.mod.Globals))
	for i := range out {
		g := s.machine.Global(uint32(i))
		out[i] = snapshot.Value{Type: s.mod.Globals[i].Type, Lo: g.Lo, Hi: g.Hi}
	}
	return out
}

// Memory returns memory 0, or nil. Read only: use WriteMemory.
func (s *Session) Memory() *engines.Memory {
	if len(s.mod.Memories) == 0 {
		return nil
	}
	return s.machine.Memory(0)
}

// State is the last stop.
func (s *Session) State() Stop { return s.stop }

func (s *Session) funcName(fn uint32) string {
	if int(fn) < len(s.mod.Funcs) {
		return s.mod.Funcs[fn].DisplayName()
	}
	return fmt.Sprintf("func[%d]", fn)
}

// Reason says why the program stopped.
type Reason int

const (
	Entry         Reason = iota // just created, restarted or loaded
	Step                        // a step command completed
	BreakpointHit               // Stop.Breakpoint
	WatchpointHit               // Stop.Watch
	Interrupted                 // Interrupt was called
	Exited                      // proc_exit; Stop.ExitCode
	Finished                    // the entry function returned; Stop.Results
	Trapped                     // Stop.Trap; the trapping instruction is not retired
	StartOfTime                 // reverse execution reached the earliest reachable moment
	Arrived                     // Goto reached its counter
)

func (r Reason) String() string {
	names := [...]string{"entry", "step", "breakpoint", "watchpoint", "interrupted", "exited", "finished", "trapped", "start of time", "arrived"}
	if r < 0 || int(r) >= len(names) {
		return fmt.Sprintf("reason(%d)", int(r))
	}
	return names[r]
}

// Stop is where and why the program stopped.
type Stop struct {
	Reason       Reason
	Counter      uint64
	Func, Offset uint32 // PC; HasPC false after the program ended with no frame
	HasPC        bool
	Breakpoint   *Breakpoint // BreakpointHit
	Watch        *WatchHit   // WatchpointHit
	ExitCode     uint32
	Results      []uint64
	Trap         *engines.Trap
}

// WatchHit is a watchpoint's change.
type WatchHit struct {
	Watchpoint *Watchpoint
	Old, New   []byte // the watched bytes before and after the change (little-endian value bytes for a global)
}

// here returns a Stop for the present with reason r.
func (s *Session) here(r Reason) Stop {
	st := Stop{Reason: r, Counter: s.machine.Counter()}
	st.Func, st.Offset, st.HasPC = s.machine.PC()
	return st
}

// Interrupt makes the move in progress return Reason Interrupted at an
// instruction boundary. Safe from any goroutine.
func (s *Session) Interrupt() {
	s.mu.Lock()
	m := s.machine
	s.mu.Unlock()
	m.Interrupt()
	if h := s.host; h != nil {
		h.Interrupt()
	}
}

// Snapshot returns the present, with host state and module bytes, as
// `wdb run --checkpoint-*` writes it. Its memory pages may be shared with
// the timeline: do not modify them.
func (s *Session) Snapshot() (*snapshot.Snapshot, error) {
	sn, err := s.machine.Snapshot()
	if err != nil {
		return nil, fmt.Errorf("snapshot at counter %d: %w", s.machine.Counter(), err)
	}
	sn.Host = s.host.State()
	sn.Module = s.mod.Bytes
	sn.ModuleHash = s.hash
	return sn, nil
}

// takeSnapshot adds the present to the timeline.
func (s *Session) takeSnapshot(fork bool) error {
	t0 := time.Now()
	sn, err := s.Snapshot()
	if err != nil {
		return err
	}
	c := sn.Counter
	s.tl.add(&point{snap: sn, entry: s.entry, fork: fork}, c)
	s.tl.measuredSnapshot(time.Since(t0))
	return nil
}

// SaveCheckpoint writes the present to path (atomically), as an image
// `wdb resume` continues.
func (s *Session) SaveCheckpoint(path string) error {
	sn, err := s.Snapshot()
	if err != nil {
		return err
	}
	return snapshot.WriteFile(path, sn, snapshot.EncodeOptions{})
}

// SaveForkImage writes the present as an image of the fork fl into the
// new directory dir (crfork.Export), one the fork's --restore or
// `wdb resume --module` continues. A state the format cannot express (a
// file open, a table changed, the program ended) is refused with
// crfork's reason and nothing is written.
func (s *Session) SaveForkImage(dir string, fl crfork.Flavor) error {
	sn, err := s.Snapshot()
	if err != nil {
		return err
	}
	base, err := s.initial()
	if err != nil {
		return err
	}
	return crfork.Export(sn, s.mod, base, fl, dir)
}

// initial is the state of the freshly instantiated module, which the fork
// format leaves out (crfork).
func (s *Session) initial() (*snapshot.Snapshot, error) {
	m, err := s.instantiate(s.engine)
	if err != nil {
		return nil, err
	}
	return m.Snapshot()
}

// loadFork makes the fork image in dir the present (see OpenFork).
func (s *Session) loadFork(dir string) error {
	if !crfork.IsImage(dir) {
		return fmt.Errorf("%s: a directory, but not a fork image (no frame.img)", dir)
	}
	base, err := s.initial()
	if err != nil {
		return err
	}
	img, err := crfork.Import(dir, s.mod, base)
	if err != nil {
		return err
	}
	img.Host = s.freshHost
	if err := s.load(img); err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	return nil
}

// LoadCheckpoint makes the image at path the present, on a new timeline
// starting there. The image must come from the same module. A directory
// is an image of the WAMR / WasmEdge forks (as OpenFork).
func (s *Session) LoadCheckpoint(path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return s.loadFork(path)
	}
	img, err := snapshot.ReadFile(path)
	if err != nil {
		return err
	}
	if err := s.load(img); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// SwitchEngine carries on on another engine from the present. The
// timeline's snapshots are engine-neutral and stay valid.
func (s *Session) SwitchEngine(name string) error {
	if name == s.engine {
		return nil
	}
	sn, err := s.machine.Snapshot()
	if err != nil {
		return fmt.Errorf("switch-engine: %w", err)
	}
	m, err := s.instantiate(name)
	if err != nil {
		return fmt.Errorf("switch-engine: %w", err)
	}
	if err := m.Restore(sn); err != nil {
		return fmt.Errorf("switch-engine %s: %w", name, err)
	}
	if len(sn.Frames) == 0 && !s.ended && s.entry < len(s.entries) {
		if err := m.Start(s.entries[s.entry].fn, s.entries[s.entry].args); err != nil {
			return fmt.Errorf("switch-engine %s: %w", name, err)
		}
	}
	s.mu.Lock()
	s.machine, s.engine = m, name
	s.mu.Unlock()
	s.syncBreakpoints()
	return nil
}

// restore makes a timeline point the present: the machine takes its
// state, and the host replays its log from there.
func (s *Session) restore(p *point) error {
	if err := s.machine.Restore(p.snap); err != nil {
		return fmt.Errorf("restoring the timeline at counter %d: %w", p.counter(), err)
	}
	s.host.Seek(p.counter())
	s.entry, s.ended = p.entry, false
	if len(p.snap.Frames) == 0 && s.entry < len(s.entries) {
		if err := s.machine.Start(s.entries[s.entry].fn, s.entries[s.entry].args); err != nil {
			return err
		}
	}
	return nil
}

// Changing state forks the timeline.

// SetLocal sets local index of a frame (0: innermost).
func (s *Session) SetLocal(frame int, index uint32, v snapshot.Value) error {
	return s.edit(func(sn *snapshot.Snapshot) error {
		f, err := frameOf(sn, frame)
		if err != nil {
			return err
		}
		if int(index) >= len(f.Locals) {
			return fmt.Errorf("frame %d (%s) has %d locals, no local %d", frame, s.funcName(f.Func), len(f.Locals), index)
		}
		if f.Locals[index].Type != v.Type {
			return fmt.Errorf("local %d of frame %d (%s) is %v, not %v", index, frame, s.funcName(f.Func), f.Locals[index].Type, v.Type)
		}
		f.Locals[index] = v
		return nil
	})
}

// SetStack sets an operand stack slot of a frame (slot 0: the bottom).
func (s *Session) SetStack(frame int, slot int, v snapshot.Value) error {
	return s.edit(func(sn *snapshot.Snapshot) error {
		f, err := frameOf(sn, frame)
		if err != nil {
			return err
		}
		if slot < 0 || slot >= len(f.Stack) {
			return fmt.Errorf("frame %d (%s) has %d operands on its stack, no slot %d", frame, s.funcName(f.Func), len(f.Stack), slot)
		}
		if f.Stack[slot].Type != v.Type {
			return fmt.Errorf("stack slot %d of frame %d (%s) is %v, not %v", slot, frame, s.funcName(f.Func), f.Stack[slot].Type, v.Type)
		}
		f.Stack[slot] = v
		return nil
	})
}

// SetGlobal sets a global (mutable or not: the debugger may).
func (s *Session) SetGlobal(index uint32, v snapshot.Value) error {
	return s.edit(func(sn *snapshot.Snapshot) error {
		if int(index) >= len(sn.Globals) {
			return fmt.Errorf("the module has %d globals, no global %d", len(sn.Globals), index)
		}
		if sn.Globals[index].Type != v.Type {
			return fmt.Errorf("global %d is %v, not %v", index, sn.Globals[index].Type, v.Type)
		}
		sn.Globals[index] = v
		return nil
	})
}

// WriteMemory writes b at addr in memory 0.
func (s *Session) WriteMemory(addr uint32, b []byte) error {
	return s.edit(func(sn *snapshot.Snapshot) error {
		if len(sn.Memories) == 0 {
			return errors.New("the module has no memory")
		}
		m := &sn.Memories[0]
		if end := uint64(addr) + uint64(len(b)); end > uint64(m.Size)*snapshot.PageSize {
			return fmt.Errorf("writing %d bytes at 0x%x: past the end of memory (0x%x bytes)", len(b), addr, uint64(m.Size)*snapshot.PageSize)
		}
		for i := 0; i < len(b); {
			a := uint64(addr) + uint64(i)
			p, off := a/snapshot.PageSize, a%snapshot.PageSize
			page := make([]byte, snapshot.PageSize) // never write a page that may be shared
			copy(page, m.Pages[p])
			n := copy(page[off:], b[i:])
			m.Pages[p] = page
			i += n
		}
		return nil
	})
}

func frameOf(sn *snapshot.Snapshot, frame int) (*snapshot.Frame, error) {
	if frame < 0 || frame >= len(sn.Frames) {
		return nil, fmt.Errorf("no frame %d (the call stack has %d frames)", frame, len(sn.Frames))
	}
	return &sn.Frames[len(sn.Frames)-1-frame], nil
}

// edit changes the present's state and forks the timeline: snapshot,
// change, restore; the WASI log and the snapshots after the present are
// discarded, and the edited state is kept as a fork point that replays
// from the past pass through.
func (s *Session) edit(change func(*snapshot.Snapshot) error) error {
	if s.ended && s.stop.Reason != Trapped {
		return fmt.Errorf("the program has ended (%v): there is no state to change", s.stop.Reason)
	}
	sn, err := s.machine.Snapshot()
	if err != nil {
		return err
	}
	if err := change(sn); err != nil {
		return err
	}
	c := sn.Counter
	if err := s.machine.Restore(sn); err != nil {
		return fmt.Errorf("changing the state at counter %d: %w", c, err)
	}
	if err := s.host.Truncate(c); err != nil {
		return err
	}
	s.tl.cut(c)
	for _, st := range s.brk {
		st.hits.cut(c + 1)
	}
	for _, st := range s.wat {
		st.hits.cut(c + 1)
	}
	s.ended = false
	s.stop = s.here(s.stop.Reason)
	return s.takeSnapshot(true)
}

// Timeline describes the snapshots and where the present is.
func (s *Session) Timeline() TimelineInfo {
	return s.tl.info(s.machine.Counter())
}

// SetBudget sets the timeline's memory budget (0: DefaultBudget) and
// drops snapshots to fit it.
func (s *Session) SetBudget(bytes int64) {
	if bytes <= 0 {
		bytes = DefaultBudget
	}
	s.tl.budget = bytes
	s.tl.fit(s.machine.Counter())
}

// TimelineInfo describes the timeline.
type TimelineInfo struct {
	Start, Present, End uint64         // earliest reachable counter, the present, the furthest counter executed on this fork
	Snapshots           []SnapshotInfo // by counter
	Bytes, Budget       int64          // memory held by the snapshots, and the budget
}

// SnapshotInfo describes one snapshot of the timeline.
type SnapshotInfo struct {
	Counter uint64
	Bytes   int64 // memory this snapshot holds on its own (pages it does not share)
}
