package wasi

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/wdb-dev/wdb/snapshot"
)

// State returns the host's state at the current point of the timeline:
// in Replay mode the state the log says the host had there, otherwise the
// present's.
func (h *Host) State() *snapshot.Host {
	st, pos := h.liveState(), h.position
	if h.mode == Replay {
		st, pos = h.view, h.log.base+uint64(h.next)
	}
	return &snapshot.Host{
		Args:        slices.Clone(h.args),
		Env:         slices.Clone(h.env),
		Files:       st.sortedFiles(),
		LogPosition: pos,
		Exited:      st.exited,
		ExitCode:    st.exitCode,
		Monotonic:   h.clockLast,
	}
}

// Restore replaces the host's state with s, typically from a checkpoint
// image, possibly written on another machine: the descriptors are
// reopened at the same numbers from this host's preopened directories
// (matched by their guest path) and files are positioned at their
// offsets. Arguments and environment become the image's (the guest has
// already read them). The log starts afresh and the host is live.
//
// A file or preopen that cannot be found is an error naming the
// descriptor and its guest path; the host is then left unchanged.
func (h *Host) Restore(s *snapshot.Host) error {
	if s == nil {
		return errors.New("wasi: no host state to restore")
	}
	files := slices.Clone(s.Files)
	slices.SortFunc(files, func(a, b snapshot.File) int { return cmp.Compare(a.FD, b.FD) })
	for i := 1; i < len(files); i++ {
		if files[i].FD == files[i-1].FD {
			return fmt.Errorf("wasi: host state lists fd %d twice", files[i].FD)
		}
	}
	fds, err := h.reopen(files, nil)
	if err != nil {
		for _, d := range fds {
			d.close()
		}
		return err
	}
	for _, d := range h.fds {
		d.close()
	}
	h.fds = fds
	h.args, h.env = slices.Clone(s.Args), slices.Clone(s.Env)
	h.exited, h.exitCode = s.Exited, s.ExitCode
	h.position = s.LogPosition
	h.startClocks(s.Monotonic)
	h.goLive()
	if h.log != nil {
		h.log = newLog(h.liveState(), s.LogPosition)
	}
	return nil
}

// reopen builds a descriptor table holding files (in fd order).
// Descriptors of cur that are the same open file are taken over (removed
// from cur) and repositioned rather than reopened. On errors, the table
// holds every descriptor that could be opened.
func (h *Host) reopen(files []snapshot.File, cur map[uint32]*descriptor) (map[uint32]*descriptor, error) {
	fds := make(map[uint32]*descriptor, len(files))
	var errs []error
	for _, rec := range files {
		if d, ok := cur[rec.FD]; ok && sameOpen(&d.rec, &rec) && d.reposition(rec) == nil {
			delete(cur, rec.FD)
			fds[rec.FD] = d
			continue
		}
		d, err := h.open(rec, files)
		if err != nil {
			errs = append(errs, fmt.Errorf("wasi: cannot reopen fd %d (%s): %w", rec.FD, displayPath(&rec), err))
			continue
		}
		fds[rec.FD] = d
	}
	for _, d := range cur {
		d.close()
	}
	return fds, errors.Join(errs...)
}

// sameOpen reports whether two records describe the same opening of the
// same file (offsets and flags aside).
func sameOpen(a, b *snapshot.File) bool {
	return a.Kind == b.Kind && a.GuestPath == b.GuestPath && a.PreopenPath == b.PreopenPath &&
		a.Rights&(rightFdRead|writeRights) == b.Rights&(rightFdRead|writeRights)
}

// reposition gives an open descriptor the record rec (its offset, flags
// and rights), seeking the real file.
func (d *descriptor) reposition(rec snapshot.File) error {
	if rec.Kind == snapshot.FileRegular {
		if _, err := d.file.Seek(rec.Offset, io.SeekStart); err != nil {
			return err
		}
	}
	rec.HostDir = d.rec.HostDir
	d.rec = rec
	d.entries = nil
	return nil
}

// open opens the descriptor that rec describes. all are the other records
// of the same table (to find a preopen by its fd in records that lack
// PreopenPath).
func (h *Host) open(rec snapshot.File, all []snapshot.File) (*descriptor, error) {
	switch rec.Kind {
	case snapshot.FileStdin, snapshot.FileStdout, snapshot.FileStderr:
		return &descriptor{rec: rec}, nil
	case snapshot.FilePreopen:
		pd, ok := h.preopens[rec.GuestPath]
		if !ok {
			return nil, fmt.Errorf("no directory is preopened as %q on this host", rec.GuestPath)
		}
		d, err := h.openPreopen(pd)
		if err != nil {
			return nil, err
		}
		rec.HostDir = pd.host
		d.rec = rec
		return d, nil
	case snapshot.FileRegular, snapshot.FileDirectory:
	default:
		return nil, fmt.Errorf("unknown descriptor kind %d", rec.Kind)
	}

	guest := rec.PreopenPath
	if guest == "" {
		for _, f := range all {
			if f.FD == rec.Preopen && f.Kind == snapshot.FilePreopen {
				guest = f.GuestPath
			}
		}
	}
	pd, ok := h.preopens[guest]
	if !ok {
		return nil, fmt.Errorf("no directory is preopened as %q on this host", guest)
	}
	dir := rec.Kind == snapshot.FileDirectory
	write := !dir && rec.Rights&writeRights != 0
	read := rec.Rights&rightFdRead != 0 || !write
	f, err := pd.root.OpenFile(rec.GuestPath, accessFlags(read, write), 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && fi.IsDir() != dir {
		err = fmt.Errorf("%s is no longer a %s", rec.GuestPath, map[bool]string{true: "directory", false: "file"}[dir])
	}
	if err == nil && !dir {
		_, err = f.Seek(rec.Offset, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	rec.HostDir = pd.host
	rec.PreopenPath = pd.guest
	return &descriptor{rec: rec, file: f, pre: pd}, nil
}

// openPreopen opens a preopened directory as a descriptor (its FD and
// Preopen fields are the caller's to set).
func (h *Host) openPreopen(pd *preopenDir) (*descriptor, error) {
	f, err := pd.root.Open(".")
	if err != nil {
		return nil, err
	}
	return &descriptor{
		rec: snapshot.File{
			Kind:        snapshot.FilePreopen,
			GuestPath:   pd.guest,
			HostDir:     pd.host,
			PreopenPath: pd.guest,
			Rights:      dirRights,
			Inherit:     rightsAll,
		},
		file: f,
		pre:  pd,
	}, nil
}
