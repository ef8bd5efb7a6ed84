package engines

import (
	"fmt"

	"github.com/wdb-dev/wdb/wasm"
)

// CheckSegmentsFit applies WebAssembly 1.0's rule for the active segments
// of a module without wasm.BulkMemory: before anything is written, every
// element segment must fit its table and every data segment its memory;
// otherwise instantiation fails with this error (a link error, not a trap)
// and writes nothing. With bulk memory, engines write the segments in order
// instead, and the first that does not fit traps.
//
// offset returns the value of a segment's offset expression in the new
// instance; tables and memories are the instance's, imported ones first.
func CheckSegmentsFit(m *wasm.Module, offset func(wasm.ConstExpr) uint32, tables []*Table, memories []*Memory) error {
	for i, seg := range m.Elems {
		if seg.Mode != wasm.SegmentActive {
			continue
		}
		off, size := offset(seg.Offset), len(tables[seg.Table].Elems)
		if uint64(off)+uint64(len(seg.Items)) > uint64(size) {
			return fmt.Errorf("elements segment does not fit: segment %d of %d elements at %d, table %d of %d elements",
				i, len(seg.Items), off, seg.Table, size)
		}
	}
	for i, seg := range m.Datas {
		if seg.Mode != wasm.SegmentActive {
			continue
		}
		off, size := offset(seg.Offset), len(memories[seg.Memory].Data)
		if uint64(off)+uint64(len(seg.Init)) > uint64(size) {
			return fmt.Errorf("data segment does not fit: segment %d of %d bytes at %d, memory %d of %d bytes",
				i, len(seg.Init), off, seg.Memory, size)
		}
	}
	return nil
}
