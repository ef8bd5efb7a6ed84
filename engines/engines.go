// Package engines defines what every interpreter of wdb implements, the
// runtime objects that instances share (memories, tables, globals, host
// functions), the instance layer every engine embeds, and the registry of
// engines by name.
//
// The contract (docs/architecture.md, docs/execution-model.md): an engine
// can stop at, report, snapshot and restore at any instruction boundary of
// the original bytecode, and counts retired instructions exactly.
//
// # The shared instance layer
//
// What does not depend on an engine's layout is written once, here, and
// engines embed it: an engine's machine embeds an Instance by value (so its
// interpreter loop reads Globals, Refs, FastLimit or StopDepth at a fixed
// offset of the machine, with no indirection) and its Instantiate calls
// Instance.Init, which checks the imports, registers the machine in the
// store, creates the tables, memories and globals, evaluates the constant
// expressions and applies the active segments. Instance then provides the
// Machine methods that are the same for every engine: Module, ID, Memory,
// Table, Global, Export, Start, Run, Call, Frames, Snapshot, Restore and
// (through its Runner) Interrupt. It also holds the module-level half of
// snapshots (SnapshotState, CheckSnapshot, RestoreState and the funcref
// conversions), host calls (CallExtern, HostCall, Foreign) and the stop
// conditions (Runner: the Run in progress, breakpoints, the interrupt
// flag, the fast-code limit, ChooseMode, BoundaryStop).
//
// The engine's half is the Interp interface: its interpreter loop (Exec),
// its positions (Position, Reset, SaveActivation, PushCall, ResumeCaller,
// Results), the choice of fast or precise code (SetPrecise, Window), its
// frames in neutral form (FrameStates, RestoreFrames), its traps
// (MakeTrap) and its memory cache (ReloadMemory). Instance calls them only
// between runs of the loop, never inside it, so the loops are exactly as
// fast as they would be alone. Engines still share nothing else: no engine
// imports another.
package engines

import (
	"fmt"
	"sort"
	"sync"

	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/wasm"
)

// Engine compiles validated modules into programs.
type Engine interface {
	Name() string
	Compile(m *wasm.Module, opts Options) (Program, error)
}

// Options bound what a guest may use.
type Options struct {
	// MaxCallDepth is the deepest call stack before "call stack exhausted"
	// (0: DefaultMaxCallDepth).
	MaxCallDepth int
	// MaxMemoryPages caps memory growth below the module's own maximum
	// (0: the spec's 65536 pages).
	MaxMemoryPages uint32
}

const DefaultMaxCallDepth = 10000

// Program is a compiled module, ready to be instantiated any number of times.
type Program interface {
	Module() *wasm.Module
	// Instantiate creates an instance in store. imports match the module's
	// import section one to one. It allocates memories, tables and globals
	// and applies the active segments (which may trap), but does not run the
	// start function: callers Start it themselves.
	Instantiate(store *Store, imports []Extern) (Machine, error)
}

// StoreWatcher is a Machine that watches memory in its stores, which
// makes memory watchpoints cheap: SetStoreWatch(ranges) makes Run stop
// before a store instruction to memory 0 (i32/i64/f32/f64 stores of any
// width) whose bytes overlap one of ranges, as at a breakpoint (Event
// Breakpoint; never at the first instruction of a Run nor in a nested
// Call). Stores that miss run on. nil: no ranges. memory.fill, copy and
// init and host calls are not watched: the debugger sets breakpoints on
// them. Independent of SetBreakpoints.
type StoreWatcher interface {
	SetStoreWatch(ranges []MemRange)
}

// MemRange is the bytes [Addr, Addr+Len) of a memory.
type MemRange struct{ Addr, Len uint32 }

// Machine is one running instance. It is not safe for concurrent use,
// except Interrupt.
type Machine interface {
	Engine() string
	Module() *wasm.Module
	// ID is the instance's number in its store (see Store, FuncRef).
	ID() uint32

	// Start discards any activation and prepares a call of function fn:
	// the next Run begins at the function's first instruction (for a host
	// function, Run performs the call atomically).
	Start(fn uint32, args []uint64) error
	// Run executes until a stop condition holds or the started call ends.
	Run(stop Stop) Event
	// SetBreakpoints replaces the set of breakpoints (file offsets of
	// instructions). Run stops before executing an instruction that holds
	// one, except the very first instruction of that Run.
	SetBreakpoints(offsets []uint32)
	// Interrupt makes a Run in progress return Interrupted soon, at an
	// instruction boundary. Safe to call from any goroutine.
	Interrupt()

	// Counter is the number of instructions retired (docs/execution-model.md).
	Counter() uint64
	// Depth is the number of frames on the call stack.
	Depth() int
	// PC is the top frame's function and the file offset of its next
	// instruction. ok is false when nothing is running.
	PC() (fn uint32, offset uint32, ok bool)
	// Frames returns the typed call stack, bottom first.
	Frames() []snapshot.Frame

	Memory(i uint32) *Memory
	Table(i uint32) *Table
	Global(i uint32) *Global

	// Snapshot captures the complete state at the current instruction
	// boundary. Restore replaces the state with s (which may come from
	// another engine); s must belong to the same module.
	Snapshot() (*snapshot.Snapshot, error)
	Restore(s *snapshot.Snapshot) error

	// Call runs function fn to completion and returns its results. It may
	// be used while the machine is stopped inside a host call (a nested
	// call); it does not disturb a started activation's state otherwise.
	Call(fn uint32, args []uint64) ([]uint64, error)
	// Export returns the export called name.
	Export(name string) (Extern, bool)
}

