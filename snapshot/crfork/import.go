package crfork

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/wasm"
)

// reader reads one file of an image, naming it in every error.
type reader struct {
	path string
	b    []byte
	off  int
}

func readFile(dir, name string) (*reader, error) {
	p := filepath.Join(dir, name)
	b, err := os.ReadFile(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &Error{File: p, Msg: "missing"}
		}
		return nil, err
	}
	return &reader{path: p, b: b}, nil
}

func (r *reader) errorf(field, format string, args ...any) error {
	return &Error{File: r.path, Field: field, Msg: fmt.Sprintf(format, args...)}
}

func (r *reader) u32(field string) (uint32, error) {
	if len(r.b)-r.off < 4 {
		return 0, r.errorf(field, "file ends at byte %d (truncated)", len(r.b))
	}
	v := binary.LittleEndian.Uint32(r.b[r.off:])
	r.off += 4
	return v, nil
}

func (r *reader) bytes(n int, field string) ([]byte, error) {
	if n < 0 || len(r.b)-r.off < n {
		return nil, r.errorf(field, "needs %d bytes at offset %d, the file has %d (truncated)", n, r.off, len(r.b))
	}
	b := r.b[r.off : r.off+n]
	r.off += n
	return b, nil
}

func (r *reader) end() error {
	if r.off != len(r.b) {
		return r.errorf("", "%d unexpected bytes after offset %d", len(r.b)-r.off, r.off)
	}
	return nil
}

// stackRecord is one stackK.img as written.
type stackRecord struct {
	r             *reader
	fn            uint32
	retFn, retOff uint32
	types         []byte
	cells         []uint32
	labels        []label
}

func readStack(dir string, k int) (*stackRecord, error) {
	r, err := readFile(dir, stackFile(k))
	if err != nil {
		return nil, err
	}
	s := &stackRecord{r: r}
	if s.fn, err = r.u32("function index"); err != nil {
		return nil, err
	}
	if s.retFn, err = r.u32("return position function"); err != nil {
		return nil, err
	}
	if s.retOff, err = r.u32("return position offset"); err != nil {
		return nil, err
	}
	n, err := r.u32("type count")
	if err != nil {
		return nil, err
	}
	if s.types, err = r.bytes(int(n), "type list"); err != nil {
		return nil, err
	}
	ncells := 0
	for j, c := range s.types {
		switch c {
		case 1, 2:
			ncells += int(c)
		case 4, 255:
			return nil, r.errorf(fmt.Sprintf("type list entry %d", j), "type code %d (v128 or reference) is not supported", c)
		default:
			return nil, r.errorf(fmt.Sprintf("type list entry %d", j), "invalid type code %d (want 1, 2, 4 or 255)", c)
		}
	}
	raw, err := r.bytes(4*ncells, "values")
	if err != nil {
		return nil, err
	}
	for j := 0; j < ncells; j++ {
		s.cells = append(s.cells, binary.LittleEndian.Uint32(raw[4*j:]))
	}
	nl, err := r.u32("label count")
	if err != nil {
		return nil, err
	}
	if int(nl) > (len(r.b)-r.off)/16 {
		return nil, r.errorf("label count", "%d labels do not fit in the %d bytes left (truncated)", nl, len(r.b)-r.off)
	}
	for j := 0; j < int(nl); j++ {
		var l label
		for _, p := range []*uint32{&l.begin, &l.target, &l.height, &l.cells} {
			if *p, err = r.u32(fmt.Sprintf("label %d", j)); err != nil {
				return nil, err
			}
		}
		s.labels = append(s.labels, l)
	}
	return s, r.end()
}

