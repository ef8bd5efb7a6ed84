package crfork_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/snapshot/crfork"
)

// FuzzImport damages one file of a real image (compute.wasm stopped deep
// in its run, written in the WAMR flavour) and imports it: an error, or a
// state that passes CheckAgainst and that an engine restores; never a
// panic.
//
//	go test ./snapshot/crfork -run '^$' -fuzz FuzzImport -fuzztime 1m
func FuzzImport(f *testing.F) {
	p := program{path: "wasi/compute.wasm"}
	mod := load(f, p.path)
	in := instantiate(f, "standard", mod, p)
	if ev := in.m.Run(engines.Stop{Limit: length(f, mod, p) * 2 / 3}); ev.Kind != engines.LimitReached {
		f.Fatalf("run: %v", ev.Kind)
	}
	s, err := in.m.Snapshot()
	if err != nil {
		f.Fatal(err)
	}
	s.Host = in.host.State()
	image := filepath.Join(f.TempDir(), "img")
	if err := crfork.Export(s, mod, in.base, crfork.WAMR, image); err != nil {
		f.Fatal(err)
	}
	entries, err := os.ReadDir(image)
	if err != nil {
		f.Fatal(err)
	}
	files := map[string][]byte{}
	var names []string
	for _, e := range entries {
		if files[e.Name()], err = os.ReadFile(filepath.Join(image, e.Name())); err != nil {
			f.Fatal(err)
		}
		names = append(names, e.Name())
	}
	for i, name := range names {
		b := files[name]
		f.Add(uint8(i), b[:len(b)/2])
		if len(b) > 8 {
			f.Add(uint8(i), append(append([]byte{}, b[:8]...), 0xff, 0xff, 0xff, 0x7f))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		dir := t.TempDir()
		for i, name := range names {
			b := files[name]
			if i == int(which)%len(names) {
				b = data
			}
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := crfork.Import(dir, mod, in.base)
		if err != nil {
			return
		}
		if err := got.CheckAgainst(mod); err != nil {
			t.Fatalf("Import accepted a state that CheckAgainst refuses: %v", err)
		}
		r := instantiate(t, "standard", mod, p)
		got.Host = s.Host
		_ = r.m.Restore(got) // an error is fine; a panic is not
	})
}
