package crfork_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	_ "github.com/wdb-dev/wdb/engines/fast"
	_ "github.com/wdb-dev/wdb/engines/standard"
	_ "github.com/wdb-dev/wdb/engines/threaded"
	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/snapshot/crfork"
	"github.com/wdb-dev/wdb/wasi"
	"github.com/wdb-dev/wdb/wasm"
)

// program is a corpus program and how it is started.
type program struct {
	path   string
	invoke string   // exported function; "" for _start
	args   []uint64 // its arguments
	dirs   []wasi.Preopen
}

var corpus = []program{
	{path: "wasi/hello.wasm"},
	{path: "wasi/compute.wasm"},
	{path: "wasi/clockrand.wasm"},
	{path: "wasi/fileio.wasm", dirs: []wasi.Preopen{{HostDir: "../../testdata/wasi/data", GuestPath: "/data"}}},
	{path: "bench/fib.wasm", invoke: "run", args: []uint64{18}},
	{path: "bench/sieve.wasm", invoke: "run", args: []uint64{3000}},
	{path: "bench/matmul.wasm", invoke: "run", args: []uint64{12}},
	{path: "bench/nbody.wasm", invoke: "run", args: []uint64{200}},
	{path: "bench/sha256.wasm", invoke: "run", args: []uint64{20}},
	{path: "wat/recursion.wasm", invoke: "run", args: []uint64{6}},
	{path: "wat/control.wasm", invoke: "run", args: []uint64{30}},
	{path: "wat/memory.wasm", invoke: "run", args: []uint64{20}},
}

func load(t testing.TB, path string) *wasm.Module {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../../testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	mod, err := wasm.Load(b)
	if err != nil {
		t.Fatal(err)
	}
	return mod
}

// instance is a program instantiated on an engine, not yet started, with
// base, its state right after instantiation.
type instance struct {
	m    engines.Machine
	host *wasi.Host
	base *snapshot.Snapshot
	out  bytes.Buffer
}

func instantiate(t testing.TB, engine string, mod *wasm.Module, p program) *instance {
	t.Helper()
	eng, err := engines.Get(engine)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := eng.Compile(mod, engines.Options{MaxCallDepth: engines.DefaultMaxCallDepth})
	if err != nil {
		t.Fatal(err)
	}
	in := &instance{}
	// The program may write into its directories: give it copies, never
	// testdata itself.
	var dirs []wasi.Preopen
	for _, d := range p.dirs {
		dir := t.TempDir()
		if err := os.CopyFS(dir, os.DirFS(d.HostDir)); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, wasi.Preopen{HostDir: dir, GuestPath: d.GuestPath})
	}
	in.host, err = wasi.New(wasi.Config{Args: []string{"prog"}, Stdout: &in.out, Stderr: &in.out, Preopens: dirs, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.host.Close() })
	imports, err := in.host.Imports(mod)
	if err != nil {
		t.Fatal(err)
	}
	if in.m, err = prog.Instantiate(engines.NewStore(), imports); err != nil {
		t.Fatal(err)
	}
	if in.base, err = in.m.Snapshot(); err != nil {
		t.Fatal(err)
	}
	name := p.invoke
	if name == "" {
		name = "_start"
	}
	fn, ok := mod.ExportedFunc(name)
	if !ok {
		t.Fatalf("%s: no export %s", p.path, name)
	}
	if err := in.m.Start(fn, p.args); err != nil {
		t.Fatal(err)
	}
	return in
}

// length is the number of instructions a straight run of p retires.
func length(t testing.TB, mod *wasm.Module, p program) uint64 {
	in := instantiate(t, engines.Names()[0], mod, p)
	ev := in.m.Run(engines.Stop{Limit: engines.NoLimit})
	if ev.Kind != engines.Done && ev.Kind != engines.Exited {
		t.Fatalf("%s: run ended with %v", p.path, ev.Kind)
	}
	return in.m.Counter()
}

// TestRoundTrip exports the state at many counters of every corpus program
// on every engine, in both flavours, imports it back and requires the same
// engine-neutral state, except what the format cannot carry: the counter
// and the WASI state (stdio stays open; both are put back before comparing).
// States the format cannot express (a file open) must be refused, not
// written.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, p := range corpus {
		mod := load(t, p.path)
		n := length(t, mod, p)
		for _, engine := range engines.Names() {
			t.Run(fmt.Sprintf("%s/%s", p.path, engine), func(t *testing.T) {
				t.Parallel() // the images are fsynced: overlap the waits
				in := instantiate(t, engine, mod, p)
				written, refused := 0, 0
				const points = 13
				for k := uint64(1); k <= points; k++ {
					if ev := in.m.Run(engines.Stop{Limit: n * k / (points + 1)}); ev.Kind != engines.LimitReached {
						t.Fatalf("stopping at %d of %d: %v", n*k/(points+1), n, ev.Kind)
					}
					s, err := in.m.Snapshot()
					if err != nil {
						t.Fatal(err)
					}
					s.Host = in.host.State()
					for _, fl := range []crfork.Flavor{crfork.WAMR, crfork.WasmEdge} {
						dir := filepath.Join(t.TempDir(), "img")
						err := crfork.Export(s, mod, in.base, fl, dir)
						if err != nil {
							if !strings.Contains(err.Error(), "is open") {
								t.Fatalf("counter %d, %v: %v", s.Counter, fl, err)
							}
							if _, serr := os.Stat(dir); serr == nil {
								t.Fatalf("counter %d: refused, but %s was written", s.Counter, dir)
							}
							refused++
							continue
						}
						got, err := crfork.Import(dir, mod, in.base)
						if err != nil {
							t.Fatalf("counter %d, %v: %v", s.Counter, fl, err)
						}
						got.Counter, got.Host = s.Counter, s.Host
						if d := snapshot.Diff(s, got); d != "" {
							t.Fatalf("counter %d, %v: the imported state differs: %s", s.Counter, fl, d)
						}
						written++
					}
				}
				if written == 0 {
					t.Errorf("no image written (%d refused)", refused)
				}
				if p.path == "wasi/fileio.wasm" && refused == 0 {
					t.Errorf("fileio: no state with an open file was refused")
				}
			})
		}
	}
}
