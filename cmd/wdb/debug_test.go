package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// terminal is wdb running under a pseudo-terminal, as a user runs it.
type terminal struct {
	t    *testing.T
	cmd  *exec.Cmd
	pty  *os.File
	mu   sync.Mutex
	out  bytes.Buffer // everything the terminal showed
	seen int          // how much of out expect has consumed
	done chan struct{}
}

func startTerminal(t *testing.T, env []string, args ...string) *terminal {
	t.Helper()
	cmd := exec.Command(wdbBin, args...)
	cmd.Env = append(os.Environ(), env...)
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	term := &terminal{t: t, cmd: cmd, pty: f, done: make(chan struct{})}
	go func() {
		defer close(term.done)
		buf := make([]byte, 4096)
		for {
			n, err := f.Read(buf)
			term.mu.Lock()
			term.out.Write(buf[:n])
			term.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		f.Close()
	})
	return term
}

// expect waits until the terminal shows what matches re after what
// expect saw last, and returns the text up to the end of the match.
func (term *terminal) expect(re string) string {
	term.t.Helper()
	r := regexp.MustCompile(re)
	deadline := time.Now().Add(30 * time.Second)
	for {
		term.mu.Lock()
		text := term.out.String()[term.seen:]
		if loc := r.FindStringIndex(text); loc != nil {
			term.seen += loc[1]
			term.mu.Unlock()
			return text[:loc[1]]
		}
		term.mu.Unlock()
		if time.Now().After(deadline) {
			term.t.Fatalf("the terminal never showed %q; it shows:\n%s", re, text)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (term *terminal) send(s string) {
	term.t.Helper()
	if _, err := io.WriteString(term.pty, s); err != nil {
		term.t.Fatal(err)
	}
}

const prompt = `\(wdb\) `

// TestREPLTerminal runs wdb under a pseudo-terminal: the prompt, tab
// completion, Ctrl-C interrupting a program that loops forever, Ctrl-C
// at the prompt, the empty line, Ctrl-D, and the history file.
func TestREPLTerminal(t *testing.T) {
	history := filepath.Join(t.TempDir(), "history")
	term := startTerminal(t, []string{"WDB_HISTORY=" + history}, filepath.Join("..", "..", "testdata", "wat", "spin.wasm"))
	term.expect(`stopped at counter 0 \(entry\) in _start\+0x0`)
	term.expect(prompt)

	// Tab completes a command name, then an engine name.
	term.send("switch-e\t")
	term.expect(`switch-engine `)
	term.send("f\t\r")
	term.expect(`switched to engine fast at counter 0`)
	term.expect(prompt)

	// The program prints a line and the start of another, then spins
	// until Ctrl-C. The stop line starts on a new line, after the
	// guest's unfinished one (and the terminal's echo of ^C).
	term.send("continue\r")
	term.expect(`spinning\r?\n`)
	time.Sleep(300 * time.Millisecond)
	term.send("\x03")
	stop := term.expect(`\n(\^C)?stopped at counter (\d+) \(interrupted\) in spin\+0x[0-9a-f]+ \(0x[0-9a-f]+\): .*`)
	if !regexp.MustCompile(`forever(\^C)?\r?\n$`).MatchString(stop[:strings.Index(stop, "stopped")]) {
		t.Errorf("the stop line does not start on a line of its own after the guest's unfinished line:\n%q", stop)
	}
	term.expect(prompt)
	counter, _ := strconv.ParseUint(regexp.MustCompile(`counter (\d+)`).FindStringSubmatch(stop)[1], 10, 64)
	if counter < 1000 {
		t.Errorf("interrupted after only %d instructions", counter)
	}

	// Ctrl-C at the prompt clears the line: the half-typed command is
	// never run.
	term.send("frobnicate")
	term.expect(`frobnicate`)
	term.send("\x03")
	term.send("step\r")
	out := term.expect(`stopped at counter (\d+) in spin`)
	if strings.Contains(out, "unknown command") {
		t.Errorf("the line cleared by Ctrl-C was run:\n%s", out)
	}
	term.expect(prompt)
	// An empty line repeats the step.
	term.send("\r")
	again := term.expect(`stopped at counter \d+ in spin`)
	term.expect(prompt)
	if want := "counter " + strconv.FormatUint(counter+2, 10) + " "; !strings.Contains(again, want) {
		t.Errorf("step, then an empty line: %q, want %q", again, want)
	}

	// Ctrl-D quits.
	term.send("\x04")
	select {
	case <-term.done:
	case <-time.After(30 * time.Second):
		t.Fatal("Ctrl-D did not end wdb")
	}
	if err := term.cmd.Wait(); err != nil {
		t.Errorf("wdb ended with %v", err)
	}
	h, err := os.ReadFile(history)
	if err != nil {
		t.Fatalf("no history file: %v", err)
	}
	if want := "switch-engine fast\ncontinue\nstep\n"; string(h) != want {
		t.Errorf("history file:\n%s\nwant:\n%s", h, want)
	}

	// The history is there in the next session: Up brings back "step".
	term = startTerminal(t, []string{"WDB_HISTORY=" + history}, filepath.Join("..", "..", "testdata", "wat", "spin.wasm"))
	term.expect(prompt)
	term.send("\x1b[A\r")
	term.expect(`stopped at counter 1 in`)
	term.send("quit\r")
	<-term.done
}

// TestDebugBatch: commands piped in run one by one, echoed after the
// prompt; a failing one is reported and the rest still run; the exit
// status says that one failed.
func TestDebugBatch(t *testing.T) {
	t.Parallel()
	compute := filepath.Join("..", "..", "testdata", "wasi", "compute.wasm")
	script := "break hanoi if $0 == 4\ncontinue\nfrobnicate\n\n# a comment\nprint $0\ndelete\ncontinue\n"
	r := wdbStdin(t, script, compute)
	noCrash(t, r)
	if r.code != 1 || r.stderr != "error: unknown command \"frobnicate\"; \"help\" lists the commands\n" {
		t.Errorf("one unknown command: want exit status 1 and its error:\n%s", r)
	}
	for _, want := range []string{
		"(wdb) break hanoi if $0 == 4\nbreakpoint 1 at hanoi+0x0 (0x6c9) at compute.c:17 if $0 == 4\n",
		"(wdb) frobnicate\n(wdb) print $0\ni32:4\n",
		"(wdb) continue\n",
		"program finished at counter ",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the output has no %q:\n%s", want, r.stdout)
		}
	}
	// All the program's output is there (the debugger's lines in between).
	run := wdb(t, "run", compute)
	for _, line := range strings.Split(strings.TrimSpace(run.stdout), "\n") {
		if !strings.Contains(r.stdout, line+"\n") {
			t.Errorf("the program's line %q is missing:\n%s", line, r.stdout)
		}
	}

	// --batch FILE: the same, and all commands succeed.
	file := writeFile(t, "script", "b hanoi\nc\nbt\nquit\ncontinue\n")
	r = wdb(t, "--engine", "fast", "--batch", file, compute)
	if r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "on engine fast") ||
		!strings.Contains(r.stdout, "(wdb) bt\n=> #0  hanoi+0x0 (0x6c9) (i32:1): block at compute.c:17\n") || strings.Contains(r.stdout, "(wdb) continue") {
		t.Errorf("--batch (the script stops at quit):\n%s", r)
	}
}

// TestDebugTrap: a trap shows its message, where, and the backtrace.
func TestDebugTrap(t *testing.T) {
	t.Parallel()
	r := wdbStdin(t, "continue\ncontinue\n", writeFile(t, "trap.wasm", trapping))
	noCrash(t, r)
	// unreachable is at offset 0x29, the call at 0x24 (see TestTrap).
	want := regexp.MustCompile(`(?m)^trap: unreachable at counter 1 in func\[1\]\+0x0 \(0x29\): unreachable\n=> #0  func\[1\]\+0x0 \(0x29\): unreachable\n   #1  _start\+0x0 \(0x24\): call 1\n`)
	if r.code != 0 || len(want.FindAllString(r.stdout, -1)) != 2 {
		t.Errorf("want the trap and backtrace twice (continue after a trap stays there):\n%s", r)
	}
}

// TestDebugCheckpointResume: an image saved in the debugger is resumed by
// wdb resume, which prints the rest of the program's output.
func TestDebugCheckpointResume(t *testing.T) {
	t.Parallel()
	compute := filepath.Join("..", "..", "testdata", "wasi", "compute.wasm")
	image := filepath.Join(t.TempDir(), "hanoi7.wdb")
	r := wdbStdin(t, "break hanoi if $0 == 7\ncontinue\ncheckpoint save "+image+"\nquit\n", compute)
	if r.code != 0 || !strings.Contains(r.stdout, "checkpoint at counter ") {
		t.Fatalf("saving a checkpoint:\n%s", r)
	}
	resumed := wdb(t, "resume", image)
	full := wdb(t, "run", compute)
	if resumed.code != 0 || resumed.stdout == "" || !strings.HasSuffix(full.stdout, resumed.stdout) || !strings.Contains(resumed.stdout, "hanoi(7) = 127 moves") {
		t.Errorf("resume printed:\n%s\nnot the end of the program's output, from hanoi(7) on:\n%s", resumed, full.stdout)
	}
	// What the program printed in the debugger and after resuming is all
	// of its output.
	before := strings.TrimSuffix(full.stdout, resumed.stdout)
	for _, line := range strings.SplitAfter(before, "\n") {
		if !strings.Contains(r.stdout, line) {
			t.Errorf("the debugger did not show %q:\n%s", line, r.stdout)
		}
	}
}

// TestDebugCommandLine: the help and the mistakes of `wdb [debug]`.
func TestDebugCommandLine(t *testing.T) {
	t.Parallel()
	r := wdb(t, "help", "debug")
	for _, f := range []string{"engine", "dir", "env", "invoke", "batch", "budget", "max-memory", "max-call-depth"} {
		if !regexp.MustCompile(`(?m)^  -` + f + `\b`).MatchString(r.stdout) {
			t.Errorf("wdb help debug does not list --%s:\n%s", f, r.stdout)
		}
	}
	if r.code != 0 || !strings.Contains(r.stdout, "Usage: wdb [debug] [flags] app.wasm [args...]") {
		t.Errorf("wdb help debug:\n%s", r)
	}
	hello := filepath.Join("..", "..", "testdata", "wasi", "hello.wasm")
	for _, tc := range []struct {
		args     []string
		mentions []string
	}{
		{[]string{"debug"}, []string{"debug", "module"}},
		{[]string{"--engine", "frobnicate", hello}, []string{"frobnicate"}},
		{[]string{"--invoke", "frobnicate", hello}, []string{"frobnicate"}},
		{[]string{"--budget", "lots", hello}, []string{"budget", "lots"}},
		{[]string{"--batch", filepath.Join(t.TempDir(), "missing"), hello}, []string{"missing"}},
		{[]string{filepath.Join(t.TempDir(), "missing.wasm")}, []string{"missing.wasm"}},
	} {
		r := wdb(t, tc.args...)
		oneLineError(t, r, tc.mentions...)
	}
	// A module debugged from a pipe with nothing to do: it starts, and
	// quits at the end of the input.
	if r := wdbStdin(t, "", hello); r.code != 0 || !strings.Contains(r.stdout, "stopped at counter 0 (entry)") {
		t.Errorf("wdb hello.wasm < /dev/null:\n%s", r)
	}
}

// TestReadmeDebugging runs the session of the README's "Debugging"
// section as it says it was made, with its commands in a --batch file at
// a terminal, and compares the whole transcript.
func TestReadmeDebugging(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Debugging\n")
	if !ok {
		t.Fatal("README.md has no section \"Debugging\"")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	_, sh, ok1 := strings.Cut(section, "```sh\n")
	sh, _, ok2 := strings.Cut(sh, "```")
	_, transcript, ok3 := strings.Cut(section, "```text\n")
	transcript, _, ok4 := strings.Cut(transcript, "```")
	if !ok1 || !ok2 || !ok3 || !ok4 {
		t.Fatal("the section needs an sh block with the command and a text block with the session")
	}
	line, _, _ := strings.Cut(strings.TrimSpace(sh), "#")
	args := strings.Fields(line)
	if len(args) < 2 || args[0] != "./wdb" {
		t.Fatalf("the sh block should start wdb: %q", line)
	}
	var commands []string
	for _, l := range strings.Split(transcript, "\n") {
		if c, ok := strings.CutPrefix(l, "(wdb) "); ok {
			commands = append(commands, c)
		}
	}
	if len(commands) < 5 {
		t.Fatalf("the transcript has only %d commands", len(commands))
	}

	dir := t.TempDir()
	testdata, err := filepath.Abs(filepath.Join("..", "..", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(testdata, filepath.Join(dir, "testdata")); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "session.wdb")
	if err := os.WriteFile(script, []byte(strings.Join(commands, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(wdbBin, append([]string{"--batch", script}, args[1:]...)...)
	cmd.Dir = dir
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	io.Copy(&out, f) // until wdb exits (EIO)
	if err := cmd.Wait(); err != nil {
		t.Errorf("wdb: %v", err)
	}
	if got := strings.ReplaceAll(out.String(), "\r\n", "\n"); got != transcript {
		t.Errorf("the session gives:\n%s\nthe README shows:\n%s", got, transcript)
	}
	for _, want := range []string{"(breakpoint 1) in hanoi", "reverse-step", "switched to engine fast", "(wdb) finish", "program finished"} {
		if !strings.Contains(transcript, want) {
			t.Errorf("the README's session should show %q", want)
		}
	}
}

// TestDebugProgramArguments: what `wdb [debug]` passes to the program:
// --invoke with the function's arguments, the guest's arguments, --env,
// --dir.
func TestDebugProgramArguments(t *testing.T) {
	t.Parallel()
	testdata := filepath.Join("..", "..", "testdata")
	// fib(20) = 6765; the entry frame shows its argument.
	r := wdbStdin(t, "bt\nfinish\n", "--invoke", "run", filepath.Join(testdata, "bench", "fib.wasm"), "20")
	if r.code != 0 || !strings.Contains(r.stdout, "(wdb) bt\n=> #0  run+0x0 (0x") || !strings.Contains(r.stdout, "(i32:20)") ||
		!strings.Contains(r.stdout, "returning i32:6765\n") {
		t.Errorf("wdb --invoke run fib.wasm 20:\n%s", r)
	}
	// args.c prints its arguments and the variable WHO.
	r = wdbStdin(t, "continue\n", "--env", "WHO=wdb", filepath.Join(testdata, "wasi", "args.wasm"), "one", "two words")
	for _, want := range []string{"argv[0]=args.wasm\n", "argv[1]=one\n", "argv[2]=two words\n", "WHO=wdb\n", "program exited with status 3 at counter "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("wdb --env WHO=wdb args.wasm one 'two words': no %q in\n%s", want, r)
		}
	}
	// fileio.c reads input.txt from the directory preopened as /data and
	// counts its lines and their bytes without the newlines.
	data := copyDir(t, wasiData)
	input, err := os.ReadFile(filepath.Join(data, "input.txt"))
	if err != nil {
		t.Fatal(err)
	}
	r = wdbStdin(t, "continue\n", "--dir", data+":/data", filepath.Join(testdata, "wasi", "fileio.wasm"))
	if want := fmt.Sprintf("read %d lines (%d bytes) from /data/input.txt\n", bytes.Count(input, []byte("\n")), len(input)-bytes.Count(input, []byte("\n"))); !strings.Contains(r.stdout, want) {
		t.Errorf("wdb --dir DATA:/data fileio.wasm: no %q in\n%s", want, r)
	}
}
