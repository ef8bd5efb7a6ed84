package wasi

import (
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/wdb-dev/wdb/snapshot"
)

// Paths. A guest path is relative to a directory descriptor (a leading
// "/" too, as in wazero: Zig passes absolute paths to its preopen "/").
// The host joins it to that directory's path inside its preopen and hands
// the result to the preopen's os.Root, which resolves it component by
// component and refuses anything that leaves the root: ".." too many and
// symbolic links that are absolute or climb out. Those refusals reach the
// guest as ENOTCAPABLE.

// pathAt resolves the guest path at ptr, n relative to directory fd. It
// returns the directory and the path inside its preopen, ready for the
// preopen's os.Root.
func (c *call) pathAt(fd uint32, ptr, n uint32) (*descriptor, string, Errno) {
	d, errno := c.h.lookup(fd)
	if errno != errSuccess {
		return nil, "", errno
	}
	if !d.isDir() {
		return nil, "", errNotdir
	}
	p, errno := c.str(ptr, n)
	if errno != errSuccess {
		return nil, "", errno
	}
	switch {
	case p == "":
		return nil, "", errNoent
	case strings.IndexByte(p, 0) >= 0:
		return nil, "", errInval
	}
	if p = strings.TrimLeft(p, "/"); p == "" {
		p = "."
	}
	if base := d.path(); base != "." {
		p = base + "/" + p
	}
	return d, p, errSuccess
}

// tidy is how a resolved path is recorded: cleaned, unless it holds ".."
// (after a symbolic link, ".." is not lexical, so only os.Root may
// interpret it).
func tidy(p string) string {
	for _, elem := range strings.Split(p, "/") {
		if elem == ".." {
			return p
		}
	}
	return path.Clean(p)
}

func pathOpen(c *call, p params) Errno {
	dirFD, lookup, pathPtr, pathLen := p.u32(0), p.u32(1), p.u32(2), p.u32(3)
	oflags, base, inheriting, fdflags, fdPtr := p.u32(4), p.u64(5), p.u64(6), p.u32(7), p.u32(8)

	dir, name, errno := c.pathAt(dirFD, pathPtr, pathLen)
	if errno != errSuccess {
		return errno
	}
	switch {
	case oflags&^oflagsAll != 0 || fdflags&^fdflagsAll != 0:
		return errInval
	case oflags&oflagCreat != 0 && oflags&oflagDirectory != 0:
		return errInval
	}
	if !c.fits(fdPtr, 4) {
		return errFault
	}

	if lookup&lookupSymlinkFollow == 0 {
		// O_NOFOLLOW: a symbolic link as the last component is refused.
		if fi, err := dir.pre.root.Lstat(name); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			if oflags&(oflagCreat|oflagExcl) == oflagCreat|oflagExcl {
				return errExist
			}
			return errLoop
		}
	}

	// The rights asked for decide the access mode: writing if any right
	// needs it, reading if asked or if nothing else is (base 0 is a
	// read-only open).
	write := oflags&oflagDirectory == 0 && base&writeRights != 0
	read := base&(rightFdRead|rightFdReaddir) != 0 || !write
	flag := accessFlags(read, write)
	if oflags&oflagCreat != 0 {
		flag |= os.O_CREATE
	}
	if oflags&oflagExcl != 0 {
		flag |= os.O_EXCL
	}
	if oflags&oflagTrunc != 0 {
		flag |= os.O_TRUNC
	}
	f, err := dir.pre.root.OpenFile(name, flag, 0o666)
	if err != nil {
		return errnoOf(err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return errnoOf(err)
	}
	rec := snapshot.File{
		GuestPath:   tidy(name),
		HostDir:     dir.pre.host,
		Preopen:     dir.rec.Preopen,
		PreopenPath: dir.pre.guest,
		OFlags:      oflags,
		FDFlags:     fdflags,
		Inherit:     inheriting,
	}
	if fi.IsDir() {
		rec.Kind = snapshot.FileDirectory
		rec.Rights = base & dirRights
	} else {
		if oflags&oflagDirectory != 0 {
			f.Close()
			return errNotdir
		}
		rec.Kind = snapshot.FileRegular
		rec.Rights = base & fileRights &^ (writeRights | rightFdRead)
		if read {
			rec.Rights |= rightFdRead
		}
		if write {
			rec.Rights |= base&writeRights | rightFdWrite
		}
	}
	fd := c.h.freeFD()
	rec.FD = fd
	c.h.fds[fd] = &descriptor{rec: rec, file: f, pre: dir.pre}
	c.changed(fd)
	c.putU32(fdPtr, fd)
	return errSuccess
}

// accessFlags are the os.OpenFile flags of an access mode.
func accessFlags(read, write bool) int {
	switch {
	case read && write:
		return os.O_RDWR
	case write:
		return os.O_WRONLY
	}
	return os.O_RDONLY
}

func pathCreateDirectory(c *call, p params) Errno {
	dir, name, errno := c.pathAt(p.u32(0), p.u32(1), p.u32(2))
	if errno != errSuccess {
		return errno
	}
	return errnoOf(dir.pre.root.Mkdir(name, 0o777))
}

