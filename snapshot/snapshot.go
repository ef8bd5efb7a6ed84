// Package snapshot defines the engine-neutral state of a running module and
// its versioned, checksummed image format (docs/checkpoint-format.md).
//
// Every engine converts its own native state to and from a Snapshot; the
// debugger's timeline, `wdb run --checkpoint-*`, `wdb resume` and engine
// switching all go through it.
package snapshot

import (
	"crypto/sha256"
	"fmt"
	"math"

	"github.com/wdb-dev/wdb/wasm"
)

// PageSize is the size of a WebAssembly memory page.
const PageSize = 65536

// Value is a typed value. Lo holds i32 (zero-extended), i64, f32 and f64
// bits, and references (see below); Hi is only used by v128.
//
// A funcref is stored as the function index plus one (0 is null); an
// externref as the host's handle (0 is null).
type Value struct {
	Type   wasm.ValType
	Lo, Hi uint64
}

func (v Value) String() string {
	switch v.Type {
	case wasm.I32:
		return fmt.Sprintf("i32:%d", int32(v.Lo))
	case wasm.I64:
		return fmt.Sprintf("i64:%d", int64(v.Lo))
	case wasm.F32:
		return fmt.Sprintf("f32:%v", math.Float32frombits(uint32(v.Lo)))
	case wasm.F64:
		return fmt.Sprintf("f64:%v", math.Float64frombits(v.Lo))
	case wasm.V128:
		return fmt.Sprintf("v128:0x%016x%016x", v.Hi, v.Lo)
	case wasm.FuncRef:
		if v.Lo == 0 {
			return "funcref:null"
		}
		return fmt.Sprintf("funcref:%d", v.Lo-1)
	case wasm.ExternRef:
		if v.Lo == 0 {
			return "externref:null"
		}
		return fmt.Sprintf("externref:%d", v.Lo)
	}
	return fmt.Sprintf("%v:0x%x", v.Type, v.Lo)
}

// Snapshot is the complete engine-neutral state of one module instance.
type Snapshot struct {
	// Module is the module's bytes (may be nil in an image written
	// without it; ModuleHash is always set).
	Module     []byte
	ModuleHash [32]byte

	// Counter is the number of instructions retired since the start.
	Counter uint64

	// Frames, bottom (the entry function) to top. Empty when the instance
	// is not running anything (before start, after exit).
	Frames []Frame

	Globals  []Value // all globals of the index space, imported first
	Memories []Memory
	Tables   []Table

	// DroppedData and DroppedElem list the segments already dropped
	// (explicitly, or active segments after instantiation).
	DroppedData []uint32
	DroppedElem []uint32

	// Host is the WASI host's state; nil for a module without WASI.
	Host *Host
}

// Frame is one activation.
type Frame struct {
	Func uint32 // function index
	// PC is the file offset of the next instruction to execute (top frame)
	// or of the call instruction in progress (other frames).
	PC     uint32
	Locals []Value // parameters first
	Stack  []Value // operand stack, bottom first, all labels' operands
	Labels []Label // outermost (the function body) first
}

// Label is one entry of a frame's control stack, as wasm/ derives it.
type Label struct {
	Kind   wasm.LabelKind
	Arity  uint32
	Height uint32 // operand stack height on entry, below block parameters
	// Start is the file offset of the block/loop/if instruction (for the
	// function body label, the offset of the function's body).
	Start uint32
	// Cont is the file offset where a branch to this label continues.
	Cont uint32
}

// Memory is one linear memory. Pages holds Size/PageSize entries; a nil
// entry is a page of zeros. Non-nil pages are exactly PageSize long and
// may be shared between snapshots: treat them as immutable.
type Memory struct {
	Size   uint32 // in pages
	Max    uint32
	HasMax bool
	Pages  [][]byte
}

// Table is one table. Elems are funcref or externref values.
type Table struct {
	Type   wasm.ValType
	Max    uint32
	HasMax bool
	Elems  []Value
}

// Host is the state of the WASI host (filled in by package wasi).
type Host struct {
	Args []string
	Env  []string
	// Files are the open descriptors, including stdio and preopens.
	Files []File
	// LogPosition is the position in the record/replay log.
	LogPosition uint64
	// Exited and ExitCode are set once the program called proc_exit.
	Exited   bool
	ExitCode uint32
	// Monotonic is the reading of the guest's monotonic clock (nanoseconds)
	// when the state was taken. A resumed program's monotonic clock
	// continues from at least this value, so it never goes back.
	Monotonic uint64
}

// File is one open WASI descriptor.
type File struct {
	FD   uint32
	Kind FileKind
	// GuestPath is the path the guest opened (for a preopen, its guest
	// name); HostDir is the preopen's host directory.
	GuestPath string
	HostDir   string
	// Preopen is the fd of the preopened directory the path is relative to
	// (when the file was opened; the guest may close or renumber it since).
	Preopen uint32
	// PreopenPath is the guest path of that preopened directory, for
	// regular files and directories: with GuestPath (then relative to it),
	// it is how the file is found again on the resuming host.
	PreopenPath string
	Offset      int64
	OFlags      uint32 // wasi oflags
	FDFlags     uint32 // wasi fdflags
	Rights      uint64
	Inherit     uint64
	Dirents     uint64 // readdir cookie, for directories
}

// FileKind says what a descriptor is.
type FileKind byte

const (
	FileStdin FileKind = iota
	FileStdout
	FileStderr
	FilePreopen
	FileRegular
	FileDirectory
)

// HashModule returns the hash stored in images.
func HashModule(module []byte) [32]byte { return sha256.Sum256(module) }
