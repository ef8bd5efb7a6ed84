// Package debuginfo reads the source line table of a module from its
// DWARF (.debug_line and the sections it refers to): which source file,
// line and column each instruction comes from, and which instructions
// begin a source line. It also reads the source variables (.debug_info,
// vars.go): those in scope at an instruction, the globals of its compile
// unit, their types, and where their
// values are, by evaluating location expressions (location.go) against a
// State the caller provides; format.go writes values as C does.
//
// Positions are file offsets, as everywhere in wdb: DWARF addresses are
// relative to the code section's contents, so a row's offset is
// Module.CodeSectionOffset plus its address.
package debuginfo

import (
	"debug/dwarf"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/wdb-dev/wdb/wasm"
)

// Pos is a source position. File is the path as the line table records
// it, joined with its directory.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string { return p.File + ":" + strconv.Itoa(p.Line) }

// Row is one row of the line table: the instructions from Offset up to
// End (excluded) come from Pos. Stmt marks a recommended breakpoint
// location (DWARF is_stmt); PrologueEnd the end of a function's prologue.
type Row struct {
	Offset, End uint32
	Pos
	Stmt, PrologueEnd bool
	// Entry marks where the source line begins: the first Stmt row of a
	// run of contiguous rows of the same file and line (the later rows
	// of the run are other columns of the line).
	Entry bool
}

// Table is a module's line table, sorted by offset. Rows do not overlap
// and no row has line 0. It is immutable.
type Table struct {
	rows  []Row
	files []string          // sorted, unique
	short map[string]string // file -> the shortest unique suffix
}

// Lines reads the line table of m. It returns nil and no error when the
// module has no line information, and an error naming the section when
// its DWARF is damaged.
func Lines(m *wasm.Module) (_ *Table, err error) {
	d, err := m.DWARF()
	if d == nil || err != nil {
		return nil, err
	}
	defer recoverDamaged(".debug_line", &err)
	var rows []Row
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			return nil, fmt.Errorf("damaged DWARF in .debug_info: %w", err)
		}
		if e == nil {
			break
		}
		if e.Tag != dwarf.TagCompileUnit && e.Tag != dwarf.TagPartialUnit {
			r.SkipChildren()
			continue
		}
		lr, err := d.LineReader(e)
		if err != nil {
			return nil, fmt.Errorf("damaged DWARF in .debug_line (unit at 0x%x): %w", e.Offset, err)
		}
		r.SkipChildren()
		if lr == nil {
			continue
		}
		if rows, err = readUnit(m, lr, rows); err != nil {
			return nil, fmt.Errorf("damaged DWARF in .debug_line (unit at 0x%x): %w", e.Offset, err)
		}
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return newTable(rows), nil
}

// readUnit appends the rows of one unit's line program. A sequence that
// does not start inside a function body is code the linker dropped (its
// addresses are a tombstone): it is skipped.
func readUnit(m *wasm.Module, lr *dwarf.LineReader, rows []Row) ([]Row, error) {
	var seq []dwarf.LineEntry
	for {
		var e dwarf.LineEntry
		err := lr.Next(&e)
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		if !e.EndSequence {
			seq = append(seq, e)
			continue
		}
		if len(seq) > 0 && e.Address >= seq[0].Address && e.Address-seq[0].Address < 1<<32 {
			if off, ok := codeOffset(m, seq[0].Address); ok {
				if _, in := m.FuncAt(off); in {
					rows = appendSequence(rows, seq, off-uint32(seq[0].Address), e.Address)
				}
			}
		}
		seq = seq[:0]
	}
}

// codeOffset turns a DWARF address into a file offset.
func codeOffset(m *wasm.Module, addr uint64) (uint32, bool) {
	off := uint64(m.CodeSectionOffset) + addr
	return uint32(off), off < uint64(len(m.Bytes))
}

// appendSequence appends a sequence's rows (base turns its addresses into
// offsets; end is its end_sequence address). Empty rows and rows of line
// 0 cover nothing.
func appendSequence(rows []Row, seq []dwarf.LineEntry, base uint32, end uint64) []Row {
	for i, e := range seq {
		next := end
		if i+1 < len(seq) {
			next = seq[i+1].Address
		}
		if next <= e.Address || e.Line <= 0 || e.File == nil {
			continue
		}
		rows = append(rows, Row{Offset: base + uint32(e.Address), End: base + uint32(next),
			Pos: Pos{File: e.File.Name, Line: e.Line, Col: e.Column}, Stmt: e.IsStmt, PrologueEnd: e.PrologueEnd})
	}
	return rows
}

