package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/internal/papercr"
)

// TestResumeForkImage writes fork-format images with `wdb run
// --checkpoint-format` and resumes each in a new `wdb resume` process on
// every engine: the rest of the straight run's output and its exit status.
func TestResumeForkImage(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"compute", "clockrand"} {
		p := cProgram(name, invocation{})
		every := countInstructions(t, p.module, p.inv) / 4
		for _, format := range []string{"wamr", "wasmedge"} {
			t.Run(name+"/"+format, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				var stdout bytes.Buffer
				w := &checkpointWatcher{t: t, stdout: &stdout}
				code := mainWithStatus([]string{"run", "--checkpoint-format", format, "--checkpoint-every", strconv.FormatUint(every, 10), "--checkpoint-dir", dir, p.module}, &stdout, w)
				if code != 0 || len(w.checkpoints) < 3 {
					t.Fatalf("run: exit status %d, %d images:\n%s", code, len(w.checkpoints), w.stderr.String())
				}
				for _, ck := range w.checkpoints {
					if want := filepath.Join(dir, fmt.Sprintf("checkpoint-%012d.%s", ck.counter, format)); ck.image != want {
						t.Errorf("image %s, want %s", ck.image, want)
					}
					for _, engine := range engines.Names() {
						got := wdb(t, "resume", "--engine", engine, "--module", p.module, ck.image)
						if want := (result{stdout.String()[ck.stdout:], "", code}); got != want {
							t.Errorf("resume --engine %s %s:\n%s\nwant:\n%s", engine, ck.image, got, want)
						}
					}
				}
			})
		}
	}
}

// TestForkImageErrors: states and inputs the fork format cannot take.
func TestForkImageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := cProgram("fileio", invocation{mounts: []mount{{copyDir(t, wasiData), "/data"}}})
	every := countInstructions(t, p.module, p.inv) / 2
	r := wdb(t, p.inv.wdbRunArgs(p.module, "--checkpoint-format", "wamr", "--checkpoint-every", strconv.FormatUint(every, 10), "--checkpoint-dir", dir)...)
	if r.code == 0 || !strings.Contains(r.stderr, "is open; the fork format keeps only stdio") {
		t.Errorf("a checkpoint with a file open:\n%s", r)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a refused checkpoint left %v", entries)
	}
	oneLineError(t, wdb(t, "run", "--checkpoint-format", "wasm3", p.module), "wasm3")

	img := filepath.Join("..", "..", "testdata", "paper-cr", "loop-wamr-a")
	oneLineError(t, wdb(t, "resume", img), img, "--module")
	oneLineError(t, wdb(t, "resume", "--module", filepath.Join("..", "..", "testdata", "paper-cr", "loop.wasm"), img), "stack4.img", "does not follow a call")
	oneLineError(t, wdb(t, "resume", "--module", p.module, dir), dir, "not a fork image")
}

// TestReadmeForkExample runs the README's fork-image example as written:
// the fork-format image resumes with the end of what run printed.
func TestReadmeForkExample(t *testing.T) {
	t.Parallel()
	outputs := runReadmeExample(t, "### Images of the WAMR and WasmEdge checkpoint-restore forks")
	run, resume := outputs["run"], outputs["resume"]
	if run.stdout == "" || resume.stdout == "" || !strings.HasSuffix(run.stdout, resume.stdout) || len(resume.stdout) >= len(run.stdout) {
		t.Errorf("resume printed:\n%s\nnot the end of what run printed:\n%s", resume.stdout, run.stdout)
	}
}

