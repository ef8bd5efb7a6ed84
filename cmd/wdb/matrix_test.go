package main

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/internal/enginetest"
	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/wasi"
)

// The migration matrix: every corpus program, checkpointed in this
// process at many counters on every engine, each checkpoint encoded to an
// image, decoded and restored on every engine in a fresh process, which
// must finish exactly as an uninterrupted run does: the rest of its
// output, its exit status, its final memory and globals, its files.
//
// How many migrations run (subtests "program/A-to-B"; -v prints the count
// per program): each ordered pair of engines restores its own sample of
// counters (CounterScan.Pick), as many as migrationCount allows within
// programBudget: 40 per pair for the C programs and the TinyGo ones (128
// KiB of memory), about 20-25 for the Rust and zig-cc ones (1 MiB), 2
// for the Zig ones (16 MiB of memory, which every fresh process
// allocates and fills), 7 for the Go program that panics (2 million
// instructions) and 1 for the other Go programs (17 to 154 million
// instructions): there, the 9 pairs restore 9 different counters. With
// three engines that is about 6300 migrations over 30 programs in about
// 60 s of CPU time; with two, about 3500.

// worldEpoch is the wall-clock time at counter 0 of a run in a world.
var worldEpoch = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// A world makes a run reproducible to the instruction, so that a run
// resumed from a checkpoint can be compared byte for byte, memory
// included, with one that was not interrupted: its clocks read worldEpoch
// plus the machine's counter in nanoseconds (the counter is the same on
// every engine, and a restored machine continues it), random_get returns
// bytes drawn from the counter, and files have no identity but their name
// and no time but worldEpoch (copies of a directory have other inode
// numbers and times). A sleep still waits for real; only what the
// program reads is fixed.
type world struct{ m engines.Machine }

func (w *world) counter() uint64 {
	if w.m == nil {
		return 0
	}
	return w.m.Counter()
}

func (w *world) now() time.Time { return worldEpoch.Add(time.Duration(w.counter())) }

func (w *world) fileMeta(fi fs.FileInfo) wasi.FileMeta {
	h := fnv.New64a()
	h.Write([]byte(fi.Name()))
	t := worldEpoch.UnixNano()
	return wasi.FileMeta{Dev: 1, Ino: h.Sum64(), Nlink: 1, Atim: t, Mtim: t, Ctim: t}
}

func (w *world) Read(p []byte) (int, error) {
	r := rand.New(rand.NewPCG(w.counter(), 0x776462))
	for i := range p {
		p[i] = byte(r.Uint32())
	}
	return len(p), nil
}

// A guest is a corpus program run in this process on one engine, in a
// world, on its own directories, the way `wdb run` and `wdb resume` run
// it (its process) but stoppable at any counter.
type guest struct {
	t              testing.TB
	proc           *process
	stdin          *strings.Reader
	stdout, stderr bytes.Buffer
	mounts         []mount
	// started says whether the first of proc.entries is under way.
	started bool
	// end is set when the program has ended.
	end *guestEnd
}

// guestEnd is how a guest ended: its exit status and its final state.
type guestEnd struct {
	code  int
	final enginetest.Result
}

// newGuest prepares p, compiled as prog, with stdin and the directories
// mounts (which it will change).
func newGuest(t testing.TB, p corpusProgram, prog engines.Program, mounts []mount, stdin string) *guest {
	t.Helper()
	w := &world{}
	g := &guest{t: t, stdin: strings.NewReader(stdin), mounts: mounts}
	cfg := wasi.Config{
		Args: append([]string{filepath.Base(p.module)}, p.inv.args...), Env: p.inv.env,
		Stdin: g.stdin, Stdout: &g.stdout, Stderr: &g.stderr,
		Now: w.now, Rand: w, FileMeta: w.fileMeta, NoLog: true,
	}
	for _, m := range mounts {
		cfg.Preopens = append(cfg.Preopens, wasi.Preopen{HostDir: m.host, GuestPath: m.guest})
	}
	proc, err := startProcess(p.module, prog, cfg, "", nil)
	if err != nil {
		t.Fatalf("%s: %v", p.name, err)
	}
	proc.stdout, proc.stderr = &g.stdout, &g.stderr
	w.m = proc.machine
	g.proc = proc
	t.Cleanup(func() { proc.host.Close() })
	return g
}

