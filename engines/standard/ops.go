package standard

import "github.com/wdb-dev/wdb/wasm"

// opcode is the internal operation code of one compiled instruction. Each
// Wasm instruction compiles to exactly one op at the same index, so the
// instruction index is the engine's program counter and maps to the file
// offset through wasm.Func.Instrs.
//
// Most values are the Wasm opcode itself; the 0xFC-prefixed instructions
// are moved to 0xE0+sub-opcode, and the engine's own operations fill holes
// of the one-byte opcode space. Keeping the space dense lets Go compile the
// dispatch switch to a jump table.
type opcode uint16

// op is one compiled instruction. Its immediates depend on code:
//
//	if, else (opJump)             a = index of the instruction executed next when the
//	                              condition is false / after the then-arm
//	br, br_if (all variants)      a = continuation index, x = arity (0 or 1),
//	                              c = destination height above the frame base
//	multi-value br, br_if (opBrN) a = entry in function.brTable, x = 1 for br_if
//	br_table                      a = first entry in function.brTable, c = number of entries
//	                              (executed out of line, whatever the arity)
//	return (opReturn)             x = number of results, 0 or 1
//	call, ref.func                a = function index
//	call_indirect                 a = canonical type id, c = table index
//	local.*, global.*             a = index
//	loads, stores                 a = static offset
//	consts                        c = the value's bits
//	memory.init, memory.copy,     a = A, c = B (the second index)
//	table.init, table.copy
//	everything else               as in wasm.Instr (a = A, c = C)
type op struct {
	code opcode
	x    uint16
	a    uint32
	c    uint64
}

// Operations of the engine itself, placed in holes of the opcode space.
const (
	opJump       opcode = 0x05 // else reached from the then-arm: jump past the end
	opBrLoop     opcode = 0x06 // br to a loop: a backward jump (a check point)
	opBrIfLoop   opcode = 0x07 // br_if to a loop
	opBrIfReturn opcode = 0x08 // br_if to the function's label
	opStep       opcode = 0x09 // precise mode: check the stop conditions, then execute
	opBreak      opcode = 0x0a // a breakpoint patched over an instruction
	opWatchStore opcode = 0x0b // a store patched while memory is watched (StoreWatcher)
	opCallImport opcode = 0x12 // call of an imported function
	opReturnN    opcode = 0x13 // return of more than one value
	opBrN        opcode = 0x14 // br or br_if (x = 1) carrying more than one value: a = function.brTable entry
)

