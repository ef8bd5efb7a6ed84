package debugger

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wdb-dev/wdb/debuginfo"
	"github.com/wdb-dev/wdb/engines"
)

// Source-line moves (docs/source-lines.md). A line begins where the
// program reaches a statement row (DWARF is_stmt) of a line other than
// the one its frame was on. The forward moves run the engine with
// breakpoints where that can happen (the statement rows of the current
// function that belong to other lines; for step-line also the first
// instruction of every function that has line rows) and a return depth,
// so a line that loops a million times costs one run, not a million
// stops. The reverse moves replay the intervals before the present with a
// breakpoint on every statement row and find the last line start there.

// errNoLines is the error of a line move or line breakpoint in a module
// without a line table.
var errNoLines = debuginfo.ErrNoLines

// Lines returns the module's line table, read on first use: nil when the
// module has none, an error naming the section when its DWARF is damaged.
func (s *Session) Lines() (*debuginfo.Table, error) {
	if !s.linesRead {
		s.lines, s.linesErr = debuginfo.Lines(s.mod)
		s.linesRead = true
		if s.lines != nil {
			s.lineFns = newLineFuncs(s)
		}
	}
	return s.lines, s.linesErr
}

// prologueEnd is where function fn's prologue ends, when its line rows
// mark it.
func (s *Session) prologueEnd(fn uint32) (uint32, bool) {
	if t, _ := s.Lines(); t == nil {
		return 0, false
	}
	end, ok := s.lineFns.prologueEnd[fn]
	return end, ok
}

// table is Lines for the moves: an error when there is no table.
func (s *Session) table() (*debuginfo.Table, error) {
	t, err := s.Lines()
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, errNoLines
	}
	return t, nil
}

// FindSource returns where the source file `file` of the line table is:
// at its path, else relative to the module's directory, else in
// Config.SourceDirs (trying the path's suffixes there: a file compiled
// elsewhere). A file not found is an error naming every path tried.
func (s *Session) FindSource(file string) (string, error) {
	var tried []string
	found := func(p string) bool {
		tried = append(tried, p)
		st, err := os.Stat(p)
		return err == nil && st.Mode().IsRegular()
	}
	if found(file) {
		return file, nil
	}
	dirs := append([]string{filepath.Dir(s.Path())}, s.cfg.SourceDirs...)
	for _, dir := range dirs {
		for rest := strings.TrimPrefix(file, "/"); rest != ""; {
			if p := filepath.Join(dir, rest); found(p) {
				return p, nil
			}
			_, after, ok := strings.Cut(rest, "/")
			if !ok {
				break
			}
			rest = after
		}
	}
	return "", fmt.Errorf("source file %s not found (tried %s; --source-dir DIR adds a directory)", file, strings.Join(tried, ", "))
}

// lineFuncs is what the moves need to know of the functions with lines.
type lineFuncs struct {
	// entries are the first instructions of the functions with statement
	// rows, sorted.
	entries []uint32
	// prologueEnd is where each function's prologue ends (the first row
	// marked prologue_end), for the functions that mark it.
	prologueEnd map[uint32]uint32
	// stmts are the statement rows' offsets past the prologues, sorted.
	stmts []uint32
}

func newLineFuncs(s *Session) *lineFuncs {
	lf := &lineFuncs{prologueEnd: map[uint32]uint32{}}
	for _, f := range s.mod.Funcs[s.mod.NumImportedFuncs:] {
		if len(f.Instrs) == 0 {
			continue
		}
		rows := s.lines.Rows(f.BodyOffset, f.BodyEnd)
		pe, hasPE := uint32(0), false
		for _, r := range rows {
			if off, ok := s.rowInstr(r); ok && r.PrologueEnd {
				pe, hasPE = off, true
				lf.prologueEnd[f.Index] = pe
				break
			}
		}
		n := len(lf.stmts)
		for _, r := range rows {
			if off, ok := s.rowInstr(r); ok && r.Stmt && (!hasPE || off >= pe) {
				lf.stmts = append(lf.stmts, off)
			}
		}
		if len(lf.stmts) > n {
			lf.entries = append(lf.entries, f.Instrs[0].Offset)
		}
	}
	return lf
}

// isEntry says whether off is the first instruction of a function with
// lines.
func (lf *lineFuncs) isEntry(off uint32) bool {
	_, ok := slices.BinarySearch(lf.entries, off)
	return ok
}

