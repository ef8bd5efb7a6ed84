package wasi

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestFileReadWriteSeek(t *testing.T) {
	h, dir := newHost(t, Config{})
	g := newGuest(t, h)

	if err := os.Mkdir(dir+"/sub", 0o777); err != nil {
		t.Fatal(err)
	}
	fd := g.open(sandboxFD, "sub/../out.txt", oflagCreat|oflagTrunc, wrRights, 0)
	if n := g.write(fd, "hello world"); n != 11 {
		t.Fatalf("wrote %d", n)
	}
	if got := mustRead(t, dir+"/out.txt"); got != "hello world" {
		t.Fatalf("file holds %q", got)
	}
	if off := g.seek(fd, 6, whenceSet); off != 6 {
		t.Fatalf("seek = %d", off)
	}
	if got := g.read(fd, 100); got != "world" {
		t.Fatalf("read %q", got)
	}
	tell := g.space(8)
	g.ok("fd_tell", uint64(fd), tell)
	if g.u64(tell) != 11 {
		t.Fatalf("tell = %d", g.u64(tell))
	}
	if off := g.seek(fd, -5, whenceEnd); off != 6 {
		t.Fatalf("seek from end = %d", off)
	}
	if off := g.seek(fd, 2, whenceCur); off != 8 {
		t.Fatalf("seek from current = %d", off)
	}
	g.want(errInval, "fd_seek", uint64(fd), uint64(^uint64(99)), whenceCur, tell)
	g.want(errInval, "fd_seek", uint64(fd), 0, 3, tell)

	// pread and pwrite leave the offset alone.
	buf := g.space(5)
	iov, n := g.iovs([2]uint64{buf, 5})
	nr := g.space(4)
	g.ok("fd_pread", uint64(fd), iov, n, 0, nr)
	if got := string(g.mem()[buf : buf+uint64(g.u32(nr))]); got != "hello" {
		t.Fatalf("pread %q", got)
	}
	p, pn := g.str("J")
	iov2, n2 := g.iovs([2]uint64{p, pn})
	g.ok("fd_pwrite", uint64(fd), iov2, n2, 0, nr)
	g.ok("fd_tell", uint64(fd), tell)
	if g.u64(tell) != 8 || mustRead(t, dir+"/out.txt") != "Jello world" {
		t.Fatalf("after pwrite: offset %d, file %q", g.u64(tell), mustRead(t, dir+"/out.txt"))
	}

	// Stat, truncate, times.
	st := g.space(sizeFilestat)
	g.ok("fd_filestat_get", uint64(fd), st)
	if g.mem()[st+16] != filetypeRegularFile || g.u64(st+32) != 11 {
		t.Fatalf("filestat type %d size %d", g.mem()[st+16], g.u64(st+32))
	}
	g.ok("fd_filestat_set_size", uint64(fd), 5)
	if got := mustRead(t, dir+"/out.txt"); got != "Jello" {
		t.Fatalf("after set_size: %q", got)
	}
	g.ok("fd_allocate", uint64(fd), 0, 8)
	mtime := time.Unix(1600000000, 0)
	g.ok("fd_filestat_set_times", uint64(fd), 0, uint64(mtime.UnixNano()), uint64(fstflagMtim))
	if fi, err := os.Stat(dir + "/out.txt"); err != nil || !fi.ModTime().Equal(mtime) || fi.Size() != 8 {
		t.Fatalf("after set_times: %v %v", fi.ModTime(), err)
	}
	g.want(errInval, "fd_filestat_set_times", uint64(fd), 0, 0, uint64(fstflagMtim|fstflagMtimNow))
	g.ok("fd_sync", uint64(fd))
	g.ok("fd_datasync", uint64(fd))
	g.ok("fd_advise", uint64(fd), 0, 0, 2)
	g.want(errInval, "fd_advise", uint64(fd), 0, 0, 6)
	g.ok("fd_close", uint64(fd))
	g.want(errBadf, "fd_close", uint64(fd))
	g.want(errBadf, "fd_read", uint64(fd), iov, n, nr)
}

