package debugger

import (
	"bytes"
	"debug/dwarf"
	binenc "encoding/binary"
	"fmt"
	"slices"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// WatchKind says what a watchpoint watches.
type WatchKind int

const (
	WatchMemory WatchKind = iota // bytes of memory 0
	WatchGlobal                  // a global
)

// Watchpoint stops the program right after an instruction that changed
// the watched value (forwards), or at the last such change before the
// present (ReverseContinue).
type Watchpoint struct {
	ID        int
	Kind      WatchKind
	Addr, Len uint32 // WatchMemory: bytes [Addr, Addr+Len) of memory 0
	Global    uint32 // WatchGlobal
	// Expr and Type are set when a C variable (or a field, element or
	// pointer target) was watched: its expression and C type, for output.
	Expr string
	Type dwarf.Type
	// Hits is the number of changes at counters up to the present, along
	// the timeline.
	Hits int
	// Disabled watchpoints do not stop the program (Session.Enable).
	Disabled bool
	// Condition (its text) and Cond: a change counts, and stops the
	// program, only where Cond is true, evaluated after the change (an
	// error stops too). Cond nil: every change.
	Condition string
	Cond      func() (bool, error)
}

// wpState is what the session knows of a watchpoint: the counters of the
// changes it found (a change at k: the instruction retired from k-1 to k
// changed the value).
type wpState struct{ hits counters }

// How watching works (docs/time-travel.md, Watchpoints): the engines stop
// at breakpoints, and an engines.StoreWatcher also before the stores that
// touch given memory ranges. While watching, the machine has a breakpoint
// before every instruction that can change a watched value (writers:
// global.set of a watched global; for memory, memory.fill/copy/init,
// calls that may reach the host, and the stores unless the engine
// watches them itself). At a writer, the session runs that one
// instruction alone and compares the watched bytes. Every change is seen,
// however soon it is undone.

// AddWatchpoint validates the range or global and assigns an ID.
func (s *Session) AddWatchpoint(w Watchpoint) (*Watchpoint, error) {
	switch w.Kind {
	case WatchMemory:
		if len(s.mod.Memories) == 0 {
			return nil, fmt.Errorf("watch 0x%x: the module has no memory", w.Addr)
		}
		if w.Len == 0 || w.Len > 4096 {
			return nil, fmt.Errorf("watch 0x%x: length %d (want 1 to 4096 bytes)", w.Addr, w.Len)
		}
		if mem := s.machine.Memory(0); uint64(w.Addr)+uint64(w.Len) > uint64(len(mem.Data)) {
			return nil, fmt.Errorf("watch 0x%x+%d: past the end of memory (0x%x bytes)", w.Addr, w.Len, len(mem.Data))
		}
	case WatchGlobal:
		if int(w.Global) >= len(s.mod.Globals) {
			return nil, fmt.Errorf("watch global %d: the module has %d globals", w.Global, len(s.mod.Globals))
		}
	default:
		return nil, fmt.Errorf("watch: unknown kind %d", w.Kind)
	}
	p := new(Watchpoint)
	*p = w
	p.ID, p.Hits = s.nextID, 0
	s.nextID++
	s.watches = append(s.watches, p)
	s.wat[p] = &wpState{}
	s.findWriters()
	return p, nil
}

// findWriters lists the offsets of the instructions that may change a
// watched value (s.writers), once per change of the watchpoints.
func (s *Session) findWriters() {
	s.writers, s.storeWriters = s.writers[:0], s.storeWriters[:0]
	if len(s.watches) == 0 {
		return
	}
	for _, f := range s.mod.Funcs[s.mod.NumImportedFuncs:] {
		for _, in := range f.Instrs {
			switch {
			case !s.writes(in):
			case wasm.StoreWidth(in.Op) > 0:
				s.storeWriters = append(s.storeWriters, in.Offset)
			default:
				s.writers = append(s.writers, in.Offset)
			}
		}
	}
}

// writes says whether in may change a watched value, judging by the
// instruction alone.
func (s *Session) writes(in wasm.Instr) bool {
	var mem bool // in may write memory 0
	switch in.Op {
	case wasm.OpGlobalSet:
		return slices.ContainsFunc(s.watches, func(w *Watchpoint) bool { return w.Kind == WatchGlobal && w.Global == in.A })
	case wasm.OpMemoryFill, wasm.OpMemoryCopy:
		mem = in.A == 0
	case wasm.OpMemoryInit:
		mem = in.B == 0
	case wasm.OpCall:
		mem = s.mod.Funcs[in.A].Import != nil // the host (WASI) writes memory
	case wasm.OpCallIndirect:
		mem = true // the table may hold an imported function
	default:
		mem = wasm.StoreWidth(in.Op) > 0 && in.B == 0
	}
	return mem && slices.ContainsFunc(s.watches, func(w *Watchpoint) bool { return w.Kind == WatchMemory })
}

// mayChange says whether the next instruction may change a watched value,
// so that it must run alone and the values be compared after it.
func (s *Session) mayChange() bool {
	fn, off, ok := s.machine.PC()
	if !ok {
		return true // a started host function: the call itself runs next
	}
	f := s.mod.Funcs[fn]
	i, ok := f.InstrAt(off)
	return ok && s.writes(f.Instrs[i])
}

// watchValue returns the watched bytes now (nil when the range is
// outside memory).
func (s *Session) watchValue(w *Watchpoint) []byte {
	if w.Kind == WatchGlobal {
		g := s.machine.Global(w.Global)
		var b []byte
		switch s.mod.Globals[w.Global].Type {
		case wasm.I32, wasm.F32:
			b = binenc.LittleEndian.AppendUint32(b, uint32(g.Lo))
		case wasm.V128:
			b = binenc.LittleEndian.AppendUint64(b, g.Lo)
			b = binenc.LittleEndian.AppendUint64(b, g.Hi)
		default:
			b = binenc.LittleEndian.AppendUint64(b, g.Lo)
		}
		return b
	}
	mem := s.machine.Memory(0)
	if mem == nil || uint64(w.Addr)+uint64(w.Len) > uint64(len(mem.Data)) {
		return nil
	}
	return bytes.Clone(mem.Data[w.Addr : w.Addr+w.Len])
}

func (s *Session) watchValues() [][]byte {
	out := make([][]byte, len(s.watches))
	for i, w := range s.watches {
		out[i] = s.watchValue(w)
	}
	return out
}

// watchChange compares the watched values with old, taken before the
// instruction that just ran (ev is the event of its run). It records a
// change at the present counter for every watchpoint that changed and
// returns the first one's index, or -1 when nothing changed or the
// instruction ended the program or an entry function (the end is
// reported, not the change). old nil: nothing ran alone, -1.
func (s *Session) watchChange(old [][]byte, ev engines.Event) int {
	if old == nil {
		return -1
	}
	first := -1
	k := s.machine.Counter()
	for i, w := range s.watches {
		if !bytes.Equal(s.watchValue(w), old[i]) {
			if w.Cond != nil {
				if ok, err := w.Cond(); !ok && err == nil {
					continue
				}
			}
			s.wat[w].hits.record(k)
			if first < 0 {
				first = i
			}
		}
	}
	if ev.Kind == engines.Done || ev.Kind == engines.Exited {
		return -1
	}
	return first
}

// watchStop is the stop at watchpoint i's change, from old.
func (s *Session) watchStop(i int, old []byte) Stop {
	st := s.here(WatchpointHit)
	w := s.watches[i]
	st.Watch = &WatchHit{Watchpoint: w, Old: old, New: s.watchValue(w)}
	return st
}
