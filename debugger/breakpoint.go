package debugger

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// Location is an instruction. Offset is its file offset.
type Location struct{ Func, Offset uint32 }

// Breakpoint stops the program before an instruction. Breakpoints and
// watchpoints share one ID space (1, 2, ...).
type Breakpoint struct {
	ID int
	Location
	Condition    string               // the text, for listings
	Cond         func() (bool, error) // nil: always; evaluated at the stop; set by the command layer
	HitCondition string               // "" or "N" (the N-th hit and after), ">= N", "== N", "% N"
	LogMessage   string               // non-empty: a log point; Log is called instead of stopping
	Log          func(bp *Breakpoint) // set by the command layer for log points
	// Hits is the number of times the breakpoint was reached with a true
	// condition at counters up to the present, along the timeline.
	Hits int
	// Disabled breakpoints keep their ID, options and hits but do not
	// stop the program, forwards or backwards (Session.Enable).
	Disabled bool
}

// bpState is what the session knows of a breakpoint: the counters at
// which it was reached with a true condition, and its parsed hit
// condition.
type bpState struct {
	hits counters
	hit  func(n int) bool
}

// counters is a sorted set of counters: where a breakpoint was hit or a
// watchpoint's value changed, along the timeline.
type counters []uint64

// record notes counter c (once).
func (l *counters) record(c uint64) {
	if i, found := slices.BinarySearch(*l, c); !found {
		*l = slices.Insert(*l, i, c)
	}
}

// count is the number of counters at or before c.
func (l counters) count(c uint64) int {
	i, found := slices.BinarySearch(l, c)
	if found {
		i++
	}
	return i
}

// cut forgets the counters at or after c (the timeline forked).
func (l *counters) cut(c uint64) {
	i, _ := slices.BinarySearch(*l, c)
	*l = (*l)[:i]
}

// parseHitCondition parses "N", ">= N", "== N" or "% N" (N ≥ 1).
func parseHitCondition(s string) (func(int) bool, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return func(int) bool { return true }, nil
	}
	op := ""
	for _, o := range []string{">=", "==", "%", ">", "="} {
		if strings.HasPrefix(t, o) {
			op, t = o, strings.TrimSpace(t[len(o):])
			break
		}
	}
	n, err := strconv.Atoi(t)
	if err != nil || n < 1 {
		return nil, fmt.Errorf("hit condition %q: want N, >= N, == N or %% N with N a positive number", s)
	}
	switch op {
	case "", ">=":
		return func(h int) bool { return h >= n }, nil
	case ">":
		return func(h int) bool { return h > n }, nil
	case "==", "=":
		return func(h int) bool { return h == n }, nil
	default:
		return func(h int) bool { return h%n == 0 }, nil
	}
}

// ResolveLocation parses "FUNC" (a name or index: the function's first
// instruction), "FUNC+OFF" (OFF bytes from the function's first
// instruction, decimal or 0x hex) and "0xADDR" (the file offset of an
// instruction).
func (s *Session) ResolveLocation(spec string) (Location, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return Location{}, errors.New("no location given (want FUNC, FUNC+OFF or 0xADDR)")
	}
	if strings.HasPrefix(spec, "0x") || strings.HasPrefix(spec, "0X") {
		addr, err := strconv.ParseUint(spec[2:], 16, 32)
		if err != nil {
			return Location{}, fmt.Errorf("%q is not an address (want 0x and hex digits)", spec)
		}
		return s.instrAt(uint32(addr), spec)
	}
	name, off := spec, ""
	if i := strings.LastIndexByte(spec, '+'); i > 0 {
		name, off = strings.TrimSpace(spec[:i]), strings.TrimSpace(spec[i+1:])
	}
	f, err := s.lookupFunc(name)
	if err != nil {
		return Location{}, err
	}
	if f.Import != nil {
		return Location{}, fmt.Errorf("%s is imported (%s.%s): it has no instructions", f.DisplayName(), f.Import.Module, f.Import.Name)
	}
	first := f.Instrs[0].Offset
	if off == "" {
		return Location{Func: f.Index, Offset: first}, nil
	}
	n, err := strconv.ParseUint(off, 0, 32)
	if err != nil {
		return Location{}, fmt.Errorf("%q: offset %q is not a number", spec, off)
	}
	addr := uint64(first) + n
	if addr >= uint64(f.BodyEnd) {
		return Location{}, fmt.Errorf("%q: 0x%x is past the end of %s (its code is 0x%x-0x%x)", spec, addr, f.DisplayName(), first, f.BodyEnd)
	}
	return s.instrAt(uint32(addr), spec)
}