func TestAccessModes(t *testing.T) {
	h, dir := newHost(t, Config{})
	mustWrite(t, dir+"/f", "content")
	g := newGuest(t, h)
	p, n := g.str("xx")
	iov, cnt := g.iovs([2]uint64{p, n})
	nw := g.space(4)

	// Read-only, as wasi-libc opens O_RDONLY: writes are EBADF.
	ro := g.open(sandboxFD, "f", 0, readRights, 0)
	g.want(errBadf, "fd_write", uint64(ro), iov, cnt, nw)
	g.want(errBadf, "fd_filestat_set_size", uint64(ro), 0)
	st := g.space(sizeFdstat)
	g.ok("fd_fdstat_get", uint64(ro), st)
	if rights := g.u64(st + 8); rights&writeRights != 0 || rights&rightFdRead == 0 || rights&rightPathOpen != 0 {
		t.Fatalf("read-only file rights %#x", rights)
	}
	// Write-only: reads are EBADF.
	wo := g.open(sandboxFD, "f", 0, writeOnly, 0)
	g.want(errBadf, "fd_read", uint64(wo), iov, cnt, nw)
	// Append: every write goes to the end.
	ap := g.open(sandboxFD, "f", 0, wrRights, fdflagAppend)
	g.write(ap, "++")
	g.seek(ap, 0, whenceSet)
	g.write(ap, "!!")
	if got := mustRead(t, dir+"/f"); got != "content++!!" {
		t.Fatalf("appended file %q", got)
	}
	// Clearing O_APPEND with fd_fdstat_set_flags.
	g.ok("fd_fdstat_set_flags", uint64(ap), 0)
	g.seek(ap, 0, whenceSet)
	g.write(ap, "C")
	if got := mustRead(t, dir+"/f"); got != "Content++!!" {
		t.Fatalf("after clearing append: %q", got)
	}
	g.want(errInval, "fd_fdstat_set_flags", uint64(ap), 0x100)

	// Rights can be dropped, not regained.
	g.ok("fd_fdstat_set_rights", uint64(ap), rightFdRead, 0)
	g.want(errBadf, "fd_write", uint64(ap), iov, cnt, nw)
	g.want(errNotcapable, "fd_fdstat_set_rights", uint64(ap), rightFdRead|rightFdWrite, 0)

	// No rights at all (wazero's wasi_fd example) is a read-only open.
	none := g.open(sandboxFD, "f", 0, 0, 0)
	if got := g.read(none, 3); got != "Con" {
		t.Fatalf("read from a rights-0 descriptor: %q", got)
	}
	g.want(errBadf, "fd_write", uint64(none), iov, cnt, nw)
	g.ok("fd_fdstat_get", uint64(none), st)
	if rights := g.u64(st + 8); rights != rightFdRead {
		t.Fatalf("rights-0 descriptor reports %#x", rights)
	}

	// Existence flags.
	if _, errno := g.tryOpen(sandboxFD, "f", oflagCreat|oflagExcl, wrRights, 0); errno != errExist {
		t.Fatalf("O_EXCL on an existing file: %v", errno)
	}
	if _, errno := g.tryOpen(sandboxFD, "missing", 0, readRights, 0); errno != errNoent {
		t.Fatalf("opening a missing file: %v", errno)
	}
	if _, errno := g.tryOpen(sandboxFD, "f", oflagDirectory, readRights, 0); errno != errNotdir {
		t.Fatalf("O_DIRECTORY on a file: %v", errno)
	}
	if _, errno := g.tryOpen(sandboxFD, "", 0, readRights, 0); errno != errNoent {
		t.Fatalf("empty path: %v", errno)
	}
	if _, errno := g.tryOpen(ro, "x", 0, readRights, 0); errno != errNotdir {
		t.Fatalf("path_open relative to a file: %v", errno)
	}
	// Reading a directory.
	g.want(errIsdir, "fd_read", sandboxFD, iov, cnt, nw)
}

