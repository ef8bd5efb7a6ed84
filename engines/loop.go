package engines

import "github.com/wdb-dev/wdb/snapshot"

// Interp is an engine's half of a machine: what Instance needs of the
// machine's own layout to provide Run, Frames, Snapshot and Restore. Its
// methods are called between runs of the interpreter loop (Exec), never
// inside it.
type Interp interface {
	Machine
	// ReloadMemory refreshes what the machine caches of its memories:
	// after anything that may have grown or replaced them (host calls,
	// restores) and before every Run (the embedder may have changed them).
	ReloadMemory()
	// FrameStates converts the machine's frames to engine-neutral ones,
	// bottom first. With strict set, a reference that cannot be expressed
	// is an error.
	FrameStates(strict bool) ([]snapshot.Frame, error)
	// RestoreFrames rebuilds the frames and the counter from a snapshot
	// that Instance.CheckSnapshot accepted; an error must leave the
	// machine unchanged.
	RestoreFrames(s *snapshot.Snapshot) error
	// Exec runs the interpreter loop from the current position until it
	// returns a status other than StRunning.
	Exec() Status
	// Position returns the top frame's function and the index of its next
	// instruction in wasm.Func.Instrs (a frame must be running).
	Position() (fn uint32, instr int)
	// SetPrecise selects the precise or the fast code for what remains of
	// the Run.
	SetPrecise(precise bool)
	// Results collects the started call's results once it has returned
	// (StReturn at depth 0).
	Results() []uint64
	// ResumeCaller makes the frame below a returned one current.
	ResumeCaller()
	// Reset discards the frames and makes the counter counter.
	Reset(counter uint64)
	// MakeTrap describes the trap at the current position.
	MakeTrap() *Trap
	// SaveActivation saves the activation the machine holds, before a
	// Call above it; restore brings it back, keeping the counter, after
	// SetPrecise has restored the mode of its Run (panicked: the Call
	// ended in a Go panic, so the positions above the saved ones are not
	// to be trusted).
	SaveActivation() (restore func(panicked bool))
	// PushCall places a call of the module's own function fn with args
	// above the activation (at depth 0, the call Start prepares) and makes
	// it current at its first instruction, keeping the counter; collect
	// returns its results once Exec has returned StReturn.
	PushCall(fn uint32, args []uint64) (collect func() []uint64, err error)
	// Window is the most instructions the fast code may retire between
	// two check points, plus slack (Runner.ChooseMode).
	Window() int64
}

// Start is every engine's Start: it discards any activation and prepares
// a call of fn, which the next Run begins at the function's first
// instruction (for an imported function, Run performs the call
// atomically).
func (in *Instance) Start(fn uint32, args []uint64) error {
	if err := in.Busy("Start"); err != nil {
		return err
	}
	if err := in.CheckCall("Start", fn, len(args)); err != nil {
		return err
	}
	m := in.self
	m.Reset(m.Counter())
	in.Pending = false
	if in.Mod.Funcs[fn].Import != nil {
		in.StartHost(fn, args)
		return nil
	}
	if _, err := m.PushCall(fn, args); err != nil {
		m.Reset(m.Counter())
		return err
	}
	return nil
}

// AtBoundary evaluates the stop conditions at the current instruction
// boundary (BoundaryStop at the top frame's position).
func (in *Instance) AtBoundary() (Event, bool) {
	fn, instr := in.self.Position()
	return in.BoundaryStop(in.self.Counter(), fn, instr)
}

// Run is every engine's Run: it performs a started host call, or runs the
// interpreter loop until a stop condition holds or the started call ends,
// evaluating the stop conditions at the check points and choosing the
// fast or the precise code for what remains (docs/execution-model.md).
func (in *Instance) Run(stop Stop) (ev Event) {
	if err := in.Busy("Run"); err != nil {
		return Event{Kind: Trapped, Trap: &Trap{Msg: err.Error(), Cause: err}}
	}
	defer recoverInternal(&ev)
	m := in.self
	m.ReloadMemory()
	if in.Pending {
		ev, retired := in.runPending(m.Counter(), stop)
		if retired {
			m.Reset(m.Counter() + 1)
		}
		return ev
	}
	if m.Depth() == 0 {
		return Event{Kind: Done}
	}
	in.Current = RunState{Limit: stop.Limit, ReturnDepth: stop.ReturnDepth, StartCounter: m.Counter(), Precise: in.Current.Precise}
	in.StopDepth = max(0, stop.ReturnDepth)
	if ev, ok := in.AtBoundary(); ok {
		return ev
	}
	m.SetPrecise(in.ChooseMode(m.Counter(), m.Window()))
	for {
		switch m.Exec() {
		case StCheck:
			if ev, ok := in.AtBoundary(); ok {
				return ev
			}
			m.SetPrecise(in.ChooseMode(m.Counter(), m.Window()))
		case StReturn:
			if m.Depth() == 0 {
				return Event{Kind: Done, Results: m.Results()}
			}
			m.ResumeCaller()
			if m.Counter() == in.Current.Limit {
				return Event{Kind: LimitReached}
			}
			return Event{Kind: Returned}
		case StStop:
			return Event{Kind: in.StopKind}
		case StTrap:
			return Event{Kind: Trapped, Trap: m.MakeTrap()}
		case StExit:
			m.Reset(m.Counter() + 1) // the exiting call is retired
			return Event{Kind: Exited, ExitCode: in.ExitCode}
		}
	}
}
