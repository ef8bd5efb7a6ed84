package snapshot

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"github.com/wdb-dev/wdb/wasm"
)

// DecodeError reports a damaged, truncated, foreign or unsupported image.
// Its message is one line naming the section, the field and the offset.
type DecodeError struct {
	// Section is "header", "frames section" and so on, or
	// "section 0x0000002a" for an id this package does not know.
	Section string
	// Field is what was being read, outermost first, e.g.
	// "frame 2, local 3"; it may be empty.
	Field string
	// Offset is the byte offset in the image of the offending field (for
	// a checksum mismatch, of the section).
	Offset int64
	Msg    string
}

func (e *DecodeError) Error() string {
	where := e.Section
	if e.Field != "" {
		where += ", " + e.Field
	}
	return fmt.Sprintf("snapshot image: %s at offset 0x%x: %s", where, e.Offset, e.Msg)
}

// Decode parses an image. It never panics: a damaged, truncated, foreign
// or future-version image gives a *DecodeError. The snapshot does not
// share memory with b.
func Decode(b []byte) (*Snapshot, error) {
	return decode(b, false)
}

// decode parses b; with alias set, pages and module bytes are slices of b
// (capacity-limited) instead of copies.
func decode(b []byte, alias bool) (*Snapshot, error) {
	d := &decoder{b: b, alias: alias, sec: "header"}
	revision := d.header()
	if d.err != nil {
		return nil, d.err
	}

	s := &Snapshot{}
	var seen [len(sectionNames)]bool
	crc := binary.LittleEndian.Uint32(b[headerSize-checksumSize:])
	crcDone := headerSize - checksumSize
	pos := headerSize
	for {
		start := pos
		if len(b)-pos < sectionHeaderSize {
			d.sec = "end section"
			if pos == len(b) {
				return nil, d.errAt(pos, "missing (the image is truncated)")
			}
			return nil, d.errAt(pos, "section header is truncated")
		}
		id := binary.LittleEndian.Uint32(b[pos:])
		length := binary.LittleEndian.Uint64(b[pos+4:])
		d.sec = sectionLabel(id)
		if left := uint64(len(b) - pos - sectionHeaderSize); length > left || left-length < checksumSize {
			return nil, d.errAt(pos+4, "payload length %d runs past the end of the image (truncated or damaged)", length)
		}
		end := pos + sectionHeaderSize + int(length)
		crc = crc32.Update(crc, castagnoli, b[crcDone:end])
		crcDone = end
		if crc != binary.LittleEndian.Uint32(b[end:]) {
			return nil, d.errAt(start, "checksum mismatch (the image is damaged)")
		}
		pos = end + checksumSize

		if id == secEnd {
			if length != 0 {
				return nil, d.errAt(start, "payload length %d, not 0", length)
			}
			if pos != len(b) {
				return nil, d.errAt(pos, "%d bytes after the end section", len(b)-pos)
			}
			break
		}
		if int(id) >= len(sectionNames) {
			continue // a section from a newer revision
		}
		if seen[id] {
			return nil, d.errAt(start, "appears twice")
		}
		seen[id] = true

		d.pos, d.end = start+sectionHeaderSize, end
		d.section(id, s)
		if d.err == nil && d.pos != d.end && revision <= Revision {
			// Only a newer revision may append fields to a section.
			d.fail(d.pos, "%d unexpected bytes at the end of the section", d.end-d.pos)
		}
		if d.err != nil {
			return nil, d.err
		}
	}
	for _, id := range []uint32{secModule, secState} {
		if !seen[id] {
			d.sec = sectionLabel(id)
			return nil, d.errAt(len(b), "missing")
		}
	}
	return s, nil
}

// decoder reads the payload b[pos:end] of the current section sec.
// Reads past end, and every later read, fail softly: the first failure is
// kept in err and reads return zeros, so callers check err once per item.
type decoder struct {
	b        []byte
	pos, end int
	sec      string
	alias    bool
	err      *DecodeError
}

func (d *decoder) errAt(at int, format string, args ...any) *DecodeError {
	return &DecodeError{Section: d.sec, Offset: int64(at), Msg: fmt.Sprintf(format, args...)}
}

