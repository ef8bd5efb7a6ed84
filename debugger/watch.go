package debugger

import (
	"bytes"
	binenc "encoding/binary"
	"fmt"

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
	// Hits is the number of changes at counters up to the present, along
	// the timeline.
	Hits int
}

// wpState is what the session knows of a watchpoint: the counters of the
// changes it found (a change at k: the instruction retired from k-1 to k
// changed the value).
type wpState struct{ hits counters }

const (
	// Forward watching runs in chunks whose size adapts: it doubles while
	// nothing changes and becomes twice the distance to the last change
	// when something did, so a loop variable is watched in small chunks
	// and a quiet value in big ones. Chunks up to stepChunk instructions
	// are single-stepped (exact, no snapshot); bigger ones start with a
	// snapshot and are bisected when the value changed.
	minWatchChunk = 8
	maxWatchChunk = 1 << 22
	stepChunk     = 32
	// Reverse watching samples the value every reverseSample
	// instructions, then single-steps the last chunk that changed.
	reverseSample = 512
)

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
	return p, nil
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

// changed returns the first watchpoint whose value differs from old.
func (s *Session) changed(old [][]byte) int {
	for i, w := range s.watches {
		if !bytes.Equal(s.watchValue(w), old[i]) {
			return i
		}
	}
	return -1
}

// watchChunk is a chunk of a forward run under watchpoints.
type watchChunk struct {
	start uint64
	vals  [][]byte
	snap  *point // the state at start, for bisecting (nil: single step)
}

// startWatchChunk prepares a chunk from counter c that ends by lim and
// returns the limit to run to.
func (s *Session) startWatchChunk(c, lim uint64) (*watchChunk, uint64, error) {
	w := &watchChunk{start: c, vals: s.watchValues()}
	n := min(lim-c, s.watchChunk)
	if n <= stepChunk {
		return w, c + 1, nil
	}
	sn, err := s.Snapshot()
	if err != nil {
		return nil, lim, err
	}
	w.snap = &point{snap: sn, entry: s.entry}
	return w, c + n, nil
}

// endWatchChunk looks for a change in the chunk that just ran and, if
// there is one, stops right after the instruction that made it (the
// first, when the chunk was single-stepped). A change made by the
// instruction that ended an entry function or the program is recorded
// but does not stop: the end is reported. It returns the event the
// caller goes on with.
func (s *Session) endWatchChunk(w *watchChunk, ev engines.Event) (Stop, bool, engines.Event, error) {
	now := s.machine.Counter()
	i := s.changed(w.vals)
	if i < 0 {
		if now > w.start+1 || w.snap == nil {
			s.watchChunk = min(s.watchChunk*2, maxWatchChunk)
		}
		return Stop{}, false, ev, nil
	}
	ending := ev.Kind == engines.Done || ev.Kind == engines.Exited
	k := now
	if w.snap != nil && now > w.start+1 {
		// Bisect: the value is the old one at lo and not at hi.
		lo, hi := w.start, now
		for hi-lo > 1 {
			mid := lo + (hi-lo)/2
			if err := s.replayTo(w.snap, mid); err != nil {
				return s.here(Step), true, ev, err
			}
			if s.changed(w.vals) < 0 {
				lo = mid
			} else {
				hi = mid
			}
		}
		k = hi
		if hi == now && ending {
			// Reach the end again.
			if err := s.replayTo(w.snap, now-1); err != nil {
				return s.here(Step), true, ev, err
			}
			s.machine.SetBreakpoints(nil)
			ev = s.machine.Run(engines.Stop{Limit: engines.NoLimit})
			s.syncBreakpoints()
		} else if err := s.replayTo(w.snap, hi); err != nil {
			return s.here(Step), true, ev, err
		}
	}
	s.recordChanges(w.vals, k)
	s.watchChunk = max(min(2*(k-w.start), maxWatchChunk), minWatchChunk)
	if ending && k == now {
		return Stop{}, false, ev, nil
	}
	i = s.changed(w.vals)
	st := s.here(WatchpointHit)
	st.Watch = &WatchHit{Watchpoint: s.watches[i], Old: w.vals[i], New: s.watchValue(s.watches[i])}
	return st, true, ev, nil
}

// replayTo brings the machine to counter target from point p, running on
// from the present when it lies between them.
func (s *Session) replayTo(p *point, target uint64) error {
	if c := s.machine.Counter(); c > target || c < p.counter() || s.ended {
		if err := s.restore(p); err != nil {
			return err
		}
	}
	return s.runTo(target)
}

// recordChanges notes a change at counter k for every watchpoint whose
// value differs from old.
func (s *Session) recordChanges(old [][]byte, k uint64) {
	for j, wp := range s.watches {
		if !bytes.Equal(s.watchValue(wp), old[j]) {
			s.wat[wp].hits.record(k)
		}
	}
}