// Import reads the image in dir as a state of mod. base is the state of a
// freshly instantiated mod (no frames): the format does not carry tables,
// dropped segments or the memory pages the fork did not write, so they are
// taken from it. The result has counter 0 (the format has none) and no
// WASI state; it passes snapshot.CheckAgainst(mod).
func Import(dir string, mod *wasm.Module, base *snapshot.Snapshot) (*snapshot.Snapshot, error) {
	fr, err := readFile(dir, frameFile)
	if err != nil {
		return nil, err
	}
	n, err := fr.u32("frame count")
	if err != nil {
		return nil, err
	}
	if err := fr.end(); err != nil {
		return nil, err
	}
	if n == 0 || n > maxFrames {
		return nil, fr.errorf("frame count", "%d frames (want 1 to %d)", n, maxFrames)
	}
	if _, err := os.Stat(filepath.Join(dir, stackFile(int(n)+1))); err == nil {
		return nil, fr.errorf("frame count", "%d frames, but %s exists too (wrong frame count)", n, stackFile(int(n)+1))
	}
	recs := make([]*stackRecord, n+1) // recs[k] is stackK.img: 1 top, n bottom
	for k := 1; k <= int(n); k++ {
		if recs[k], err = readStack(dir, k); err != nil {
			if e, ok := err.(*Error); ok && e.Msg == "missing" {
				return nil, fr.errorf("frame count", "%d frames, but %s is missing (wrong frame count)", n, stackFile(k))
			}
			return nil, err
		}
	}
	pr, err := readFile(dir, pcFile)
	if err != nil {
		return nil, err
	}
	pcFn, err := pr.u32("function index")
	if err != nil {
		return nil, err
	}
	pcOff, err := pr.u32("offset")
	if err != nil {
		return nil, err
	}
	if err := pr.end(); err != nil {
		return nil, err
	}
	if pcFn != recs[1].fn {
		return nil, pr.errorf("function index", "%d, but the top frame (%s) runs function %d", pcFn, stackFile(1), recs[1].fn)
	}

	s := &snapshot.Snapshot{
		Module:      mod.Bytes,
		ModuleHash:  mod.Hash(),
		Tables:      base.Tables,
		DroppedData: base.DroppedData,
		DroppedElem: base.DroppedElem,
	}
	for k := int(n); k >= 1; k-- {
		// The frame's own position: the program counter for the top frame,
		// else the return position the frame above it recorded.
		posFile, posFn, posOff := pr, pcFn, pcOff
		if k > 1 {
			posFile, posFn, posOff = recs[k-1].r, recs[k-1].retFn, recs[k-1].retOff
		}
		f, err := importFrame(mod, recs[k], k == 1, posFile, posFn, posOff)
		if err != nil {
			return nil, err
		}
		s.Frames = append(s.Frames, f)
	}
	if s.Globals, err = importGlobals(dir, mod); err != nil {
		return nil, err
	}
	if s.Memories, err = importMemory(dir, mod, base); err != nil {
		return nil, err
	}
	if err := s.CheckAgainst(mod); err != nil {
		return nil, fmt.Errorf("%s: the image does not fit the module: %w", dir, err)
	}
	return s, nil
}

// importFrame converts one stack record; pos* is where the frame is (the
// return position into it, or the program counter for the top frame).
func importFrame(mod *wasm.Module, rec *stackRecord, top bool, posFile *reader, posFn, posOff uint32) (snapshot.Frame, error) {
	r := rec.r
	if int(rec.fn) >= len(mod.Funcs) || mod.Funcs[rec.fn].Import != nil {
		return snapshot.Frame{}, r.errorf("function index", "%d is not a function defined by the module (it has %d functions, %d imported)", rec.fn, len(mod.Funcs), mod.NumImportedFuncs)
	}
	f := mod.Funcs[rec.fn]
	posField := "return position"
	if top {
		posField = "offset"
	}
	if posFn != rec.fn {
		return snapshot.Frame{}, posFile.errorf(posField, "in function %d, but %s runs function %d", posFn, filepath.Base(r.path), rec.fn)
	}
	i, ok := f.InstrAt(codeStart(f) + posOff)
	if !ok {
		return snapshot.Frame{}, posFile.errorf(posField, "offset %d is not an instruction boundary of %s (%d bytes of code)", posOff, f.DisplayName(), f.BodyEnd-codeStart(f))
	}
	types := f.StackTypes(i)
	if !top {
		// The return position is just past the call in progress.
		if i == 0 || (f.Instrs[i-1].Op != wasm.OpCall && f.Instrs[i-1].Op != wasm.OpCallIndirect) {
			return snapshot.Frame{}, posFile.errorf(posField, "offset %d of %s does not follow a call", posOff, f.DisplayName())
		}
		i--
		types = f.StackTypes(i)
		types = types[:len(types)-snapshot.PassedOperands(mod, &f.Instrs[i])]
	}
	if f.Info[i].Unreachable {
		return snapshot.Frame{}, posFile.errorf(posField, "offset %d of %s is unreachable code", f.Instrs[i].Offset-codeStart(f), f.DisplayName())
	}
	locals := make([]wasm.ValType, f.NumLocals())
	for j := range locals {
		locals[j] = f.LocalType(uint32(j))
	}
	all := append(locals, types...)
	where := fmt.Sprintf("at offset %d of %s", f.Instrs[i].Offset-codeStart(f), f.DisplayName())
	if len(rec.types) != len(all) {
		return snapshot.Frame{}, r.errorf("type list", "%d entries, but %s the function has %d locals and %d operands", len(rec.types), where, len(locals), len(types))
	}
	fr := snapshot.Frame{Func: rec.fn, PC: f.Instrs[i].Offset}
	c := 0
	for j, t := range all {
		if cells(t) == 0 {
			return snapshot.Frame{}, r.errorf(fmt.Sprintf("type list entry %d", j), "the module has type %v there, which the format cannot carry", t)
		}
		if int(rec.types[j]) != cells(t) {
			return snapshot.Frame{}, r.errorf(fmt.Sprintf("type list entry %d", j), "%d cells, but %s the module has type %v there", rec.types[j], where, t)
		}
		v := snapshot.Value{Type: t, Lo: uint64(rec.cells[c])}
		if cells(t) == 2 {
			v.Lo |= uint64(rec.cells[c+1]) << 32
		}
		c += cells(t)
		if j < len(locals) {
			fr.Locals = append(fr.Locals, v)
		} else {
			fr.Stack = append(fr.Stack, v)
		}
	}
	want := labelsAt(f, i)
	if len(rec.labels) != len(want) {
		return snapshot.Frame{}, r.errorf("label count", "%d, but %s the function has %d enclosing labels", len(rec.labels), where, len(want))
	}
	for j, l := range rec.labels {
		w := want[j]
		// WAMR leaves a block's target unset (noTarget) until a branch
		// needs it. WasmEdge writes 0 result cells and, its restore
		// ignoring labels, sometimes an unset height (loop-wasmedge's
		// stack2.img label 1 holds 671125264): with 0 cells the height is
		// not checked, the labels are recomputed from the module anyway.
		targetOK := l.target == w.target || (l.target == noTarget && j > 0)
		heightOK := l.height == w.height || l.cells == 0
		if l.begin != w.begin || !targetOK || !heightOK || (l.cells != w.cells && l.cells != 0) {
			return snapshot.Frame{}, r.errorf(fmt.Sprintf("label %d", j), "{begin %d, target %d, height %d bytes, %d cells}, but %s the module's label is {%d, %d, %d, %d}",
				l.begin, int32(l.target), l.height, l.cells, where, w.begin, w.target, w.height, w.cells)
		}
	}
	fr.Labels = snapshot.LabelsAt(f, i)
	return fr, nil
}

