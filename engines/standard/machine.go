package standard

import "github.com/wdb-dev/wdb/engines"

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

// machine is an instance of a program.
type machine struct {
	prog *program

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
	// maxDepth is Options.MaxCallDepth.
	maxDepth int

	// cbase + pc is the counter: a taken jump from instruction j to k adds
	// j+1-k, so straight-line execution needs no bookkeeping at all.
	cbase int64
	// active[f] is the code run for function f: the program's, a copy
	// with breakpoints patched in, or (precise mode) the stepping code.
	active   [][]op
	fastCode [][]op
	stepCode [][]op

	// startFn is the function Start prepared.
	startFn *function

	funcs []*function
	// memData caches the contents of memory 0 for the dispatch loop; ReloadMemory
	// refreshes it after anything that may have grown or replaced it.
	memData []byte

	// hostArgs is a stack of parameter/result buffers for host calls.
	hostArgs []uint64

	// The module-level objects (memories, tables, globals, segments,
	// imports, references) and the stop conditions, shared with the other
	// engines. Embedded by value, so that the dispatch loop reads their
	// fields without an indirection; last, so that the loop's own fields
	// stay together at the start.
	engines.Instance
}

var _ engines.Interp = (*machine)(nil)

func (m *machine) Engine() string { return "standard" }
func (m *machine) Depth() int     { return m.depth }

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

// ReloadMemory refreshes the cached contents of memory 0: after
// memory.grow, host calls and restores, and before every Run and Call
// (the embedder may have changed the memory in between).
func (m *machine) ReloadMemory() {
	if len(m.Memories) > 0 {
		m.memData = m.Memories[0].Data
	}
}
