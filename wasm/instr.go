package wasm

// Instr is one decoded instruction. Immediates are packed in A, B and C;
// their meaning depends on Op:
//
//	block, loop, if, else, end    A = index into Func.Blocks of the construct
//	br, br_if                     A = label depth
//	br_table                      A = first index into Func.BrTable, B = count (default last)
//	call                          A = function index
//	call_indirect                 A = type index, B = table index
//	local.*, global.*             A = local / global index
//	loads, stores                 A = alignment exponent, B = memory index, C = offset
//	memory.size, memory.grow      A = memory index
//	i32/i64/f32/f64.const         C = the value's bits (i32 zero-extended)
//	ref.null                      A = reference type (ValType)
//	ref.func                      A = function index
//	select (typed)                A = operand type (ValType), 0 when untyped
//	table.get/set/size/grow/fill  A = table index
//	table.copy                    A = destination table, B = source table
//	table.init                    A = element segment, B = table
//	elem.drop                     A = element segment
//	memory.init                   A = data segment, B = memory index
//	data.drop                     A = data segment
//	memory.copy                   A = destination memory, B = source memory
//	memory.fill                   A = memory index
type Instr struct {
	Op     Opcode
	Offset uint32 // file offset of the instruction's first byte
	A, B   uint32
	C      uint64
}
