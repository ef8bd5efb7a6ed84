package snapshot

import (
	"fmt"
	"slices"

	"github.com/wdb-dev/wdb/wasm"
)

// CheckAgainst validates s against mod and its analysis, as every engine
// must before Restore: the module hash; every frame at an instruction
// boundary of a defined function, frames below the top at a call of the
// frame above; locals, operands and labels with the types and structure
// the analysis derives there; globals, memories and tables matching the
// module's; values a wdb engine can hold. Limits that depend on the
// instance (call depth, memory and table maxima of imports, the host's
// memory limit) are the engine's to check.
func (s *Snapshot) CheckAgainst(mod *wasm.Module) error {
	if s.ModuleHash != mod.Hash() {
		return fmt.Errorf("the snapshot belongs to another module (hash %x, this module's is %x)", s.ModuleHash[:8], mod.Hash()) // only a prefix, for legibility
	}
	for k := range s.Frames {
		if err := s.checkFrame(mod, k); err != nil {
			return err
		}
	}
	if len(s.Globals) != len(mod.Globals) {
		return fmt.Errorf("%d globals, the module has %d", len(s.Globals), len(mod.Globals))
	}
	for i, v := range s.Globals {
		if want := mod.Globals[i].Type; v.Type != want {
			return fmt.Errorf("global %d is %v, the module says %v", i, v.Type, want)
		}
		if err := checkEngineValue(mod, v); err != nil {
			return fmt.Errorf("global %d: %w", i, err)
		}
	}
	if len(s.Memories) != len(mod.Memories) {
		return fmt.Errorf("%d memories, the module has %d", len(s.Memories), len(mod.Memories))
	}
	for i, sm := range s.Memories {
		if len(sm.Pages) != int(sm.Size) {
			return fmt.Errorf("memory %d has %d pages but %d page entries", i, sm.Size, len(sm.Pages))
		}
		for p, page := range sm.Pages {
			if page != nil && len(page) != PageSize {
				return fmt.Errorf("memory %d page %d is %d bytes long", i, p, len(page))
			}
		}
	}
	if len(s.Tables) != len(mod.Tables) {
		return fmt.Errorf("%d tables, the module has %d", len(s.Tables), len(mod.Tables))
	}
	for i, st := range s.Tables {
		want := mod.Tables[i].Elem
		if st.Type != want {
			return fmt.Errorf("table %d holds %v, the module says %v", i, st.Type, want)
		}
		for k, v := range st.Elems {
			if v.Type != want {
				return fmt.Errorf("table %d element %d is %v, expected %v", i, k, v.Type, want)
			}
			if err := checkEngineValue(mod, v); err != nil {
				return fmt.Errorf("table %d element %d: %w", i, k, err)
			}
		}
	}
	for _, d := range s.DroppedData {
		if int(d) >= len(mod.Datas) {
			return fmt.Errorf("dropped data segment %d does not exist", d)
		}
	}
	for _, d := range s.DroppedElem {
		if int(d) >= len(mod.Elems) {
			return fmt.Errorf("dropped element segment %d does not exist", d)
		}
	}
	return nil
}

// definedFunc returns function fn if the module defines it (has its body).
func definedFunc(mod *wasm.Module, fn uint32) (*wasm.Func, bool) {
	if int(fn) >= len(mod.Funcs) || mod.Funcs[fn].Import != nil {
		return nil, false
	}
	return mod.Funcs[fn], true
}

