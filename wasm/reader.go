package wasm

import "unicode/utf8"

// reader reads the binary format from b[pos:end]. Offsets are always file
// offsets, because every reader works on the whole module file with a limit.
//
// Errors are sticky: the first one is kept in err, and every later read
// returns zero values, so callers check err once per entry rather than after
// every field. All errors a reader produces are Malformed.
type reader struct {
	b   []byte
	pos int
	end int
	err *Error
	// eofMsg is the message for reading past end: "unexpected end" for the
	// module, "unexpected end of section or function" inside either.
	eofMsg string
}

func newReader(b []byte, pos, end int, eofMsg string) *reader {
	return &reader{b: b, pos: pos, end: end, eofMsg: eofMsg}
}

// fail records a malformed-module error at off unless one is already kept.
func (r *reader) fail(off int, msg string) {
	if r.err == nil {
		r.err = &Error{Kind: Malformed, Offset: uint32(off), Func: -1, Msg: msg}
		r.pos = r.end // stop further reads
	}
}

func (r *reader) failf(off int, format string, args ...any) {
	r.fail(off, sprintf(format, args...))
}

func (r *reader) eof() bool { return r.pos >= r.end }

func (r *reader) remaining() int { return r.end - r.pos }

func (r *reader) byte() byte {
	if r.pos >= r.end {
		r.fail(r.pos, r.eofMsg)
		return 0
	}
	c := r.b[r.pos]
	r.pos++
	return c
}

// bytes returns the next n bytes (a sub-slice of the file, not a copy).
func (r *reader) bytes(n uint32) []byte {
	if uint64(n) > uint64(r.end-r.pos) {
		r.fail(r.pos, r.eofMsg)
		return nil
	}
	s := r.b[r.pos : r.pos+int(n) : r.pos+int(n)]
	r.pos += int(n)
	return s
}

// u32 reads an unsigned LEB128 integer of at most 32 bits.
func (r *reader) u32() uint32 {
	// Fast path: one byte.
	if r.pos < r.end && r.b[r.pos] < 0x80 {
		v := r.b[r.pos]
		r.pos++
		return uint32(v)
	}
	start := r.pos
	var v uint32
	for shift := uint(0); ; shift += 7 {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		if shift == 28 {
			if c&0x80 != 0 {
				r.fail(start, "integer representation too long")
				return 0
			}
			if c&0x70 != 0 {
				r.fail(start, "integer too large")
				return 0
			}
		}
		v |= uint32(c&0x7f) << shift
		if c&0x80 == 0 {
			return v
		}
	}
}

// s32 reads a signed LEB128 integer of at most 32 bits.
func (r *reader) s32() int32 {
	v := r.signed(32)
	return int32(v)
}

// s33 reads the signed 33-bit integer of a block type.
func (r *reader) s33() int64 { return r.signed(33) }

// s64 reads a signed LEB128 integer of at most 64 bits.
func (r *reader) s64() int64 { return r.signed(64) }

// signed reads a signed LEB128 integer of at most bits bits, rejecting
// encodings that are too long or whose unused bits are not a sign extension.
func (r *reader) signed(bits uint) int64 {
	start := r.pos
	maxBytes := (bits + 6) / 7
	var v int64
	var shift uint
	for n := uint(1); ; n++ {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		if n == maxBytes {
			if c&0x80 != 0 {
				r.fail(start, "integer representation too long")
				return 0
			}
			// Bits of the last byte above the value's width must all
			// equal its sign bit.
			used := bits - shift // bits of the value in this byte, sign included
			mask := byte(0x7f) &^ (byte(1)<<(used-1) - 1)
			if hi := c & mask; hi != 0 && hi != mask {
				r.fail(start, "integer too large")
				return 0
			}
		}
		v |= int64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v
		}
	}
}

func (r *reader) f32() uint32 {
	s := r.bytes(4)
	if s == nil {
		return 0
	}
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

func (r *reader) f64() uint64 {
	s := r.bytes(8)
	if s == nil {
		return 0
	}
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(s[i])
	}
	return v
}

// name reads a UTF-8 name.
func (r *reader) name() string {
	n := r.u32()
	start := r.pos
	s := r.bytes(n)
	if r.err != nil {
		if n > 0 && r.err.Msg == r.eofMsg {
			r.err.Msg = "length out of bounds"
			r.err.Offset = uint32(start)
		}
		return ""
	}
	if !utf8.Valid(s) {
		r.fail(start, "malformed UTF-8 encoding")
		return ""
	}
	return string(s)
}

// count reads a vector length.
func (r *reader) count() uint32 { return r.u32() }

// capFor bounds a capacity taken from a vector length: every element takes
// at least a byte, so a damaged length never makes anyone allocate more
// than the file's size.
func (r *reader) capFor(n uint32) int { return min(int(n), r.remaining()) }

// valType reads a value type. SIMD's v128 is Unsupported.
func (r *reader) valType() ValType {
	off := r.pos
	c := r.byte()
	switch t := ValType(c); t {
	case I32, I64, F32, F64, FuncRef, ExternRef:
		return t
	case V128:
		r.unsupported(off, "SIMD (v128) is not supported")
		return 0
	}
	if r.err == nil {
		r.failf(off, "malformed value type 0x%02x%s", c, proposal(valTypeProposals, c))
	}
	return 0
}

// refType reads a reference type.
func (r *reader) refType() ValType {
	off := r.pos
	c := r.byte()
	if t := ValType(c); t == FuncRef || t == ExternRef {
		return t
	}
	if r.err == nil {
		r.failf(off, "malformed reference type 0x%02x%s", c, proposal(valTypeProposals, c))
	}
	return 0
}

func (r *reader) unsupported(off int, msg string) {
	if r.err == nil {
		r.err = &Error{Kind: Unsupported, Offset: uint32(off), Func: -1, Msg: msg}
		r.pos = r.end
	}
}

// limits reads table or memory limits. max is the largest value valid for
// the kind; larger values are reported by the validator, not here.
func (r *reader) limits() Limits {
	off := r.pos
	var l Limits
	switch flag := r.byte(); flag {
	case 0x80, 0x81: // the flag is a LEB128 byte
		if r.err == nil {
			r.failf(off, "integer representation too long: limits flag 0x%02x", flag)
		}
	case 0:
		l.Min = r.u32()
	case 1:
		l.Min = r.u32()
		l.Max = r.u32()
		l.HasMax = true
	default:
		if r.err == nil {
			r.failf(off, "integer too large: limits flag 0x%02x%s", flag, limitsProposal(flag))
		}
	}
	return l
}
