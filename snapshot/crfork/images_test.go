package crfork_test

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/internal/papercr"
	"github.com/wdb-dev/wdb/snapshot/crfork"
)

// TestForkImagesResume resumes the forks' own images (testdata/paper-cr)
// with the modules they were taken from (*-orig.wasm, paper-cr/README.md)
// on every engine: each must print what the uninterrupted run under the
// fork printed after what it had printed before the checkpoint.
func TestForkImagesResume(t *testing.T) {
	t.Parallel()
	paper := "../../testdata/paper-cr"
	for _, c := range []struct{ image, module string }{
		{"loop-wamr-a", "loop"}, {"loop-wamr-b", "loop"}, {"loop-wasmedge", "loop"},
		{"grow-wamr", "grow"}, {"grow-wasmedge", "grow"},
		{"fib-wamr", "fib"},
	} {
		img := papercr.Unpack(t, filepath.Join(paper, c.image))
		dir, want := img.Dir, img.Rest
		mod := load(t, "paper-cr/"+c.module+"-orig.wasm")
		for _, engine := range engines.Names() {
			t.Run(c.image+"/"+engine, func(t *testing.T) {
				t.Parallel()
				in := instantiate(t, engine, mod, program{path: c.module})
				s, err := crfork.Import(dir, mod, in.base)
				if err != nil {
					t.Fatal(err)
				}
				if err := in.m.Restore(s); err != nil {
					t.Fatal(err)
				}
				if ev := in.m.Run(engines.Stop{Limit: engines.NoLimit}); ev.Kind != engines.Done {
					t.Fatalf("the resumed run ended with %v", ev.Kind)
				}
				if got := in.out.String(); got != want {
					t.Errorf("printed:\n%s\nwant:\n%s", got, want)
				}
			})
		}
	}
}

// TestForkImageLabelHeight: a label height is checked where the label
// has result cells (WAMR writes them; WasmEdge writes 0 cells and heights
// that are not always set, which are accepted).
func TestForkImageLabelHeight(t *testing.T) {
	t.Parallel()
	dir := papercr.Unpack(t, "../../testdata/paper-cr/loop-wamr-a").Dir
	mod := load(t, "paper-cr/loop-orig.wasm")
	base := instantiate(t, engines.Names()[0], mod, program{path: "loop"}).base
	if _, err := crfork.Import(dir, mod, base); err != nil {
		t.Fatalf("the undamaged image: %v", err)
	}
	// stack1.img (step) has one label, the body's: {0, 55, 0, 2 cells}.
	edit(t, filepath.Join(dir, "stack1.img"), func(b []byte) []byte {
		binary.LittleEndian.PutUint32(b[len(b)-8:], 4)
		return b
	})
	_, err := crfork.Import(dir, mod, base)
	var e *crfork.Error
	if !errors.As(err, &e) || filepath.Base(e.File) != "stack1.img" || !strings.Contains(err.Error(), "label 0: {begin 0, target 55, height 4 bytes, 2 cells}") {
		t.Errorf("got error %v, want one in stack1.img about label 0's height", err)
	}
}