// lookupFunc finds a function by name, else by index.
func (s *Session) lookupFunc(name string) (*wasm.Func, error) {
	for _, f := range s.mod.Funcs {
		if f.Name == name {
			return f, nil
		}
	}
	if i, err := strconv.ParseUint(name, 10, 32); err == nil {
		if int(i) < len(s.mod.Funcs) {
			return s.mod.Funcs[i], nil
		}
		return nil, fmt.Errorf("no function %d (the module has %d functions)", i, len(s.mod.Funcs))
	}
	if strings.HasPrefix(name, "func[") && strings.HasSuffix(name, "]") {
		return s.lookupFunc(name[5 : len(name)-1])
	}
	return nil, fmt.Errorf("no function named %s", name)
}

// instrAt checks that addr is an instruction of a defined function.
func (s *Session) instrAt(addr uint32, spec string) (Location, error) {
	f, ok := s.mod.FuncAt(addr)
	if !ok {
		return Location{}, fmt.Errorf("%s (0x%x) is not inside any function's code", spec, addr)
	}
	i, ok := f.InstrAt(addr)
	if !ok {
		if i > 0 {
			i--
		}
		if len(f.Instrs) == 0 || addr < f.Instrs[0].Offset {
			return Location{}, fmt.Errorf("0x%x is not an instruction boundary (in the local declarations of %s)", addr, f.DisplayName())
		}
		return Location{}, fmt.Errorf("0x%x is not an instruction boundary (inside %s at 0x%x)", addr, f.DisplayName(), f.Instrs[i].Offset)
	}
	return Location{Func: f.Index, Offset: addr}, nil
}

// AddBreakpoint validates the location and the hit condition and assigns
// an ID. A breakpoint with a hit condition has its hits counted from the
// start of the timeline: the past is replayed to count them.
func (s *Session) AddBreakpoint(bp Breakpoint) (*Breakpoint, error) {
	f, ok := s.mod.FuncAt(bp.Offset)
	if !ok || f.Index != bp.Func {
		return nil, fmt.Errorf("breakpoint at 0x%x: not an instruction of %s", bp.Offset, s.funcName(bp.Func))
	}
	if _, ok := f.InstrAt(bp.Offset); !ok {
		return nil, fmt.Errorf("breakpoint at 0x%x: not an instruction boundary in %s", bp.Offset, f.DisplayName())
	}
	hit, err := parseHitCondition(bp.HitCondition)
	if err != nil {
		return nil, err
	}
	b := new(Breakpoint)
	*b = bp
	b.ID, b.Hits = s.nextID, 0
	s.nextID++
	s.breaks = append(s.breaks, b)
	s.brk[b] = &bpState{hit: hit}
	s.syncBreakpoints()
	if bp.HitCondition != "" {
		if err := s.recount(); err != nil {
			return b, fmt.Errorf("breakpoint %d: counting its earlier hits: %w", b.ID, err)
		}
	}
	s.updateHits()
	return b, nil
}

// Enable enables or disables a breakpoint or watchpoint. A disabled one
// does not stop the program and counts no hits while disabled.
func (s *Session) Enable(id int, on bool) error {
	if on {
		i := slices.IndexFunc(s.off, func(p any) bool { return pointID(p) == id })
		if i >= 0 {
			switch p := s.off[i].(type) {
			case *Breakpoint:
				p.Disabled = false
				s.breaks = insertByID(s.breaks, p, func(b *Breakpoint) int { return b.ID })
			case *Watchpoint:
				p.Disabled = false
				s.watches = insertByID(s.watches, p, func(w *Watchpoint) int { return w.ID })
			}
			s.off = slices.Delete(s.off, i, i+1)
		}
	} else {
		if i := slices.IndexFunc(s.breaks, func(b *Breakpoint) bool { return b.ID == id }); i >= 0 {
			s.breaks[i].Disabled = true
			s.off = append(s.off, s.breaks[i])
			s.breaks = slices.Delete(s.breaks, i, i+1)
		}
		if i := slices.IndexFunc(s.watches, func(w *Watchpoint) bool { return w.ID == id }); i >= 0 {
			s.watches[i].Disabled = true
			s.off = append(s.off, s.watches[i])
			s.watches = slices.Delete(s.watches, i, i+1)
		}
	}
	if !slices.ContainsFunc(s.off, func(p any) bool { return pointID(p) == id }) &&
		!slices.ContainsFunc(s.breaks, func(b *Breakpoint) bool { return b.ID == id }) &&
		!slices.ContainsFunc(s.watches, func(w *Watchpoint) bool { return w.ID == id }) {
		return fmt.Errorf("no breakpoint or watchpoint %d", id)
	}
	s.findWriters()
	s.syncBreakpoints()
	return nil
}

// pointID is the ID of a disabled point (an element of Session.off).
func pointID(p any) int {
	switch p := p.(type) {
	case *Breakpoint:
		return p.ID
	case *Watchpoint:
		return p.ID
	}
	return -1
}

