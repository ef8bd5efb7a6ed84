// Package fast is wdb's register interpreter, modelled on WAMR's fast
// interpreter: on its first call each function's stack code is rewritten
// into register code whose operands are frame-relative offsets of 32-bit cells
// (64-bit values take two). local.get and constants emit nothing (operands
// alias the local's cells or a cell of the per-function constant pool that
// every call copies into the frame); a result followed by local.set is
// written straight into the local; an i32 compare followed by br_if is one
// op; block results and branch arguments move with explicit copies.
//
// Compile translates nothing: a function is translated the first time
// anything needs it (a call, Start, Call, Restore, a breakpoint in it),
// once per program under a sync.Once, so programs shared between
// goroutines stay safe. A machine's table of active variants holds a
// sentinel for functions it has not called, whose frame never fits: the
// call op's existing stack check sends that first call out of line, which
// translates and patches the table.
//
// Every function has a fast variant (fused, no boundaries) and, made on
// first need, a precise variant (same frame layout, no fusion, a stop check
// before every instruction) used near a Run's limit, in functions holding
// breakpoints and after stopping inside a fused op. PC maps (Wasm
// instruction ↔ op index) and stack maps (where each operand lives at
// every boundary: its home cell, a local, a constant) convert the native
// state to and from the engine-neutral snapshot without re-executing
// anything. While memory is watched (engines.StoreWatcher), functions
// run a watch variant instead of the fast one: the same ops with every
// store replaced by a checking store, stopping exactly at the store's
// boundary. The counter is cbase plus the Wasm index, adjusted by
// compile-time constants on taken branches, calls and returns only.
//
// docs/engines.md ("fast") describes the design; the choices where
// docs/execution-model.md is silent are the standard engine's.
package fast