// TestReadmeForkOriginalImage runs the README's example of resuming an
// image the WAMR fork wrote: it prints what the fork's uninterrupted run
// printed after what it had printed before the checkpoint.
func TestReadmeForkOriginalImage(t *testing.T) {
	t.Parallel()
	got := runReadmeExample(t, "#### Resuming a WAMR-fork image")["resume"].stdout
	img := filepath.Join("..", "..", "testdata", "paper-cr", "loop-wamr-b")
	before, err := os.ReadFile(filepath.Join(img, "stdout-before.txt"))
	if err != nil {
		t.Fatal(err)
	}
	full, err := os.ReadFile(filepath.Join(img, "expected-full-stdout.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if want, ok := strings.CutPrefix(string(full), string(before)); !ok || got != want {
		t.Errorf("resume printed:\n%s\nwant:\n%s", got, want)
	}
}

// TestDebugForkImage: `wdb [debug] --module app.wasm DIR` opens a fork
// image written by `wdb run --checkpoint-format` stopped at its PC, on
// every engine; stepping and continuing print the rest of the straight
// run.
func TestDebugForkImage(t *testing.T) {
	t.Parallel()
	p := cProgram("compute", invocation{})
	dir := t.TempDir()
	var stdout bytes.Buffer
	w := &checkpointWatcher{t: t, stdout: &stdout}
	every := countInstructions(t, p.module, p.inv) / 2
	if code := mainWithStatus([]string{"run", "--checkpoint-format", "wasmedge", "--checkpoint-every", strconv.FormatUint(every, 10), "--checkpoint-dir", dir, p.module}, &stdout, w); code != 0 || len(w.checkpoints) == 0 {
		t.Fatalf("run: exit status %d, %d images:\n%s", code, len(w.checkpoints), w.stderr.String())
	}
	ck := w.checkpoints[0]
	rest := stdout.String()[ck.stdout:]
	for i, engine := range engines.Names() {
		args := []string{"--engine", engine, "--module", p.module, ck.image}
		if i%2 == 1 {
			args = append([]string{"debug"}, args...)
		}
		r := wdbStdin(t, "stepi\nbacktrace\ncontinue\n", args...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("wdb %s:\n%s", strings.Join(args, " "), r)
			continue
		}
		for _, want := range []string{"stopped at counter 0 (entry) in ", "(wdb) stepi\nstopped at counter 1 in ", "   #1  ", "(wdb) continue\n" + rest + "program finished at counter "} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("wdb %s: the output has no %q:\n%s", strings.Join(args, " "), want, r.stdout)
			}
		}
	}
}

// TestDebugPaperImages: the debugger opens images the forks themselves
// wrote (testdata/paper-cr), stopped where they were taken with the
// image's frames, and continuing prints what the fork's uninterrupted run
// printed after what it had printed before the checkpoint.
func TestDebugPaperImages(t *testing.T) {
	t.Parallel()
	paper := filepath.Join("..", "..", "testdata", "paper-cr")
	for i, c := range []struct{ image, module string }{{"fib-wamr", "fib"}, {"grow-wasmedge", "grow"}} {
		img := papercr.Unpack(t, filepath.Join(paper, c.image))
		dir, rest := img.Dir, img.Rest
		frames, err := os.ReadFile(filepath.Join(dir, "frame.img"))
		if err != nil || len(frames) != 4 {
			t.Fatalf("frame.img: %v", err)
		}
		engine := engines.Names()[i%len(engines.Names())]
		args := []string{"--engine", engine, "--module", filepath.Join(paper, c.module+"-orig.wasm"), dir}
		r := wdbStdin(t, "backtrace\ncontinue\n", args...)
		deepest := fmt.Sprintf("   #%d  ", int(frames[0])-1) // frame.img: the frame count, little-endian
		for _, want := range []string{"stopped at counter 0 (entry) in ", deepest, "(wdb) continue\n" + rest + "program finished at counter "} {
			if !strings.Contains(r.stdout, want) || r.code != 0 {
				t.Errorf("wdb %s: no %q in the output:\n%s", strings.Join(args, " "), want, r)
			}
		}
	}
}

// TestInspectPaperImage: wdb inspect shows a fork's own image as wdb
// imports it: as many frames as frame.img says, fib's recursion in each;
// without --module it says what is missing.
func TestInspectPaperImage(t *testing.T) {
	t.Parallel()
	paper := filepath.Join("..", "..", "testdata", "paper-cr")
	img := papercr.Unpack(t, filepath.Join(paper, "fib-wamr"))
	frames, err := os.ReadFile(filepath.Join(img.Dir, "frame.img"))
	if err != nil || len(frames) != 4 {
		t.Fatalf("frame.img: %v", err)
	}
	r := wdb(t, "inspect", "--module", filepath.Join(paper, "fib-orig.wasm"), img.Dir)
	for _, want := range []string{"format:   WAMR / WasmEdge fork image", "(not included: given with --module)", "counter:  0\n",
		fmt.Sprintf("frames:   %d\n", frames[0])} {
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("wdb inspect --module fib-orig.wasm fib-wamr: no %q in\n%s", want, r)
		}
	}
	if r := wdb(t, "inspect", img.Dir); r.code == 0 || !strings.Contains(r.stderr, "--module") {
		t.Errorf("wdb inspect of a fork image without --module:\n%s", r)
	}
}

