package debugger

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/snapshot/crfork"
	"github.com/wdb-dev/wdb/wasi"
)

// Images of the WAMR / WasmEdge checkpoint-restore forks in the debugger.
// The reference output is wazero's straight run (or, for the images the
// forks wrote, the files the forks printed).

// openForkCmd opens the fork image dir of module file (under testdata/)
// on engine, with an interpreter.
func openForkCmd(t *testing.T, file, dir, engine string) (*cmdSession, error) {
	t.Helper()
	c := &cmdSession{t: t}
	s, err := OpenFork(Config{Path: file, Module: loadModule(t, file), Engine: engine,
		WASI: wasi.Config{Stdout: &c.guest, Stderr: &c.guest}}, dir)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { s.Close() })
	c.s, c.in = s, NewInterpreter(s, &c.out)
	return c, nil
}

// TestForkImageInDebugger: an image exported with crfork.Export from a
// program running on each engine opens in the debugger on another
// engine, stopped in the same state; stepping, going back and continuing
// to the end print the rest of the straight run. compute.c's output is
// buffered in memory until it exits; the Go program writes each line at
// once, so the image is taken with output already out.
func TestForkImageInDebugger(t *testing.T) {
	goProgram := ""
	if !testing.Short() {
		goProgram = goWASIProgram(t)
	}
	names := engines.Names()
	for i, from := range names {
		to := names[(i+1)%len(names)]
		for _, fl := range []crfork.Flavor{crfork.WAMR, crfork.WasmEdge} {
			t.Run(fmt.Sprintf("compute/%s-%v-%s", from, fl, to), func(t *testing.T) {
				testForkImageInDebugger(t, "wasi/compute.wasm", "break hanoi if $0 == 5", from, fl, to)
			})
		}
		fl := []crfork.Flavor{crfork.WAMR, crfork.WasmEdge}[i%2]
		t.Run(fmt.Sprintf("go/%s-%v-%s", from, fl, to), func(t *testing.T) {
			if goProgram == "" {
				t.Skip("builds a Go program")
			}
			testForkImageInDebugger(t, goProgram, "break main.work hits ==3", from, fl, to)
		})
	}
}

func testForkImageInDebugger(t *testing.T, file, brk, from string, fl crfork.Flavor, to string) {
	want := wazeroOutput(t, file)
	c := newCmdSession(t, file, from, "")
	c.do(brk)
	if st := c.stop("c"); st.Reason != BreakpointHit {
		t.Fatalf("%s: %v", brk, st.Reason)
	}
	sn, err := c.s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	base, err := c.s.initial()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "img")
	if err := crfork.Export(sn, c.s.Module(), base, fl, dir); err != nil {
		t.Fatal(err)
	}
	before := c.guest.String()
	if !strings.HasPrefix(want, before) {
		t.Fatalf("before the image, the program printed\n%s\nnot the start of\n%s", before, want)
	}

	f, err := openForkCmd(t, file, dir, to)
	if err != nil {
		t.Fatal(err)
	}
	if st := f.s.State(); st.Counter != 0 || !st.HasPC {
		t.Fatalf("opened at %+v, want counter 0 at a PC", st)
	}
	if got := f.s.Frames(); !reflect.DeepEqual(got, sn.Frames) {
		t.Fatalf("the opened image's frames differ from the exported state's:\n%+v\nwant\n%+v", got, sn.Frames)
	}
	if !reflect.DeepEqual(f.s.Globals(), sn.Globals) {
		t.Errorf("globals %v, want %v", f.s.Globals(), sn.Globals)
	}
	f.stop("step 3")
	f.stop("next")
	f.stop("rs 2")
	if st := f.stop("goto 0"); !reflect.DeepEqual(f.s.Frames(), sn.Frames) {
		t.Errorf("goto 0: %+v, not the image's state", st)
	}
	if st := f.stop("c"); st.Reason != Finished && st.Reason != Exited {
		t.Fatalf("continue to the end: %v", st.Reason)
	}
	if f.guest.String() != want[len(before):] {
		t.Errorf("the resumed program printed\n%s\nwant the rest of the straight run\n%s", f.guest.String(), want[len(before):])
	}
}

