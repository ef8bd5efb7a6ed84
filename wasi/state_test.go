package wasi

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wdb-dev/wdb/snapshot"
)

func TestStateRestore(t *testing.T) {
	h, dir := newHost(t, Config{Args: []string{"prog", "arg"}, Env: []string{"K=V"}})
	mustWrite(t, dir+"/in/data.txt", "0123456789")
	g := newGuest(t, h)
	in := g.open(sandboxFD, "in", oflagDirectory, readRights, 0)
	data := g.open(in, "data.txt", 0, readRights, 0)
	g.read(data, 3)
	out := g.open(sandboxFD, "out.txt", oflagCreat, wrRights, fdflagAppend)
	g.write(out, "first,")
	g.ok("fd_renumber", uint64(out), 9)
	g.ok("clock_time_get", clockMonotonic, 0, g.space(8))
	st := h.State()

	want := map[uint32]snapshot.File{
		0:    {FD: 0, Kind: snapshot.FileStdin},
		3:    {FD: 3, Kind: snapshot.FilePreopen, GuestPath: "/sandbox", PreopenPath: "/sandbox", Preopen: 3},
		in:   {FD: in, Kind: snapshot.FileDirectory, GuestPath: "in", PreopenPath: "/sandbox", Preopen: 3, OFlags: oflagDirectory},
		data: {FD: data, Kind: snapshot.FileRegular, GuestPath: "in/data.txt", PreopenPath: "/sandbox", Preopen: 3, Offset: 3},
		9:    {FD: 9, Kind: snapshot.FileRegular, GuestPath: "out.txt", PreopenPath: "/sandbox", Preopen: 3, Offset: 6, OFlags: oflagCreat, FDFlags: fdflagAppend},
	}
	for fd, w := range want {
		f := findFile(st, fd)
		if f == nil || f.Kind != w.Kind || f.GuestPath != w.GuestPath || f.PreopenPath != w.PreopenPath ||
			f.Preopen != w.Preopen || f.Offset != w.Offset || f.OFlags != w.OFlags || f.FDFlags != w.FDFlags {
			t.Errorf("fd %d: %+v, want %+v", fd, f, w)
		}
	}
	if findFile(st, out) != nil || len(st.Files) != 7 {
		t.Errorf("%d files: %+v", len(st.Files), st.Files)
	}
	if st.Args[1] != "arg" || st.Env[0] != "K=V" || st.Monotonic == 0 {
		t.Errorf("args %q env %q monotonic %d", st.Args, st.Env, st.Monotonic)
	}

	// Another machine: another host directory, same guest path, a clock
	// that is behind.
	dir2 := t.TempDir()
	mustWrite(t, dir2+"/in/data.txt", "0123456789")
	mustWrite(t, dir2+"/out.txt", "first,")
	behind := time.Unix(1000, 0)
	h2, err := New(Config{Preopens: []Preopen{{HostDir: dir2, GuestPath: "/sandbox"}}, Now: func() time.Time { return behind }})
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Close()
	if err := h2.Restore(st); err != nil {
		t.Fatal(err)
	}
	g2 := newGuest(t, h2)
	if got := g2.read(data, 100); got != "3456789" {
		t.Fatalf("restored fd reads %q", got)
	}
	g2.write(9, "second")
	if got := mustRead(t, dir2+"/out.txt"); got != "first,second" {
		t.Fatalf("restored append fd wrote %q", got)
	}
	if got := g2.readdir(in, 256); len(got) != 3 {
		t.Fatalf("restored directory lists %q", got)
	}
	mono := g2.space(8)
	g2.ok("clock_time_get", clockMonotonic, 0, mono)
	if g2.u64(mono) < st.Monotonic {
		t.Fatalf("monotonic clock went back: %d < %d", g2.u64(mono), st.Monotonic)
	}
	count, size := g2.space(4), g2.space(4)
	g2.ok("args_sizes_get", count, size)
	if g2.u32(count) != 2 {
		t.Fatalf("restored argc %d", g2.u32(count))
	}
	s2 := h2.State()
	if f := findFile(s2, data); f == nil || f.HostDir != dir2 || f.Offset != 10 {
		t.Fatalf("state after restore: %+v", f)
	}
	if s2.LogPosition != st.LogPosition+uint64(h2.Log().Len()) {
		t.Fatalf("log position %d after %d + %d", s2.LogPosition, st.LogPosition, h2.Log().Len())
	}
}

