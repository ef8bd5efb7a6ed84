package wasi

import (
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/wdb-dev/wdb/snapshot"
)

// descriptor is one open WASI descriptor. Its record (rec) is the state
// that snapshots hold and the log tracks; the rest are real handles.
//
// Regular files are always opened without O_APPEND or O_SYNC: those
// descriptor flags are applied by the host on each write, so that
// fd_fdstat_set_flags and reopening never depend on how the file was
// first opened.
type descriptor struct {
	rec snapshot.File
	// file is the open file or directory (nil for stdio).
	file *os.File
	// pre is the preopened directory paths are resolved in (nil for stdio).
	pre *preopenDir
	// entries is fd_readdir's listing, read when the guest starts over
	// (cookie 0) and indexed by cookie.
	entries []dirent
}

func (d *descriptor) isStdio() bool {
	switch d.rec.Kind {
	case snapshot.FileStdin, snapshot.FileStdout, snapshot.FileStderr:
		return true
	}
	return false
}

func (d *descriptor) isDir() bool {
	return d.rec.Kind == snapshot.FilePreopen || d.rec.Kind == snapshot.FileDirectory
}

func (d *descriptor) isFile() bool { return d.rec.Kind == snapshot.FileRegular }

func (d *descriptor) can(rights uint64) bool { return d.rec.Rights&rights == rights }

// path is the path of a file or directory descriptor inside its preopen.
func (d *descriptor) path() string {
	if d.rec.Kind == snapshot.FilePreopen {
		return "."
	}
	return d.rec.GuestPath
}

func (d *descriptor) close() error {
	if d.file == nil {
		return nil
	}
	err := d.file.Close()
	d.file = nil
	return err
}

func (h *Host) lookup(fd uint32) (*descriptor, Errno) {
	d, ok := h.fds[fd]
	if !ok {
		return nil, errBadf
	}
	return d, errSuccess
}

// freeFD returns the lowest unused descriptor number.
func (h *Host) freeFD() uint32 {
	for fd := uint32(0); ; fd++ {
		if _, used := h.fds[fd]; !used {
			return fd
		}
	}
}

// stdioFiletype says what a stdio stream is: a character device if it is
// a terminal, otherwise unknown (a pipe, a file, a Go buffer, a character
// device that is not a terminal such as /dev/null). wasi-libc's isatty
// takes a character device without fd_seek and fd_tell rights for a
// terminal, and stdio has neither right (it is a stream; fd_seek is
// ESPIPE), so the file type is what tells.
func stdioFiletype(stream any) uint8 {
	switch s := stream.(type) {
	case *os.File:
		if isTerminal(s) {
			return filetypeCharacterDevice
		}
	case interface{ IsTerminal() bool }:
		if s.IsTerminal() {
			return filetypeCharacterDevice
		}
	}
	return filetypeUnknown
}

func (h *Host) filetype(d *descriptor) uint8 {
	switch d.rec.Kind {
	case snapshot.FileStdin:
		return stdioFiletype(h.stdin)
	case snapshot.FileStdout:
		return stdioFiletype(h.stdout)
	case snapshot.FileStderr:
		return stdioFiletype(h.stderr)
	case snapshot.FilePreopen, snapshot.FileDirectory:
		return filetypeDirectory
	}
	if fi, err := d.file.Stat(); err == nil {
		return filetypeOf(fi.Mode())
	}
	return filetypeRegularFile
}

func filetypeOf(m fs.FileMode) uint8 {
	switch {
	case m.IsRegular():
		return filetypeRegularFile
	case m.IsDir():
		return filetypeDirectory
	case m&fs.ModeSymlink != 0:
		return filetypeSymbolicLink
	case m&fs.ModeCharDevice != 0:
		return filetypeCharacterDevice
	case m&fs.ModeDevice != 0:
		return filetypeBlockDevice
	case m&fs.ModeSocket != 0:
		return filetypeSocketStream
	}
	return filetypeUnknown
}

func fdClose(c *call, p params) Errno {
	fd := p.u32(0)
	d, errno := c.h.lookup(fd)
	if errno != errSuccess {
		return errno
	}
	delete(c.h.fds, fd)
	c.closed = append(c.closed, fd)
	if err := d.close(); err != nil {
		return errnoOf(err)
	}
	return errSuccess
}

