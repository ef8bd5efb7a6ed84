package wasi

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/wasm"
)

// ModuleName is the import module the host provides.
const ModuleName = "wasi_snapshot_preview1"

// Config describes the guest's world.
type Config struct {
	// Args are the program's arguments, its name first.
	Args []string
	// Env holds "KEY=value" strings.
	Env []string
	// Preopens are the host directories the guest may use, from fd 3 on.
	Preopens []Preopen

	// Stdin is read by fd_read(0) (nil: always at end of file).
	Stdin io.Reader
	// Stdout and Stderr receive fd_write(1) and fd_write(2) (nil: discarded).
	// A stream is a terminal to the guest if it is an *os.File on a
	// terminal, or if it has a method IsTerminal() bool that says so (a
	// writer that wraps a terminal, such as the debugger's console).
	Stdout, Stderr io.Writer

	// Now is the wall clock (nil: time.Now). The monotonic and CPU-time
	// clocks are derived from it.
	Now func() time.Time
	// Rand is the source of random_get (nil: crypto/rand).
	Rand io.Reader
	// FileMeta, if set, decides the identity and times the host reports
	// for a file (fd_filestat_get, path_filestat_get, the inode numbers
	// of fd_readdir) instead of the real file's, which differ between
	// two copies of a directory and from one run to the next: tests that
	// compare runs byte for byte, memory included, fix them.
	FileMeta func(fs.FileInfo) FileMeta

	// NoLog disables the record/replay log, for runs that never go back
	// in time (wdb run): Seek and Truncate are then unavailable.
	NoLog bool
}

// FileMeta is what the host reports of a file besides its type and size.
type FileMeta struct {
	Dev, Ino, Nlink  uint64
	Atim, Mtim, Ctim int64 // nanoseconds since the Unix epoch
}

// Preopen maps a host directory into the guest.
type Preopen struct {
	HostDir string
	// GuestPath is the name the guest sees, e.g. "/" or "/data"
	// (empty: the same as HostDir).
	GuestPath string
}

// ParsePreopen parses a command-line preopen, "HOST[:GUEST]": the host
// directory, and the name the guest sees (by default the same).
func ParsePreopen(s string) (Preopen, error) {
	host, guest, _ := strings.Cut(s, ":")
	if host == "" {
		return Preopen{}, fmt.Errorf("preopen %q: no host directory (want HOST[:GUEST])", s)
	}
	if guest == "" {
		guest = host
	}
	return Preopen{HostDir: host, GuestPath: guest}, nil
}

// Host is a wasi_snapshot_preview1 implementation for one module instance.
// It is not safe for concurrent use.
type Host struct {
	args, env []string
	stdin     io.Reader
	stdout    io.Writer
	stderr    io.Writer
	now       func() time.Time
	rand      io.Reader
	meta      func(fs.FileInfo) FileMeta

	// The monotonic clock read clockBase at clockStart (the host's
	// creation, or a Restore); clockLast is its last reading and
	// clockStartMono its reading when the process clocks started.
	clockStart     time.Time
	clockBase      uint64
	clockLast      uint64
	clockStartMono uint64

	// preopens are the configured directories, by guest path. They stay
	// open for the host's lifetime, whatever the guest closes, so that
	// files can always be reopened (Restore, Truncate).
	preopens map[string]*preopenDir

	// fds is the real descriptor table: the state of the present.
	fds      map[uint32]*descriptor
	exited   bool
	exitCode uint32
	// position counts the host calls made before the present.
	position uint64

	// wake interrupts a sleeping poll_oneoff.
	wake chan struct{}

	log  *Log
	mode Mode
	// In Replay mode, next is the index of the next log entry to replay
	// and view the host state (descriptors, exit status) before it.
	next int
	view *hostState
}

type preopenDir struct {
	guest, host string
	root        *os.Root
}