// rowInstr is the first instruction of row r: a row may begin before it
// (a function's first row covers its local declarations too).
func (s *Session) rowInstr(r debuginfo.Row) (uint32, bool) {
	f, ok := s.mod.FuncAt(r.Offset)
	if !ok {
		return 0, false
	}
	i, _ := f.InstrAt(r.Offset)
	if i < len(f.Instrs) && f.Instrs[i].Offset < r.End {
		return f.Instrs[i].Offset, true
	}
	return 0, false
}

// sameLine says whether two positions are on the same source line.
func sameLine(a, b debuginfo.Pos) bool { return a.Line == b.Line && a.File == b.File }

// lineStarts returns the statement rows of function fn, past its
// prologue, that are not on line cur (any line when !hasCur), sorted.
func (s *Session) lineStarts(fn uint32, cur debuginfo.Pos, hasCur bool) []uint32 {
	f := s.mod.Funcs[fn]
	pe, hasPE := s.lineFns.prologueEnd[fn]
	var out []uint32
	for _, r := range s.lines.Rows(f.BodyOffset, f.BodyEnd) {
		if off, ok := s.rowInstr(r); ok && r.Stmt && (!hasPE || off >= pe) && (!hasCur || !sameLine(r.Pos, cur)) {
			out = append(out, off)
		}
	}
	return out
}

// runTo runs forward with the machine also stopping at stops, where at
// decides; returnDepth as in runOpts.
func (s *Session) runTo(stops []uint32, returnDepth int, checkStart bool, at func() bool) (Stop, error) {
	s.stepStops = stops
	defer func() {
		s.stepStops = nil
		s.syncBreakpoints()
	}()
	s.syncBreakpoints()
	return s.advance(runOpts{limit: engines.NoLimit, returnDepth: returnDepth, stop: true, checkStart: checkStart, log: true, at: at})
}

// StepLine runs to the beginning of the next source line, into calls of
// functions that have lines (stopping after their prologue); out of the
// function at its end, on to the next line of the caller, or into the
// caller if it has no lines.
func (s *Session) StepLine() (Stop, error) { return s.lineMove(false) }

// NextLine runs to the beginning of the next source line of this
// function, over calls, or, when the function returns, of its caller.
func (s *Session) NextLine() (Stop, error) { return s.lineMove(true) }

func (s *Session) lineMove(over bool) (Stop, error) {
	t, err := s.table()
	if err != nil {
		return Stop{}, err
	}
	if s.ended {
		return s.move(s.stop, nil)
	}
	fn, off, ok := s.machine.PC()
	if !ok {
		return s.StepInstruction()
	}
	d := s.machine.Depth()
	cur, hasCur := t.At(off)
	if !hasCur {
		over = false // outside the lines: find some
	}
	for first := true; ; first = false {
		stops := s.lineStarts(fn, cur, hasCur)
		inFrame := func() bool {
			f, o, _ := s.machine.PC()
			_, at := slices.BinarySearch(stops, o)
			return at && f == fn && s.machine.Depth() == d
		}
		entered := false
		all := stops
		if !over {
			all = append(slices.Clone(stops), s.lineFns.entries...)
		}
		// After the first run, the present may be where to stop (after a
		// return): checkStart looks at it.
		st, err := s.runTo(all, d-1, !first, func() bool {
			if inFrame() {
				return true
			}
			_, o, _ := s.machine.PC()
			entered = !over && s.machine.Depth() > d && s.lineFns.isEntry(o)
			return entered
		})
		if err != nil || st.Reason != Step {
			return s.move(st, err)
		}
		fn2, off2, _ := s.machine.PC()
		switch d2 := s.machine.Depth(); {
		case entered:
			st, err, done := s.enterFunc(fn2, d2)
			if done || err != nil {
				return s.move(st, err)
			}
			// It returned without reaching a line: go on.
		case d2 < d:
			// Returned into the caller, after its call: on to the next
			// line there, unless the caller has no lines, or a line
			// begins right after the call.
			pos, ok := t.At(off2)
			if !ok {
				return s.move(st, nil)
			}
			f := s.mod.Funcs[fn2]
			if i, ok := f.InstrAt(off2); ok && i > 0 {
				if call, ok := t.At(f.Instrs[i-1].Offset); ok {
					if r, _ := t.RowAt(off2); r.Offset == off2 && r.Stmt && !sameLine(pos, call) {
						return s.move(st, nil)
					}
					pos = call
				}
			}
			fn, d, cur, hasCur = fn2, d2, pos, true
		default:
			return s.move(st, nil)
		}
	}
}

