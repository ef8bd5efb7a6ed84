package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	pathpkg "path"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/snapshot/crfork"
	"github.com/wdb-dev/wdb/wasi"
	"github.com/wdb-dev/wdb/wasm"
)

var inspectCommand = &command{
	name:    "inspect",
	summary: "show what a checkpoint image holds",
	usage:   "inspect [--module app.wasm] image|DIR",
	help: `
Print what a checkpoint image holds: the module's hash, the instruction
counter, the engine-neutral call stack with function names, typed locals and
operand stacks, globals, the memory pages in use and the host's descriptors.

A directory DIR is an image of the WAMR / WasmEdge checkpoint-restore forks,
which needs --module app.wasm (the format has neither the module nor the
value types, which come from it): it is shown as wdb imports it, with the
counter 0 and no host state, the format having neither.

  wdb inspect checkpoint-000000100000.wdb
  wdb inspect --module loop.wasm loop-wamr-a`,
	run: func(c *command, args []string, stdout, stderr io.Writer) error {
		fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
		module := fs.String("module", "", "for a fork image `DIR`: the app.wasm it was taken from")
		if done, err := parseFlags(c, fs, args, stdout, stderr); done {
			return err
		}
		args = fs.Args()
		if len(args) != 1 {
			fmt.Fprintln(stderr, "wdb inspect: usage: wdb inspect [--module app.wasm] image|DIR")
			return errUsage
		}
		if st, err := os.Stat(args[0]); err == nil && st.IsDir() {
			return inspectForkImage(args[0], *module, stdout)
		}
		return inspectImage(args[0], stdout)
	},
}

// inspectForkImage shows a fork image as wdb imports it: the base state
// it needs (what the format does not carry) is that of the module freshly
// instantiated.
func inspectForkImage(dir, module string, w io.Writer) error {
	mod, err := forkModule(dir, module)
	if err != nil {
		return err
	}
	p, err := newProcess(module, mod, "standard", engines.Options{}, wasi.Config{NoLog: true}, "", nil)
	if err != nil {
		return err
	}
	defer p.host.Close()
	base, err := p.machine.Snapshot()
	if err != nil {
		return err
	}
	s, err := crfork.Import(dir, mod, base)
	if err != nil {
		return err
	}
	s.Module = nil // Import put it there; the image does not hold it
	fmt.Fprintf(w, "format:   WAMR / WasmEdge fork image, module %s\n", module)
	return printImage(dir, s, mod, w)
}

func inspectImage(path string, w io.Writer) error {
	s, err := snapshot.ReadFile(path)
	if err != nil {
		return err
	}
	var mod *wasm.Module
	if s.Module != nil {
		if mod, err = wasm.Load(s.Module); err != nil {
			return fmt.Errorf("%s: the module inside the image: %w", path, err)
		}
	}
	return printImage(path, s, mod, w)
}

// printImage shows state s, read from path; mod (nil if unknown) names
// its functions, locals and globals.
func printImage(path string, s *snapshot.Snapshot, mod *wasm.Module, w io.Writer) error {
	name := func(fn uint32) string {
		if mod != nil && int(fn) < len(mod.Funcs) {
			return mod.Funcs[fn].DisplayName()
		}
		return fmt.Sprintf("func[%d]", fn)
	}
	fmt.Fprintf(w, "image:    %s\n", path)
	fmt.Fprintf(w, "module:   sha256:%x", s.ModuleHash)
	if s.Module != nil {
		fmt.Fprintf(w, " (%d bytes, included)\n", len(s.Module))
	} else if mod != nil {
		fmt.Fprintf(w, " (not included: given with --module)\n")
	} else {
		fmt.Fprintf(w, " (not included: resume with --module)\n")
	}
	fmt.Fprintf(w, "counter:  %d\n", s.Counter)
	fmt.Fprintf(w, "frames:   %d\n", len(s.Frames))
	for i := len(s.Frames) - 1; i >= 0; i-- {
		f := s.Frames[i]
		fmt.Fprintf(w, "  #%d %s at 0x%06x\n", len(s.Frames)-1-i, name(f.Func), f.PC)
		for j, v := range f.Locals {
			local := ""
			if mod != nil && int(f.Func) < len(mod.Funcs) {
				local = mod.Funcs[f.Func].LocalNames[uint32(j)]
			}
			if local != "" {
				local = " " + local
			}
			fmt.Fprintf(w, "     local %d%s = %v\n", j, local, v)
		}
		for j, v := range f.Stack {
			fmt.Fprintf(w, "     stack %d = %v\n", j, v)
		}
		for j, l := range f.Labels {
			fmt.Fprintf(w, "     label %d: %v from 0x%x, arity %d, height %d, continues at 0x%x\n", j, l.Kind, l.Start, l.Arity, l.Height, l.Cont)
		}
	}
	fmt.Fprintf(w, "globals:  %d\n", len(s.Globals))
	for i, g := range s.Globals {
		global := ""
		if mod != nil && mod.GlobalNames[uint32(i)] != "" {
			global = " $" + mod.GlobalNames[uint32(i)]
		}
		fmt.Fprintf(w, "  global %d%s = %v\n", i, global, g)
	}
	for i, m := range s.Memories {
		used := 0
		for _, p := range m.Pages {
			if p != nil {
				used++
			}
		}
		max := "none"
		if m.HasMax {
			max = fmt.Sprint(m.Max)
		}
		fmt.Fprintf(w, "memory %d: %d pages (max %s), %d not all zero\n", i, m.Size, max, used)
	}
	for i, t := range s.Tables {
		fmt.Fprintf(w, "table %d:  %v, %d elements\n", i, t.Type, len(t.Elems))
	}
	if len(s.DroppedData)+len(s.DroppedElem) > 0 {
		fmt.Fprintf(w, "dropped:  data %v, elem %v\n", s.DroppedData, s.DroppedElem)
	}
	if h := s.Host; h != nil {
		fmt.Fprintf(w, "host:     args %q, %d env vars, log position %d\n", h.Args, len(h.Env), h.LogPosition)
		if h.Exited {
			fmt.Fprintf(w, "          exited with status %d\n", h.ExitCode)
		}
		for _, f := range h.Files {
			switch {
			case f.Kind == snapshot.FilePreopen:
				fmt.Fprintf(w, "  fd %d: preopen %q (host %s)\n", f.FD, f.GuestPath, f.HostDir)
			case f.Kind <= snapshot.FileStderr:
				fmt.Fprintf(w, "  fd %d: %s\n", f.FD, fileKindName(f.Kind))
			default:
				fmt.Fprintf(w, "  fd %d: %s %q offset %d\n", f.FD, fileKindName(f.Kind), pathpkg.Join(f.PreopenPath, f.GuestPath), f.Offset)
			}
		}
	}
	return nil
}

func fileKindName(k snapshot.FileKind) string {
	switch k {
	case snapshot.FileStdin:
		return "stdin"
	case snapshot.FileStdout:
		return "stdout"
	case snapshot.FileStderr:
		return "stderr"
	case snapshot.FilePreopen:
		return "preopen"
	case snapshot.FileRegular:
		return "file"
	case snapshot.FileDirectory:
		return "directory"
	}
	return fmt.Sprintf("kind(%d)", k)
}