// New creates a host: stdio on fds 0-2 and the preopens from fd 3 on, in
// order. Each preopened directory is opened with os.Root.
func New(cfg Config) (*Host, error) {
	h := &Host{
		args:     append([]string(nil), cfg.Args...),
		env:      append([]string(nil), cfg.Env...),
		stdin:    cfg.Stdin,
		stdout:   cfg.Stdout,
		stderr:   cfg.Stderr,
		now:      cfg.Now,
		rand:     cfg.Rand,
		meta:     cfg.FileMeta,
		preopens: map[string]*preopenDir{},
		fds:      map[uint32]*descriptor{},
		wake:     make(chan struct{}, 1),
	}
	if h.stdin == nil {
		h.stdin = eofReader{}
	}
	if h.stdout == nil {
		h.stdout = io.Discard
	}
	if h.stderr == nil {
		h.stderr = io.Discard
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.rand == nil {
		h.rand = rand.Reader
	}
	if h.meta == nil {
		h.meta = sysMeta
	}
	h.startClocks(0)

	h.fds[0] = &descriptor{rec: snapshot.File{FD: 0, Kind: snapshot.FileStdin, Rights: stdinRights}}
	h.fds[1] = &descriptor{rec: snapshot.File{FD: 1, Kind: snapshot.FileStdout, Rights: stdoutRights}}
	h.fds[2] = &descriptor{rec: snapshot.File{FD: 2, Kind: snapshot.FileStderr, Rights: stdoutRights}}
	for _, p := range cfg.Preopens {
		guest := p.GuestPath
		if guest == "" {
			guest = p.HostDir
		}
		if _, dup := h.preopens[guest]; dup {
			h.Close()
			return nil, fmt.Errorf("wasi: two preopened directories are named %q in the guest", guest)
		}
		root, err := os.OpenRoot(p.HostDir)
		if err != nil {
			h.Close()
			return nil, fmt.Errorf("wasi: preopen %s: %w", p.HostDir, err)
		}
		pd := &preopenDir{guest: guest, host: p.HostDir, root: root}
		h.preopens[guest] = pd
		d, err := h.openPreopen(pd)
		if err != nil {
			h.Close()
			return nil, fmt.Errorf("wasi: preopen %s: %w", p.HostDir, err)
		}
		d.rec.FD = h.freeFD()
		d.rec.Preopen = d.rec.FD
		h.fds[d.rec.FD] = d
	}
	if !cfg.NoLog {
		h.log = newLog(h.liveState(), 0)
	}
	return h, nil
}

// Close releases every descriptor and preopened directory.
func (h *Host) Close() error {
	var errs []error
	for _, d := range h.fds {
		errs = append(errs, d.close())
	}
	h.fds = map[uint32]*descriptor{}
	for _, p := range h.preopens {
		errs = append(errs, p.root.Close())
	}
	h.preopens = map[string]*preopenDir{}
	return errors.Join(errs...)
}

// Exited reports whether the guest called proc_exit, and its code (in the
// present, or at the replay position in Replay mode).
func (h *Host) Exited() (code uint32, ok bool) {
	if h.mode == Replay {
		return h.view.exitCode, h.view.exited
	}
	return h.exitCode, h.exited
}

// Imports returns the externs for m's imports, one per import, in order.
// Every import must be a wasi_snapshot_preview1 function with WASI's
// signature.
func (h *Host) Imports(m *wasm.Module) ([]engines.Extern, error) {
	externs := make([]engines.Extern, len(m.Imports))
	for i, imp := range m.Imports {
		name := imp.Module + "." + imp.Name
		if imp.Module != ModuleName {
			return nil, fmt.Errorf("unknown import %s: the WASI host provides only %s", name, ModuleName)
		}
		fn, ok := functions[imp.Name]
		if !ok {
			return nil, fmt.Errorf("unknown import %s", name)
		}
		if imp.Kind != wasm.ExternFunc {
			return nil, fmt.Errorf("import %s is a %v, but WASI provides a function", name, imp.Kind)
		}
		if int(imp.TypeIndex) >= len(m.Types) {
			return nil, fmt.Errorf("import %s: type index %d out of range", name, imp.TypeIndex)
		}
		typ := fn.typ()
		if want := &m.Types[imp.TypeIndex]; !want.Equal(&typ) {
			return nil, fmt.Errorf("import %s has type %v, but WASI's is %v", name, want, &typ)
		}
		externs[i] = engines.Extern{
			Kind: wasm.ExternFunc,
			Func: &engines.HostFunc{Module: imp.Module, Name: imp.Name, Type: typ, Call: h.bind(imp.Name, fn)},
		}
	}
	return externs, nil
}

func (h *Host) bind(name string, fn *function) func(engines.Machine, []uint64, []uint64) error {
	return func(m engines.Machine, params, results []uint64) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("wasi: internal error in %s: %v\n%s", name, r, debug.Stack())
			}
		}()
		return h.invoke(name, fn, m, params, results)
	}
}

