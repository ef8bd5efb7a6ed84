package threaded

import (
	"sync"
	"unsafe"

	"github.com/wdb-dev/wdb/wasm"
)

// inst is one compiled operation: the Go function that performs it and its
// immediates. Their meaning depends on the operation (ops.go, ops_gen.go);
// slot operands are byte offsets from the frame pointer.
type inst struct {
	fn   opFn
	a, b int32
	c    int64
}

// opFn performs an operation and returns the next one to run, or nil to
// leave the dispatch loop (m.status says why).
type opFn func(m *machine, in *inst) *inst

const instSize = unsafe.Sizeof(inst{})

// next is the operation after in.
func next(in *inst) *inst { return (*inst)(unsafe.Add(unsafe.Pointer(in), instSize)) }

// Operand locations other than slots.
const (
	locR0  = -1 // the integer register (integers and references)
	locFP0 = -2 // the float register
)

// variant is one translation of a function: the fast one (folding and
// fusion, check points only at back branches, calls and returns) or the
// precise one (a step operation before every reachable instruction). Both
// have the same frame layout and the same stack maps at every boundary
// they share.
type variant struct {
	fn   *function
	code []inst
	// pos[i] is the index of the operation at which execution stands at
	// the boundary before Wasm instruction i; -1 when the variant has no
	// such boundary (dead code, or inside a fused operation).
	pos []int32
	// wasmOf[k] is the Wasm instruction operation k belongs to.
	wasmOf []int32
	// tables are the br_table jump tables (operation indices).
	tables     [][]int32
	frameSlots int
	precise    bool
}

// untranslated stands for a function that this machine has not called
// yet: its frame never fits, so a call takes the slow path, which
// translates.
var untranslated = &variant{frameSlots: 1 << 40}

// opIndex is the index of in in v's code.
func (v *variant) opIndex(in *inst) int {
	return int((uintptr(unsafe.Pointer(in)) - uintptr(unsafe.Pointer(unsafe.SliceData(v.code)))) / instSize)
}

// at is operation k of v.
func (v *variant) at(k int32) *inst { return &v.code[k] }

// function is a function of the module's index space with its frame
// layout:
//
//	[ params (results overwrite them on return) | locals | constants | temporaries ]
//	  0                                           numParams  constBase  tempBase   frameSlots
//
// Every slot is 64 bits. The temporary of the operand at stack height h
// (its home) is slot tempBase+h.
type function struct {
	prog     *program
	index    uint32
	def      *wasm.Func
	imported bool
	typeID   uint32 // canonical signature, for call_indirect

	numParams, numResults int

	once       sync.Once
	err        error
	numLocals  int // params and declared locals
	consts     []uint64
	constBase  int
	tempBase   int
	frameSlots int
	fast       *variant

	preciseOnce sync.Once
	precise     *variant

	// The watch variants (fast and precise), for a machine whose stores
	// are watched (SetStoreWatch): a check before every store.
	hasStores bool
	watchOnce [2]sync.Once
	watch     [2]*variant

	mapsOnce sync.Once
	maps     *stackMaps
}

// translated makes the function's layout and fast variant, once.
func (f *function) translated() error {
	f.once.Do(func() {
		f.layout()
		f.fast, _, f.err = f.compile(false, false, false)
	})
	return f.err
}

// preciseVariant returns the precise variant, made on first need. f must
// be translated.
func (f *function) preciseVariant() *variant {
	f.preciseOnce.Do(func() {
		v, _, err := f.compile(true, false, false)
		if err != nil {
			panic(err) // the fast variant compiled: this cannot fail
		}
		f.precise = v
	})
	return f.precise
}

// watchVariant returns the fast or the precise variant with a store check
// (opWatchR, opWatchS) before every store, made on first need; the fast
// one does not fuse a store with its address's i32.add, so that every
// store has its boundary. f must be translated.
func (f *function) watchVariant(precise bool) *variant {
	k := b2idx(precise)
	f.watchOnce[k].Do(func() {
		v, _, err := f.compile(precise, true, false)
		if err != nil {
			panic(err) // the fast variant compiled: this cannot fail
		}
		f.watch[k] = v
	})
	return f.watch[k]
}

// stackMap returns the stack maps, made on first need by compiling again
// (compilation is deterministic).
func (f *function) stackMap() *stackMaps {
	f.mapsOnce.Do(func() {
		_, sm, err := f.compile(true, false, true)
		if err != nil {
			panic(err)
		}
		f.maps = sm
	})
	return f.maps
}

// layout fixes the frame: locals, then the constant table (every distinct
// constant of the reachable code, in order of first use), then the
// temporaries.
func (f *function) layout() {
	d := f.def
	f.numLocals = d.NumLocals()
	seen := map[uint64]bool{}
	for i, in := range d.Instrs {
		if d.Info[i].Unreachable {
			continue
		}
		switch in.Op {
		case wasm.OpI32Const, wasm.OpI64Const, wasm.OpF32Const, wasm.OpF64Const, wasm.OpRefNull:
			v := in.C
			if in.Op == wasm.OpRefNull {
				v = 0
			}
			if !seen[v] {
				seen[v] = true
				f.consts = append(f.consts, v)
			}
		}
		if _, ok := storeTable[in.Op]; ok {
			f.hasStores = true
		}
	}
	f.constBase = f.numLocals
	f.tempBase = f.constBase + len(f.consts)
	f.frameSlots = f.tempBase + d.MaxHeight + 1
}

// stackMaps say, for every reachable boundary, which operands are not in
// their home: entries[start[i]:start[i+1]] for instruction i.
type stackMaps struct {
	start   []uint32
	entries []mapEntry
}

type mapEntry struct {
	pos int32 // operand index, bottom = 0
	loc int32 // a slot (a local or a constant), locR0 or locFP0
}

// locations returns where each of the n operands before instruction i
// lives: a slot, locR0 or locFP0.
func (f *function) locations(i, n int) []int32 {
	out := make([]int32, n)
	for k := range out {
		out[k] = int32(f.tempBase + k)
	}
	sm := f.stackMap()
	for _, e := range sm.entries[sm.start[i]:sm.start[i+1]] {
		if int(e.pos) < n {
			out[e.pos] = e.loc
		}
	}
	return out
}
