package engines

import (
	"fmt"
	"math"
	"slices"
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

// Status is why an engine's interpreter loop returned.
type Status uint8

const (
	StRunning Status = iota // keep going (only returned by helpers)
	StCheck                 // a fast-mode check point: evaluate the stop conditions
	StReturn                // a return left the depth at which the loop must end
	StStop                  // a stop condition holds; Runner.StopKind says which
	StTrap                  // Runner.TrapMsg and TrapCause say which
	StExit                  // the guest exited; Runner.ExitCode
)

// Runner holds what every engine keeps the same way to decide when Run
// stops (docs/execution-model.md): the Run in progress, the breakpoints,
// the interrupt flag, the counter at which fast code must reach a check
// point, the calls in progress, a started call of an imported function,
// and why the interpreter loop returned. It is part of Instance; its
// Interrupt method is Machine's.
type Runner struct {
	// FastLimit: code that does not check every instruction (an engine's
	// fast mode) returns to its check at a check point (back branch,
	// call, return) once its counter base reaches FastLimit. Interrupt
	// lowers it to MinInt64.
	FastLimit atomic.Int64
	// StopDepth: a return that leaves the depth at or below it ends the
	// interpreter loop (StReturn).
	StopDepth int
	Current   RunState // the Run (or nested Call) in progress
	interrupt atomic.Bool
	// BP[f][i] is set when instruction i of function f holds a
	// breakpoint; BP and BP[f] are nil where there is none.
	BP    [][]bool
	HasBP bool
	// Watched are the ranges of memory 0 whose stores stop Run, for the
	// engines that are a StoreWatcher (SetWatched); nil: none.
	Watched []MemRange
	// InHost counts the host calls in progress (CallExtern), Nested the
	// Calls.
	InHost, Nested int
	// Pending is set when Start prepared a call of imported function
	// PendingFn that Run has yet to perform.
	Pending     bool
	PendingFn   uint32
	PendingArgs []uint64

	// Set when the interpreter loop returns StStop, StTrap or StExit.
	StopKind  EventKind
	TrapMsg   string
	TrapCause error
	ExitCode  uint32
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

// SetWatched sets Watched to a copy of ranges, nil when there are none,
// so that an engine tests Watched != nil to know whether stores are
// watched.
func (r *Runner) SetWatched(ranges []MemRange) {
	r.Watched = nil
	if len(ranges) > 0 {
		r.Watched = slices.Clone(ranges)
	}
}

// StoreStop says whether a store of n bytes at effective address ea,
// about to run at counter, stops the Run (StoreWatcher): it touches a
// watched range, and it is not the Run's first instruction nor in a
// nested Call (as for breakpoints).
func (r *Runner) StoreStop(counter uint64, ea uint64, n uint32) bool {
	if r.Current.Nested || counter == r.Current.StartCounter {
		return false
	}
	for _, w := range r.Watched {
		if ea < uint64(w.Addr)+uint64(w.Len) && uint64(w.Addr) < ea+uint64(n) {
			return true
		}
	}
	return false
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

// TrapWith records a trap with the spec's message msg.
func (r *Runner) TrapWith(msg string) Status {
	r.TrapMsg, r.TrapCause = msg, nil
	return StTrap
}

// ErrStatus converts a host function's error: nil runs on, an *ExitError
// exits, anything else traps with the error's message.
func (r *Runner) ErrStatus(err error) Status {
	if err == nil {
		return StRunning
	}
	if exit, ok := err.(*ExitError); ok {
		r.ExitCode = exit.Code
		return StExit
	}
	r.TrapMsg, r.TrapCause = err.Error(), err
	return StTrap
}

// DebugPanics lets tests see a panic's stack instead of a trap.
var DebugPanics = false

// recoverInternal turns a Go panic (a bug) into a trap, as a last resort.
func recoverInternal(ev *Event) {
	if r := recover(); r != nil {
		if DebugPanics {
			panic(r)
		}
		*ev = Event{Kind: Trapped, Trap: &Trap{Msg: fmt.Sprintf("internal error: %v", r)}}
	}
}
