// Package debugger runs a WebAssembly program under control: breakpoints,
// watchpoints, stepping, time travel over a timeline of engine-neutral
// snapshots, engine switching and checkpoints (docs/time-travel.md).
//
// The API is the contract of /work/briefs/debugger-api.md; changes to it
// are listed here for the command layer.
package debugger

import (
	"errors"
	"fmt"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/wasi"
	"github.com/wdb-dev/wdb/wasm"
)

var errNotYet = errors.New("not implemented yet")

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
}

// Session is one program under the debugger.
type Session struct {
	cfg Config
}

// New prepares the program and stops before its first instruction
// (counter 0, Stop.Reason Entry).
func New(cfg Config) (*Session, error) { return nil, errNotYet }

// Open starts from a checkpoint image, stopped at its PC; the timeline
// begins at the image's counter.
func Open(cfg Config, img *snapshot.Snapshot) (*Session, error) { return nil, errNotYet }

func (s *Session) Close() error { return nil }

func (s *Session) Module() *wasm.Module             { return s.cfg.Module }
func (s *Session) Path() string                     { return s.cfg.Path }
func (s *Session) Engine() string                   { return s.cfg.Engine }
func (s *Session) Counter() uint64                  { return 0 }
func (s *Session) PC() (fn, offset uint32, ok bool) { return 0, 0, false }
func (s *Session) Frames() []snapshot.Frame         { return nil }
func (s *Session) Globals() []snapshot.Value        { return nil }
func (s *Session) Memory() *engines.Memory          { return nil }
func (s *Session) State() Stop                      { return Stop{} }

// Reason says why the program stopped.
type Reason int

const (
	Entry Reason = iota // just created, restarted or loaded
	Step                // a step command completed
	BreakpointHit
	WatchpointHit
	Interrupted
	Exited      // proc_exit; Stop.ExitCode
	Finished    // the entry function returned; Stop.Results
	Trapped     // Stop.Trap; the trapping instruction is not retired
	StartOfTime // reverse execution reached the earliest reachable moment
	Arrived     // Goto reached its counter
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
	Old, New   []byte // the watched bytes before and after the change
}

func (s *Session) Continue() (Stop, error)           { return Stop{}, errNotYet }
func (s *Session) StepInstruction() (Stop, error)    { return Stop{}, errNotYet }
func (s *Session) Next() (Stop, error)               { return Stop{}, errNotYet }
func (s *Session) Finish() (Stop, error)             { return Stop{}, errNotYet }
func (s *Session) ReverseStep() (Stop, error)        { return Stop{}, errNotYet }
func (s *Session) ReverseNext() (Stop, error)        { return Stop{}, errNotYet }
func (s *Session) ReverseFinish() (Stop, error)      { return Stop{}, errNotYet }
func (s *Session) ReverseContinue() (Stop, error)    { return Stop{}, errNotYet }
func (s *Session) Goto(counter uint64) (Stop, error) { return Stop{}, errNotYet }
func (s *Session) Restart() (Stop, error)            { return Stop{}, errNotYet }
func (s *Session) Interrupt()                        {}

// Location is an instruction: Offset is its file offset.
type Location struct{ Func, Offset uint32 }

func (s *Session) ResolveLocation(spec string) (Location, error) { return Location{}, errNotYet }

// Breakpoint stops the program before an instruction.
type Breakpoint struct {
	ID int
	Location
	Condition    string               // the text, for listings
	Cond         func() (bool, error) // nil: always; evaluated at the stop
	HitCondition string               // "", "N", ">= N", "== N", "% N"
	LogMessage   string               // non-empty: a log point
	Log          func(bp *Breakpoint) // called instead of stopping for log points
	Hits         int                  // times reached with a true condition
}

func (s *Session) AddBreakpoint(bp Breakpoint) (*Breakpoint, error) { return nil, errNotYet }

// WatchKind says what a watchpoint watches.
type WatchKind int

const (
	WatchMemory WatchKind = iota
	WatchGlobal
)

// Watchpoint stops the program after an instruction that changed a value.
type Watchpoint struct {
	ID        int
	Kind      WatchKind
	Addr, Len uint32 // WatchMemory: bytes [Addr, Addr+Len) of memory 0
	Global    uint32 // WatchGlobal
	Hits      int
}

func (s *Session) AddWatchpoint(w Watchpoint) (*Watchpoint, error) { return nil, errNotYet }
func (s *Session) Delete(id int) error                             { return errNotYet }
func (s *Session) DeleteAll()                                      {}
func (s *Session) Breakpoints() []*Breakpoint                      { return nil }
func (s *Session) Watchpoints() []*Watchpoint                      { return nil }

func (s *Session) SetLocal(frame int, index uint32, v snapshot.Value) error { return errNotYet }
func (s *Session) SetStack(frame int, slot int, v snapshot.Value) error     { return errNotYet }
func (s *Session) SetGlobal(index uint32, v snapshot.Value) error           { return errNotYet }
func (s *Session) WriteMemory(addr uint32, b []byte) error                  { return errNotYet }

func (s *Session) SwitchEngine(name string) error        { return errNotYet }
func (s *Session) Snapshot() (*snapshot.Snapshot, error) { return nil, errNotYet }
func (s *Session) SaveCheckpoint(path string) error      { return errNotYet }
func (s *Session) LoadCheckpoint(path string) error      { return errNotYet }

// TimelineInfo describes the timeline.
type TimelineInfo struct {
	Start, Present, End uint64
	Snapshots           []SnapshotInfo
	Bytes, Budget       int64
}

// SnapshotInfo describes one snapshot of the timeline.
type SnapshotInfo struct {
	Counter uint64
	Bytes   int64
}

func (s *Session) Timeline() TimelineInfo { return TimelineInfo{} }
func (s *Session) SetBudget(bytes int64)  {}