// invoke performs one host call: replayed from the log in Replay mode,
// real (and recorded) in Live mode.
func (h *Host) invoke(name string, fn *function, m engines.Machine, params, results []uint64) error {
	counter := m.Counter()
	if h.mode == Replay {
		if h.next < len(h.log.entries) {
			return h.replay(name, m, counter, fn.normalize(params), results)
		}
		h.goLive()
	}
	ps := fn.normalize(params)
	c := &call{h: h, m: m, record: h.log != nil}
	errno := fn.impl(c, ps)
	if len(results) > 0 {
		results[0] = uint64(errno)
	}
	h.position++
	if c.record {
		h.log.append(c.entry(counter, name, ps, results))
	}
	if c.exited {
		return &engines.ExitError{Code: c.exitCode}
	}
	return nil
}

// function is one WASI import: its parameter types (all but proc_exit
// return one i32 errno) and its implementation.
type function struct {
	params   []wasm.ValType
	noResult bool
	impl     func(c *call, p params) Errno
}

func (f *function) typ() wasm.FuncType {
	t := wasm.FuncType{Params: f.params}
	if !f.noResult {
		t.Results = []wasm.ValType{wasm.I32}
	}
	return t
}

// normalize returns the parameters with the unused upper bits of i32
// values cleared, so that the log does not depend on how an engine
// extends them.
func (f *function) normalize(ps []uint64) params {
	out := make(params, len(ps))
	for i, v := range ps {
		if i < len(f.params) && f.params[i] == wasm.I32 {
			v = uint64(uint32(v))
		}
		out[i] = v
	}
	return out
}

// params are a host call's arguments.
type params []uint64

func (p params) u32(i int) uint32 { return uint32(p[i]) }
func (p params) u64(i int) uint64 { return p[i] }

const (
	i32 = wasm.I32
	i64 = wasm.I64
)

func sig(ps ...wasm.ValType) []wasm.ValType { return ps }

// functions are the imports the host provides, by name.
var functions map[string]*function

