//go:build !linux

package wasi

import "io/fs"

// sysStat returns what fs.FileInfo does not say portably: on this
// platform, nothing (no device or inode number; all times are mtime).
func sysStat(fi fs.FileInfo) (dev, ino, nlink uint64, atim, ctim int64) {
	mtim := fi.ModTime().UnixNano()
	return 0, 0, 1, mtim, mtim
}
