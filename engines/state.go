package engines

import (
	"bytes"
	"fmt"

	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/wasm"
)

// The module-level part of snapshots: globals, memories, tables and
// dropped segments. The engines convert their frames themselves.

var zeroPage [snapshot.PageSize]byte

// Frames returns the typed call stack, bottom first. Function references
// to other instances that have no index in this module are shown as their
// raw encoding.
func (in *Instance) Frames() []snapshot.Frame {
	frames, _ := in.self.FrameStates(false)
	return frames
}

// Snapshot captures the complete state at the current instruction
// boundary: the machine's frames (Interp.FrameStates) and the
// module-level state (SnapshotState).
func (in *Instance) Snapshot() (*snapshot.Snapshot, error) {
	if err := in.Busy("snapshot"); err != nil {
		return nil, err
	}
	if in.Pending {
		return nil, fmt.Errorf("%s: cannot snapshot before a started host function has run", in.self.Engine())
	}
	s := &snapshot.Snapshot{
		Module:     in.Mod.Bytes,
		ModuleHash: in.Mod.Hash(),
		Counter:    in.self.Counter(),
	}
	fs, err := in.self.FrameStates(true)
	if err == nil {
		s.Frames = fs
		err = in.SnapshotState(s)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: snapshot: %w", in.self.Engine(), err)
	}
	return s, nil
}

// Restore replaces the state with s (which may come from another engine)
// after checking it (CheckSnapshot; a rejected snapshot changes nothing):
// the machine rebuilds its frames and counter (Interp.RestoreFrames),
// RestoreState the rest.
func (in *Instance) Restore(s *snapshot.Snapshot) error {
	if err := in.Busy("restore"); err != nil {
		return err
	}
	err := in.CheckSnapshot(s)
	if err == nil {
		err = in.self.RestoreFrames(s)
	}
	if err != nil {
		return fmt.Errorf("%s: restore: %w", in.self.Engine(), err)
	}
	in.Pending = false
	in.RestoreState(s)
	in.self.ReloadMemory()
	return nil
}

// RefIndex finds the function of this module's index space that a
// reference designates.
func (in *Instance) RefIndex(ref uint64) (uint32, bool) {
	inst, fn := DecodeFuncRef(ref)
	if inst == in.id && int(fn) < len(in.Refs) && in.Refs[fn] == ref {
		return fn, true
	}
	for i, r := range in.Refs {
		if r == ref {
			return uint32(i), true
		}
	}
	return 0, false
}

// ExportValue types the bits of a value of type t (Hi is only used by
// v128). A function reference becomes its function index+1 in this
// module; one to a function of another instance that has no index here
// is an error if strict, and left as its raw encoding otherwise.
func (in *Instance) ExportValue(t wasm.ValType, lo, hi uint64, strict bool) (snapshot.Value, error) {
	v := snapshot.Value{Type: t, Lo: lo, Hi: hi}
	if t == wasm.FuncRef && lo != 0 {
		idx, ok := in.RefIndex(lo)
		if !ok {
			if strict {
				return v, fmt.Errorf("cannot snapshot a reference to a function of another instance")
			}
			return v, nil
		}
		v.Lo = uint64(idx) + 1
	}
	return v, nil
}

// ExportFrame builds the engine-neutral state of frame k: function fn
// stopped before instruction wi, with its locals and the operands of
// types, whose bits the engine's local and operand read from wherever it
// keeps them (hi is only used by v128).
func (in *Instance) ExportFrame(k int, fn uint32, wi int, types []wasm.ValType, strict bool,
	local, operand func(i int, t wasm.ValType) (lo, hi uint64)) (snapshot.Frame, error) {
	d := in.Mod.Funcs[fn]
	sf := snapshot.Frame{Func: fn, PC: d.Instrs[wi].Offset, Labels: snapshot.LabelsAt(d, wi)}
	sf.Locals = make([]snapshot.Value, d.NumLocals())
	for i := range sf.Locals {
		t := d.LocalType(uint32(i))
		lo, hi := local(i, t)
		v, err := in.ExportValue(t, lo, hi, strict)
		if err != nil {
			return sf, fmt.Errorf("frame %d (%s) local %d: %w", k, d.DisplayName(), i, err)
		}
		sf.Locals[i] = v
	}
	sf.Stack = make([]snapshot.Value, len(types))
	for i, t := range types {
		lo, hi := operand(i, t)
		v, err := in.ExportValue(t, lo, hi, strict)
		if err != nil {
			return sf, fmt.Errorf("frame %d (%s) operand %d: %w", k, d.DisplayName(), i, err)
		}
		sf.Stack[i] = v
	}
	return sf, nil
}