// TestDebugCheckpointSaveFork: `checkpoint save --format` in the debugger
// writes an image that `wdb resume --module` continues in a new process
// to the end of the program; `wdb IMAGE` opens a wdb image.
func TestDebugCheckpointSaveFork(t *testing.T) {
	t.Parallel()
	compute := filepath.Join("..", "..", "testdata", "wasi", "compute.wasm")
	full := wdb(t, "run", compute)
	tmp := t.TempDir()
	image := filepath.Join(tmp, "hanoi7.wdb")
	script := "break hanoi if $0 == 7\ncontinue\ncheckpoint save " + image
	for _, format := range []string{"wamr", "wasmedge"} {
		script += "\ncheckpoint save --format " + format + " " + filepath.Join(tmp, format)
	}
	r := wdbStdin(t, script+"\nquit\n", compute)
	if r.code != 0 || strings.Count(r.stdout, "checkpoint at counter ") != 3 {
		t.Fatalf("saving checkpoints:\n%s", r)
	}
	// The program printed its first line before the breakpoint (then
	// its output is buffered in memory): the rest is in the image.
	start := strings.Index(r.stdout, "(wdb) continue\n") + len("(wdb) continue\n")
	end := start + strings.Index(r.stdout[start:], "stopped at counter ")
	if start < len("(wdb) continue\n") || end < start || !strings.HasPrefix(full.stdout, r.stdout[start:end]) {
		t.Fatalf("the debugger's session does not show the start of the output:\n%s", r.stdout)
	}
	rest := full.stdout[end-start:]
	for _, format := range []string{"wamr", "wasmedge"} {
		resumed := wdb(t, "resume", "--engine", "threaded", "--module", compute, filepath.Join(tmp, format))
		if resumed.code != 0 || resumed.stdout != rest {
			t.Errorf("resume of the %s image printed:\n%s\nwant the rest of the program's output:\n%s", format, resumed, rest)
		}
	}
	// A wdb image opens in the debugger, with or without --module.
	for _, args := range [][]string{{image}, {"debug", "--module", compute, image}} {
		r := wdbStdin(t, "print $0\ncontinue\n", args...)
		if r.code != 0 || !strings.Contains(r.stdout, "(wdb) print $0\ni32:7\n") || !strings.Contains(r.stdout, "(wdb) continue\n"+rest+"program finished at counter ") {
			t.Errorf("wdb %s:\n%s", strings.Join(args, " "), r)
		}
	}
}

// TestDebugForkImageErrors: what cannot be opened is a one-line error
// naming the directory or the file inside it; mistakes on the command
// line are usage errors.
func TestDebugForkImageErrors(t *testing.T) {
	t.Parallel()
	paper := filepath.Join("..", "..", "testdata", "paper-cr")
	compute := filepath.Join("..", "..", "testdata", "wasi", "compute.wasm")
	empty := t.TempDir()
	for _, tc := range []struct {
		args     []string
		mentions []string
	}{
		{[]string{"--module", compute, empty}, []string{empty, "not a fork image"}},
		{[]string{filepath.Join(paper, "fib-wamr")}, []string{"fib-wamr", "--module"}},
		{[]string{"debug", "--module", filepath.Join(paper, "fib.wasm"), filepath.Join(paper, "fib-wamr")}, []string{"stack7.img", "return position"}},
		{[]string{"--module", compute, filepath.Join(paper, "loop-wamr-a")}, []string{"loop-wamr-a"}},
		{[]string{"--module", compute, compute}, []string{"--module", "not"}},
	} {
		r := wdb(t, tc.args...)
		oneLineError(t, r, tc.mentions...)
		if r.code != 1 {
			t.Errorf("wdb %s: exit status %d, want 1", strings.Join(tc.args, " "), r.code)
		}
	}
	image := filepath.Join(t.TempDir(), "entry.wdb")
	if r := wdbStdin(t, "checkpoint save "+image+"\n", compute); r.code != 0 {
		t.Fatalf("checkpoint save:\n%s", r)
	}
	for _, args := range [][]string{{image, "arg"}, {"--invoke", "main", image}} {
		r := wdb(t, args...)
		oneLineError(t, r, image, "no --invoke or program arguments")
		if r.code != 2 {
			t.Errorf("wdb %s: exit status %d, want 2 (usage)", strings.Join(args, " "), r.code)
		}
	}
}
