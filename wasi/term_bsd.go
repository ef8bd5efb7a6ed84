//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package wasi

import (
	"os"

	"golang.org/x/sys/unix"
)

// isTerminal reports whether f is a terminal, as isatty(3) does: whether
// the terminal attributes can be read. /dev/null is a character device
// but not a terminal.
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TIOCGETA)
	return err == nil
}