// insertByID inserts p into list, which is sorted by ID.
func insertByID[T any](list []T, p T, id func(T) int) []T {
	i, _ := slices.BinarySearchFunc(list, id(p), func(e T, target int) int { return id(e) - target })
	return slices.Insert(list, i, p)
}

// Delete removes a breakpoint or watchpoint.
func (s *Session) Delete(id int) error {
	if i := slices.IndexFunc(s.off, func(p any) bool { return pointID(p) == id }); i >= 0 {
		switch p := s.off[i].(type) {
		case *Breakpoint:
			delete(s.brk, p)
		case *Watchpoint:
			delete(s.wat, p)
		}
		s.off = slices.Delete(s.off, i, i+1)
		return nil
	}
	for i, b := range s.breaks {
		if b.ID == id {
			s.breaks = slices.Delete(s.breaks, i, i+1)
			delete(s.brk, b)
			s.syncBreakpoints()
			return nil
		}
	}
	for i, w := range s.watches {
		if w.ID == id {
			s.watches = slices.Delete(s.watches, i, i+1)
			delete(s.wat, w)
			s.findWriters()
			return nil
		}
	}
	return fmt.Errorf("no breakpoint or watchpoint %d", id)
}

// DeleteAll removes every breakpoint and watchpoint.
func (s *Session) DeleteAll() {
	s.breaks, s.watches, s.off = nil, nil, nil
	clear(s.brk)
	clear(s.wat)
	s.findWriters()
	s.syncBreakpoints()
}

// Breakpoints lists the breakpoints by ID, the disabled ones too.
func (s *Session) Breakpoints() []*Breakpoint {
	return withDisabled(s.breaks, s.off, func(b *Breakpoint) int { return b.ID })
}

// Watchpoints lists the watchpoints by ID, the disabled ones too.
func (s *Session) Watchpoints() []*Watchpoint {
	return withDisabled(s.watches, s.off, func(w *Watchpoint) int { return w.ID })
}

// withDisabled is the enabled points plus the disabled ones of their
// type, by ID.
func withDisabled[T any](on []T, off []any, id func(T) int) []T {
	out := slices.Clone(on)
	for _, p := range off {
		if p, ok := p.(T); ok {
			out = insertByID(out, p, id)
		}
	}
	return out
}

// syncBreakpoints gives the machine the breakpoints' offsets.
func (s *Session) syncBreakpoints() { s.setBreakpoints(false) }

// setBreakpoints gives the machine the breakpoints' offsets and, when
// watch is set, the watchpoints' writers (findWriters).
func (s *Session) setBreakpoints(watch bool) {
	offs := make([]uint32, 0, len(s.breaks))
	for _, b := range s.breaks {
		offs = append(offs, b.Offset)
	}
	sw, watchesStores := s.machine.(engines.StoreWatcher)
	if watch {
		offs = append(offs, s.writers...)
		if !watchesStores {
			offs = append(offs, s.storeWriters...)
		}
	}
	offs = append(offs, s.stepStops...)
	slices.Sort(offs)
	s.machine.SetBreakpoints(slices.Compact(offs))
	if watchesStores {
		var ranges []engines.MemRange
		for _, w := range s.watches {
			if watch && w.Kind == WatchMemory {
				ranges = append(ranges, engines.MemRange{Addr: w.Addr, Len: w.Len})
			}
		}
		sw.SetStoreWatch(ranges)
	}
}

// updateHits sets the Hits fields for the present.
func (s *Session) updateHits() {
	c := s.machine.Counter()
	for b, st := range s.brk {
		b.Hits = st.hits.count(c)
	}
	for w, st := range s.wat {
		w.Hits = st.hits.count(c)
	}
}

// breakAt evaluates the breakpoints at the present's PC (the machine is
// about to execute it): it records the hits and returns the breakpoint
// that stops the program, if any. Log points log when log is set. An
// error of a condition stops there.
func (s *Session) breakAt(log bool) (*Breakpoint, error) {
	fn, off, ok := s.machine.PC()
	if !ok {
		return nil, nil
	}
	c := s.machine.Counter()
	var stop *Breakpoint
	for _, b := range s.breaks {
		if b.Offset != off || b.Func != fn {
			continue
		}
		st := s.brk[b]
		if b.Cond != nil {
			ok, err := b.Cond()
			if err != nil {
				b.Hits = st.hits.count(c)
				return b, fmt.Errorf("breakpoint %d: condition %q: %w", b.ID, b.Condition, err)
			}
			if !ok {
				continue
			}
		}
		st.hits.record(c)
		b.Hits = st.hits.count(c)
		if !st.hit(b.Hits) {
			continue
		}
		if b.LogMessage != "" {
			if log && b.Log != nil {
				b.Log(b)
			}
			continue
		}
		if stop == nil {
			stop = b
		}
	}
	return stop, nil
}
