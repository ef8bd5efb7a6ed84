package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/wdb-dev/wdb/dap"
)

var dapCommand = &command{
	name:    "dap",
	summary: "serve the Debug Adapter Protocol (VS Code) on stdio or TCP",
	usage:   "dap [--listen ADDR]",
	help: `
Serve the Debug Adapter Protocol, as VS Code's wdb extension starts it:
one debug session on stdin and stdout, or, with --listen, a TCP server
that serves one session per connection until it is stopped. The client's
launch request names the program (or its attach request a checkpoint
image); see docs/vscode.md. Diagnostics go to stderr.

  wdb dap
  wdb dap --listen 127.0.0.1:4711`,
	flags: func() *flag.FlagSet { fs, _ := dapFlags(); return fs },
	run: func(c *command, args []string, stdout, stderr io.Writer) error {
		fs, listen := dapFlags()
		if done, err := parseFlags(c, fs, args, stdout, stderr); done {
			return err
		}
		if fs.NArg() != 0 {
			fmt.Fprintf(stderr, "wdb dap: unexpected argument %q (the program is named by the client's launch request)\n", fs.Arg(0))
			return errUsage
		}
		// A client that goes away must end the session, not kill wdb
		// with SIGPIPE halfway through a write.
		signal.Ignore(syscall.SIGPIPE)
		opts := dap.Options{Log: stderr}
		if *listen == "" {
			return dap.Serve(stdio{os.Stdin, stdout}, opts)
		}
		l, err := net.Listen("tcp", *listen)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wdb dap: listening on %s\n", l.Addr())
		return dap.ServeListener(l, opts)
	},
}

func dapFlags() (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("dap", flag.ContinueOnError)
	listen := fs.String("listen", "", "serve on TCP at `ADDR` (host:port), one session per connection, instead of stdio")
	return fs, listen
}

// stdio is the protocol stream of a session on stdin and stdout.
type stdio struct {
	io.Reader
	io.Writer
}