func init() {
	functions = map[string]*function{
		"args_get":                {params: sig(i32, i32), impl: argsGet},
		"args_sizes_get":          {params: sig(i32, i32), impl: argsSizesGet},
		"environ_get":             {params: sig(i32, i32), impl: environGet},
		"environ_sizes_get":       {params: sig(i32, i32), impl: environSizesGet},
		"clock_res_get":           {params: sig(i32, i32), impl: clockResGet},
		"clock_time_get":          {params: sig(i32, i64, i32), impl: clockTimeGet},
		"random_get":              {params: sig(i32, i32), impl: randomGet},
		"fd_advise":               {params: sig(i32, i64, i64, i32), impl: fdAdvise},
		"fd_allocate":             {params: sig(i32, i64, i64), impl: fdAllocate},
		"fd_close":                {params: sig(i32), impl: fdClose},
		"fd_datasync":             {params: sig(i32), impl: fdDatasync},
		"fd_fdstat_get":           {params: sig(i32, i32), impl: fdFdstatGet},
		"fd_fdstat_set_flags":     {params: sig(i32, i32), impl: fdFdstatSetFlags},
		"fd_fdstat_set_rights":    {params: sig(i32, i64, i64), impl: fdFdstatSetRights},
		"fd_filestat_get":         {params: sig(i32, i32), impl: fdFilestatGet},
		"fd_filestat_set_size":    {params: sig(i32, i64), impl: fdFilestatSetSize},
		"fd_filestat_set_times":   {params: sig(i32, i64, i64, i32), impl: fdFilestatSetTimes},
		"fd_pread":                {params: sig(i32, i32, i32, i64, i32), impl: fdPread},
		"fd_prestat_get":          {params: sig(i32, i32), impl: fdPrestatGet},
		"fd_prestat_dir_name":     {params: sig(i32, i32, i32), impl: fdPrestatDirName},
		"fd_pwrite":               {params: sig(i32, i32, i32, i64, i32), impl: fdPwrite},
		"fd_read":                 {params: sig(i32, i32, i32, i32), impl: fdRead},
		"fd_readdir":              {params: sig(i32, i32, i32, i64, i32), impl: fdReaddir},
		"fd_renumber":             {params: sig(i32, i32), impl: fdRenumber},
		"fd_seek":                 {params: sig(i32, i64, i32, i32), impl: fdSeek},
		"fd_sync":                 {params: sig(i32), impl: fdSync},
		"fd_tell":                 {params: sig(i32, i32), impl: fdTell},
		"fd_write":                {params: sig(i32, i32, i32, i32), impl: fdWrite},
		"path_create_directory":   {params: sig(i32, i32, i32), impl: pathCreateDirectory},
		"path_filestat_get":       {params: sig(i32, i32, i32, i32, i32), impl: pathFilestatGet},
		"path_filestat_set_times": {params: sig(i32, i32, i32, i32, i64, i64, i32), impl: pathFilestatSetTimes},
		"path_link":               {params: sig(i32, i32, i32, i32, i32, i32, i32), impl: pathLink},
		"path_open":               {params: sig(i32, i32, i32, i32, i32, i64, i64, i32, i32), impl: pathOpen},
		"path_readlink":           {params: sig(i32, i32, i32, i32, i32, i32), impl: pathReadlink},
		"path_remove_directory":   {params: sig(i32, i32, i32), impl: pathRemoveDirectory},
		"path_rename":             {params: sig(i32, i32, i32, i32, i32, i32), impl: pathRename},
		"path_symlink":            {params: sig(i32, i32, i32, i32, i32), impl: pathSymlink},
		"path_unlink_file":        {params: sig(i32, i32, i32), impl: pathUnlinkFile},
		"poll_oneoff":             {params: sig(i32, i32, i32, i32), impl: pollOneoff},
		"proc_exit":               {params: sig(i32), noResult: true, impl: procExit},
		"proc_raise":              {params: sig(i32), impl: procRaise},
		"sched_yield":             {params: sig(), impl: schedYield},
		"sock_accept":             {params: sig(i32, i32, i32), impl: notSupported},
		"sock_recv":               {params: sig(i32, i32, i32, i32, i32, i32), impl: notSupported},
		"sock_send":               {params: sig(i32, i32, i32, i32, i32), impl: notSupported},
		"sock_shutdown":           {params: sig(i32, i32), impl: notSupported},
	}
}

// Functions lists the names of the functions the host provides.
func Functions() []string {
	names := make([]string, 0, len(functions))
	for n := range functions {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func notSupported(*call, params) Errno { return errNosys }

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// displayPath is how a descriptor's path is shown in messages: the guest
// path of its preopen joined with the path under it.
func displayPath(f *snapshot.File) string {
	switch f.Kind {
	case snapshot.FileRegular, snapshot.FileDirectory:
		return path.Join(f.PreopenPath, f.GuestPath)
	}
	return f.GuestPath
}
