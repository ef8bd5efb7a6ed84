//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package wasi

import (
	"io/fs"
	"os"
)

// isTerminal reports whether f is a terminal. Without a terminal check on
// this platform, every character device counts as one (/dev/null or its
// equivalent too).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&fs.ModeCharDevice != 0
}
