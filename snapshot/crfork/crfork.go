// Package crfork reads and writes the checkpoint image format of the WAMR
// and WasmEdge checkpoint/restore research forks (oss-fun/funera1-wamr,
// oss-fun/funera1-WasmEdge): a directory of small binary files, one per part
// of the state (docs/checkpoint-format.md, "The WAMR/WasmEdge fork format").
//
// The format carries no value types (only cell counts), no counter, no
// tables and no WASI state. Import recovers the types from the module's
// analysis and takes what the format lacks from base, the state of a freshly
// instantiated module; Export refuses a state the format cannot express.
package crfork

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/wdb-dev/wdb/wasm"
)

// Flavor is the fork an image is written for.
type Flavor int

const (
	WAMR Flavor = iota
	WasmEdge
)

func (f Flavor) String() string {
	if f == WasmEdge {
		return "wasmedge"
	}
	return "wamr"
}

// ParseFlavor parses "wamr" or "wasmedge".
func ParseFlavor(s string) (Flavor, error) {
	switch s {
	case "wamr":
		return WAMR, nil
	case "wasmedge":
		return WasmEdge, nil
	}
	return 0, fmt.Errorf("unknown fork image format %q (want wamr or wasmedge)", s)
}

// File names of the format.
const (
	frameFile   = "frame.img"
	pcFile      = "program_counter.img"
	globalFile  = "global.img"
	pagesFile   = "mem_page_count.img"
	memoryFile  = "memory.img"
	memPageSize = 4096 // the unit of memory.img records
	noTarget    = 0xFFFFFFFF
	maxFrames   = 1 << 20 // sanity bound on frame.img
)

func stackFile(k int) string { return "stack" + strconv.Itoa(k) + ".img" }

// IsImage reports whether dir looks like an image of the fork format.
func IsImage(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, frameFile))
	return err == nil && st.Mode().IsRegular()
}

// Error is an inconsistency in an image: the file, the field, what is wrong.
type Error struct {
	File  string // path of the file
	Field string
	Msg   string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", e.File, e.Field, e.Msg)
}

// cells is the number of 32-bit cells a value of type t takes, which is
// also its type code in the format; 0 for types this package does not
// carry (v128: no wdb engine holds it; references: the forks' encoding of
// them is not defined).
func cells(t wasm.ValType) int {
	switch t {
	case wasm.I32, wasm.F32:
		return 1
	case wasm.I64, wasm.F64:
		return 2
	}
	return 0
}

func cellSum(ts []wasm.ValType) uint32 {
	n := 0
	for _, t := range ts {
		n += cells(t)
	}
	return uint32(n)
}

// codeStart is the file offset of f's first instruction: image offsets are
// relative to it.
func codeStart(f *wasm.Func) uint32 { return f.Instrs[0].Offset }

// label is one label as the forks write it.
type label struct {
	begin, target, height, cells uint32
}

// labelsAt is the control stack before instruction i of f in WAMR classic's
// terms: begin is the first instruction inside the construct (0 for the
// body), target the construct's end (a loop: its begin; the body: its final
// end), height the stack height below the parameters in bytes, cells the
// result cells (a loop: its parameter cells).
func labelsAt(f *wasm.Func, i int) []label {
	base := codeStart(f)
	types := f.StackTypes(i)
	var out []label
	for _, b := range f.Labels(i) {
		blk := &f.Blocks[b]
		var l label
		switch blk.Kind {
		case wasm.LabelFunc:
			l = label{0, f.Instrs[len(f.Instrs)-1].Offset - base, 0, cellSum(f.Type.Results)}
		case wasm.LabelLoop:
			begin := f.Instrs[blk.Start+1].Offset - base
			l = label{begin, begin, 0, cellSum(blk.Type.Params)}
		default:
			l = label{f.Instrs[blk.Start+1].Offset - base, f.Instrs[blk.End].Offset - base, 0, cellSum(blk.Type.Results)}
		}
		l.height = 4 * cellSum(types[:blk.Height])
		out = append(out, l)
	}
	return out
}

// growable reports whether the module can change its memory size or reads
// it (memory.grow, memory.size): WAMR keeps such a module's memory in 64 KiB
// pages; any other it merges into one page (its loader's "shrunk memory").
func growable(mod *wasm.Module) bool {
	for _, f := range mod.Funcs {
		for _, in := range f.Instrs {
			if in.Op == wasm.OpMemoryGrow || in.Op == wasm.OpMemorySize {
				return true
			}
		}
	}
	return false
}
