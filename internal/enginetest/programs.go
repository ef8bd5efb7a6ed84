// Package enginetest is the cross-engine test kit: the programs of
// testdata/ with the calls that run them, and checks that every engine must
// pass on them (runs to the end, checkpoint round trips between engines at
// many counters, single steps against run-to-counter, step-by-step traces
// compared between engines).
//
// Engine packages use it from their tests; it never hard-codes expected
// results: a run is compared with another route to the same state, with
// another engine, or with wazero's interpreter (Wazero).
package enginetest

import (
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/wdb-dev/wdb/wasm"
)

// Program is a module from testdata/ and the call that runs it. The
// programs import nothing.
type Program struct {
	// Name is the file's path under testdata/ without ".wasm", e.g.
	// "bench/fib" or "wat/control".
	Name string
	Wasm []byte
	// Entry is the exported function to call.
	Entry string
	// Args are small arguments, so that a run takes a few hundred thousand
	// instructions at most (tests run it many times).
	Args []uint64
	// Bench marks a compute kernel of testdata/bench; BenchArgs make one
	// run take some tens of milliseconds on an interpreter.
	Bench     bool
	BenchArgs []uint64

	module *moduleOnce
}

type moduleOnce struct {
	once sync.Once
	mod  *wasm.Module
	err  error
}

// Module returns the loaded module, shared by all callers (a wasm.Module
// is immutable).
func (p Program) Module(t testing.TB) *wasm.Module {
	t.Helper()
	p.module.once.Do(func() { p.module.mod, p.module.err = wasm.Load(p.Wasm) })
	if p.module.err != nil {
		t.Fatalf("%s: %v", p.Name, p.module.err)
	}
	return p.module.mod
}

// catalog lists the programs: file, entry, test arguments, benchmark
// arguments (none for programs that are not benchmarks).
var catalog = []struct {
	file      string
	args      uint64
	benchArgs uint64
}{
	{"bench/fib", 12, 27},
	{"bench/sieve", 1, 40},
	{"bench/matmul", 1, 25},
	{"bench/nbody", 20, 7000},
	{"bench/sha256", 1, 70},
	{"wat/control", 40, 0},
	{"wat/recursion", 10, 0},
	{"wat/indirect", 200, 0},
	{"wat/memory", 3, 0},
}

var (
	loadOnce sync.Once
	programs []Program
	loadErr  error
)

// Programs returns the testdata programs. It panics if testdata/ cannot be
// read (a broken checkout).
func Programs() []Program {
	loadOnce.Do(func() {
		dir := TestdataDir()
		for _, c := range catalog {
			b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(c.file)+".wasm"))
			if err != nil {
				loadErr = err
				return
			}
			p := Program{Name: c.file, Wasm: b, Entry: "run", Args: []uint64{c.args}, module: &moduleOnce{}}
			if c.benchArgs != 0 {
				p.Bench = true
				p.BenchArgs = []uint64{c.benchArgs}
			}
			programs = append(programs, p)
		}
	})
	if loadErr != nil {
		panic("enginetest: " + loadErr.Error())
	}
	return programs
}

// BenchPrograms returns the compute kernels of testdata/bench.
func BenchPrograms() []Program {
	var out []Program
	for _, p := range Programs() {
		if p.Bench {
			out = append(out, p)
		}
	}
	return out
}

// TestdataDir is the repository's testdata directory.
func TestdataDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("enginetest: cannot locate the source file")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata")
}
