package engines

import "github.com/wdb-dev/wdb/wasm"

// MaxPages is the largest memory the spec allows (4 GiB).
const MaxPages = 65536

// Memory is a linear memory. Data's length is always a whole number of
// pages. Engines may cache Data but must reload it after anything that can
// grow the memory (memory.grow, any call). Data has spare capacity for
// growth, whose contents are not the memory's: accesses must be checked
// against len(Data), not left to Go's slicing, which allows up to the
// capacity.
type Memory struct {
	Data    []byte
	Max     uint32 // pages; the effective maximum (module max, host limit)
	HasMax  bool   // whether the memory type declares a maximum
	TypeMax uint32 // the declared maximum, for import matching and snapshots
}

// NewMemory allocates a memory of min pages whose growth stops at the
// declared maximum and at hostLimit pages (0: no host limit). Data has room
// to double (up to the maximum), as after Grow: programs that grow their
// memory at all usually start soon, a page or a few at a time, and a first
// move would copy the whole memory, touching every page of it, most of
// which the program has not even written yet. Room that is never used
// costs nothing in a fresh process (the pages are never touched).
func NewMemory(t wasm.MemoryType, hostLimit uint32) *Memory {
	m := &Memory{HasMax: t.Limits.HasMax, TypeMax: t.Limits.Max, Max: MaxPages}
	if t.Limits.HasMax {
		m.Max = t.Limits.Max
	}
	if hostLimit > 0 && hostLimit < m.Max {
		m.Max = hostLimit
	}
	n := uint64(t.Limits.Min) * 65536
	m.Data = make([]byte, n, m.capacity(n, n))
	return m
}

// capacity returns the capacity to allocate for n bytes of memory, from a
// capacity of c: twice c, but not past Max pages, and at least n.
func (m *Memory) capacity(n, c uint64) uint64 {
	return max(n, min(2*c, uint64(m.Max)*65536))
}

// Pages is the current size in pages.
func (m *Memory) Pages() uint32 { return uint32(len(m.Data) / 65536) }

// Grow adds delta pages and returns the old size, or false (and no change)
// if that would pass the maximum. The new pages read zero.
//
// Data's capacity grows geometrically: when it must move, it doubles (or
// becomes the new size, if larger), but never past Max pages. A program
// that grows its memory a page at a time, as the allocators of C, Zig and
// Rust programs do, then copies it O(log n) times, O(n) bytes in all. The
// pages gained within the capacity are cleared: a memory shrunk by Restore
// (which reslices Data) keeps its old bytes there.
func (m *Memory) Grow(delta uint32) (uint32, bool) {
	old := m.Pages()
	if uint64(old)+uint64(delta) > uint64(m.Max) {
		return old, false
	}
	if delta == 0 {
		return old, true
	}
	lo := len(m.Data)
	n := lo + int(delta)*65536
	if n <= cap(m.Data) {
		m.Data = m.Data[:n]
		clear(m.Data[lo:])
		return old, true
	}
	grown := make([]byte, n, m.capacity(uint64(n), uint64(cap(m.Data))))
	copy(grown, m.Data)
	m.Data = grown
	return old, true
}

// Table is a table of references: funcref values encoded by FuncRef,
// externref values as the host's handle; 0 is null.
type Table struct {
	Type   wasm.ValType
	Elems  []uint64
	Max    uint32
	HasMax bool
}

// NewTable allocates a table of min null elements.
func NewTable(t wasm.TableType) *Table {
	return &Table{Type: t.Elem, Elems: make([]uint64, t.Limits.Min), Max: t.Limits.Max, HasMax: t.Limits.HasMax}
}

// Grow appends delta elements set to init and returns the old size, or
// false if that would pass the maximum (or 2^32-1 elements).
func (t *Table) Grow(delta uint32, init uint64) (uint32, bool) {
	old := uint32(len(t.Elems))
	limit := uint64(^uint32(0))
	if t.HasMax {
		limit = uint64(t.Max)
	}
	if uint64(old)+uint64(delta) > limit || uint64(old)+uint64(delta) > 1<<26 {
		return old, false
	}
	for i := uint32(0); i < delta; i++ {
		t.Elems = append(t.Elems, init)
	}
	return old, true
}

// Global is a global variable. Lo holds the value's bits as on the stack;
// Hi is only used by v128.
type Global struct {
	Type   wasm.GlobalType
	Lo, Hi uint64
}
