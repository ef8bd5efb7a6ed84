package main

// The tests of this package run wdb as a user does: TestMain builds the
// binary once, and the tests start it as a separate process, compare what
// it prints with an independent oracle (wazero's interpreter, or a Go
// program built natively), and check its exit status. Only the runs that
// write checkpoints for later resumption go through mainWithStatus in this
// process, because the test must look at the program's directory at the
// very moment an image is written (see checkpointRun).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// wdbBin is the wdb binary built by TestMain; workDir holds it and the
// programs the tests build.
var wdbBin, workDir string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "wdb-cmd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	workDir = dir
	// Programs run by wdb in this process read stdin from an empty pipe,
	// as those in wdb processes started by the tests do (see wdbStdin).
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	w.Close()
	os.Stdin = r
	wdbBin = filepath.Join(dir, "wdb")
	if out, err := exec.Command("go", "build", "-o", wdbBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building wdb: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// result is what a run of a program did.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit status %d\n--- stdout:\n%s--- stderr:\n%s", r.code, r.stdout, r.stderr)
}

// processTimeout bounds every wdb process a test starts, so that a hang
// fails the test with the process's output instead of stalling go test.
const processTimeout = 3 * time.Minute

// wdb runs the wdb binary with args and returns what it did.
func wdb(t testing.TB, args ...string) result {
	t.Helper()
	return wdbStdin(t, "", args...)
}

// wdbStdin runs the wdb binary with args and stdin (always a pipe, never
// the terminal or /dev/null of the test) and returns what it did.
func wdbStdin(t testing.TB, stdin string, args ...string) result {
	t.Helper()
	return runWdb(t, "", stdin, args)
}

// wdbIn runs the wdb binary with args in the directory dir.
func wdbIn(t testing.TB, dir string, args ...string) result {
	t.Helper()
	return runWdb(t, dir, "", args)
}

func runWdb(t testing.TB, dir, stdin string, args []string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), processTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, wdbBin, args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	return runCmd(t, cmd)
}

// runCmd runs cmd, which must start and end by itself (a non-zero exit
// status is a result, not an error).
func runCmd(t testing.TB, cmd *exec.Cmd) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, stderr.String())
	}
	if exit != nil && !exit.Exited() {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(cmd.Args, " "), err, stdout.String(), stderr.String())
	}
	return result{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()}
}

// noCrash fails the test if wdb's stderr shows a Go panic or runtime
// crash rather than an error message.
func noCrash(t testing.TB, r result) {
	t.Helper()
	for _, sign := range []string{"goroutine ", "panic:", "runtime error", "SIGSEGV"} {
		if strings.Contains(r.stderr, sign) {
			t.Errorf("wdb crashed (%q in stderr):\n%s", sign, r.stderr)
		}
	}
}

// oneLineError checks that r is a failure explained in one line of stderr
// that mentions every one of names.
func oneLineError(t testing.TB, r result, names ...string) {
	t.Helper()
	noCrash(t, r)
	if r.code == 0 {
		t.Errorf("exit status 0, want a failure:\n%s", r)
	}
	if r.stdout != "" {
		t.Errorf("stdout should be empty:\n%s", r.stdout)
	}
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if len(lines) != 1 || lines[0] == "" {
		t.Errorf("want a one-line error, got:\n%s", r.stderr)
	}
	for _, n := range names {
		if !strings.Contains(r.stderr, n) {
			t.Errorf("the error does not mention %q:\n%s", n, r.stderr)
		}
	}
}

// copyDir copies the tree at src to a new directory under t.TempDir().
func copyDir(t testing.TB, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "data")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// tree describes the files under dir: relative path → contents ("/" for a
// directory).
func tree(t testing.TB, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			files[rel] = "/"
			return nil
		}
		b, err := os.ReadFile(path)
		files[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// sameTree fails the test if the directories a and b hold different files.
func sameTree(t testing.TB, what string, a, b string) {
	t.Helper()
	ta, tb := tree(t, a), tree(t, b)
	if maps.Equal(ta, tb) {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(ta)) {
		if other, ok := tb[name]; !ok {
			t.Errorf("%s: %s only in %s", what, name, a)
		} else if other != ta[name] {
			t.Errorf("%s: %s differs:\n%q\nwant\n%q", what, name, ta[name], other)
		}
	}
	for name := range tb {
		if _, ok := ta[name]; !ok {
			t.Errorf("%s: %s missing (present in %s)", what, name, b)
		}
	}
}

// goPrograms are the programs of testdata/go, built for wasip1 and for
// this machine, once per test binary.
var goPrograms = sync.OnceValues(func() (string, error) {
	dir := filepath.Join(workDir, "go")
	wasmDir, nativeDir := filepath.Join(dir, "wasm")+string(filepath.Separator), filepath.Join(dir, "native")+string(filepath.Separator)
	wasm := exec.Command("go", "build", "-o", wasmDir, "./testdata/go/...")
	wasm.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	native := exec.Command("go", "build", "-o", nativeDir, "./testdata/go/...")
	var wasmOut, nativeOut bytes.Buffer
	wasm.Stdout, wasm.Stderr = &wasmOut, &wasmOut
	native.Stdout, native.Stderr = &nativeOut, &nativeOut
	// The two builds share nothing but the build cache: run them side by side.
	if err := wasm.Start(); err != nil {
		return "", err
	}
	nativeErr := native.Run()
	if err := wasm.Wait(); err != nil {
		return "", fmt.Errorf("GOOS=wasip1 GOARCH=wasm go build: %v\n%s", err, wasmOut.String())
	}
	if nativeErr != nil {
		return "", fmt.Errorf("go build: %v\n%s", nativeErr, nativeOut.String())
	}
	return dir, nil
})

// goProgram returns the paths of the wasip1 module and of the native
// executable built from testdata/go/name.
func goProgram(t testing.TB, name string) (wasm, native string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	dir, err := goPrograms()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "wasm", name), filepath.Join(dir, "native", name)
}
