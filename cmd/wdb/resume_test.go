package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wdb-dev/wdb/snapshot"
)

// hashPrefix is the beginning of the hex SHA-256 of a file, which an error
// about a module must show.
func hashPrefix(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:4])
}

// TestResumeModule resumes with --module: the image's own module, or the
// module an image written without it needs; a different module is refused.
func TestResumeModule(t *testing.T) {
	t.Parallel()
	p := cProgram("compute", invocation{})
	run := checkpointRun(t, p, 25000)
	if len(run.checkpoints) == 0 {
		t.Fatalf("no image written:\n%s", run.result)
	}
	ck := run.checkpoints[0]
	rest := result{run.stdout[ck.stdout:], run.stderr[ck.stderr:], run.code}

	s, err := snapshot.ReadFile(ck.image)
	if err != nil {
		t.Fatal(err)
	}
	b, err := snapshot.Encode(s, snapshot.EncodeOptions{OmitModule: true})
	if err != nil {
		t.Fatal(err)
	}
	bare := filepath.Join(t.TempDir(), "bare.wdb")
	if err := os.WriteFile(bare, b, 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join("..", "..", "testdata", "wasi", "hello.wasm")

	for _, image := range []string{ck.image, bare} {
		t.Run(filepath.Base(image), func(t *testing.T) {
			if got := wdb(t, "resume", "--module", p.module, image); got != rest {
				t.Errorf("wdb resume --module %s %s:\n%s\nwant:\n%s", p.module, image, got, rest)
			}
			r := wdb(t, "resume", "--module", other, image)
			oneLineError(t, r, other, hashPrefix(t, other), hashPrefix(t, p.module))
			missing := filepath.Join(t.TempDir(), "missing.wasm")
			oneLineError(t, wdb(t, "resume", "--module", missing, image), missing)
		})
	}
	t.Run("image without its module", func(t *testing.T) {
		oneLineError(t, wdb(t, "resume", bare), bare, "--module")
	})
}

// TestResumeMissingFiles resumes an image taken while the program had files
// open, without those files: a clear error before anything runs, and
// nothing written.
func TestResumeMissingFiles(t *testing.T) {
	t.Parallel()
	p := cProgram("fileio", invocation{mounts: []mount{{wasiData, "/data"}}})
	run := checkpointRun(t, p, countInstructions(t, p.module, p.inv)/20)
	var image string
	var open []string
	for _, ck := range run.checkpoints {
		s, err := snapshot.ReadFile(ck.image)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range s.Host.Files {
			if f.Kind == snapshot.FileRegular {
				open = append(open, f.GuestPath)
			}
		}
		if len(open) > 0 {
			image = ck.image
			break
		}
	}
	if image == "" {
		t.Fatalf("no image has a file open")
	}

	empty := t.TempDir()
	r := wdb(t, "resume", mount{empty, "/data"}.flag(), image)
	noCrash(t, r)
	if r.code == 0 || r.stdout != "" {
		t.Errorf("resume without the files:\n%s", r)
	}
	for _, name := range append(open, image) {
		if !strings.Contains(r.stderr, name) {
			t.Errorf("the error does not name %s:\n%s", name, r.stderr)
		}
	}
	if files := tree(t, empty); len(files) != 1 {
		t.Errorf("resume created files: %v", files)
	}

	r = wdb(t, "resume", image)
	noCrash(t, r)
	if r.code == 0 || r.stdout != "" || !strings.Contains(r.stderr, "/data") {
		t.Errorf("resume without the preopened directory:\n%s", r)
	}
}
