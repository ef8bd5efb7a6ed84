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
)

// debugOptions are the flags of `wdb [debug] app.wasm`.
type debugOptions struct {
	runOptions
	batch  string
	budget string
}

func (o *debugOptions) flagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("debug", flag.ContinueOnError)
	o.addEngineFlags(fs)
	o.addHostFlags(fs)
	fs.Var(&o.env, "env", "set an environment variable for the guest, as `KEY=VALUE` (repeatable)")
	fs.StringVar(&o.invoke, "invoke", "", "debug a call of this exported `FUNC` with the arguments instead of _start")
	fs.StringVar(&o.batch, "batch", "", "run the commands of `FILE` instead of reading them from the terminal\n(each is echoed; the exit status is 1 if one failed)")
	fs.StringVar(&o.budget, "budget", "512M", "memory for the timeline's snapshots, as a `SIZE` such as 256M or 2G")
	return fs
}

var debugCommand = &command{
	name:    "debug",
	summary: "debug a module interactively (also: wdb [flags] app.wasm)",
	usage:   "[debug] [flags] app.wasm [args...]",
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

Without a terminal (commands piped in) or with --batch FILE, the commands
are run one line at a time and echoed after the prompt; blank lines and
lines starting with # are skipped. A failing command prints its error and
the script goes on; wdb then exits with status 1.

  wdb testdata/wasi/compute.wasm
  wdb --engine fast --dir ./data:/data app.wasm input.txt
  echo -e "break hanoi\ncontinue\nbacktrace" | wdb testdata/wasi/compute.wasm`,
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
		return debugModule(&o, fs.Arg(0), fs.Args()[1:], stdout, stderr)
	},
}

// isDebugInvocation reports whether `wdb ARGS` (no known command) means
// debugging: a flag, a .wasm file or an existing file.
func isDebugInvocation(arg string) bool {
	if strings.HasPrefix(arg, "-") || strings.HasSuffix(arg, ".wasm") {
		return true
	}
	st, err := os.Stat(arg)
	return err == nil && st.Mode().IsRegular()
}

func debugModule(o *debugOptions, path string, args []string, stdout, stderr io.Writer) error {
	budget, err := debugger.ParseSize(o.budget)
	if err != nil {
		return fmt.Errorf("--budget %w", err)
	}
	mod, err := loadModule(path)
	if err != nil {
		return err
	}
	guestArgs := args
	if o.invoke == "" {
		guestArgs = append([]string{filepath.Base(path)}, args...)
	}
	r := repl.New(repl.Options{Stdin: os.Stdin, Stdout: stdout, Stderr: stderr, Batch: o.batch})
	host, err := o.hostConfig(guestArgs, r.GuestStdout(), r.GuestStderr())
	if err != nil {
		return err
	}
	host.Stdin = r.GuestStdin()
	host.NoLog = false // going back in time replays the host calls
	var invokeArgs []string
	if o.invoke != "" {
		invokeArgs = args
	}
	s, err := debugger.New(debugger.Config{
		Path: path, Module: mod, Engine: o.engine, Options: o.engineOptions(),
		WASI: host, Invoke: o.invoke, Args: invokeArgs, Budget: budget,
	})
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
