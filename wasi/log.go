package wasi

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/snapshot"
)

// Mode says whether host calls do real I/O.
type Mode int

const (
	// Live calls do real I/O and are appended to the log.
	Live Mode = iota
	// Replay calls do no I/O: they return the recorded results and
	// re-apply the recorded memory writes.
	Replay
)

func (m Mode) String() string {
	if m == Replay {
		return "replay"
	}
	return "live"
}

// Log records the host calls of one run, in order, keyed by the counter
// at which each was made (docs/execution-model.md: the counter before the
// call instruction). With the host state at its start, it knows the host
// state (descriptors, exit status) at any counter.
type Log struct {
	// start is the host state before the first entry.
	start *hostState
	// base is the number of host calls made before the log began (non-zero
	// after a Restore).
	base    uint64
	entries []Entry
}

// Entry is one recorded host call.
type Entry struct {
	// Counter is Machine.Counter() during the call.
	Counter uint64
	// Func is the WASI function's name, e.g. "fd_write".
	Func string
	// Params are the call's arguments (i32 values zero-extended).
	Params  []uint64
	Results []uint64
	// Writes are the bytes the call wrote into guest memory, in order.
	Writes []MemWrite
	// Files are the descriptors the call opened or changed, as they are
	// after it; Closed the descriptors it closed (applied first).
	Files  []snapshot.File
	Closed []uint32
	// Exited and ExitCode are set by proc_exit.
	Exited   bool
	ExitCode uint32
}

// MemWrite is a range of guest memory (memory 0) written by a host call.
type MemWrite struct {
	Offset uint32
	Data   []byte
}

// String shows the call as a debugger lists it, e.g.
// "@1234 fd_write(1, 1024, 1, 1040) = ESUCCESS, wrote 4 bytes".
func (e Entry) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "@%d %s(", e.Counter, e.Func)
	for i, p := range e.Params {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, p)
	}
	b.WriteString(")")
	if len(e.Results) == 1 {
		fmt.Fprintf(&b, " = %v", Errno(e.Results[0]))
	}
	if n := e.written(); n > 0 {
		fmt.Fprintf(&b, ", wrote %d bytes", n)
	}
	if e.Exited {
		fmt.Fprintf(&b, ", exit %d", e.ExitCode)
	}
	return b.String()
}

// written is the number of bytes the call wrote into guest memory.
func (e *Entry) written() int {
	n := 0
	for _, w := range e.Writes {
		n += len(w.Data)
	}
	return n
}

func newLog(start *hostState, base uint64) *Log {
	return &Log{start: start, base: base}
}

// Len is the number of entries.
func (l *Log) Len() int { return len(l.entries) }

// Entry returns entry i. The entry shares its slices with the log: do not
// modify them.
func (l *Log) Entry(i int) Entry { return l.entries[i] }

// Find returns the index of the first entry at or after counter (Len()
// if none): the next host call to replay from that counter.
func (l *Log) Find(counter uint64) int {
	return sort.Search(len(l.entries), func(i int) bool { return l.entries[i].Counter >= counter })
}

func (l *Log) append(e Entry) { l.entries = append(l.entries, e) }

// stateAt returns the host state before entry i.
func (l *Log) stateAt(i int) *hostState {
	s := l.start.clone()
	for j := range i {
		s.apply(&l.entries[j])
	}
	return s
}

// hostState is the part of the host's state that host calls change and
// snapshots hold, without any real handle.
type hostState struct {
	files    map[uint32]snapshot.File
	exited   bool
	exitCode uint32
}

func (s *hostState) clone() *hostState {
	c := *s
	c.files = maps.Clone(s.files)
	return &c
}

func (s *hostState) apply(e *Entry) {
	for _, fd := range e.Closed {
		delete(s.files, fd)
	}
	for _, f := range e.Files {
		s.files[f.FD] = f
	}
	if e.Exited {
		s.exited, s.exitCode = true, e.ExitCode
	}
}

// sortedFiles returns the descriptors in fd order.
func (s *hostState) sortedFiles() []snapshot.File {
	files := slices.Collect(maps.Values(s.files))
	slices.SortFunc(files, func(a, b snapshot.File) int { return cmp.Compare(a.FD, b.FD) })
	return files
}

