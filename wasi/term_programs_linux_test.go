package wasi_test

import (
	"os"
	"testing"

	"github.com/wdb-dev/wdb/wasi"
)

// TestStdinIsatty: wasi-libc's isatty (zig-cc's stat) says what a native
// program says of its stdin: false for /dev/null, true for a terminal.
func TestStdinIsatty(t *testing.T) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	tty := wasi.OpenPTY(t)
	rest := "stdout isatty: false\nstderr isatty: false\n/ isatty: false\n"
	for _, c := range []struct {
		name  string
		stdin *os.File
		want  string
	}{
		{"/dev/null", null, "stdin isatty: false\n" + rest},
		{"terminal", tty, "stdin isatty: true\n" + rest},
	} {
		t.Run(c.name, func(t *testing.T) {
			runProgram(t, program{
				wasm: wasiTestdata + "zig-cc/wasi.wasm", args: []string{"stat"},
				preopens:  []wasi.Preopen{{HostDir: t.TempDir(), GuestPath: "/"}},
				stdinFile: c.stdin, want: c.want,
			})
		})
	}
}