func fdRenumber(c *call, p params) Errno {
	from, to := p.u32(0), p.u32(1)
	d, errno := c.h.lookup(from)
	if errno != errSuccess {
		return errno
	}
	if from == to {
		return errSuccess
	}
	if old, ok := c.h.fds[to]; ok {
		old.close()
		c.closed = append(c.closed, to)
	}
	delete(c.h.fds, from)
	c.closed = append(c.closed, from)
	d.rec.FD = to
	c.h.fds[to] = d
	c.changed(to)
	return errSuccess
}

func fdRead(c *call, p params) Errno {
	return readv(c, p.u32(0), p.u32(1), p.u32(2), -1, p.u32(3))
}

func fdPread(c *call, p params) Errno {
	off := p.u64(3)
	if off > math.MaxInt64 {
		return errInval
	}
	return readv(c, p.u32(0), p.u32(1), p.u32(2), int64(off), p.u32(4))
}

// readv implements fd_read (at < 0) and fd_pread (at the offset at).
func readv(c *call, fd, iovsPtr, iovsLen uint32, at int64, nreadPtr uint32) Errno {
	d, errno := c.h.lookup(fd)
	if errno != errSuccess {
		return errno
	}
	var r io.Reader
	switch {
	case d.rec.Kind == snapshot.FileStdin:
		if at >= 0 {
			return errSpipe
		}
		r = c.h.stdin
	case d.isDir():
		return errIsdir
	case d.isStdio():
		return errBadf
	}
	if !d.can(rightFdRead) {
		return errBadf // not open for reading
	}
	iovs, errno := c.iovecs(iovsPtr, iovsLen)
	if errno != errSuccess {
		return errno
	}
	if !c.fits(nreadPtr, 4) {
		return errFault
	}
	var total uint32
	var err error
	for _, iov := range iovs {
		var n int
		switch {
		case r != nil:
			n, err = r.Read(iov.buf)
		case at >= 0:
			n, err = d.file.ReadAt(iov.buf, at+int64(total))
		default:
			n, err = d.file.Read(iov.buf)
		}
		c.wrote(iov.ptr, iov.buf[:n])
		total += uint32(n)
		if err != nil || n < len(iov.buf) {
			break
		}
	}
	if at < 0 && d.isFile() && total > 0 {
		d.rec.Offset += int64(total)
		c.changed(fd)
	}
	if err != nil && !errors.Is(err, io.EOF) && total == 0 {
		return errnoOf(err)
	}
	c.putU32(nreadPtr, total)
	return errSuccess
}

func fdWrite(c *call, p params) Errno {
	return writev(c, p.u32(0), p.u32(1), p.u32(2), -1, p.u32(3))
}

func fdPwrite(c *call, p params) Errno {
	off := p.u64(3)
	if off > math.MaxInt64 {
		return errInval
	}
	return writev(c, p.u32(0), p.u32(1), p.u32(2), int64(off), p.u32(4))
}

// writev implements fd_write (at < 0) and fd_pwrite (at the offset at).
func writev(c *call, fd, iovsPtr, iovsLen uint32, at int64, nwrittenPtr uint32) Errno {
	d, errno := c.h.lookup(fd)
	if errno != errSuccess {
		return errno
	}
	var w io.Writer
	switch d.rec.Kind {
	case snapshot.FileStdout:
		w = c.h.stdout
	case snapshot.FileStderr:
		w = c.h.stderr
	case snapshot.FileRegular:
	default:
		return errBadf
	}
	if w != nil && at >= 0 {
		return errSpipe
	}
	if !d.can(rightFdWrite) {
		return errBadf // not open for writing
	}
	iovs, errno := c.iovecs(iovsPtr, iovsLen)
	if errno != errSuccess {
		return errno
	}
	if !c.fits(nwrittenPtr, 4) {
		return errFault
	}
	appending := w == nil && at < 0 && d.rec.FDFlags&fdflagAppend != 0
	if appending {
		end, err := d.file.Seek(0, io.SeekEnd)
		if err != nil {
			return errnoOf(err)
		}
		d.rec.Offset = end
		c.changed(fd)
	}
	var total uint32
	var err error
	for _, iov := range iovs {
		var n int
		switch {
		case w != nil:
			n, err = w.Write(iov.buf)
		case at >= 0:
			n, err = d.file.WriteAt(iov.buf, at+int64(total))
		default:
			n, err = d.file.Write(iov.buf)
		}
		total += uint32(n)
		if err != nil {
			break
		}
	}
	if w == nil {
		if at < 0 && total > 0 {
			d.rec.Offset += int64(total)
			c.changed(fd)
		}
		if err == nil && d.rec.FDFlags&(fdflagSync|fdflagDsync|fdflagRsync) != 0 {
			err = d.file.Sync()
		}
	}
	if err != nil && total == 0 {
		return errnoOf(err)
	}
	c.putU32(nwrittenPtr, total)
	return errSuccess
}