func importGlobals(dir string, mod *wasm.Module) ([]snapshot.Value, error) {
	r, err := readFile(dir, globalFile)
	if err != nil {
		return nil, err
	}
	var out []snapshot.Value
	for i, g := range mod.Globals {
		field := fmt.Sprintf("global %d", i)
		v := snapshot.Value{Type: g.Type}
		switch cells(g.Type) {
		case 1:
			x, err := r.u32(field)
			if err != nil {
				return nil, err
			}
			v.Lo = uint64(x)
		case 2:
			b, err := r.bytes(8, field)
			if err != nil {
				return nil, err
			}
			v.Lo = binary.LittleEndian.Uint64(b)
		default:
			return nil, r.errorf(field, "a global of type %v, which the format cannot carry", g.Type)
		}
		out = append(out, v)
	}
	return out, r.end()
}

func importMemory(dir string, mod *wasm.Module, base *snapshot.Snapshot) ([]snapshot.Memory, error) {
	if len(mod.Memories) == 0 {
		return nil, nil
	}
	if len(mod.Memories) > 1 || len(base.Memories) != 1 {
		return nil, fmt.Errorf("%s: the module has %d memories; the format holds one", dir, len(mod.Memories))
	}
	pr, err := readFile(dir, pagesFile)
	if err != nil {
		return nil, err
	}
	pages, err := pr.u32("page count")
	if err != nil {
		return nil, err
	}
	if err := pr.end(); err != nil {
		return nil, err
	}
	m := base.Memories[0]
	size := pages
	if !growable(mod) {
		// The size cannot have changed; WAMR counts it as one big page.
		if pages != m.Size && !(pages == 1 && m.Size > 0) {
			return nil, pr.errorf("page count", "%d, but the module's memory cannot change from %d pages (WAMR writes 1)", pages, m.Size)
		}
		size = m.Size
	} else if size < m.Size || (m.HasMax && size > m.Max) || size > 65536 {
		return nil, pr.errorf("page count", "%d pages, outside the memory's limits (%d to %d)", pages, m.Size, m.Max)
	}
	m.Pages = append(make([][]byte, 0, size), m.Pages...)
	for len(m.Pages) < int(size) {
		m.Pages = append(m.Pages, nil)
	}
	m.Size = size
	r, err := readFile(dir, memoryFile)
	if err != nil {
		return nil, err
	}
	owned := make([]bool, size) // pages copied from base already
	for r.off < len(r.b) {
		field := fmt.Sprintf("record at byte %d", r.off)
		off, err := r.u32(field)
		if err != nil {
			return nil, err
		}
		data, err := r.bytes(memPageSize, field)
		if err != nil {
			return nil, err
		}
		if off%memPageSize != 0 || uint64(off)+memPageSize > uint64(size)*snapshot.PageSize {
			return nil, r.errorf(field, "offset 0x%x is not a 4 KiB page inside the %d-page memory", off, size)
		}
		p := off / snapshot.PageSize
		if !owned[p] {
			page := make([]byte, snapshot.PageSize)
			copy(page, m.Pages[p])
			m.Pages[p], owned[p] = page, true
		}
		copy(m.Pages[p][off%snapshot.PageSize:], data)
	}
	return []snapshot.Memory{m}, nil
}