// TestCmdCheckpointForkFormat: checkpoint save --format writes fork
// images that checkpoint load (and the fork's restore, see cmd/wdb) takes
// back; what the format cannot hold is refused with crfork's reason.
func TestCmdCheckpointForkFormat(t *testing.T) {
	want := wazeroOutput(t, "wasi/compute.wasm")
	c := newCmdSession(t, "wasi/compute.wasm", "fast", "")
	c.do("break hanoi if $0 == 6")
	c.stop("c")
	at := c.s.Counter()
	before := c.guest.String()
	tmp := t.TempDir()
	for _, format := range []string{"wamr", "wasmedge"} {
		dir := filepath.Join(tmp, format)
		out := c.do("checkpoint save --format " + format + " " + dir)
		if wantOut := fmt.Sprintf("checkpoint at counter %d written to %s (continue it with `wdb resume --module wasi/compute.wasm %s`)\n", at, dir, dir); out != wantOut {
			t.Errorf("checkpoint save --format %s: %q, want %q", format, out, wantOut)
		}
		if !crfork.IsImage(dir) {
			t.Errorf("%s is not a fork image", dir)
		}
	}
	if msg := c.fail("checkpoint save --format wamr " + filepath.Join(tmp, "wamr")); !strings.Contains(msg, "already exists") {
		t.Errorf("saving over an image: %s", msg)
	}
	if msg := c.fail("checkpoint save --format=wasm3 " + filepath.Join(tmp, "x")); !strings.Contains(msg, `"wasm3"`) {
		t.Errorf("unknown format: %s", msg)
	}
	c.fail("checkpoint save --format wamr")
	c.do("delete")
	c.stop("c")
	if msg := c.fail("checkpoint save --format wamr " + filepath.Join(tmp, "end")); !strings.Contains(msg, "the fork format holds only a running program") {
		t.Errorf("saving a finished program: %s", msg)
	}

	// checkpoint load of a fork image: the present is the image, at
	// counter 0, and the rest of the run prints the rest of the output.
	out := c.do("checkpoint load " + filepath.Join(tmp, "wasmedge"))
	if c.s.Counter() != 0 || c.param(0) != 6 || !strings.Contains(out, "a new timeline starts at counter 0") {
		t.Errorf("checkpoint load: counter %d, n = %d\n%s", c.s.Counter(), c.param(0), out)
	}
	c.guest.Reset()
	if st := c.stop("c"); st.Reason != Finished || c.guest.String() != want[len(before):] {
		t.Errorf("after checkpoint load: %v, printed\n%s\nwant\n%s", st.Reason, c.guest.String(), want[len(before):])
	}
	// The timeline starts at the image: going back replays the new run's
	// host calls, not the old one's, and prints nothing twice.
	end := c.s.Counter()
	c.stop(fmt.Sprintf("goto %d", end/2))
	c.stop("goto 0")
	c.stop("step 5")
	if st := c.stop("c"); st.Reason != Finished || st.Counter != end || c.guest.String() != want[len(before):] {
		t.Errorf("after going back: %v at %d (want the end, %d), printed\n%s", st.Reason, st.Counter, end, c.guest.String())
	}
}

// TestForkImageErrors: directories that are no image of the module give
// crfork's error naming the directory or file, in OpenFork and checkpoint
// load alike;
// a file open is refused by checkpoint save.
func TestForkImageErrors(t *testing.T) {
	paper := filepath.Join("..", "testdata", "paper-cr")
	truncated := filepath.Join(t.TempDir(), "fib")
	if err := os.CopyFS(truncated, os.DirFS(filepath.Join(paper, "fib-wamr"))); err != nil {
		t.Fatal(err)
	}
	stack := filepath.Join(truncated, "stack1.img")
	if b, err := os.ReadFile(stack); err != nil || os.WriteFile(stack, b[:len(b)-3], 0o644) != nil {
		t.Fatal("cannot truncate stack1.img")
	}
	for _, tc := range []struct{ module, dir, msg string }{
		{"paper-cr/loop.wasm", t.TempDir(), "not a fork image (no frame.img)"},
		{"paper-cr/loop.wasm", filepath.Join(paper, "fib-wamr"), "fib-wamr"},
		{"paper-cr/fib.wasm", truncated, "stack1.img"},
		// The forks' own images: the rebuilt module is not theirs
		// (testdata/paper-cr/README.md).
		{"paper-cr/fib.wasm", filepath.Join(paper, "fib-wamr"), "stack7.img: return position"},
	} {
		if _, err := openForkCmd(t, tc.module, tc.dir, "standard"); err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("OpenFork(%s, %s): %v, want an error naming %q", tc.module, tc.dir, err, tc.msg)
		}
		c := newCmdSession(t, tc.module, "standard", "")
		if msg := c.fail("checkpoint load " + tc.dir); !strings.Contains(msg, tc.msg) {
			t.Errorf("checkpoint load %s: %s, want %q", tc.dir, msg, tc.msg)
		}
		if c.s.Counter() != 0 || c.s.State().Reason != Entry {
			t.Errorf("a failed checkpoint load moved the session: %+v", c.s.State())
		}
	}

	data := t.TempDir() // fileio writes there
	if err := os.CopyFS(data, os.DirFS(filepath.Join("..", "testdata", "wasi", "data"))); err != nil {
		t.Fatal(err)
	}
	mount := wasi.Preopen{HostDir: data, GuestPath: "/data"}
	var out bytes.Buffer
	s, err := New(Config{Path: "fileio.wasm", Module: loadModule(t, "wasi/fileio.wasm"),
		WASI: wasi.Config{Args: []string{"fileio"}, Stdout: &out, Stderr: &out, Preopens: []wasi.Preopen{mount}}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := &cmdSession{t: t, s: s}
	c.in = NewInterpreter(s, &c.out)
	c.do("break fgets")
	c.stop("c")
	dir := filepath.Join(t.TempDir(), "img")
	if msg := c.fail("checkpoint save --format wasmedge " + dir); !strings.Contains(msg, "is open; the fork format keeps only stdio") {
		t.Errorf("a checkpoint with a file open: %s", msg)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("a refused checkpoint left %s", dir)
	}
}
