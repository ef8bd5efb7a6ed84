package wasi

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/snapshot"
)

// script is a guest run touching every kind of input: files, directories,
// stdin, the clocks, random numbers, poll, and output to stdout and to a
// file. It returns the descriptor of data.txt.
func script(g *guest) uint32 {
	fd := g.open(sandboxFD, "data.txt", 0, readRights, 0)
	g.read(fd, 4)
	g.ok("clock_time_get", clockRealtime, 1, g.space(8))
	g.ok("clock_time_get", clockMonotonic, 1, g.space(8))
	g.ok("random_get", g.space(16), 16)
	g.write(1, "hello\n")
	g.read(0, 5)
	g.seek(fd, 10, whenceSet)
	g.read(fd, 3)
	g.readdir(sandboxFD, 4096)
	out := g.open(sandboxFD, "out.txt", oflagCreat|oflagTrunc, wrRights, 0)
	g.write(out, "written once")
	g.ok("fd_close", uint64(out))
	sub := make([]byte, sizeSubscription)
	sub[8] = eventtypeClock
	putU64(sub[24:], uint64(time.Millisecond))
	g.ok("poll_oneoff", g.bytes(sub), g.space(sizeEvent), 1, g.space(4))
	g.want(errNoent, "path_open", sandboxFD, 0, g.bytes([]byte("missing")), 7, 0, readRights, 0, 0, g.space(4))
	return fd
}

// rewind puts the guest back where it was before the script: memory,
// counter and scratch allocator, as a restored snapshot would.
func (g *guest) rewind(mem []byte, counter uint64) {
	copy(g.mem(), mem)
	g.m.counter = counter
	g.alloc = scratch
}

func TestRecordReplay(t *testing.T) {
	var stdout bytes.Buffer
	h, dir := newHost(t, Config{Stdout: &stdout, Stdin: strings.NewReader("typed input")})
	mustWrite(t, dir+"/data.txt", "0123456789abcdef")
	g := newGuest(t, h)
	mem0, counter0 := slices.Clone(g.mem()), g.m.counter

	var live []string
	g.trace = &live
	script(g)
	end := g.m.counter
	if h.Log().Len() != len(live) {
		t.Fatalf("log has %d entries for %d calls", h.Log().Len(), len(live))
	}

	// Nothing of the outside world is needed to replay.
	for _, f := range []string{"data.txt", "out.txt"} {
		if err := os.Remove(dir + "/" + f); err != nil {
			t.Fatal(err)
		}
	}
	h.stdin = strings.NewReader("")
	h.rand = strings.NewReader("")

	g.rewind(mem0, counter0)
	h.Seek(counter0)
	if h.Mode() != Replay {
		t.Fatalf("mode after Seek to the start: %v", h.Mode())
	}
	var replayed []string
	g.trace = &replayed
	start := time.Now()
	script(g)
	if time.Since(start) >= time.Millisecond && testing.Short() {
		t.Logf("replay took %v", time.Since(start))
	}
	if !slices.Equal(live, replayed) {
		for i := range min(len(live), len(replayed)) {
			if live[i] != replayed[i] {
				t.Fatalf("call %d differs:\nlive   %s\nreplay %s", i, live[i], replayed[i])
			}
		}
		t.Fatalf("%d calls live, %d replayed", len(live), len(replayed))
	}
	if stdout.String() != "hello\n" {
		t.Fatalf("stdout after replay: %q", stdout.String())
	}
	if _, err := os.Stat(dir + "/out.txt"); !os.IsNotExist(err) {
		t.Fatalf("replay touched the file system: %v", err)
	}

	// Past the end of the log: live again.
	if h.Mode() != Live {
		t.Fatalf("mode at the end of the log: %v", h.Mode())
	}
	if g.m.counter != end {
		t.Fatalf("counter %d, want %d", g.m.counter, end)
	}
	g.trace = nil
	g.write(1, "more\n")
	if stdout.String() != "hello\nmore\n" || h.Log().Len() != len(live)+1 {
		t.Fatalf("after the log: stdout %q, %d entries", stdout.String(), h.Log().Len())
	}
}