func TestPrestat(t *testing.T) {
	h, _ := newHost(t, Config{Preopens: []Preopen{{HostDir: t.TempDir(), GuestPath: "/tmp"}}})
	g := newGuest(t, h)
	st := g.space(8)
	for fd, name := range map[uint64]string{3: "/sandbox", 4: "/tmp"} {
		g.ok("fd_prestat_get", fd, st)
		if g.mem()[st] != 0 || g.u32(st+4) != uint32(len(name)) {
			t.Fatalf("prestat %d: tag %d len %d", fd, g.mem()[st], g.u32(st+4))
		}
		buf := g.space(len(name))
		g.ok("fd_prestat_dir_name", fd, buf, uint64(len(name)))
		if got := string(g.mem()[buf : buf+uint64(len(name))]); got != name {
			t.Fatalf("prestat_dir_name %d = %q", fd, got)
		}
		g.want(errNametoolong, "fd_prestat_dir_name", fd, buf, uint64(len(name)-1))
	}
	// wasi-libc stops scanning preopens at the first EBADF.
	g.want(errBadf, "fd_prestat_get", 5, st)
	g.want(errBadf, "fd_prestat_get", 1, st)
}

// readdir lists a directory through fd_readdir with a buffer of size n,
// following cookies as wasi-libc does.
func (g *guest) readdir(fd uint32, size int) []string {
	g.t.Helper()
	buf, used := g.space(size), g.space(4)
	var names []string
	cookie := uint64(0)
	for {
		g.ok("fd_readdir", uint64(fd), buf, uint64(size), cookie, used)
		b := g.mem()[buf : buf+uint64(g.u32(used))]
		progressed := false
		for len(b) >= sizeDirent {
			next := binary.LittleEndian.Uint64(b)
			n := int(binary.LittleEndian.Uint32(b[16:]))
			if len(b) < sizeDirent+n {
				break // truncated: ask again from its cookie
			}
			names = append(names, string(b[sizeDirent:sizeDirent+n]))
			cookie, b, progressed = next, b[sizeDirent+n:], true
		}
		if g.u32(used) < uint32(size) {
			return names
		}
		if !progressed {
			g.t.Fatalf("fd_readdir: buffer of %d bytes too small for one entry", size)
		}
	}
}

func TestReaddir(t *testing.T) {
	h, dir := newHost(t, Config{})
	var want []string
	for _, name := range []string{"b", "a", "a-long-file-name-that-does-not-fit", "c"} {
		mustWrite(t, dir+"/d/"+name, "")
		want = append(want, name)
	}
	if err := os.Mkdir(dir+"/d/sub", 0o777); err != nil {
		t.Fatal(err)
	}
	want = append(want, "sub", ".", "..")
	slices.Sort(want)
	g := newGuest(t, h)
	d := g.open(sandboxFD, "d", oflagDirectory, readRights, 0)
	for _, size := range []int{64, 100, 4096} {
		got := g.readdir(d, size)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("readdir with %d bytes: %q, want %q", size, got, want)
		}
	}
	// Entry types: "sub" is a directory.
	buf, used := g.space(4096), g.space(4)
	g.ok("fd_readdir", uint64(d), buf, 4096, 0, used)
	for b := g.mem()[buf : buf+uint64(g.u32(used))]; len(b) > 0; {
		n := int(binary.LittleEndian.Uint32(b[16:]))
		name, typ := string(b[sizeDirent:sizeDirent+n]), b[20]
		wantType := filetypeRegularFile
		if name == "sub" || name == "." || name == ".." {
			wantType = filetypeDirectory
		}
		if typ != wantType {
			t.Errorf("%s: type %d, want %d", name, typ, wantType)
		}
		b = b[sizeDirent+n:]
	}
	g.want(errInval, "fd_readdir", uint64(d), buf, 4096, 100, used)

	// A file is not a directory (Go and TinyGo expect EBADF).
	f := g.open(d, "a", 0, readRights, 0)
	g.want(errBadf, "fd_readdir", uint64(f), buf, 4096, 0, used)
	// The preopen itself.
	if got := g.readdir(sandboxFD, 256); !slices.Contains(got, "d") {
		t.Fatalf("preopen listing %q", got)
	}
}