// runTo runs the guest until its counter is limit or it reaches a
// breakpoint (true) or the program ends (false), as process.run does:
// each entry function in turn, exit statuses and traps as wdb reports
// them.
func (g *guest) runTo(limit uint64) bool {
	g.t.Helper()
	if g.end != nil {
		return false
	}
	m := g.proc.machine
	last := engines.Event{Kind: engines.Done}
	for len(g.proc.entries) > 0 {
		if !g.started {
			e := g.proc.entries[0]
			if err := m.Start(e.fn, e.args); err != nil {
				g.t.Fatalf("%s: start: %v", m.Engine(), err)
			}
			g.started = true
		}
		ev := m.Run(engines.Stop{Limit: limit})
		switch ev.Kind {
		case engines.LimitReached, engines.Breakpoint:
			return true
		case engines.Done:
			g.proc.entries, g.started, last = g.proc.entries[1:], false, ev
			continue
		case engines.Exited:
			g.ended(ev, int(ev.ExitCode))
		case engines.Trapped:
			err := reportError(g.proc.mod, ev.Trap, &g.stderr)
			g.ended(ev, err.(*exitError).code)
		default:
			g.t.Fatalf("%s: run to counter %d stopped with %v at counter %d", m.Engine(), limit, ev.Kind, m.Counter())
		}
		return false
	}
	g.ended(last, 0)
	return false
}

func (g *guest) ended(ev engines.Event, code int) {
	g.end = &guestEnd{code, enginetest.Final(g.proc.machine, ev)}
}

// finish runs the guest to its end, which must come before counter
// limit (a damaged state may well loop for ever).
func (g *guest) finish(limit uint64) *guestEnd {
	g.t.Helper()
	if g.runTo(limit) {
		g.t.Fatalf("%s: still running at counter %d", g.proc.machine.Engine(), g.proc.machine.Counter())
	}
	return g.end
}

// straight is an uninterrupted run: what it printed, how it ended, its
// directories at the end.
type straight struct {
	stdout, stderr string
	end            *guestEnd
	mounts         []mount
}

func TestMigrationMatrix(t *testing.T) {
	names := engines.Names()
	for _, p := range corpus(t) {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			migrationMatrix(t, p, names)
		})
	}
}

// migrationMatrix runs p straight on the reference engine, chooses the
// counters of each ordered pair of engines, runs p on each engine taking
// the checkpoints its pairs need, and restores them, in subtests
// "A-to-B" (one after the other, so that only a few programs' images are
// in memory at a time).
func migrationMatrix(t *testing.T, p corpusProgram, names []string) {
	progs := compileAll(t, p, names)
	want, scan := referenceRun(t, p, progs[enginetest.Reference])
	total, memory := want.end.final.Counter, 0
	for _, m := range want.end.final.Memories {
		memory += len(m)
	}

	// Each pair samples its own counters (a seed per pair), so that a
	// program with few counters per pair still has many in all.
	n := migrationCount(len(names), memory, total)
	counters := map[[2]string][]uint64{}
	for i, from := range names {
		var all []uint64
		for j, to := range names {
			c := scan.Pick(total, n, uint64(i*len(names)+j))
			counters[[2]string{from, to}] = c
			all = append(all, c...)
		}
		checkpoints := sourceRun(t, p, progs[from], all, want)
		for _, to := range names {
			t.Run(enginetest.PairName(from, to), func(t *testing.T) {
				for _, c := range counters[[2]string{from, to}] {
					restoreAndFinish(t, p, progs[to], checkpoints[c], want)
					if t.Failed() {
						return // the first failure is the one to read
					}
				}
			})
		}
	}
	var checked, distinct int
	seen := map[uint64]bool{}
	for _, cs := range counters {
		checked += len(cs)
		for _, c := range cs {
			if !seen[c] {
				seen[c], distinct = true, distinct+1
			}
		}
	}
	t.Logf("%s: %d migrations checked (%d ordered pairs × %d counters, %d distinct; %d host calls seen), in a run of %d instructions with %d KiB of memory",
		p.name, checked, len(names)*len(names), n, distinct, scan.HostCalls(), total, memory>>10)
}

