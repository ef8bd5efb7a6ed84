package fast

import "github.com/wdb-dev/wdb/wasm"

// opcode is the operation code of one register instruction. Numeric
// instructions, loads, stores and the other instructions that become one
// op keep their Wasm opcode (0xFC-prefixed ones at 0xE0 + sub-opcode); the
// engine's own operations start at 0x100. The space stays dense so the
// dispatch switch compiles to a jump table.
type opcode uint16

// op is one register instruction. Operands a, b and c are byte offsets
// from the frame base (fp) of 32-bit cells; a 64-bit value occupies two
// consecutive cells. Their meaning by code:
//
//	numeric          a, b = operands, c = result
//	loads            a = address, c = result, t = static offset
//	stores           a = address, b = value, t = static offset
//	mov32, mov64     a = source, c = destination
//	jmp, br*         t = target op index, d = counter adjustment (j+1-k for a
//	                 jump from instruction j to k), a = condition
//	call             a = function index, b = cell offset of the arguments
//	return           a = result, n = result cells (0, 1, 2)
//	step             a = the Wasm instruction index of the boundary
type op struct {
	code opcode
	n    uint16
	a    uint32
	b    uint32
	c    uint32
	t    int32
	d    int32
}

const (
	opPrefixFC opcode = 0xe0

	opMov32 opcode = 0x100 + iota
	opMov64
	opJmp        // unconditional jump inside a function (if-false target, else, br forward)
	opBrLoop     // br to a loop: a backward jump, a check point
	opBrIf       // conditional forward jump on a != 0
	opBrIfLoop   // conditional backward jump, a check point
	opBrUnless   // jump when a == 0 (if, and the skip around a br_if's copies)
	opReturn     // return of at most one value
	opReturnN    // return of several values (out of line)
	opBrTable    // out of line
	opCall       // call of a wasm function of this module
	opCallImport // call of an imported function
	opCallIndirect
	opStep // precise variant: a Wasm instruction boundary
	opSelect32
	opSelect64
	opGlobalGet32
	opGlobalGet64
	opGlobalSet32
	opGlobalSet64
	opTrap // unreachable
	opRefFunc
	opNop
	// A store in the watch variant (StoreWatcher): a, b, t as for the
	// store, n = the store's own opcode.
	opWatchStore
	// Fused compare and br_if (fast variant only): a, b = the compare's
	// operands; t, d as for br_if. The br_if's boundary has no position.
	opBrI32Eqz
	opBrI32EqzLoop
	opBrI32Eq
	opBrI32EqLoop
	opBrI32Ne
	opBrI32NeLoop
	opBrI32LtS
	opBrI32LtSLoop
	opBrI32LtU
	opBrI32LtULoop
	opBrI32GtS
	opBrI32GtSLoop
	opBrI32GtU
	opBrI32GtULoop
	opBrI32LeS
	opBrI32LeSLoop
	opBrI32LeU
	opBrI32LeULoop
	opBrI32GeS
	opBrI32GeSLoop
	opBrI32GeU
	opBrI32GeULoop
	opLast
)

// fusedBranch maps a compare to its fused compare-and-branch ops (forward,
// to a loop).
var fusedBranch = map[opcode][2]opcode{
	opI32Eqz: {opBrI32Eqz, opBrI32EqzLoop},
	opI32Eq:  {opBrI32Eq, opBrI32EqLoop},
	opI32Ne:  {opBrI32Ne, opBrI32NeLoop},
	opI32LtS: {opBrI32LtS, opBrI32LtSLoop},
	opI32LtU: {opBrI32LtU, opBrI32LtULoop},
	opI32GtS: {opBrI32GtS, opBrI32GtSLoop},
	opI32GtU: {opBrI32GtU, opBrI32GtULoop},
	opI32LeS: {opBrI32LeS, opBrI32LeSLoop},
	opI32LeU: {opBrI32LeU, opBrI32LeULoop},
	opI32GeS: {opBrI32GeS, opBrI32GeSLoop},
	opI32GeU: {opBrI32GeU, opBrI32GeULoop},
}