func TestPathOperations(t *testing.T) {
	h, dir := newHost(t, Config{})
	g := newGuest(t, h)
	path := func(s string) (uint64, uint64) { return g.str(s) }

	p, n := path("newdir")
	g.ok("path_create_directory", sandboxFD, p, n)
	g.want(errExist, "path_create_directory", sandboxFD, p, n)
	mustWrite(t, dir+"/newdir/file", "12345")

	st := g.space(sizeFilestat)
	fp, fn := path("newdir/file")
	g.ok("path_filestat_get", sandboxFD, uint64(lookupSymlinkFollow), fp, fn, st)
	if g.mem()[st+16] != filetypeRegularFile || g.u64(st+32) != 5 {
		t.Fatalf("path_filestat_get: type %d size %d", g.mem()[st+16], g.u64(st+32))
	}
	atime := time.Unix(1500000000, 0)
	g.ok("path_filestat_set_times", sandboxFD, uint64(lookupSymlinkFollow), fp, fn, uint64(atime.UnixNano()), 0, uint64(fstflagAtim|fstflagMtimNow))

	// Relative to a directory descriptor.
	sub := g.open(sandboxFD, "newdir", oflagDirectory, readRights, 0)
	lp, ln := path("file")
	np, nn := path("renamed")
	g.ok("path_rename", uint64(sub), lp, ln, uint64(sub), np, nn)
	if mustRead(t, dir+"/newdir/renamed") != "12345" {
		t.Fatal("rename did not happen")
	}
	hp, hn := path("hardlink")
	g.ok("path_link", uint64(sub), 0, np, nn, sandboxFD, hp, hn)
	if mustRead(t, dir+"/hardlink") != "12345" {
		t.Fatal("link did not happen")
	}

	// Symbolic links inside the preopen work.
	tp, tn := path("newdir/renamed")
	sp, sn := path("link")
	g.ok("path_symlink", tp, tn, sandboxFD, sp, sn)
	buf, used := g.space(64), g.space(4)
	g.ok("path_readlink", sandboxFD, sp, sn, buf, 64, used)
	if got := string(g.mem()[buf : buf+uint64(g.u32(used))]); got != "newdir/renamed" {
		t.Fatalf("readlink %q", got)
	}
	g.ok("path_readlink", sandboxFD, sp, sn, buf, 3, used)
	if g.u32(used) != 3 {
		t.Fatalf("truncated readlink used %d", g.u32(used))
	}
	if got := g.read(g.open(sandboxFD, "link", 0, readRights, 0), 10); got != "12345" {
		t.Fatalf("read through link %q", got)
	}
	g.ok("path_filestat_get", sandboxFD, 0, sp, sn, st)
	if g.mem()[st+16] != filetypeSymbolicLink {
		t.Fatalf("lstat of a link: type %d", g.mem()[st+16])
	}
	// O_NOFOLLOW on a link.
	fdp := g.space(4)
	g.want(errLoop, "path_open", sandboxFD, 0, sp, sn, 0, readRights, 0, 0, fdp)

	// Removal.
	g.want(errIsdir, "path_unlink_file", sandboxFD, p, n)
	g.want(errNotempty, "path_remove_directory", sandboxFD, p, n)
	g.want(errNotdir, "path_remove_directory", sandboxFD, hp, hn)
	g.ok("path_unlink_file", uint64(sub), np, nn)
	g.ok("path_remove_directory", sandboxFD, p, n)
	if _, err := os.Stat(dir + "/newdir"); !os.IsNotExist(err) {
		t.Fatalf("directory still there: %v", err)
	}

	// Two preopens: no renaming across them.
	h2, _ := newHost(t, Config{Preopens: []Preopen{{HostDir: t.TempDir(), GuestPath: "/other"}}})
	g2 := newGuest(t, h2)
	mustWrite(t, filepath.Join(h2.preopens["/sandbox"].host, "x"), "")
	xp, xn := g2.str("x")
	g2.want(errXdev, "path_rename", sandboxFD, xp, xn, 4, xp, xn)
}

