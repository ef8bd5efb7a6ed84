package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasi"
)

// The corpus: real WASI programs (built by Rust's cargo-wasi, TinyGo, Zig,
// zig-cc and clang, and Go programs built by the test), each run with
// `wdb run` and compared with an independent oracle, then checkpointed at
// several counters, each image resumed in a new process.

// corpusProgram is a WASI command, the way to run it and its oracle.
type corpusProgram struct {
	name   string
	module string
	// inv is how it is run. The host directories of its mounts are
	// templates: every run gets fresh copies.
	inv invocation
	// oracle runs the program without wdb (on fresh copies of the
	// directories) and returns what it did.
	oracle func(t testing.TB, module string, inv invocation) result
	// sortLines compares stdout with the oracle's line by line in any
	// order: the order of a directory listing is the runtime's choice.
	sortLines bool
	// stderrUpTo, if set, compares stderr with the oracle's only up to
	// this marker, which must be in both (a Go panic's goroutine trace
	// shows code addresses, which differ between wasm and native code).
	stderrUpTo string
}

// fresh returns inv with every mount's directory replaced by a fresh copy.
func fresh(t testing.TB, inv invocation) invocation {
	t.Helper()
	mounts := make([]mount, len(inv.mounts))
	for i, m := range inv.mounts {
		mounts[i] = mount{copyDir(t, m.host), m.guest}
	}
	inv.mounts = mounts
	return inv
}

func TestCorpus(t *testing.T) {
	for _, p := range corpus(t) {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			testProgram(t, p)
		})
	}
}

func corpus(t *testing.T) []corpusProgram {
	const wasiTestdata = "imports/wasi_snapshot_preview1/testdata/"
	ls := lsDir(t)
	root := []mount{{ls, "/"}}
	empty := t.TempDir()
	var progs []corpusProgram
	third := func(name, module string, inv invocation, sortLines bool) {
		progs = append(progs, corpusProgram{name: name, module: wazeroFile(t, module), inv: inv, oracle: runWazero, sortLines: sortLines})
	}
	// The commands wazero's own tests give these programs
	// (imports/wasi_snapshot_preview1/wasi_stdlib_test.go).
	for _, tc := range []string{"cargo-wasi", "tinygo", "zig", "zig-cc"} {
		module := wasiTestdata + tc + "/wasi.wasm"
		third(tc+"/ls", module, invocation{args: []string{"ls", "."}, mounts: root}, true)
		third(tc+"/stat", module, invocation{args: []string{"stat"}, mounts: []mount{{empty, "/"}}}, false)
	}
	third("cargo-wasi/ls-repeat", wasiTestdata+"cargo-wasi/wasi.wasm", invocation{args: []string{"ls", ".", "repeat"}, mounts: root}, true)
	third("zig-cc/ls-repeat", wasiTestdata+"zig-cc/wasi.wasm", invocation{args: []string{"ls", ".", "repeat"}, mounts: root}, true)
	third("zig-cc/ls-file", wasiTestdata+"zig-cc/wasi.wasm", invocation{args: []string{"ls", "-"}, mounts: root}, false)
	third("zig-cc/ls-empty-dir", wasiTestdata+"zig-cc/wasi.wasm", invocation{args: []string{"ls", "./a-"}, mounts: root}, true)
	third("zig-cc/open-wronly", wasiTestdata+"zig-cc/wasi.wasm", invocation{args: []string{"open-wronly"}, mounts: []mount{{empty, "/"}}}, false)
	third("zig-cc/open-rdonly", wasiTestdata+"zig-cc/wasi.wasm", invocation{args: []string{"open-rdonly"}, mounts: []mount{{empty, "/"}}}, false)
	third("zig-cc/sleepmillis", wasiTestdata+"zig-cc/wasi.wasm", invocation{args: []string{"sleepmillis", "3"}, mounts: []mount{{empty, "/"}}}, false)
	third("zig-cc/unknown-command", wasiTestdata+"zig-cc/wasi.wasm", invocation{args: []string{"frobnicate"}}, false)
	third("zig/preopen", wasiTestdata+"zig/wasi.wasm", invocation{args: []string{"preopen"}, mounts: []mount{{empty, "/"}, {ls, "/tmp"}}}, false)
	// The cat programs of wazero's example, as its CLI test runs them: the
	// same directory preopened as / and /testcases (which Zig's standard
	// library does not find).
	examples := catDir(t)
	for _, tc := range []string{"cargo-wasi", "tinygo", "zig", "zig-cc"} {
		args := []string{"test.txt", "sub/test.txt"}
		if tc != "zig" {
			args = append(args, "testcases/test.txt")
		}
		third(tc+"/cat", "imports/wasi_snapshot_preview1/example/testdata/"+tc+"/cat.wasm",
			invocation{args: args, mounts: []mount{{examples, "/"}, {examples, "/testcases"}}}, false)
	}

	// Our C programs (testdata/wasi, built by clang against wasi-libc).
	progs = append(progs,
		cProgram("hello", invocation{}),
		cProgram("args", invocation{args: []string{"one", "two words", "", "ünïcode"}, env: []string{"WHO=wdb", "EMPTY=", "EQ=a=b"}}),
		cProgram("fileio", invocation{mounts: []mount{{wasiData, "/data"}}}),
		cProgram("clockrand", invocation{}),
		cProgram("compute", invocation{}))

	// Go programs (testdata/go), compared with the same programs built
	// natively.
	if !testing.Short() {
		g := func(name string, inv invocation, stderrUpTo string) {
			wasm, native := goProgram(t, name)
			progs = append(progs, corpusProgram{name: "go/" + name, module: wasm, inv: inv, oracle: nativeOracle(native), stderrUpTo: stderrUpTo})
		}
		g("fmtsort", invocation{}, "")
		g("fileio", invocation{args: []string{"/data"}, mounts: []mount{{wasiData, "/data"}}}, "")
		g("goroutines", invocation{}, "")
		g("panic", invocation{args: []string{"x"}}, "\ngoroutine ")
	}
	return progs
}