// isFusedBranch reports whether code is a fused compare-and-branch, which
// belongs to the compare's instruction (the br_if is the next one).
func isFusedBranch(code opcode) bool { return code >= opBrI32Eqz && code < opLast }

// storeSize is the number of bytes a store op writes; 0 for other ops
// (the stores keep their Wasm opcodes).
func storeSize(c opcode) uint32 { return wasm.StoreWidth(wasm.Opcode(c)) }

func wasmOp(o wasm.Opcode) opcode {
	if o >= 0xfc00 {
		return opPrefixFC + opcode(o&0xff)
	}
	return opcode(o)
}

// Operations that keep their Wasm opcode.
const (
	opI32Eqz            = opcode(wasm.OpI32Eqz)
	opI32Eq             = opcode(wasm.OpI32Eq)
	opI32Ne             = opcode(wasm.OpI32Ne)
	opI32LtS            = opcode(wasm.OpI32LtS)
	opI32LtU            = opcode(wasm.OpI32LtU)
	opI32GtS            = opcode(wasm.OpI32GtS)
	opI32GtU            = opcode(wasm.OpI32GtU)
	opI32LeS            = opcode(wasm.OpI32LeS)
	opI32LeU            = opcode(wasm.OpI32LeU)
	opI32GeS            = opcode(wasm.OpI32GeS)
	opI32GeU            = opcode(wasm.OpI32GeU)
	opI64Eqz            = opcode(wasm.OpI64Eqz)
	opI64Eq             = opcode(wasm.OpI64Eq)
	opI64Ne             = opcode(wasm.OpI64Ne)
	opI64LtS            = opcode(wasm.OpI64LtS)
	opI64LtU            = opcode(wasm.OpI64LtU)
	opI64GtS            = opcode(wasm.OpI64GtS)
	opI64GtU            = opcode(wasm.OpI64GtU)
	opI64LeS            = opcode(wasm.OpI64LeS)
	opI64LeU            = opcode(wasm.OpI64LeU)
	opI64GeS            = opcode(wasm.OpI64GeS)
	opI64GeU            = opcode(wasm.OpI64GeU)
	opF32Eq             = opcode(wasm.OpF32Eq)
	opF64Eq             = opcode(wasm.OpF64Eq)
	opF32Ne             = opcode(wasm.OpF32Ne)
	opF64Ne             = opcode(wasm.OpF64Ne)
	opF32Lt             = opcode(wasm.OpF32Lt)
	opF64Lt             = opcode(wasm.OpF64Lt)
	opF32Gt             = opcode(wasm.OpF32Gt)
	opF64Gt             = opcode(wasm.OpF64Gt)
	opF32Le             = opcode(wasm.OpF32Le)
	opF64Le             = opcode(wasm.OpF64Le)
	opF32Ge             = opcode(wasm.OpF32Ge)
	opF64Ge             = opcode(wasm.OpF64Ge)
	opI32Clz            = opcode(wasm.OpI32Clz)
	opI32Ctz            = opcode(wasm.OpI32Ctz)
	opI32Popcnt         = opcode(wasm.OpI32Popcnt)
	opI32Add            = opcode(wasm.OpI32Add)
	opI64Add            = opcode(wasm.OpI64Add)
	opI32Sub            = opcode(wasm.OpI32Sub)
	opI64Sub            = opcode(wasm.OpI64Sub)
	opI32Mul            = opcode(wasm.OpI32Mul)
	opI64Mul            = opcode(wasm.OpI64Mul)
	opI32And            = opcode(wasm.OpI32And)
	opI64And            = opcode(wasm.OpI64And)
	opI32Or             = opcode(wasm.OpI32Or)
	opI64Or             = opcode(wasm.OpI64Or)
	opI32Xor            = opcode(wasm.OpI32Xor)
	opI64Xor            = opcode(wasm.OpI64Xor)
	opI32Shl            = opcode(wasm.OpI32Shl)
	opI32ShrS           = opcode(wasm.OpI32ShrS)
	opI32ShrU           = opcode(wasm.OpI32ShrU)
	opI32Rotl           = opcode(wasm.OpI32Rotl)
	opI32Rotr           = opcode(wasm.OpI32Rotr)
	opI64Clz            = opcode(wasm.OpI64Clz)
	opI64Ctz            = opcode(wasm.OpI64Ctz)
	opI64Popcnt         = opcode(wasm.OpI64Popcnt)
	opI64Shl            = opcode(wasm.OpI64Shl)
	opI64ShrS           = opcode(wasm.OpI64ShrS)
	opI64ShrU           = opcode(wasm.OpI64ShrU)
	opI64Rotl           = opcode(wasm.OpI64Rotl)
	opI64Rotr           = opcode(wasm.OpI64Rotr)
	opF32Abs            = opcode(wasm.OpF32Abs)
	opF32Neg            = opcode(wasm.OpF32Neg)
	opF32Copysign       = opcode(wasm.OpF32Copysign)
	opF32Sqrt           = opcode(wasm.OpF32Sqrt)
	opF64Abs            = opcode(wasm.OpF64Abs)
	opF64Neg            = opcode(wasm.OpF64Neg)
	opF64Copysign       = opcode(wasm.OpF64Copysign)
	opF64Sqrt           = opcode(wasm.OpF64Sqrt)
	opF32Add            = opcode(wasm.OpF32Add)
	opF64Add            = opcode(wasm.OpF64Add)
	opF32Sub            = opcode(wasm.OpF32Sub)
	opF64Sub            = opcode(wasm.OpF64Sub)
	opF32Mul            = opcode(wasm.OpF32Mul)
	opF64Mul            = opcode(wasm.OpF64Mul)
	opF32Div            = opcode(wasm.OpF32Div)
	opF64Div            = opcode(wasm.OpF64Div)
	opI32WrapI64        = opcode(wasm.OpI32WrapI64)
	opI64ExtendI32S     = opcode(wasm.OpI64ExtendI32S)
	opI64ExtendI32U     = opcode(wasm.OpI64ExtendI32U)
	opI32ReinterpretF32 = opcode(wasm.OpI32ReinterpretF32)
	opF32ReinterpretI32 = opcode(wasm.OpF32ReinterpretI32)
	opI64ReinterpretF64 = opcode(wasm.OpI64ReinterpretF64)
	opF64ReinterpretI64 = opcode(wasm.OpF64ReinterpretI64)
	opF32DemoteF64      = opcode(wasm.OpF32DemoteF64)
	opF64PromoteF32     = opcode(wasm.OpF64PromoteF32)
	opF32ConvertI32S    = opcode(wasm.OpF32ConvertI32S)
	opF32ConvertI32U    = opcode(wasm.OpF32ConvertI32U)
	opF32ConvertI64S    = opcode(wasm.OpF32ConvertI64S)
	opF64ConvertI32S    = opcode(wasm.OpF64ConvertI32S)
	opF64ConvertI32U    = opcode(wasm.OpF64ConvertI32U)
	opF64ConvertI64S    = opcode(wasm.OpF64ConvertI64S)
	opI32Extend8S       = opcode(wasm.OpI32Extend8S)
	opI32Extend16S      = opcode(wasm.OpI32Extend16S)
	opI64Extend8S       = opcode(wasm.OpI64Extend8S)
	opI64Extend16S      = opcode(wasm.OpI64Extend16S)
	opI64Extend32S      = opcode(wasm.OpI64Extend32S)
	opRefIsNull         = opcode(wasm.OpRefIsNull)
	opI32DivS           = opcode(wasm.OpI32DivS)
	opI32DivU           = opcode(wasm.OpI32DivU)
	opI32RemS           = opcode(wasm.OpI32RemS)
	opI32RemU           = opcode(wasm.OpI32RemU)
	opI64DivS           = opcode(wasm.OpI64DivS)
	opI64DivU           = opcode(wasm.OpI64DivU)
	opI64RemS           = opcode(wasm.OpI64RemS)
	opI64RemU           = opcode(wasm.OpI64RemU)
	opI32Load           = opcode(wasm.OpI32Load)
	opI64Load           = opcode(wasm.OpI64Load)
	opF32Load           = opcode(wasm.OpF32Load)
	opF64Load           = opcode(wasm.OpF64Load)
	opI32Load8S         = opcode(wasm.OpI32Load8S)
	opI32Load8U         = opcode(wasm.OpI32Load8U)
	opI32Load16S        = opcode(wasm.OpI32Load16S)
	opI32Load16U        = opcode(wasm.OpI32Load16U)
	opI64Load8S         = opcode(wasm.OpI64Load8S)
	opI64Load8U         = opcode(wasm.OpI64Load8U)
	opI64Load16S        = opcode(wasm.OpI64Load16S)
	opI64Load16U        = opcode(wasm.OpI64Load16U)
	opI64Load32S        = opcode(wasm.OpI64Load32S)
	opI64Load32U        = opcode(wasm.OpI64Load32U)
	opI32Store          = opcode(wasm.OpI32Store)
	opI64Store          = opcode(wasm.OpI64Store)
	opF32Store          = opcode(wasm.OpF32Store)
	opF64Store          = opcode(wasm.OpF64Store)
	opI32Store8         = opcode(wasm.OpI32Store8)
	opI32Store16        = opcode(wasm.OpI32Store16)
	opI64Store8         = opcode(wasm.OpI64Store8)
	opI64Store16        = opcode(wasm.OpI64Store16)
	opI64Store32        = opcode(wasm.OpI64Store32)
	opMemorySize        = opcode(wasm.OpMemorySize)
	opMemoryGrow        = opcode(wasm.OpMemoryGrow)
	opTableGet          = opcode(wasm.OpTableGet)
	opTableSet          = opcode(wasm.OpTableSet)
	opF32Min            = opcode(wasm.OpF32Min)
	opF32Max            = opcode(wasm.OpF32Max)
	opF64Min            = opcode(wasm.OpF64Min)
	opF64Max            = opcode(wasm.OpF64Max)
	opF32Ceil           = opcode(wasm.OpF32Ceil)
	opF32Floor          = opcode(wasm.OpF32Floor)
	opF32Trunc          = opcode(wasm.OpF32Trunc)
	opF32Nearest        = opcode(wasm.OpF32Nearest)
	opF64Ceil           = opcode(wasm.OpF64Ceil)
	opF64Floor          = opcode(wasm.OpF64Floor)
	opF64Trunc          = opcode(wasm.OpF64Trunc)
	opF64Nearest        = opcode(wasm.OpF64Nearest)
	opI32TruncF32S      = opcode(wasm.OpI32TruncF32S)
	opI32TruncF32U      = opcode(wasm.OpI32TruncF32U)
	opI32TruncF64S      = opcode(wasm.OpI32TruncF64S)
	opI32TruncF64U      = opcode(wasm.OpI32TruncF64U)
	opI64TruncF32S      = opcode(wasm.OpI64TruncF32S)
	opI64TruncF32U      = opcode(wasm.OpI64TruncF32U)
	opI64TruncF64S      = opcode(wasm.OpI64TruncF64S)
	opI64TruncF64U      = opcode(wasm.OpI64TruncF64U)
	opF32ConvertI64U    = opcode(wasm.OpF32ConvertI64U)
	opF64ConvertI64U    = opcode(wasm.OpF64ConvertI64U)
)

const (
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
