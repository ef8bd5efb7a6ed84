package wasi

// args_get, args_sizes_get, environ_get and environ_sizes_get lay out a
// list of strings as C does: an array of pointers at one address, the
// NUL-terminated strings one after the other at another.

func argsGet(c *call, p params) Errno { return putStrings(c, c.h.args, p.u32(0), p.u32(1)) }

func argsSizesGet(c *call, p params) Errno { return putSizes(c, c.h.args, p.u32(0), p.u32(1)) }

func environGet(c *call, p params) Errno { return putStrings(c, c.h.env, p.u32(0), p.u32(1)) }

func environSizesGet(c *call, p params) Errno { return putSizes(c, c.h.env, p.u32(0), p.u32(1)) }

// putStrings writes the pointer array at ptrs and the strings at buf.
func putStrings(c *call, list []string, ptrs, buf uint32) Errno {
	count, size := stringsSize(list)
	if !c.fits(ptrs, 4*count) || !c.fits(buf, size) {
		return errFault
	}
	for i, s := range list {
		c.putU32(ptrs+4*uint32(i), buf)
		c.write(buf, append([]byte(s), 0))
		buf += uint32(len(s)) + 1
	}
	return errSuccess
}

// putSizes writes the number of strings at countPtr and the size of their
// NUL-terminated bytes at sizePtr.
func putSizes(c *call, list []string, countPtr, sizePtr uint32) Errno {
	count, size := stringsSize(list)
	if !c.fits(countPtr, 4) || !c.fits(sizePtr, 4) {
		return errFault
	}
	c.putU32(countPtr, count)
	c.putU32(sizePtr, size)
	return errSuccess
}

func stringsSize(list []string) (count, size uint32) {
	for _, s := range list {
		size += uint32(len(s)) + 1
	}
	return uint32(len(list)), size
}
