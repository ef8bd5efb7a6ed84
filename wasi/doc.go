// Package wasi is wdb's wasi_snapshot_preview1 host, written on the
// standard library, with the record/replay log that time travel stands on.
//
// # Use
//
//	h, err := wasi.New(wasi.Config{Args: ..., Preopens: ..., Stdout: os.Stdout})
//	defer h.Close()
//	imports, err := h.Imports(module) // one extern per import, in order
//	vm, err := program.Instantiate(store, imports)
//
// A call to proc_exit returns *engines.ExitError from the host function.
//
// # Files
//
// The guest reaches only the directories the user preopened (fds 3, 4, ...
// in Config order). Every guest path is relative to a directory descriptor
// (a leading "/" too, as in wazero: Zig passes absolute paths to its
// preopen "/"); the host joins it to that directory's path inside its
// preopen and hands the result to the preopen's os.Root, which resolves it
// component by component and refuses ".." that climbs out and symbolic
// links that are absolute or lead outside, whether directly or through a
// chain. The guest sees ENOTCAPABLE. path_symlink refuses to create links
// that are absolute or climb out (EPERM), since other programs on the host
// would follow them.
//
// Rights are handled as wazero and current wasmtime do. A descriptor's
// rights are recorded and reported by fd_fdstat_get: preopens pass on all
// rights; stdio has neither seek nor tell (it is a stream: fd_seek is
// ESPIPE). wasi-libc's isatty takes a character device without those
// rights for a terminal, so the file type of a stdio stream (in
// fd_fdstat_get and fd_filestat_get) is "character device" only when the
// stream is a terminal, by the check isatty(3) makes (the TCGETS ioctl on
// Linux, TIOCGETA on macOS and the BSDs; elsewhere, any character device
// counts) or when it says it is one (a method IsTerminal() bool, for a
// writer that wraps a terminal), and "unknown" otherwise, as in wasmtime: a pipe, a file, a Go
// reader or writer, and /dev/null, which is a character device but not a
// terminal. (wazero reports the stream's own type, so /dev/null is a
// terminal to its guests.) The rights asked for in path_open decide the
// access mode (writing if any write right is asked for, reading if
// fd_read is or nothing else is), and the access mode is enforced as POSIX
// does: reading a descriptor not open for reading is EBADF. Other rights
// are not enforced: toolchains ask for widely different sets (Zig none on
// directories, hand-written modules none at all), and the security
// boundary is the preopened directory.
//
// Regular files are never opened with O_APPEND or O_SYNC: the host applies
// those descriptor flags on each write, so fd_fdstat_set_flags works and a
// file can always be reopened the same way. fd_readdir lists "." and ".."
// first, then the entries sorted by name; the listing is read again when
// the guest starts over (cookie 0) and a cookie is an index into it.
// Device and inode numbers, link counts and times are the real files'
// (Config.FileMeta replaces them, for runs that must be reproducible).
//
// # Clocks and poll
//
// The realtime clock is Config.Now. The monotonic clock counts nanoseconds
// from the wall-clock time at which the host was created and then advances
// with Go's monotonic clock; it never goes back, not even across a
// checkpoint resumed on another machine (snapshot.Host.Monotonic is its
// floor). The process and thread CPU-time clocks are the monotonic time
// since the host started. poll_oneoff reports descriptor subscriptions
// ready at once and otherwise sleeps until the first clock subscription
// fires (Interrupt cuts the sleep short).
//
// # Record and replay
//
// In Live mode the host does real I/O and appends every call to its Log:
// the function, its arguments and results, the bytes it wrote into guest
// memory and the changes to the descriptor table, keyed by the instruction
// counter at the call (the counter before the call instruction,
// docs/execution-model.md). Together with the host state at its start, the
// log knows the host state at any counter.
//
// Seek(counter), for a machine about to run from counter (typically just
// restored from the timeline), puts the host in Replay mode if the log has
// calls from that counter on. Replayed calls do no I/O at all: they check
// that the guest makes the recorded call, re-apply the recorded memory
// writes and return the recorded results, so the past is reproduced
// exactly, nothing is printed twice and no file is touched. A call that
// differs from the log's is a trap ("wasi replay diverged"). Once the
// guest passes the end of the log it is back in the present and the host
// is Live again by itself: the real descriptors were never moved.
//
// Changing the state in the past forks the timeline: Truncate(counter)
// discards the log from counter on and brings the real descriptors back to
// the recorded state at counter (files reopened or closed, offsets set).
// What the discarded calls did to the host's files is not undone, and what
// they read from stdin stays consumed.
//
// # Snapshots
//
// State returns the engine-neutral snapshot.Host at the current point of
// the timeline (the replayed state in Replay mode). For regular files and
// directories, File.GuestPath is the path inside the preopen named by
// File.PreopenPath; for a preopen it is its guest name. Restore, typically
// on another machine, reopens every descriptor at its number from this
// host's preopens, matched by guest path, and seeks files to their
// offsets; a missing preopen or file is an error naming the descriptor and
// its guest path, and leaves the host unchanged.
package wasi