func pathRemoveDirectory(c *call, p params) Errno {
	dir, name, errno := c.pathAt(p.u32(0), p.u32(1), p.u32(2))
	if errno != errSuccess {
		return errno
	}
	fi, err := dir.pre.root.Lstat(name)
	if err != nil {
		return errnoOf(err)
	}
	if !fi.IsDir() {
		return errNotdir
	}
	return errnoOf(dir.pre.root.Remove(name))
}

func pathUnlinkFile(c *call, p params) Errno {
	dir, name, errno := c.pathAt(p.u32(0), p.u32(1), p.u32(2))
	if errno != errSuccess {
		return errno
	}
	fi, err := dir.pre.root.Lstat(name)
	if err != nil {
		return errnoOf(err)
	}
	if fi.IsDir() {
		return errIsdir
	}
	return errnoOf(dir.pre.root.Remove(name))
}

func pathRename(c *call, p params) Errno {
	from, oldName, errno := c.pathAt(p.u32(0), p.u32(1), p.u32(2))
	if errno != errSuccess {
		return errno
	}
	to, newName, errno := c.pathAt(p.u32(3), p.u32(4), p.u32(5))
	if errno != errSuccess {
		return errno
	}
	if from.pre != to.pre {
		return errXdev
	}
	return errnoOf(from.pre.root.Rename(oldName, newName))
}

func pathLink(c *call, p params) Errno {
	// p[1] (lookup flags of the old path) is ignored: like link(2) on
	// Linux, a symbolic link is linked itself.
	from, oldName, errno := c.pathAt(p.u32(0), p.u32(2), p.u32(3))
	if errno != errSuccess {
		return errno
	}
	to, newName, errno := c.pathAt(p.u32(4), p.u32(5), p.u32(6))
	if errno != errSuccess {
		return errno
	}
	if from.pre != to.pre {
		return errXdev
	}
	return errnoOf(from.pre.root.Link(oldName, newName))
}

func pathSymlink(c *call, p params) Errno {
	target, errno := c.str(p.u32(0), p.u32(1))
	if errno != errSuccess {
		return errno
	}
	dir, name, errno := c.pathAt(p.u32(2), p.u32(3), p.u32(4))
	if errno != errSuccess {
		return errno
	}
	// os.Root would never follow a link out of the preopen, but other
	// programs on the host would: refuse to plant one.
	if target == "" || strings.IndexByte(target, 0) >= 0 {
		return errInval
	}
	if path.IsAbs(target) || escapes(path.Join(path.Dir(name), target)) {
		return errPerm
	}
	return errnoOf(dir.pre.root.Symlink(target, name))
}

// escapes reports whether a cleaned relative path climbs above its root.
func escapes(p string) bool { return p == ".." || strings.HasPrefix(p, "../") }

func pathReadlink(c *call, p params) Errno {
	dir, name, errno := c.pathAt(p.u32(0), p.u32(1), p.u32(2))
	if errno != errSuccess {
		return errno
	}
	buf, bufLen, usedPtr := p.u32(3), p.u32(4), p.u32(5)
	if !c.fits(buf, bufLen) || !c.fits(usedPtr, 4) {
		return errFault
	}
	target, err := dir.pre.root.Readlink(name)
	if err != nil {
		return errnoOf(err)
	}
	// Like readlink(2), a target longer than the buffer is truncated.
	n := min(uint32(len(target)), bufLen)
	c.write(buf, []byte(target[:n]))
	c.putU32(usedPtr, n)
	return errSuccess
}

func pathFilestatGet(c *call, p params) Errno {
	dir, name, errno := c.pathAt(p.u32(0), p.u32(2), p.u32(3))
	if errno != errSuccess {
		return errno
	}
	if !c.fits(p.u32(4), sizeFilestat) {
		return errFault
	}
	var fi fs.FileInfo
	var err error
	if p.u32(1)&lookupSymlinkFollow != 0 {
		fi, err = dir.pre.root.Stat(name)
	} else {
		fi, err = dir.pre.root.Lstat(name)
	}
	if err != nil {
		return errnoOf(err)
	}
	st := c.h.filestat(fi)
	c.write(p.u32(4), st[:])
	return errSuccess
}

func pathFilestatSetTimes(c *call, p params) Errno {
	dir, name, errno := c.pathAt(p.u32(0), p.u32(2), p.u32(3))
	if errno != errSuccess {
		return errno
	}
	atime, mtime, errno := c.h.fileTimes(p.u64(4), p.u64(5), uint16(p.u32(6)))
	if errno != errSuccess {
		return errno
	}
	if p.u32(1)&lookupSymlinkFollow == 0 {
		// os.Root has no lutimes: the times of a link itself cannot be set.
		if fi, err := dir.pre.root.Lstat(name); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return errNotsup
		}
	}
	return errnoOf(dir.pre.root.Chtimes(name, atime, mtime))
}
