package debugger

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/wdb-dev/wdb/engines"
	_ "github.com/wdb-dev/wdb/engines/fast"
	_ "github.com/wdb-dev/wdb/engines/standard"
	_ "github.com/wdb-dev/wdb/engines/threaded"
	"github.com/wdb-dev/wdb/wasi"
	"github.com/wdb-dev/wdb/wasm"
)

// These tests drive the Interpreter through whole sessions on real
// programs. Expected values come from the programs' sources (what the C
// or WAT code computes), from wazero (the output of a straight run) or
// from the Session itself observed through its own API (the command layer
// is what is under test).

// cmdSession is a session under test with its interpreter.
type cmdSession struct {
	t     *testing.T
	s     *Session
	in    *Interpreter
	out   bytes.Buffer // the interpreter's output
	guest bytes.Buffer // the program's stdout and stderr
}

func newCmdSession(t *testing.T, file, engine, invoke string, args ...string) *cmdSession {
	t.Helper()
	c := &cmdSession{t: t}
	s, err := New(Config{Path: file, Module: loadModule(t, file), Engine: engine, Invoke: invoke, Args: args,
		WASI: wasi.Config{Args: []string{filepath.Base(file)}, Stdout: &c.guest, Stderr: &c.guest}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c.s, c.in = s, NewInterpreter(s, &c.out)
	return c
}

// do runs a command that must succeed and returns its output.
func (c *cmdSession) do(line string) string {
	c.t.Helper()
	c.out.Reset()
	if err := c.in.Exec(line); err != nil {
		c.t.Fatalf("%s: %v\n%s", line, err, c.out.String())
	}
	return c.out.String()
}

// fail runs a command that must fail and returns its error.
func (c *cmdSession) fail(line string) string {
	c.t.Helper()
	c.out.Reset()
	err := c.in.Exec(line)
	if err == nil {
		c.t.Fatalf("%s: no error\n%s", line, c.out.String())
	}
	if strings.Contains(err.Error(), "\n") {
		c.t.Errorf("%s: the error is not one line: %q", line, err)
	}
	return err.Error()
}

// stop runs a move and checks the stop line it prints against the Session.
func (c *cmdSession) stop(line string) Stop {
	c.t.Helper()
	out := c.do(line)
	st := c.s.State()
	first, _, _ := strings.Cut(out, "\n")
	if !strings.Contains(first, fmt.Sprintf("counter %d", st.Counter)) {
		c.t.Fatalf("%s: the stop line %q does not show counter %d", line, first, st.Counter)
	}
	if st.HasPC && !strings.Contains(first, fmt.Sprintf("(0x%x)", st.Offset)) {
		c.t.Fatalf("%s: the stop line %q does not show the offset 0x%x", line, first, st.Offset)
	}
	return st
}

// param is the value of local i in the innermost frame, as the Session
// reports it.
func (c *cmdSession) param(i int) int32 {
	f := c.s.Frames()
	return int32(uint32(f[len(f)-1].Locals[i].Lo))
}

func (c *cmdSession) funcAt() string {
	fn, _, ok := c.s.PC()
	if !ok {
		return ""
	}
	return c.s.Module().Funcs[fn].DisplayName()
}

// testdataFile is the path of a file of testdata/, or file if absolute.
func testdataFile(file string) string {
	if filepath.IsAbs(file) {
		return file
	}
	return filepath.Join("..", "testdata", file)
}

// wazeroOutput runs a WASI command under wazero's interpreter and returns
// its stdout: the independent reference for whole runs.
func wazeroOutput(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(testdataFile(file))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	var out bytes.Buffer
	cfg := wazero.NewModuleConfig().WithArgs(filepath.Base(file)).WithStdout(&out).WithStderr(&out)
	if _, err := r.InstantiateWithConfig(ctx, b, cfg); err != nil {
		t.Fatalf("wazero: %v", err)
	}
	return out.String()
}

// TestCmdBreakpointsInOrder: compute.c prints ten collatz lines and five
// factorials with printf before it first calls hanoi (which clang turned
// into hanoi(n) = 2*hanoi(n-1)+1, one parameter, one recursive call).
func TestCmdBreakpointsInOrder(t *testing.T) {
	c := newCmdSession(t, "wasi/compute.wasm", "standard", "")
	if out := c.do("break printf"); !strings.HasPrefix(out, "breakpoint 1 at printf+0x0") {
		t.Fatalf("break printf: %q", out)
	}
	c.do("b hanoi")
	for i := 1; i <= 16; i++ {
		st := c.stop("continue")
		want, wantID := "printf", 1
		if i == 16 {
			want, wantID = "hanoi", 2
		}
		if st.Reason != BreakpointHit || st.Breakpoint.ID != wantID || c.funcAt() != want {
			t.Fatalf("stop %d: %v in %s, want breakpoint %d in %s", i, st.Reason, c.funcAt(), wantID, want)
		}
		if !strings.Contains(c.out.String(), fmt.Sprintf("(breakpoint %d) in %s+0x0", wantID, want)) {
			t.Fatalf("stop %d: %q", i, c.out.String())
		}
	}
	if c.param(0) != 1 {
		t.Errorf("the first hanoi call is hanoi(%d), want hanoi(1)", c.param(0))
	}
	if out := c.do("bl"); !regexp.MustCompile(`(?m)^1 +breakpoint +15 +printf\+0x0`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^2 +breakpoint +1 +hanoi\+0x0`).MatchString(out) {
		t.Errorf("breakpoints after 15 printf hits and one hanoi hit:\n%s", out)
	}
	if out := c.do("bt"); !regexp.MustCompile(`(?m)^=> #0  hanoi\+0x0 \(0x[0-9a-f]+\) \(i32:1\)`).MatchString(out) ||
		!strings.Contains(out, "#1  __original_main+") {
		t.Errorf("backtrace:\n%s", out)
	}
	// Deleting printf's breakpoint leaves hanoi's: the next stop is the
	// next call of hanoi, hanoi(0).
	if out := c.do("delete 1"); out != "deleted breakpoint 1\n" {
		t.Errorf("delete 1: %q", out)
	}
	if out := c.do("bl"); strings.Contains(out, "printf") || !strings.Contains(out, "hanoi+0x0") {
		t.Errorf("breakpoints after delete 1:\n%s", out)
	}
	if st := c.stop("continue"); st.Reason != BreakpointHit || st.Breakpoint.ID != 2 || c.param(0) != hanoiCalls()[1] {
		t.Fatalf("after delete 1, continue: %v in %s(%d), want breakpoint 2 in hanoi(%d)", st.Reason, c.funcAt(), c.param(0), hanoiCalls()[1])
	}
	c.do("watch global 0")
	if out := c.do("d 3"); out != "deleted watchpoint 3\n" {
		t.Errorf("d 3: %q", out)
	}
	c.do("delete")
	if st := c.stop("continue"); st.Reason != Finished {
		t.Fatalf("after delete, continue stopped: %v", st.Reason)
	}
	if want := wazeroOutput(t, "wasi/compute.wasm"); c.guest.String() != want {
		t.Errorf("output:\n%s\nwazero:\n%s", c.guest.String(), want)
	}
}

// hanoiCalls is the sequence of hanoi's argument over the program's calls:
// main calls hanoi(1), hanoi(4), hanoi(7), hanoi(10), and hanoi(n) calls
// hanoi(n-1) down to 0.
func hanoiCalls() []int32 {
	var out []int32
	for _, n := range []int32{1, 4, 7, 10} {
		for k := n; k >= 0; k-- {
			out = append(out, k)
		}
	}
	return out
}

// TestCmdConditionsHitsLogs: conditions, hit counts, log points and
// temporary breakpoints, checked against hanoiCalls.
func TestCmdConditionsHitsLogs(t *testing.T) {
	calls := hanoiCalls()
	c := newCmdSession(t, "wasi/compute.wasm", "standard", "")
	c.do("break hanoi if $0 == 10 || $0 > 100")
	if st := c.stop("c"); st.Reason != BreakpointHit || c.param(0) != 10 {
		t.Fatalf("conditional breakpoint: %v with n = %d", st.Reason, c.param(0))
	}
	if got := c.do("p $0 * 2 + 1"); got != "i32:21\n" {
		t.Errorf("p $0 * 2 + 1 = %q", got)
	}

	for _, hits := range []string{"==5", "%3", ">=20", "7"} {
		c.do("delete")
		c.do("goto start")
		c.do("break hanoi hits " + hits)
		var got []int32
		for {
			if st := c.stop("c"); st.Reason != BreakpointHit {
				break
			}
			got = append(got, c.param(0))
		}
		var want []int32
		for i, n := range calls {
			k := i + 1
			if hits == "==5" && k == 5 || hits == "%3" && k%3 == 0 || hits == ">=20" && k >= 20 || hits == "7" && k >= 7 {
				want = append(want, n)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("hits %s: stopped with n = %v, want %v", hits, got, want)
		}
	}

	// A log point prints and goes on; hanoi(4) is called from main,
	// hanoi(7) and hanoi(10).
	c.do("delete")
	c.do("goto start")
	c.do(`break hanoi if $0 == 4 log "n={$0} {{sp}}={$sp > 0} {l7}"`)
	out := c.do("continue")
	want := strings.Repeat("n=4 {sp}=true <no local 7 in hanoi (it has 1)>\n", 3)
	if !strings.HasPrefix(out, want) || c.s.State().Reason != Finished {
		t.Errorf("log point printed:\n%s\nwant:\n%s", out, want)
	}

	c.do("delete")
	c.do("goto start")
	if out := c.do("tbreak hanoi"); !strings.HasPrefix(out, "temporary breakpoint") {
		t.Errorf("tbreak: %q", out)
	}
	if out := c.do("c"); !strings.Contains(out, "(temporary breakpoint") {
		t.Errorf("tbreak stop: %q", out)
	}
	if out := c.do("bl"); out != "no breakpoints or watchpoints\n" {
		t.Errorf("the temporary breakpoint is still there:\n%s", out)
	}
	if st := c.stop("c"); st.Reason != Finished {
		t.Errorf("after a temporary breakpoint: %v", st.Reason)
	}
	for _, bad := range []string{"break hanoi if $0 ==", "break hanoi hits x", "break hanoi log", "break hanoi when"} {
		c.fail(bad)
	}
}

// TestCmdStepNextFinish checks the moves against what hanoi does: hanoi(n)
// returns 2^n - 1, and its call of hanoi(n-1) is its only call.
func TestCmdStepNextFinish(t *testing.T) {
	c := newCmdSession(t, "wasi/compute.wasm", "standard", "")
	c.do("break hanoi if $0 == 2")
	c.stop("c")
	c.do("delete")
	depth := c.s.Depth()
	fn, _, _ := c.s.PC()
	f := c.s.Module().Funcs[fn]
	var callOff, afterCall uint32
	for i, in := range f.Instrs {
		if in.Op == wasm.OpCall {
			callOff, afterCall = in.Offset, f.Instrs[i+1].Offset
		}
	}
	for i := 0; ; i++ {
		if _, off, _ := c.s.PC(); off == callOff {
			break
		}
		if i == 20 {
			t.Fatal("next never reached the call")
		}
		if st := c.stop("next"); st.Reason != Step || c.s.Depth() != depth {
			t.Fatalf("next: %v at depth %d", st.Reason, c.s.Depth())
		}
	}
	atCall := c.s.Counter()
	c.stop("next")
	afterNext := c.s.Counter()
	if _, off, _ := c.s.PC(); off != afterCall || c.s.Depth() != depth || afterNext < atCall+10 {
		t.Fatalf("next over the call: at 0x%x depth %d after %d instructions, want 0x%x depth %d", off, c.s.Depth(), afterNext-atCall, afterCall, depth)
	}
	if got := c.do("p $top"); got != "i32:1\n" { // hanoi(1) = 1
		t.Errorf("after next over hanoi(1): p $top = %q", got)
	}
	c.stop("reverse-next")
	if _, off, _ := c.s.PC(); off != callOff || c.s.Counter() != atCall {
		t.Fatalf("reverse-next: at 0x%x counter %d, want 0x%x counter %d", off, c.s.Counter(), callOff, atCall)
	}
	c.stop("step")
	if c.s.Depth() != depth+1 || c.param(0) != 1 || c.s.Counter() != atCall+1 {
		t.Fatalf("step into the call: depth %d, n = %d, counter %d", c.s.Depth(), c.param(0), c.s.Counter())
	}
	c.stop("finish")
	if _, off, _ := c.s.PC(); off != afterCall || c.s.Depth() != depth || c.s.Counter() != afterNext {
		t.Fatalf("finish: at 0x%x depth %d counter %d, want 0x%x depth %d counter %d", off, c.s.Depth(), c.s.Counter(), afterCall, depth, afterNext)
	}
	c.stop("reverse-finish")
	if _, off, _ := c.s.PC(); off != callOff || c.s.Depth() != depth-1 || c.param(0) != 3 {
		t.Fatalf("reverse-finish: at 0x%x depth %d n = %d, want the call in hanoi(3)", off, c.s.Depth(), c.param(0))
	}

	// Forwards then backwards lands on exactly the same state.
	before, err := c.s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	c.stop("step 500")
	if c.s.Counter() != before.Counter+500 {
		t.Fatalf("step 500 went from %d to %d", before.Counter, c.s.Counter())
	}
	c.stop("rs 500")
	after, err := c.s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if ok, diff := before.Equal(after); !ok {
		t.Errorf("step 500 then rs 500 is not where it started: %s", diff)
	}
	// An empty line repeats the last move.
	c.stop("si")
	c.do("p 1")
	c.do("")
	if c.s.Counter() != before.Counter+2 {
		t.Errorf("si then an empty line: counter %d, want %d", c.s.Counter(), before.Counter+2)
	}
}

// TestCmdReverseContinue: reverse-continue finds the previous hits, then the
// start of time.
func TestCmdReverseContinue(t *testing.T) {
	c := newCmdSession(t, "wasi/compute.wasm", "standard", "")
	c.do("break hanoi")
	var hits []uint64
	for i := 0; i < 3; i++ {
		hits = append(hits, c.stop("c").Counter)
	}
	for i := 1; i >= 0; i-- {
		if st := c.stop("rc"); st.Reason != BreakpointHit || st.Counter != hits[i] {
			t.Fatalf("reverse-continue: %v at %d, want the hit at %d", st.Reason, st.Counter, hits[i])
		}
	}
	if st := c.stop("rc"); st.Reason != StartOfTime || !strings.Contains(c.out.String(), "(start of time)") {
		t.Fatalf("reverse-continue before the first hit: %v %q", st.Reason, c.out.String())
	}
	if st := c.stop("c"); st.Counter != hits[0] {
		t.Fatalf("continue from the start: counter %d, want %d", st.Counter, hits[0])
	}
	c.stop("goto " + strconv.FormatUint(hits[2]+7, 10))
	if c.s.Counter() != hits[2]+7 || !strings.Contains(c.out.String(), "(arrived)") {
		t.Errorf("goto: %d %q", c.s.Counter(), c.out.String())
	}
	c.stop("goto -7")
	if c.s.Counter() != hits[2] {
		t.Errorf("goto -7: %d", c.s.Counter())
	}
}

// TestCmdWatch: memory.wat's run fills the new page with 0xa5, then copies
// "wdb: time travel for wasm" over its start, and never changes its first
// byte again; $calls (global 0) counts the calls of $checksum, one per
// iteration.
func TestCmdWatch(t *testing.T) {
	c := newCmdSession(t, "wat/memory.wasm", "standard", "run", "3")
	c.stop("step 2") // i32.const 1, memory.grow: the second page exists
	if out := c.do("watch mem[0x10000..0x10001]"); out != "watchpoint 1: mem[0x10000..0x10001] (1 byte)\n" {
		t.Errorf("watch: %q", out)
	}
	var hits []uint64
	for _, want := range []string{"00 (u8:0) -> a5 (u8:165)", "a5 (u8:165) -> 77 (u8:119)"} {
		st := c.stop("c")
		if st.Reason != WatchpointHit || !strings.Contains(c.out.String(), "mem[0x10000..0x10001] (1 byte): "+want) {
			t.Fatalf("watch: %v\n%s\nwant %s", st.Reason, c.out.String(), want)
		}
		hits = append(hits, st.Counter)
	}
	if got := c.do("p/x u8 mem[0x10000]"); got != "u8:0x77\n" {
		t.Errorf("p/x u8 mem[0x10000] = %q", got)
	}
	if st := c.stop("c"); st.Reason != Finished {
		t.Fatalf("no more changes, but %v", st.Reason)
	}
	for i := 1; i >= 0; i-- {
		if st := c.stop("rc"); st.Reason != WatchpointHit || st.Counter != hits[i] {
			t.Fatalf("reverse-continue to the change at %d: %v at %d", hits[i], st.Reason, st.Counter)
		}
	}

	// A global watched by its name from the name section (memory.wat
	// declares global 0 as $calls).
	c = newCmdSession(t, "wat/memory.wasm", "fast", "run", "3")
	if got := c.do("watch $calls"); !strings.Contains(got, "global 0 $calls") {
		t.Errorf("watch $calls: %q", got)
	}
	for k := 0; k < 3; k++ {
		st := c.stop("c")
		want := fmt.Sprintf("global 0 $calls: %s -> %s", bytesValue([]byte{byte(k), 0, 0, 0}), bytesValue([]byte{byte(k + 1), 0, 0, 0}))
		if st.Reason != WatchpointHit || !strings.Contains(c.out.String(), want) {
			t.Fatalf("watch global, change %d: %s\nwant %s", k+1, c.out.String(), want)
		}
	}
	if st := c.stop("c"); st.Reason != Finished {
		t.Fatalf("after three changes: %v", st.Reason)
	}
	c.do("delete")
	c.do("watch i64 mem[0x10000]")
	if out := c.do("bl"); !strings.Contains(out, "watchpoint") || !strings.Contains(out, "mem[0x10000..0x10008] (8 bytes)") {
		t.Errorf("bl:\n%s", out)
	}
	for _, bad := range []string{"watch", "watch local 0", "watch mem[5..5]", "watch mem[1", "watch 3 + 4", "watch mem[0] 0"} {
		c.fail(bad)
	}
}

// TestCmdPrintXSet reads and changes memory, globals, locals and the stack.
func TestCmdPrintXSet(t *testing.T) {
	c := newCmdSession(t, "wat/memory.wasm", "standard", "run", "1")
	out := c.do("x 16 25")
	if !strings.Contains(out, "0x00000010: 77 64 62 3a 20 74 69 6d  65 20 74 72 61 76 65 6c  |wdb: time travel|") ||
		!strings.Contains(out, "0x00000020: 20 66 6f 72 20 77 61 73  6d") || !strings.Contains(out, "| for wasm|") {
		t.Errorf("x 16 25:\n%s", out)
	}
	if out := c.do("x/2w 16"); !strings.HasPrefix(out, "0x00000010: 0x3a626477 0x6d697420  ") {
		t.Errorf("x/2w 16: %q", out)
	}
	if out := c.do("x 8 + 8 2 w"); !strings.HasPrefix(out, "0x00000010: 0x3a626477 0x6d697420  ") {
		t.Errorf("x 8 + 8 2 w: %q", out)
	}
	if out := c.do("x 8 + 8"); !strings.HasPrefix(out, "0x00000010: 77 64 62 3a") || strings.Count(out, "\n") != 4 {
		t.Errorf("x 8 + 8 (64 bytes from 16): %q", out)
	}
	data := []byte("wdb: time travel for wasm")
	for expr, want := range map[string]string{
		"p u8 mem[16]":              "u8:119",
		"p/x i32 mem[16]":           fmt.Sprintf("i32:0x%x", binary.LittleEndian.Uint32(data)),
		"p i64 mem[16]":             fmt.Sprintf("i64:%d", int64(binary.LittleEndian.Uint64(data))),
		"p i16 mem[16 + 4] - 1":     fmt.Sprintf("i32:%d", int16(binary.LittleEndian.Uint16(data[4:]))-1),
		"p global 2":                "f32:1.5",
		"p global 4 + global 2":     "f32:17.5",
		"p u8 mem[16] == 'w'":       "",
		"p (mem[16] & 0xff) == 119": "true",
	} {
		if want == "" {
			c.fail(expr)
			continue
		}
		if got := strings.TrimSpace(c.do(expr)); got != want {
			t.Errorf("%s = %s, want %s", expr, got, want)
		}
	}
	c.do("set f64 mem[0x100] = 2.5")
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], math.Float64bits(2.5))
	if out := c.do("x 0x100 8"); !strings.Contains(out, fmt.Sprintf("% x", b[:])) {
		t.Errorf("after set f64 mem[0x100] = 2.5: %q, want the bytes % x", out, b[:])
	}
	if got := c.do("p f64 mem[0x100]"); got != "f64:2.5\n" {
		t.Errorf("p f64 mem[0x100] = %q", got)
	}
	if got := c.do("set global 2 = 2"); got != "global 2 $ratio = f32:2\n" { // memory.wat: (global $ratio (mut f32) ...)
		t.Errorf("set global 2 = 2: %q", got)
	}
	if got := c.do("set $n = 1"); got != "local 0 n = i32:1\n" { // named from the name section
		t.Errorf("set $n = 1: %q", got)
	}
	c.fail("set global 1 = 1.5")   // an i64: not a float
	c.fail("set mem[0x20000] = 1") // out of bounds

	// Changing a parameter changes what the program computes: hanoi(10)
	// run as hanoi(2) makes 3 moves.
	c = newCmdSession(t, "wasi/compute.wasm", "standard", "")
	c.do("break hanoi if $0 == 10")
	c.stop("c")
	if got := c.do("set $0 = 2"); got != "local 0 = i32:2\n" {
		t.Errorf("set $0 = 2: %q", got)
	}
	c.do("delete")
	c.stop("c")
	want := strings.Replace(wazeroOutput(t, "wasi/compute.wasm"), "hanoi(10) = 1023 moves", "hanoi(10) = 3 moves", 1)
	if c.guest.String() != want {
		t.Errorf("after set $0 = 2 in hanoi(10):\n%s\nwant:\n%s", c.guest.String(), want)
	}

	// The operand stack: after hanoi's local.get 0, its top is n.
	c = newCmdSession(t, "wasi/compute.wasm", "standard", "")
	c.do("break hanoi if $0 == 3")
	c.stop("c")
	c.stop("step 2") // block, local.get 0
	if got := c.do("stack"); got != "stack 0 = i32:3  <- top\n" {
		t.Errorf("stack: %q", got)
	}
	if got := c.do("set stack 0 = 9"); got != "stack 0 = i32:9\n" {
		t.Errorf("set stack 0 = 9: %q", got)
	}
	if got := c.do("p $top + $0"); got != "i32:12\n" {
		t.Errorf("p $top + $0 = %q", got)
	}
	if got := c.do("locals"); got != "param 0 = i32:3\n" {
		t.Errorf("locals: %q", got)
	}
	// clang names global 0 __stack_pointer in the name section.
	if got := c.do("globals"); !strings.HasPrefix(got, "global 0 $__stack_pointer $sp = i32:") || !strings.Contains(got, "(mut)") {
		t.Errorf("globals: %q", got)
	}
	if sp, named := c.do("p $sp"), c.do("p $__stack_pointer"); sp != named || !strings.HasPrefix(sp, "i32:") {
		t.Errorf("p $sp = %q, p $__stack_pointer = %q", sp, named)
	}
	c.do("up")
	if got := c.do("p $0"); got != "i32:4\n" {
		t.Errorf("p $0 in the caller = %q", got)
	}
	if got := c.do("frame"); !strings.HasPrefix(got, "#1  hanoi+") {
		t.Errorf("frame: %q", got)
	}
	c.do("down")
	c.fail("down")
	c.fail("frame 99")
}

// TestCmdSwitchEngineMidLoop: moving the program to another engine in the
// middle of a loop, and after going back in time, changes nothing in what
// it prints; every ordered pair of registered engines.
func TestCmdSwitchEngineMidLoop(t *testing.T) {
	want := wazeroOutput(t, "wasi/compute.wasm")
	var pairs [][2]string
	for _, a := range engines.Names() {
		for _, b := range engines.Names() {
			if a != b {
				pairs = append(pairs, [2]string{a, b})
			}
		}
	}
	if len(pairs) < 6 {
		t.Fatalf("engines %v: want the three engines", engines.Names())
	}
	for _, names := range pairs {
		c := newCmdSession(t, "wasi/compute.wasm", names[0], "")
		c.do("break hanoi if $0 == 5")
		c.stop("c")
		c.stop("c") // in hanoi(10)'s descent
		here := c.s.Counter()
		if out := c.do("switch-engine " + names[1]); out != fmt.Sprintf("switched to engine %s at counter %d\n", names[1], here) {
			t.Errorf("switch-engine: %q", out)
		}
		if out := c.do("engines"); !strings.Contains(out, "* "+names[1]+"\n") {
			t.Errorf("engines after the switch:\n%s", out)
		}
		if out := c.do("info"); !strings.Contains(out, "engine:    "+names[1]) || !strings.Contains(out, fmt.Sprintf("counter %d\n", here)) {
			t.Errorf("info:\n%s", out)
		}
		c.stop("rs 100")
		c.stop("step 40")
		c.do("switch-engine " + names[0])
		c.stop("rc")
		if c.s.Counter() >= here || c.param(0) != 5 {
			t.Errorf("reverse-continue after two switches: counter %d (the hit was at %d), n = %d", c.s.Counter(), here, c.param(0))
		}
		c.do("switch-engine " + names[1])
		c.do("delete")
		if st := c.stop("c"); st.Reason != Finished {
			t.Fatalf("continue to the end: %v", st.Reason)
		}
		if c.guest.String() != want {
			t.Errorf("%s then %s: output\n%s\nwant (wazero):\n%s", names[0], names[1], c.guest.String(), want)
		}
	}
}

// goWASIProgram builds a Go program for wasip1 (cached across tests).
func goWASIProgram(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a Go program")
	}
	dir := t.TempDir()
	src := `package main

import "fmt"

//go:noinline
func work(i int) int {
	s := 0
	for k := 0; k <= i*100; k++ {
		s += k % 7
	}
	return s
}

func main() {
	for i := 0; i < 8; i++ {
		fmt.Printf("work(%d) = %d\n", i, work(i))
	}
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/work\n\ngo 1.21\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "work.wasm")
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOFLAGS=", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

// TestCmdGoProgram: a Go wasip1 program, stopped at the third call of a
// function, moved to the other engine, stepped back and forth, finished.
func TestCmdGoProgram(t *testing.T) {
	path := goWASIProgram(t)
	want := wazeroOutput(t, path)
	c := newCmdSession(t, path, "standard", "")
	c.do("break main.work hits ==3")
	if st := c.stop("c"); st.Reason != BreakpointHit || c.funcAt() != "main.work" {
		t.Fatalf("break main.work: %v in %s", st.Reason, c.funcAt())
	}
	if !strings.HasPrefix(c.guest.String(), "work(0) = 0\nwork(1) = ") || strings.Count(c.guest.String(), "\n") != 2 {
		t.Errorf("at the third call of work, the program printed:\n%s", c.guest.String())
	}
	c.do("delete")
	c.stop("next 200")
	c.do("switch-engine fast")
	before, _ := c.s.Snapshot()
	c.stop("step 300")
	c.stop("rs 300")
	if after, _ := c.s.Snapshot(); after == nil || before == nil {
		t.Fatal("no snapshot")
	} else if ok, diff := before.Equal(after); !ok {
		t.Errorf("step 300, rs 300 after the switch: %s", diff)
	}
	c.do("bt")
	if st := c.stop("c"); st.Reason != Exited && st.Reason != Finished {
		t.Fatalf("continue: %v", st.Reason)
	}
	if c.guest.String() != want {
		t.Errorf("output:\n%s\nwazero:\n%s", c.guest.String(), want)
	}
}

// TestCmdCheckpointCommands: checkpoint save writes an image of the present;
// checkpoint load makes it the present again.
func TestCmdCheckpointCommands(t *testing.T) {
	c := newCmdSession(t, "wasi/compute.wasm", "standard", "")
	c.do("break hanoi if $0 == 7")
	c.stop("c")
	at := c.s.Counter()
	file := filepath.Join(t.TempDir(), "here.wdb")
	if out := c.do("checkpoint save " + file); !strings.HasPrefix(out, fmt.Sprintf("checkpoint at counter %d written to %s", at, file)) {
		t.Errorf("checkpoint save: %q", out)
	}
	c.do("delete")
	c.stop("c")
	out := c.do("checkpoint load " + file)
	if c.s.Counter() != at || c.param(0) != 7 || !strings.Contains(out, fmt.Sprintf("counter %d", at)) {
		t.Errorf("checkpoint load: counter %d, n = %d\n%s", c.s.Counter(), c.param(0), out)
	}
	c.fail("checkpoint save")
	c.fail("checkpoint load " + filepath.Join(t.TempDir(), "missing.wdb"))
	c.fail("checkpoint frobnicate x")
}

// TestCmdCodeCommands: list and disassemble show the instructions of the
// listing, with the current one marked at the PC.
func TestCmdCodeCommands(t *testing.T) {
	c := newCmdSession(t, "wasi/compute.wasm", "standard", "")
	c.do("break hanoi")
	c.stop("c")
	c.stop("step 3")
	fn, pc, _ := c.s.PC()
	f := c.s.Module().Funcs[fn]
	idx, _ := f.InstrAt(pc)
	l, err := FuncListing(c.s.Module(), fn)
	if err != nil {
		t.Fatal(err)
	}
	line, _ := l.Line(pc)

	out := c.do("list")
	marked := regexp.MustCompile(`(?m)^ *(\d+) => +(.*)$`).FindStringSubmatch(out)
	if marked == nil || marked[1] != strconv.Itoa(line) || marked[2] != InstrText(c.s.Module(), fn, idx) {
		t.Errorf("list marks %q, want line %d: %s\n%s", marked, line, InstrText(c.s.Module(), fn, idx), out)
	}
	// The breakpoint at hanoi's first instruction is marked with *.
	if !regexp.MustCompile(`(?m)^ +2   \* +block$`).MatchString(out) {
		t.Errorf("list does not mark the breakpoint:\n%s", out)
	}

	out = c.do("dis")
	marked = regexp.MustCompile(`(?m)^=>  0x([0-9a-f]{6}) <\+(\d+)> +((?:[0-9a-f]{2} )*[0-9a-f]{2}) +(\S.*)$`).FindStringSubmatch(out)
	if marked == nil {
		t.Fatalf("dis marks no instruction:\n%s", out)
	}
	end := f.BodyEnd
	if idx+1 < len(f.Instrs) {
		end = f.Instrs[idx+1].Offset
	}
	if marked[1] != fmt.Sprintf("%06x", pc) || marked[2] != strconv.Itoa(int(pc-f.Instrs[0].Offset)) ||
		marked[3] != fmt.Sprintf("% x", c.s.Module().Bytes[pc:end]) || marked[4] != InstrText(c.s.Module(), fn, idx) {
		t.Errorf("dis marks %q, want 0x%06x +%d % x %s", marked[1:], pc, pc-f.Instrs[0].Offset, c.s.Module().Bytes[pc:end], InstrText(c.s.Module(), fn, idx))
	}
	out = c.do("dis __original_main")
	// The bytes start in one column, whatever the width of <+OFF>.
	cols := map[int]bool{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		if at := regexp.MustCompile(`> +`).FindStringIndex(l); at != nil {
			cols[at[1]] = true
		}
	}
	if len(cols) != 1 {
		t.Errorf("dis __original_main: the columns do not align:\n%s", out)
	}
	if n := strings.Count(out, "\n") - 1; n != len(c.s.Module().Funcs[6].Instrs) {
		t.Errorf("dis __original_main shows %d instructions, it has %d", n, len(c.s.Module().Funcs[6].Instrs))
	}
	out = c.do("list __original_main")
	next := c.do("list")
	main, _ := FuncListing(c.s.Module(), 6)
	if !strings.HasPrefix(out, "        (func $__original_main") || !strings.HasPrefix(strings.TrimSpace(next), strconv.Itoa(len(main.Header)+21)+" ") {
		t.Errorf("list __original_main then list:\n%s\n%s", out, next)
	}
	c.fail("list nosuch")
	c.fail("dis 0x1")
	c.fail("list fd_write") // imported: no code
}

// TestCmdBadCommands: every mistake is one line of error, and the session
// goes on as if it had not happened.
func TestCmdBadCommands(t *testing.T) {
	c := newCmdSession(t, "wasi/compute.wasm", "standard", "")
	c.do("break hanoi")
	c.stop("c")
	at := c.s.Counter()
	for line, want := range map[string]string{
		"contnue":              `unknown command "contnue" (did you mean "continue"?)`,
		"revers-step":          `did you mean "reverse-step"?`,
		"xyzzy":                `unknown command "xyzzy"`,
		"re":                   `ambiguous command "re": reverse-step, reverse-next, reverse-step-line, reverse-next-line, reverse-finish, reverse-continue`,
		"goto abc":             `bad counter "abc"`,
		"goto":                 "goto where?",
		"frame x":              `bad frame number "x"`,
		"frame 99":             "no frame 99",
		"step -1":              `bad count "-1"`,
		"next 0":               `bad count "0"`,
		"break nosuch":         "nosuch",
		"break hanoi+0x1":      "hanoi",
		"x 0xfffffff0 64":      "out of bounds",
		"p mem[0xffffffff]":    "out of bounds",
		"p $9":                 "no local 9 in hanoi",
		"p nosuch":             `no local or global named "nosuch" in hanoi`,
		"p 1 +":                `in "1 +" at column 4: expected a value at the end`,
		"p 1 / 0":              "division by zero",
		"p/q 1":                "bad format /q",
		"print":                "print what?",
		"info bogus":           "info bogus: unknown topic",
		"switch-engine nosuch": "nosuch",
		"set $0":               "usage: set PLACE = EXPR",
		"set 3 = 4":            "not a local, global, stack slot or memory location",
		"delete 99":            "99",
		"delete x":             `bad breakpoint number "x"`,
		"help nosuch":          `unknown command "nosuch"`,
		"continue 5":           "continue takes no arguments",
		"bt x":                 `bad frame count "x"`,
		"timeline budget 0":    `bad size "0"`,
		"run now":              "run takes no arguments",
	} {
		if got := c.fail(line); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q in it", line, got, want)
		}
		if c.s.Counter() != at {
			t.Fatalf("%s moved the program from %d to %d", line, at, c.s.Counter())
		}
	}
	c.do("delete")
	if st := c.stop("c"); st.Reason != Finished {
		t.Fatalf("continue after the errors: %v", st.Reason)
	}
	if want := wazeroOutput(t, "wasi/compute.wasm"); c.guest.String() != want {
		t.Errorf("output after the errors:\n%s\nwant:\n%s", c.guest.String(), want)
	}
	if err := c.in.Exec("quit"); !errors.Is(err, ErrQuit) {
		t.Errorf("quit: %v", err)
	}
	if err := c.in.Exec("q"); !errors.Is(err, ErrQuit) {
		t.Errorf("q: %v", err)
	}
}

func TestCmdCompletion(t *testing.T) {
	c := newCmdSession(t, "wasi/compute.wasm", "standard", "")
	c.do("break hanoi")
	for line, want := range map[string][]string{
		"switch-e":                    {"switch-engine "},
		"switch-engine f":             {"switch-engine fast"},
		"b han":                       {"b hanoi"},
		"break __original":            {"break __original_main"},
		"rev":                         {"reverse-continue ", "reverse-finish ", "reverse-next ", "reverse-next-line ", "reverse-step ", "reverse-step-line "},
		"help wat":                    {"help watch"},
		"info bre":                    {"info break", "info breakpoints"},
		"checkpoint ":                 {"checkpoint load ", "checkpoint save "},
		"checkpoint save --f":         {"checkpoint save --format "},
		"checkpoint save --format wa": {"checkpoint save --format wamr ", "checkpoint save --format wasmedge "},
		"delete ":                     {"delete 1"},
		"p $t":                        {"p $top"},
		"p 1 + $co":                   {"p 1 + $counter"},
		"x u8 me":                     {"x u8 mem["},
		"nosuch ":                     nil,
	} {
		if got := c.in.Complete(line); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("Complete(%q) = %q, want %q", line, got, want)
		}
	}
}

var update = flag.Bool("update", false, "rewrite docs/commands.md from the help texts")

// commandsMarkdown is docs/commands.md: the help texts of every command.
func commandsMarkdown() string {
	var b strings.Builder
	b.WriteString(`# Debugger commands

<!-- Generated from the help texts (debugger/command_info.go) by
     go test ./debugger -run TestCmdHelpAndDocs -update -->

` + "`wdb app.wasm`" + ` starts the program stopped before its first instruction
(` + "`wdb IMAGE`" + `, or ` + "`wdb --module app.wasm DIR`" + ` for an image of the WAMR /
WasmEdge checkpoint-restore forks, opens a checkpoint stopped where it was
taken) and reads these commands at the ` + "`(wdb)`" + ` prompt (see ` + "`wdb help debug`" + `
for the flags, the terminal and batch modes). The VS Code debug console accepts the
same commands. An empty line repeats the last step or continue; a command
may be shortened to any unique prefix of its name (` + "`cont`" + `, ` + "`disas`" + `).
Every move prints where the program stopped in one line:

` + "```" + `
stopped at counter 52417 (breakpoint 1) in hanoi+0x0 (0x6c9): block
` + "```" + `

the instruction counter (instructions retired since the start), why it
stopped (nothing for a completed step), the function and offset of the next
instruction within it, the instruction's file offset, and the instruction.
An end of the program prints its exit status, results or trap (with a
backtrace). Locations are written FUNC (a function's name or index: its
first instruction), FUNC+OFF (OFF bytes into the function, as the stop lines
show it) or 0xADDR (the file offset of an instruction, as wasm-objdump
shows it).

| command | aliases | summary |
|---|---|---|
`)
	for _, c := range Commands() {
		fmt.Fprintf(&b, "| [%s](#%s) | %s | %s |\n", c.Name, c.Name, strings.Join(c.Aliases, ", "), c.Summary)
	}
	for _, c := range Commands() {
		fmt.Fprintf(&b, "\n## %s\n\n`%s`", c.Name, c.Usage)
		if len(c.Aliases) > 0 {
			fmt.Fprintf(&b, " (aliases: %s)", strings.Join(c.Aliases, ", "))
		}
		b.WriteString("\n\n")
		// The help text: paragraphs, then indented lines (options and
		// examples) as a code block.
		for _, para := range strings.Split(strings.TrimSpace(c.Help), "\n\n") {
			if strings.HasPrefix(para, "  ") {
				fmt.Fprintf(&b, "```\n%s\n```\n\n", dedent(para))
			} else {
				fmt.Fprintf(&b, "%s\n\n", para)
			}
		}
	}
	b.WriteString("## Expressions\n\n")
	for _, para := range strings.Split(strings.TrimSpace(ExpressionsHelp), "\n\n") {
		if strings.HasPrefix(para, "  ") {
			fmt.Fprintf(&b, "```\n%s\n```\n\n", dedent(para))
		} else {
			fmt.Fprintf(&b, "%s\n\n", para)
		}
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func dedent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, "  ")
	}
	return strings.Join(lines, "\n")
}

// TestCmdHelpAndDocs: every command has help, and docs/commands.md is
// made of the help texts.
func TestCmdHelpAndDocs(t *testing.T) {
	c := newCmdSession(t, "wasi/compute.wasm", "standard", "")
	for _, cmd := range Commands() {
		out := c.do("help " + cmd.Name)
		if !strings.HasPrefix(out, "usage: "+cmd.Usage+"\n") || len(out) < 60 || cmd.Summary == "" || !strings.Contains(cmd.Help, "(wdb) ") {
			t.Errorf("help %s (it needs a summary, a description and an example):\n%s", cmd.Name, out)
		}
		for _, a := range cmd.Aliases {
			if !strings.Contains(c.do("help "+a), "usage: "+cmd.Usage) {
				t.Errorf("help %s does not describe %s", a, cmd.Name)
			}
		}
	}
	if out := c.do("help"); strings.Count(out, "\n") < len(Commands()) {
		t.Errorf("help:\n%s", out)
	}
	if out := c.do("help expressions"); !strings.Contains(out, "TYPE mem[ADDR]") {
		t.Errorf("help expressions:\n%s", out)
	}
	path := filepath.Join("..", "docs", "commands.md")
	want := commandsMarkdown()
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(doc) != want {
		t.Errorf("docs/commands.md is not made of the current help texts: go test ./debugger -run TestCmdHelpAndDocs -update")
	}
}

// TestCmdTimelineCommands: info and timeline show the recorded range, the
// present and the snapshots.
func TestCmdTimelineCommands(t *testing.T) {
	c := newCmdSession(t, "wasi/compute.wasm", "standard", "")
	c.stop("goto 60000")
	c.stop("goto 30000")
	tl := c.s.Timeline()
	out := c.do("timeline")
	if !strings.HasPrefix(out, fmt.Sprintf("timeline: counters %d to %d recorded, present at 30000; %d snapshots", tl.Start, tl.End, len(tl.Snapshots))) ||
		!strings.Contains(out, "=> present at counter 30000") || strings.Count(out, "snapshot at counter") != len(tl.Snapshots) {
		t.Errorf("timeline (%+v):\n%s", tl, out)
	}
	if out := c.do("timeline budget 64M"); out != "timeline budget: 64.0 MiB\n" || c.s.Timeline().Budget != 64<<20 {
		t.Errorf("timeline budget 64M: %q, budget %d", out, c.s.Timeline().Budget)
	}
	if out := c.do("info"); !strings.Contains(out, "counter 30000\n") || !strings.Contains(out, "engine:    standard") {
		t.Errorf("info:\n%s", out)
	}
}
