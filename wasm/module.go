package wasm

import (
	"crypto/sha256"
	"sort"
	"sync"
)

// Module is a decoded and validated module together with its static
// analysis. It is immutable once Load returns and safe to share between
// engines and goroutines.
type Module struct {
	// Bytes is the module file as loaded. All offsets are relative to it.
	Bytes []byte
	// Features are the features the module was loaded with (Features2
	// unless loaded by LoadFeatures). Engines follow them where the
	// execution semantics differ (BulkMemory: instantiation).
	Features Features

	Types   []FuncType
	Imports []Import
	Exports []Export

	// Function, table, memory and global index spaces: imported entries
	// first, then the module's own, as in the spec.
	Funcs    []*Func
	Tables   []TableType
	Memories []MemoryType
	Globals  []GlobalType
	// GlobalInits[i] is the initialiser of global NumImportedGlobals+i.
	GlobalInits []ConstExpr

	NumImportedFuncs    uint32
	NumImportedTables   uint32
	NumImportedMemories uint32
	NumImportedGlobals  uint32

	// Start is the start function's index, or -1.
	Start int64

	Elems []ElemSegment
	Datas []DataSegment
	// DataCount is the data count section's value, or -1 if absent.
	DataCount int64

	// hash caches Hash: every snapshot and restore names the module by it,
	// and a Go program's module is megabytes long.
	hashOnce sync.Once
	hash     [32]byte

	// ModuleName is the module's name from the name section, or "".
	ModuleName string
	// GlobalNames maps a global index (imports first) to its name from
	// the name section's global names (the extended name section: LLVM
	// writes __stack_pointer there, wat2wasm --debug-names the $ids).
	GlobalNames map[uint32]string

	// CodeSectionOffset is the file offset of the code section's contents
	// (after its id and size). DWARF addresses are relative to it.
	CodeSectionOffset uint32

	// Customs are the custom sections in file order.
	Customs []CustomSection
}

// CustomSection is a custom section, with the file offset of its payload.
type CustomSection struct {
	Name   string
	Offset uint32
	Data   []byte
}

// Func is one function of the function index space. Imported functions
// have Import set and no body.
type Func struct {
	Index     uint32
	TypeIndex uint32
	Type      *FuncType
	Import    *Import // non-nil for an imported function

	// Name is the function's name: from the name section, else from
	// DWARF, else the first name it is exported under; "" if none.
	Name string
	// LocalNames maps local index (parameters first) to its name.
	LocalNames map[uint32]string

	// Locals are the declared locals, expanded, not including parameters.
	Locals []ValType

	// BodyOffset is the file offset of the function body (its local
	// declarations), BodyEnd the offset just after its final end.
	BodyOffset, BodyEnd uint32

	// Instrs are the decoded instructions in order; the last one is the
	// function's final end.
	Instrs []Instr
	// Info[i] is the static analysis of the state before Instrs[i].
	Info []InstrInfo
	// Blocks are the structured control constructs. Blocks[0] is the
	// function body itself (Kind LabelFunc).
	Blocks []Block
	// TypeNodes form a persistent stack of operand types; InstrInfo.Top
	// points into it.
	TypeNodes []TypeNode
	// BrTable holds the label depths of all br_table instructions; an
	// instruction's A and B select its run (default target last).
	BrTable []uint32
	// MaxHeight is the largest operand stack height in the function.
	MaxHeight int
}

// DisplayName returns the function's name, or "func[N]" when it has none.
func (f *Func) DisplayName() string {
	if f.Name != "" {
		return f.Name
	}
	return "func[" + itoa(uint64(f.Index)) + "]"
}

// NumLocals is the number of locals including parameters.
func (f *Func) NumLocals() int { return len(f.Type.Params) + len(f.Locals) }

// LocalType returns the type of local i (parameters first).
func (f *Func) LocalType(i uint32) ValType {
	if int(i) < len(f.Type.Params) {
		return f.Type.Params[i]
	}
	return f.Locals[int(i)-len(f.Type.Params)]
}

// InstrAt returns the index of the instruction starting at file offset off.
func (f *Func) InstrAt(off uint32) (int, bool) {
	i := sort.Search(len(f.Instrs), func(i int) bool { return f.Instrs[i].Offset >= off })
	if i < len(f.Instrs) && f.Instrs[i].Offset == off {
		return i, true
	}
	return i, false
}