func newTable(rows []Row) *Table {
	slices.SortStableFunc(rows, func(a, b Row) int { return int(int64(a.Offset) - int64(b.Offset)) })
	// Overlapping rows (sequences that should not overlap, but do): the
	// later one starts where the earlier one ends.
	out := rows[:0]
	for _, r := range rows {
		if n := len(out); n > 0 && r.Offset < out[n-1].End {
			if r.End <= out[n-1].End {
				continue
			}
			r.Offset = out[n-1].End
		}
		out = append(out, r)
	}
	rows = out
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && rows[j].Offset == rows[j-1].End && rows[j].File == rows[i].File && rows[j].Line == rows[i].Line {
			j++
		}
		for k := i; k < j; k++ {
			if rows[k].Stmt {
				rows[k].Entry = true
				break
			}
		}
		i = j
	}
	t := &Table{rows: rows, short: map[string]string{}}
	for _, r := range rows {
		t.files = append(t.files, r.File)
	}
	slices.Sort(t.files)
	t.files = slices.Compact(t.files)
	for _, f := range t.files {
		t.short[f] = t.shortest(f)
	}
	return t
}

// shortest is the shortest suffix of file, on a / boundary, that names
// no other file of the table.
func (t *Table) shortest(file string) string {
	for i := len(file) - 1; i > 0; i-- {
		if file[i-1] != '/' {
			continue
		}
		if len(t.matching(file[i:])) == 1 {
			return file[i:]
		}
	}
	return file
}

// Files returns the source files of the table, sorted.
func (t *Table) Files() []string { return slices.Clone(t.files) }

// Short returns the shortest name that names file among the table's
// files: its base name when no other file has it, else a longer suffix
// of its path. Find accepts it.
func (t *Table) Short(file string) string {
	if s, ok := t.short[file]; ok {
		return s
	}
	return file
}

// Rows returns the rows that start in [from, to), in order.
func (t *Table) Rows(from, to uint32) []Row {
	i := sort.Search(len(t.rows), func(i int) bool { return t.rows[i].Offset >= from })
	j := sort.Search(len(t.rows), func(i int) bool { return t.rows[i].Offset >= to })
	return t.rows[i:j:j]
}

// RowAt returns the row covering offset off.
func (t *Table) RowAt(off uint32) (Row, bool) {
	i := sort.Search(len(t.rows), func(i int) bool { return t.rows[i].End > off })
	if i < len(t.rows) && t.rows[i].Offset <= off {
		return t.rows[i], true
	}
	return Row{}, false
}

// At returns the source position of the instruction at off; false when
// no row covers it.
func (t *Table) At(off uint32) (Pos, bool) {
	r, ok := t.RowAt(off)
	return r.Pos, ok
}

// matching returns the files named by name: the file with exactly that
// path, else those whose path ends in /name.
func (t *Table) matching(name string) []string {
	if _, ok := slices.BinarySearch(t.files, name); ok {
		return []string{name}
	}
	var out []string
	for _, f := range t.files {
		if strings.HasSuffix(f, "/"+name) {
			out = append(out, f)
		}
	}
	return out
}

// File resolves a file name as the user gives it: an exact path of the
// table, or a suffix of one on a / boundary (a base name) that names only
// one file.
func (t *Table) File(name string) (string, error) {
	name = strings.TrimPrefix(path.Clean(name), "./")
	switch m := t.matching(name); len(m) {
	case 1:
		return m[0], nil
	case 0:
		return "", fmt.Errorf("no file %s in the line table", name)
	default:
		return "", fmt.Errorf("%s is ambiguous: %s", name, strings.Join(m, ", "))
	}
}

// Find returns the offsets where line `line` of file begins (the Entry
// rows of that line), sorted. A line with no code gives the next line
// that has some, which is returned as found.
func (t *Table) Find(file string, line int) (offsets []uint32, found int, err error) {
	f, err := t.File(file)
	if err != nil {
		return nil, 0, err
	}
	found = -1
	for _, r := range t.rows {
		if r.File != f || !r.Entry || r.Line < line {
			continue
		}
		if found < 0 || r.Line < found {
			found, offsets = r.Line, offsets[:0]
		}
		if r.Line == found {
			offsets = append(offsets, r.Offset)
		}
	}
	if found < 0 {
		return nil, 0, fmt.Errorf("no code at or after line %d of %s", line, f)
	}
	return offsets, found, nil
}

// recoverDamaged, deferred by the readers, turns a panic of debug/dwarf
// on damaged input into an error naming the section (their other results
// stay nil: they assign them only when they return).
func recoverDamaged(section string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("damaged DWARF in %s: %v", section, r)
	}
}

// ErrNoLines says a module has no line table.
var ErrNoLines = errors.New("the module has no source line information (DWARF .debug_line: build with -g)")