func fdSeek(c *call, p params) Errno {
	fd, offset, whence, resultPtr := p.u32(0), int64(p.u64(1)), p.u32(2), p.u32(3)
	d, errno := c.h.lookup(fd)
	if errno != errSuccess {
		return errno
	}
	if d.isStdio() {
		return errSpipe
	}
	if !c.fits(resultPtr, 8) {
		return errFault
	}
	var pos int64
	switch whence {
	case whenceSet:
		pos = offset
	case whenceCur:
		pos = d.rec.Offset + offset
	case whenceEnd:
		if d.isDir() {
			return errInval
		}
		fi, err := d.file.Stat()
		if err != nil {
			return errnoOf(err)
		}
		pos = fi.Size() + offset
	default:
		return errInval
	}
	if pos < 0 {
		return errInval
	}
	if d.isDir() {
		// Directories are read by cookie; only rewinding means something.
		if pos != 0 {
			return errInval
		}
	} else if pos != d.rec.Offset {
		if _, err := d.file.Seek(pos, io.SeekStart); err != nil {
			return errnoOf(err)
		}
		d.rec.Offset = pos
		c.changed(fd)
	}
	c.putU64(resultPtr, uint64(pos))
	return errSuccess
}

func fdTell(c *call, p params) Errno {
	d, errno := c.h.lookup(p.u32(0))
	if errno != errSuccess {
		return errno
	}
	if d.isStdio() {
		return errSpipe
	}
	var pos int64
	if d.isFile() {
		pos = d.rec.Offset
	}
	if !c.putU64(p.u32(1), uint64(pos)) {
		return errFault
	}
	return errSuccess
}

func fdSync(c *call, p params) Errno     { return syncFile(c, p.u32(0)) }
func fdDatasync(c *call, p params) Errno { return syncFile(c, p.u32(0)) }
func syncFile(c *call, fd uint32) Errno {
	d, errno := c.h.lookup(fd)
	if errno != errSuccess {
		return errno
	}
	if d.isStdio() {
		return errSuccess // nothing is buffered
	}
	return errnoOf(d.file.Sync())
}

func fdFdstatGet(c *call, p params) Errno {
	d, errno := c.h.lookup(p.u32(0))
	if errno != errSuccess {
		return errno
	}
	var b [sizeFdstat]byte
	b[0] = c.h.filetype(d)
	binary.LittleEndian.PutUint16(b[2:], uint16(d.rec.FDFlags))
	binary.LittleEndian.PutUint64(b[8:], d.rec.Rights)
	binary.LittleEndian.PutUint64(b[16:], d.rec.Inherit)
	if !c.write(p.u32(1), b[:]) {
		return errFault
	}
	return errSuccess
}

func fdFdstatSetFlags(c *call, p params) Errno {
	fd, flags := p.u32(0), p.u32(1)
	d, errno := c.h.lookup(fd)
	if errno != errSuccess {
		return errno
	}
	if flags&^fdflagsAll != 0 {
		return errInval
	}
	d.rec.FDFlags = flags
	c.changed(fd)
	return errSuccess
}

func fdFdstatSetRights(c *call, p params) Errno {
	fd, base, inheriting := p.u32(0), p.u64(1), p.u64(2)
	d, errno := c.h.lookup(fd)
	if errno != errSuccess {
		return errno
	}
	// Rights can only be dropped.
	if base&^d.rec.Rights != 0 || inheriting&^d.rec.Inherit != 0 {
		return errNotcapable
	}
	d.rec.Rights, d.rec.Inherit = base, inheriting
	c.changed(fd)
	return errSuccess
}

