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
