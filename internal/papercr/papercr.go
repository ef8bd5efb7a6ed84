// Package papercr gives tests the checkpoint images of the WAMR and
// WasmEdge checkpoint-restore forks kept in testdata/paper-cr
// (testdata/paper-cr/README.md): a working copy of an image folder with
// its memory.img unpacked, and what resuming it must print.
package papercr

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Image is a fork image unpacked for a test.
type Image struct {
	Dir string // the image folder, memory.img unpacked
	// Rest is what resuming it must print: expected-full-stdout.txt
	// after stdout-before.txt.
	Rest string
}

// Unpack copies the image folder src to a temporary directory, with its
// memory.img, which testdata keeps gzip-compressed (memory.img.gz),
// unpacked.
func Unpack(t testing.TB, src string) Image {
	t.Helper()
	dir := filepath.Join(t.TempDir(), filepath.Base(src))
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	gz := filepath.Join(dir, "memory.img.gz")
	f, err := os.Open(gz)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "memory.img"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(gz); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(dir, "stdout-before.txt"))
	if err != nil {
		t.Fatal(err)
	}
	full, err := os.ReadFile(filepath.Join(dir, "expected-full-stdout.txt"))
	if err != nil {
		t.Fatal(err)
	}
	rest, ok := strings.CutPrefix(string(full), string(before))
	if !ok {
		t.Fatalf("%s: stdout-before.txt is not the start of expected-full-stdout.txt", src)
	}
	return Image{Dir: dir, Rest: rest}
}
