package dap

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"

	godap "github.com/google/go-dap"

	"github.com/wdb-dev/wdb/debugger"
	"github.com/wdb-dev/wdb/debuginfo"
)

// The program's own source files (C, Rust...), where the module has DWARF
// line information (docs/source-lines.md): a frame whose instruction has
// a source position in a file that can be found is shown there, the
// steps go by lines there, and breakpoints can be set in those files.
// Everything else stays in the functions' WebAssembly text (code.go).

// sourceFiles finds the line table's files on disk, once each.
type sourceFiles struct {
	// found maps a file of the line table to its absolute path, or to ""
	// when it is not found.
	found map[string]string
	// warned: a damaged line table was reported.
	warned bool
}

// table is the module's line table, or nil. A damaged one is reported
// once in the console and treated as none.
func (s *session) table() *debuginfo.Table {
	t, err := s.dbg.Lines()
	if err != nil && !s.files.warned {
		s.files.warned = true
		s.output("console", fmt.Sprintf("wdb: %s: %v (source lines are not shown)\n", s.dbg.Path(), err))
	}
	return t
}

// sourcePos returns the source file and position of the instruction at
// off, if it has one and its file is found.
func (s *session) sourcePos(off uint32) (*godap.Source, debuginfo.Pos, bool) {
	t := s.table()
	if t == nil {
		return nil, debuginfo.Pos{}, false
	}
	pos, ok := t.At(off)
	if !ok {
		return nil, pos, false
	}
	p, known := s.files.found[pos.File]
	if !known {
		if f, err := s.dbg.FindSource(pos.File); err == nil {
			p, _ = filepath.Abs(f)
		}
		s.files.found[pos.File] = p
	}
	if p == "" {
		return nil, pos, false
	}
	return &godap.Source{Name: filepath.Base(p), Path: p}, pos, true
}

// columnOf converts a table column (1-based, 0: none) for the client.
func (s *session) columnOf(col int) int {
	return max(col, 1) - 1 + s.column()
}

// inSource says whether the innermost frame is shown in a source file.
func (s *session) inSource() bool {
	_, off, ok := s.dbg.PC()
	if !ok {
		return false
	}
	_, _, ok = s.sourcePos(off)
	return ok
}

// stepMove chooses a step's move by its granularity: by lines when the
// innermost frame is shown in a source file and the granularity is not
// "instruction"; else one instruction (a line of the WebAssembly text).
func (s *session) stepMove(g godap.SteppingGranularity, instruction, line func() (debugger.Stop, error)) (func() (debugger.Stop, error), error) {
	switch g {
	case "", "statement", "line":
		if line != nil && s.inSource() {
			return line, nil
		}
	case "instruction":
	default:
		return nil, fmt.Errorf("granularity %q: want statement, line or instruction", g)
	}
	return instruction, nil
}

// tableFile finds the line table's file for a path the client gives: the
// path itself, else the longest end of it, on a / boundary, that names
// one file of the table (the table records paths as the compiler saw
// them, often relative), down to the base name.
func tableFile(t *debuginfo.Table, path string) (string, error) {
	rest := filepath.ToSlash(path)
	for {
		f, err := t.File(rest)
		if err == nil {
			return f, nil
		}
		_, after, ok := strings.Cut(rest, "/")
		if !ok || after == "" {
			return "", fmt.Errorf("%s: %v", path, err)
		}
		rest = after
	}
}

// setFileBreakpoints sets breakpoints on lines of a source file: each
// line may begin at several places (a breakpoint each in the debugger, one
// for the client), and a line without code means the next one with some,
// which the response's line says.
func (s *session) setFileBreakpoints(r *godap.SetBreakpointsRequest) error {
	a := r.Arguments
	sbs := sourceBreakpoints(a)
	qs := make([]breakRequest, len(sbs))
	refused := make([]error, len(sbs))
	var file string
	var err error
	if t := s.table(); t == nil {
		err = debuginfo.ErrNoLines
		if _, lerr := s.dbg.Lines(); lerr != nil {
			err = lerr
		}
	} else {
		file, err = tableFile(t, a.Source.Path)
	}
	for i, b := range sbs {
		refused[i] = err
		if line := s.line1(b.Line); err == nil && line < 1 {
			refused[i] = fmt.Errorf("line %d: there is no such line", b.Line)
		}
		qs[i] = breakRequest{loc: fmt.Sprintf("%s:%d", file, s.line1(b.Line)), condition: b.Condition, hits: b.HitCondition, logMessage: b.LogMessage}
	}
	var out []godap.Breakpoint
	s.bps.files[a.Source.Path], out = s.setAll(s.bps.files[a.Source.Path], qs, refused, sourceBP)
	first := map[int]*debugger.Breakpoint{}
	for _, p := range s.bps.files[a.Source.Path] {
		first[p.bps[0].ID] = p.bps[0]
	}
	for i := range out {
		if bp := first[out[i].Id]; out[i].Verified && bp != nil {
			src := a.Source
			pos, _ := s.table().At(bp.Offset)
			out[i].Source, out[i].Line = &src, s.line(pos.Line)
		}
	}
	s.send(&godap.SetBreakpointsResponse{Response: response(&r.Request), Body: godap.SetBreakpointsResponseBody{Breakpoints: out}})
	return nil
}

// fileBreakpointLocations answers breakpointLocations for a source file:
// the lines in the range where a line begins.
func (s *session) fileBreakpointLocations(r *godap.BreakpointLocationsRequest) error {
	a := r.Arguments
	t := s.table()
	if t == nil {
		return debuginfo.ErrNoLines
	}
	file, err := tableFile(t, a.Source.Path)
	if err != nil {
		return err
	}
	first, last := s.line1(a.Line), s.line1(a.EndLine)
	if a.EndLine == 0 {
		last = first
	}
	seen := map[int]bool{}
	locs := []godap.BreakpointLocation{}
	for _, row := range t.Rows(0, math.MaxUint32) {
		if row.File == file && row.Entry && row.Line >= first && row.Line <= last && !seen[row.Line] {
			seen[row.Line] = true
			locs = append(locs, godap.BreakpointLocation{Line: s.line(row.Line)})
		}
	}
	sort.Slice(locs, func(i, j int) bool { return locs[i].Line < locs[j].Line })
	s.send(&godap.BreakpointLocationsResponse{Response: response(&r.Request), Body: godap.BreakpointLocationsResponseBody{Breakpoints: locs}})
	return nil
}
