package main

import (
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/internal/enginetest"
)

// Step traces over the WASI corpus: every instruction of the first
// traceAll, then windows of traceWindow single steps from counters
// 2^17, 2^19, ... up to traceLast (a Go program runs 17 to 154 million
// instructions, whose ends TestMigrationMatrix checks).
const (
	traceAll    = 100_000
	traceWindow = 500
	traceFirst  = 1 << 17
	traceLast   = 1 << 23
)

// TestCorpusTraces steps every engine side by side with the reference
// engine on the WASI corpus (the third-party programs, our C programs, Go
// wasip1 programs), each guest in its own world and directories: the same
// counter, PC and typed frames before every step of the traced windows,
// the same output after each window, and the same exit status for the
// programs that end within traceLast. Subtests
// "program/engine"; the reference with itself checks that two of its
// machines step alike.
func TestCorpusTraces(t *testing.T) {
	names := engines.Names()
	for _, p := range corpus(t) {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			progs := compileAll(t, p, names)
			for _, name := range names {
				t.Run(name, func(t *testing.T) {
					corpusTrace(t, p, progs[enginetest.Reference], progs[name])
				})
			}
		})
	}
}

// corpusTrace steps a guest of p on prog side by side with one on the
// reference engine (ref).
func corpusTrace(t *testing.T, p corpusProgram, ref, prog engines.Program) {
	a := newGuest(t, p, ref, fresh(t, p.inv).mounts, p.inv.stdin)
	b := newGuest(t, p, prog, fresh(t, p.inv).mounts, p.inv.stdin)
	same := func(what string) {
		t.Helper()
		if d := enginetest.PositionDiff(a.proc.machine, b.proc.machine); d != "" {
			t.Fatalf("%s: %s: %s", p.name, what, d)
		}
		if a.stdout.String() != b.stdout.String() || a.stderr.String() != b.stderr.String() {
			t.Fatalf("%s: %s: the output differs at counter %d:\n%q\nvs\n%q", p.name, what, a.proc.machine.Counter(), a.stdout.String(), b.stdout.String())
		}
		if (a.end == nil) != (b.end == nil) {
			t.Fatalf("%s: %s: only one of them ended at counter %d", p.name, what, a.proc.machine.Counter())
		}
	}
	step := func(n int) {
		t.Helper()
		for range n {
			ca, cb := a.runTo(a.proc.machine.Counter()+1), b.runTo(b.proc.machine.Counter()+1)
			same("single steps")
			if !ca || !cb {
				return
			}
		}
	}
	a.runTo(0)
	b.runTo(0)
	same("at the start")
	step(traceAll)
	for w := uint64(traceFirst); w <= traceLast && a.end == nil; w *= 4 {
		a.runTo(w)
		b.runTo(w)
		same("a run to a window")
		step(traceWindow)
	}
	if a.end == nil {
		return // a Go program: TestMigrationMatrix checks how it ends
	}
	if a.end.code != b.end.code {
		t.Fatalf("%s: exit status %d vs %d", p.name, a.end.code, b.end.code)
	}
}
