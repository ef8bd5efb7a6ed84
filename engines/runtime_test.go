package engines

import (
	"math/bits"
	"testing"

	"github.com/wdb-dev/wdb/wasm"
)

// growByPages grows m one page at a time to pages, checking every step,
// and returns how many times Data moved and the bytes copied when it did.
func growByPages(t *testing.T, m *Memory, pages uint32) (moves, copied int) {
	t.Helper()
	for m.Pages() < pages {
		before := m.Data
		old, ok := m.Grow(1)
		if !ok || old != uint32(len(before)/65536) {
			t.Fatalf("Grow(1) at %d pages: %d, %v", len(before)/65536, old, ok)
		}
		if len(m.Data) != len(before)+65536 {
			t.Fatalf("Grow(1) at %d pages: length %d", old, len(m.Data))
		}
		if cap(m.Data) > int(m.Max)*65536 {
			t.Fatalf("at %d pages: capacity %d pages, past the maximum %d", m.Pages(), cap(m.Data)/65536, m.Max)
		}
		for i, c := range m.Data[len(before):] {
			if c != 0 {
				t.Fatalf("Grow(1) at %d pages: new byte %d is %d", old, i, c)
			}
		}
		if len(before) > 0 && &before[0] != &m.Data[0] {
			moves++
			copied += len(before)
		}
		m.Data[len(m.Data)-1] = 0xff // dirty every page's end
	}
	return moves, copied
}

// TestMemoryGrowGeometric: a memory grown page by page moves O(log n) times
// and copies O(n) bytes in all, never reserves past its maximum, and reads
// zero in every page it gains, also after a shrink (as Restore does, by
// reslicing Data) left old bytes past its length.
func TestMemoryGrowGeometric(t *testing.T) {
	const pages = 1000
	m := NewMemory(wasm.MemoryType{Limits: wasm.Limits{Min: 1}}, 0)
	moves, copied := growByPages(t, m, pages)
	if max := bits.Len(pages) + 1; moves > max {
		t.Errorf("growing to %d pages page by page moved the memory %d times, want at most %d", pages, moves, max)
	}
	if copied > 2*pages*65536 {
		t.Errorf("growing to %d pages page by page copied %d pages", pages, copied/65536)
	}

	// Shrink, as Restore does with a snapshot of a smaller memory: the old
	// bytes stay in the capacity, and must not reappear.
	for i := range m.Data {
		m.Data[i] = 0xaa
	}
	m.Data = m.Data[:10*65536]
	if _, ok := m.Grow(5); !ok {
		t.Fatal("Grow(5) after a shrink failed")
	}
	for i, c := range m.Data[10*65536:] {
		if c != 0 {
			t.Fatalf("Grow(5) after a shrink: byte %d of the new pages is %#x", i, c)
		}
	}
	if len(m.Data) != 15*65536 || m.Data[10*65536-1] != 0xaa {
		t.Fatalf("Grow(5) after a shrink: length %d, last old byte %#x", len(m.Data), m.Data[10*65536-1])
	}

	// A declared maximum bounds the capacity, and growth up to it.
	m = NewMemory(wasm.MemoryType{Limits: wasm.Limits{Min: 0, Max: 37, HasMax: true}}, 0)
	growByPages(t, m, 37)
	if _, ok := m.Grow(1); ok || m.Pages() != 37 {
		t.Errorf("grew past the maximum: %d pages", m.Pages())
	}
	// So does a host limit.
	m = NewMemory(wasm.MemoryType{Limits: wasm.Limits{Min: 3}}, 20)
	growByPages(t, m, 20)
	if _, ok := m.Grow(1); ok {
		t.Errorf("grew past the host limit: %d pages", m.Pages())
	}
}

// TestNewMemoryRoom: a new memory can grow without moving (a program that
// starts with 16 MiB and asks for a few more pages, as Zig's do, copies
// nothing), but not past its maximum; a host limit below the minimum
// limits growth only.
func TestNewMemoryRoom(t *testing.T) {
	for _, c := range []struct {
		limits    wasm.Limits
		hostLimit uint32
		pages     uint32 // the capacity, in pages
	}{
		{wasm.Limits{Min: 257}, 0, 514},
		{wasm.Limits{Min: 0}, 0, 0},
		{wasm.Limits{Min: 1, Max: 1, HasMax: true}, 0, 1},
		{wasm.Limits{Min: 10, Max: 15, HasMax: true}, 0, 15},
		{wasm.Limits{Min: 10}, 12, 12},
		{wasm.Limits{Min: 10}, 4, 10},
		{wasm.Limits{Min: 100}, 150, 150},
	} {
		m := NewMemory(wasm.MemoryType{Limits: c.limits}, c.hostLimit)
		if m.Pages() != c.limits.Min || cap(m.Data) != int(c.pages)*65536 {
			t.Errorf("%+v, host limit %d: %d pages, capacity %d pages; want %d, %d",
				c.limits, c.hostLimit, m.Pages(), cap(m.Data)/65536, c.limits.Min, c.pages)
		}
	}
	m := NewMemory(wasm.MemoryType{Limits: wasm.Limits{Min: 257}}, 0)
	if moves, _ := growByPages(t, m, 262); moves != 0 {
		t.Errorf("growing from 257 pages to 262 moved the memory %d times", moves)
	}
}

// BenchmarkMemoryGrowByPage grows a memory from one page to 1,024 (64 MiB)
// one page at a time, as allocators of C, Zig and Rust programs do.
func BenchmarkMemoryGrowByPage(b *testing.B) {
	b.SetBytes(1024 * 65536)
	b.ReportAllocs()
	for b.Loop() {
		m := NewMemory(wasm.MemoryType{Limits: wasm.Limits{Min: 1}}, 0)
		for m.Pages() < 1024 {
			m.Grow(1)
		}
	}
}
