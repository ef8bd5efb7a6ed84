package wasi_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/wasi"
	"github.com/wdb-dev/wdb/wasm"
)

// checkpoint is a snapshot taken during a live run, with what the outside
// world looked like then.
type checkpoint struct {
	snap      *snapshot.Snapshot
	stdoutLen int
	dataDir   string // a copy of the preopened directory
}

// copyDir copies the directory tree src into a new temporary directory.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestTimeTravel runs programs that read files, the clocks and random
// numbers through travel.
func TestTimeTravel(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string // in the output
	}{
		{"fileio", nil, "read 5 lines (51 bytes) from /data/input.txt\nwrote 83 bytes to /data/output.txt\nheader: lines:    5\n"},
		{"clockrand", nil, "monotonic clock ok: yes\nrealtime after 2020: yes\nrandom bytes vary: yes\n"},
		{"args", []string{"x", "y"}, "WDB=1"},
		{"hello", nil, "hello"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mod := loadModule(t, filepath.Join("..", "testdata", "wasi", tc.name+".wasm"))
			travel(t, mod, append([]string{tc.name}, tc.args...), filepath.Join("..", "testdata", "wasi", "data"), tc.want)
		})
	}
}

// travel runs mod with a copy of dataDir preopened as /data, taking
// snapshots along the way. Then:
//   - replay: each snapshot is restored into the same machine and run to
//     the end with the host in Replay mode; the final memory must be
//     identical, nothing printed again and no file touched (the files are
//     deleted first);
//   - resume: each snapshot, with its host state, is restored into a new
//     machine and a new host over a copy of the files as they were, and
//     run to the end: the output must be the uninterrupted run's.
func travel(t *testing.T, mod *wasm.Module, args []string, dataDir, want string) {
	data := copyDir(t, dataDir)
	cfg := func(dir string, stdout *bytes.Buffer) wasi.Config {
		return wasi.Config{
			Args:     args,
			Env:      []string{"WDB=1"},
			Preopens: []wasi.Preopen{{HostDir: dir, GuestPath: "/data"}},
			Stdout:   stdout,
			Stderr:   stdout,
		}
	}

	// How long is the run?
	var probe bytes.Buffer
	h0, err := wasi.New(cfg(copyDir(t, data), &probe))
	if err != nil {
		t.Fatal(err)
	}
	defer h0.Close()
	vm0 := instance(t, mod, h0)
	code := finish(t, vm0, &probe)
	total := vm0.Counter()
	if !strings.Contains(probe.String(), want) {
		t.Fatalf("output:\n%s\nwant it to contain:\n%s", probe.String(), want)
	}

	// The live run, with checkpoints.
	var stdout bytes.Buffer
	h, err := wasi.New(cfg(data, &stdout))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	vm := instance(t, mod, h)
	var cps []checkpoint
	step := max(total/7, 1)
	for {
		ev := vm.Run(engines.Stop{Limit: vm.Counter() + step})
		if ev.Kind != engines.LimitReached {
			if ev.Kind == engines.Trapped || (ev.Kind == engines.Exited && ev.ExitCode != code) ||
				(ev.Kind == engines.Done && code != 0) {
				t.Fatalf("live run ended with %v (exit %d, trap %v)", ev.Kind, ev.ExitCode, ev.Trap)
			}
			break
		}
		s, err := vm.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		s.Host = h.State()
		cps = append(cps, checkpoint{s, stdout.Len(), copyDir(t, data)})
	}
	if stdout.String() != probe.String() {
		t.Fatalf("stopping changed the output:\n%s\nvs\n%s", stdout.String(), probe.String())
	}
	output := stdout.String()
	finalMem := slices.Clone(vm.Memory(0).Data)
	finalCounter := vm.Counter()
	finalFile, _ := os.ReadFile(filepath.Join(data, "output.txt"))
	if len(cps) < 3 {
		t.Fatalf("only %d checkpoints over %d instructions", len(cps), total)
	}
	if h.Log().Len() == 0 {
		t.Fatal("nothing recorded")
	}

	// Replay, with the files gone.
	for _, f := range []string{"input.txt", "output.txt"} {
		os.Remove(filepath.Join(data, f))
	}
	replayed := 0
	for _, cp := range cps {
		if err := vm.Restore(cp.snap); err != nil {
			t.Fatal(err)
		}
		h.Seek(cp.snap.Counter)
		if h.Log().Find(cp.snap.Counter) < h.Log().Len() && h.Mode() != wasi.Replay {
			t.Fatalf("counter %d: not replaying after Seek", cp.snap.Counter)
		}
		replayed++
		if st := h.State(); snapshot.Diff(&snapshot.Snapshot{Host: st}, &snapshot.Snapshot{Host: cp.snap.Host}) != "" {
			t.Errorf("counter %d: host state after Seek differs: %s", cp.snap.Counter,
				snapshot.Diff(&snapshot.Snapshot{Host: st}, &snapshot.Snapshot{Host: cp.snap.Host}))
		}
		got := finish(t, vm, &stdout)
		switch {
		case got != code:
			t.Errorf("replay from %d: exit %d, want %d", cp.snap.Counter, got, code)
		case stdout.String() != output:
			t.Errorf("replay from %d printed again:\n%s", cp.snap.Counter, stdout.String()[len(output):])
		case vm.Counter() != finalCounter:
			t.Errorf("replay from %d ended at counter %d, want %d", cp.snap.Counter, vm.Counter(), finalCounter)
		case !bytes.Equal(vm.Memory(0).Data, finalMem):
			t.Errorf("replay from %d: final memory differs", cp.snap.Counter)
		case h.Mode() != wasi.Live:
			t.Errorf("replay from %d: still replaying at the end", cp.snap.Counter)
		}
	}
	t.Logf("%d instructions, %d host calls, %d checkpoints replayed", finalCounter, h.Log().Len(), replayed)
	if _, err := os.Stat(filepath.Join(data, "output.txt")); !os.IsNotExist(err) {
		t.Errorf("replay wrote output.txt")
	}

	// Resume elsewhere.
	for _, cp := range cps {
		var out bytes.Buffer
		out.WriteString(output[:cp.stdoutLen])
		h2, err := wasi.New(cfg(cp.dataDir, &out))
		if err != nil {
			t.Fatal(err)
		}
		vm2 := instance(t, mod, h2)
		if err := vm2.Restore(cp.snap); err != nil {
			t.Fatal(err)
		}
		if err := h2.Restore(cp.snap.Host); err != nil {
			t.Fatal(err)
		}
		got := finish(t, vm2, &out)
		if got != code || out.String() != output {
			t.Errorf("resumed at %d: exit %d, output:\n%s\nwant exit %d, output:\n%s", cp.snap.Counter, got, out.String(), code, output)
		}
		if file, _ := os.ReadFile(filepath.Join(cp.dataDir, "output.txt")); !bytes.Equal(file, finalFile) {
			t.Errorf("resumed at %d: output.txt is\n%s\nwant\n%s", cp.snap.Counter, file, finalFile)
		}
		h2.Close()
	}
}
