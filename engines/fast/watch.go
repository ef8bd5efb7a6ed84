package fast

import (
	"encoding/binary"
	"unsafe"

	"github.com/wdb-dev/wdb/engines"
)

// Stores under a watch (engines.StoreWatcher): the watch variant's
// opWatchStore and the precise variant's stepStop check them at the
// store's boundary, where the position exists in both variants and the
// state is exact.

// storeHit says whether o, the op that starts the instruction at the
// current boundary (m.pc, m.wi), is a store that touches a watched range
// and stops the Run there.
func (m *machine) storeHit(o *op) bool {
	c := o.code
	if c == opWatchStore {
		c = opcode(o.n)
	}
	n := storeSize(c)
	if n == 0 {
		return false
	}
	ea := uint64(m.stack[m.base+int(o.a/4)]) + uint64(uint32(o.t))
	return m.StoreStop(m.Counter(), ea, n)
}

// watchStore performs opWatchStore o at m.pc: it stops before the store
// if it touches a watched range, else stores.
//
//go:noinline
func (m *machine) watchStore(o *op) engines.Status {
	if m.storeHit(o) {
		m.StopKind = engines.Breakpoint
		return engines.StStop
	}
	fp := unsafe.Pointer(&m.stack[m.base])
	n := storeSize(opcode(o.n))
	ea := uint64(r32(fp, o.a)) + uint64(uint32(o.t))
	mem := m.memData
	if ea+uint64(n) > uint64(len(mem)) {
		return m.trapHere(engines.MsgMemoryOOB)
	}
	switch n {
	case 1:
		mem[ea] = byte(r32(fp, o.b))
	case 2:
		binary.LittleEndian.PutUint16(mem[ea:], uint16(r32(fp, o.b)))
	case 4:
		binary.LittleEndian.PutUint32(mem[ea:], r32(fp, o.b))
	case 8:
		binary.LittleEndian.PutUint64(mem[ea:], r64(fp, o.b))
	}
	return engines.StRunning
}
