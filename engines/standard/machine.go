package standard

import (
	"fmt"
	"math"
	"sync/atomic"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// slot is one value stack entry: 128 bits, zero-padded. Every value this
// engine supports fits in lo (i32 and f32 zero-extended); hi stays zero.
type slot struct{ lo, hi uint64 }

// frame is one activation on the call stack.
type frame struct {
	fn *function
	// pc is the index of the call instruction in progress. It is only
	// meaningful for frames below the top; the top frame's pc lives in
	// machine.pc.
	pc   int
	base int // slot index of local 0
}

const (
	initialStackSlots = 1024
	// maxStackSlots bounds the value stack (64 MiB); deeper use traps
	// "call stack exhausted".
	maxStackSlots = 4 << 20
)

// status is why exec returned.
type status uint8

const (
	stRunning status = iota // keep going (only returned by helpers)
	stCheck                 // a fast-mode check point: evaluate the stop conditions
	stReturn                // a return left Depth() <= stopDepth
	stStop                  // a stop condition holds; m.event says which
	stTrap                  // m.trap* say which
	stExit                  // the guest exited; m.exitCode
)

// runState describes the Run (or nested Call) in progress.
type runState struct {
	limit        uint64 // Stop.Limit
	returnDepth  int    // Stop.ReturnDepth
	baseDepth    int    // the depth at which the started call has returned
	startCounter uint64 // the counter at the first instruction of this Run
	nested       bool   // a Call: no breakpoints, no limit
	precise      bool   // running the precise (stepping) code
}

// machine is an instance of a program.
type machine struct {
	prog  *program
	mod   *wasm.Module
	store *engines.Store
	id    uint32

	// Execution state. While exec runs, pc, sp and base are held in its
	// local variables and written back at every exit and call; code only
	// changes with the top frame, and whoever changes it updates m.code.
	code   []op // the top frame's active code
	pc     int  // the top frame's next instruction
	sp     int  // the first free slot
	base   int  // the top frame's locals
	stack  []slot
	frames []frame
	depth  int // frames in use

	// cbase + pc is the counter: a taken jump from instruction j to k adds
	// j+1-k, so straight-line execution needs no bookkeeping at all.
	cbase int64
	// fastLimit: the fast mode stops at a check point (back branch, call,
	// return) once cbase reaches it. Interrupt lowers it to MinInt64.
	fastLimit atomic.Int64
	interrupt atomic.Bool

	run       runState
	stopDepth int // a return leaving depth <= stopDepth ends exec (stReturn)
	// active[f] is the code run for function f: the program's, a copy
	// with breakpoints patched in, or (precise mode) the stepping code.
	active   [][]op
	fastCode [][]op
	stepCode [][]op
	// bp[f][i] is set when instruction i of function f holds a breakpoint.
	bp    [][]bool
	hasBP bool

	// startFn is the function Start prepared; pendingHost is set when it
	// is an import that Run has yet to call.
	startFn     *function
	pendingHost bool
	pendingArgs []uint64
	// inHost counts the host calls in progress.
	inHost int
	// nested counts the Calls in progress.
	nested int

	funcs   []*function
	imports []engines.Extern // function imports, by function index
	refs    []uint64         // refs[f] is the reference value of function f
	mem     *engines.Memory  // memory 0, or nil
	// memData caches mem.Data for the dispatch loop; reloadMemory
	// refreshes it after anything that may have grown or replaced it.
	memData  []byte
	memories []*engines.Memory
	tables   []*engines.Table
	globals  []*engines.Global
	elems    [][]uint64 // element segments' references; nil once dropped
	datas    [][]byte   // data segments; nil once dropped
	dropElem []bool
	dropData []bool

	// hostArgs is a stack of parameter/result buffers for host calls.
	hostArgs []uint64

	// Set when exec returns stStop, stTrap or stExit.
	event     engines.EventKind
	trapMsg   string
	trapCause error
	exitCode  uint32
}

var _ engines.Machine = (*machine)(nil)

func (m *machine) Engine() string       { return "standard" }
func (m *machine) Module() *wasm.Module { return m.mod }
func (m *machine) ID() uint32           { return m.id }
func (m *machine) Depth() int           { return m.depth }

// Counter is the number of instructions retired.
func (m *machine) Counter() uint64 { return uint64(m.cbase + int64(m.pc)) }

// top returns the top frame's function.
func (m *machine) top() *function { return m.frames[m.depth-1].fn }

func (m *machine) PC() (uint32, uint32, bool) {
	if m.depth == 0 {
		return 0, 0, false
	}
	fn := m.top()
	return fn.index, fn.def.Instrs[m.pc].Offset, true
}

func (m *machine) Memory(i uint32) *engines.Memory {
	if int(i) < len(m.memories) {
		return m.memories[i]
	}
	return nil
}

func (m *machine) Table(i uint32) *engines.Table {
	if int(i) < len(m.tables) {
		return m.tables[i]
	}
	return nil
}

func (m *machine) Global(i uint32) *engines.Global {
	if int(i) < len(m.globals) {
		return m.globals[i]
	}
	return nil
}

// Interrupt makes the Run in progress (or, if none, the next one) return
// Interrupted at an instruction boundary. Safe from any goroutine.
func (m *machine) Interrupt() {
	m.interrupt.Store(true)
	m.fastLimit.Store(math.MinInt64)
}

// SetBreakpoints replaces the breakpoints. Offsets that are not the start
// of an instruction of a defined function are ignored.
func (m *machine) SetBreakpoints(offsets []uint32) {
	for i, fn := range m.prog.funcs {
		m.fastCode[i] = fn.code
	}
	m.bp = make([][]bool, len(m.prog.funcs))
	m.hasBP = false
	for _, off := range offsets {
		f, ok := m.mod.FuncAt(off)
		if !ok {
			continue
		}
		i, ok := f.InstrAt(off)
		if !ok {
			continue
		}
		fn := m.prog.funcs[f.Index]
		if m.bp[f.Index] == nil {
			m.bp[f.Index] = make([]bool, len(fn.code))
			m.fastCode[f.Index] = append([]op(nil), fn.code...)
		}
		m.bp[f.Index][i] = true
		m.fastCode[f.Index][i] = op{code: opBreak}
		m.hasBP = true
	}
	if !m.run.precise && m.depth > 0 {
		m.code = m.active[m.top().index]
	}
}

// Start discards any activation and prepares a call of fn.
func (m *machine) Start(fn uint32, args []uint64) error {
	if m.inHost > 0 || m.nested > 0 {
		return fmt.Errorf("standard: Start called during a call")
	}
	if int(fn) >= len(m.funcs) {
		return fmt.Errorf("standard: Start: no function %d", fn)
	}
	f := m.funcs[fn]
	if len(args) != f.numParams {
		return fmt.Errorf("standard: Start: %s takes %d arguments, got %d", f.def.DisplayName(), f.numParams, len(args))
	}
	counter := m.Counter()
	m.depth, m.sp, m.pc, m.base = 0, 0, 0, 0
	m.cbase = int64(counter)
	m.startFn = f
	m.pendingHost = false
	m.pendingArgs = nil
	if f.imported {
		m.pendingHost = true
		m.pendingArgs = append([]uint64(nil), args...)
		return nil
	}
	if len(args) > len(m.stack) && !m.growStack(len(args)) {
		return &engines.Trap{Msg: msgCallStack}
	}
	for i, a := range args {
		m.stack[i] = slot{lo: a}
	}
	m.sp = len(args)
	if st := m.enter(f); st != stRunning {
		m.depth, m.sp = 0, 0
		return &engines.Trap{Msg: m.trapMsg}
	}
	return nil
}

// Run executes until a stop condition holds or the started call ends.
func (m *machine) Run(stop engines.Stop) (ev engines.Event) {
	if m.inHost > 0 || m.nested > 0 {
		return engines.Event{Kind: engines.Trapped, Trap: &engines.Trap{Msg: "standard: Run called during a call"}}
	}
	defer m.recoverInternal(&ev)
	m.reloadMemory()
	if m.pendingHost {
		return m.runPendingHost(stop)
	}
	if m.depth == 0 {
		return engines.Event{Kind: engines.Done}
	}
	m.run = runState{limit: stop.Limit, returnDepth: stop.ReturnDepth, startCounter: m.Counter()}
	m.stopDepth = max(0, stop.ReturnDepth)
	if ev, ok := m.boundaryStop(); ok {
		return ev
	}
	m.chooseMode()
	for {
		switch m.exec() {
		case stCheck:
			if ev, ok := m.boundaryStop(); ok {
				return ev
			}
			m.chooseMode()
		case stReturn:
			if m.depth == 0 {
				n := m.startFn.numResults
				res := make([]uint64, n)
				for i := range res {
					res[i] = m.stack[i].lo
				}
				m.sp = 0
				return engines.Event{Kind: engines.Done, Results: res}
			}
			m.resumeCaller()
			if m.Counter() == m.run.limit {
				return engines.Event{Kind: engines.LimitReached}
			}
			return engines.Event{Kind: engines.Returned}
		case stStop:
			return engines.Event{Kind: m.event}
		case stTrap:
			return engines.Event{Kind: engines.Trapped, Trap: m.makeTrap()}
		case stExit:
			m.exitActivation()
			return engines.Event{Kind: engines.Exited, ExitCode: m.exitCode}
		}
	}
}

// runPendingHost performs a started call of an imported function: one
// instruction, atomic.
func (m *machine) runPendingHost(stop engines.Stop) engines.Event {
	if m.Counter() == stop.Limit {
		return engines.Event{Kind: engines.LimitReached}
	}
	if m.interrupt.Swap(false) {
		return engines.Event{Kind: engines.Interrupted}
	}
	f := m.startFn
	results := make([]uint64, f.numResults)
	m.inHost++
	err := m.callExtern(m.imports[f.index], m.pendingArgs, results)
	m.inHost--
	if exit, ok := err.(*engines.ExitError); ok {
		m.pendingHost = false
		m.cbase++
		return engines.Event{Kind: engines.Exited, ExitCode: exit.Code}
	}
	if err != nil {
		return engines.Event{Kind: engines.Trapped, Trap: &engines.Trap{Msg: err.Error(), Func: f.index, Cause: err}}
	}
	m.pendingHost = false
	m.cbase++
	return engines.Event{Kind: engines.Done, Results: results}
}

// exitActivation ends the activation after proc_exit: the exiting call is
// counted and the frames are discarded.
func (m *machine) exitActivation() {
	m.cbase = int64(m.Counter()) + 1
	m.pc, m.depth, m.sp, m.base = 0, 0, 0, 0
}

// reloadMemory refreshes the cached contents of memory 0: after
// memory.grow, host calls and restores, and before every Run and Call
// (the embedder may have changed the memory in between).
func (m *machine) reloadMemory() {
	if m.mem != nil {
		m.memData = m.mem.Data
	}
}

// boundaryStop evaluates the stop conditions at the current instruction
// boundary, in the order of docs/execution-model.md.
func (m *machine) boundaryStop() (engines.Event, bool) {
	c := m.Counter()
	if c == m.run.limit && !m.run.nested {
		return engines.Event{Kind: engines.LimitReached}, true
	}
	if m.hasBP && !m.run.nested && c != m.run.startCounter {
		if bp := m.bp[m.top().index]; bp != nil && bp[m.pc] {
			return engines.Event{Kind: engines.Breakpoint}, true
		}
	}
	if m.interrupt.Swap(false) {
		return engines.Event{Kind: engines.Interrupted}, true
	}
	return engines.Event{}, false
}

// chooseMode selects the fast or the precise code for what remains of the
// Run: precise (every instruction checks the stop conditions) when the
// limit may be reached before the next check point, fast otherwise.
func (m *machine) chooseMode() {
	window := int64(2*m.prog.maxLen + 2)
	c := int64(m.Counter())
	fast := int64(math.MaxInt64)
	// A limit already passed can never be reached.
	if !m.run.nested && m.run.limit <= math.MaxInt64/2 && int64(m.run.limit) >= c {
		fast = int64(m.run.limit) - window
	}
	precise := c >= fast
	if precise {
		fast = math.MaxInt64
	}
	m.setPrecise(precise)
	m.fastLimit.Store(fast)
	if m.interrupt.Load() {
		m.fastLimit.Store(math.MinInt64)
	}
}

func (m *machine) setPrecise(precise bool) {
	m.run.precise = precise
	if precise {
		m.active = m.stepCode
	} else {
		m.active = m.fastCode
	}
	if m.depth > 0 {
		m.code = m.active[m.top().index]
	}
}

// stepStop is opStep's check: it reports whether Run must stop before the
// instruction at m.pc.
//
//go:noinline
func (m *machine) stepStop() bool {
	ev, ok := m.boundaryStop()
	if ok {
		m.event = ev.Kind
	}
	return ok
}

// breakStop is opBreak's check: a breakpoint stops, except at the first
// instruction of a Run and in nested calls.
//
//go:noinline
func (m *machine) breakStop() bool {
	if m.run.nested || m.Counter() == m.run.startCounter {
		return false
	}
	m.event = engines.Breakpoint
	return true
}

// resumeCaller makes the frame below a returned one current again.
func (m *machine) resumeCaller() {
	caller := &m.frames[m.depth-1]
	m.pc = caller.pc + 1
	m.base = caller.base
	m.code = m.active[caller.fn.index]
	m.cbase -= int64(m.pc)
}

// makeTrap describes the trap at the current position.
func (m *machine) makeTrap() *engines.Trap {
	t := &engines.Trap{Msg: m.trapMsg, Cause: m.trapCause}
	if m.depth > 0 {
		fn := m.top()
		t.Func, t.Offset = fn.index, fn.def.Instrs[m.pc].Offset
		t.Backtrace = append(t.Backtrace, engines.Location{Func: t.Func, Offset: t.Offset})
		for i := m.depth - 2; i >= 0; i-- {
			f := &m.frames[i]
			t.Backtrace = append(t.Backtrace, engines.Location{Func: f.fn.index, Offset: f.fn.def.Instrs[f.pc].Offset})
		}
	}
	return t
}

// debugPanics lets tests see a panic's stack instead of a trap.
var debugPanics = false

// recoverInternal turns a Go panic (a bug) into a trap, as a last resort.
func (m *machine) recoverInternal(ev *engines.Event) {
	if r := recover(); r != nil {
		if debugPanics {
			panic(r)
		}
		*ev = engines.Event{Kind: engines.Trapped, Trap: &engines.Trap{Msg: fmt.Sprintf("internal error: %v", r)}}
	}
}

// Export returns the export called name.
func (m *machine) Export(name string) (engines.Extern, bool) {
	for _, e := range m.mod.Exports {
		if e.Name != name {
			continue
		}
		switch e.Kind {
		case wasm.ExternFunc:
			return m.funcExtern(e.Index), true
		case wasm.ExternTable:
			return engines.Extern{Kind: e.Kind, Table: m.tables[e.Index]}, true
		case wasm.ExternMemory:
			return engines.Extern{Kind: e.Kind, Memory: m.memories[e.Index]}, true
		case wasm.ExternGlobal:
			return engines.Extern{Kind: e.Kind, Global: m.globals[e.Index]}, true
		}
	}
	return engines.Extern{}, false
}

// funcExtern exports function idx. A re-exported import keeps its
// identity.
func (m *machine) funcExtern(idx uint32) engines.Extern {
	f := m.funcs[idx]
	if f.imported {
		return m.imports[idx]
	}
	return engines.Extern{
		Kind: wasm.ExternFunc,
		Func: &engines.HostFunc{
			Module: m.mod.ModuleName,
			Name:   f.def.DisplayName(),
			Type:   *f.def.Type,
			Call: func(_ engines.Machine, params, results []uint64) error {
				res, err := m.Call(idx, params)
				copy(results, res)
				return err
			},
		},
		Owner: m,
		Index: idx,
	}
}
