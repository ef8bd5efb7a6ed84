// Package repl is wdb's interactive terminal front end: a prompt with
// line editing, history and tab completion (github.com/peterh/liner) over
// the debugger's command interpreter. Without a terminal (a pipe, or a
// script given with --batch) it runs the same commands line by line.
//
// The guest's stdout and stderr go to the same terminal as the debugger's
// output. The guest only runs while a command executes and the prompt is
// only shown while it is stopped, so they do not mix. When the guest's
// output stops in the middle of a line, the debugger's next output (a
// stop line, the prompt) starts on a new line. At a terminal the guest is
// told it writes to one, so its C library flushes each line as it would
// outside the debugger.
package repl

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"

	"github.com/peterh/liner"
	"golang.org/x/term"

	"github.com/wdb-dev/wdb/debugger"
)

// Prompt is the prompt, also echoed before each command in batch mode.
const Prompt = "(wdb) "

// ErrCommandsFailed is what Run returns when a command of a script failed.
var ErrCommandsFailed = errors.New("some commands failed")

// Options configure a REPL.
type Options struct {
	// Stdin, Stdout and Stderr are the terminal (or the pipes). Stdin must
	// be os.Stdin for the interactive mode (liner reads the terminal).
	Stdin          *os.File
	Stdout, Stderr io.Writer
	// Batch is a script of commands to run instead of reading them from
	// stdin; the guest then gets stdin.
	Batch string
	// History is the history file; "" for $WDB_HISTORY, else
	// os.UserConfigDir()/wdb/history.
	History string
}

// REPL reads commands and runs them on a session.
type REPL struct {
	o           Options
	interactive bool
	con         *console
}

// New prepares a REPL. Create the session with GuestStdout, GuestStderr
// and GuestStdin as the guest's stdio, then call Run.
func New(o Options) *REPL {
	if o.Stdin == nil {
		o.Stdin = os.Stdin
	}
	_, err := liner.TerminalMode()
	r := &REPL{o: o, interactive: o.Batch == "" && err == nil && o.Stdin == os.Stdin}
	r.con = &console{}
	return r
}

// Interactive reports whether commands are read from a terminal.
func (r *REPL) Interactive() bool { return r.interactive }

// GuestStdout and GuestStderr are the writers for the guest's output.
func (r *REPL) GuestStdout() io.Writer { return r.guestWriter(r.o.Stdout) }
func (r *REPL) GuestStderr() io.Writer { return r.guestWriter(r.o.Stderr) }

// guestWriter writes the guest's output to w through the console, which
// notices a line the guest leaves unfinished so that the debugger's next
// output starts on a new line. At a terminal it says it is one, so that
// the guest knows (and its C library flushes each line, as it would
// outside the debugger).
func (r *REPL) guestWriter(w io.Writer) io.Writer {
	cw := r.con.writer(w, false)
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return terminalWriter{cw}
	}
	return cw
}

// terminalWriter is a console writer on a terminal.
type terminalWriter struct{ io.Writer }

// IsTerminal tells wasi that the guest writes to a terminal.
func (terminalWriter) IsTerminal() bool { return true }

// GuestStdin is the guest's stdin: the terminal, or with a script the
// process's stdin; nothing when the commands come from stdin.
func (r *REPL) GuestStdin() io.Reader {
	if r.interactive || r.o.Batch != "" {
		return r.o.Stdin
	}
	return nil
}

// HistoryFile is where the history is kept: $WDB_HISTORY, else
// os.UserConfigDir()/wdb/history.
func HistoryFile() (string, error) {
	if h := os.Getenv("WDB_HISTORY"); h != "" {
		return h, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "wdb", "history"), nil
}

// Run runs commands on s until quit, Ctrl-D or the end of the input. In
// batch mode it returns ErrCommandsFailed if a command failed.
func (r *REPL) Run(s *debugger.Session) error {
	var script io.Reader = r.o.Stdin
	if r.o.Batch != "" {
		f, err := os.Open(r.o.Batch)
		if err != nil {
			return err
		}
		defer f.Close()
		script = f
	}
	out := r.con.writer(r.o.Stdout, true)
	in := debugger.NewInterpreter(s, out)
	fmt.Fprintf(out, "wdb: debugging %s on engine %s; \"help\" lists the commands\n", s.Path(), s.Engine())
	fmt.Fprintln(out, in.StopLine(s.State()))
	if r.interactive {
		return r.interact(s, in)
	}
	return r.batch(s, in, script, out)
}

