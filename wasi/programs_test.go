package wasi_test

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	_ "github.com/wdb-dev/wdb/engines/standard"
	"github.com/wdb-dev/wdb/wasi"
	"github.com/wdb-dev/wdb/wasm"
)

// Real WASI programs, built by other toolchains, shipped in the wazero
// module: their sources next to them and wazero's own tests say what
// they print.

var wazeroDir = sync.OnceValues(func() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/tetratelabs/wazero").Output()
	return strings.TrimSpace(string(out)), err
})

// wazeroFile returns the path of a file of the wazero module.
func wazeroFile(t testing.TB, rel string) string {
	t.Helper()
	dir, err := wazeroDir()
	if err != nil || dir == "" {
		t.Skipf("wazero module not found: %v", err)
	}
	return filepath.Join(dir, filepath.FromSlash(rel))
}

// loaded caches modules by path: the bigger ones take a while to validate.
var loaded sync.Map

func loadModule(t testing.TB, path string) *wasm.Module {
	t.Helper()
	if m, ok := loaded.Load(path); ok {
		return m.(*wasm.Module)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := wasm.Load(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	loaded.Store(path, m)
	return m
}

// instance compiles m with the standard engine and instantiates it with
// h's imports, ready to run _start.
func instance(t testing.TB, m *wasm.Module, h *wasi.Host) engines.Machine {
	t.Helper()
	e, err := engines.Get("standard")
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.Compile(m, engines.Options{})
	if err != nil {
		t.Fatal(err)
	}
	imports, err := h.Imports(m)
	if err != nil {
		t.Fatal(err)
	}
	vm, err := p.Instantiate(engines.NewStore(), imports)
	if err != nil {
		t.Fatal(err)
	}
	start, ok := m.ExportedFunc("_start")
	if !ok {
		t.Fatal("no _start export")
	}
	if err := vm.Start(start, nil); err != nil {
		t.Fatal(err)
	}
	return vm
}

// finish runs vm to the end of _start and returns the exit code.
func finish(t testing.TB, vm engines.Machine, output *bytes.Buffer) uint32 {
	t.Helper()
	ev := vm.Run(engines.Stop{Limit: engines.NoLimit})
	switch ev.Kind {
	case engines.Done:
		return 0
	case engines.Exited:
		return ev.ExitCode
	case engines.Trapped:
		t.Fatalf("trap: %v (cause %v)\noutput so far:\n%s", ev.Trap, ev.Trap.Cause, output)
	}
	t.Fatalf("run ended with %v", ev.Kind)
	return 0
}

type program struct {
	name     string
	wasm     string // path in the wazero module
	args     []string
	env      []string
	preopens []wasi.Preopen
	stdin    string
	// stdinFile, if set, is stdin instead.
	stdinFile *os.File
	// want is the expected output (stdout and stderr together); sorted
	// compares it line by line in any order (directory listings).
	want   string
	sorted bool
	code   uint32
}

func runProgram(t *testing.T, p program) {
	t.Helper()
	var out bytes.Buffer
	var stdin io.Reader = strings.NewReader(p.stdin)
	if p.stdinFile != nil {
		stdin = p.stdinFile
	}
	h, err := wasi.New(wasi.Config{
		Args:     append([]string{"wasi"}, p.args...),
		Env:      p.env,
		Preopens: p.preopens,
		Stdin:    stdin,
		Stdout:   &out,
		Stderr:   &out,
		NoLog:    true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	vm := instance(t, loadModule(t, wazeroFile(t, p.wasm)), h)
	code := finish(t, vm, &out)
	got, want := out.String(), p.want
	if p.sorted {
		got, want = sortLines(got), sortLines(want)
	}
	if got != want || code != p.code {
		t.Errorf("output:\n%s\nexit %d; want:\n%s\nexit %d", got, code, want, p.code)
	}
}

func sortLines(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// lsDir creates the directory wazero's readdir tests list: a file "-",
// an empty directory "a-" and a file "ab-".
func lsDir(t *testing.T) string {
	dir := t.TempDir()
	for _, f := range []string{"-", "ab-"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o400); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "a-"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

const wasiTestdata = "imports/wasi_snapshot_preview1/testdata/"

func TestToolchainPrograms(t *testing.T) {
	ls := lsDir(t)
	root := []wasi.Preopen{{HostDir: ls, GuestPath: "/"}}
	listing := "./-\n./a-\n./ab-\n"
	dots := "./.\n./..\n"
	for _, tc := range []struct {
		toolchain string
		dots      bool // wasi-libc's readdir shows . and ..; the others filter them
		repeat    bool
	}{
		{"zig-cc", true, true},
		{"cargo-wasi", false, true},
		{"tinygo", false, false}, // https://github.com/tinygo-org/tinygo/issues/3823
		{"zig", false, true},
	} {
		bin := wasiTestdata + tc.toolchain + "/wasi.wasm"
		want := listing
		if tc.dots {
			want += dots
		}
		progs := []program{
			{name: "ls", wasm: bin, args: []string{"ls", "."}, preopens: root, want: want, sorted: true},
			{name: "ls a file", wasm: bin, args: []string{"ls", "-"}, preopens: root, want: "ENOTDIR\n"},
			{name: "ls an empty directory", wasm: bin, args: []string{"ls", "./a-"}, preopens: root, want: strings.Repeat(dots, b2i(tc.dots)), sorted: true},
			{name: "stat", wasm: bin, args: []string{"stat"}, preopens: []wasi.Preopen{{HostDir: t.TempDir(), GuestPath: "/"}},
				want: "stdin isatty: false\nstdout isatty: false\nstderr isatty: false\n/ isatty: false\n"},
		}
		if tc.repeat {
			progs = append(progs, program{name: "ls twice", wasm: bin, args: []string{"ls", ".", "repeat"}, preopens: root, want: want + want, sorted: true})
		}
		for _, p := range progs {
			t.Run(tc.toolchain+"/"+p.name, func(t *testing.T) { runProgram(t, p) })
		}
	}
}

func TestZigCCPrograms(t *testing.T) {
	bin := wasiTestdata + "zig-cc/wasi.wasm"
	for _, p := range []program{
		{name: "open-rdonly", args: []string{"open-rdonly"}, want: "OK\n"},
		{name: "open-wronly", args: []string{"open-wronly"}, want: "OK\n"},
		{name: "sleepmillis", args: []string{"sleepmillis", "5"}, want: "OK\n"},
		{name: "poll stdin", args: []string{"poll"}, stdin: "test", want: "STDIN\n"},
		{name: "poll stdin with a timeout", args: []string{"poll", "0", "100"}, stdin: "test", want: "STDIN\n"},
		{name: "unknown command", args: []string{"frobnicate"}, want: "unknown command: frobnicate\n", code: 1},
	} {
		p.wasm = bin
		p.preopens = []wasi.Preopen{{HostDir: t.TempDir(), GuestPath: "/"}}
		t.Run(p.name, func(t *testing.T) { runProgram(t, p) })
	}
}

func TestZigPreopens(t *testing.T) {
	runProgram(t, program{
		wasm: wasiTestdata + "zig/wasi.wasm", args: []string{"preopen"},
		preopens: []wasi.Preopen{{HostDir: t.TempDir(), GuestPath: "/"}, {HostDir: t.TempDir(), GuestPath: "/tmp"}},
		want:     "0: stdin\n1: stdout\n2: stderr\n3: /\n4: /tmp\n",
	})
}

func TestManyDirectoryEntries(t *testing.T) {
	dir := t.TempDir()
	const n = 2000
	var want strings.Builder
	for i := range n {
		name := strconv.Itoa(i)
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o666); err != nil {
			t.Fatal(err)
		}
		want.WriteString("./" + name + "\n")
	}
	for _, toolchain := range []string{"zig-cc", "cargo-wasi"} {
		t.Run(toolchain, func(t *testing.T) {
			w := want.String()
			if toolchain == "zig-cc" {
				w += "./.\n./..\n"
			}
			runProgram(t, program{wasm: wasiTestdata + toolchain + "/wasi.wasm", args: []string{"ls", "."},
				preopens: []wasi.Preopen{{HostDir: dir, GuestPath: "/"}}, want: w, sorted: true})
		})
	}
}

func TestCat(t *testing.T) {
	testdata := wazeroFile(t, "imports/wasi_snapshot_preview1/example/testdata")
	for _, toolchain := range []string{"cargo-wasi", "tinygo", "zig", "zig-cc"} {
		t.Run(toolchain, func(t *testing.T) {
			runProgram(t, program{
				wasm: "imports/wasi_snapshot_preview1/example/testdata/" + toolchain + "/cat.wasm", args: []string{"/test.txt"},
				preopens: []wasi.Preopen{{HostDir: testdata, GuestPath: "/"}},
				want:     "greet filesystem\n",
			})
		})
	}
	// A preopen that is not the root, and a missing file.
	bears := wazeroFile(t, "cmd/wazero/testdata/fs")
	runProgram(t, program{wasm: "cmd/wazero/testdata/cat/cat-tinygo.wasm", args: []string{"/animals/bear.txt"},
		preopens: []wasi.Preopen{{HostDir: bears, GuestPath: "/animals"}}, want: "pooh\n"})
}

func TestWazeroCLIPrograms(t *testing.T) {
	bears := wazeroFile(t, "cmd/wazero/testdata/fs")
	for _, p := range []program{
		{name: "args", wasm: "cmd/wazero/testdata/wasi_arg.wasm", args: []string{"hello world"}, want: "wasi\x00hello world\x00"},
		{name: "env", wasm: "cmd/wazero/testdata/wasi_env.wasm", env: []string{"ANIMAL=bear", "FOOD=sushi"}, want: "ANIMAL=bear\x00FOOD=sushi\x00"},
		{name: "fd", wasm: "cmd/wazero/testdata/wasi_fd.wasm", preopens: []wasi.Preopen{{HostDir: bears, GuestPath: "/"}}, want: "pooh\n"},
		{name: "random_get", wasm: "cmd/wazero/testdata/wasi_random_get.wasm", want: ""},
	} {
		t.Run(p.name, func(t *testing.T) { runProgram(t, p) })
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
