package engines

import (
	"fmt"
	"math"

	"github.com/wdb-dev/wdb/wasm"
)

// Trap messages of the spec that the shared code raises too.
const (
	MsgUnreachable       = "unreachable"
	MsgDivideByZero      = "integer divide by zero"
	MsgIntegerOverflow   = "integer overflow"
	MsgInvalidConversion = "invalid conversion to integer"
	MsgMemoryOOB         = "out of bounds memory access"
	MsgTableOOB          = "out of bounds table access"
	MsgUndefinedElement  = "undefined element"
	MsgUninitialized     = "uninitialized element"
	MsgIndirectMismatch  = "indirect call type mismatch"
	MsgCallStack         = "call stack exhausted"
)

// Instance holds the module-level runtime objects of one instance, which
// every engine keeps the same way: memories, tables, globals, segments,
// imports, function references, its store and ID. An engine embeds it by
// value in its machine (and calls Init from Instantiate), so that the
// interpreter loops read Globals, Refs or Memories at a fixed offset of
// the machine, exactly as they would the machine's own fields; its methods
// provide Machine's Module, ID, Memory, Table, Global, Export, Interrupt,
// Run, Frames, Snapshot and Restore, driving the engine's half (Interp).
type Instance struct {
	// Runner holds the stop conditions and the calls in progress; first,
	// since the interpreter loops read its FastLimit and StopDepth.
	Runner

	Mod   *wasm.Module
	Opts  Options
	Store *Store
	// Imports[f] is the extern imported as function f (zero for the
	// module's own functions).
	Imports []Extern
	// Refs[f] is the reference value of function f: FuncRef of this
	// instance, or of the instance that exported the import.
	Refs     []uint64
	Memories []*Memory // imported ones first
	Tables   []*Table
	Globals  []*Global
	Elems    [][]uint64 // element segments' references; nil once dropped
	Datas    [][]byte   // data segments; nil once dropped
	DropElem []bool
	DropData []bool

	self Interp // the machine that embeds this instance
	id   uint32
}

// Init checks the imports, registers self (the machine that embeds in)
// in store (a new store if nil), creates the instance's tables, memories
// and globals and applies the active segments. It follows spec 2.0: element segments, then data
// segments, each bounds-checked as a whole; one that does not fit is a
// *Trap that aborts instantiation with the effects of the segments before
// it kept. A module loaded without bulk memory gets 1.0's rule instead:
// all segments are checked first, and one that does not fit is a link
// error with nothing written. opts.MaxMemoryPages limits memory growth.
func (in *Instance) Init(self Interp, store *Store, mod *wasm.Module, imports []Extern, opts Options) error {
	if len(imports) != len(mod.Imports) {
		return fmt.Errorf("module has %d imports, %d provided", len(mod.Imports), len(imports))
	}
	for i := range mod.Imports {
		if err := CheckImport(mod, &mod.Imports[i], &imports[i]); err != nil {
			return err
		}
	}
	if store == nil {
		store = NewStore()
	}
	in.Mod, in.Opts, in.Store, in.self = mod, opts, store, self
	in.Imports = make([]Extern, len(mod.Funcs))
	in.Refs = make([]uint64, len(mod.Funcs))
	// No Run yet: nothing to stop fast code for.
	in.FastLimit.Store(math.MaxInt64)

	// Imports, in the order of the import section.
	var fi uint32
	for i, imp := range mod.Imports {
		ext := imports[i]
		switch imp.Kind {
		case wasm.ExternFunc:
			in.Imports[fi] = ext
			fi++
		case wasm.ExternTable:
			in.Tables = append(in.Tables, ext.Table)
		case wasm.ExternMemory:
			in.Memories = append(in.Memories, ext.Memory)
		case wasm.ExternGlobal:
			in.Globals = append(in.Globals, ext.Global)
		}
	}
	in.id = store.Add(self)
	for i := range in.Refs {
		in.Refs[i] = FuncRef(in.id, uint32(i))
		if ext := in.Imports[i]; ext.Owner != nil {
			in.Refs[i] = FuncRef(ext.Owner.ID(), ext.Index)
		}
	}

	// The module's own tables, memories and globals.
	for _, t := range mod.Tables[mod.NumImportedTables:] {
		in.Tables = append(in.Tables, NewTable(t))
	}
	for _, t := range mod.Memories[mod.NumImportedMemories:] {
		in.Memories = append(in.Memories, NewMemory(t, opts.MaxMemoryPages))
	}
	for i, t := range mod.Globals[mod.NumImportedGlobals:] {
		in.Globals = append(in.Globals, &Global{Type: t, Lo: in.EvalConst(mod.GlobalInits[i])})
	}

	// Segments: evaluate the element items, keep the data.
	in.Elems = make([][]uint64, len(mod.Elems))
	in.DropElem = make([]bool, len(mod.Elems))
	in.Datas = make([][]byte, len(mod.Datas))
	in.DropData = make([]bool, len(mod.Datas))
	in.resetSegments()

	if !mod.Features.Has(wasm.BulkMemory) {
		offset := func(e wasm.ConstExpr) uint32 { return uint32(in.EvalConst(e)) }
		if err := CheckSegmentsFit(mod, offset, in.Tables, in.Memories); err != nil {
			return err
		}
	}
	for i, seg := range mod.Elems {
		switch seg.Mode {
		case wasm.SegmentActive:
			off := uint64(uint32(in.EvalConst(seg.Offset)))
			t := in.Tables[seg.Table]
			if off+uint64(len(in.Elems[i])) > uint64(len(t.Elems)) {
				return &Trap{Msg: MsgTableOOB}
			}
			copy(t.Elems[off:], in.Elems[i])
			in.Elems[i], in.DropElem[i] = nil, true
		case wasm.SegmentDeclarative:
			in.Elems[i], in.DropElem[i] = nil, true
		}
	}
	for i, seg := range mod.Datas {
		if seg.Mode != wasm.SegmentActive {
			continue
		}
		off := uint64(uint32(in.EvalConst(seg.Offset)))
		mem := in.Memories[seg.Memory]
		if off+uint64(len(seg.Init)) > uint64(len(mem.Data)) {
			return &Trap{Msg: MsgMemoryOOB}
		}
		copy(mem.Data[off:], seg.Init)
		in.Datas[i], in.DropData[i] = nil, true
	}
	self.ReloadMemory()
	return nil
}

