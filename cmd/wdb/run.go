package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/snapshot/crfork"
	"github.com/wdb-dev/wdb/wasi"
	"github.com/wdb-dev/wdb/wasm"
)

// runOptions are the flags of `wdb run`.
type runOptions struct {
	engine       string
	invoke       string
	maxPages     uint
	maxCallDepth int
	dirs         listFlag
	env          listFlag
	checkpoints  checkpointOptions
}

// listFlag is a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string     { return fmt.Sprint(*l) }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// addEngineFlags adds the flags that choose and bound the engine.
func (o *runOptions) addEngineFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.engine, "engine", "standard", "run on the interpreter called `NAME` (`wdb engines` lists them)")
	fs.UintVar(&o.maxPages, "max-memory", 0, "cap linear memory growth at this many 64 KiB pages (0: the module's maximum)")
	fs.IntVar(&o.maxCallDepth, "max-call-depth", engines.DefaultMaxCallDepth, "trap with \"call stack exhausted\" beyond this many frames")
}

// addHostFlags adds the flags that describe the guest's world.
func (o *runOptions) addHostFlags(fs *flag.FlagSet) {
	fs.Var(&o.dirs, "dir", "preopen a host directory for the guest, as `HOST[:GUEST]` (repeatable);\nthe guest reaches nothing outside the preopened directories")
}

// addCheckpointFlags adds the flags that write checkpoint images.
func (o *runOptions) addCheckpointFlags(fs *flag.FlagSet) {
	fs.Uint64Var(&o.checkpoints.every, "checkpoint-every", 0, "write a checkpoint image every `N` instructions")
	fs.StringVar(&o.checkpoints.dir, "checkpoint-dir", ".", "the directory checkpoint images are written to")
	fs.BoolVar(&o.checkpoints.onSignal, "checkpoint-on-signal", false, "write a checkpoint image on SIGUSR1 and go on; on SIGTERM, write one and exit")
	fs.Func("checkpoint-format", "write checkpoints as `FORK` images (wamr or wasmedge: the WAMR / WasmEdge\ncheckpoint-restore forks' format, a directory each) instead of wdb images", func(v string) error {
		fl, err := crfork.ParseFlavor(v)
		o.checkpoints.fork = &fl
		return err
	})
}

func (o *runOptions) flagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	o.addEngineFlags(fs)
	o.addHostFlags(fs)
	fs.Var(&o.env, "env", "set an environment variable for the guest, as `KEY=VALUE` (repeatable)")
	fs.StringVar(&o.invoke, "invoke", "", "call this exported `FUNC` with the arguments instead of running _start,\nand print its results")
	o.addCheckpointFlags(fs)
	return fs
}

var runCommand = &command{
	name:    "run",
	summary: "run a module without the debugger",
	usage:   "run [flags] app.wasm [args...]",
	help: `
Run app.wasm to completion: its start function, then its _start export (a
WASI command), with stdin, stdout and stderr passed through. wdb exits with
the guest's exit status. With --invoke FUNC, call the exported function FUNC
with the given arguments (decimal numbers, converted to the parameter types)
and print its results.

Checkpoint images (see ` + "`wdb resume`, `wdb inspect`" + `) are written atomically to
--checkpoint-dir, named checkpoint-COUNTER.wdb, where COUNTER is the number
of instructions the program had executed. With --checkpoint-format wamr or
wasmedge, each is instead a directory checkpoint-COUNTER.wamr (.wasmedge) in
the format of the WAMR / WasmEdge checkpoint-restore forks, which their
--restore reads; a state that format cannot hold (a file open, a table
changed) is refused with an error.

A trap prints its message, the function and offset where it happened and a
WebAssembly backtrace, and ends wdb with status 134.`,
	flags: func() *flag.FlagSet { return new(runOptions).flagSet() },
	run: func(c *command, args []string, stdout, stderr io.Writer) error {
		var o runOptions
		fs := o.flagSet()
		if done, err := parseFlags(c, fs, args, stdout, stderr); done {
			return err
		}
		if fs.NArg() == 0 {
			fmt.Fprintln(stderr, "wdb run: missing module (usage: wdb run [flags] app.wasm [args...])")
			return errUsage
		}
		return runModule(&o, fs.Arg(0), fs.Args()[1:], stdout, stderr)
	},
}