// Operations that keep their Wasm opcode.
const (
	opUnreachable  = opcode(wasm.OpUnreachable)
	opNop          = opcode(wasm.OpNop) // also block, loop and the end of a block
	opIf           = opcode(wasm.OpIf)
	opBr           = opcode(wasm.OpBr)
	opBrIf         = opcode(wasm.OpBrIf)
	opBrTable      = opcode(wasm.OpBrTable)
	opReturn       = opcode(wasm.OpReturn) // also the function's final end
	opCall         = opcode(wasm.OpCall)
	opCallIndirect = opcode(wasm.OpCallIndirect)
	opDrop         = opcode(wasm.OpDrop)
	opSelect       = opcode(wasm.OpSelect) // also typed select

	opLocalGet  = opcode(wasm.OpLocalGet)
	opLocalSet  = opcode(wasm.OpLocalSet)
	opLocalTee  = opcode(wasm.OpLocalTee)
	opGlobalGet = opcode(wasm.OpGlobalGet)
	opGlobalSet = opcode(wasm.OpGlobalSet)
	opTableGet  = opcode(wasm.OpTableGet)
	opTableSet  = opcode(wasm.OpTableSet)

	opI32Load    = opcode(wasm.OpI32Load)
	opI64Load    = opcode(wasm.OpI64Load)
	opF32Load    = opcode(wasm.OpF32Load)
	opF64Load    = opcode(wasm.OpF64Load)
	opI32Load8S  = opcode(wasm.OpI32Load8S)
	opI32Load8U  = opcode(wasm.OpI32Load8U)
	opI32Load16S = opcode(wasm.OpI32Load16S)
	opI32Load16U = opcode(wasm.OpI32Load16U)
	opI64Load8S  = opcode(wasm.OpI64Load8S)
	opI64Load8U  = opcode(wasm.OpI64Load8U)
	opI64Load16S = opcode(wasm.OpI64Load16S)
	opI64Load16U = opcode(wasm.OpI64Load16U)
	opI64Load32S = opcode(wasm.OpI64Load32S)
	opI64Load32U = opcode(wasm.OpI64Load32U)
	opI32Store   = opcode(wasm.OpI32Store)
	opI64Store   = opcode(wasm.OpI64Store)
	opF32Store   = opcode(wasm.OpF32Store)
	opF64Store   = opcode(wasm.OpF64Store)
	opI32Store8  = opcode(wasm.OpI32Store8)
	opI32Store16 = opcode(wasm.OpI32Store16)
	opI64Store8  = opcode(wasm.OpI64Store8)
	opI64Store16 = opcode(wasm.OpI64Store16)
	opI64Store32 = opcode(wasm.OpI64Store32)
	opMemorySize = opcode(wasm.OpMemorySize)
	opMemoryGrow = opcode(wasm.OpMemoryGrow)

	opI32Const = opcode(wasm.OpI32Const)
	opI64Const = opcode(wasm.OpI64Const)
	opF32Const = opcode(wasm.OpF32Const)
	opF64Const = opcode(wasm.OpF64Const)

	opI32Eqz = opcode(wasm.OpI32Eqz)
	opI32Eq  = opcode(wasm.OpI32Eq)
	opI32Ne  = opcode(wasm.OpI32Ne)
	opI32LtS = opcode(wasm.OpI32LtS)
	opI32LtU = opcode(wasm.OpI32LtU)
	opI32GtS = opcode(wasm.OpI32GtS)
	opI32GtU = opcode(wasm.OpI32GtU)
	opI32LeS = opcode(wasm.OpI32LeS)
	opI32LeU = opcode(wasm.OpI32LeU)
	opI32GeS = opcode(wasm.OpI32GeS)
	opI32GeU = opcode(wasm.OpI32GeU)
	opI64Eqz = opcode(wasm.OpI64Eqz)
	opI64Eq  = opcode(wasm.OpI64Eq)
	opI64Ne  = opcode(wasm.OpI64Ne)
	opI64LtS = opcode(wasm.OpI64LtS)
	opI64LtU = opcode(wasm.OpI64LtU)
	opI64GtS = opcode(wasm.OpI64GtS)
	opI64GtU = opcode(wasm.OpI64GtU)
	opI64LeS = opcode(wasm.OpI64LeS)
	opI64LeU = opcode(wasm.OpI64LeU)
	opI64GeS = opcode(wasm.OpI64GeS)
	opI64GeU = opcode(wasm.OpI64GeU)
	opF32Eq  = opcode(wasm.OpF32Eq)
	opF32Ne  = opcode(wasm.OpF32Ne)
	opF32Lt  = opcode(wasm.OpF32Lt)
	opF32Gt  = opcode(wasm.OpF32Gt)
	opF32Le  = opcode(wasm.OpF32Le)
	opF32Ge  = opcode(wasm.OpF32Ge)
	opF64Eq  = opcode(wasm.OpF64Eq)
	opF64Ne  = opcode(wasm.OpF64Ne)
	opF64Lt  = opcode(wasm.OpF64Lt)
	opF64Gt  = opcode(wasm.OpF64Gt)
	opF64Le  = opcode(wasm.OpF64Le)
	opF64Ge  = opcode(wasm.OpF64Ge)

	opI32Clz    = opcode(wasm.OpI32Clz)
	opI32Ctz    = opcode(wasm.OpI32Ctz)
	opI32Popcnt = opcode(wasm.OpI32Popcnt)
	opI32Add    = opcode(wasm.OpI32Add)
	opI32Sub    = opcode(wasm.OpI32Sub)
	opI32Mul    = opcode(wasm.OpI32Mul)
	opI32DivS   = opcode(wasm.OpI32DivS)
	opI32DivU   = opcode(wasm.OpI32DivU)
	opI32RemS   = opcode(wasm.OpI32RemS)
	opI32RemU   = opcode(wasm.OpI32RemU)
	opI32And    = opcode(wasm.OpI32And)
	opI32Or     = opcode(wasm.OpI32Or)
	opI32Xor    = opcode(wasm.OpI32Xor)
	opI32Shl    = opcode(wasm.OpI32Shl)
	opI32ShrS   = opcode(wasm.OpI32ShrS)
	opI32ShrU   = opcode(wasm.OpI32ShrU)
	opI32Rotl   = opcode(wasm.OpI32Rotl)
	opI32Rotr   = opcode(wasm.OpI32Rotr)
	opI64Clz    = opcode(wasm.OpI64Clz)
	opI64Ctz    = opcode(wasm.OpI64Ctz)
	opI64Popcnt = opcode(wasm.OpI64Popcnt)
	opI64Add    = opcode(wasm.OpI64Add)
	opI64Sub    = opcode(wasm.OpI64Sub)
	opI64Mul    = opcode(wasm.OpI64Mul)
	opI64DivS   = opcode(wasm.OpI64DivS)
	opI64DivU   = opcode(wasm.OpI64DivU)
	opI64RemS   = opcode(wasm.OpI64RemS)
	opI64RemU   = opcode(wasm.OpI64RemU)
	opI64And    = opcode(wasm.OpI64And)
	opI64Or     = opcode(wasm.OpI64Or)
	opI64Xor    = opcode(wasm.OpI64Xor)
	opI64Shl    = opcode(wasm.OpI64Shl)
	opI64ShrS   = opcode(wasm.OpI64ShrS)
	opI64ShrU   = opcode(wasm.OpI64ShrU)
	opI64Rotl   = opcode(wasm.OpI64Rotl)
	opI64Rotr   = opcode(wasm.OpI64Rotr)

	opF32Abs      = opcode(wasm.OpF32Abs)
	opF32Neg      = opcode(wasm.OpF32Neg)
	opF32Ceil     = opcode(wasm.OpF32Ceil)
	opF32Floor    = opcode(wasm.OpF32Floor)
	opF32Trunc    = opcode(wasm.OpF32Trunc)
	opF32Nearest  = opcode(wasm.OpF32Nearest)
	opF32Sqrt     = opcode(wasm.OpF32Sqrt)
	opF32Add      = opcode(wasm.OpF32Add)
	opF32Sub      = opcode(wasm.OpF32Sub)
	opF32Mul      = opcode(wasm.OpF32Mul)
	opF32Div      = opcode(wasm.OpF32Div)
	opF32Min      = opcode(wasm.OpF32Min)
	opF32Max      = opcode(wasm.OpF32Max)
	opF32Copysign = opcode(wasm.OpF32Copysign)
	opF64Abs      = opcode(wasm.OpF64Abs)
	opF64Neg      = opcode(wasm.OpF64Neg)
	opF64Ceil     = opcode(wasm.OpF64Ceil)
	opF64Floor    = opcode(wasm.OpF64Floor)
	opF64Trunc    = opcode(wasm.OpF64Trunc)
	opF64Nearest  = opcode(wasm.OpF64Nearest)
	opF64Sqrt     = opcode(wasm.OpF64Sqrt)
	opF64Add      = opcode(wasm.OpF64Add)
	opF64Sub      = opcode(wasm.OpF64Sub)
	opF64Mul      = opcode(wasm.OpF64Mul)
	opF64Div      = opcode(wasm.OpF64Div)
	opF64Min      = opcode(wasm.OpF64Min)
	opF64Max      = opcode(wasm.OpF64Max)
	opF64Copysign = opcode(wasm.OpF64Copysign)

	opI32WrapI64        = opcode(wasm.OpI32WrapI64)
	opI32TruncF32S      = opcode(wasm.OpI32TruncF32S)
	opI32TruncF32U      = opcode(wasm.OpI32TruncF32U)
	opI32TruncF64S      = opcode(wasm.OpI32TruncF64S)
	opI32TruncF64U      = opcode(wasm.OpI32TruncF64U)
	opI64ExtendI32S     = opcode(wasm.OpI64ExtendI32S)
	opI64ExtendI32U     = opcode(wasm.OpI64ExtendI32U)
	opI64TruncF32S      = opcode(wasm.OpI64TruncF32S)
	opI64TruncF32U      = opcode(wasm.OpI64TruncF32U)
	opI64TruncF64S      = opcode(wasm.OpI64TruncF64S)
	opI64TruncF64U      = opcode(wasm.OpI64TruncF64U)
	opF32ConvertI32S    = opcode(wasm.OpF32ConvertI32S)
	opF32ConvertI32U    = opcode(wasm.OpF32ConvertI32U)
	opF32ConvertI64S    = opcode(wasm.OpF32ConvertI64S)
	opF32ConvertI64U    = opcode(wasm.OpF32ConvertI64U)
	opF32DemoteF64      = opcode(wasm.OpF32DemoteF64)
	opF64ConvertI32S    = opcode(wasm.OpF64ConvertI32S)
	opF64ConvertI32U    = opcode(wasm.OpF64ConvertI32U)
	opF64ConvertI64S    = opcode(wasm.OpF64ConvertI64S)
	opF64ConvertI64U    = opcode(wasm.OpF64ConvertI64U)
	opF64PromoteF32     = opcode(wasm.OpF64PromoteF32)
	opI32ReinterpretF32 = opcode(wasm.OpI32ReinterpretF32)
	opI64ReinterpretF64 = opcode(wasm.OpI64ReinterpretF64)
	opF32ReinterpretI32 = opcode(wasm.OpF32ReinterpretI32)
	opF64ReinterpretI64 = opcode(wasm.OpF64ReinterpretI64)
	opI32Extend8S       = opcode(wasm.OpI32Extend8S)
	opI32Extend16S      = opcode(wasm.OpI32Extend16S)
	opI64Extend8S       = opcode(wasm.OpI64Extend8S)
	opI64Extend16S      = opcode(wasm.OpI64Extend16S)
	opI64Extend32S      = opcode(wasm.OpI64Extend32S)

	opRefNull   = opcode(wasm.OpRefNull)
	opRefIsNull = opcode(wasm.OpRefIsNull)
	opRefFunc   = opcode(wasm.OpRefFunc)
)

