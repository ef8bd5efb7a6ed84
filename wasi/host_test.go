package wasi

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

func TestImports(t *testing.T) {
	h, _ := newHost(t, Config{})
	externs, err := h.Imports(wasiModule())
	if err != nil {
		t.Fatal(err)
	}
	if len(externs) != len(functions) {
		t.Fatalf("%d externs for %d imports", len(externs), len(functions))
	}
	for _, e := range externs {
		if e.Kind != wasm.ExternFunc || e.Func == nil || e.Func.Module != ModuleName {
			t.Fatalf("bad extern %+v", e)
		}
	}

	i32 := []wasm.ValType{wasm.I32}
	for _, tc := range []struct {
		imp  wasm.Import
		want string
	}{
		{wasm.Import{Module: ModuleName, Name: "fd_frobnicate"}, "unknown import wasi_snapshot_preview1.fd_frobnicate"},
		{wasm.Import{Module: "env", Name: "print"}, "unknown import env.print"},
		{wasm.Import{Module: ModuleName, Name: "fd_close", Kind: wasm.ExternMemory}, "import wasi_snapshot_preview1.fd_close is a memory"},
		{wasm.Import{Module: ModuleName, Name: "proc_exit"}, "import wasi_snapshot_preview1.proc_exit has type [i32] -> [i32], but WASI's is [i32] -> []"},
	} {
		m := &wasm.Module{Types: []wasm.FuncType{{Params: i32, Results: i32}}, Imports: []wasm.Import{tc.imp}}
		_, err := h.Imports(m)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Imports(%s.%s) error = %v, want %q", tc.imp.Module, tc.imp.Name, err, tc.want)
		}
	}
}

func TestArgsEnviron(t *testing.T) {
	h, _ := newHost(t, Config{Args: []string{"prog", "a b", ""}, Env: []string{"HOME=/", "X=1"}})
	g := newGuest(t, h)

	for _, tc := range []struct {
		sizes, get string
		want       []string
	}{
		{"args_sizes_get", "args_get", []string{"prog", "a b", ""}},
		{"environ_sizes_get", "environ_get", []string{"HOME=/", "X=1"}},
	} {
		count, size := g.space(4), g.space(4)
		g.ok(tc.sizes, count, size)
		wantSize := 0
		for _, s := range tc.want {
			wantSize += len(s) + 1
		}
		if g.u32(count) != uint32(len(tc.want)) || g.u32(size) != uint32(wantSize) {
			t.Fatalf("%s = %d, %d; want %d, %d", tc.sizes, g.u32(count), g.u32(size), len(tc.want), wantSize)
		}
		ptrs, buf := g.space(4*len(tc.want)), g.space(wantSize)
		g.ok(tc.get, ptrs, buf)
		next := uint32(buf)
		for i, s := range tc.want {
			p := g.u32(ptrs + uint64(4*i))
			if p != next {
				t.Fatalf("%s: pointer %d = %d, want %d", tc.get, i, p, next)
			}
			got := g.mem()[p : p+uint32(len(s))+1]
			if string(got) != s+"\x00" {
				t.Fatalf("%s: string %d = %q, want %q", tc.get, i, got, s+"\x00")
			}
			next += uint32(len(s)) + 1
		}
		// The pointer array or the strings out of bounds.
		g.want(errFault, tc.get, maxGuestPtr-4, buf)
		g.want(errFault, tc.get, ptrs, maxGuestPtr-1)
		g.want(errFault, tc.sizes, count, maxGuestPtr)
	}
}