// exec runs one command; Ctrl-C while it runs interrupts the guest.
func (r *REPL) exec(s *debugger.Session, in *debugger.Interpreter, line string) error {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-sigs:
				// The terminal echoed ^C where the cursor was: the
				// stop line goes on the next line.
				r.con.markMidLine()
				s.Interrupt()
			case <-done:
				return
			}
		}
	}()
	err := in.Exec(line)
	signal.Stop(sigs)
	close(done)
	wg.Wait()
	return err
}

func (r *REPL) batch(s *debugger.Session, in *debugger.Interpreter, src io.Reader, out io.Writer) error {
	errs := r.con.writer(r.o.Stderr, true)
	failed := false
	sc := bufio.NewScanner(src)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue // in a script, blank lines do not repeat commands
		}
		fmt.Fprintln(out, Prompt+line)
		err := r.exec(s, in, line)
		if errors.Is(err, debugger.ErrQuit) {
			break
		}
		if err != nil {
			fmt.Fprintf(errs, "error: %v\n", err)
			failed = true
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if failed {
		return ErrCommandsFailed
	}
	return nil
}

func (r *REPL) interact(s *debugger.Session, in *debugger.Interpreter) error {
	cooked, err := liner.TerminalMode()
	if err != nil {
		return err
	}
	line := liner.NewLiner()
	defer line.Close()
	raw, err := liner.TerminalMode()
	if err != nil {
		return err
	}
	line.SetCtrlCAborts(true)
	line.SetCompleter(in.Complete)
	history, herr := HistoryFile()
	if r.o.History != "" {
		history, herr = r.o.History, nil
	}
	if herr == nil {
		if f, err := os.Open(history); err == nil {
			line.ReadHistory(f)
			f.Close()
		}
	}
	errs := r.con.writer(r.o.Stderr, true)
	for {
		r.con.endLine(r.o.Stdout)
		text, err := line.Prompt(Prompt)
		switch {
		case errors.Is(err, liner.ErrPromptAborted):
			continue // Ctrl-C at the prompt clears the line
		case errors.Is(err, io.EOF):
			fmt.Fprintln(r.o.Stdout, "quit")
			return nil
		case err != nil:
			return err
		}
		if strings.TrimSpace(text) != "" {
			line.AppendHistory(text)
			if herr == nil {
				saveHistory(line, history)
			}
		}
		// The guest runs with the terminal as it was (echo, line
		// editing); Ctrl-C then sends SIGINT, which interrupts it.
		cooked.ApplyMode()
		err = r.exec(s, in, text)
		raw.ApplyMode()
		if errors.Is(err, debugger.ErrQuit) {
			return nil
		}
		if err != nil {
			fmt.Fprintf(errs, "error: %v\n", err)
		}
	}
}

// saveHistory writes the history, creating the directory; failing to is
// not worth interrupting the session for.
func saveHistory(line *liner.State, path string) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return
	}
	line.WriteHistory(f)
	f.Close()
}

// console tracks whether the terminal's last line was left unfinished by
// the guest, so that the debugger's output starts on a new line.
type console struct {
	mu      sync.Mutex
	midLine bool
}

// writer writes to w; debugger output first ends a line the guest left
// unfinished.
func (c *console) writer(w io.Writer, debugger bool) io.Writer {
	return &consoleWriter{c: c, w: w, debugger: debugger}
}

// markMidLine notes that something other than the debugger (the
// terminal's echo of ^C) left the cursor in the middle of a line.
func (c *console) markMidLine() {
	c.mu.Lock()
	c.midLine = true
	c.mu.Unlock()
}

// endLine ends a line the guest left unfinished.
func (c *console) endLine(w io.Writer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.midLine {
		io.WriteString(w, "\n")
		c.midLine = false
	}
}

type consoleWriter struct {
	c        *console
	w        io.Writer
	debugger bool
}

func (cw *consoleWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	cw.c.mu.Lock()
	defer cw.c.mu.Unlock()
	if cw.debugger && cw.c.midLine {
		if _, err := io.WriteString(cw.w, "\n"); err != nil {
			return 0, err
		}
	}
	n, err := cw.w.Write(p)
	cw.c.midLine = p[len(p)-1] != '\n'
	return n, err
}
