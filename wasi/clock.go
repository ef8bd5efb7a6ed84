package wasi

import (
	"io"
	"time"
)

// The clocks. Realtime is the wall clock. Monotonic counts nanoseconds
// from the wall-clock time at which the host was created and advances with
// the host's own monotonic clock, so that it also keeps advancing across a
// checkpoint resumed on another machine (State records it and Restore
// never lets it go back). The process and thread CPU-time clocks are
// approximated by the monotonic time elapsed since the host started: the
// guest is single-threaded and its CPU time is the interpreter's anyway.

const (
	realtimeResolution  = uint64(time.Microsecond)
	monotonicResolution = 1
)

func clockResGet(c *call, p params) Errno {
	var res uint64
	switch p.u32(0) {
	case clockRealtime:
		res = realtimeResolution
	case clockMonotonic, clockProcessCPUTimeID, clockThreadCPUTimeID:
		res = monotonicResolution
	default:
		return errInval
	}
	if !c.putU64(p.u32(1), res) {
		return errFault
	}
	return errSuccess
}

func clockTimeGet(c *call, p params) Errno {
	// p[1] is the requested precision, which a host may ignore.
	t, errno := c.h.clock(p.u32(0))
	if errno != errSuccess {
		return errno
	}
	if !c.putU64(p.u32(2), t) {
		return errFault
	}
	return errSuccess
}

// clock reads the clock id.
func (h *Host) clock(id uint32) (uint64, Errno) {
	switch id {
	case clockRealtime:
		return uint64(h.now().UnixNano()), errSuccess
	case clockMonotonic:
		return h.monotonic(), errSuccess
	case clockProcessCPUTimeID, clockThreadCPUTimeID:
		return h.monotonic() - h.clockStartMono, errSuccess
	}
	return 0, errInval
}

// monotonic reads the monotonic clock, which never goes back.
func (h *Host) monotonic() uint64 {
	t := h.clockBase
	if d := h.now().Sub(h.clockStart); d > 0 {
		t += uint64(d)
	}
	if t < h.clockLast {
		t = h.clockLast
	}
	h.clockLast = t
	return t
}

// startClocks sets the monotonic clock to continue from at least floor.
func (h *Host) startClocks(floor uint64) {
	h.clockStart = h.now()
	h.clockBase = max(uint64(h.clockStart.UnixNano()), floor)
	h.clockLast = h.clockBase
	h.clockStartMono = h.clockBase
}

func randomGet(c *call, p params) Errno {
	buf, ok := c.slice(p.u32(0), p.u32(1))
	if !ok {
		return errFault
	}
	_, err := io.ReadFull(c.h.rand, buf)
	c.wrote(p.u32(0), buf)
	if err != nil {
		return errIO
	}
	return errSuccess
}