func TestStdio(t *testing.T) {
	var stdout, stderr bytes.Buffer
	h, _ := newHost(t, Config{Stdin: strings.NewReader("input line\n"), Stdout: &stdout, Stderr: &stderr})
	g := newGuest(t, h)

	// Two buffers gathered into one write.
	a, an := g.str("hello, ")
	b, bn := g.str("world\n")
	iov, n := g.iovs([2]uint64{a, an}, [2]uint64{b, bn})
	nw := g.space(4)
	g.ok("fd_write", 1, iov, n, nw)
	if got := stdout.String(); got != "hello, world\n" || g.u32(nw) != 13 {
		t.Fatalf("stdout %q, nwritten %d", got, g.u32(nw))
	}
	g.write(2, "oops\n")
	if stderr.String() != "oops\n" {
		t.Fatalf("stderr %q", stderr.String())
	}
	if got := g.read(0, 5); got != "input" {
		t.Fatalf("stdin read %q", got)
	}
	if got := g.read(0, 100); got != " line\n" {
		t.Fatalf("stdin read %q", got)
	}
	if got := g.read(0, 100); got != "" {
		t.Fatalf("stdin read at EOF %q", got)
	}

	g.want(errBadf, "fd_write", 0, iov, n, nw)
	g.want(errBadf, "fd_read", 1, iov, n, nw)
	g.want(errBadf, "fd_write", 42, iov, n, nw)
	g.want(errSpipe, "fd_seek", 1, 0, whenceSet, g.space(8))
	g.want(errSpipe, "fd_pwrite", 1, iov, n, 0, nw)

	// Not a terminal (a Go buffer): isatty is false for wasi-libc.
	st := g.space(sizeFdstat)
	g.ok("fd_fdstat_get", 1, st)
	if g.mem()[st] != filetypeUnknown || g.u64(st+8)&(rightFdSeek|rightFdTell) != 0 || g.u64(st+8)&rightFdWrite == 0 {
		t.Fatalf("stdout fdstat: type %d rights %#x", g.mem()[st], g.u64(st+8))
	}
}

func TestBadPointers(t *testing.T) {
	h, dir := newHost(t, Config{Args: []string{"x"}})
	mustWrite(t, dir+"/f", "data")
	g := newGuest(t, h)
	fd := g.open(sandboxFD, "f", 0, readRights, 0)
	end := uint64(maxGuestPtr)
	p, n := g.str("f")
	good := g.space(64)
	iov, cnt := g.iovs([2]uint64{good, 4})
	badIov, _ := g.iovs([2]uint64{end - 2, 4})

	for _, c := range []struct {
		name string
		args []uint64
	}{
		{"args_sizes_get", []uint64{end, good}},
		{"clock_time_get", []uint64{0, 0, end - 7}},
		{"clock_res_get", []uint64{1, 1 << 31}},
		{"random_get", []uint64{end - 10, 11}},
		{"random_get", []uint64{0xffffffff, 2}},
		{"fd_read", []uint64{uint64(fd), badIov, 1, good}},
		{"fd_read", []uint64{uint64(fd), end - 4, 1, good}},
		{"fd_read", []uint64{uint64(fd), iov, 0x7fffffff, good}},
		{"fd_read", []uint64{uint64(fd), iov, cnt, end}},
		{"fd_write", []uint64{1, badIov, 1, good}},
		{"fd_seek", []uint64{uint64(fd), 0, 0, end - 1}},
		{"fd_fdstat_get", []uint64{uint64(fd), end - 8}},
		{"fd_filestat_get", []uint64{uint64(fd), end - 8}},
		{"fd_prestat_get", []uint64{sandboxFD, end}},
		{"fd_prestat_dir_name", []uint64{sandboxFD, end - 1, 100}},
		{"fd_readdir", []uint64{sandboxFD, end - 10, 100, 0, good}},
		{"path_open", []uint64{sandboxFD, 0, end - 1, 5, 0, readRights, 0, 0, good}},
		{"path_open", []uint64{sandboxFD, 0, p, n, 0, readRights, 0, 0, end}},
		{"path_filestat_get", []uint64{sandboxFD, 0, p, n, end - 1}},
		{"path_readlink", []uint64{sandboxFD, p, n, end - 1, 10, good}},
		{"poll_oneoff", []uint64{end - 10, good, 1, good}},
		{"poll_oneoff", []uint64{good, good, 0x7fffffff, good}},
	} {
		if got := g.call(c.name, c.args...); got != errFault {
			t.Errorf("%s%v = %v, want EFAULT", c.name, c.args, got)
		}
	}

	// A module without memory: every pointer is out of range.
	g.m.mem = nil
	g.want(errFault, "args_sizes_get", 0, 4)
}