func (d *decoder) fail(at int, format string, args ...any) {
	if d.err == nil {
		d.err = d.errAt(at, format, args...)
	}
}

// within adds context (such as "frame 2") to a pending error's field.
func (d *decoder) within(format string, args ...any) {
	if d.err == nil {
		return
	}
	ctx := fmt.Sprintf(format, args...)
	if d.err.Field != "" {
		ctx += ", " + d.err.Field
	}
	d.err.Field = ctx
}

// header checks the header and returns the image's revision.
func (d *decoder) header() uint32 {
	b := d.b
	switch {
	case len(b) < len(Magic) && bytes.HasPrefix([]byte(Magic), b):
		d.fail(0, "truncated: %d bytes is not even a header", len(b))
		return 0
	case !bytes.HasPrefix(b, []byte(Magic)):
		d.fail(0, "not a wdb snapshot image (bad magic)")
		return 0
	case len(b) < headerSize:
		d.fail(len(b), "truncated: %d bytes is not even a header", len(b))
		return 0
	}
	// The magic and the version are all a future format must keep.
	version := binary.LittleEndian.Uint32(b[8:])
	switch {
	case version > Version:
		d.fail(8, "image format version %d is newer than this wdb supports (%d)", version, Version)
	case version == 0:
		d.fail(8, "invalid image format version 0")
	case crc32.Checksum(b[:headerSize-checksumSize], castagnoli) != binary.LittleEndian.Uint32(b[headerSize-checksumSize:]):
		d.fail(0, "checksum mismatch (the image is damaged)")
	}
	return binary.LittleEndian.Uint32(b[12:])
}

func (d *decoder) section(id uint32, s *Snapshot) {
	switch id {
	case secModule:
		d.module(s)
	case secState:
		s.Counter = d.u64("counter")
	case secFrames:
		s.Frames = d.frames()
	case secGlobals:
		s.Globals = d.values("global")
	case secMemories:
		s.Memories = d.memories()
	case secTables:
		s.Tables = d.tables()
	case secDropped:
		s.DroppedData = d.u32s("dropped data segment")
		s.DroppedElem = d.u32s("dropped element segment")
	case secHost:
		s.Host = d.host()
	}
}

// take returns the next n bytes of the section, or nil.
func (d *decoder) take(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if d.end-d.pos < n {
		d.fail(d.pos, "%s runs past the end of the section (%d bytes needed, %d left)", what, n, d.end-d.pos)
		return nil
	}
	p := d.b[d.pos : d.pos+n : d.pos+n]
	d.pos += n
	return p
}

// bytes returns the next n bytes, copied unless the decoder aliases.
func (d *decoder) bytes(n int, what string) []byte {
	p := d.take(n, what)
	if p == nil || d.alias {
		return p
	}
	return bytes.Clone(p)
}

func (d *decoder) u8(what string) byte {
	if p := d.take(1, what); p != nil {
		return p[0]
	}
	return 0
}