func TestReplayFromTheMiddle(t *testing.T) {
	var stdout bytes.Buffer
	h, dir := newHost(t, Config{Stdout: &stdout})
	mustWrite(t, dir+"/data.txt", "0123456789abcdef")
	g := newGuest(t, h)

	var live []string
	g.trace = &live
	fd := script(g)
	log := h.Log()

	// Seek to the second read of data.txt (after the seek to 10): the
	// state there has the file at offset 10.
	var e Entry
	for j := range log.Len() {
		if e = log.Entry(j); e.Func == "fd_seek" {
			e = log.Entry(j + 1)
			break
		}
	}
	h.Seek(e.Counter)
	st := h.State()
	f := findFile(st, fd)
	if f == nil || f.Offset != 10 || f.Kind != snapshot.FileRegular || f.GuestPath != "data.txt" || f.PreopenPath != "/sandbox" {
		t.Fatalf("state at counter %d: %+v", e.Counter, f)
	}
	if st.LogPosition != uint64(log.Find(e.Counter)) {
		t.Fatalf("log position %d", st.LogPosition)
	}
	// And the present has it at 13.
	h.Seek(g.m.counter)
	if h.Mode() != Live || findFile(h.State(), fd).Offset != 13 {
		t.Fatalf("present: mode %v, %+v", h.Mode(), findFile(h.State(), fd))
	}

	// A different call than the log's is a divergence, reported.
	h.Seek(e.Counter)
	g.m.counter = e.Counter
	_, err := g.try("fd_write", 1, 0, 0, 0)
	if err == nil || !strings.Contains(err.Error(), "diverged") || !strings.Contains(err.Error(), "fd_read") {
		t.Fatalf("divergent call: %v", err)
	}
}

func TestReplayExit(t *testing.T) {
	h, _ := newHost(t, Config{})
	g := newGuest(t, h)
	c0 := g.m.counter
	g.ok("sched_yield")
	if _, err := g.try("proc_exit", 5); err == nil {
		t.Fatal("no exit")
	}
	h.Seek(c0)
	if _, ok := h.Exited(); ok {
		t.Fatal("exited before the exit call")
	}
	g.m.counter = c0
	g.ok("sched_yield")
	_, err := g.try("proc_exit", 5)
	var exit *engines.ExitError
	if !errors.As(err, &exit) || exit.Code != 5 {
		t.Fatalf("replayed exit: %v", err)
	}
	if code, ok := h.Exited(); !ok || code != 5 {
		t.Fatalf("Exited() after replay = %d, %v", code, ok)
	}
}

func TestTruncate(t *testing.T) {
	var stdout bytes.Buffer
	h, dir := newHost(t, Config{Stdout: &stdout})
	mustWrite(t, dir+"/data.txt", "0123456789abcdef")
	g := newGuest(t, h)

	// Offsets are 4 after the first read and 10 after the seek; a second
	// file is opened and closed; a third is opened and left open.
	a := g.open(sandboxFD, "data.txt", 0, readRights, 0)
	g.read(a, 4)
	afterRead := g.m.counter
	b := g.open(sandboxFD, "data.txt", 0, readRights, 0)
	g.read(b, 2)
	g.ok("fd_close", uint64(b))
	afterClose := g.m.counter
	g.seek(a, 10, whenceSet)
	c := g.open(sandboxFD, "data.txt", 0, readRights, 0)
	g.read(c, 1)
	present := g.m.counter

	// Fork at the call that closed b: b is open again at offset 2, a is
	// back at 4, c does not exist yet.
	closeCounter := afterClose - 10
	if err := h.Truncate(closeCounter); err != nil {
		t.Fatal(err)
	}
	if h.Mode() != Live || h.Log().Len() != h.Log().Find(closeCounter) {
		t.Fatalf("after Truncate: mode %v, log %d", h.Mode(), h.Log().Len())
	}
	g.m.counter = closeCounter
	if got := g.read(b, 3); got != "234" {
		t.Fatalf("reopened fd reads %q", got)
	}
	if got := g.read(a, 2); got != "45" {
		t.Fatalf("fd a reads %q", got)
	}
	if c != b || len(h.State().Files) != 6 { // c took b's number later
		t.Fatalf("descriptors after the fork: %+v", h.State().Files)
	}

	// Fork at the first read: b is gone.
	if err := h.Truncate(afterRead); err != nil {
		t.Fatal(err)
	}
	g.want(errBadf, "fd_close", uint64(b))
	if got := g.read(a, 2); got != "45" {
		t.Fatalf("after the second fork, fd a reads %q", got)
	}
	if present <= afterRead {
		t.Fatal("counter did not advance")
	}

	// A file that no longer exists cannot be reopened: a clear error.
	g.ok("fd_close", uint64(a))
	forkPoint := g.m.counter - 10
	g.write(1, "x")
	os.Remove(dir + "/data.txt")
	err := h.Truncate(forkPoint)
	if err == nil || !strings.Contains(err.Error(), "fd 4 (/sandbox/data.txt)") {
		t.Fatalf("truncate to a deleted file: %v", err)
	}
}