// wasiData is the directory the C program fileio reads.
var wasiData = filepath.Join("..", "..", "testdata", "wasi", "data")

// cProgram is the C program testdata/wasi/name.wasm, with wazero as its
// oracle.
func cProgram(name string, inv invocation) corpusProgram {
	return corpusProgram{name: "c/" + name, module: filepath.Join("..", "..", "testdata", "wasi", name+".wasm"), inv: inv, oracle: runWazero}
}

// lsDir creates the directory wazero's readdir tests list: a file "-",
// an empty directory "a-" and a file "ab-".
func lsDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"-", "ab-"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "a-"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// catDir copies the files the cat programs of wazero's example read.
func catDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"test.txt", "sub/test.txt"} {
		b, err := os.ReadFile(wazeroFile(t, "imports/wasi_snapshot_preview1/example/testdata/"+f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// nativeOracle runs the executable built natively from the same Go source
// as the module: its arguments naming a guest directory name the host
// directory instead.
func nativeOracle(native string) func(testing.TB, string, invocation) result {
	return func(t testing.TB, _ string, inv invocation) result {
		t.Helper()
		args := slices.Clone(inv.args)
		for i, a := range args {
			for _, m := range inv.mounts {
				if a == m.guest {
					args[i] = m.host
				}
			}
		}
		cmd := exec.Command(native, args...)
		cmd.Env = inv.env
		cmd.Stdin = strings.NewReader(inv.stdin)
		return runCmd(t, cmd)
	}
}

// testProgram runs p with wdb and with its oracle, then checkpoints it
// and resumes every image.
func testProgram(t *testing.T, p corpusProgram) {
	inv := fresh(t, p.inv)
	straight := wdbStdin(t, inv.stdin, inv.wdbRunArgs(p.module)...)
	oracleInv := fresh(t, p.inv)
	want := p.oracle(t, p.module, oracleInv)
	p.compareWithOracle(t, straight, want)
	for i, m := range inv.mounts {
		sameTree(t, "directory "+m.guest+" after wdb run, compared with the oracle's", m.host, oracleInv.mounts[i].host)
	}
	if t.Failed() {
		return
	}

	// The images are written by every engine in turn, and resumed on
	// every engine in turn.
	total := countInstructions(t, p.module, inv)
	names := engines.Names()
	resumed := 0
	for i, every := range checkpointIntervals(total) {
		engine := names[i%len(names)]
		t.Run(fmt.Sprintf("%s-every-%d", engine, every), func(t *testing.T) {
			run := checkpointRun(t, p, every, "--engine", engine)
			if run.result != straight {
				t.Fatalf("on %s with --checkpoint-every %d:\n%s\nwithout:\n%s", engine, every, run.result, straight)
			}
			for i, m := range run.mounts {
				sameTree(t, "directory "+m.guest+" after a run with checkpoints", m.host, inv.mounts[i].host)
			}
			for _, ck := range run.checkpoints {
				engine := resumeEngine(resumed)
				resumed++
				t.Run(fmt.Sprintf("resume-%d%s", ck.counter, strings.ReplaceAll(engine, " ", "-")), func(t *testing.T) {
					resumeCheckpoint(t, run, ck, strings.Fields(engine)...)
				})
			}
		})
	}
	if resumed < 3 {
		t.Errorf("only %d images written in a run of %d instructions", resumed, total)
	}
}

// compareWithOracle compares a wdb run with the oracle's.
func (p corpusProgram) compareWithOracle(t *testing.T, got, want result) {
	t.Helper()
	gotOut, wantOut := got.stdout, want.stdout
	if p.sortLines {
		gotOut, wantOut = sortedLines(gotOut), sortedLines(wantOut)
	}
	gotErr, wantErr := got.stderr, want.stderr
	if p.stderrUpTo != "" {
		var okGot, okWant bool
		gotErr, _, okGot = strings.Cut(gotErr, p.stderrUpTo)
		wantErr, _, okWant = strings.Cut(wantErr, p.stderrUpTo)
		if !okGot || !okWant {
			t.Errorf("%q missing from stderr (wdb: %v, oracle: %v)", p.stderrUpTo, okGot, okWant)
		}
	}
	if gotOut != wantOut || gotErr != wantErr || got.code != want.code {
		t.Errorf("wdb run:\n%s\nthe oracle:\n%s", got, want)
	}
}

func sortedLines(s string) string {
	lines := strings.SplitAfter(s, "\n")
	slices.Sort(lines)
	return strings.Join(lines, "")
}

// countInstructions runs the program to its end in this process, quietly,
// and returns the number of instructions it executed.
func countInstructions(t testing.TB, module string, inv invocation) uint64 {
	t.Helper()
	inv = fresh(t, inv)
	mod, err := loadModule(module)
	if err != nil {
		t.Fatal(err)
	}
	cfg := wasi.Config{Args: append([]string{filepath.Base(module)}, inv.args...), Env: inv.env, Stdin: strings.NewReader(inv.stdin), NoLog: true}
	for _, m := range inv.mounts {
		cfg.Preopens = append(cfg.Preopens, wasi.Preopen{HostDir: m.host, GuestPath: m.guest})
	}
	proc, err := newProcess(module, mod, "standard", engines.Options{}, cfg, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	proc.stdout, proc.stderr = io.Discard, io.Discard
	if err := proc.run(false); err != nil {
		if _, ok := err.(*exitError); !ok {
			t.Fatal(err)
		}
	}
	return proc.machine.Counter()
}

// checkpointIntervals returns values of --checkpoint-every for a program
// that runs total instructions: images at every sixth of the run, then at
// 3/7 and 6/7, then one just before the end (by instruction counts, which
// are not quite the same from one run of a Go program to the next, since
// its scheduler reads the clock).
func checkpointIntervals(total uint64) []uint64 {
	return []uint64{max(total/6, 1), max(total*3/7, 1), max(total*19/20, 1)}
}

// resumeEngine chooses the engine flags of the i-th resumption: every
// other one names the engine explicitly, going through all the engines;
// the others take the default.
func resumeEngine(i int) string {
	if i%2 == 0 {
		return ""
	}
	names := engines.Names()
	return "--engine " + names[(i/2)%len(names)]
}

// A checkpoint is an image written by a run, with what the program had
// written to stdout and stderr at that moment and copies of its
// directories as they were then.
type checkpoint struct {
	image          string
	counter        uint64
	stdout, stderr int
	mounts         []mount
}

// checkpointedRun is a run of `wdb run --checkpoint-every`.
type checkpointedRun struct {
	result      // the program's output; wdb's messages are not in stderr
	mounts      []mount
	checkpoints []checkpoint
}

// checkpointMessage is what wdb prints on stderr when it has written an
// image; checkpointMessages finds them in a longer output.
var (
	checkpointMessage  = regexp.MustCompile(`^wdb: checkpoint at counter (\d+) written to (.*)\n$`)
	checkpointMessages = regexp.MustCompile(`wdb: checkpoint at counter (\d+) written to (.*)\n`)
)

// checkpointWatcher is the stderr of a wdb run in this process. It takes
// wdb's checkpoint messages out of the program's stderr and, when one
// arrives, records how much output the program had written and copies
// the program's directories. wdb writes the message right after the image,
// from the goroutine that runs the program, so the program is stopped
// exactly where the image was taken while the message is written.
type checkpointWatcher struct {
	t           testing.TB
	stdout      *bytes.Buffer
	stderr      bytes.Buffer
	mounts      []mount
	checkpoints []checkpoint
}

func (w *checkpointWatcher) Write(b []byte) (int, error) {
	m := checkpointMessage.FindSubmatch(b)
	if m == nil {
		return w.stderr.Write(b)
	}
	counter, err := strconv.ParseUint(string(m[1]), 10, 64)
	if err != nil {
		w.t.Errorf("checkpoint message %q: %v", b, err)
	}
	ck := checkpoint{image: string(m[2]), counter: counter, stdout: w.stdout.Len(), stderr: w.stderr.Len()}
	for _, mt := range w.mounts {
		ck.mounts = append(ck.mounts, mount{copyDir(w.t, mt.host), mt.guest})
	}
	w.checkpoints = append(w.checkpoints, ck)
	return len(b), nil
}

// checkpointRun runs p with `wdb run --checkpoint-every every` and flags,
// in this process, on fresh copies of its directories.
//
// A resumed program must find its files as they were when the image was
// written, as after any checkpoint/restore: the image holds the open
// descriptors and their offsets, not the files' contents. A file the
// program wrote before the checkpoint and, say, appends to or renames
// after it must be in its state of that moment. Only by watching the
// run from inside can the test copy the directories at exactly that
// moment; the output the program had written by then is measured in the
// same breath, so that what a resumed process prints can be compared with
// exactly the rest of the uninterrupted run's output.
func checkpointRun(t *testing.T, p corpusProgram, every uint64, flags ...string) checkpointedRun {
	t.Helper()
	inv := fresh(t, p.inv)
	dir := t.TempDir()
	var stdout bytes.Buffer
	w := &checkpointWatcher{t: t, stdout: &stdout, mounts: inv.mounts}
	flags = append(flags, "--checkpoint-every", strconv.FormatUint(every, 10), "--checkpoint-dir", dir)
	args := inv.wdbRunArgs(p.module, flags...)
	code := mainWithStatus(args, &stdout, w)
	run := checkpointedRun{result{stdout.String(), w.stderr.String(), code}, inv.mounts, w.checkpoints}

	// The images are in the directory, named by their counters, which
	// are exact multiples of the interval.
	var names []string
	for _, ck := range run.checkpoints {
		if filepath.Dir(ck.image) != dir || filepath.Base(ck.image) != fmt.Sprintf("checkpoint-%012d.wdb", ck.counter) {
			t.Errorf("image %s for counter %d", ck.image, ck.counter)
		}
		if ck.counter%every != 0 {
			t.Errorf("image at counter %d with --checkpoint-every %d", ck.counter, every)
		}
		names = append(names, filepath.Base(ck.image))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		files = append(files, e.Name())
	}
	if !slices.Equal(files, names) {
		t.Errorf("the checkpoint directory holds %v; wdb announced %v", files, names)
	}
	return run
}

// resumeCheckpoint resumes ck in a new wdb process, on copies of the
// directories as they were at the checkpoint, and requires the rest of the
// output of the run that wrote the image, its exit status, and the same
// files at the end.
func resumeCheckpoint(t *testing.T, run checkpointedRun, ck checkpoint, flags ...string) {
	t.Helper()
	args := append([]string{"resume"}, flags...)
	var mounts []mount
	for _, m := range ck.mounts {
		m = mount{copyDir(t, m.host), m.guest}
		mounts = append(mounts, m)
		args = append(args, m.flag())
	}
	got := wdb(t, append(args, ck.image)...)
	want := result{run.stdout[ck.stdout:], run.stderr[ck.stderr:], run.code}
	if got != want {
		t.Errorf("wdb %s:\n%s\nwant:\n%s", strings.Join(args, " "), got, want)
	}
	for i, m := range mounts {
		sameTree(t, "directory "+m.guest+" after resuming", m.host, run.mounts[i].host)
	}
}
