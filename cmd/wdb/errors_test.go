package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Modules written byte by byte.
var (
	header = "\x00asm\x01\x00\x00\x00"
	// typeMismatch has one function, () -> i32, whose body is f64.const 0.
	typeMismatch = header +
		"\x01\x05\x01\x60\x00\x01\x7f" + // type section: (func (result i32))
		"\x03\x02\x01\x00" + // function section: func 0 has type 0
		"\x0a\x0d\x01\x0b\x00\x44\x00\x00\x00\x00\x00\x00\x00\x00\x0b" // code: f64.const 0, end
	// trapping exports _start, which calls a function that executes
	// unreachable.
	trapping = header +
		"\x01\x04\x01\x60\x00\x00" + // type section: (func)
		"\x03\x03\x02\x00\x00" + // function section: two functions of type 0
		"\x07\x0a\x01\x06_start\x00\x00" + // export section: func 0 as _start
		"\x0a\x0a\x02\x04\x00\x10\x01\x0b\x03\x00\x00\x0b" // code: call 1, end; unreachable, end
)

// writeFile writes content to a new file named name and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBadModules: a file that is not a module, a truncated one, an
// invalid one and a missing one are each a one-line error that names the
// file and, for modules, the offset.
func TestBadModules(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, content string
		mentions      []string
	}{
		{"text.wasm", "this is not a module\n", []string{"malformed", "offset"}},
		{"empty.wasm", "", []string{"malformed", "offset"}},
		{"truncated.wasm", header + "\x01\x0a\x01\x60", []string{"malformed", "offset"}},
		{"invalid.wasm", typeMismatch, []string{"invalid", "type mismatch", "offset"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, tc.name, tc.content)
			oneLineError(t, wdb(t, "run", path), append(tc.mentions, path)...)
			oneLineError(t, wdb(t, "run", "--invoke", "f", path), append(tc.mentions, path)...)
		})
	}
	missing := filepath.Join(t.TempDir(), "missing.wasm")
	oneLineError(t, wdb(t, "run", missing), missing)
	dir := t.TempDir()
	oneLineError(t, wdb(t, "run", dir), dir)
}

// TestTrap: a trap shows its message, where it happened and a backtrace,
// and wdb exits with status 134.
func TestTrap(t *testing.T) {
	t.Parallel()
	r := wdb(t, "run", writeFile(t, "trap.wasm", trapping))
	noCrash(t, r)
	if r.code != 134 {
		t.Errorf("exit status %d, want 134", r.code)
	}
	// unreachable is at offset 0x29 of the file, in func[1], called from
	// offset 0x24, in func[0].
	for _, s := range []string{`unreachable`, `\b0x0*29\b`, `\b0x0*24\b`, `backtrace`} {
		if !regexp.MustCompile(s).MatchString(r.stderr) {
			t.Errorf("%q missing from:\n%s", s, r.stderr)
		}
	}
}

// TestBadImages: damaged, truncated and foreign images are one-line errors
// naming the image and the offset, from resume and from inspect.
func TestBadImages(t *testing.T) {
	t.Parallel()
	p := cProgram("compute", invocation{})
	run := checkpointRun(t, p, 30000)
	if len(run.checkpoints) == 0 {
		t.Fatal("no image written")
	}
	good, err := os.ReadFile(run.checkpoints[0].image)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(at int) string {
		b := []byte(string(good))
		b[at] ^= 0x10
		return string(b)
	}
	wasmFile, err := os.ReadFile(p.module)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, content string }{
		{"magic", flip(0)},
		{"header", flip(9)},
		{"early", flip(len(good) / 10)},
		{"middle", flip(len(good) / 2)},
		{"checksum", flip(len(good) - 1)},
		{"empty", ""},
		{"truncated-header", string(good[:5])},
		{"truncated-half", string(good[:len(good)/2])},
		{"truncated-last-byte", string(good[:len(good)-1])},
		{"module", string(wasmFile)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			image := writeFile(t, tc.name+".wdb", tc.content)
			oneLineError(t, wdb(t, "resume", image), image, "offset")
			oneLineError(t, wdb(t, "inspect", image), image, "offset")
		})
	}
	missing := filepath.Join(t.TempDir(), "missing.wdb")
	oneLineError(t, wdb(t, "resume", missing), missing)
	oneLineError(t, wdb(t, "inspect", missing), missing)
}

// TestBadCommandLines: unknown commands, missing arguments and bad flag
// values are one-line errors that say what is wrong.
func TestBadCommandLines(t *testing.T) {
	t.Parallel()
	hello := filepath.Join("..", "..", "testdata", "wasi", "hello.wasm")
	missingDir := filepath.Join(t.TempDir(), "nowhere")
	for _, tc := range []struct {
		args     []string
		mentions []string
		// flagError: the flag package follows its one-line error with
		// the list of flags.
		flagError bool
	}{
		{[]string{"frobnicate"}, []string{"frobnicate"}, false},
		{[]string{"help", "frobnicate"}, []string{"frobnicate"}, false},
		{[]string{"run"}, []string{"run", "module"}, false},
		{[]string{"resume"}, []string{"resume", "image"}, false},
		{[]string{"resume", "a.wdb", "b.wdb"}, []string{"resume", "image"}, false},
		{[]string{"inspect"}, []string{"inspect", "image"}, false},
		{[]string{"run", "--env", "NOVALUE", hello}, []string{"NOVALUE"}, false},
		{[]string{"run", "--dir", missingDir, hello}, []string{missingDir}, false},
		{[]string{"run", "--engine", "frobnicate", hello}, []string{"frobnicate"}, false},
		{[]string{"run", "--invoke", "frobnicate", hello}, []string{"frobnicate", hello}, false},
		{[]string{"run", "--checkpoint-every", "many", hello}, []string{"many", "checkpoint-every"}, true},
		{[]string{"resume", "--frobnicate", "a.wdb"}, []string{"frobnicate"}, true},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := wdb(t, tc.args...)
			if tc.flagError {
				r.stderr, _, _ = strings.Cut(r.stderr, "Usage")
			}
			oneLineError(t, r, tc.mentions...)
		})
	}
}
