package threaded

// Temporary: the module-level part of snapshots, until the shared one of
// package engines (branch refactor) reaches main.

import (
	"bytes"
	"fmt"

	"github.com/wdb-dev/wdb/snapshot"
)

var zeroPage [snapshot.PageSize]byte

func (m *machine) moduleState(s *snapshot.Snapshot) error {
	for i, g := range m.Globals {
		v, err := m.exportValue(m.Mod.Globals[i].Type, g.Lo, true)
		if err != nil {
			return fmt.Errorf("global %d: %w", i, err)
		}
		s.Globals = append(s.Globals, v)
	}
	for _, mem := range m.Memories {
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
	for i, t := range m.Tables {
		st := snapshot.Table{Type: t.Type, Max: t.Max, HasMax: t.HasMax, Elems: make([]snapshot.Value, len(t.Elems))}
		for k, e := range t.Elems {
			v, err := m.exportValue(t.Type, e, true)
			if err != nil {
				return fmt.Errorf("table %d element %d: %w", i, k, err)
			}
			st.Elems[k] = v
		}
		s.Tables = append(s.Tables, st)
	}
	for i, d := range m.DropData {
		if d {
			s.DroppedData = append(s.DroppedData, uint32(i))
		}
	}
	for i, d := range m.DropElem {
		if d {
			s.DroppedElem = append(s.DroppedElem, uint32(i))
		}
	}
	return nil
}

func (m *machine) checkSnapshot(s *snapshot.Snapshot) error {
	if err := s.CheckAgainst(m.Mod); err != nil {
		return err
	}
	if len(s.Frames) > m.Opts.MaxCallDepth {
		return fmt.Errorf("%d frames exceed the call depth limit %d", len(s.Frames), m.Opts.MaxCallDepth)
	}
	for i, sm := range s.Memories {
		if mem := m.Memories[i]; sm.Size > mem.Max {
			return fmt.Errorf("memory %d has %d pages, above its maximum %d", i, sm.Size, mem.Max)
		}
	}
	for i, st := range s.Tables {
		if t := m.Tables[i]; t.HasMax && uint64(len(st.Elems)) > uint64(t.Max) {
			return fmt.Errorf("table %d has %d elements, above its maximum %d", i, len(st.Elems), t.Max)
		}
	}
	return nil
}

func (m *machine) restoreModuleState(s *snapshot.Snapshot) {
	for i, v := range s.Globals {
		m.Globals[i].Lo, m.Globals[i].Hi = m.importValue(v), 0
	}
	for i, sm := range s.Memories {
		mem := m.Memories[i]
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
		t := m.Tables[i]
		t.Elems = t.Elems[:0]
		for _, v := range st.Elems {
			t.Elems = append(t.Elems, m.importValue(v))
		}
	}
	for i, seg := range m.Mod.Datas {
		m.Datas[i], m.DropData[i] = seg.Init, false
	}
	for _, d := range s.DroppedData {
		m.Datas[d], m.DropData[d] = nil, true
	}
	for i, seg := range m.Mod.Elems {
		refs := make([]uint64, len(seg.Items))
		for k, item := range seg.Items {
			refs[k] = m.EvalConst(item)
		}
		m.Elems[i], m.DropElem[i] = refs, false
	}
	for _, d := range s.DroppedElem {
		m.Elems[d], m.DropElem[d] = nil, true
	}
}
