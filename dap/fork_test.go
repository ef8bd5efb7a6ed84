package dap

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	godap "github.com/google/go-dap"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/internal/papercr"
)

// TestAttachForkImage: an image of the WAMR / WasmEdge forks, written by
// `checkpoint save --format` in the Debug Console of a program running on
// each engine, is attached to on another engine with its module given as
// "module" or "program": stopped where it was saved, and the rest of the
// output follows.
func TestAttachForkImage(t *testing.T) {
	addr := startServer(t)
	names := engines.Names()
	for i, engine := range names {
		format, moduleAttr := []string{"wamr", "wasmedge"}[i%2], []string{"module", "program"}[i%2]
		c := dial(t, addr)
		c.launch(map[string]any{"program": program(t, "wasi/compute.wasm"), "stopOnEntry": true, "engine": engine}, nil)
		c.stopped("entry")
		c.evaluate("goto 60000", "repl")
		c.stopped("goto")
		frames := c.stackTrace()
		dir := filepath.Join(t.TempDir(), format)
		if r := c.evaluate("checkpoint save --format "+format+" "+dir, "repl"); !strings.Contains(r.Result, "written to "+dir) {
			t.Errorf("checkpoint save --format %s: %q", format, r.Result)
		}
		before := c.outputOf("stdout")
		c.disconnect()

		a := dial(t, addr)
		a.attach(map[string]any{"image": dir, moduleAttr: program(t, "wasi/compute.wasm"), "engine": names[(i+1)%len(names)], "stopAtExit": false})
		got := a.stackTrace()
		if len(got) != len(frames) {
			t.Fatalf("%s: attached with %d frames, saved with %d", engine, len(got), len(frames))
		}
		for k := range got {
			if got[k].InstructionPointerReference != frames[k].InstructionPointerReference || got[k].Name != frames[k].Name {
				t.Errorf("%s: frame %d attached at %+v, saved at %+v", engine, k, got[k], frames[k])
			}
		}
		a.send("next", map[string]any{"threadId": 1})
		expect[*godap.NextResponse](a)
		a.stopped("step")
		a.send("continue", map[string]any{"threadId": 1})
		expect[*godap.ContinueResponse](a)
		if code := expect[*godap.ExitedEvent](a).Body.ExitCode; code != 0 {
			t.Errorf("%s: exit code %d", engine, code)
		}
		expect[*godap.TerminatedEvent](a)
		if out := before + a.outputOf("stdout"); out != computeOutput() {
			t.Errorf("%s: output before the checkpoint and after attaching:\n%s\nwant:\n%s", engine, out, computeOutput())
		}
		a.disconnect()
	}
}

// TestAttachPaperImage: attaching to an image the WAMR fork itself wrote
// (testdata/paper-cr/fib-wamr, eight frames of fib's recursion) shows its
// frames, and the program prints what the fork's uninterrupted run did.
func TestAttachPaperImage(t *testing.T) {
	paper := program(t, "paper-cr")
	img := papercr.Unpack(t, filepath.Join(paper, "fib-wamr"))
	dir, want := img.Dir, img.Rest
	frames, err := os.ReadFile(filepath.Join(dir, "frame.img"))
	if err != nil || len(frames) != 4 {
		t.Fatal(err)
	}
	c := dial(t, startServer(t))
	c.attach(map[string]any{"image": dir, "module": filepath.Join(paper, "fib-orig.wasm"), "stopAtExit": false})
	if got := c.stackTrace(); len(got) != int(frames[0]) {
		t.Errorf("attached with %d frames, frame.img says %d", len(got), frames[0])
	}
	c.send("continue", map[string]any{"threadId": 1})
	expect[*godap.ContinueResponse](c)
	expect[*godap.ExitedEvent](c)
	expect[*godap.TerminatedEvent](c)
	if out := c.outputOf("stdout"); out != want {
		t.Errorf("attached fib-wamr printed %q, want %q", out, want)
	}
	c.disconnect()
}

// TestAttachForkImageErrors: a fork image without its module, a directory
// that is no image, an image of another module: the attach request fails
// with a message naming what is wrong.
func TestAttachForkImageErrors(t *testing.T) {
	addr := startServer(t)
	img := program(t, "paper-cr/fib-wamr")
	for _, tc := range []struct {
		args map[string]any
		want []string
	}{
		{map[string]any{"image": img}, []string{"fib-wamr", `"module"`}},
		{map[string]any{"image": t.TempDir(), "module": program(t, "wasi/compute.wasm")}, []string{"not a fork image"}},
		{map[string]any{"image": img, "module": program(t, "paper-cr/fib.wasm")}, []string{"stack7.img", "return position"}},
		{map[string]any{"image": img, "program": filepath.Join(t.TempDir(), "missing.wasm")}, []string{"missing.wasm"}},
	} {
		c := dial(t, addr)
		c.initialize()
		seq := c.send("attach", tc.args)
		e := c.expectError(seq)
		for _, w := range tc.want {
			if !strings.Contains(e.Message, w) {
				t.Errorf("attach %v: %q does not mention %q", tc.args, e.Message, w)
			}
		}
		c.disconnect()
	}
}
