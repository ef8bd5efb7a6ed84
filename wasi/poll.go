package wasi

import (
	"encoding/binary"
	"math"
	"time"

	"github.com/wdb-dev/wdb/snapshot"
)

// poll_oneoff. Descriptor subscriptions are ready at once: regular files
// always are, the standard streams are assumed to be (a read of stdin may
// then block). When nothing is ready the host sleeps until the earliest
// clock subscription expires. A replay never sleeps.
func pollOneoff(c *call, p params) Errno {
	in, out, n, neventsPtr := p.u32(0), p.u32(1), p.u32(2), p.u32(3)
	if n == 0 {
		return errInval
	}
	if uint64(n)*sizeSubscription > math.MaxUint32 || uint64(n)*sizeEvent > math.MaxUint32 {
		return errFault
	}
	subs, ok := c.slice(in, n*sizeSubscription)
	if !ok || !c.fits(out, n*sizeEvent) || !c.fits(neventsPtr, 4) {
		return errFault
	}
	// An Interrupt is for a sleep in progress, not for this one.
	select {
	case <-c.h.wake:
	default:
	}
	// Copy the subscriptions: the events may overlap them.
	subs = append([]byte(nil), subs...)

	var ready [][sizeEvent]byte
	type timer struct {
		userdata uint64
		timeout  time.Duration
	}
	var timers []timer
	for i := range n {
		sub := subs[i*sizeSubscription : (i+1)*sizeSubscription]
		userdata := binary.LittleEndian.Uint64(sub[0:])
		switch tag := sub[8]; tag {
		case eventtypeClock:
			id := binary.LittleEndian.Uint32(sub[16:])
			timeout := binary.LittleEndian.Uint64(sub[24:])
			flags := binary.LittleEndian.Uint16(sub[40:])
			d, errno := c.h.timeout(id, timeout, flags&subclockAbstime != 0)
			if errno != errSuccess {
				ready = append(ready, event(userdata, errno, tag))
				continue
			}
			timers = append(timers, timer{userdata, d})
		case eventtypeFdRead, eventtypeFdWrite:
			fd := binary.LittleEndian.Uint32(sub[16:])
			ready = append(ready, c.h.fdEvent(userdata, tag, fd))
		default:
			return errInval
		}
	}
	if len(ready) == 0 {
		// Sleep until the first timer expires; report every timer
		// expired by then.
		first := timers[0].timeout
		for _, t := range timers[1:] {
			first = min(first, t.timeout)
		}
		if first > 0 {
			c.h.sleep(first)
		}
		for _, t := range timers {
			if t.timeout <= first {
				ready = append(ready, event(t.userdata, errSuccess, eventtypeClock))
			}
		}
	} else {
		for _, t := range timers {
			if t.timeout <= 0 {
				ready = append(ready, event(t.userdata, errSuccess, eventtypeClock))
			}
		}
	}
	for i, ev := range ready {
		c.write(out+uint32(i)*sizeEvent, ev[:])
	}
	c.putU32(neventsPtr, uint32(len(ready)))
	return errSuccess
}

// sleep waits for d or an Interrupt.
func (h *Host) sleep(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-h.wake:
	}
}

// Interrupt cuts short a poll_oneoff that is sleeping: it returns at once,
// reporting its earliest clock subscription as fired. The debugger calls
// it with Machine.Interrupt so that a guest asleep does not delay a pause.
// It is safe to call from any goroutine.
func (h *Host) Interrupt() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// timeout converts a clock subscription into a duration from now.
func (h *Host) timeout(id uint32, t uint64, abs bool) (time.Duration, Errno) {
	now, errno := h.clock(id)
	if errno != errSuccess {
		return 0, errno
	}
	if abs {
		if t <= now {
			return 0, errSuccess
		}
		t -= now
	}
	return time.Duration(min(t, math.MaxInt64)), errSuccess
}

// fdEvent is the event of a descriptor subscription, always ready.
func (h *Host) fdEvent(userdata uint64, tag uint8, fd uint32) [sizeEvent]byte {
	d, errno := h.lookup(fd)
	switch {
	case errno != errSuccess:
	case d.isDir():
		errno = errBadf
	case tag == eventtypeFdRead && (d.rec.Kind == snapshot.FileStdout || d.rec.Kind == snapshot.FileStderr),
		tag == eventtypeFdWrite && d.rec.Kind == snapshot.FileStdin:
		errno = errBadf
	}
	ev := event(userdata, errno, tag)
	if errno == errSuccess && tag == eventtypeFdRead && d.isFile() {
		// nbytes: what is left to read.
		if fi, err := d.file.Stat(); err == nil && fi.Size() > d.rec.Offset {
			binary.LittleEndian.PutUint64(ev[16:], uint64(fi.Size()-d.rec.Offset))
		}
	}
	return ev
}

func event(userdata uint64, errno Errno, tag uint8) [sizeEvent]byte {
	var ev [sizeEvent]byte
	binary.LittleEndian.PutUint64(ev[0:], userdata)
	binary.LittleEndian.PutUint16(ev[8:], uint16(errno))
	ev[10] = tag
	return ev
}

func schedYield(*call, params) Errno { return errSuccess }

// proc_exit ends the program: the call returns *engines.ExitError.
func procExit(c *call, p params) Errno {
	c.exited, c.exitCode = true, p.u32(0)
	c.h.exited, c.h.exitCode = true, p.u32(0)
	return errSuccess
}

func procRaise(*call, params) Errno { return errNosys }
