package engines

import (
	"fmt"
	"math"
)

// MaxNestedCalls bounds the Calls in progress on one machine (each nests
// the interpreter on the Go stack), whatever MaxCallDepth says.
const MaxNestedCalls = 10000

// Call is every engine's Call: it runs function fn to completion above
// whatever activation the machine holds (from outside, or nested inside a
// host call) and returns its results. The counter keeps counting.
// Breakpoints and the Run's limit do not apply; an Interrupt abandons the
// call with an error. The machine saves and restores its activation
// (Interp.SaveActivation) and places the call (Interp.PushCall).
func (in *Instance) Call(fn uint32, args []uint64) (results []uint64, err error) {
	if err := in.CheckCall("Call", fn, len(args)); err != nil {
		return nil, err
	}
	if in.Nested >= MaxNestedCalls {
		return nil, &Trap{Msg: MsgCallStack}
	}
	if in.Mod.Funcs[fn].Import != nil {
		return in.CallImport(fn, args)
	}

	// Save the activation below and the stop conditions of its Run.
	m := in.self
	m.ReloadMemory()
	run, stopDepth, fastLimit := in.Current, in.StopDepth, in.FastLimit.Load()
	restoreActivation := m.SaveActivation()
	restore := func(panicked bool) {
		in.Current, in.StopDepth = run, stopDepth
		m.SetPrecise(run.Precise)
		restoreActivation(panicked)
		in.SetFastLimit(fastLimit)
		m.ReloadMemory()
	}
	in.Nested++
	defer func() {
		in.Nested--
		if r := recover(); r != nil {
			restore(true)
			results, err = nil, &Trap{Msg: fmt.Sprintf("internal error: %v", r)}
		}
	}()

	in.Current = RunState{Limit: NoLimit, BaseDepth: m.Depth(), Nested: true}
	in.StopDepth = m.Depth()
	m.SetPrecise(false)
	in.SetFastLimit(math.MaxInt64)
	collect, err := m.PushCall(fn, args)
	if err != nil {
		restore(false)
		return nil, err
	}
	for {
		switch m.Exec() {
		case StCheck:
			if in.TakeInterrupt() {
				restore(false)
				return nil, &Trap{Msg: "interrupted"}
			}
			in.FastLimit.Store(math.MaxInt64)
		case StReturn:
			results = collect()
			restore(false)
			return results, nil
		case StStop:
			// Stops do not apply to nested calls; carry on.
		case StTrap:
			t := m.MakeTrap()
			restore(false)
			return nil, t
		case StExit:
			restore(false)
			return nil, &ExitError{Code: in.ExitCode}
		}
	}
}
