package engines

import (
	"fmt"
	"math"
	"sync/atomic"

	"github.com/wdb-dev/wdb/wasm"
)

// RunState describes the Run (or nested Call) in progress.
type RunState struct {
	Limit        uint64 // Stop.Limit
	ReturnDepth  int    // Stop.ReturnDepth
	BaseDepth    int    // the depth at which the started call has returned
	StartCounter uint64 // the counter at the first instruction of this Run
	Nested       bool   // a Call: no breakpoints, no limit
	Precise      bool   // running the precise (stepping) code
}

// Runner holds what every engine keeps the same way to decide when Run
// stops (docs/execution-model.md): the Run in progress, the breakpoints,
// the interrupt flag, the counter at which fast code must reach a check
// point, and a started call of an imported function. An engine embeds it
// by value next to Instance; its Interrupt method is Machine's.
type Runner struct {
	Current RunState
	// FastLimit: code that does not check every instruction (an engine's
	// fast mode) returns to its check at a check point (back branch,
	// call, return) once its counter base reaches FastLimit. Interrupt
	// lowers it to MinInt64.
	FastLimit atomic.Int64
	interrupt atomic.Bool
	// BP[f][i] is set when instruction i of function f holds a
	// breakpoint; BP and BP[f] are nil where there is none.
	BP    [][]bool
	HasBP bool
	// Nested counts the Calls in progress.
	Nested int
	// Pending is set when Start prepared a call of imported function
	// PendingFn that Run has yet to perform.
	Pending     bool
	PendingFn   uint32
	PendingArgs []uint64
}

// Interrupt makes the Run in progress (or, if none, the next one) return
// Interrupted at an instruction boundary. Safe from any goroutine.
func (r *Runner) Interrupt() {
	r.interrupt.Store(true)
	r.FastLimit.Store(math.MinInt64)
}

// Interrupted reports whether an interrupt is pending.
func (r *Runner) Interrupted() bool { return r.interrupt.Load() }

// TakeInterrupt reports whether an interrupt is pending and clears it.
func (r *Runner) TakeInterrupt() bool { return r.interrupt.Swap(false) }

// SetFastLimit sets FastLimit to v, or MinInt64 while an interrupt is
// pending.
func (r *Runner) SetFastLimit(v int64) {
	r.FastLimit.Store(v)
	if r.interrupt.Load() {
		r.FastLimit.Store(math.MinInt64)
	}
}

// MarkBreakpoints sets BP and HasBP from file offsets. Offsets that are
// not the start of an instruction of a defined function are ignored.
func (r *Runner) MarkBreakpoints(mod *wasm.Module, offsets []uint32) {
	r.BP, r.HasBP = nil, false
	for _, off := range offsets {
		f, ok := mod.FuncAt(off)
		if !ok {
			continue
		}
		i, ok := f.InstrAt(off)
		if !ok {
			continue
		}
		if r.BP == nil {
			r.BP = make([][]bool, len(mod.Funcs))
		}
		if r.BP[f.Index] == nil {
			r.BP[f.Index] = make([]bool, len(f.Instrs))
		}
		r.BP[f.Index][i] = true
		r.HasBP = true
	}
}

// BoundaryStop evaluates the stop conditions at an instruction boundary,
// in the order of docs/execution-model.md: the limit, a breakpoint at
// instruction instr of function fn (not at the first instruction of a
// Run), an interrupt. Nested calls only see interrupts.
func (r *Runner) BoundaryStop(counter uint64, fn uint32, instr int) (Event, bool) {
	run := &r.Current
	if counter == run.Limit && !run.Nested {
		return Event{Kind: LimitReached}, true
	}
	if r.HasBP && !run.Nested && counter != run.StartCounter {
		if bp := r.BP[fn]; bp != nil && bp[instr] {
			return Event{Kind: Breakpoint}, true
		}
	}
	if r.TakeInterrupt() {
		return Event{Kind: Interrupted}, true
	}
	return Event{}, false
}

// ChooseMode decides, at counter, whether what remains of the Run must
// check every instruction (precise) because the limit may be reached
// before the next check point, and sets FastLimit accordingly. window is
// the most instructions fast code may retire between two check points
// plus slack (the engines use twice their longest function, plus two).
func (r *Runner) ChooseMode(counter uint64, window int64) (precise bool) {
	c := int64(counter)
	fast := int64(math.MaxInt64)
	// A limit already passed can never be reached.
	if run := &r.Current; !run.Nested && run.Limit <= math.MaxInt64/2 && int64(run.Limit) >= c {
		fast = int64(run.Limit) - window
	}
	precise = c >= fast
	if precise {
		fast = math.MaxInt64
	}
	r.SetFastLimit(fast)
	return precise
}

// StartHost makes the next Run call imported function fn with args.
func (r *Runner) StartHost(fn uint32, args []uint64) {
	r.Pending, r.PendingFn = true, fn
	r.PendingArgs = append([]uint64(nil), args...)
}

// RunPending performs the call StartHost prepared, unless the Run must
// stop first (at its limit, or interrupted): one instruction, atomic.
// retired reports whether the call completed and so counts one.
func (r *Runner) RunPending(in *Instance, counter uint64, stop Stop) (ev Event, retired bool) {
	if counter == stop.Limit {
		return Event{Kind: LimitReached}, false
	}
	if r.TakeInterrupt() {
		return Event{Kind: Interrupted}, false
	}
	results, err := in.CallImport(r.PendingFn, r.PendingArgs)
	if exit, ok := err.(*ExitError); ok {
		r.Pending = false
		return Event{Kind: Exited, ExitCode: exit.Code}, true
	}
	if err != nil {
		return Event{Kind: Trapped, Trap: &Trap{Msg: err.Error(), Func: r.PendingFn, Cause: err}}, false
	}
	r.Pending = false
	return Event{Kind: Done, Results: results}, true
}

// DebugPanics lets tests see a panic's stack instead of a trap.
var DebugPanics = false

// RecoverInternal turns a Go panic (a bug) into a trap, as a last resort.
// Engines defer it in Run: defer engines.RecoverInternal(&ev).
func RecoverInternal(ev *Event) {
	if r := recover(); r != nil {
		if DebugPanics {
			panic(r)
		}
		*ev = Event{Kind: Trapped, Trap: &Trap{Msg: fmt.Sprintf("internal error: %v", r)}}
	}
}
