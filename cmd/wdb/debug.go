package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/wdb-dev/wdb/debugger"
	"github.com/wdb-dev/wdb/repl"
	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/snapshot/crfork"
)

// debugOptions are the flags of `wdb [debug] app.wasm`.
type debugOptions struct {
	runOptions
	batch      string
	budget     string
	module     string
	sourceDirs listFlag
}

func (o *debugOptions) flagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("debug", flag.ContinueOnError)
	o.addEngineFlags(fs)
	o.addHostFlags(fs)
	fs.Var(&o.env, "env", "set an environment variable for the guest, as `KEY=VALUE` (repeatable)")
	fs.StringVar(&o.invoke, "invoke", "", "debug a call of this exported `FUNC` with the arguments instead of _start")
	fs.StringVar(&o.batch, "batch", "", "run the commands of `FILE` instead of reading them from the terminal\n(each is echoed; the exit status is 1 if one failed)")
	fs.StringVar(&o.budget, "budget", "512M", "memory for the timeline's snapshots, as a `SIZE` such as 256M or 2G")
	fs.Var(&o.sourceDirs, "source-dir", "look for source files in `DIR` too (repeatable); they are first looked for\nat the path the DWARF line table gives and beside the module")
	fs.StringVar(&o.module, "module", "", "when opening a checkpoint image or a fork image directory: the `app.wasm` it was taken from\n(needed when the image does not include it; refused if it is not that module)")
	return fs
}

var debugCommand = &command{
	name:    "debug",
	summary: "debug a module interactively (also: wdb [flags] app.wasm)",
	usage:   "[debug] [flags] app.wasm [args...] | [debug] [flags] [--module app.wasm] image|DIR",
	help: `
Start app.wasm under the debugger, stopped before its first instruction (of
its start function if it has one, else of _start, or of --invoke FUNC), and
read commands: breakpoints, stepping forwards and backwards in time,
watchpoints, the call stack, locals, the typed operand stack, globals and
memory, switching engines in the middle of the run, checkpoints. Type
"help" at the (wdb) prompt for the commands (docs/commands.md describes
them all).

At a terminal, the prompt has line editing, history (kept in $WDB_HISTORY,
else in the user's configuration directory, wdb/history) and tab
completion; an empty line repeats the last step or continue; Ctrl-C stops
the running program and returns to the prompt; Ctrl-C at the prompt clears
the line and Ctrl-D quits. The program's stdin, stdout and stderr are the
terminal's.

Given a checkpoint image instead of a module (written by ` + "`wdb run --checkpoint-*`" + `
or the checkpoint save command), the debugger opens it stopped where it was
taken, as ` + "`wdb resume`" + ` would continue it; the timeline starts there. A
directory DIR is an image of the WAMR / WasmEdge checkpoint-restore forks
(frame.img, stack1.img, ...), which needs --module app.wasm; the fork
format has no instruction counter (the timeline starts at 0) and no WASI
state (stdio is simply open).

Without a terminal (commands piped in) or with --batch FILE, the commands
are run one line at a time and echoed after the prompt; blank lines and
lines starting with # are skipped. A failing command prints its error and
the script goes on; wdb then exits with status 1.

  wdb testdata/wasi/compute.wasm
  wdb --engine fast --dir ./data:/data app.wasm input.txt
  echo -e "break hanoi\ncontinue\nbacktrace" | wdb testdata/wasi/compute.wasm
  wdb checkpoint-000000100000.wdb
  wdb --module app.wasm checkpoint-000000100000.wamr`,
	flags: func() *flag.FlagSet { return new(debugOptions).flagSet() },
	run: func(c *command, args []string, stdout, stderr io.Writer) error {
		var o debugOptions
		fs := o.flagSet()
		if done, err := parseFlags(c, fs, args, stdout, stderr); done {
			return err
		}
		if fs.NArg() == 0 {
			fmt.Fprintln(stderr, "wdb debug: missing module (usage: wdb [flags] app.wasm [args...])")
			return errUsage
		}
		if isImage(fs.Arg(0)) && (fs.NArg() > 1 || o.invoke != "") {
			fmt.Fprintf(stderr, "wdb debug: %s is a checkpoint image, which holds where the program is: no --invoke or program arguments\n", fs.Arg(0))
			return errUsage
		}
		return debugModule(&o, fs.Arg(0), fs.Args()[1:], stdout, stderr)
	},
}

// isDebugInvocation reports whether `wdb ARGS` (no known command) means
// debugging: a flag, a .wasm file, an existing file or a fork image.
func isDebugInvocation(arg string) bool {
	if strings.HasPrefix(arg, "-") || strings.HasSuffix(arg, ".wasm") || crfork.IsImage(arg) {
		return true
	}
	st, err := os.Stat(arg)
	return err == nil && st.Mode().IsRegular()
}

// isImage reports whether path is a checkpoint image rather than a module:
// a directory (a fork image, or a mistake crfork's reader reports) or a
// file that starts as wdb's images do.
func isImage(path string) bool {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return true
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, len(snapshot.Magic))
	_, err = io.ReadFull(f, head)
	return err == nil && string(head) == snapshot.Magic
}

func debugModule(o *debugOptions, path string, args []string, stdout, stderr io.Writer) error {
	budget, err := debugger.ParseSize(o.budget)
	if err != nil {
		return fmt.Errorf("--budget %w", err)
	}
	image := isImage(path)
	if o.module != "" && !image {
		return fmt.Errorf("%s: --module is for opening a checkpoint image, and this is not one", path)
	}
	guestArgs := args
	if o.invoke == "" && !image {
		guestArgs = append([]string{filepath.Base(path)}, args...)
	}
	r := repl.New(repl.Options{Stdin: os.Stdin, Stdout: stdout, Stderr: stderr, Batch: o.batch})
	host, err := o.hostConfig(guestArgs, r.GuestStdout(), r.GuestStderr())
	if err != nil {
		return err
	}
	host.Stdin = r.GuestStdin()
	host.NoLog = false // going back in time replays the host calls
	cfg := debugger.Config{Path: path, Engine: o.engine, Options: o.engineOptions(), WASI: host, Budget: budget, SourceDirs: o.sourceDirs}
	var s *debugger.Session
	if image {
		s, err = openImage(cfg, path, o.module)
	} else {
		s, err = startModule(cfg, o.invoke, args)
	}
	if err != nil {
		return err
	}
	defer s.Close()
	if err := r.Run(s); errors.Is(err, repl.ErrCommandsFailed) {
		return &exitError{1}
	} else if err != nil {
		return err
	}
	return nil
}

// startModule starts the module at cfg.Path stopped before its first
// instruction.
func startModule(cfg debugger.Config, invoke string, args []string) (*debugger.Session, error) {
	mod, err := loadModule(cfg.Path)
	if err != nil {
		return nil, err
	}
	cfg.Module, cfg.Invoke = mod, invoke
	if invoke != "" {
		cfg.Args = args
	}
	return debugger.New(cfg)
}

// openImage opens the image at path stopped at its PC: a fork image
// directory, whose module is the file module, or a wdb image.
func openImage(cfg debugger.Config, path, module string) (*debugger.Session, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		mod, err := forkModule(path, module)
		if err != nil {
			return nil, err
		}
		cfg.Path, cfg.Module = module, mod
		return debugger.OpenFork(cfg, path)
	}
	img, err := snapshot.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if cfg.Module, cfg.Path, err = imageModule(img, path, module); err != nil {
		return nil, err
	}
	return debugger.Open(cfg, img)
}