func TestRestoreErrors(t *testing.T) {
	h, dir := newHost(t, Config{})
	mustWrite(t, dir+"/data.txt", "0123456789")
	g := newGuest(t, h)
	fd := g.open(sandboxFD, "data.txt", 0, readRights, 0)
	g.read(fd, 2)
	st := h.State()

	// A missing file.
	dir2 := t.TempDir()
	h2, err := New(Config{Preopens: []Preopen{{HostDir: dir2, GuestPath: "/sandbox"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Close()
	err = h2.Restore(st)
	if err == nil || !strings.Contains(err.Error(), "fd 4 (/sandbox/data.txt)") || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("restore with a missing file: %v", err)
	}
	// The host is unchanged: its own preopen still works.
	g2 := newGuest(t, h2)
	g2.ok("fd_prestat_get", sandboxFD, g2.space(8))
	g2.want(errBadf, "fd_read", 4, 0, 0, g2.space(4))

	// A directory where the file was.
	if err := os.Mkdir(filepath.Join(dir2, "data.txt"), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := h2.Restore(st); err == nil || !strings.Contains(err.Error(), "no longer a file") {
		t.Fatalf("restore with a directory for a file: %v", err)
	}

	// A missing preopen.
	h3, err := New(Config{Preopens: []Preopen{{HostDir: dir, GuestPath: "/elsewhere"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer h3.Close()
	err = h3.Restore(st)
	if err == nil || !strings.Contains(err.Error(), `no directory is preopened as "/sandbox"`) {
		t.Fatalf("restore without the preopen: %v", err)
	}

	// Bad input.
	if err := h3.Restore(nil); err == nil {
		t.Fatal("restore of nil")
	}
	dup := &snapshot.Host{Files: []snapshot.File{{FD: 1, Kind: snapshot.FileStdout}, {FD: 1, Kind: snapshot.FileStderr}}}
	if err := h3.Restore(dup); err == nil || !strings.Contains(err.Error(), "fd 1 twice") {
		t.Fatalf("restore with a duplicate fd: %v", err)
	}
	bad := &snapshot.Host{Files: []snapshot.File{{FD: 1, Kind: 42}}}
	if err := h3.Restore(bad); err == nil || !strings.Contains(err.Error(), "unknown descriptor kind") {
		t.Fatalf("restore with a bad kind: %v", err)
	}

	// Records without PreopenPath (older images) find their preopen by fd.
	old := *st
	old.Files = append([]snapshot.File(nil), st.Files...)
	for i := range old.Files {
		if old.Files[i].Kind == snapshot.FileRegular {
			old.Files[i].PreopenPath = ""
		}
	}
	h4, _ := newHost(t, Config{})
	mustWrite(t, h4.preopens["/sandbox"].host+"/data.txt", "0123456789")
	if err := h4.Restore(&old); err != nil {
		t.Fatal(err)
	}
	if got := newGuest(t, h4).read(fd, 3); got != "234" {
		t.Fatalf("restored without PreopenPath: %q", got)
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := New(Config{Preopens: []Preopen{{HostDir: "/nonexistent/dir"}}}); err == nil || !strings.Contains(err.Error(), "/nonexistent/dir") {
		t.Fatalf("missing preopen: %v", err)
	}
	d := t.TempDir()
	if _, err := New(Config{Preopens: []Preopen{{HostDir: d, GuestPath: "/x"}, {HostDir: d, GuestPath: "/x"}}}); err == nil {
		t.Fatal("duplicate guest path accepted")
	}
	h, err := New(Config{Preopens: []Preopen{{HostDir: d}}, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if h.State().Files[3].GuestPath != d || h.Log() != nil {
		t.Fatalf("default guest path / no log: %+v %v", h.State().Files[3], h.Log())
	}
	if err := h.Truncate(0); err == nil {
		t.Fatal("Truncate without a log")
	}
	h.Seek(0) // no-op
}
