package fast

import (
	"unsafe"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// frame is one activation. For frames below the top, code and ret say
// where the caller resumes: op ret of code, the op after its call.
type frame struct {
	fn   *function
	code *variant
	ret  int32
	base int32 // cell index of the frame in the stack
}

const (
	initialStackCells = 4096
	// maxStackCells bounds the cell stack (64 MiB).
	maxStackCells = 16 << 20
)

// machine is an instance of a program.
type machine struct {
	prog *program

	// The top frame's position: op pc of code, at the boundary before Wasm
	// instruction wi (wi is only kept up to date when exec is not running,
	// and during host calls).
	code  *variant
	pc    int
	wi    int
	base  int
	stack []uint32

	frames   []frame
	depth    int
	maxDepth int

	// cbase + wi is the counter; fast variants stop at a check point
	// once it reaches Runner.FastLimit.
	cbase int64
	// active[f] is the variant new activations of f run: fastActive or
	// preciseAll, whose entries are untranslated until this machine first
	// needs them (activeVariant).
	active     []*variant
	fastActive []*variant // fast variants, precise for functions with breakpoints
	preciseAll []*variant // made on first need

	startFn *function

	funcs   []*function
	memData []byte

	// The module-level objects (memories, tables, globals, segments,
	// imports, references) and the stop conditions, shared with the other
	// engines. Embedded by value, so that the dispatch loop reads their
	// fields without an indirection; last, so that the loop's own fields
	// stay together at the start.
	engines.Instance
}

var _ engines.Interp = (*machine)(nil)

func (m *machine) Engine() string { return "fast" }
func (m *machine) Depth() int     { return m.depth }

// Counter is the number of instructions retired.
func (m *machine) Counter() uint64 { return uint64(m.cbase + int64(m.wi)) }

func (m *machine) top() *function { return m.frames[m.depth-1].fn }

func (m *machine) PC() (uint32, uint32, bool) {
	if m.depth == 0 {
		return 0, 0, false
	}
	fn := m.top()
	return fn.index, fn.def.Instrs[m.wi].Offset, true
}

func (m *machine) ReloadMemory() {
	if len(m.Memories) > 0 {
		m.memData = m.Memories[0].Data
	}
}

// frameEnd is the first cell above the top frame.
func (m *machine) frameEnd() int {
	if m.depth == 0 {
		return 0
	}
	f := &m.frames[m.depth-1]
	return int(f.base) + f.fn.frameCells
}

// growStack makes the stack at least need cells long (plus padding for
// 64-bit accesses).
func (m *machine) growStack(need int) bool {
	need += 4
	if need <= len(m.stack) {
		return true
	}
	if need > maxStackCells {
		return false
	}
	n := min(max(2*len(m.stack), need, initialStackCells), maxStackCells+4)
	grown := make([]uint32, n)
	copy(grown, m.stack)
	m.stack = grown
	return true
}

// cell access helpers (byte offsets from a frame pointer).

func r32(fp unsafe.Pointer, off uint32) uint32 { return *(*uint32)(unsafe.Add(fp, off)) }
func r64(fp unsafe.Pointer, off uint32) uint64 { return *(*uint64)(unsafe.Add(fp, off)) }
func rf32(fp unsafe.Pointer, off uint32) float32 {
	return *(*float32)(unsafe.Add(fp, off))
}
func rf64(fp unsafe.Pointer, off uint32) float64 {
	return *(*float64)(unsafe.Add(fp, off))
}
func w32(fp unsafe.Pointer, off uint32, v uint32) { *(*uint32)(unsafe.Add(fp, off)) = v }
func w64(fp unsafe.Pointer, off uint32, v uint64) { *(*uint64)(unsafe.Add(fp, off)) = v }
func wf32(fp unsafe.Pointer, off uint32, v float32) {
	*(*float32)(unsafe.Add(fp, off)) = v
}
func wf64(fp unsafe.Pointer, off uint32, v float64) {
	*(*float64)(unsafe.Add(fp, off)) = v
}

func b2i(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// cellValue reads a value of type t at cell c of the stack as stack bits.
func (m *machine) cellValue(t wasm.ValType, c int) uint64 {
	if cells(t) == 1 {
		return uint64(m.stack[c])
	}
	return uint64(m.stack[c]) | uint64(m.stack[c+1])<<32
}

func (m *machine) setCell(t wasm.ValType, c int, v uint64) {
	m.stack[c] = uint32(v)
	if cells(t) == 2 {
		m.stack[c+1] = uint32(v >> 32)
	}
}
