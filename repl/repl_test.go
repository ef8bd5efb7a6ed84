package repl

import (
	"bytes"
	"testing"
)

// TestConsoleEndsGuestLines: the debugger's output starts on a new line
// when the guest left one unfinished, and only then.
func TestConsoleEndsGuestLines(t *testing.T) {
	var term bytes.Buffer
	c := &console{}
	guest, dbg := c.writer(&term, false), c.writer(&term, true)
	dbg.Write([]byte("stopped at counter 0\n"))
	guest.Write([]byte("partial"))
	dbg.Write([]byte("stopped at counter 5\n"))
	guest.Write([]byte("whole line\n"))
	dbg.Write([]byte("stopped at counter 9\n"))
	guest.Write([]byte("more"))
	c.endLine(&term)
	c.endLine(&term)
	want := "stopped at counter 0\npartial\nstopped at counter 5\nwhole line\nstopped at counter 9\nmore\n"
	if term.String() != want {
		t.Errorf("the terminal shows:\n%q\nwant:\n%q", term.String(), want)
	}
}