// resetSegments makes every segment undropped, with its contents as in
// the module.
func (in *Instance) resetSegments() {
	for i, seg := range in.Mod.Elems {
		refs := make([]uint64, len(seg.Items))
		for k, item := range seg.Items {
			refs[k] = in.EvalConst(item)
		}
		in.Elems[i], in.DropElem[i] = refs, false
	}
	for i, seg := range in.Mod.Datas {
		in.Datas[i], in.DropData[i] = seg.Init, false
	}
}

// EvalConst evaluates a validated constant expression.
func (in *Instance) EvalConst(e wasm.ConstExpr) uint64 {
	switch e.Op {
	case wasm.OpRefNull:
		return 0
	case wasm.OpRefFunc:
		return in.Refs[e.Value]
	case wasm.OpGlobalGet:
		return in.Globals[e.Value].Lo
	}
	return e.Value
}

// Module returns the instance's module.
func (in *Instance) Module() *wasm.Module { return in.Mod }

// ID is the instance's number in its store.
func (in *Instance) ID() uint32 { return in.id }

// Memory returns memory i, or nil.
func (in *Instance) Memory(i uint32) *Memory {
	if int(i) < len(in.Memories) {
		return in.Memories[i]
	}
	return nil
}

// Table returns table i, or nil.
func (in *Instance) Table(i uint32) *Table {
	if int(i) < len(in.Tables) {
		return in.Tables[i]
	}
	return nil
}

// Global returns global i, or nil.
func (in *Instance) Global(i uint32) *Global {
	if int(i) < len(in.Globals) {
		return in.Globals[i]
	}
	return nil
}

// Export returns the export called name.
func (in *Instance) Export(name string) (Extern, bool) {
	for _, e := range in.Mod.Exports {
		if e.Name != name {
			continue
		}
		switch e.Kind {
		case wasm.ExternFunc:
			return in.funcExtern(e.Index), true
		case wasm.ExternTable:
			return Extern{Kind: e.Kind, Table: in.Tables[e.Index]}, true
		case wasm.ExternMemory:
			return Extern{Kind: e.Kind, Memory: in.Memories[e.Index]}, true
		case wasm.ExternGlobal:
			return Extern{Kind: e.Kind, Global: in.Globals[e.Index]}, true
		}
	}
	return Extern{}, false
}

// funcExtern exports function idx. A re-exported import keeps its
// identity.
func (in *Instance) funcExtern(idx uint32) Extern {
	f := in.Mod.Funcs[idx]
	if f.Import != nil {
		return in.Imports[idx]
	}
	self := in.self
	return Extern{
		Kind: wasm.ExternFunc,
		Func: &HostFunc{
			Module: in.Mod.ModuleName,
			Name:   f.DisplayName(),
			Type:   *f.Type,
			Call: func(_ Machine, params, results []uint64) error {
				res, err := self.Call(idx, params)
				copy(results, res)
				return err
			},
		},
		Owner: self,
		Index: idx,
	}
}

