package snapshot

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"

	"github.com/wdb-dev/wdb/wasm"
)

// The image format (docs/checkpoint-format.md): a header, then tagged
// sections, each followed by a checksum, and an end section. All integers
// are little-endian.
const (
	// Magic starts every image.
	Magic = "WDBSNAP\x00"
	// Version is the format version this package writes, and the newest
	// it reads. It changes when older readers could misread an image.
	Version = 1
	// Revision is the compatible revision of Version this package writes.
	// Revisions only add sections or append fields at the end of a
	// section, which older readers skip.
	Revision = 0
)

const (
	headerSize        = 20 // magic, version, revision, checksum
	sectionHeaderSize = 12 // id, payload length
	checksumSize      = 4

	// maxTotalPages bounds the sum of all memories' sizes (four memories
	// of 4 GiB), so that a small image can't make the decoder allocate
	// huge page tables.
	maxTotalPages = 1 << 18
	// maxPages is the largest memory the spec allows (4 GiB).
	maxPages = 65536
)

// Section ids.
const (
	secEnd      uint32 = 0
	secModule   uint32 = 1
	secState    uint32 = 2
	secFrames   uint32 = 3
	secGlobals  uint32 = 4
	secMemories uint32 = 5
	secTables   uint32 = 6
	secDropped  uint32 = 7
	secHost     uint32 = 8
)

var sectionNames = [...]string{"end", "module", "state", "frames", "globals", "memories", "tables", "dropped", "host"}

// sectionLabel is how errors name a section.
func sectionLabel(id uint32) string {
	if int(id) < len(sectionNames) {
		return sectionNames[id] + " section"
	}
	return fmt.Sprintf("section 0x%08x", id)
}

// Minimum encoded sizes, used to bound counts by the bytes left.
const (
	valueMinSize  = 9  // type, 8 bytes
	labelSize     = 17 // kind, arity, height, start, cont
	frameMinSize  = 20 // func, pc, three counts
	memoryMinSize = 13 // size, max, flags, page count
	pageSize      = 4 + PageSize
	tableMinSize  = 10 // type, max, flags, count
	fileMinSize   = 61 // all fixed fields, three empty strings
)

// flagHasMax is bit 0 of a memory's or table's flags byte.
const flagHasMax = 1

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var zeroPage [PageSize]byte

// EncodeOptions control Encode.
type EncodeOptions struct {
	// OmitModule leaves the module's bytes out of the image; only their
	// hash is stored, and the reader must supply the module (CheckModule).
	OmitModule bool
}