// checkFrame validates frame k of s.
func (s *Snapshot) checkFrame(mod *wasm.Module, k int) error {
	fr := &s.Frames[k]
	f, ok := definedFunc(mod, fr.Func)
	if !ok {
		return fmt.Errorf("frame %d: function %d is not a function defined by the module", k, fr.Func)
	}
	where := fmt.Sprintf("frame %d (%s) at offset 0x%x", k, f.DisplayName(), fr.PC)
	i, ok := f.InstrAt(fr.PC)
	if !ok {
		return fmt.Errorf("%s: not the start of an instruction of the function", where)
	}
	if f.Info[i].Unreachable {
		return fmt.Errorf("%s: the instruction is unreachable", where)
	}
	in := &f.Instrs[i]
	types := f.StackTypes(i)
	if top := k == len(s.Frames)-1; !top {
		next := s.Frames[k+1].Func
		callee, ok := definedFunc(mod, next)
		if !ok {
			return fmt.Errorf("frame %d: function %d is not a function defined by the module", k+1, next)
		}
		switch in.Op {
		case wasm.OpCall:
			if in.A != next {
				return fmt.Errorf("%s: the call is of function %d, but frame %d runs function %d", where, in.A, k+1, next)
			}
		case wasm.OpCallIndirect:
			if !mod.Types[in.A].Equal(callee.Type) {
				return fmt.Errorf("%s: call_indirect expects type %v, but frame %d's function has type %v", where, &mod.Types[in.A], k+1, callee.Type)
			}
		default:
			return fmt.Errorf("%s: a frame below the top must be at a call, not %v", where, in.Op)
		}
		types = types[:len(types)-PassedOperands(mod, in)]
	}
	if len(fr.Locals) != f.NumLocals() {
		return fmt.Errorf("%s: %d locals, the function has %d", where, len(fr.Locals), f.NumLocals())
	}
	for j, v := range fr.Locals {
		if want := f.LocalType(uint32(j)); v.Type != want {
			return fmt.Errorf("%s: local %d is %v, the function says %v", where, j, v.Type, want)
		}
		if err := checkEngineValue(mod, v); err != nil {
			return fmt.Errorf("%s: local %d: %w", where, j, err)
		}
	}
	if len(fr.Stack) != len(types) {
		return fmt.Errorf("%s: %d operands, the analysis says %d", where, len(fr.Stack), len(types))
	}
	for j, v := range fr.Stack {
		if v.Type != types[j] {
			return fmt.Errorf("%s: operand %d is %v, the analysis says %v", where, j, v.Type, types[j])
		}
		if err := checkEngineValue(mod, v); err != nil {
			return fmt.Errorf("%s: operand %d: %w", where, j, err)
		}
	}
	want := LabelsAt(f, i)
	if !slices.Equal(fr.Labels, want) {
		return fmt.Errorf("%s: labels %v do not match the function's structure %v", where, fr.Labels, want)
	}
	return nil
}

// checkEngineValue rejects values no wdb engine can hold.
func checkEngineValue(mod *wasm.Module, v Value) error {
	switch v.Type {
	case wasm.V128:
		return fmt.Errorf("v128 values are not supported")
	case wasm.FuncRef:
		if v.Lo > uint64(len(mod.Funcs)) {
			return fmt.Errorf("reference to function %d, the module has %d", v.Lo-1, len(mod.Funcs))
		}
	case wasm.I32, wasm.F32:
		if v.Lo > 0xffffffff {
			return fmt.Errorf("%v value 0x%x has bits above 32", v.Type, v.Lo)
		}
	}
	if v.Hi != 0 {
		return fmt.Errorf("%v value has non-zero high bits", v.Type)
	}
	return nil
}

// PassedOperands is how many operands a call instruction in progress has
// taken from its frame's stack: the arguments, and call_indirect's index.
func PassedOperands(mod *wasm.Module, in *wasm.Instr) int {
	switch in.Op {
	case wasm.OpCall:
		return len(mod.Funcs[in.A].Type.Params)
	case wasm.OpCallIndirect:
		return len(mod.Types[in.A].Params) + 1
	}
	return 0
}

// LabelsAt derives the control stack before instruction i of f, as frames
// carry it.
func LabelsAt(f *wasm.Func, i int) []Label {
	var out []Label
	for _, b := range f.Labels(i) {
		blk := &f.Blocks[b]
		l := Label{Kind: blk.Kind, Arity: uint32(blk.Arity()), Height: uint32(blk.Height)}
		if blk.Kind == wasm.LabelFunc {
			l.Start, l.Cont = f.BodyOffset, f.BodyEnd
		} else {
			l.Start = f.Instrs[blk.Start].Offset
			l.Cont = f.BodyEnd
			if c := blk.Continuation(); c < len(f.Instrs) {
				l.Cont = f.Instrs[c].Offset
			}
		}
		out = append(out, l)
	}
	return out
}
