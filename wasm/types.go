// Package wasm loads, validates and analyses WebAssembly 2.0 modules, and
// 1.0 modules as 1.0 defines them (LoadFeatures).
//
// Decoding is done by github.com/tetratelabs/wabin, completed by the loader's
// own pass over the section headers (which also yields every function body's
// file offset). Validation follows the spec's algorithm and, as a by-product,
// produces the static analysis that all engines and the checkpoint code share:
// the decoded instructions of every function with their module-relative
// offsets, the operand types on the stack before each instruction, and the
// label (control) stack at each instruction.
package wasm

import "fmt"

// ValType is a WebAssembly value type, encoded as in the binary format.
type ValType byte

const (
	I32       ValType = 0x7f
	I64       ValType = 0x7e
	F32       ValType = 0x7d
	F64       ValType = 0x7c
	V128      ValType = 0x7b
	FuncRef   ValType = 0x70
	ExternRef ValType = 0x6f
	// Unknown is the type of an operand in unreachable code (the spec's
	// "bottom" type). It never appears at a reachable instruction.
	Unknown ValType = 0
)

func (t ValType) String() string {
	switch t {
	case I32:
		return "i32"
	case I64:
		return "i64"
	case F32:
		return "f32"
	case F64:
		return "f64"
	case V128:
		return "v128"
	case FuncRef:
		return "funcref"
	case ExternRef:
		return "externref"
	case Unknown:
		return "unknown"
	}
	return fmt.Sprintf("type(0x%02x)", byte(t))
}

// IsRef reports whether t is a reference type.
func (t ValType) IsRef() bool { return t == FuncRef || t == ExternRef }

// FuncType is a function signature.
type FuncType struct {
	Params, Results []ValType
}

func (f *FuncType) String() string {
	return fmt.Sprintf("%v -> %v", f.Params, f.Results)
}

// Equal reports whether two signatures are identical.
func (f *FuncType) Equal(o *FuncType) bool {
	if len(f.Params) != len(o.Params) || len(f.Results) != len(o.Results) {
		return false
	}
	for i := range f.Params {
		if f.Params[i] != o.Params[i] {
			return false
		}
	}
	for i := range f.Results {
		if f.Results[i] != o.Results[i] {
			return false
		}
	}
	return true
}

// Limits of a memory (in 64 KiB pages) or a table (in elements).
type Limits struct {
	Min    uint32
	Max    uint32
	HasMax bool
}

// TableType describes a table.
type TableType struct {
	Elem   ValType // FuncRef or ExternRef
	Limits Limits
}

// MemoryType describes a linear memory.
type MemoryType struct {
	Limits Limits
}

// GlobalType describes a global.
type GlobalType struct {
	Type    ValType
	Mutable bool
}

// ExternKind identifies the kind of an import or export.
type ExternKind byte

const (
	ExternFunc   ExternKind = 0
	ExternTable  ExternKind = 1
	ExternMemory ExternKind = 2
	ExternGlobal ExternKind = 3
)

func (k ExternKind) String() string {
	switch k {
	case ExternFunc:
		return "func"
	case ExternTable:
		return "table"
	case ExternMemory:
		return "memory"
	case ExternGlobal:
		return "global"
	}
	return fmt.Sprintf("extern(%d)", byte(k))
}

// Import is one entry of the import section. Exactly one of the
// descriptors is meaningful, according to Kind.
type Import struct {
	Module, Name string
	Kind         ExternKind
	TypeIndex    uint32 // ExternFunc
	Table        TableType
	Memory       MemoryType
	Global       GlobalType
}

// Export is one entry of the export section.
type Export struct {
	Name  string
	Kind  ExternKind
	Index uint32
}

// ConstExpr is a validated constant expression (global initialisers,
// segment offsets, element items). Op is one of OpI32Const, OpI64Const,
// OpF32Const, OpF64Const, OpRefNull, OpRefFunc, OpGlobalGet (v128.const is not
// supported: SIMD is out of scope).
type ConstExpr struct {
	Op Opcode
	// Value holds the constant's bits for the numeric consts, the function
	// index for ref.func, the global index for global.get and the reference
	// type for ref.null.
	Value uint64
}

// Global is a global defined by the module.
type Global struct {
	Type GlobalType
	Init ConstExpr
}

// SegmentMode is how an element or data segment is used.
type SegmentMode byte

const (
	SegmentActive SegmentMode = iota
	SegmentPassive
	SegmentDeclarative
)

// ElemSegment is an element segment. Items are constant expressions
// (ref.func, ref.null or global.get).
type ElemSegment struct {
	Mode   SegmentMode
	Table  uint32
	Offset ConstExpr // active segments only
	Type   ValType
	Items  []ConstExpr
}

// DataSegment is a data segment.
type DataSegment struct {
	Mode   SegmentMode // SegmentActive or SegmentPassive
	Memory uint32
	Offset ConstExpr // active segments only
	Init   []byte
}

// ErrorKind tells a malformed module (bad binary encoding) from an invalid
// one (well-formed but failing validation).
type ErrorKind byte

const (
	Malformed ErrorKind = iota
	Invalid
	// Unsupported is a valid module using a feature wdb does not implement
	// (SIMD: v128 and the 0xFD instructions).
	Unsupported
)

// Error is the error Load returns for a bad module. It always says where:
// the file offset, and the function when the problem is inside a body.
type Error struct {
	Kind   ErrorKind
	Offset uint32 // file offset of the offending byte
	Func   int64  // function index, or -1 when not inside a function
	// FuncName is the function's name when known.
	FuncName string
	Msg      string
}

func (e *Error) Error() string {
	kind := "malformed module"
	switch e.Kind {
	case Invalid:
		kind = "invalid module"
	case Unsupported:
		kind = "unsupported module"
	}
	where := fmt.Sprintf("offset 0x%x", e.Offset)
	if e.Func >= 0 {
		name := e.FuncName
		if name == "" {
			name = fmt.Sprintf("func[%d]", e.Func)
		}
		where = fmt.Sprintf("%s at offset 0x%x", name, e.Offset)
	}
	return fmt.Sprintf("%s: %s: %s", kind, where, e.Msg)
}