func TestClocksAndRandom(t *testing.T) {
	now := time.Unix(1700000000, 5)
	h, _ := newHost(t, Config{Now: func() time.Time { return now }, Rand: strings.NewReader("0123456789")})
	g := newGuest(t, h)
	out := g.space(8)

	g.ok("clock_time_get", clockRealtime, 1, out)
	if got := g.u64(out); got != uint64(now.UnixNano()) {
		t.Fatalf("realtime = %d, want %d", got, now.UnixNano())
	}
	g.ok("clock_time_get", clockMonotonic, 1, out)
	mono := g.u64(out)
	now = now.Add(time.Second)
	g.ok("clock_time_get", clockMonotonic, 1, out)
	if d := g.u64(out) - mono; d != uint64(time.Second) {
		t.Fatalf("monotonic advanced by %d, want 1s", d)
	}
	now = now.Add(-time.Hour) // the wall clock goes back; monotonic does not
	g.ok("clock_time_get", clockMonotonic, 1, out)
	if g.u64(out) < mono+uint64(time.Second) {
		t.Fatalf("monotonic went back")
	}
	g.ok("clock_time_get", clockProcessCPUTimeID, 1, out)
	g.ok("clock_time_get", clockThreadCPUTimeID, 1, out)
	g.want(errInval, "clock_time_get", 4, 1, out)

	g.ok("clock_res_get", clockRealtime, out)
	if g.u64(out) != uint64(time.Microsecond) {
		t.Fatalf("realtime resolution %d", g.u64(out))
	}
	g.ok("clock_res_get", clockMonotonic, out)
	g.want(errInval, "clock_res_get", 99, out)

	g.ok("random_get", out, 4)
	g.ok("random_get", out+4, 4)
	if got := string(g.mem()[out : out+8]); got != "01234567" {
		t.Fatalf("random bytes %q", got)
	}
	g.want(errIO, "random_get", out, 4) // the source has 2 bytes left
}

func TestPollOneoff(t *testing.T) {
	h, dir := newHost(t, Config{})
	mustWrite(t, dir+"/f", "0123456789")
	g := newGuest(t, h)
	fd := g.open(sandboxFD, "f", 0, readRights, 0)

	sub := func(userdata uint64, tag uint8, a uint32, timeout uint64, flags uint16) []byte {
		b := make([]byte, sizeSubscription)
		putU64(b[0:], userdata)
		b[8] = tag
		putU32(b[16:], a)
		putU64(b[24:], timeout)
		putU16(b[40:], flags)
		return b
	}
	events := g.space(4 * sizeEvent)
	nevents := g.space(4)

	// A relative clock alone: sleeps, then reports it.
	in := g.bytes(sub(7, eventtypeClock, clockMonotonic, uint64(2*time.Millisecond), 0))
	start := time.Now()
	g.ok("poll_oneoff", in, events, 1, nevents)
	if time.Since(start) < 2*time.Millisecond {
		t.Errorf("poll_oneoff returned before its timeout")
	}
	if g.u32(nevents) != 1 || g.u64(events) != 7 || g.mem()[events+10] != eventtypeClock {
		t.Fatalf("clock event: n=%d userdata=%d type=%d", g.u32(nevents), g.u64(events), g.mem()[events+10])
	}

	// Descriptors are ready at once; the long timer does not fire; a bad
	// descriptor is an event with EBADF.
	var subs []byte
	subs = append(subs, sub(1, eventtypeClock, clockMonotonic, uint64(time.Hour), 0)...)
	subs = append(subs, sub(2, eventtypeFdRead, 0, 0, 0)...)
	subs = append(subs, sub(3, eventtypeFdRead, fd, 0, 0)...)
	subs = append(subs, sub(4, eventtypeFdWrite, 99, 0, 0)...)
	in = g.bytes(subs)
	g.ok("poll_oneoff", in, events, 4, nevents)
	if g.u32(nevents) != 3 {
		t.Fatalf("%d events, want 3", g.u32(nevents))
	}
	for i, want := range []struct {
		userdata uint64
		errno    Errno
		nbytes   uint64
	}{{2, 0, 0}, {3, 0, 10}, {4, errBadf, 0}} {
		ev := events + uint64(i*sizeEvent)
		if g.u64(ev) != want.userdata || Errno(g.mem()[ev+8]) != want.errno || g.u64(ev+16) != want.nbytes {
			t.Errorf("event %d: userdata %d errno %d nbytes %d, want %+v", i, g.u64(ev), g.mem()[ev+8], g.u64(ev+16), want)
		}
	}

	// An absolute deadline in the past fires at once.
	in = g.bytes(sub(9, eventtypeClock, clockRealtime, 1, subclockAbstime))
	g.ok("poll_oneoff", in, events, 1, nevents)
	if g.u32(nevents) != 1 || g.u64(events) != 9 {
		t.Fatalf("absolute clock event missing")
	}
	g.want(errInval, "poll_oneoff", in, events, 0, nevents)
}

