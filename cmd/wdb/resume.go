package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/snapshot/crfork"
	"github.com/wdb-dev/wdb/wasm"
)

type resumeOptions struct {
	runOptions
	module string
}

func (o *resumeOptions) flagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("resume", flag.ContinueOnError)
	o.addEngineFlags(fs)
	o.addHostFlags(fs)
	fs.StringVar(&o.module, "module", "", "take the module from this `app.wasm` (needed when the image does not include it;\nrefused if it is not the module the image was taken from)")
	o.addCheckpointFlags(fs)
	return fs
}

var resumeCommand = &command{
	name:    "resume",
	summary: "continue a program from a checkpoint image",
	usage:   "resume [flags] image|DIR",
	help: `
Continue a program from a checkpoint image written by ` + "`wdb run --checkpoint-*`" + `
or by the debugger, on any engine, on this or another machine. The image
holds the module, the complete engine-neutral state and the WASI state:
arguments, environment and open files, which are reopened from the
directories given with --dir (matched by their guest names) at the offsets
they had. A file that cannot be reopened is an error before anything runs.

A directory DIR is an image of the WAMR / WasmEdge checkpoint-restore forks
(frame.img, stack1.img, ...), as they write on SIGINT or ` + "`wdb run --checkpoint-format`" + `
writes; it needs --module app.wasm, the module that was
running. The fork format has no instruction counter (it restarts at 0) and
no WASI state (stdio is simply open).`,
	flags: func() *flag.FlagSet { return new(resumeOptions).flagSet() },
	run: func(c *command, args []string, stdout, stderr io.Writer) error {
		var o resumeOptions
		fs := o.flagSet()
		if done, err := parseFlags(c, fs, args, stdout, stderr); done {
			return err
		}
		if fs.NArg() != 1 {
			fmt.Fprintln(stderr, "wdb resume: want exactly one image (usage: wdb resume [flags] image)")
			return errUsage
		}
		return resumeImage(&o, fs.Arg(0), stdout, stderr)
	},
}

func resumeImage(o *resumeOptions, path string, stdout, stderr io.Writer) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return resumeForkImage(o, path, stdout, stderr)
	}
	s, err := snapshot.ReadFile(path)
	if err != nil {
		return err
	}
	mod, modPath, err := imageModule(s, path, o.module)
	if err != nil {
		return err
	}
	cfg, err := o.hostConfig(nil, stdout, stderr)
	if err != nil {
		return err
	}
	p, err := newProcess(modPath, mod, o.engine, o.engineOptions(), cfg, "", nil)
	if err != nil {
		return err
	}
	if err := p.setCheckpoints(o.checkpoints); err != nil {
		return err
	}
	p.stdout, p.stderr = stdout, stderr
	if err := p.restore(s); err != nil {
		p.host.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if s.Host != nil && s.Host.Exited {
		p.host.Close()
		return exitStatus(s.Host.ExitCode)
	}
	return p.run(len(s.Frames) > 0)
}

// resumeForkImage continues from an image of the WAMR / WasmEdge forks.
func resumeForkImage(o *resumeOptions, dir string, stdout, stderr io.Writer) error {
	mod, err := forkModule(dir, o.module)
	if err != nil {
		return err
	}
	cfg, err := o.hostConfig(nil, stdout, stderr)
	if err != nil {
		return err
	}
	p, err := newProcess(o.module, mod, o.engine, o.engineOptions(), cfg, "", nil)
	if err != nil {
		return err
	}
	base, err := p.machine.Snapshot()
	if err == nil {
		p.base = base
		err = p.setCheckpoints(o.checkpoints)
	}
	var s *snapshot.Snapshot
	if err == nil {
		s, err = crfork.Import(dir, mod, base)
	}
	if err == nil {
		err = p.restore(s)
	}
	if err != nil {
		p.host.Close()
		return err
	}
	p.stdout, p.stderr = stdout, stderr
	return p.run(true)
}

// imageModule is the module of the wdb image img read from path: the one
// it holds, or the file module (--module), which must be the one the
// image was taken from and then replaces it in img. It returns the path
// to name the module by in messages.
func imageModule(img *snapshot.Snapshot, path, module string) (*wasm.Module, string, error) {
	modPath := path
	if module != "" {
		b, err := os.ReadFile(module)
		if err != nil {
			return nil, "", err
		}
		if err := img.CheckModule(b); err != nil {
			return nil, "", fmt.Errorf("%s: %w", module, err)
		}
		img.Module, modPath = b, module
	}
	if img.Module == nil {
		return nil, "", fmt.Errorf("%s: the image does not include its module: give it with --module app.wasm", path)
	}
	mod, err := wasm.Load(img.Module)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", modPath, err)
	}
	return mod, modPath, nil
}

// forkModule loads the module of the fork image dir, given as module
// (--module): the format does not include it.
func forkModule(dir, module string) (*wasm.Module, error) {
	if !crfork.IsImage(dir) {
		return nil, fmt.Errorf("%s: a directory, but not a fork image (no frame.img)", dir)
	}
	if module == "" {
		return nil, fmt.Errorf("%s: a fork image does not include its module: give it with --module app.wasm", dir)
	}
	return loadModule(module)
}
