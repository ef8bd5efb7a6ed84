// Command wdb is a time-travel debugger for WebAssembly.
//
//	wdb [flags] app.wasm [args...]     debug app.wasm interactively
//	wdb run [flags] app.wasm [args...] run app.wasm
//	wdb inspect image                  show what a checkpoint image holds
//	wdb engines                        list the interpreters
//
// See `wdb help` and `wdb help COMMAND`.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/wdb-dev/wdb/engines"
	_ "github.com/wdb-dev/wdb/engines/fast"
	_ "github.com/wdb-dev/wdb/engines/standard"
	_ "github.com/wdb-dev/wdb/engines/threaded"
)

// command is one subcommand of wdb.
type command struct {
	name    string
	summary string
	usage   string // the usage line after "wdb "
	help    string // the long description, flags are appended
	// flags returns the command's flag set (nil: no flags). run parses
	// args with it itself.
	flags func() *flag.FlagSet
	run   func(c *command, args []string, stdout, stderr io.Writer) error
}

var commands []*command

func init() {
	commands = []*command{debugCommand, runCommand, resumeCommand, inspectCommand, dapCommand, enginesCommand, versionCommand}
}

// exitError carries the exit status wdb must end with.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	os.Exit(mainWithStatus(os.Args[1:], os.Stdout, os.Stderr))
}

// mainWithStatus runs wdb with args and returns the process exit status.
func mainWithStatus(args []string, stdout, stderr io.Writer) int {
	err := dispatch(args, stdout, stderr)
	var exit *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.code
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(stderr, "wdb: %v\n", err)
		return 1
	}
}

var errUsage = errors.New("usage")

// parseFlags parses a command's flags. done is true when the command must
// end at once with err: -h shows the command's help on stdout, and a bad
// flag is reported in one line with a pointer to the help.
func parseFlags(c *command, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (done bool, err error) {
	fs.SetOutput(io.Discard)
	switch err := fs.Parse(args); {
	case err == nil:
		return false, nil
	case errors.Is(err, flag.ErrHelp):
		printCommandHelp(stdout, c)
		return true, nil
	default:
		fmt.Fprintf(stderr, "wdb %s: %v (see `wdb help %s`)\n", c.name, err, c.name)
		return true, errUsage
	}
}

func dispatch(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		printUsage(stderr)
		return errUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 && args[0] == "help" {
			c := lookup(args[1])
			if c == nil {
				fmt.Fprintf(stderr, "wdb: unknown command %q\n", args[1])
				return errUsage
			}
			printCommandHelp(stdout, c)
			return nil
		}
		printUsage(stdout)
		return nil
	}
	if c := lookup(args[0]); c != nil {
		return c.run(c, args[1:], stdout, stderr)
	}
	if isDebugInvocation(args[0]) {
		return debugCommand.run(debugCommand, args, stdout, stderr)
	}
	fmt.Fprintf(stderr, "wdb: unknown command %q (see `wdb --help`)\n", args[0])
	return errUsage
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func printUsage(w io.Writer) {
	fmt.Fprintf(w, `wdb is a time-travel debugger for WebAssembly.

Usage:
  wdb COMMAND [flags] [arguments]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, `
Engines: %s (choose with --engine; see `+"`wdb engines`"+`).

Run `+"`wdb help COMMAND`"+` for a command's flags.
`, strings.Join(engines.Names(), ", "))
}

func printCommandHelp(w io.Writer, c *command) {
	fmt.Fprintf(w, "Usage: wdb %s\n\n%s\n", c.usage, strings.TrimSpace(c.help))
	if c.flags == nil {
		return
	}
	if fs := c.flags(); fs != nil {
		fmt.Fprintln(w, "\nFlags:")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}

var versionCommand = &command{
	name:    "version",
	summary: "print wdb's version",
	usage:   "version",
	help:    "Print the version of wdb and the engines it contains.",
	run: func(c *command, args []string, stdout, stderr io.Writer) error {
		fmt.Fprintf(stdout, "wdb %s (engines: %s)\n", version, strings.Join(engines.Names(), ", "))
		return nil
	},
}

const version = "0.1.0-dev"

var enginesCommand = &command{
	name:    "engines",
	summary: "list the interpreters wdb can run a module on",
	usage:   "engines",
	help:    "List the interpreters. Every one of them can take over a running program from any other.",
	run: func(c *command, args []string, stdout, stderr io.Writer) error {
		for _, n := range engines.Names() {
			fmt.Fprintf(stdout, "%-10s %s\n", n, engineDescriptions[n])
		}
		return nil
	},
}

var engineDescriptions = map[string]string{
	"standard": "spec-following stack interpreter, modelled on WasmEdge (the reference)",
	"fast":     "register interpreter over rewritten code, modelled on WAMR's fast interpreter",
	"threaded": "threaded operations with the top of stack in a register, modelled on Wasm3",
}
