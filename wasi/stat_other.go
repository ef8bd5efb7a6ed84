//go:build !linux

package wasi

import "io/fs"

// sysMeta returns the real file's identity and times: on this platform,
// only what fs.FileInfo says portably (no device or inode number; all
// times are mtime).
func sysMeta(fi fs.FileInfo) FileMeta {
	mtim := fi.ModTime().UnixNano()
	return FileMeta{Nlink: 1, Atim: mtim, Mtim: mtim, Ctim: mtim}
}