func (o *runOptions) engineOptions() engines.Options {
	return engines.Options{MaxCallDepth: o.maxCallDepth, MaxMemoryPages: uint32(o.maxPages)}
}

// hostConfig is the WASI configuration for the flags, with stdio passed
// through.
func (o *runOptions) hostConfig(args []string, stdout, stderr io.Writer) (wasi.Config, error) {
	cfg := wasi.Config{Args: args, Env: o.env, Stdin: os.Stdin, Stdout: stdout, Stderr: stderr, NoLog: true}
	for _, d := range o.dirs {
		p, err := wasi.ParsePreopen(d)
		if err != nil {
			return cfg, err
		}
		cfg.Preopens = append(cfg.Preopens, p)
	}
	for _, e := range o.env {
		if !strings.Contains(e, "=") {
			return cfg, fmt.Errorf("--env %q: want KEY=VALUE", e)
		}
	}
	return cfg, nil
}

func runModule(o *runOptions, path string, args []string, stdout, stderr io.Writer) error {
	mod, err := loadModule(path)
	if err != nil {
		return err
	}
	guestArgs := args
	if o.invoke == "" {
		guestArgs = append([]string{filepath.Base(path)}, args...)
	}
	cfg, err := o.hostConfig(guestArgs, stdout, stderr)
	if err != nil {
		return err
	}
	p, err := newProcess(path, mod, o.engine, o.engineOptions(), cfg, o.invoke, args)
	if err != nil {
		return reportError(mod, err, stderr)
	}
	if err := p.setCheckpoints(o.checkpoints); err != nil {
		return err
	}
	p.stdout, p.stderr = stdout, stderr
	return p.run(false)
}

// loadModule reads and validates a module file; errors name the file.
func loadModule(path string) (*wasm.Module, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := wasm.Load(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// reportError prints a trap with its backtrace; other errors are returned.
func reportError(mod *wasm.Module, err error, stderr io.Writer) error {
	t, ok := err.(*engines.Trap)
	if !ok {
		return err
	}
	fmt.Fprintf(stderr, "wdb: trap: %s\n  in %s at offset 0x%x\n", t.Msg, funcName(mod, t.Func), t.Offset)
	if len(t.Backtrace) > 0 {
		fmt.Fprintln(stderr, "backtrace:")
		for i, l := range t.Backtrace {
			fmt.Fprintf(stderr, "  #%d 0x%06x %s\n", i, l.Offset, funcName(mod, l.Func))
		}
	}
	return &exitError{134}
}

func funcName(mod *wasm.Module, fn uint32) string {
	if int(fn) < len(mod.Funcs) {
		return mod.Funcs[fn].DisplayName()
	}
	return fmt.Sprintf("func[%d]", fn)
}

// formatValue prints a result as type:value.
func formatValue(t wasm.ValType, bits uint64) string {
	switch t {
	case wasm.I32:
		return fmt.Sprintf("i32:%d", int32(bits))
	case wasm.I64:
		return fmt.Sprintf("i64:%d", int64(bits))
	case wasm.F32:
		return "f32:" + strconv.FormatFloat(float64(math.Float32frombits(uint32(bits))), 'g', -1, 32)
	case wasm.F64:
		return "f64:" + strconv.FormatFloat(math.Float64frombits(bits), 'g', -1, 64)
	}
	return fmt.Sprintf("%v:%s", t, strings.TrimPrefix(fmt.Sprintf("0x%x", bits), ""))
}
