package wasi

import (
	"encoding/binary"
	"math"

	"github.com/wdb-dev/wdb/engines"
)

// call is the context of one live host call: the guest's memory, accessed
// with bounds checks, and what the call changed, for the log.
type call struct {
	h      *Host
	m      engines.Machine
	record bool

	writes  []MemWrite
	touched []uint32 // descriptors whose record changed (or that were opened)
	closed  []uint32 // descriptors closed

	exited   bool
	exitCode uint32
}

// memory returns the guest's memory 0, or nil if it has none.
func (c *call) memory() []byte {
	if mem := c.m.Memory(0); mem != nil {
		return mem.Data
	}
	return nil
}

// slice returns n bytes of guest memory at ptr, or false if any of them is
// out of bounds. Writing into it directly must be followed by wrote.
func (c *call) slice(ptr, n uint32) ([]byte, bool) {
	mem := c.memory()
	end := uint64(ptr) + uint64(n)
	if end > uint64(len(mem)) {
		return nil, false
	}
	return mem[ptr:end:end], true
}

// fits reports whether n bytes at ptr are inside guest memory.
func (c *call) fits(ptr, n uint32) bool {
	return uint64(ptr)+uint64(n) <= uint64(len(c.memory()))
}

func (c *call) u32(ptr uint32) (uint32, bool) {
	b, ok := c.slice(ptr, 4)
	if !ok {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b), true
}

// write copies data into guest memory at ptr.
func (c *call) write(ptr uint32, data []byte) bool {
	b, ok := c.slice(ptr, uint32(len(data)))
	if !ok || uint64(len(data)) > math.MaxUint32 {
		return false
	}
	copy(b, data)
	c.wrote(ptr, b)
	return true
}

func (c *call) putU32(ptr, v uint32) bool {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	return c.write(ptr, b[:])
}

func (c *call) putU64(ptr uint32, v uint64) bool {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	return c.write(ptr, b[:])
}

// wrote records that the host wrote data (a slice of guest memory) at ptr.
func (c *call) wrote(ptr uint32, data []byte) {
	if !c.record || len(data) == 0 {
		return
	}
	if n := len(c.writes); n > 0 {
		last := &c.writes[n-1]
		if uint64(last.Offset)+uint64(len(last.Data)) == uint64(ptr) {
			last.Data = append(last.Data, data...)
			return
		}
	}
	c.writes = append(c.writes, MemWrite{Offset: ptr, Data: append([]byte(nil), data...)})
}

// iovec is one buffer of an iovec array, with its guest address.
type iovec struct {
	ptr uint32
	buf []byte
}

// iovecs reads an array of n iovecs at ptr and returns the guest buffers
// they designate, or EFAULT if the array or any buffer is out of bounds.
func (c *call) iovecs(ptr, n uint32) ([]iovec, Errno) {
	if uint64(n)*sizeIovec > math.MaxUint32 {
		return nil, errFault
	}
	arr, ok := c.slice(ptr, n*sizeIovec)
	if !ok {
		return nil, errFault
	}
	out := make([]iovec, n)
	for i := range out {
		p := binary.LittleEndian.Uint32(arr[i*sizeIovec:])
		l := binary.LittleEndian.Uint32(arr[i*sizeIovec+4:])
		buf, ok := c.slice(p, l)
		if !ok {
			return nil, errFault
		}
		out[i] = iovec{ptr: p, buf: buf}
	}
	return out, errSuccess
}

// str reads a string of n bytes at ptr.
func (c *call) str(ptr, n uint32) (string, Errno) {
	b, ok := c.slice(ptr, n)
	if !ok {
		return "", errFault
	}
	return string(b), errSuccess
}

// changed marks fd's record as changed by this call.
func (c *call) changed(fd uint32) {
	for _, t := range c.touched {
		if t == fd {
			return
		}
	}
	c.touched = append(c.touched, fd)
}

// entry is the log entry of the call.
func (c *call) entry(counter uint64, name string, ps params, results []uint64) Entry {
	e := Entry{
		Counter:  counter,
		Func:     name,
		Params:   append([]uint64(nil), ps...),
		Results:  append([]uint64(nil), results...),
		Writes:   c.writes,
		Closed:   c.closed,
		Exited:   c.exited,
		ExitCode: c.exitCode,
	}
	for _, fd := range c.touched {
		if d, ok := c.h.fds[fd]; ok {
			e.Files = append(e.Files, d.rec)
		}
	}
	return e
}
