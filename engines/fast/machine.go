package fast

import (
	"sync/atomic"
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
	// maxNestedCalls bounds the Calls in progress on one machine.
	maxNestedCalls = 10000
)

type status uint8

const (
	stRunning status = iota
	stCheck          // a fast-variant check point
	stReturn         // a return left Depth() <= stopDepth
	stStop           // a stop condition holds; m.event says which
	stTrap
	stExit
)

type runState struct {
	limit        uint64
	returnDepth  int
	baseDepth    int
	startCounter uint64
	nested       bool
	precise      bool
}

// machine is an instance of a program.
type machine struct {
	prog  *program
	mod   *wasm.Module
	store *engines.Store
	id    uint32

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

	// cbase + wi is the counter.
	cbase     int64
	fastLimit atomic.Int64
	interrupt atomic.Bool

	run       runState
	stopDepth int
	// active[f] is the variant new activations of f run: fastActive or
	// preciseAll, whose entries are untranslated until this machine first
	// needs them (activeVariant).
	active     []*variant
	fastActive []*variant // fast variants, precise for functions with breakpoints
	preciseAll []*variant // made on first need
	bp         [][]bool   // per function, per instruction; nil without breakpoints
	hasBP      bool

	startFn     *function
	pendingHost bool
	pendingArgs []uint64
	inHost      int
	nested      int

	funcs    []*function
	imports  []engines.Extern
	refs     []uint64
	mem      *engines.Memory
	memData  []byte
	memories []*engines.Memory
	tables   []*engines.Table
	globals  []*engines.Global
	elems    [][]uint64
	datas    [][]byte
	dropElem []bool
	dropData []bool

	event     engines.EventKind
	trapMsg   string
	trapCause error
	exitCode  uint32
}

var _ engines.Machine = (*machine)(nil)

func (m *machine) Engine() string       { return "fast" }
func (m *machine) Module() *wasm.Module { return m.mod }
func (m *machine) ID() uint32           { return m.id }
func (m *machine) Depth() int           { return m.depth }

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

func (m *machine) reloadMemory() {
	if m.mem != nil {
		m.memData = m.mem.Data
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
