package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/wasm"
)

// TestInspect checks that `wdb inspect` shows what an image holds, taken
// in the middle of the C program fileio (inside printf, with files open):
// the module's hash, the counter, the frames with function names, typed
// locals, globals, memory pages and descriptors. The image itself, decoded
// by package snapshot, says what must be shown; the hash is computed here.
func TestInspect(t *testing.T) {
	t.Parallel()
	p := cProgram("fileio", invocation{mounts: []mount{{wasiData, "/data"}}})
	run := checkpointRun(t, p, countInstructions(t, p.module, p.inv)/3)
	if len(run.checkpoints) == 0 {
		t.Fatal("no image written")
	}
	ck := run.checkpoints[0]
	r := wdb(t, "inspect", ck.image)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("wdb inspect %s:\n%s", ck.image, r)
	}
	out := r.stdout
	has := func(what, s string) {
		t.Helper()
		if !strings.Contains(out, s) {
			t.Errorf("no %s (%q) in:\n%s", what, s, out)
		}
	}
	// hasLine requires a line with all of parts.
	hasLine := func(what string, parts ...string) {
		t.Helper()
	lines:
		for _, line := range strings.Split(out, "\n") {
			for _, p := range parts {
				if !strings.Contains(line, p) {
					continue lines
				}
			}
			return
		}
		t.Errorf("no line with the %s (%q) in:\n%s", what, parts, out)
	}

	module, err := os.ReadFile(p.module)
	if err != nil {
		t.Fatal(err)
	}
	hash := sha256.Sum256(module)
	has("module hash", hex.EncodeToString(hash[:]))
	hasLine("counter", "counter", strconv.FormatUint(ck.counter, 10))

	s, err := snapshot.ReadFile(ck.image)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := wasm.Load(module)
	if err != nil {
		t.Fatal(err)
	}
	// A WASI command's stack starts at _start, and a C program's runs
	// through main.
	hasLine("entry point", "_start")
	hasLine("main function", "main")
	locals := 0
	for _, f := range s.Frames {
		hasLine("frame", mod.Funcs[f.Func].DisplayName(), fmt.Sprintf("%x", f.PC))
		for _, v := range f.Locals {
			has("local", v.String())
		}
		for _, v := range f.Stack {
			has("operand", v.String())
		}
		locals += len(f.Locals)
	}
	if locals == 0 {
		t.Error("no locals in the image")
	}
	typed := regexp.MustCompile(`(?m)^.*local.*(i32|i64|f32|f64|v128|funcref|externref):`)
	if n := len(typed.FindAllString(out, -1)); n < locals {
		t.Errorf("%d lines show typed locals; the frames have %d locals", n, locals)
	}
	mod, err = wasm.Load(module)
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range s.Globals {
		hasLine("global", "global "+strconv.Itoa(i)+" ", g.String())
		if n := mod.GlobalNames[uint32(i)]; n != "" {
			hasLine("global's name", "global "+strconv.Itoa(i)+" $"+n+" ")
		}
	}
	if len(mod.GlobalNames) == 0 {
		t.Error("the C program's globals have no names (clang names __stack_pointer)")
	}
	if len(s.Memories) != 1 {
		t.Fatalf("%d memories", len(s.Memories))
	}
	hasLine("memory size", "memory", strconv.Itoa(int(s.Memories[0].Size)), "pages")

	regular := 0
	for _, f := range s.Host.Files {
		hasLine("descriptor", strconv.Itoa(int(f.FD)), f.GuestPath)
		if f.Kind == snapshot.FileRegular {
			regular++
		}
	}
	if regular == 0 {
		t.Errorf("the image has no file open: take it elsewhere")
	}
	for _, stdio := range []string{"stdin", "stdout", "stderr", "/data"} {
		has("descriptor", stdio)
	}
}