// enterFunc goes on from the first instruction of function fn, at depth
// d, to its first line: the end of its prologue, or its first statement
// row. done is false when the function returned before reaching one.
func (s *Session) enterFunc(fn uint32, d int) (st Stop, err error, done bool) {
	f := s.mod.Funcs[fn]
	var targets []uint32
	if pe, ok := s.lineFns.prologueEnd[fn]; ok {
		targets = []uint32{pe}
	} else {
		for _, r := range s.lines.Rows(f.BodyOffset, f.BodyEnd) {
			if off, ok := s.rowInstr(r); ok && r.Stmt {
				targets = append(targets, off)
			}
		}
	}
	at := func() bool {
		f2, o, _ := s.machine.PC()
		_, ok := slices.BinarySearch(targets, o)
		return ok && f2 == fn && s.machine.Depth() == d
	}
	if at() {
		return s.here(Step), nil, true
	}
	st, err = s.runTo(targets, d-1, false, at)
	if err != nil || st.Reason != Step {
		return st, err, true
	}
	return st, nil, s.machine.Depth() >= d
}

// ReverseStepLine goes back to the beginning of the line before the
// present (of the present's line, from inside it), into calls: from the
// line after a call, to the last line of the called function.
func (s *Session) ReverseStepLine() (Stop, error) { return s.reverseLine(false) }

// ReverseNextLine goes back to the beginning of the previous line of this
// function, over calls; from its first line, to the line of its caller
// that called it.
func (s *Session) ReverseNextLine() (Stop, error) { return s.reverseLine(true) }

func (s *Session) reverseLine(over bool) (Stop, error) {
	t, err := s.table()
	if err != nil {
		return Stop{}, err
	}
	present, d := s.machine.Counter(), s.machine.Depth()
	if present <= s.tl.start {
		return s.move(s.here(StartOfTime), nil)
	}
	if d == 0 {
		over = false // the program has ended: back to its last line
	}
	offs := slices.Concat(s.lineFns.stmts, s.lineFns.entries)
	var found uint64
	ok, err := s.searchBack(present, func(p *point, end uint64) (bool, error) {
		hit := false
		var tr lineTracker
		err := s.scan(p, end, scanOpts{offs: offs,
			start: func() { tr.init(s, t) },
			visit: func(k uint64) {
				if tr.visit(s, t) && k < present && (!over || s.machine.Depth() <= d) {
					found, hit = k, true
				}
			}})
		return hit, err
	})
	if err != nil {
		return s.move(s.here(Step), err)
	}
	if !ok {
		return s.move(s.gotoCounter(s.tl.start, StartOfTime))
	}
	return s.move(s.gotoCounter(found, Step))
}

// lineTracker follows, during a replay, the line each frame is on (by
// depth): the line of the last statement row the frame reached.
type lineTracker struct {
	frames []trackedLine // by depth-1
}

type trackedLine struct {
	known bool // false: not known (the replay started on a statement row)
	has   bool // false: no line yet (a new frame)
	pos   debuginfo.Pos
}

// init reads the frames where the replay starts: each caller is on the
// line of its call; the innermost frame's line is not known if the
// replay starts on a statement row (it depends on the path there).
func (tr *lineTracker) init(s *Session, t *debuginfo.Table) {
	frames := s.machine.Frames()
	tr.frames = make([]trackedLine, len(frames))
	for i, f := range frames {
		pos, ok := t.At(f.PC)
		tr.frames[i] = trackedLine{known: true, has: ok, pos: pos}
		if _, stmt := slices.BinarySearch(s.lineFns.stmts, f.PC); stmt && i == len(frames)-1 {
			tr.frames[i].known = false
		}
	}
}

// visit updates the tracker at the present (a statement row or a
// function entry) and says whether a line begins here.
func (tr *lineTracker) visit(s *Session, t *debuginfo.Table) bool {
	_, off, _ := s.machine.PC()
	d := s.machine.Depth()
	for len(tr.frames) < d {
		tr.frames = append(tr.frames, trackedLine{})
	}
	fr := &tr.frames[d-1]
	if s.lineFns.isEntry(off) {
		*fr = trackedLine{known: true}
	}
	if _, ok := slices.BinarySearch(s.lineFns.stmts, off); !ok {
		return false
	}
	pos, _ := t.At(off)
	prev := *fr
	*fr = trackedLine{known: true, has: true, pos: pos}
	return prev.known && (!prev.has || !sameLine(prev.pos, pos))
}
