package debugger

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/wdb-dev/wdb/debuginfo"
)

// Commands and output about source lines (docs/source-lines.md): the
// source position of stops and frames, breakpoints at FILE:LINE, the
// source command.

// table is the line table for output: nil when the module has none. A
// damaged one is reported once, as a warning, and treated as none.
func (in *Interpreter) table() *debuginfo.Table {
	t, err := in.s.Lines()
	if err != nil && !in.linesWarned {
		in.linesWarned = true
		fmt.Fprintf(in.out, "warning: %s: %v (source lines are not shown)\n", in.s.Path(), err)
	}
	return t
}

// srcPos is " at FILE:LINE" for the instruction at off, or "" when it has
// no source position. FILE is the shortest name of the file that is
// unique in the line table (its base name, usually).
func (in *Interpreter) srcPos(off uint32) string {
	t := in.table()
	if t == nil {
		return ""
	}
	p, ok := t.At(off)
	if !ok {
		return ""
	}
	return fmt.Sprintf(" at %s:%d", t.Short(p.File), p.Line)
}

// lineSpec matches FILE:LINE and LINE.
var lineSpec = regexp.MustCompile(`^(?:(.+):)?([0-9]+)$`)

// lineLocations resolves a location given as a source line, "FILE:LINE"
// or "LINE" (of the selected frame's file). ok is false when spec is not
// one: "LINE" is a function index when the selected frame has no source
// position.
func (in *Interpreter) lineLocations(spec string) (locs []Location, note string, ok bool, err error) {
	m := lineSpec.FindStringSubmatch(spec)
	if m == nil || strings.HasPrefix(spec, "0x") {
		return nil, "", false, nil
	}
	file := m[1]
	line, err := strconv.Atoi(m[2])
	if err != nil || line <= 0 {
		return nil, "", true, fmt.Errorf("bad line number %q", m[2])
	}
	t := in.table()
	if file == "" {
		if t == nil {
			return nil, "", false, nil
		}
		p, has := in.currentPos(t)
		if !has {
			return nil, "", false, nil
		}
		file = p.File
	}
	if t == nil {
		return nil, "", true, errNoLines
	}
	offs, found, err := t.Find(file, line)
	if err != nil {
		return nil, "", true, err
	}
	if found != line {
		note = fmt.Sprintf("line %d has no code: using line %d\n", line, found)
	}
	for _, off := range offs {
		r, _ := t.RowAt(off)
		if at, ok := in.s.rowInstr(r); ok {
			f, _ := in.s.Module().FuncAt(at)
			locs = append(locs, Location{Func: f.Index, Offset: at})
		}
	}
	if len(locs) == 0 {
		return nil, "", true, fmt.Errorf("line %d of %s: no instruction begins it", found, file)
	}
	return locs, note, true, nil
}

// currentPos is the source position that a bare LINE refers to: the
// selected frame's, or, when it has none (before main, in a library
// function without lines, after the end), the start of main, as gdb does.
func (in *Interpreter) currentPos(t *debuginfo.Table) (debuginfo.Pos, bool) {
	if f, err := in.selectedFrame(); err == nil {
		if p, ok := t.At(f.PC); ok {
			return p, true
		}
	}
	// C's main(void) is __original_main in WASI programs; main(argc,
	// argv) keeps its name.
	for _, name := range []string{"main", "__original_main"} {
		loc, err := in.s.ResolveLocation(name)
		if err != nil {
			continue
		}
		for _, r := range t.Rows(loc.Offset, in.s.Module().Funcs[loc.Func].BodyEnd) {
			return debuginfo.Pos{File: r.File, Line: r.Line}, true
		}
	}
	return debuginfo.Pos{}, false
}

// completeLocations offers the functions and the source files (as FILE:).
func completeLocations(in *Interpreter, args, partial string) []string {
	out := completeFuncs(in, args, partial)
	if strings.TrimSpace(args) != "" {
		return out
	}
	if t := in.table(); t != nil {
		for _, f := range t.Files() {
			out = append(out, t.Short(f)+":")
		}
	}
	return out
}

// The source command.

// sourceFile returns the lines of a source file of the line table, found
// as Session.FindSource finds it.
func (in *Interpreter) sourceFile(file string) ([]string, error) {
	if lines, ok := in.sources[file]; ok {
		return lines, nil
	}
	p, err := in.s.FindSource(file)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	in.sources[file] = lines
	return lines, nil
}

// sourceTarget is the file and line to show: the argument's (FILE:LINE,
// LINE, or a location), else the selected frame's.
func (in *Interpreter) sourceTarget(t *debuginfo.Table, arg string) (string, int, error) {
	if arg == "" {
		p, ok := in.currentPos(t)
		if !ok {
			return "", 0, errors.New("neither the selected frame nor main has a source line (give FILE:LINE)")
		}
		return p.File, p.Line, nil
	}
	if m := lineSpec.FindStringSubmatch(arg); m != nil && m[1] != "" {
		file, err := t.File(m[1])
		if err != nil {
			return "", 0, err
		}
		line, _ := strconv.Atoi(m[2])
		return file, line, nil
	}
	if m := lineSpec.FindStringSubmatch(arg); m != nil {
		if p, ok := in.currentPos(t); ok {
			line, _ := strconv.Atoi(m[2])
			return p.File, line, nil
		}
	}
	loc, err := in.s.ResolveLocation(arg)
	if err != nil {
		return "", 0, err
	}
	for _, r := range t.Rows(loc.Offset, in.s.Module().Funcs[loc.Func].BodyEnd) {
		return r.File, r.Line, nil
	}
	return "", 0, fmt.Errorf("%s has no source line", in.where(loc.Func, loc.Offset))
}

func cmdSource(in *Interpreter, c call) error {
	t := in.table()
	if t == nil {
		return errNoLines
	}
	file, line, err := in.sourceTarget(t, c.args)
	if err != nil {
		return err
	}
	lines, err := in.sourceFile(file)
	if err != nil {
		return err
	}
	if line > len(lines) {
		return fmt.Errorf("%s has %d lines, no line %d", file, len(lines), line)
	}
	// The current line and the breakpoints' lines, in this file.
	var cur int
	if f, err := in.selectedFrame(); err == nil {
		if p, ok := t.At(f.PC); ok && p.File == file {
			cur = p.Line
		}
	}
	bps := map[int]bool{}
	for _, b := range in.s.Breakpoints() {
		if p, ok := t.At(b.Offset); ok && p.File == file {
			bps[p.Line] = true
		}
	}
	from, to := window(line-1, len(lines), 5, 5)
	fmt.Fprintf(in.out, "%s:\n", file)
	for k := from; k < to; k++ {
		m := "  "
		if k+1 == cur {
			m = "=>"
		}
		if bps[k+1] {
			m += "*"
		} else {
			m += " "
		}
		fmt.Fprintf(in.out, "%5d %s %s\n", k+1, m, lines[k])
	}
	return nil
}

// lineMove makes a source-line move command (a repeat count); it refuses
// before moving in a module without lines.
func lineMoveCommand(f func(*Session) (Stop, error)) func(*Interpreter, call) error {
	move := stepCommand(f)
	return func(in *Interpreter, c call) error {
		if in.table() == nil {
			if _, err := in.s.Lines(); err != nil {
				return err
			}
			return errNoLines
		}
		return move(in, c)
	}
}
