package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// wazeroDir is where the wazero module is: it ships the WASI programs of
// other toolchains, and its interpreter is the oracle for WASI programs.
var wazeroDir = sync.OnceValues(func() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/tetratelabs/wazero").Output()
	return strings.TrimSpace(string(out)), err
})

// wazeroFile returns the path of a file of the wazero module.
func wazeroFile(t testing.TB, rel string) string {
	t.Helper()
	dir, err := wazeroDir()
	if err != nil || dir == "" {
		t.Fatalf("locating the wazero module: %v", err)
	}
	return filepath.Join(dir, filepath.FromSlash(rel))
}

// mount is a host directory preopened under a guest path.
type mount struct{ host, guest string }

func (m mount) flag() string { return "--dir=" + m.host + ":" + m.guest }

// invocation is how a WASI program is started: what wdb run gets after
// the module, and the same for any other runtime.
type invocation struct {
	args   []string // after the program's name
	env    []string // KEY=VALUE
	mounts []mount
	stdin  string
}

// wdbRunArgs are the arguments of `wdb run` for module and inv.
func (inv invocation) wdbRunArgs(module string, flags ...string) []string {
	args := append([]string{"run"}, flags...)
	for _, e := range inv.env {
		args = append(args, "--env", e)
	}
	for _, m := range inv.mounts {
		args = append(args, m.flag())
	}
	return append(append(args, module), inv.args...)
}

// runWazero runs the WASI command module under wazero's interpreter, as
// wdb run would: the module's base name as argv[0], then inv.
func runWazero(t testing.TB, module string, inv invocation) result {
	t.Helper()
	b, err := os.ReadFile(module)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	compiled, err := r.CompileModule(ctx, b)
	if err != nil {
		t.Fatalf("wazero: %s: %v", module, err)
	}
	var stdout, stderr bytes.Buffer
	fsConfig := wazero.NewFSConfig()
	for _, m := range inv.mounts {
		fsConfig = fsConfig.WithDirMount(m.host, m.guest)
	}
	config := wazero.NewModuleConfig().
		WithArgs(append([]string{filepath.Base(module)}, inv.args...)...).
		WithStdin(strings.NewReader(inv.stdin)).
		WithStdout(&stdout).WithStderr(&stderr).
		WithFSConfig(fsConfig).
		WithSysWalltime().WithSysNanotime().WithSysNanosleep().
		WithRandSource(rand.Reader)
	for _, e := range inv.env {
		k, v, _ := strings.Cut(e, "=")
		config = config.WithEnv(k, v)
	}
	code := 0
	if _, err := r.InstantiateModule(ctx, compiled, config); err != nil {
		var exit *sys.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("wazero: %s: %v", module, err)
		}
		code = int(exit.ExitCode())
	}
	return result{stdout.String(), stderr.String(), code}
}
