package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasi"
	"github.com/wdb-dev/wdb/wasm"
)

// goHello is the module built from testdata/gohello for wasip1, once per
// process.
var goHello = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "wdb-gohello-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "gohello.wasm")
	cmd := exec.Command("go", "build", "-o", out, "./testdata/gohello")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("GOOS=wasip1 GOARCH=wasm go build: %v\n%s", err, msg)
	}
	return os.ReadFile(out)
})

// BenchmarkGoHello runs a Go hello world for wasip1 from its bytes to its
// exit, everything included: decode, validate, compile, instantiate with
// a WASI host, run _start with stdout discarded. It is the measure of
// start-up cost on a real, large module (2.6 MB, most of it the 1,760
// functions of Go's runtime), on every registered engine and on wazero's
// interpreter, in the same run.
func BenchmarkGoHello(b *testing.B) {
	module, err := goHello()
	if err != nil {
		b.Skipf("cannot build the Go program: %v", err)
	}
	// One run of each, untimed, with the output kept: they must agree.
	var want bytes.Buffer
	if err := runWazeroWASI(module, &want); err != nil {
		b.Fatalf("%s: %v", Baseline, err)
	}
	if want.Len() == 0 {
		b.Fatalf("%s: the program printed nothing", Baseline)
	}
	for _, name := range engines.Names() {
		var got bytes.Buffer
		if err := runEngineWASI(name, module, &got); err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		if got.String() != want.String() {
			b.Fatalf("%s printed %q, %s %q", name, got.String(), Baseline, want.String())
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(module)))
			for b.Loop() {
				if err := runEngineWASI(name, module, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run(Baseline, func(b *testing.B) {
		b.SetBytes(int64(len(module)))
		for b.Loop() {
			if err := runWazeroWASI(module, io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// runEngineWASI does what `wdb run` does with a WASI command: load the
// module, compile it for the engine, instantiate it with a WASI host
// (no record/replay log) and run _start to the end.
func runEngineWASI(engine string, module []byte, stdout io.Writer) error {
	mod, err := wasm.Load(module)
	if err != nil {
		return err
	}
	e, err := engines.Get(engine)
	if err != nil {
		return err
	}
	prog, err := e.Compile(mod, engines.Options{})
	if err != nil {
		return err
	}
	host, err := wasi.New(wasi.Config{Args: []string{"gohello"}, Stdout: stdout, Stderr: stdout, NoLog: true})
	if err != nil {
		return err
	}
	defer host.Close()
	imports, err := host.Imports(mod)
	if err != nil {
		return err
	}
	m, err := prog.Instantiate(engines.NewStore(), imports)
	if err != nil {
		return err
	}
	start, ok := mod.ExportedFunc("_start")
	if !ok {
		return errors.New("no _start")
	}
	if err := m.Start(start, nil); err != nil {
		return err
	}
	switch ev := m.Run(engines.Stop{Limit: engines.NoLimit}); ev.Kind {
	case engines.Done:
		return nil
	case engines.Exited:
		if ev.ExitCode != 0 {
			return fmt.Errorf("exit status %d", ev.ExitCode)
		}
		return nil
	case engines.Trapped:
		return ev.Trap
	default:
		return fmt.Errorf("run ended with %v", ev.Kind)
	}
}

// runWazeroWASI does the same with wazero's interpreter: a new runtime,
// WASI, compile, instantiate (which runs _start).
func runWazeroWASI(module []byte, stdout io.Writer) error {
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	compiled, err := r.CompileModule(ctx, module)
	if err != nil {
		return err
	}
	config := wazero.NewModuleConfig().WithArgs("gohello").WithStdout(stdout).WithStderr(stdout)
	_, err = r.InstantiateModule(ctx, compiled, config)
	var exit *sys.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 0 {
		return nil
	}
	return err
}

// goHelloLine matches "BenchmarkGoHello/standard-2   15   67959355 ns/op ...".
var goHelloLine = regexp.MustCompile(`^BenchmarkGoHello/([^\s]+?)(?:-\d+)?\s+\d+\s+([0-9.]+) ns/op`)

// TestGoHelloTable prints, for the BenchmarkGoHello results in the file
// given with -bench-output, each engine's median and fastest time and its
// speed-up over wazero's interpreter:
//
//	go test ./internal/bench -run '^TestGoHelloTable$' -count 1 -v -bench-output=/tmp/gohello.txt
func TestGoHelloTable(t *testing.T) {
	if *benchOutput == "" {
		t.Skip("no -bench-output file given")
	}
	f, err := os.Open(*benchOutput)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	samples := map[string][]float64{}
	var engineNames []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := goHelloLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		ns, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			t.Fatalf("%q: %v", sc.Text(), err)
		}
		if samples[m[1]] == nil && m[1] != Baseline {
			engineNames = append(engineNames, m[1])
		}
		samples[m[1]] = append(samples[m[1]], ns)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	baseMedian, ok1 := median(samples[Baseline])
	baseFastest, ok2 := fastest(samples[Baseline])
	if !ok1 || !ok2 || len(engineNames) == 0 {
		t.Fatalf("no BenchmarkGoHello results for %s and an engine in %s", Baseline, *benchOutput)
	}
	fmt.Printf("| engine | runs | median (ms) | fastest (ms) | speed-up (medians) | speed-up (fastest) |\n")
	fmt.Printf("|---|---:|---:|---:|---:|---:|\n")
	fmt.Printf("| %s | %d | %s | %s | 1 | 1 |\n", Baseline, len(samples[Baseline]), ms(baseMedian, true), ms(baseFastest, true))
	for _, e := range engineNames {
		med, _ := median(samples[e])
		fast, _ := fastest(samples[e])
		fmt.Printf("| %s | %d | %s | %s | %.2f× | %.2f× |\n", e, len(samples[e]), ms(med, true), ms(fast, true), baseMedian/med, baseFastest/fast)
	}
}
