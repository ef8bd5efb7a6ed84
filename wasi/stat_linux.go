package wasi

import (
	"io/fs"
	"syscall"
)

// sysMeta returns the real file's identity and times.
func sysMeta(fi fs.FileInfo) FileMeta {
	mtim := fi.ModTime().UnixNano()
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return FileMeta{Nlink: 1, Atim: mtim, Mtim: mtim, Ctim: mtim}
	}
	return FileMeta{Dev: uint64(st.Dev), Ino: uint64(st.Ino), Nlink: uint64(st.Nlink), Atim: st.Atim.Nano(), Mtim: mtim, Ctim: st.Ctim.Nano()}
}