func TestProc(t *testing.T) {
	h, _ := newHost(t, Config{})
	g := newGuest(t, h)
	g.ok("sched_yield")
	g.want(errNosys, "proc_raise", 9)
	g.want(errNosys, "sock_accept", 3, 0, 0)
	_, err := g.try("proc_exit", 3)
	var exit *engines.ExitError
	if !errors.As(err, &exit) || exit.Code != 3 {
		t.Fatalf("proc_exit error = %v", err)
	}
	if code, ok := h.Exited(); !ok || code != 3 {
		t.Fatalf("Exited() = %d, %v", code, ok)
	}
	if s := h.State(); !s.Exited || s.ExitCode != 3 {
		t.Fatalf("state exit = %v %d", s.Exited, s.ExitCode)
	}
}

func putU16(b []byte, v uint16) { b[0], b[1] = byte(v), byte(v>>8) }
func putU32(b []byte, v uint32) {
	for i := range 4 {
		b[i] = byte(v >> (8 * i))
	}
}
func putU64(b []byte, v uint64) {
	for i := range 8 {
		b[i] = byte(v >> (8 * i))
	}
}

func TestParsePreopen(t *testing.T) {
	for in, want := range map[string]Preopen{
		"data":         {HostDir: "data", GuestPath: "data"},
		"/tmp/x:/data": {HostDir: "/tmp/x", GuestPath: "/data"},
		".:/":          {HostDir: ".", GuestPath: "/"},
		"dir:":         {HostDir: "dir", GuestPath: "dir"},
	} {
		if got, err := ParsePreopen(in); err != nil || got != want {
			t.Errorf("ParsePreopen(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", ":/data"} {
		if _, err := ParsePreopen(in); err == nil {
			t.Errorf("ParsePreopen(%q) accepted", in)
		}
	}
}

// sayTerminal is a writer that says whether it is a terminal, as a writer
// wrapping one does.
type sayTerminal struct {
	bytes.Buffer
	terminal bool
}

func (s *sayTerminal) IsTerminal() bool { return s.terminal }

// TestStdioSaysTerminal: a stdio writer that is not an *os.File is a
// terminal to the guest when its IsTerminal method says so.
func TestStdioSaysTerminal(t *testing.T) {
	h, _ := newHost(t, Config{Stdout: &sayTerminal{terminal: true}, Stderr: &sayTerminal{}})
	g := newGuest(t, h)
	for fd, want := range map[int]uint8{1: filetypeCharacterDevice, 2: filetypeUnknown} {
		st := g.space(sizeFdstat)
		g.ok("fd_fdstat_get", uint64(fd), st)
		if got := g.mem()[st]; got != want {
			t.Errorf("fd %d: file type %d, want %d", fd, got, want)
		}
	}
}