// TestEscapes checks that nothing leaves the preopened directory.
func TestEscapes(t *testing.T) {
	h, dir := newHost(t, Config{})
	outside := filepath.Join(filepath.Dir(dir), "outside-"+filepath.Base(dir))
	mustWrite(t, outside, "secret")
	t.Cleanup(func() { os.Remove(outside) })
	if err := os.Mkdir(dir+"/sub", 0o777); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, dir+"/inside", "fine")
	for link, target := range map[string]string{
		"abs":        outside,                           // absolute symbolic link
		"rel":        "../" + filepath.Base(outside),    // relative, climbing out
		"sub/deep":   "../../" + filepath.Base(outside), // from a subdirectory
		"chain1":     "chain2",                          // a chain ending outside
		"chain2":     "sub/chain3",
		"sub/chain3": "../rel",
		"sub/up":     "..", // stays inside: fine
		"absdir":     "/",
		"loop":       "loop",
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	g := newGuest(t, h)
	sub := g.open(sandboxFD, "sub", oflagDirectory, readRights, 0)

	for _, c := range []struct {
		dirfd uint32
		path  string
		want  Errno
	}{
		{sandboxFD, "../" + filepath.Base(outside), errNotcapable},
		{sandboxFD, "sub/../../" + filepath.Base(outside), errNotcapable},
		{sandboxFD, outside, errNoent}, // a leading "/" is relative to the preopen
		{sandboxFD, "/inside", errSuccess},
		{sandboxFD, "//sub/../inside", errSuccess},
		{sandboxFD, "/../" + filepath.Base(outside), errNotcapable},
		{sandboxFD, "abs", errNotcapable},
		{sandboxFD, "rel", errNotcapable},
		{sandboxFD, "sub/deep", errNotcapable},
		{sandboxFD, "chain1", errNotcapable},
		{sandboxFD, "absdir/etc/passwd", errNotcapable},
		{sandboxFD, "loop", errLoop},
		{sub, "../../" + filepath.Base(outside), errNotcapable},
		{sub, "deep", errNotcapable},
		{sub, "../inside", errSuccess},
		{sub, "up/inside", errSuccess},
		{sandboxFD, "sub/up/sub/up/inside", errSuccess},
	} {
		fd, errno := g.tryOpen(c.dirfd, c.path, 0, readRights, 0)
		if errno != c.want {
			t.Errorf("path_open(%d, %q) = %v, want %v", c.dirfd, c.path, errno, c.want)
			continue
		}
		if errno == errSuccess {
			if got := g.read(fd, 10); got != "fine" {
				t.Errorf("path_open(%d, %q) read %q", c.dirfd, c.path, got)
			}
		}
	}

	// The other path functions refuse escapes too.
	esc, escN := g.str("../" + filepath.Base(outside))
	abs, absN := g.str("abs")
	st := g.space(sizeFilestat)
	g.want(errNotcapable, "path_filestat_get", sandboxFD, uint64(lookupSymlinkFollow), esc, escN, st)
	g.want(errNotcapable, "path_filestat_get", sandboxFD, uint64(lookupSymlinkFollow), abs, absN, st)
	g.ok("path_filestat_get", sandboxFD, 0, abs, absN, st) // the link itself is inside
	g.want(errNotcapable, "path_unlink_file", sandboxFD, esc, escN)
	g.want(errNotcapable, "path_create_directory", sandboxFD, esc, escN)
	g.want(errNotcapable, "path_remove_directory", sandboxFD, esc, escN)
	in, inN := g.str("inside")
	g.want(errNotcapable, "path_rename", sandboxFD, in, inN, sandboxFD, esc, escN)
	g.want(errNotcapable, "path_link", sandboxFD, 0, in, inN, sandboxFD, esc, escN)
	g.want(errNotcapable, "path_filestat_set_times", sandboxFD, uint64(lookupSymlinkFollow), abs, absN, 0, 0, uint64(fstflagMtimNow))
	buf, used := g.space(64), g.space(4)
	g.want(errNotcapable, "path_readlink", sandboxFD, esc, escN, buf, 64, used)

	// No planting of links that point outside.
	target, targetN := g.str(outside)
	up, upN := g.str("../x")
	name, nameN := g.str("planted")
	g.want(errPerm, "path_symlink", target, targetN, sandboxFD, name, nameN)
	g.want(errPerm, "path_symlink", up, upN, sandboxFD, name, nameN)
	g.want(errPerm, "path_symlink", up, upN, uint64(sub), g.bytes([]byte("../planted")), 10)

	if got := mustRead(t, outside); got != "secret" {
		t.Fatalf("outside file changed: %q", got)
	}
}
