package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/snapshot/crfork"
	"github.com/wdb-dev/wdb/wasi"
	"github.com/wdb-dev/wdb/wasm"
)

// process is a WASI program running on one engine, as `wdb run` and
// `wdb resume` drive it: the start function (if any), then _start.
type process struct {
	path    string
	mod     *wasm.Module
	machine engines.Machine
	host    *wasi.Host
	// entries are the functions still to run, in order; the last one's
	// results are printed when it was invoked by name.
	entries      []entry
	printResults bool
	stdout       io.Writer

	checkpoints checkpointOptions
	stderr      io.Writer
	// base is the state right after instantiation, which fork-format
	// images need (crfork); nil when not writing them.
	base *snapshot.Snapshot
}

// entry is a function call the process makes.
type entry struct {
	fn   uint32
	args []uint64
}

// checkpointOptions are the flags shared by run and resume.
type checkpointOptions struct {
	every    uint64
	dir      string
	onSignal bool
	fork     *crfork.Flavor // write fork-format images
}

// setCheckpoints sets the checkpoint options; call it before restoring.
func (p *process) setCheckpoints(o checkpointOptions) error {
	p.checkpoints = o
	if o.fork != nil && p.base == nil {
		var err error
		if p.base, err = p.machine.Snapshot(); err != nil {
			p.host.Close()
			return err
		}
	}
	return nil
}

// newProcess compiles mod for the engine and instantiates it with a WASI
// host. It runs the start function, then invoke (an export, with args)
// or, when invoke is "", _start.
func newProcess(path string, mod *wasm.Module, engine string, opts engines.Options, cfg wasi.Config, invoke string, args []string) (*process, error) {
	eng, err := engines.Get(engine)
	if err != nil {
		return nil, err
	}
	prog, err := eng.Compile(mod, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return startProcess(path, prog, cfg, invoke, args)
}

// startProcess is newProcess for a compiled program (which any number of
// processes may share).
func startProcess(path string, prog engines.Program, cfg wasi.Config, invoke string, args []string) (*process, error) {
	mod := prog.Module()
	host, err := wasi.New(cfg)
	if err != nil {
		return nil, err
	}
	imports, err := host.Imports(mod)
	if err != nil {
		host.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m, err := prog.Instantiate(engines.NewStore(), imports)
	if err != nil {
		host.Close()
		return nil, err
	}
	p := &process{path: path, mod: mod, machine: m, host: host}
	if mod.Start >= 0 {
		p.entries = append(p.entries, entry{fn: uint32(mod.Start)})
	}
	switch fn, ok := mod.ExportedFunc(invoke); {
	case invoke != "" && !ok:
		host.Close()
		return nil, fmt.Errorf("%s: no exported function %q", path, invoke)
	case invoke != "":
		params, err := wasm.ParseArgs(mod.Funcs[fn].Type.Params, args)
		if err != nil {
			host.Close()
			return nil, fmt.Errorf("--invoke %s: %w", invoke, err)
		}
		p.entries = append(p.entries, entry{fn: fn, args: params})
		p.printResults = true
	default:
		if fn, ok := mod.ExportedFunc("_start"); ok {
			p.entries = append(p.entries, entry{fn: fn})
		} else if mod.Start < 0 {
			host.Close()
			return nil, fmt.Errorf("%s: no _start export and no start function: use --invoke FUNC to call an export", path)
		}
	}
	return p, nil
}

// restore puts the process into the state of an image.
func (p *process) restore(s *snapshot.Snapshot) error {
	if err := p.machine.Restore(s); err != nil {
		return fmt.Errorf("restoring the image: %w", err)
	}
	if s.Host != nil {
		if err := p.host.Restore(s.Host); err != nil {
			return fmt.Errorf("restoring the WASI state: %w", err)
		}
	}
	// The image is inside one of the entry functions: skip those before it.
	if len(s.Frames) > 0 {
		bottom := s.Frames[0].Func
		for i, e := range p.entries {
			if e.fn == bottom {
				p.entries = p.entries[i:]
				return nil
			}
		}
		return fmt.Errorf("the image is running %s, which is neither the start function nor _start", funcName(p.mod, bottom))
	}
	p.entries = nil
	return nil
}

// run executes the remaining entry functions to the end and returns the
// exit status. started says whether the first entry is already under way
// (after a restore).
func (p *process) run(started bool) error {
	defer p.host.Close()
	var sigs chan os.Signal
	var checkpointRequested, exitRequested atomic.Bool
	if p.checkpoints.onSignal {
		sigs = make(chan os.Signal, 4)
		signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGTERM)
		defer signal.Stop(sigs)
		done := make(chan struct{})
		defer close(done)
		go func() {
			for {
				select {
				case s := <-sigs:
					if s == syscall.SIGTERM {
						exitRequested.Store(true)
					} else {
						checkpointRequested.Store(true)
					}
					p.machine.Interrupt()
					p.host.Interrupt()
				case <-done:
					return
				}
			}
		}()
	}
	for len(p.entries) > 0 {
		if !started {
			if err := p.machine.Start(p.entries[0].fn, p.entries[0].args); err != nil {
				return err
			}
		}
		started = false
		for {
			stop := engines.Stop{Limit: engines.NoLimit}
			if p.checkpoints.every > 0 {
				c := p.machine.Counter()
				stop.Limit = (c/p.checkpoints.every + 1) * p.checkpoints.every
			}
			ev := p.machine.Run(stop)
			switch ev.Kind {
			case engines.Done:
				if p.printResults && len(p.entries) == 1 {
					for i, r := range ev.Results {
						fmt.Fprintln(p.stdout, formatValue(p.mod.Funcs[p.entries[0].fn].Type.Results[i], r))
					}
				}
			case engines.LimitReached:
				if err := p.checkpoint(); err != nil {
					return err
				}
				continue
			case engines.Interrupted:
				if checkpointRequested.Swap(false) || exitRequested.Load() {
					if err := p.checkpoint(); err != nil {
						return err
					}
				}
				if exitRequested.Load() {
					return &exitError{128 + int(syscall.SIGTERM)}
				}
				continue
			case engines.Exited:
				return exitStatus(ev.ExitCode)
			case engines.Trapped:
				return reportError(p.mod, ev.Trap, p.stderr)
			default:
				return fmt.Errorf("run stopped unexpectedly: %v", ev.Kind)
			}
			break
		}
		p.entries = p.entries[1:]
	}
	return nil
}

func exitStatus(code uint32) error {
	if code == 0 {
		return nil
	}
	return &exitError{int(code)}
}

// checkpoint writes an image of the current state into the checkpoint
// directory, atomically, named by the counter.
func (p *process) checkpoint() error {
	s, err := p.machine.Snapshot()
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	s.Host = p.host.State()
	dir := p.checkpoints.dir
	if dir == "" {
		dir = "."
	}
	name := filepath.Join(dir, fmt.Sprintf("checkpoint-%012d.wdb", s.Counter))
	if fl := p.checkpoints.fork; fl != nil {
		name = strings.TrimSuffix(name, ".wdb") + "." + fl.String()
		err = crfork.Export(s, p.mod, p.base, *fl, name)
	} else {
		err = snapshot.WriteFile(name, s, snapshot.EncodeOptions{})
	}
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	fmt.Fprintf(p.stderr, "wdb: checkpoint at counter %d written to %s\n", s.Counter, name)
	return nil
}