func findFile(s *snapshot.Host, fd uint32) *snapshot.File {
	for i := range s.Files {
		if s.Files[i].FD == fd {
			return &s.Files[i]
		}
	}
	return nil
}

func TestForget(t *testing.T) {
	h, dir := newHost(t, Config{})
	mustWrite(t, dir+"/data.txt", "0123456789")
	g := newGuest(t, h)
	fd := g.open(sandboxFD, "data.txt", 0, readRights, 0)
	g.read(fd, 2)
	mid, midAlloc := g.m.counter, g.alloc
	g.read(fd, 2)
	g.read(fd, 2)
	n := h.Log().Len()

	h.Forget(mid)
	if h.Log().Len() != 2 || h.State().LogPosition != uint64(n) {
		t.Fatalf("after Forget: %d entries, position %d", h.Log().Len(), h.State().LogPosition)
	}
	// The state at mid is still known; before it, the log starts there.
	h.Seek(mid)
	if f := findFile(h.State(), fd); f == nil || f.Offset != 2 || h.State().LogPosition != uint64(n-2) {
		t.Fatalf("state at mid after Forget: %+v", h.State())
	}
	// Forgetting while replaying keeps what is still to replay.
	h.Forget(g.m.counter)
	if h.Log().Len() != 2 || h.Mode() != Replay {
		t.Fatalf("Forget during replay dropped pending calls: %d entries, %v", h.Log().Len(), h.Mode())
	}
	g.m.counter, g.alloc = mid, midAlloc
	if got := g.read(fd, 2); got != "23" {
		t.Fatalf("replayed read %q", got)
	}
}

func TestInterrupt(t *testing.T) {
	h, _ := newHost(t, Config{})
	g := newGuest(t, h)
	sub := make([]byte, sizeSubscription)
	sub[8] = eventtypeClock
	putU64(sub[24:], uint64(time.Hour))
	in, out, n := g.bytes(sub), g.space(sizeEvent), g.space(4)

	h.Interrupt() // before the call: does not cut the next sleep short
	done := make(chan Errno)
	go func() { done <- g.call("poll_oneoff", in, out, 1, n) }()
	select {
	case <-done:
		t.Fatal("an earlier Interrupt cut the sleep short")
	case <-time.After(20 * time.Millisecond):
	}
	h.Interrupt()
	select {
	case errno := <-done:
		if errno != errSuccess || g.u32(n) != 1 {
			t.Fatalf("interrupted poll: %v, %d events", errno, g.u32(n))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Interrupt did not wake poll_oneoff")
	}
}

func TestEntryString(t *testing.T) {
	h, _ := newHost(t, Config{})
	g := newGuest(t, h)
	g.m.counter = 1234
	g.write(1, "hi")
	g.try("proc_exit", 3)
	for i, want := range []string{
		"@1234 fd_write(1, 1032, 1, 1040) = ESUCCESS, wrote 4 bytes",
		"@1244 proc_exit(3), exit 3",
	} {
		if got := h.Log().Entry(i).String(); got != want {
			t.Errorf("entry %d: %q, want %q", i, got, want)
		}
	}
}