// compileAll compiles p for each of the engines names.
func compileAll(t *testing.T, p corpusProgram, names []string) map[string]engines.Program {
	t.Helper()
	mod, err := loadModule(p.module)
	if err != nil {
		t.Fatal(err)
	}
	progs := map[string]engines.Program{}
	for _, name := range names {
		e, err := engines.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		if progs[name], err = e.Compile(mod, engines.Options{}); err != nil {
			t.Fatalf("%s on %s: %v", p.name, name, err)
		}
	}
	return progs
}

// The cost of the matrix, in milliseconds of CPU on the machine it was
// tuned on: running an instruction costs about 10 ns (the engines run
// 100-250 million a second); a migration costs about 2 ms besides (a
// process, copies of directories, the comparisons) and 8 ms per MiB of
// memory (a fresh process allocates and fills all of it, and the final
// memory is compared).
const (
	msPerInstruction = 1e-5
	msPerMigration   = 2.0
	msPerMiB         = 8.0
	// programBudget is what one program's matrix may cost, whatever the
	// number of engines.
	programBudget = 2500.0
)

// migrationCount is how many counters each ordered pair of engines
// restores, for a run of total instructions that ends with memory bytes
// of memory: as many as programBudget allows once the reference run and
// one run per engine are paid for, at least 1 and at most 40.
func migrationCount(engines, memory int, total uint64) int {
	fixed := float64(1+engines) * float64(total) * msPerInstruction
	each := msPerMigration + msPerMiB*float64(memory)/(1<<20) + float64(total)/2*msPerInstruction
	return min(40, max(1, int((programBudget-fixed)/(float64(engines*engines)*each))))
}

// Scanning for interesting counters: firstWindow single steps from the
// start, then windows of window steps at counters 2^16, 2^17, 2^18, ...
// (the length of the run is not known yet): some 12000 steps for a Go
// program.
const (
	firstWindow = 6000
	window      = 500
	firstSpaced = 1 << 16
)

// referenceRun runs p straight on the reference engine (prog) and scans
// it for the counters at which to migrate: every host call (found with
// breakpoints), and folded and fused boundaries, calls, returns, loops
// and the deepest point, in windows of single steps over the run (see
// enginetest.CounterScan). The straight run is checked against the runs
// on every engine that take the checkpoints (sourceRun).
func referenceRun(t *testing.T, p corpusProgram, prog engines.Program) (straight, *enginetest.CounterScan) {
	t.Helper()
	scan := enginetest.NewCounterScan(prog.Module())
	g := newGuest(t, p, prog, fresh(t, p.inv).mounts, p.inv.stdin)
	m := g.proc.machine
	m.SetBreakpoints(enginetest.HostCallSites(prog.Module()))
	for w, steps := uint64(0), firstWindow; ; w, steps = max(2*w, firstSpaced), window {
		for m.Counter() < w && g.runTo(w) {
			scan.Observe(m)
		}
		if g.end != nil {
			break
		}
		for range steps {
			if !g.runTo(m.Counter() + 1) {
				break
			}
			scan.Observe(m)
		}
	}
	want := straight{stdout: g.stdout.String(), stderr: g.stderr.String(), end: g.end, mounts: g.mounts}
	return want, scan
}

// A sourceCheckpoint is a checkpoint taken on a source engine: its image
// (with the WASI state, without the module, which `wdb resume --module`
// supplies) and the world at that moment.
type sourceCheckpoint struct {
	counter        uint64
	image          []byte
	stdout, stderr int    // how much had been printed
	stdin          string // what was left to read
	mounts         []mount
}