// TestForkImagesRefused imports the forks' images with the modules rebuilt
// without wasm-opt (loop.wasm, ...), which are not the modules the images
// were taken from: each must be refused with an error naming the file and
// the field where the image and the module disagree.
func TestForkImagesRefused(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ image, module, file, want string }{
		// Function 51 / 53 is frexp here, not _start.command_export.
		{"loop-wamr-a", "loop", "stack4.img", "return position: offset 2 of frexp does not follow a call"},
		{"loop-wamr-b", "loop", "stack3.img", "return position: offset 2 of frexp does not follow a call"},
		{"loop-wasmedge", "loop", "stack4.img", "return position: offset 2 of frexp does not follow a call"},
		{"grow-wamr", "grow", "stack2.img", "return position: offset 2 of frexp does not follow a call"},
		{"grow-wasmedge", "grow", "stack2.img", "return position: offset 2 of frexp does not follow a call"},
		// fib is function 7 here, and the entry frame's function 19 is a
		// library function with 8 bytes of code.
		{"fib-wamr", "fib", "stack7.img", "return position: offset 15 is not an instruction boundary"},
	} {
		mod := load(t, "paper-cr/"+c.module+".wasm")
		base := instantiate(t, engines.Names()[0], mod, program{path: c.module}).base
		dir := filepath.Join("../../testdata/paper-cr", c.image)
		_, err := crfork.Import(dir, mod, base)
		var e *crfork.Error
		if !errors.As(err, &e) || filepath.Base(e.File) != c.file || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want one in %s saying %q", c.image, err, c.file, c.want)
		}
	}
}

// exported writes an image of p at about a third of its run and returns
// the directory, the module and base.
func exported(t *testing.T, p program, fl crfork.Flavor) (string, *instance) {
	mod := load(t, p.path)
	n := length(t, mod, p)
	in := instantiate(t, engines.Names()[0], mod, p)
	in.m.Run(engines.Stop{Limit: n / 3})
	s, err := in.m.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "img")
	if err := crfork.Export(s, mod, in.base, fl, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := crfork.Import(dir, mod, in.base); err != nil {
		t.Fatalf("the undamaged image: %v", err)
	}
	return dir, in
}

func u32At(t *testing.T, path string, off int) uint32 {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return binary.LittleEndian.Uint32(b[off:])
}

