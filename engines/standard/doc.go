// Package standard is wdb's reference interpreter, modelled on WasmEdge's.
//
// # Model
//
// Compile turns each function body into one op per Wasm instruction, at the
// same index (ops.go, compile.go): the instruction index is the engine's
// program counter and maps to the file offset through wasm.Func.Instrs.
// The control side table is folded into the ops: every if, else, br, br_if
// and br_table knows its target index, the arity it carries and the stack
// height to unwind to, computed from wasm.Block.
//
// At run time there is one value stack of 128-bit zero-padded slots
// (machine.go): a frame's parameters and declared locals sit at its base,
// its operands above them; the callee's parameters are the caller's top
// operands. A separate frame stack holds (function, call instruction,
// base). The stack is untyped; snapshots take the types from the loader's
// analysis (wasm.Func.StackTypes, LocalType).
//
// # Counting without a counter
//
// The counter is cbase + pc. Straight-line execution needs no bookkeeping;
// a taken jump from instruction j to k adds j+1-k to cbase, a call and a
// return do the same across frames. A trapping instruction stays at pc and
// so is not counted; a host call is counted when pc moves past it.
//
// # Fast and precise modes
//
// Plain runs execute the program's ops (exec.go) and check the stop
// conditions only at check points: backward branches, calls and returns.
// Between two check points at most one function's length of instructions
// runs, so while the counter is more than twice the longest function away
// from Stop.Limit, no limit can be missed. Closer to the limit, Run
// switches to the precise mode: every function runs a code of opStep ops
// that check the limit, breakpoints and interrupts before executing the
// original op. Breakpoints in the fast mode are opBreak ops patched into a
// per-machine copy of the function's code, so they cost nothing when there
// are none. Interrupt lowers the fast mode's limit to force a check point
// soon.
//
// # Choices where docs/execution-model.md is silent
//
//   - At a boundary reached by a return that satisfies Stop.ReturnDepth, a
//     limit equal to the counter is reported first (LimitReached), then
//     Returned.
//   - Start of an imported function: Run performs the call atomically and
//     counts it as one instruction. Call of an imported function does not
//     count (no instruction of this instance runs).
//   - A host call returning *engines.ExitError (proc_exit) is counted, and
//     the activation is discarded: Depth is 0 afterwards.
//   - An Interrupt with no Run in progress stays pending until a Run sees
//     it (that Run then returns Interrupted at its first instruction). A
//     Call (nested or from outside) that sees an interrupt abandons its
//     frames and returns a *engines.Trap "interrupted".
//   - Call keeps counting, whether nested in a host call or from outside;
//     breakpoints and the Run's limit do not apply inside it.
//   - The value stack is bounded to 4 Mi slots (64 MiB); beyond, and beyond
//     Options.MaxCallDepth frames, a call traps "call stack exhausted". So
//     does a Call when 10000 Calls are already in progress on the machine
//     (host functions calling back into it), since each nests the
//     interpreter on the Go stack.
//   - Function references to another instance's function are snapshot as
//     the index of the import they came through when there is one, else
//     Snapshot fails ("cannot snapshot a reference to a function of
//     another instance").
package standard
