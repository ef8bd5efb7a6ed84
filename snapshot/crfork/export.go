package crfork

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/wasm"
)

// Expressible reports why s cannot be written in the format, or nil. base
// is the state of the freshly instantiated module, as for Import.
func Expressible(s *snapshot.Snapshot, mod *wasm.Module, base *snapshot.Snapshot) error {
	if len(s.Frames) == 0 {
		return fmt.Errorf("nothing is running (no frames): the fork format holds only a running program")
	}
	if len(mod.Memories) > 1 {
		return fmt.Errorf("the module has %d memories; the fork format holds one", len(mod.Memories))
	}
	if !slices.EqualFunc(s.Tables, base.Tables, func(a, b snapshot.Table) bool { return slices.Equal(a.Elems, b.Elems) }) {
		return fmt.Errorf("a table was modified at run time; the fork format has no tables")
	}
	if !slices.Equal(s.DroppedData, base.DroppedData) || !slices.Equal(s.DroppedElem, base.DroppedElem) {
		return fmt.Errorf("a passive segment was dropped at run time; the fork format cannot say so")
	}
	if h := s.Host; h != nil {
		if h.Exited {
			return fmt.Errorf("the program has exited")
		}
		for _, f := range h.Files {
			if f.Kind == snapshot.FileRegular || f.Kind == snapshot.FileDirectory {
				return fmt.Errorf("file descriptor %d (%s) is open; the fork format keeps only stdio and preopened directories", f.FD, f.GuestPath)
			}
		}
	}
	for _, g := range mod.Globals {
		if cells(g.Type) == 0 {
			return fmt.Errorf("a %v global; the fork format cannot carry it", g.Type)
		}
	}
	for k, fr := range s.Frames {
		for _, v := range append(slices.Clip(fr.Locals), fr.Stack...) {
			if cells(v.Type) == 0 {
				return fmt.Errorf("frame %d holds a %v value; the fork format cannot carry it", k, v.Type)
			}
		}
	}
	return nil
}

// Export writes s as an image for the fork fl into the new directory dir,
// atomically: everything is written into a temporary directory beside it,
// which is then renamed. s must belong to mod and be expressible (see
// Expressible); base is the state of the freshly instantiated module, whose
// memory the fork's restore starts from.
func Export(s *snapshot.Snapshot, mod *wasm.Module, base *snapshot.Snapshot, fl Flavor, dir string) error {
	if err := s.CheckAgainst(mod); err != nil {
		return err
	}
	if err := Expressible(s, mod, base); err != nil {
		return fmt.Errorf("cannot write a %v image: %w", fl, err)
	}
	files := map[string][]byte{}
	w := func(name string, vs ...any) {
		var b bytes.Buffer
		for _, v := range vs {
			binary.Write(&b, binary.LittleEndian, v) // cannot fail on a bytes.Buffer
		}
		files[name] = append(files[name], b.Bytes()...)
	}
	n := len(s.Frames)
	w(frameFile, uint32(n))
	top := s.Frames[n-1]
	w(pcFile, top.Func, top.PC-codeStart(mod.Funcs[top.Func]))
	for j, fr := range s.Frames {
		name := stackFile(n - j)
		f := mod.Funcs[fr.Func]
		i, _ := f.InstrAt(fr.PC) // valid: CheckAgainst
		w(name, fr.Func)
		// The return position: just past the caller's call; the bottom
		// frame writes its own position (WAMR) or its final end (WasmEdge);
		// both restores ignore it.
		switch {
		case j > 0:
			c := mod.Funcs[s.Frames[j-1].Func]
			ci, _ := c.InstrAt(s.Frames[j-1].PC)
			w(name, c.Index, c.Instrs[ci+1].Offset-codeStart(c))
		case fl == WasmEdge:
			w(name, fr.Func, f.Instrs[len(f.Instrs)-1].Offset-codeStart(f))
		case j == n-1:
			w(name, fr.Func, fr.PC-codeStart(f))
		default:
			w(name, fr.Func, f.Instrs[i+1].Offset-codeStart(f))
		}
		vals := append(slices.Clip(fr.Locals), fr.Stack...)
		w(name, uint32(len(vals)))
		for _, v := range vals {
			w(name, uint8(cells(v.Type)))
		}
		for _, v := range vals {
			if cells(v.Type) == 1 {
				w(name, uint32(v.Lo))
			} else {
				w(name, v.Lo)
			}
		}
		labels := labelsAt(f, i)
		w(name, uint32(len(labels)))
		for _, l := range labels {
			w(name, l.begin, l.target, l.height, l.cells)
		}
	}
	files[globalFile] = []byte{}
	for _, v := range s.Globals {
		if cells(v.Type) == 1 {
			w(globalFile, uint32(v.Lo))
		} else {
			w(globalFile, v.Lo)
		}
	}
	if len(s.Memories) == 1 {
		m := s.Memories[0]
		pages := m.Size
		if fl == WAMR && !growable(mod) && m.Size > 0 && m.Size < 65536 {
			pages = 1 // WAMR's one merged page
		}
		w(pagesFile, pages)
		files[memoryFile] = dirtyPages(m, base.Memories[0])
	}
	return writeDir(dir, files)
}

// dirtyPages are the memory.img records of every 4 KiB page of m that
// differs from the freshly instantiated memory b: the fork's restore writes
// them over the memory it instantiated.
func dirtyPages(m, b snapshot.Memory) []byte {
	var out []byte
	zero := make([]byte, memPageSize)
	page := func(pages [][]byte, p int, o int) []byte {
		if p >= len(pages) || pages[p] == nil {
			return zero
		}
		return pages[p][o : o+memPageSize]
	}
	for p := range m.Pages {
		for o := 0; o < snapshot.PageSize; o += memPageSize {
			cur := page(m.Pages, p, o)
			if !bytes.Equal(cur, page(b.Pages, p, o)) {
				out = binary.LittleEndian.AppendUint32(out, uint32(p*snapshot.PageSize+o))
				out = append(out, cur...)
			}
		}
	}
	return out
}

// writeDir creates dir holding files, atomically: a temporary directory
// beside it, synced, then renamed. An existing dir is not replaced.
func writeDir(dir string, files map[string][]byte) error {
	if _, err := os.Lstat(dir); err == nil {
		return fmt.Errorf("%s already exists", dir)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".tmp")
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	for name, b := range files {
		if err := writeSynced(filepath.Join(tmp, name), b); err != nil {
			return err
		}
	}
	if err := os.Chmod(tmp, 0o700); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return err
	}
	ok = true
	if d, err := os.Open(filepath.Dir(dir)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