// Encode returns the image of s. It fails if s is not valid (see
// Validate); an image Encode writes always decodes.
func Encode(s *Snapshot, opts EncodeOptions) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	hash := s.ModuleHash
	if hash == ([32]byte{}) {
		hash = HashModule(s.Module) // Validate made sure Module is there
	}
	module := s.Module
	if opts.OmitModule {
		module = nil
	}

	// Size the buffer for the bulk of the image: module and pages.
	size := 4096 + len(module)
	for _, m := range s.Memories {
		for _, p := range m.Pages {
			if p != nil {
				size += pageSize
			}
		}
	}
	e := &encoder{b: make([]byte, 0, size)}

	e.b = append(e.b, Magic...)
	e.u32(Version)
	e.u32(Revision)
	e.checksum()

	e.section(secModule, func() {
		e.b = append(e.b, hash[:]...)
		e.u32(uint32(len(module)))
		e.b = append(e.b, module...)
	})
	e.section(secState, func() {
		e.u64(s.Counter)
	})
	e.section(secFrames, func() {
		e.u32(uint32(len(s.Frames)))
		for _, f := range s.Frames {
			e.u32(f.Func)
			e.u32(f.PC)
			e.values(f.Locals)
			e.values(f.Stack)
			e.u32(uint32(len(f.Labels)))
			for _, l := range f.Labels {
				e.u8(byte(l.Kind))
				e.u32(l.Arity)
				e.u32(l.Height)
				e.u32(l.Start)
				e.u32(l.Cont)
			}
		}
	})
	e.section(secGlobals, func() {
		e.values(s.Globals)
	})
	e.section(secMemories, func() {
		e.u32(uint32(len(s.Memories)))
		for _, m := range s.Memories {
			e.u32(m.Size)
			e.u32(m.Max)
			e.u8(limitFlags(m.HasMax))
			countAt := len(e.b)
			e.u32(0) // page count, patched below
			n := 0
			for i, p := range m.Pages {
				if p == nil || bytes.Equal(p, zeroPage[:]) {
					continue
				}
				e.u32(uint32(i))
				e.b = append(e.b, p...)
				n++
			}
			binary.LittleEndian.PutUint32(e.b[countAt:], uint32(n))
		}
	})
	e.section(secTables, func() {
		e.u32(uint32(len(s.Tables)))
		for _, t := range s.Tables {
			e.u8(byte(t.Type))
			e.u32(t.Max)
			e.u8(limitFlags(t.HasMax))
			e.values(t.Elems)
		}
	})
	e.section(secDropped, func() {
		e.u32s(s.DroppedData)
		e.u32s(s.DroppedElem)
	})
	if h := s.Host; h != nil {
		e.section(secHost, func() {
			e.strings(h.Args)
			e.strings(h.Env)
			e.u32(uint32(len(h.Files)))
			for _, f := range h.Files {
				e.u32(f.FD)
				e.u8(byte(f.Kind))
				e.string(f.GuestPath)
				e.string(f.HostDir)
				e.u32(f.Preopen)
				e.string(f.PreopenPath)
				e.u64(uint64(f.Offset))
				e.u32(f.OFlags)
				e.u32(f.FDFlags)
				e.u64(f.Rights)
				e.u64(f.Inherit)
				e.u64(f.Dirents)
			}
			e.u64(h.LogPosition)
			e.u8(boolByte(h.Exited))
			e.u32(h.ExitCode)
			e.u64(h.Monotonic)
		})
	}
	e.section(secEnd, func() {})
	return e.b, nil
}

// encoder appends to b. crc is the CRC-32C of b[:crcDone].
type encoder struct {
	b       []byte
	crc     uint32
	crcDone int
}

func (e *encoder) u8(v byte)    { e.b = append(e.b, v) }
func (e *encoder) u32(v uint32) { e.b = binary.LittleEndian.AppendUint32(e.b, v) }
func (e *encoder) u64(v uint64) { e.b = binary.LittleEndian.AppendUint64(e.b, v) }

func (e *encoder) string(s string) {
	e.u32(uint32(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) strings(ss []string) {
	e.u32(uint32(len(ss)))
	for _, s := range ss {
		e.string(s)
	}
}

func (e *encoder) u32s(vs []uint32) {
	e.u32(uint32(len(vs)))
	for _, v := range vs {
		e.u32(v)
	}
}

func (e *encoder) value(v Value) {
	e.u8(byte(v.Type))
	e.u64(v.Lo)
	if v.Type == wasm.V128 {
		e.u64(v.Hi)
	}
}

func (e *encoder) values(vs []Value) {
	e.u32(uint32(len(vs)))
	for _, v := range vs {
		e.value(v)
	}
}

// checksum appends the CRC-32C of everything written so far.
func (e *encoder) checksum() {
	e.crc = crc32.Update(e.crc, castagnoli, e.b[e.crcDone:])
	e.crcDone = len(e.b)
	e.u32(e.crc)
}

// section writes a section whose payload body appends, and its checksum.
func (e *encoder) section(id uint32, body func()) {
	start := len(e.b)
	e.u32(id)
	e.u64(0) // payload length, patched below
	body()
	binary.LittleEndian.PutUint64(e.b[start+4:], uint64(len(e.b)-start-sectionHeaderSize))
	e.checksum()
}

func limitFlags(hasMax bool) byte {
	if hasMax {
		return flagHasMax
	}
	return 0
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// fitsU32 reports whether a length can be stored as a uint32 count.
func fitsU32(n int) bool { return uint64(n) <= math.MaxUint32 }
