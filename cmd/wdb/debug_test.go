package main

import (
	"bytes"
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

	// The program prints a line, then spins until Ctrl-C.
	term.send("continue\r")
	term.expect(`spinning\r?\n`)
	time.Sleep(300 * time.Millisecond)
	term.send("\x03")
	stop := term.expect(`stopped at counter (\d+) \(interrupted\) in spin\+0x[0-9a-f]+ \(0x[0-9a-f]+\): .*`)
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