func setU32(t *testing.T, path string, off int, v uint32) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint32(b[off:], v)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func edit(t *testing.T, path string, f func([]byte) []byte) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, f(b), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestDamaged damages an exported image in each way the importer must
// notice and requires an error naming the file and the field.
func TestDamaged(t *testing.T) {
	t.Parallel()
	// nbody: frames with f64 and i32 values, so type codes can be swapped
	// without changing the number of cells.
	p := program{path: "bench/nbody.wasm", invoke: "run", args: []uint64{200}}
	for _, c := range []struct {
		name, file, want string
		damage           func(t *testing.T, dir string, in *instance)
	}{
		{"truncated stack file", "stack1.img", "truncated", func(t *testing.T, dir string, in *instance) {
			edit(t, filepath.Join(dir, "stack1.img"), func(b []byte) []byte { return b[:len(b)-3] })
		}},
		{"truncated frame count", "frame.img", "frame count: file ends", func(t *testing.T, dir string, in *instance) {
			edit(t, filepath.Join(dir, "frame.img"), func(b []byte) []byte { return b[:2] })
		}},
		{"one frame too many", "frame.img", "is missing (wrong frame count)", func(t *testing.T, dir string, in *instance) {
			setU32(t, filepath.Join(dir, "frame.img"), 0, u32At(t, filepath.Join(dir, "frame.img"), 0)+1)
		}},
		{"one frame too few", "frame.img", "exists too (wrong frame count)", func(t *testing.T, dir string, in *instance) {
			setU32(t, filepath.Join(dir, "frame.img"), 0, u32At(t, filepath.Join(dir, "frame.img"), 0)-1)
		}},
		{"pc inside an instruction", "program_counter.img", "not an instruction boundary", func(t *testing.T, dir string, in *instance) {
			// One byte into the function's first instruction longer than a byte.
			path := filepath.Join(dir, "program_counter.img")
			f := in.m.Module().Funcs[u32At(t, path, 0)]
			for i, ins := range f.Instrs[:len(f.Instrs)-1] {
				if f.Instrs[i+1].Offset-ins.Offset > 1 {
					setU32(t, path, 4, ins.Offset+1-f.Instrs[0].Offset)
					return
				}
			}
			t.Fatal("no instruction longer than a byte")
		}},
		{"pc in another function", "program_counter.img", "function index", func(t *testing.T, dir string, in *instance) {
			setU32(t, filepath.Join(dir, "program_counter.img"), 0, 0)
		}},
		{"return offset not after a call", "stack1.img", "return position", func(t *testing.T, dir string, in *instance) {
			path := filepath.Join(dir, "stack1.img")
			setU32(t, path, 8, u32At(t, path, 8)-1)
		}},
		{"types disagree", "", "type list entry", func(t *testing.T, dir string, in *instance) {
			// Swap a 1-cell and a 2-cell code in some frame's type list.
			files, _ := filepath.Glob(filepath.Join(dir, "stack*.img"))
			for _, f := range files {
				b, _ := os.ReadFile(f)
				n := int(binary.LittleEndian.Uint32(b[12:]))
				codes := b[16 : 16+n]
				i1, i2 := strings.IndexByte(string(codes), 1), strings.IndexByte(string(codes), 2)
				if i1 >= 0 && i2 >= 0 {
					codes[i1], codes[i2] = 2, 1
					os.WriteFile(f, b, 0o600)
					return
				}
			}
			t.Fatal("no frame with both 1- and 2-cell values")
		}},
		{"invalid type code", "stack1.img", "invalid type code 3", func(t *testing.T, dir string, in *instance) {
			edit(t, filepath.Join(dir, "stack1.img"), func(b []byte) []byte { b[16] = 3; return b })
		}},
		{"label disagrees", "stack1.img", "label 0", func(t *testing.T, dir string, in *instance) {
			edit(t, filepath.Join(dir, "stack1.img"), func(b []byte) []byte {
				binary.LittleEndian.PutUint32(b[len(b)-16*countLabels(b):], 7) // label 0's begin
				return b
			})
		}},
		{"trailing bytes", "stack1.img", "unexpected bytes", func(t *testing.T, dir string, in *instance) {
			edit(t, filepath.Join(dir, "stack1.img"), func(b []byte) []byte { return append(b, 0) })
		}},
		{"truncated globals", "global.img", "global 0", func(t *testing.T, dir string, in *instance) {
			edit(t, filepath.Join(dir, "global.img"), func(b []byte) []byte { return b[:len(b)-1] })
		}},
		{"page count too large", "mem_page_count.img", "page count", func(t *testing.T, dir string, in *instance) {
			setU32(t, filepath.Join(dir, "mem_page_count.img"), 0, 70000)
		}},
		{"memory record outside", "memory.img", "not a 4 KiB page inside", func(t *testing.T, dir string, in *instance) {
			edit(t, filepath.Join(dir, "memory.img"), func(b []byte) []byte {
				return append(binary.LittleEndian.AppendUint32(b, 1<<31), make([]byte, 4096)...)
			})
		}},
		{"truncated memory record", "memory.img", "truncated", func(t *testing.T, dir string, in *instance) {
			edit(t, filepath.Join(dir, "memory.img"), func(b []byte) []byte { return append(b, 0, 0, 0, 0, 1) })
		}},
		{"missing file", "global.img", "missing", func(t *testing.T, dir string, in *instance) {
			os.Remove(filepath.Join(dir, "global.img"))
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir, in := exported(t, p, crfork.WAMR)
			c.damage(t, dir, in)
			_, err := crfork.Import(dir, in.m.Module(), in.base)
			t.Log(err)
			var e *crfork.Error
			if !errors.As(err, &e) || (c.file != "" && filepath.Base(e.File) != c.file) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got error %v, want one in %q saying %q", err, c.file, c.want)
			}
		})
	}
}

// countLabels reads the label count of a stack file whose labels end it:
// it is the u32 before them, found by trying counts from the end.
func countLabels(b []byte) int {
	for n := 1; 16*n+4 <= len(b); n++ {
		if int(binary.LittleEndian.Uint32(b[len(b)-16*n-4:])) == n {
			return n
		}
	}
	return 0
}