// sourceRun runs p (compiled as prog) stopping at each counter to take a
// checkpoint, then to the end, which must be the straight run's (taking
// checkpoints changes nothing).
func sourceRun(t *testing.T, p corpusProgram, prog engines.Program, counters []uint64, want straight) map[uint64]*sourceCheckpoint {
	t.Helper()
	src := newGuest(t, p, prog, fresh(t, p.inv).mounts, p.inv.stdin)
	engine := src.proc.machine.Engine()
	out := map[uint64]*sourceCheckpoint{}
	for _, c := range slices.Sorted(slices.Values(counters)) {
		if out[c] != nil {
			continue
		}
		if !src.runTo(c) {
			t.Fatalf("%s on %s ended before counter %d (the straight run has %d instructions)", p.name, engine, c, want.end.final.Counter)
		}
		what := fmt.Sprintf("%s on %s at counter %d", p.name, engine, c)
		if !strings.HasPrefix(want.stdout, src.stdout.String()) || !strings.HasPrefix(want.stderr, src.stderr.String()) {
			t.Fatalf("%s: printed stdout %q, stderr %q; the straight run printed %q, %q",
				what, src.stdout.String(), src.stderr.String(), want.stdout, want.stderr)
		}
		ck := &sourceCheckpoint{counter: c, image: takeCheckpoint(t, src, what),
			stdout: src.stdout.Len(), stderr: src.stderr.Len(), stdin: p.inv.stdin[len(p.inv.stdin)-src.stdin.Len():]}
		for _, m := range src.mounts {
			ck.mounts = append(ck.mounts, mount{copyDir(t, m.host), m.guest})
		}
		out[c] = ck
	}
	compareEnd(t, fmt.Sprintf("%s on %s after %d checkpoints", p.name, engine, len(out)), src, src.finish(want.end.final.Counter+1), want, 0, 0)
	return out
}

// takeCheckpoint takes g's snapshot with its WASI state, as wdb writes it
// to an image, encodes it, decodes it again and requires the same
// snapshot, and returns the image.
func takeCheckpoint(t *testing.T, g *guest, what string) []byte {
	t.Helper()
	s, err := g.proc.machine.Snapshot()
	if err != nil {
		t.Fatalf("%s: snapshot: %v", what, err)
	}
	s.Host = g.proc.host.State()
	img, err := snapshot.Encode(s, snapshot.EncodeOptions{OmitModule: true})
	if err != nil {
		t.Fatalf("%s: encode: %v", what, err)
	}
	decoded := decodeImage(t, img, g.proc.mod.Bytes, what)
	if d := snapshot.Diff(s, decoded); d != "" {
		t.Fatalf("%s: the decoded image differs from the snapshot: %s", what, d)
	}
	return img
}

// decodeImage decodes an image written without its module and supplies
// the module, as `wdb resume --module` does.
func decodeImage(t *testing.T, img, module []byte, what string) *snapshot.Snapshot {
	t.Helper()
	s, err := snapshot.Decode(img)
	if err != nil {
		t.Fatalf("%s: decode: %v", what, err)
	}
	if err := s.CheckModule(module); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	s.Module = module
	return s
}

// restoreAndFinish restores ck in a fresh process of prog, on copies of
// the directories as they were at the checkpoint, finishes it, and
// compares with the straight run.
func restoreAndFinish(t *testing.T, p corpusProgram, prog engines.Program, ck *sourceCheckpoint, want straight) {
	t.Helper()
	var mounts []mount
	for _, m := range ck.mounts {
		mounts = append(mounts, mount{copyDir(t, m.host), m.guest})
	}
	dst := newGuest(t, p, prog, mounts, ck.stdin)
	what := fmt.Sprintf("%s at counter %d, restored on %s", p.name, ck.counter, dst.proc.machine.Engine())
	s := decodeImage(t, ck.image, dst.proc.mod.Bytes, what)
	if err := dst.proc.restore(s); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	dst.started = len(s.Frames) > 0
	if got := dst.proc.machine.Counter(); got != ck.counter {
		t.Errorf("%s: counter %d after the restore", what, got)
	}
	compareEnd(t, what, dst, dst.finish(want.end.final.Counter+1), want, ck.stdout, ck.stderr)
}

// compareEnd compares how g ended with the straight run, of which g
// printed only what came after stdout and stderr bytes.
func compareEnd(t *testing.T, what string, g *guest, got *guestEnd, want straight, stdout, stderr int) {
	t.Helper()
	if g.stdout.String() != want.stdout[stdout:] || g.stderr.String() != want.stderr[stderr:] || got.code != want.end.code {
		t.Errorf("%s: exit status %d, stdout %q, stderr %q; want exit status %d, stdout %q, stderr %q", what,
			got.code, g.stdout.String(), g.stderr.String(), want.end.code, want.stdout[stdout:], want.stderr[stderr:])
	}
	if d := want.end.final.Diff(got.final); d != "" {
		t.Errorf("%s: finished differently from the straight run: %s", what, d)
	}
	for i, m := range g.mounts {
		sameTree(t, what+": directory "+m.guest, m.host, want.mounts[i].host)
	}
}
