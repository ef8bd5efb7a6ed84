package wasi

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// fakeMachine is the part of an engines.Machine a host function uses.
type fakeMachine struct {
	engines.Machine // nil: any other method panics
	mem             *engines.Memory
	counter         uint64
}

func (m *fakeMachine) Memory(i uint32) *engines.Memory {
	if i != 0 {
		return nil
	}
	return m.mem
}

func (m *fakeMachine) Counter() uint64 { return m.counter }

// wasiModule is a module importing every WASI function.
func wasiModule() *wasm.Module {
	m := &wasm.Module{}
	for _, name := range Functions() {
		m.Types = append(m.Types, functions[name].typ())
		m.Imports = append(m.Imports, wasm.Import{
			Module: ModuleName, Name: name, Kind: wasm.ExternFunc, TypeIndex: uint32(len(m.Types) - 1),
		})
	}
	return m
}

// guest calls host functions as a guest would, through Imports and a fake
// machine with one page of memory. Each call advances the counter by 10.
type guest struct {
	t     *testing.T
	h     *Host
	m     *fakeMachine
	funcs map[string]*engines.HostFunc
	// alloc is the next free address of the scratch area.
	alloc uint32
	// trace, when not nil, collects each call's counter, name, errno and
	// a hash of memory after it.
	trace *[]string
}

const scratch = 1024

func newGuest(t *testing.T, h *Host) *guest {
	t.Helper()
	externs, err := h.Imports(wasiModule())
	if err != nil {
		t.Fatal(err)
	}
	g := &guest{t: t, h: h, funcs: map[string]*engines.HostFunc{}, alloc: scratch,
		m: &fakeMachine{mem: &engines.Memory{Data: make([]byte, 65536)}, counter: 100}}
	for _, e := range externs {
		g.funcs[e.Func.Name] = e.Func
	}
	return g
}

// newHost creates a host with a fresh temporary directory preopened as
// "/sandbox" (returned), a fixed clock and a counting random source.
func newHost(t *testing.T, cfg Config) (*Host, string) {
	t.Helper()
	dir := t.TempDir()
	cfg.Preopens = append([]Preopen{{HostDir: dir, GuestPath: "/sandbox"}}, cfg.Preopens...)
	if cfg.Now == nil {
		clock := time.Unix(1700000000, 0)
		cfg.Now = func() time.Time { clock = clock.Add(time.Millisecond); return clock }
	}
	if cfg.Rand == nil {
		cfg.Rand = &countingReader{}
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h, dir
}

type countingReader struct{ n byte }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.n
		r.n++
	}
	return len(p), nil
}

// call invokes a host function and returns its errno (0 for proc_exit)
// and error.
func (g *guest) try(name string, args ...uint64) (Errno, error) {
	g.t.Helper()
	fn, ok := g.funcs[name]
	if !ok {
		g.t.Fatalf("no function %s", name)
	}
	if len(args) != len(fn.Type.Params) {
		g.t.Fatalf("%s takes %d arguments, got %d", name, len(fn.Type.Params), len(args))
	}
	results := make([]uint64, len(fn.Type.Results))
	err := fn.Call(g.m, args, results)
	if g.trace != nil {
		*g.trace = append(*g.trace, fmt.Sprintf("%d %s%v = %v, %v, memory %x",
			g.m.counter, name, args, results, err, sha256.Sum256(g.mem())))
	}
	g.m.counter += 10
	if len(results) == 0 {
		return 0, err
	}
	return Errno(results[0]), err
}

// call invokes a host function that must not fail with a Go error.
func (g *guest) call(name string, args ...uint64) Errno {
	g.t.Helper()
	errno, err := g.try(name, args...)
	if err != nil {
		g.t.Fatalf("%s: %v", name, err)
	}
	return errno
}

// ok invokes a host function that must succeed.
func (g *guest) ok(name string, args ...uint64) {
	g.t.Helper()
	if errno := g.call(name, args...); errno != errSuccess {
		g.t.Fatalf("%s%v = %v, want success", name, args, errno)
	}
}