// The 0xFC-prefixed instructions, at 0xE0 + sub-opcode.
const (
	opPrefixFC opcode = 0xe0

	opI32TruncSatF32S = opPrefixFC + opcode(wasm.OpI32TruncSatF32S&0xff)
	opI32TruncSatF32U = opPrefixFC + opcode(wasm.OpI32TruncSatF32U&0xff)
	opI32TruncSatF64S = opPrefixFC + opcode(wasm.OpI32TruncSatF64S&0xff)
	opI32TruncSatF64U = opPrefixFC + opcode(wasm.OpI32TruncSatF64U&0xff)
	opI64TruncSatF32S = opPrefixFC + opcode(wasm.OpI64TruncSatF32S&0xff)
	opI64TruncSatF32U = opPrefixFC + opcode(wasm.OpI64TruncSatF32U&0xff)
	opI64TruncSatF64S = opPrefixFC + opcode(wasm.OpI64TruncSatF64S&0xff)
	opI64TruncSatF64U = opPrefixFC + opcode(wasm.OpI64TruncSatF64U&0xff)
	opMemoryInit      = opPrefixFC + opcode(wasm.OpMemoryInit&0xff)
	opDataDrop        = opPrefixFC + opcode(wasm.OpDataDrop&0xff)
	opMemoryCopy      = opPrefixFC + opcode(wasm.OpMemoryCopy&0xff)
	opMemoryFill      = opPrefixFC + opcode(wasm.OpMemoryFill&0xff)
	opTableInit       = opPrefixFC + opcode(wasm.OpTableInit&0xff)
	opElemDrop        = opPrefixFC + opcode(wasm.OpElemDrop&0xff)
	opTableCopy       = opPrefixFC + opcode(wasm.OpTableCopy&0xff)
	opTableGrow       = opPrefixFC + opcode(wasm.OpTableGrow&0xff)
	opTableSize       = opPrefixFC + opcode(wasm.OpTableSize&0xff)
	opTableFill       = opPrefixFC + opcode(wasm.OpTableFill&0xff)
)

// internalOp maps a Wasm opcode to the op that executes it, before the
// control instructions are resolved by the compiler.
func internalOp(o wasm.Opcode) opcode {
	if o >= 0xfc00 {
		return opPrefixFC + opcode(o&0xff)
	}
	return opcode(o)
}

// storeSize is the number of bytes a store op writes; 0 for other ops
// (the stores keep their Wasm opcodes; the engine's own ops are in holes
// of the opcode space).
func storeSize(c opcode) uint32 { return wasm.StoreWidth(wasm.Opcode(c)) }