// Stop says when Run must stop (in addition to breakpoints, the end of
// the started call, a trap or an exit).
type Stop struct {
	// Limit is the absolute counter at which to stop; NoLimit for none.
	Limit uint64
	// ReturnDepth, when positive, stops at the first instruction boundary
	// after a return that leaves Depth() <= ReturnDepth (step over / out).
	ReturnDepth int
}

// NoLimit is a Stop.Limit that never fires.
const NoLimit = ^uint64(0)

// EventKind says why Run returned.
type EventKind int

const (
	Done         EventKind = iota // the started call returned; Event.Results holds its results
	Breakpoint                    // stopped before an instruction holding a breakpoint
	LimitReached                  // Counter() reached Stop.Limit
	Returned                      // a return satisfied Stop.ReturnDepth
	Interrupted                   // Interrupt was called
	Exited                        // the guest called proc_exit; Event.ExitCode holds its code
	Trapped                       // a trap; Event.Trap says which and where
)

func (k EventKind) String() string {
	return [...]string{"done", "breakpoint", "limit", "returned", "interrupted", "exited", "trapped"}[k]
}

// Event is the result of Run.
type Event struct {
	Kind     EventKind
	Results  []uint64
	ExitCode uint32
	Trap     *Trap
}

// Trap is a runtime error of the guest. Msg is the spec's message.
// The machine stays stopped at the trapping instruction, which is not
// counted as retired.
type Trap struct {
	Msg string
	// Func and Offset locate the trapping instruction.
	Func   uint32
	Offset uint32
	// Backtrace lists the frames at the trap, innermost first.
	Backtrace []Location
	// Cause is the host function's error, for traps raised by the host.
	Cause error
}

// Location is a function index and a file offset.
type Location struct {
	Func   uint32
	Offset uint32
}

func (t *Trap) Error() string { return t.Msg }

func (t *Trap) Unwrap() error { return t.Cause }

// ExitError is returned by a host function to end the program (proc_exit).
type ExitError struct{ Code uint32 }

func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// HostFunc is a function provided by the embedder (WASI, the spec test
// harness, or another instance's export).
type HostFunc struct {
	Module, Name string
	Type         wasm.FuncType
	// Call receives the calling machine (for its memory), the parameters,
	// and a results slice of the right length to fill. Returning an
	// *ExitError ends the program; any other error is a trap.
	Call func(caller Machine, params, results []uint64) error
}

// Extern is an importable or exportable object.
type Extern struct {
	Kind   wasm.ExternKind
	Func   *HostFunc
	Table  *Table
	Memory *Memory
	Global *Global
	// Owner and Index identify an exported wasm function (Kind ExternFunc)
	// in its instance, so that references to it keep their identity.
	Owner Machine
	Index uint32
}

// Store holds the instances that can reference each other's functions.
// A funcref value is FuncRef(instance ID, function index).
type Store struct {
	mu        sync.Mutex
	instances []Machine
}

// NewStore returns an empty store.
func NewStore() *Store { return &Store{} }

// Add registers m and returns its instance ID. Engines call it from
// Instantiate.
func (s *Store) Add(m Machine) uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.instances = append(s.instances, m)
	return uint32(len(s.instances) - 1)
}

// NextID returns the ID the next Add will assign.
func (s *Store) NextID() uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return uint32(len(s.instances))
}

// Instance returns the instance with the given ID, or nil.
func (s *Store) Instance(id uint32) Machine {
	s.mu.Lock()
	defer s.mu.Unlock()
	if int(id) >= len(s.instances) {
		return nil
	}
	return s.instances[id]
}

// FuncRef encodes a non-null function reference. 0 is the null reference.
func FuncRef(instance, fn uint32) uint64 { return uint64(instance)<<32 | uint64(fn+1) }

// DecodeFuncRef splits a non-null function reference.
func DecodeFuncRef(ref uint64) (instance, fn uint32) {
	return uint32(ref >> 32), uint32(ref) - 1
}

var (
	registryMu sync.Mutex
	registry   = map[string]Engine{}
)

// Register makes an engine available by name. Engine packages call it
// from init.
func Register(e Engine) {
	registryMu.Lock()
	defer registryMu.Unlock()
	registry[e.Name()] = e
}

// Get returns the engine called name.
func Get(name string) (Engine, error) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if e, ok := registry[name]; ok {
		return e, nil
	}
	return nil, fmt.Errorf("unknown engine %q (available: %v)", name, namesLocked())
}

// Names lists the registered engines, sorted.
func Names() []string {
	registryMu.Lock()
	defer registryMu.Unlock()
	return namesLocked()
}

func namesLocked() []string {
	var out []string
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