// StackTypes returns the operand types on the stack before instruction i,
// bottom first (all labels' operands, not the locals).
func (f *Func) StackTypes(i int) []ValType {
	info := f.Info[i]
	out := make([]ValType, info.Height)
	n := info.Top
	for k := int(info.Height) - 1; k >= 0; k-- {
		out[k] = f.TypeNodes[n].Type
		n = f.TypeNodes[n].Parent
	}
	return out
}

// Labels returns the indices into Blocks of the labels enclosing
// instruction i, outermost (the function body) first.
func (f *Func) Labels(i int) []int {
	var out []int
	for b := f.Info[i].Block; b >= 0; b = f.Blocks[b].Parent {
		out = append(out, int(b))
	}
	for l, r := 0, len(out)-1; l < r; l, r = l+1, r-1 {
		out[l], out[r] = out[r], out[l]
	}
	return out
}

// LabelTarget returns the block that a branch of the given depth at
// instruction i targets.
func (f *Func) LabelTarget(i int, depth uint32) *Block {
	b := f.Info[i].Block
	for ; depth > 0; depth-- {
		b = f.Blocks[b].Parent
	}
	return &f.Blocks[b]
}

// FuncAt returns the defined function whose body contains file offset off.
func (m *Module) FuncAt(off uint32) (*Func, bool) {
	defined := m.Funcs[m.NumImportedFuncs:]
	i := sort.Search(len(defined), func(i int) bool { return defined[i].BodyEnd > off })
	if i < len(defined) && defined[i].BodyOffset <= off {
		return defined[i], true
	}
	return nil, false
}

// ExportedFunc returns the index of the function exported under name.
func (m *Module) ExportedFunc(name string) (uint32, bool) {
	for _, e := range m.Exports {
		if e.Kind == ExternFunc && e.Name == name {
			return e.Index, true
		}
	}
	return 0, false
}

// LabelKind is the kind of a structured control construct.
type LabelKind byte

const (
	LabelFunc LabelKind = iota
	LabelBlock
	LabelLoop
	LabelIf
)

func (k LabelKind) String() string {
	return [...]string{"func", "block", "loop", "if"}[k]
}

// Block is a structured control construct (a label).
type Block struct {
	Kind LabelKind
	// Start is the index of the block/loop/if instruction (-1 for the
	// function body), Else the index of its else (-1 if none), End the
	// index of its end.
	Start, Else, End int
	// Type is the block type: Params are popped on entry and Results
	// pushed at the end.
	Type FuncType
	// Height is the operand stack height on entry, below the parameters.
	Height int
	// Parent is the index of the enclosing block, -1 for the function body.
	Parent int32
}

// Arity is the number of values a branch to this label carries.
func (b *Block) Arity() int {
	if b.Kind == LabelLoop {
		return len(b.Type.Params)
	}
	return len(b.Type.Results)
}

// Continuation is the index of the instruction where execution continues
// after a branch to this label: the first instruction of a loop's body, or
// the instruction after a block's end. For the function body it is
// len(Instrs) (the branch returns).
func (b *Block) Continuation() int {
	if b.Kind == LabelLoop {
		return b.Start + 1
	}
	return b.End + 1
}

// InstrInfo is the static state before one instruction.
type InstrInfo struct {
	// Height is the operand stack height (all labels' operands).
	Height uint32
	// Top indexes Func.TypeNodes: the type of the top operand (-1 when the
	// stack is empty).
	Top int32
	// Block indexes Func.Blocks: the innermost enclosing construct.
	Block int32
	// Unreachable is set for instructions in dead code (after br, return,
	// unreachable...). Engines never stop there.
	Unreachable bool
}

// TypeNode is one entry of the persistent operand type stack.
type TypeNode struct {
	Type   ValType
	Parent int32
}

func itoa(v uint64) string {
	if v == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return string(b[i:])
}

// Hash returns the sha256 of the module's bytes (the hash checkpoint
// images name their module by), computed once.
func (m *Module) Hash() [32]byte {
	m.hashOnce.Do(func() { m.hash = sha256.Sum256(m.Bytes) })
	return m.hash
}