// liveState is the state of the present, from the real descriptors.
func (h *Host) liveState() *hostState {
	s := &hostState{files: make(map[uint32]snapshot.File, len(h.fds)), exited: h.exited, exitCode: h.exitCode}
	for fd, d := range h.fds {
		s.files[fd] = d.rec
	}
	return s
}

// Log returns the record/replay log (nil with Config.NoLog).
func (h *Host) Log() *Log { return h.log }

// Mode says whether the host is replaying the past or live.
func (h *Host) Mode() Mode { return h.mode }

// Seek positions the log for a machine that is about to run from counter
// (typically just restored from a snapshot taken at that counter). If the
// log has calls at or after counter, the host replays them; otherwise
// counter is the present and the host stays live. Seek does no I/O and
// does nothing without a log.
func (h *Host) Seek(counter uint64) {
	if h.log == nil {
		return
	}
	i := h.log.Find(counter)
	if i == len(h.log.entries) {
		h.goLive()
		return
	}
	if h.mode == Replay && h.next <= i {
		for j := h.next; j < i; j++ {
			h.view.apply(&h.log.entries[j])
		}
	} else {
		h.view = h.log.stateAt(i)
	}
	h.mode, h.next = Replay, i
}

// Truncate forks the timeline at counter: the log's calls at and after
// counter are discarded, and the real descriptors are brought back to the
// state the log says they had at counter (files reopened, closed, seeked).
// The host is then live. Changes the discarded calls made to files on the
// host are not undone, and what they read from stdin stays consumed.
func (h *Host) Truncate(counter uint64) error {
	if h.log == nil {
		return fmt.Errorf("wasi: cannot truncate the timeline: the host keeps no log")
	}
	i := h.log.Find(counter)
	target := h.log.stateAt(i)
	clear(h.log.entries[i:])
	h.log.entries = h.log.entries[:i]
	h.mode, h.view, h.next = Live, nil, 0
	h.position = h.log.base + uint64(i)
	h.exited, h.exitCode = target.exited, target.exitCode
	fds, err := h.reopen(target.sortedFiles(), h.fds)
	h.fds = fds
	return err
}

// Forget drops the log's calls before counter, folding them into the
// log's starting state, to bound its memory: Seek and Truncate can no
// longer go before counter. In Replay mode, calls not yet replayed are
// kept.
func (h *Host) Forget(counter uint64) {
	if h.log == nil {
		return
	}
	i := h.log.Find(counter)
	if h.mode == Replay {
		i = min(i, h.next)
		h.next -= i
	}
	for j := range i {
		h.log.start.apply(&h.log.entries[j])
	}
	h.log.entries = slices.Clone(h.log.entries[i:])
	h.log.base += uint64(i)
}

// goLive returns to the present.
func (h *Host) goLive() {
	h.mode, h.view, h.next = Live, nil, 0
}

// replay performs the next recorded call instead of a real one.
func (h *Host) replay(name string, m engines.Machine, counter uint64, ps params, results []uint64) error {
	e := &h.log.entries[h.next]
	if e.Counter != counter || e.Func != name || !slices.Equal(e.Params, ps) || len(e.Results) != len(results) {
		return fmt.Errorf("wasi replay diverged at counter %d: the guest called %s%v, but the log has %s%v at counter %d",
			counter, name, []uint64(ps), e.Func, e.Params, e.Counter)
	}
	var mem []byte
	if m := m.Memory(0); m != nil {
		mem = m.Data
	}
	for _, w := range e.Writes {
		if uint64(w.Offset)+uint64(len(w.Data)) > uint64(len(mem)) {
			return fmt.Errorf("wasi replay of %s at counter %d: recorded write of %d bytes at 0x%x is outside memory (%d bytes)",
				name, counter, len(w.Data), w.Offset, len(mem))
		}
		copy(mem[w.Offset:], w.Data)
	}
	copy(results, e.Results)
	h.view.apply(e)
	h.next++
	if h.next == len(h.log.entries) {
		h.goLive() // back in the present
	}
	if e.Exited {
		return &engines.ExitError{Code: e.ExitCode}
	}
	return nil
}