// want invokes a host function that must fail with errno.
func (g *guest) want(errno Errno, name string, args ...uint64) {
	g.t.Helper()
	if got := g.call(name, args...); got != errno {
		g.t.Fatalf("%s%v = %v, want %v", name, args, got, errno)
	}
}

func (g *guest) mem() []byte { return g.m.mem.Data }

// bytes places b in the scratch area and returns its address.
func (g *guest) bytes(b []byte) uint64 {
	p := g.alloc
	copy(g.mem()[p:], b)
	g.alloc += uint32(len(b)+7) &^ 7
	return uint64(p)
}

// str places s in the scratch area and returns its address and length.
func (g *guest) str(s string) (uint64, uint64) { return g.bytes([]byte(s)), uint64(len(s)) }

// space reserves n bytes of scratch.
func (g *guest) space(n int) uint64 { return g.bytes(make([]byte, n)) }

// iovs places an iovec array designating bufs (address, length pairs) and
// returns its address and count.
func (g *guest) iovs(bufs ...[2]uint64) (uint64, uint64) {
	var b []byte
	for _, buf := range bufs {
		b = binary.LittleEndian.AppendUint32(b, uint32(buf[0]))
		b = binary.LittleEndian.AppendUint32(b, uint32(buf[1]))
	}
	return g.bytes(b), uint64(len(bufs))
}

func (g *guest) u32(p uint64) uint32 { return binary.LittleEndian.Uint32(g.mem()[p:]) }
func (g *guest) u64(p uint64) uint64 { return binary.LittleEndian.Uint64(g.mem()[p:]) }

// open opens path relative to dirfd with the rights wasi-libc asks for and
// returns the new descriptor.
func (g *guest) open(dirfd uint32, path string, oflags uint32, rights uint64, fdflags uint32) uint32 {
	g.t.Helper()
	fd, errno := g.tryOpen(dirfd, path, oflags, rights, fdflags)
	if errno != errSuccess {
		g.t.Fatalf("path_open %q = %v", path, errno)
	}
	return fd
}

func (g *guest) tryOpen(dirfd uint32, path string, oflags uint32, rights uint64, fdflags uint32) (uint32, Errno) {
	g.t.Helper()
	p, n := g.str(path)
	fdp := g.space(4)
	errno := g.call("path_open", uint64(dirfd), uint64(lookupSymlinkFollow), p, n, uint64(oflags), rights, rightsAll, uint64(fdflags), fdp)
	return g.u32(fdp), errno
}

// write writes s to fd and returns the count written.
func (g *guest) write(fd uint32, s string) uint32 {
	g.t.Helper()
	p, n := g.str(s)
	iov, cnt := g.iovs([2]uint64{p, n})
	nw := g.space(4)
	g.ok("fd_write", uint64(fd), iov, cnt, nw)
	return g.u32(nw)
}

// read reads up to n bytes from fd.
func (g *guest) read(fd uint32, n int) string {
	g.t.Helper()
	buf := g.space(n)
	iov, cnt := g.iovs([2]uint64{buf, uint64(n)})
	nr := g.space(4)
	g.ok("fd_read", uint64(fd), iov, cnt, nr)
	return string(g.mem()[buf : buf+uint64(g.u32(nr))])
}

// seek moves fd's offset and returns the new one.
func (g *guest) seek(fd uint32, off int64, whence int) uint64 {
	g.t.Helper()
	res := g.space(8)
	g.ok("fd_seek", uint64(fd), uint64(off), uint64(whence), res)
	return g.u64(res)
}

const (
	readRights  = rightsAll &^ (writeRights)
	wrRights    = rightsAll
	writeOnly   = rightsAll &^ (rightFdRead | rightFdReaddir)
	sandboxFD   = 3
	maxGuestPtr = 65536
)

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o666); err != nil {
		t.Fatal(err)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