// ImportValue converts a snapshot value back to its bits.
func (in *Instance) ImportValue(v snapshot.Value) (lo, hi uint64) {
	if v.Type == wasm.FuncRef && v.Lo != 0 {
		return in.Refs[v.Lo-1], 0
	}
	return v.Lo, v.Hi
}

// SnapshotState fills in s's globals, memories, tables and dropped
// segments.
func (in *Instance) SnapshotState(s *snapshot.Snapshot) error {
	for i, g := range in.Globals {
		v, err := in.ExportValue(in.Mod.Globals[i].Type, g.Lo, g.Hi, true)
		if err != nil {
			return fmt.Errorf("global %d: %w", i, err)
		}
		s.Globals = append(s.Globals, v)
	}
	for _, mem := range in.Memories {
		sm := snapshot.Memory{Size: mem.Pages(), Max: mem.TypeMax, HasMax: mem.HasMax}
		sm.Pages = make([][]byte, sm.Size)
		for p := range sm.Pages {
			page := mem.Data[p*snapshot.PageSize : (p+1)*snapshot.PageSize]
			if !bytes.Equal(page, zeroPage[:]) {
				sm.Pages[p] = bytes.Clone(page)
			}
		}
		s.Memories = append(s.Memories, sm)
	}
	for i, t := range in.Tables {
		st := snapshot.Table{Type: t.Type, Max: t.Max, HasMax: t.HasMax, Elems: make([]snapshot.Value, len(t.Elems))}
		for k, e := range t.Elems {
			v, err := in.ExportValue(t.Type, e, 0, true)
			if err != nil {
				return fmt.Errorf("table %d element %d: %w", i, k, err)
			}
			st.Elems[k] = v
		}
		s.Tables = append(s.Tables, st)
	}
	for i, d := range in.DropData {
		if d {
			s.DroppedData = append(s.DroppedData, uint32(i))
		}
	}
	for i, d := range in.DropElem {
		if d {
			s.DroppedElem = append(s.DroppedElem, uint32(i))
		}
	}
	return nil
}

// CheckSnapshot validates s against the module (snapshot.CheckAgainst)
// and this instance's limits: call depth, memory and table maxima.
// Engines call it before changing anything in Restore.
func (in *Instance) CheckSnapshot(s *snapshot.Snapshot) error {
	if err := s.CheckAgainst(in.Mod); err != nil {
		return err
	}
	if len(s.Frames) > in.Opts.MaxCallDepth {
		return fmt.Errorf("%d frames exceed the call depth limit %d", len(s.Frames), in.Opts.MaxCallDepth)
	}
	for i, sm := range s.Memories {
		if mem := in.Memories[i]; sm.Size > mem.Max {
			return fmt.Errorf("memory %d has %d pages, above its maximum %d", i, sm.Size, mem.Max)
		}
	}
	for i, st := range s.Tables {
		if t := in.Tables[i]; t.HasMax && uint64(len(st.Elems)) > uint64(t.Max) {
			return fmt.Errorf("table %d has %d elements, above its maximum %d", i, len(st.Elems), t.Max)
		}
	}
	return nil
}

// RestoreState replaces the globals, memories, tables and dropped
// segments with s's, which CheckSnapshot has accepted. The caller reloads
// whatever it caches of the memories.
func (in *Instance) RestoreState(s *snapshot.Snapshot) {
	for i, v := range s.Globals {
		in.Globals[i].Lo, in.Globals[i].Hi = in.ImportValue(v)
	}
	for i, sm := range s.Memories {
		mem := in.Memories[i]
		size := int(sm.Size) * snapshot.PageSize
		if cap(mem.Data) >= size {
			mem.Data = mem.Data[:size]
		} else {
			mem.Data = make([]byte, size)
		}
		for p, page := range sm.Pages {
			dst := mem.Data[p*snapshot.PageSize : (p+1)*snapshot.PageSize]
			if page == nil {
				clear(dst)
			} else {
				copy(dst, page)
			}
		}
	}
	for i, st := range s.Tables {
		t := in.Tables[i]
		t.Elems = t.Elems[:0]
		for _, v := range st.Elems {
			lo, _ := in.ImportValue(v)
			t.Elems = append(t.Elems, lo)
		}
	}
	in.resetSegments()
	for _, d := range s.DroppedData {
		in.Datas[d], in.DropData[d] = nil, true
	}
	for _, d := range s.DroppedElem {
		in.Elems[d], in.DropElem[d] = nil, true
	}
}
