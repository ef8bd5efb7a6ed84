package wasm

import (
	"runtime"
	"testing"
	"unsafe"
)

// analysisBytes is the size of m's per-function slices: what Load cannot
// help allocating.
func analysisBytes(m *Module) uint64 {
	var n uintptr
	for _, f := range m.Funcs[m.NumImportedFuncs:] {
		n += uintptr(len(f.Instrs))*unsafe.Sizeof(Instr{}) + uintptr(len(f.Info))*unsafe.Sizeof(InstrInfo{}) +
			uintptr(len(f.Blocks))*unsafe.Sizeof(Block{}) + uintptr(len(f.TypeNodes))*unsafe.Sizeof(TypeNode{}) +
			uintptr(len(f.BrTable))*4 + uintptr(len(f.Locals))
	}
	return uint64(n)
}

// bulkyModule is a module of n functions of several shapes: straight
// code with long immediates, blocks and loops, br_table, locals.
func bulkyModule(n int) []byte {
	var bodies [][]byte
	for i := range n {
		var b []byte
		switch i % 3 {
		case 0: // 100 × (i64.const with a 10-byte immediate, drop)
			b = append(b, 0)
			for range 100 {
				b = append(b, byte(OpI64Const), 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f, byte(OpDrop))
			}
		case 1: // nested blocks with br_table, locals
			b = append(b, 1, 20, byte(I32))
			for range 20 {
				b = append(b, byte(OpBlock), 0x40)
			}
			b = append(b, byte(OpLocalGet), 3, byte(OpBrTable), 19)
			for d := range 20 {
				b = append(b, byte(d))
			}
			for range 20 {
				b = append(b, byte(OpEnd))
			}
		case 2: // a loop of arithmetic on locals
			b = append(b, 1, 2, byte(I32), byte(OpLoop), 0x40)
			for range 50 {
				b = append(b, byte(OpLocalGet), 0, byte(OpLocalGet), 1, byte(OpI32Add), byte(OpLocalSet), 0)
			}
			b = append(b, byte(OpEnd))
		}
		bodies = append(bodies, append(b, byte(OpEnd)))
	}
	funcs := leb(uint32(n))
	for range n {
		funcs = append(funcs, 0)
	}
	return module(sec(secType, 1, 0x60, 0, 0), sec(secFunction, funcs...), codeSec(bodies...))
}

// TestLoadAllocations checks that Load allocates little beyond the
// analysis it returns: arenas sized on estimates that do not fit the
// module (a fixed number of bytes of code per instruction, of
// instructions per operand type) cost their zeroing, or their page
// faults, for nothing.
func TestLoadAllocations(t *testing.T) {
	b := bulkyModule(3000)
	m, err := Load(b)
	if err != nil {
		t.Fatal(err)
	}
	checkAnalysis(t, m)
	need := analysisBytes(m)
	var allocated uint64
	for range 3 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m, _ = Load(b)
		runtime.ReadMemStats(&after)
		if a := after.TotalAlloc - before.TotalAlloc; allocated == 0 || a < allocated {
			allocated = a
		}
	}
	runtime.KeepAlive(m)
	// Besides the analysis: the Funcs and the module's small tables.
	limit := need + need/8 + uint64(len(b))/2 + 256<<10
	t.Logf("module %d bytes, analysis %d bytes, Load allocated %d (limit %d)", len(b), need, allocated, limit)
	if allocated > limit {
		t.Errorf("Load allocated %d bytes for an analysis of %d bytes (module of %d bytes); want at most %d",
			allocated, need, len(b), limit)
	}
	for _, f := range m.Funcs {
		if cap(f.Instrs) != len(f.Instrs) || cap(f.Info) != len(f.Info) || cap(f.Blocks) != len(f.Blocks) ||
			cap(f.TypeNodes) != len(f.TypeNodes) || cap(f.BrTable) != len(f.BrTable) {
			t.Fatalf("%s: a slice has spare capacity, which an append would share with the next function", f.DisplayName())
		}
	}
}

// TestArena builds slices in an arena through every path: room in the
// chunk, a new chunk (by start and by grow mid-slice), and a slice moved
// out of the chunk by an append without grow.
func TestArena(t *testing.T) {
	p := &progress{total: 1000}
	a := newArena[int](20, p)
	var out [][]int
	build := func(n int, bare bool) {
		k := len(out)
		s := a.start(0)
		if bare { // overflow the chunk
			n = cap(s) + 3
		}
		for i := range n {
			if !bare {
				s = a.grow(s, 1)
			}
			s = append(s, k*1000+i)
		}
		out = append(out, a.finish(s))
		p.done += 10
	}
	for k := range 60 {
		build(k%7+k%13, k%20 == 19)
	}
	if s := a.start(500); cap(s) < 500 {
		t.Fatalf("start(500): capacity %d", cap(s))
	}
	build(5, false)
	elems := map[*int]bool{}
	for k, s := range out {
		if cap(s) != len(s) {
			t.Fatalf("slice %d: length %d, capacity %d", k, len(s), cap(s))
		}
		for i := range s {
			if s[i] != k*1000+i {
				t.Fatalf("slice %d: element %d is %d, want %d", k, i, s[i], k*1000+i)
			}
			if elems[&s[i]] {
				t.Fatalf("slice %d: element %d shared with another slice", k, i)
			}
			elems[&s[i]] = true
		}
	}
	if a.allocated > 2*a.handed+minChunk+500 {
		t.Errorf("allocated %d elements to hand out %d", a.allocated, a.handed)
	}
}