func fdFilestatGet(c *call, p params) Errno {
	d, errno := c.h.lookup(p.u32(0))
	if errno != errSuccess {
		return errno
	}
	var st [sizeFilestat]byte
	if d.isStdio() {
		st[16] = c.h.filetype(d)
	} else {
		fi, err := d.file.Stat()
		if err != nil {
			return errnoOf(err)
		}
		st = c.h.filestat(fi)
	}
	if !c.write(p.u32(1), st[:]) {
		return errFault
	}
	return errSuccess
}

// filestat encodes a WASI filestat.
func (h *Host) filestat(fi fs.FileInfo) [sizeFilestat]byte {
	var b [sizeFilestat]byte
	m := h.meta(fi)
	binary.LittleEndian.PutUint64(b[0:], m.Dev)
	binary.LittleEndian.PutUint64(b[8:], m.Ino)
	b[16] = filetypeOf(fi.Mode())
	binary.LittleEndian.PutUint64(b[24:], m.Nlink)
	binary.LittleEndian.PutUint64(b[32:], uint64(fi.Size()))
	binary.LittleEndian.PutUint64(b[40:], uint64(m.Atim))
	binary.LittleEndian.PutUint64(b[48:], uint64(m.Mtim))
	binary.LittleEndian.PutUint64(b[56:], uint64(m.Ctim))
	return b
}

func fdFilestatSetSize(c *call, p params) Errno {
	d, errno := c.h.lookup(p.u32(0))
	if errno != errSuccess {
		return errno
	}
	switch {
	case d.isDir():
		return errIsdir
	case !d.isFile():
		return errInval
	case !d.can(rightFdWrite):
		return errBadf
	case p.u64(1) > math.MaxInt64:
		return errFbig
	}
	return errnoOf(d.file.Truncate(int64(p.u64(1))))
}

func fdFilestatSetTimes(c *call, p params) Errno {
	d, errno := c.h.lookup(p.u32(0))
	if errno != errSuccess {
		return errno
	}
	if d.isStdio() {
		return errBadf
	}
	atime, mtime, errno := c.h.fileTimes(p.u64(1), p.u64(2), uint16(p.u32(3)))
	if errno != errSuccess {
		return errno
	}
	// os.File cannot change its own times; go through the path, in the
	// preopen (a file renamed since it was opened is not found).
	return errnoOf(d.pre.root.Chtimes(d.path(), atime, mtime))
}

// fileTimes decodes the times of a filestat_set_times call. A zero time
// leaves the file's time unchanged.
func (h *Host) fileTimes(atim, mtim uint64, flags uint16) (atime, mtime time.Time, errno Errno) {
	if flags&^(fstflagAtim|fstflagAtimNow|fstflagMtim|fstflagMtimNow) != 0 ||
		flags&(fstflagAtim|fstflagAtimNow) == fstflagAtim|fstflagAtimNow ||
		flags&(fstflagMtim|fstflagMtimNow) == fstflagMtim|fstflagMtimNow {
		return atime, mtime, errInval
	}
	now := h.now()
	switch {
	case flags&fstflagAtimNow != 0:
		atime = now
	case flags&fstflagAtim != 0:
		atime = time.Unix(0, int64(atim))
	}
	switch {
	case flags&fstflagMtimNow != 0:
		mtime = now
	case flags&fstflagMtim != 0:
		mtime = time.Unix(0, int64(mtim))
	}
	return atime, mtime, errSuccess
}

func fdAdvise(c *call, p params) Errno {
	d, errno := c.h.lookup(p.u32(0))
	if errno != errSuccess {
		return errno
	}
	switch {
	case d.isStdio():
		return errSpipe
	case d.isDir():
		return errBadf
	case p.u32(3) > 5: // normal, sequential, random, willneed, dontneed, noreuse
		return errInval
	}
	return errSuccess // advice may be ignored
}

