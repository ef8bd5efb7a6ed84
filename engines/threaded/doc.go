// Package threaded is wdb's third interpreter, modelled on Wasm3 (M3):
// each function is compiled, on its first call, to a sequence of
// operations, each a Go function value with its immediates, over a frame of
// 64-bit slots
//
//	[ params (results on return) | locals | constants | temporaries ]
//
// with the top of the operand stack cached in two register fields of the
// machine, r0 for integers and references and fp0 for floats.
//
// The compiler (compile.go) runs over the Wasm instructions once with an
// abstract operand stack that says where each operand lives: its home
// slot (one per stack height), a local's or a constant's slot (local.get
// and constants emit nothing), or a register (an operation's result stays
// there until something needs the register or a slot). Operation variants
// are chosen by where the operands live and where the result goes
// (ops_gen.go, written by gen_ops.go: i32.add has _rs, _sr and _ss forms
// writing r0, and the same writing a slot). local.set preserves the
// operands that alias the local first; a register operand that must go
// home makes the operation that produced it write it there.
//
// Every function has two variants with the same frame layout and the same
// stack maps: the fast one, which fuses an operation with the local.set
// that follows, a comparison with the br_if that follows, a result with
// the return that follows, and checks the stop conditions only at back
// branches, calls and returns; and the precise one, a step before every
// reachable instruction. The PC map (variant.pos, variant.wasmOf) and the
// stack maps (function.stackMap, which include the registers) let a
// machine stop, report, snapshot and restore at any instruction boundary,
// and counting needs no work in straight-line code: the counter is
// cbase+wi, and only taken branches, calls and returns adjust cbase.
//
// While memory is watched (SetStoreWatch, engines.StoreWatcher), the
// functions that store run watch variants of both: a check before every
// store, and no store fused away from its boundary (run.go, variantFor).
//
// Dispatch is a trampoline: each operation returns the next one (nil to
// leave the loop), measured against the alternatives in dispatch_test.go;
// see docs/engines.md.
package threaded