// CheckCall checks a call of function fn with nargs arguments from outside
// (what is "Start" or "Call", for the error).
func (in *Instance) CheckCall(what string, fn uint32, nargs int) error {
	if int(fn) >= len(in.Mod.Funcs) {
		return fmt.Errorf("%s: %s: no function %d", in.self.Engine(), what, fn)
	}
	f := in.Mod.Funcs[fn]
	if nargs != len(f.Type.Params) {
		return fmt.Errorf("%s: %s: %s takes %d arguments, got %d", in.self.Engine(), what, f.DisplayName(), len(f.Type.Params), nargs)
	}
	return nil
}

// CallExtern calls a host function, or the exported function of another
// instance, with the embedding machine as the caller, counting it in
// InHost. The caller reloads whatever it caches of the memories.
func (in *Instance) CallExtern(ext Extern, params, results []uint64) error {
	in.InHost++
	defer func() { in.InHost-- }()
	if ext.Owner != nil {
		res, err := ext.Owner.Call(ext.Index, params)
		copy(results, res)
		return err
	}
	if ext.Func == nil || ext.Func.Call == nil {
		return fmt.Errorf("%s: import has no implementation", in.self.Engine())
	}
	return ext.Func.Call(in.self, params, results)
}

// HostCall is a guest's call of a host function (or another instance's):
// CallExtern, its error converted (ErrStatus), the machine's memory cache
// reloaded.
func (in *Instance) HostCall(ext Extern, params, results []uint64) Status {
	err := in.CallExtern(ext, params, results)
	in.self.ReloadMemory()
	return in.ErrStatus(err)
}

// CallImport calls imported function fn with a copy of args (a call from
// outside, not from the guest) and returns its results.
func (in *Instance) CallImport(fn uint32, args []uint64) ([]uint64, error) {
	results := make([]uint64, len(in.Mod.Funcs[fn].Type.Results))
	err := in.CallExtern(in.Imports[fn], append([]uint64(nil), args...), results)
	return results, err
}

// runPending performs the call StartHost prepared, unless the Run must
// stop first (at its limit, or interrupted): one instruction, atomic.
// retired reports whether the call completed and so counts one.
func (in *Instance) runPending(counter uint64, stop Stop) (ev Event, retired bool) {
	if counter == stop.Limit {
		return Event{Kind: LimitReached}, false
	}
	if in.TakeInterrupt() {
		return Event{Kind: Interrupted}, false
	}
	results, err := in.CallImport(in.PendingFn, in.PendingArgs)
	if exit, ok := err.(*ExitError); ok {
		in.Pending = false
		return Event{Kind: Exited, ExitCode: exit.Code}, true
	}
	if err != nil {
		return Event{Kind: Trapped, Trap: &Trap{Msg: err.Error(), Func: in.PendingFn, Cause: err}}, false
	}
	in.Pending = false
	return Event{Kind: Done, Results: results}, true
}

// Busy returns an error when a host call or a nested Call is in
// progress: the machine is then not at an instruction boundary of its
// own, and cannot do what (an operation, for the message).
func (in *Instance) Busy(what string) error {
	if in.InHost > 0 || in.Nested > 0 {
		return fmt.Errorf("%s: cannot %s during a host call or a nested call", in.self.Engine(), what)
	}
	return nil
}

// Foreign resolves a call through a reference to function fn of instance
// inst of the store, expecting signature want. It returns the function as
// an extern (for CallExtern) and its type, or the spec's trap message.
func (in *Instance) Foreign(inst, fn uint32, want *wasm.FuncType) (Extern, *wasm.FuncType, string) {
	var other Machine
	if in.Store != nil {
		other = in.Store.Instance(inst)
	}
	if other == nil || int(fn) >= len(other.Module().Funcs) {
		return Extern{}, nil, MsgUndefinedElement
	}
	ft := other.Module().Funcs[fn].Type
	if !ft.Equal(want) {
		return Extern{}, nil, MsgIndirectMismatch
	}
	return Extern{Owner: other, Index: fn}, ft, ""
}

// CanonicalTypes numbers the distinct signatures of a module, so that
// call_indirect compares integers: a type's id is the index of the first
// type equal to it.
func CanonicalTypes(types []wasm.FuncType) []uint32 {
	ids := make([]uint32, len(types))
	first := map[string]uint32{}
	for i, t := range types {
		key := string(t.Params) + "->" + string(t.Results)
		id, ok := first[key]
		if !ok {
			id = uint32(i)
			first[key] = id
		}
		ids[i] = id
	}
	return ids
}
