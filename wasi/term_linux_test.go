package wasi

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// OpenPTY opens a pseudo-terminal and returns its terminal end (closed at
// the end of the test), or skips.
func OpenPTY(t *testing.T) *os.File {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Skipf("ptsname: %v", err)
	}
	tty, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open the terminal end: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	return tty
}

// TestStdioFiletype: a stdio stream is a character device to the guest
// only if it is a terminal. /dev/null is a character device, but not a
// terminal: shown as one, with stdio's rights (no fd_seek, no fd_tell),
// wasi-libc's isatty would take it for a terminal.
func TestStdioFiletype(t *testing.T) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	tty := OpenPTY(t)
	h, _ := newHost(t, Config{Stdin: null, Stdout: tty, Stderr: &bytes.Buffer{}})
	g := newGuest(t, h)
	for fd, want := range []uint8{filetypeUnknown, filetypeCharacterDevice, filetypeUnknown} {
		st := g.space(sizeFdstat)
		g.ok("fd_fdstat_get", uint64(fd), st)
		if got := g.mem()[st]; got != want {
			t.Errorf("fd %d: fdstat file type %d, want %d", fd, got, want)
		}
		if rights := g.u64(st + 8); rights&(rightFdSeek|rightFdTell) != 0 {
			t.Errorf("fd %d: rights %#x include fd_seek or fd_tell", fd, rights)
		}
		fst := g.space(sizeFilestat)
		g.ok("fd_filestat_get", uint64(fd), fst)
		if got := g.mem()[fst+16]; got != want {
			t.Errorf("fd %d: filestat file type %d, want %d", fd, got, want)
		}
	}
}