func (d *decoder) u32(what string) uint32 {
	if p := d.take(4, what); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

func (d *decoder) u64(what string) uint64 {
	if p := d.take(8, what); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

func (d *decoder) bool(what string) bool {
	at := d.pos
	switch v := d.u8(what); v {
	case 0:
		return false
	case 1:
		return true
	default:
		d.fail(at, "%s: invalid boolean %d", what, v)
		return false
	}
}

// hasMax reads a memory's or table's flags byte.
func (d *decoder) hasMax() bool {
	at := d.pos
	f := d.u8("flags")
	if f&^flagHasMax != 0 {
		d.fail(at, "unknown flags 0x%02x", f)
	}
	return f&flagHasMax != 0
}

// count reads an element count and checks that that many elements of at
// least min bytes fit in the rest of the section, so that a damaged count
// can't make the decoder allocate more than the input justifies.
func (d *decoder) count(what string, min int) int {
	n, ok := d.prefix(what, "count")
	if ok && n*uint64(min) > uint64(d.end-d.pos) {
		d.fail(d.pos-4, "%s count %d does not fit in the %d bytes left in the section", what, n, d.end-d.pos)
		return 0
	}
	return int(n)
}

// length reads the byte length of a field that follows and checks it
// against the bytes left.
func (d *decoder) length(what string) int {
	n, ok := d.prefix(what, "length")
	if ok && n > uint64(d.end-d.pos) {
		d.fail(d.pos-4, "%s length %d runs past the end of the section (%d bytes left)", what, n, d.end-d.pos)
		return 0
	}
	return int(n)
}

// prefix reads a count or length.
func (d *decoder) prefix(what, kind string) (uint64, bool) {
	if d.err != nil {
		return 0, false
	}
	if d.end-d.pos < 4 {
		d.fail(d.pos, "%s %s runs past the end of the section", what, kind)
		return 0, false
	}
	n := binary.LittleEndian.Uint32(d.b[d.pos:])
	d.pos += 4
	return uint64(n), true
}

func (d *decoder) string(what string) string {
	return string(d.take(d.length(what), what))
}

func (d *decoder) strings(what string) []string {
	n := d.count(what, 4)
	if n == 0 {
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = d.string(what)
		if d.err != nil {
			d.within("%s %d", what, i)
			return nil
		}
	}
	return ss
}

func (d *decoder) u32s(what string) []uint32 {
	n := d.count(what, 4)
	if n == 0 {
		return nil
	}
	vs := make([]uint32, n)
	for i := range vs {
		vs[i] = d.u32(what)
	}
	return vs
}

func (d *decoder) value() Value {
	at := d.pos
	v := Value{Type: wasm.ValType(d.u8("value type"))}
	switch v.Type {
	case wasm.I32, wasm.F32:
		v.Lo = d.u64("value")
		if d.err == nil && v.Lo>>32 != 0 {
			d.fail(at, "%v value 0x%x has bits set above bit 31", v.Type, v.Lo)
		}
	case wasm.I64, wasm.F64, wasm.FuncRef, wasm.ExternRef:
		v.Lo = d.u64("value")
	case wasm.V128:
		v.Lo = d.u64("value")
		v.Hi = d.u64("value")
	default:
		d.fail(at, "invalid value type 0x%02x", byte(v.Type))
	}
	return v
}

// values reads a counted vector of values; what names one element.
func (d *decoder) values(what string) []Value {
	n := d.count(what, valueMinSize)
	if n == 0 {
		return nil
	}
	vs := make([]Value, n)
	for i := range vs {
		vs[i] = d.value()
		if d.err != nil {
			d.within("%s %d", what, i)
			return nil
		}
	}
	return vs
}

func (d *decoder) module(s *Snapshot) {
	at := d.pos
	copy(s.ModuleHash[:], d.take(32, "module hash"))
	if n := d.length("module"); n > 0 {
		s.Module = d.bytes(n, "module")
	}
	switch {
	case d.err != nil:
	case s.ModuleHash == [32]byte{}:
		d.fail(at, "the module hash is missing (all zero)")
	case s.Module != nil && sha256.Sum256(s.Module) != s.ModuleHash:
		d.fail(at+32, "the module's bytes do not match its sha256")
	}
}

func (d *decoder) frames() []Frame {
	n := d.count("frame", frameMinSize)
	if n == 0 {
		return nil
	}
	fs := make([]Frame, n)
	for i := range fs {
		f := &fs[i]
		f.Func = d.u32("function index")
		f.PC = d.u32("pc")
		f.Locals = d.values("local")
		f.Stack = d.values("stack value")
		f.Labels = d.labels()
		if d.err != nil {
			d.within("frame %d", i)
			return nil
		}
	}
	return fs
}

func (d *decoder) labels() []Label {
	n := d.count("label", labelSize)
	if n == 0 {
		return nil
	}
	ls := make([]Label, n)
	for i := range ls {
		at := d.pos
		l := &ls[i]
		l.Kind = wasm.LabelKind(d.u8("label kind"))
		l.Arity = d.u32("arity")
		l.Height = d.u32("height")
		l.Start = d.u32("start")
		l.Cont = d.u32("continuation")
		if d.err == nil && l.Kind > wasm.LabelIf {
			d.fail(at, "invalid label kind %d", l.Kind)
		}
		if d.err != nil {
			d.within("label %d", i)
			return nil
		}
	}
	return ls
}

func (d *decoder) memories() []Memory {
	n := d.count("memory", memoryMinSize)
	if n == 0 {
		return nil
	}
	ms := make([]Memory, n)
	total := 0
	for i := range ms {
		d.memory(&ms[i], &total)
		if d.err != nil {
			d.within("memory %d", i)
			return nil
		}
	}
	return ms
}

func (d *decoder) memory(m *Memory, total *int) {
	at := d.pos
	m.Size = d.u32("size")
	m.Max = d.u32("maximum")
	m.HasMax = d.hasMax()
	if d.err != nil {
		return
	}
	if err := checkMemoryLimits(m.Size, m.Max, m.HasMax); err != "" {
		d.fail(at, "%s", err)
		return
	}
	*total += int(m.Size)
	if *total > maxTotalPages {
		d.fail(at, "memories hold more than %d pages in all", maxTotalPages)
		return
	}
	countAt := d.pos
	n := d.count("page", pageSize)
	if d.err == nil && n > int(m.Size) {
		d.fail(countAt, "%d pages stored for a size of %d pages", n, m.Size)
	}
	if d.err != nil {
		return
	}
	if m.Size > 0 {
		m.Pages = make([][]byte, m.Size)
	}
	next := 0 // smallest page index allowed next
	for range n {
		at := d.pos
		idx := d.u32("page index")
		if d.err == nil && (int(idx) < next || idx >= m.Size) {
			d.fail(at, "page index %d out of order or past the size (%d pages)", idx, m.Size)
			return
		}
		p := d.bytes(PageSize, "page")
		if d.err != nil {
			d.within("page %d", idx)
			return
		}
		m.Pages[idx] = p
		next = int(idx) + 1
	}
}

func (d *decoder) tables() []Table {
	n := d.count("table", tableMinSize)
	if n == 0 {
		return nil
	}
	ts := make([]Table, n)
	for i := range ts {
		t := &ts[i]
		at := d.pos
		t.Type = wasm.ValType(d.u8("element type"))
		if d.err == nil && !t.Type.IsRef() {
			d.fail(at, "invalid element type 0x%02x", byte(t.Type))
		}
		t.Max = d.u32("maximum")
		t.HasMax = d.hasMax()
		countAt := d.pos
		t.Elems = d.values("element")
		if d.err == nil && t.HasMax && uint64(len(t.Elems)) > uint64(t.Max) {
			d.fail(countAt, "%d elements, more than the maximum %d", len(t.Elems), t.Max)
		}
		for j, v := range t.Elems {
			if d.err == nil && v.Type != t.Type {
				d.fail(countAt+4+j*valueMinSize, "element %d: %v in a table of %v", j, v.Type, t.Type)
			}
		}
		if d.err != nil {
			d.within("table %d", i)
			return nil
		}
	}
	return ts
}

func (d *decoder) host() *Host {
	h := &Host{
		Args: d.strings("argument"),
		Env:  d.strings("environment variable"),
	}
	n := d.count("file", fileMinSize)
	if n > 0 {
		h.Files = make([]File, n)
	}
	for i := range h.Files {
		f := &h.Files[i]
		f.FD = d.u32("fd")
		f.Kind = FileKind(d.u8("kind"))
		f.GuestPath = d.string("guest path")
		f.HostDir = d.string("host directory")
		f.Preopen = d.u32("preopen")
		f.PreopenPath = d.string("preopen path")
		f.Offset = int64(d.u64("offset"))
		f.OFlags = d.u32("oflags")
		f.FDFlags = d.u32("fdflags")
		f.Rights = d.u64("rights")
		f.Inherit = d.u64("inherited rights")
		f.Dirents = d.u64("directory cookie")
		if d.err != nil {
			d.within("file %d", i)
			return nil
		}
	}
	h.LogPosition = d.u64("log position")
	h.Exited = d.bool("exited")
	h.ExitCode = d.u32("exit code")
	h.Monotonic = d.u64("monotonic clock")
	return h
}
