package wasi

import (
	"io/fs"
	"syscall"
)

// sysStat returns what fs.FileInfo does not say portably.
func sysStat(fi fs.FileInfo) (dev, ino, nlink uint64, atim, ctim int64) {
	mtim := fi.ModTime().UnixNano()
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, 1, mtim, mtim
	}
	return uint64(st.Dev), uint64(st.Ino), uint64(st.Nlink), st.Atim.Nano(), st.Ctim.Nano()
}
