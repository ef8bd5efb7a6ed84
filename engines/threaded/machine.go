package threaded

import (
	"unsafe"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// frame is one activation. For frames below the top, v, ret and resume say
// where the caller continues: operation ret of v, at the boundary before
// Wasm instruction resume (the one after its call).
type frame struct {
	fn     *function
	fp     unsafe.Pointer // &stack[base]
	base   int
	v      *variant
	ret    *inst
	resume int32
}

const (
	initialStackSlots = 2048
	// maxStackSlots bounds the slot stack (128 MiB).
	maxStackSlots = 16 << 20
	// maxNestedCalls bounds the Calls in progress on one machine.
	maxNestedCalls = 10000
	// stackPad is room above the last frame for the out-of-line
	// instructions' fixed-size view of their operands.
	stackPad = 4
)

// machine is an instance of a program.
type machine struct {
	// The registers of Wasm3's design: the frame pointer and the cached
	// top of stack, one integer and one float (as bits).
	fp  unsafe.Pointer
	r0  uint64
	fp0 uint64
	mem []byte // memory 0's Data, reloaded after anything that can grow it
	// cbase + wi is the counter.
	cbase int64
	v     *variant // the top frame's code
	base  int      // the top frame's first slot

	prog   *program
	funcs  []*function
	stack  []uint64
	frames []frame
	depth  int

	// The top frame's position when the loop is not running: operation
	// pos of v, at the boundary before Wasm instruction wi.
	pos *inst
	wi  int

	// active[f] is the variant new activations of f run: fastTab or
	// preciseTab, whose entries are untranslated until first needed.
	active     []*variant
	fastTab    []*variant
	preciseTab []*variant
	// bpCode[f] is this machine's copy of f's precise variant with its
	// breakpoints marked.
	bpCode map[uint32]*variant

	trapAt uintptr // the address of an operation that trapped (deferTrap)
	// status is why the loop returned; the trap, stop or exit details
	// are in the Runner.
	status  engines.Status
	startFn *function

	// The module-level state, the stop conditions, and Machine's methods
	// that every engine shares (Start, Run, Call, Frames, Snapshot,
	// Restore...), which drive this machine through engines.Interp.
	engines.Instance
}

var _ engines.Machine = (*machine)(nil)

func (m *machine) Engine() string { return "threaded" }
func (m *machine) Depth() int     { return m.depth }

// Counter is the number of instructions retired.
func (m *machine) Counter() uint64 { return uint64(m.cbase + int64(m.wi)) }

func (m *machine) top() *frame { return &m.frames[m.depth-1] }

func (m *machine) PC() (uint32, uint32, bool) {
	if m.depth == 0 {
		return 0, 0, false
	}
	fn := m.top().fn
	return fn.index, fn.def.Instrs[m.wi].Offset, true
}

// ReloadMemory refreshes the cached memory 0.
func (m *machine) ReloadMemory() {
	if len(m.Memories) > 0 {
		m.mem = m.Memories[0].Data
	}
}

// frameEnd is the first slot above the top frame.
func (m *machine) frameEnd() int {
	if m.depth == 0 {
		return 0
	}
	f := m.top()
	return f.base + f.fn.frameSlots
}

// growStack makes the stack at least need slots long (plus padding), and
// moves the frame pointers with it.
func (m *machine) growStack(need int) bool {
	need += stackPad
	if need <= len(m.stack) {
		return true
	}
	if need > maxStackSlots {
		return false
	}
	n := min(max(2*len(m.stack), need, initialStackSlots), maxStackSlots+stackPad)
	grown := make([]uint64, n)
	copy(grown, m.stack)
	m.stack = grown
	for k := range m.frames[:m.depth] {
		m.frames[k].fp = unsafe.Pointer(&m.stack[m.frames[k].base])
	}
	m.fp = unsafe.Pointer(&m.stack[m.base])
	return true
}

// setFrame makes slot base the top frame's.
func (m *machine) setFrame(base int) {
	m.base = base
	m.fp = unsafe.Pointer(&m.stack[base])
}

// typedValue reads a slot as the bits of a value of type t.
func typedValue(t wasm.ValType, bits uint64) uint64 {
	if t == wasm.I32 || t == wasm.F32 {
		return uint64(uint32(bits))
	}
	return bits
}

// trap records a trap at operation in of the current variant. It is out
// of line so that the operations that may trap stay frameless leaves.
//
//go:noinline
func (m *machine) trap(in *inst, msg string) *inst {
	m.TrapMsg, m.TrapCause = msg, nil
	m.wi = int(m.v.wasmOf[m.v.opIndex(in)])
	m.pos = in
	if p := m.v.pos[m.wi]; p >= 0 {
		m.pos = &m.v.code[p]
	}
	m.status = engines.StTrap
	return nil
}