func fdAllocate(c *call, p params) Errno {
	d, errno := c.h.lookup(p.u32(0))
	if errno != errSuccess {
		return errno
	}
	offset, length := p.u64(1), p.u64(2)
	switch {
	case d.isStdio():
		return errSpipe
	case d.isDir():
		return errBadf
	case !d.can(rightFdWrite):
		return errBadf
	case length == 0:
		return errInval
	case offset > math.MaxInt64 || length > math.MaxInt64-offset:
		return errFbig
	}
	fi, err := d.file.Stat()
	if err != nil {
		return errnoOf(err)
	}
	if end := int64(offset + length); end > fi.Size() {
		return errnoOf(d.file.Truncate(end))
	}
	return errSuccess
}

func fdPrestatGet(c *call, p params) Errno {
	d, errno := c.h.lookup(p.u32(0))
	if errno != errSuccess {
		return errno
	}
	if d.rec.Kind != snapshot.FilePreopen {
		return errBadf
	}
	var b [sizePrestat]byte // tag 0: a directory
	binary.LittleEndian.PutUint32(b[4:], uint32(len(d.rec.GuestPath)))
	if !c.write(p.u32(1), b[:]) {
		return errFault
	}
	return errSuccess
}

func fdPrestatDirName(c *call, p params) Errno {
	d, errno := c.h.lookup(p.u32(0))
	if errno != errSuccess {
		return errno
	}
	if d.rec.Kind != snapshot.FilePreopen {
		return errBadf
	}
	name := d.rec.GuestPath
	if uint64(p.u32(2)) < uint64(len(name)) {
		return errNametoolong
	}
	if !c.write(p.u32(1), []byte(name)) {
		return errFault
	}
	return errSuccess
}

// dirent is one entry of a directory listing.
type dirent struct {
	name string
	typ  uint8
	ino  uint64
}

func fdReaddir(c *call, p params) Errno {
	fd, buf, bufLen, cookie, usedPtr := p.u32(0), p.u32(1), p.u32(2), p.u64(3), p.u32(4)
	d, errno := c.h.lookup(fd)
	if errno != errSuccess {
		return errno
	}
	if !d.isDir() {
		return errBadf
	}
	out, ok := c.slice(buf, bufLen)
	if !ok || !c.fits(usedPtr, 4) {
		return errFault
	}
	if cookie == 0 || d.entries == nil {
		entries, err := d.list(c.h.meta)
		if err != nil {
			return errnoOf(err)
		}
		d.entries = entries
	}
	if cookie > uint64(len(d.entries)) {
		return errInval
	}
	used := 0
	for i := cookie; i < uint64(len(d.entries)) && used < len(out); i++ {
		e := d.entries[i]
		var hdr [sizeDirent]byte
		binary.LittleEndian.PutUint64(hdr[0:], i+1) // d_next: the cookie of the next entry
		binary.LittleEndian.PutUint64(hdr[8:], e.ino)
		binary.LittleEndian.PutUint32(hdr[16:], uint32(len(e.name)))
		hdr[20] = e.typ
		// The last entry may not fit: the guest sees a full buffer and
		// asks again with a larger one or from that entry's cookie.
		used += copy(out[used:], hdr[:])
		used += copy(out[used:], e.name)
		d.rec.Dirents = i + 1
	}
	c.wrote(buf, out[:used])
	c.changed(fd)
	c.putU32(usedPtr, uint32(used))
	return errSuccess
}

// list reads the directory from the start: "." and "..", then its
// entries sorted by name.
func (d *descriptor) list(meta func(fs.FileInfo) FileMeta) ([]dirent, error) {
	if _, err := d.file.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	des, err := d.file.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(des, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })

	self, err := d.file.Stat()
	if err != nil {
		return nil, err
	}
	selfIno := meta(self).Ino
	// The parent of a preopen is outside the guest's world: show the
	// preopen itself, as a root directory does.
	parentIno := selfIno
	if d.rec.Kind != snapshot.FilePreopen {
		if fi, err := d.pre.root.Stat(d.path() + "/.."); err == nil {
			parentIno = meta(fi).Ino
		}
	}
	entries := make([]dirent, 0, len(des)+2)
	entries = append(entries,
		dirent{name: ".", typ: filetypeDirectory, ino: selfIno},
		dirent{name: "..", typ: filetypeDirectory, ino: parentIno})
	for _, de := range des {
		e := dirent{name: de.Name(), typ: filetypeOf(de.Type())}
		if fi, err := de.Info(); err == nil {
			e.ino = meta(fi).Ino
		}
		entries = append(entries, e)
	}
	return entries, nil
}
