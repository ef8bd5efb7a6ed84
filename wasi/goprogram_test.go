package wasi_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/wdb-dev/wdb/wasi"
)

// TestGoProgram runs a Go program built for wasip1 (testdata/gowasi):
// Go's runtime uses much of WASI (poll_oneoff for its timers, fdstat,
// readdir cookies, O_APPEND through fdflags), then time-travels in it.
func TestGoProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go program")
	}
	bin := filepath.Join(t.TempDir(), "gowasi.wasm")
	build := exec.Command("go", "build", "-o", bin, "./testdata/gowasi")
	build.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	mod := loadModule(t, bin)

	const want = `args: [/data]
env: hi
read: "alpha\nbeta\n" <nil>
mkdir: <nil>
create: <nil>
readdir: a.txt,sub <nil>
rename: <nil>
stat: 11 true <nil>
escape refused: true
goroutines: [0 1 4 9 16 25 36 49]
slept: true
`
	var out bytes.Buffer
	h, err := wasi.New(wasi.Config{
		Args: []string{"gowasi", "/data"}, Env: []string{"GREETING=hi"},
		Preopens: []wasi.Preopen{{HostDir: t.TempDir(), GuestPath: "/data"}},
		Stdout:   &out, Stderr: &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if code := finish(t, instance(t, mod, h), &out); code != 7 || out.String() != want {
		t.Fatalf("exit %d, output:\n%s\nwant exit 7, output:\n%s", code, out.String(), want)
	}

	t.Run("time travel", func(t *testing.T) {
		travel(t, mod, []string{"gowasi", "/data"}, t.TempDir(), "goroutines: [0 1 4 9 16 25 36 49]")
	})
}
