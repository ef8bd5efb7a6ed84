package snapshot

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/wdb-dev/wdb/wasm"
)

var testModule = []byte("\x00asm\x01\x00\x00\x00 not really a module, but bytes to hash")

func i32(v int32) Value { return Value{Type: wasm.I32, Lo: uint64(uint32(v))} }

// allValues holds one or more values of every type.
func allValues() []Value {
	return []Value{
		i32(-1),
		{Type: wasm.I64, Lo: math.MaxUint64 - 1},
		{Type: wasm.F32, Lo: uint64(math.Float32bits(1.5))},
		{Type: wasm.F64, Lo: 0x7ff8_0000_dead_beef}, // a NaN with a payload
		{Type: wasm.V128, Lo: 0x0102030405060708, Hi: 0x1112131415161718},
		{Type: wasm.FuncRef},
		{Type: wasm.FuncRef, Lo: 1<<32 | 4},
		{Type: wasm.ExternRef},
		{Type: wasm.ExternRef, Lo: 99},
	}
}

// fullSnapshot populates every field. With pages set, its memory holds a
// nil page, two non-zero pages and an explicit page of zeros.
func fullSnapshot(pages bool) *Snapshot {
	mem := Memory{Size: 4, Max: 10, HasMax: true, Pages: make([][]byte, 4)}
	if pages {
		p1 := make([]byte, PageSize)
		p1[0], p1[PageSize-1] = 1, 0xff
		mem.Pages[1] = p1
		mem.Pages[2] = make([]byte, PageSize)
		mem.Pages[3] = bytes.Repeat([]byte{0xab}, PageSize)
	}
	return &Snapshot{
		Module:     testModule,
		ModuleHash: HashModule(testModule),
		Counter:    123456789012,
		Frames: []Frame{
			{Func: 3, PC: 0x40, Locals: allValues(), Stack: []Value{i32(7)}, Labels: []Label{
				{Kind: wasm.LabelFunc, Arity: 1, Height: 0, Start: 0x3a, Cont: 0x60},
				{Kind: wasm.LabelBlock, Arity: 0, Height: 1, Start: 0x3e, Cont: 0x50},
			}},
			{Func: 5, PC: 0x80, Labels: []Label{
				{Kind: wasm.LabelFunc, Start: 0x70, Cont: 0x90},
				{Kind: wasm.LabelLoop, Arity: 2, Height: 0, Start: 0x75, Cont: 0x77},
				{Kind: wasm.LabelIf, Arity: 1, Height: 2, Start: 0x7a, Cont: 0x88},
			}},
			{Func: 6, PC: 0x99, Locals: []Value{i32(1), i32(2)}, Stack: allValues(), Labels: []Label{
				{Kind: wasm.LabelFunc, Arity: 2, Start: 0x91, Cont: 0xa0},
			}},
		},
		Globals:  allValues(),
		Memories: []Memory{mem, {Size: 0}},
		Tables: []Table{
			{Type: wasm.FuncRef, Max: 5, HasMax: true, Elems: []Value{
				{Type: wasm.FuncRef}, {Type: wasm.FuncRef, Lo: 3}, {Type: wasm.FuncRef, Lo: 7<<32 | 1},
			}},
			{Type: wasm.ExternRef, Elems: []Value{{Type: wasm.ExternRef}, {Type: wasm.ExternRef, Lo: 42}}},
			{Type: wasm.FuncRef},
		},
		DroppedData: []uint32{0, 2},
		DroppedElem: []uint32{1},
		Host: &Host{
			Args: []string{"app.wasm", "-v", ""},
			Env:  []string{"HOME=/home/u", "ÜNICODE=ü"},
			Files: []File{
				{FD: 0, Kind: FileStdin, Rights: 1},
				{FD: 1, Kind: FileStdout, FDFlags: 1},
				{FD: 2, Kind: FileStderr},
				{FD: 3, Kind: FilePreopen, GuestPath: "/", HostDir: "/tmp/sandbox", Rights: 0x1fffffff, Inherit: 0xfffffff},
				{FD: 4, Kind: FileRegular, GuestPath: "data/in.txt", Preopen: 3, PreopenPath: "/", Offset: 1 << 40, OFlags: 9, FDFlags: 4, Rights: 0xff, Inherit: 0xf},
				{FD: 5, Kind: FileDirectory, GuestPath: "data", Preopen: 3, PreopenPath: "/", Offset: -1, Dirents: 17},
			},
			LogPosition: 77,
			Exited:      true,
			ExitCode:    3,
			Monotonic:   987654321,
		},
	}
}

func mustEncode(t testing.TB, s *Snapshot, opts EncodeOptions) []byte {
	t.Helper()
	b, err := Encode(s, opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decodeErr decodes b, which must fail with a one-line *DecodeError.
func decodeErr(t *testing.T, b []byte) *DecodeError {
	t.Helper()
	s, err := Decode(b)
	if err == nil {
		t.Fatalf("decoded a bad image: %+v", s)
	}
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("error is %T, not *DecodeError: %v", err, err)
	}
	if msg := err.Error(); strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "snapshot image: ") {
		t.Fatalf("bad error message %q", msg)
	}
	return de
}

func TestRoundTrip(t *testing.T) {
	for _, pages := range []bool{false, true} {
		s := fullSnapshot(pages)
		b := mustEncode(t, s, EncodeOptions{})
		got, err := Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if d := Diff(s, got); d != "" {
			t.Fatalf("pages %v: round trip differs: %s", pages, d)
		}
		// Exactly the same, except that the page of zeros became nil.
		want := fullSnapshot(pages)
		want.Memories[0].Pages[2] = nil
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("pages %v: round trip differs:\n got %+v\nwant %+v", pages, got, want)
		}
		if again := mustEncode(t, got, EncodeOptions{}); !bytes.Equal(again, b) {
			t.Fatalf("pages %v: re-encoding differs", pages)
		}
	}
}

func TestDecodeDoesNotAlias(t *testing.T) {
	b := mustEncode(t, fullSnapshot(true), EncodeOptions{})
	s, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	clear(b)
	if s.Memories[0].Pages[3][0] != 0xab || !bytes.Equal(s.Module, testModule) {
		t.Fatal("decoded snapshot shares memory with the input")
	}
}

func TestMinimal(t *testing.T) {
	s := &Snapshot{ModuleHash: HashModule(testModule)}
	got, err := Decode(mustEncode(t, s, EncodeOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, s) {
		t.Fatalf("got %+v, want %+v", got, s)
	}
}

func TestEncodeHashesModule(t *testing.T) {
	s := &Snapshot{Module: testModule}
	got, err := Decode(mustEncode(t, s, EncodeOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if got.ModuleHash != HashModule(testModule) {
		t.Fatal("module hash not filled in")
	}
}

func TestOmitModuleAndCheckModule(t *testing.T) {
	full := mustEncode(t, fullSnapshot(false), EncodeOptions{})
	b := mustEncode(t, fullSnapshot(false), EncodeOptions{OmitModule: true})
	if len(b) != len(full)-len(testModule) {
		t.Fatalf("image without module is %d bytes, with it %d", len(b), len(full))
	}
	s, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if s.Module != nil || s.ModuleHash != HashModule(testModule) {
		t.Fatal("module or hash wrong")
	}

	other := []byte("\x00asm\x01\x00\x00\x00 another module")
	err = s.CheckModule(other)
	var me *ModuleMismatchError
	if !errors.As(err, &me) {
		t.Fatalf("CheckModule(other) = %v", err)
	}
	h, o := HashModule(testModule), HashModule(other)
	want := "image was taken from module sha256:" + hexPrefix(h) + "…, not sha256:" + hexPrefix(o) + "…"
	if err.Error() != want {
		t.Fatalf("got %q, want %q", err, want)
	}
	if s.Module != nil {
		t.Fatal("CheckModule set Module on a mismatch")
	}

	if err := s.CheckModule(testModule); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s.Module, testModule) {
		t.Fatal("CheckModule did not fill in Module")
	}
}

func hexPrefix(h [32]byte) string {
	const digits = "0123456789abcdef"
	var sb strings.Builder
	for _, c := range h[:6] {
		sb.WriteByte(digits[c>>4])
		sb.WriteByte(digits[c&15])
	}
	return sb.String()
}

func TestEncodeRejectsInvalid(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(s *Snapshot)
		want   string
	}{
		{"nil", nil, "nil snapshot"},
		{"no hash", func(s *Snapshot) { s.Module, s.ModuleHash = nil, [32]byte{} }, "no module hash"},
		{"wrong hash", func(s *Snapshot) { s.ModuleHash[0]++ }, "ModuleHash is not the sha256 of Module"},
		{"value type", func(s *Snapshot) { s.Frames[1].Stack = []Value{{Type: wasm.Unknown}} }, "frame 1, stack value 0: invalid value type unknown"},
		{"i32 bits", func(s *Snapshot) { s.Globals[0].Lo = 1 << 40 }, "global 0: i32 value 0x10000000000 has bits set above bit 31"},
		{"hi bits", func(s *Snapshot) { s.Frames[0].Locals[1].Hi = 1 }, "frame 0, local 1: i64 value has Hi set"},
		{"label kind", func(s *Snapshot) { s.Frames[2].Labels[0].Kind = 9 }, "frame 2, label 0: invalid label kind 9"},
		{"page count", func(s *Snapshot) { s.Memories[0].Pages = s.Memories[0].Pages[:3] }, "memory 0: 3 page entries for a size of 4 pages"},
		{"page size", func(s *Snapshot) { s.Memories[0].Pages[0] = make([]byte, 10) }, "memory 0: page 0 is 10 bytes long"},
		{"over max", func(s *Snapshot) { s.Memories[0].Max = 3 }, "memory 0: size 4 pages is more than its maximum 3"},
		{"too big", func(s *Snapshot) { s.Memories[1].Size = 70000 }, "memory 1: size 70000 pages is more than 65536"},
		{"table type", func(s *Snapshot) { s.Tables[0].Type = wasm.I32 }, "table 0: invalid element type i32"},
		{"elem type", func(s *Snapshot) { s.Tables[1].Elems[1].Type = wasm.FuncRef }, "table 1, element 1: funcref in a table of externref"},
		{"table max", func(s *Snapshot) { s.Tables[0].Max = 2 }, "table 0: 3 elements, more than its maximum 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s *Snapshot
			if tc.change != nil {
				s = fullSnapshot(false)
				tc.change(s)
			}
			_, err := Encode(s, EncodeOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "snapshot: ") {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// section is one section of an image, for tests that build images.
type section struct {
	id      uint32
	payload []byte
}

// split parses a well-formed image into its sections (without the end).
func split(t *testing.T, b []byte) []section {
	t.Helper()
	var secs []section
	for pos := headerSize; ; {
		id := binary.LittleEndian.Uint32(b[pos:])
		n := int(binary.LittleEndian.Uint64(b[pos+4:]))
		if id == secEnd {
			return secs
		}
		secs = append(secs, section{id, b[pos+sectionHeaderSize : pos+sectionHeaderSize+n]})
		pos += sectionHeaderSize + n + checksumSize
	}
}

// build assembles an image with correct checksums, adding the end section.
func build(version, revision uint32, secs []section) []byte {
	b := []byte(Magic)
	b = binary.LittleEndian.AppendUint32(b, version)
	b = binary.LittleEndian.AppendUint32(b, revision)
	b = binary.LittleEndian.AppendUint32(b, 0)
	for _, s := range append(secs, section{id: secEnd}) {
		b = binary.LittleEndian.AppendUint32(b, s.id)
		b = binary.LittleEndian.AppendUint64(b, uint64(len(s.payload)))
		b = append(b, s.payload...)
		b = binary.LittleEndian.AppendUint32(b, 0)
	}
	return reseal(b)
}

// reseal rewrites every checksum field of an image that can be located,
// so tests can reach the parsers behind the checksums.
func reseal(b []byte) []byte {
	b = bytes.Clone(b)
	if len(b) < headerSize {
		return b
	}
	put := func(at int) {
		binary.LittleEndian.PutUint32(b[at:], crc32.Checksum(b[:at], castagnoli))
	}
	put(headerSize - checksumSize)
	for pos := headerSize; len(b)-pos >= sectionHeaderSize; {
		n := binary.LittleEndian.Uint64(b[pos+4:])
		left := len(b) - pos - sectionHeaderSize - checksumSize
		if left < 0 || n > uint64(left) {
			break
		}
		pos += sectionHeaderSize + int(n)
		put(pos)
		pos += checksumSize
	}
	return b
}

// payloadOffset returns the image offset of the payload of section id.
func payloadOffset(b []byte, id uint32) int {
	for pos := headerSize; pos+sectionHeaderSize <= len(b); {
		if binary.LittleEndian.Uint32(b[pos:]) == id {
			return pos + sectionHeaderSize
		}
		pos += sectionHeaderSize + int(binary.LittleEndian.Uint64(b[pos+4:])) + checksumSize
	}
	return -1
}

func TestBuildMatchesEncode(t *testing.T) {
	b := mustEncode(t, fullSnapshot(true), EncodeOptions{})
	if !bytes.Equal(build(Version, Revision, split(t, b)), b) {
		t.Fatal("the test's image builder disagrees with Encode")
	}
}

func TestTruncated(t *testing.T) {
	b := mustEncode(t, fullSnapshot(true), EncodeOptions{})
	for n := range len(b) {
		decodeErr(t, b[:n])
	}
	// Two messages exactly.
	if got := decodeErr(t, b[:3]).Error(); got != "snapshot image: header at offset 0x0: truncated: 3 bytes is not even a header" {
		t.Error(got)
	}
	end := len(b) - sectionHeaderSize - checksumSize
	if got := decodeErr(t, b[:end]).Error(); got != "snapshot image: end section at offset 0x"+hexOff(end)+": missing (the image is truncated)" {
		t.Error(got)
	}
	at := payloadOffset(b, secMemories) - sectionHeaderSize
	if got := decodeErr(t, b[:at+100]).Error(); !strings.HasPrefix(got, "snapshot image: memories section at offset 0x"+hexOff(at+4)+": payload length ") {
		t.Error(got)
	}
}

func hexOff(n int) string { return strconv.FormatInt(int64(n), 16) }

// span is where a part of an image lies, and how errors name it.
type span struct {
	start, end int
	name       string
}

func spans(t *testing.T, b []byte) []span {
	sp := []span{{0, headerSize, "header"}}
	pos := headerSize
	for _, s := range append(split(t, b), section{id: secEnd}) {
		end := pos + sectionHeaderSize + len(s.payload) + checksumSize
		sp = append(sp, span{pos, end, sectionLabel(s.id)})
		pos = end
	}
	return sp
}

// TestFlips flips every byte outside the memory pages and a sample inside:
// every flip must be caught, and the error must point into the damaged
// section.
func TestFlips(t *testing.T) {
	b := mustEncode(t, fullSnapshot(true), EncodeOptions{})
	for _, sp := range spans(t, b) {
		for p := sp.start; p < sp.end; p++ {
			if sp.name == "memories section" && p-sp.start > 1000 && sp.end-p > 1000 && p%997 != 0 {
				continue
			}
			for _, mask := range []byte{0x01, 0x80, 0xff} {
				b[p] ^= mask
				de := decodeErr(t, b)
				b[p] ^= mask
				if de.Offset < int64(sp.start) || de.Offset > int64(sp.end) {
					t.Fatalf("flip at 0x%x in %s [0x%x, 0x%x): error points elsewhere: %v", p, sp.name, sp.start, sp.end, de)
				}
				if sp.name == "header" && de.Section != "header" || p >= sp.start+4 && de.Section != sp.name {
					t.Fatalf("flip at 0x%x in %s: error names another section: %v", p, sp.name, de)
				}
			}
		}
	}

	at := payloadOffset(b, secFrames) + 10
	b[at] ^= 1
	if got := decodeErr(t, b).Error(); got != "snapshot image: frames section at offset 0x"+hexOff(at-10-sectionHeaderSize)+": checksum mismatch (the image is damaged)" {
		t.Error(got)
	}
}

func TestHeader(t *testing.T) {
	good := mustEncode(t, &Snapshot{ModuleHash: HashModule(testModule)}, EncodeOptions{})
	for _, tc := range []struct {
		name  string
		image []byte
		want  string
	}{
		{"empty", nil, "header at offset 0x0: truncated: 0 bytes is not even a header"},
		{"wasm", testModule, "header at offset 0x0: not a wdb snapshot image (bad magic)"},
		{"magic only", []byte(Magic), "header at offset 0x8: truncated: 8 bytes is not even a header"},
		{"future", build(7, 0, nil), "header at offset 0x8: image format version 7 is newer than this wdb supports (1)"},
		{"zero", build(0, 0, nil), "header at offset 0x8: invalid image format version 0"},
		{"checksum", append(append([]byte{}, good[:12]...), append([]byte{1}, good[13:]...)...), "header at offset 0x0: checksum mismatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			de := decodeErr(t, tc.image)
			if !strings.Contains(de.Error(), tc.want) {
				t.Fatalf("got %q, want %q", de, tc.want)
			}
		})
	}
}

// TestBadContent damages payloads behind valid checksums.
func TestBadContent(t *testing.T) {
	b := mustEncode(t, fullSnapshot(false), EncodeOptions{})
	secs := split(t, b)
	find := func(id uint32) int {
		for i, s := range secs {
			if s.id == id {
				return i
			}
		}
		t.Fatalf("no section %d", id)
		return 0
	}
	// with returns the image with section id's payload replaced.
	with := func(id uint32, payload []byte) []byte {
		s := append([]section{}, secs...)
		s[find(id)].payload = payload
		return build(Version, Revision, s)
	}
	le32 := func(vs ...uint32) []byte {
		var b []byte
		for _, v := range vs {
			b = binary.LittleEndian.AppendUint32(b, v)
		}
		return b
	}
	value := func(typ byte, lo uint64) []byte {
		return binary.LittleEndian.AppendUint64([]byte{typ}, lo)
	}
	memory := func(size, max uint32, flags byte, pages ...uint32) []byte {
		b := append(le32(size, max), flags)
		b = append(b, le32(uint32(len(pages)))...)
		for _, p := range pages {
			b = append(b, le32(p)...)
			b = append(b, make([]byte, PageSize)...)
		}
		return b
	}
	secOffset := func(image []byte, id uint32) int { return payloadOffset(image, id) }

	globals := append(le32(2), value(0x7f, 1)...)
	globals = append(globals, value(0x12, 0)...)
	badGlobals := with(secGlobals, globals)

	for _, tc := range []struct {
		name  string
		image []byte
		want  string
	}{
		{"value type", badGlobals, "snapshot image: globals section, global 1 at offset 0x" + hexOff(secOffset(badGlobals, secGlobals)+13) + ": invalid value type 0x12"},
		{"i32 bits", with(secGlobals, append(le32(1), value(0x7f, 1<<32)...)), "globals section, global 0 at offset 0x"},
		{"count", with(secFrames, le32(math.MaxUint32)), "frames section at offset 0x" + hexOff(secOffset(b, secFrames)) + ": frame count 4294967295 does not fit in the 0 bytes left in the section"},
		{"locals", with(secFrames, le32(1, 0, 0, 1000, 0, 0)), "frames section, frame 0 at offset 0x"},
		{"label kind", with(secFrames, append(le32(1, 0, 0, 0, 0, 1), append([]byte{7}, make([]byte, 16)...)...)), "frames section, frame 0, label 0 at offset 0x"},
		{"short", with(secState, []byte{1, 2, 3}), "state section at offset 0x" + hexOff(secOffset(b, secState)) + ": counter runs past the end of the section (8 bytes needed, 3 left)"},
		{"extra", with(secState, make([]byte, 9)), "state section at offset 0x" + hexOff(secOffset(b, secState)+8) + ": 1 unexpected bytes at the end of the section"},
		{"page index", with(secMemories, append(le32(1), memory(2, 0, 0, 2)...)), "memories section, memory 0 at offset 0x" + hexOff(secOffset(b, secMemories)+17) + ": page index 2 out of order or past the size (2 pages)"},
		{"page order", with(secMemories, append(le32(1), memory(3, 0, 0, 1, 0)...)), "page index 0 out of order"},
		{"page flags", with(secMemories, append(le32(1), memory(1, 0, 2)...)), "memory 0 at offset 0x" + hexOff(secOffset(b, secMemories)+12) + ": unknown flags 0x02"},
		{"memory max", with(secMemories, append(le32(1), memory(3, 2, 1)...)), "memory 0 at offset 0x" + hexOff(secOffset(b, secMemories)+4) + ": size 3 pages is more than its maximum 2"},
		{"page bomb", with(secMemories, append(le32(5), bytes.Repeat(memory(65536, 0, 0), 5)...)), "memory 4 at offset 0x"},
		{"table type", with(secTables, append(le32(1, 0x7f), make([]byte, 9)...)), "tables section, table 0 at offset 0x"},
		{"elem type", with(secTables, append(append(append(le32(1), 0x70), make([]byte, 5)...), append(le32(1), value(0x6f, 0)...)...)), "table 0 at offset 0x"},
		{"string", with(secHost, le32(1, 1000)), "host section, argument 0 at offset 0x" + hexOff(secOffset(b, secHost)+4) + ": argument length 1000 runs past the end of the section"},
		{"exited", func() []byte {
			h := bytes.Clone(secs[find(secHost)].payload)
			h[len(h)-13] = 2
			return with(secHost, h)
		}(), "host section at offset 0x"},
		{"module hash", func() []byte {
			m := bytes.Clone(secs[find(secModule)].payload)
			m[len(m)-1]++
			return with(secModule, m)
		}(), "module section at offset 0x" + hexOff(secOffset(b, secModule)+32) + ": the module's bytes do not match its sha256"},
		{"zero hash", with(secModule, make([]byte, 36)), "the module hash is missing"},
		{"duplicate", build(Version, Revision, append(secs, secs[find(secGlobals)])), "globals section at offset 0x"},
		{"missing state", build(Version, Revision, append(secs[:find(secState)], secs[find(secState)+1:]...)), "state section at offset 0x"},
		{"end length", func() []byte {
			image := build(Version, Revision, secs)
			at := len(image) - checksumSize - 8
			image[at] = 1
			return reseal(append(image[:at+8:at+8], 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)[:at+8+1+checksumSize])
		}(), "end section at offset 0x"},
		{"after end", append(bytes.Clone(b), 0), "end section at offset 0x" + hexOff(len(b)) + ": 1 bytes after the end section"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			de := decodeErr(t, tc.image)
			if !strings.Contains(de.Error(), tc.want) {
				t.Fatalf("got  %q\nwant %q", de, tc.want)
			}
		})
	}
}

// TestCompatibleRevision: a newer revision's unknown sections and
// appended fields are skipped.
func TestCompatibleRevision(t *testing.T) {
	s := fullSnapshot(false)
	secs := split(t, mustEncode(t, s, EncodeOptions{}))
	var newer []section
	for _, sec := range secs {
		newer = append(newer, section{sec.id, append(bytes.Clone(sec.payload), "future fields"...)})
	}
	newer = append(newer, section{id: 42, payload: []byte("a future section")})
	got, err := Decode(build(Version, Revision+1, newer))
	if err != nil {
		t.Fatal(err)
	}
	if d := Diff(s, got); d != "" {
		t.Fatal(d)
	}
	// An unknown section alone is skipped at any revision.
	if _, err := Decode(build(Version, Revision, append([]section{{id: 1000}}, secs...))); err != nil {
		t.Fatal(err)
	}
}

// TestFieldsCovered fails when a field is added to a snapshot type: the
// image format (and docs/checkpoint-format.md) must learn about it.
func TestFieldsCovered(t *testing.T) {
	for _, tc := range []struct {
		typ    any
		fields string
	}{
		{Snapshot{}, "Module ModuleHash Counter Frames Globals Memories Tables DroppedData DroppedElem Host"},
		{Frame{}, "Func PC Locals Stack Labels"},
		{Label{}, "Kind Arity Height Start Cont"},
		{Value{}, "Type Lo Hi"},
		{Memory{}, "Size Max HasMax Pages"},
		{Table{}, "Type Max HasMax Elems"},
		{Host{}, "Args Env Files LogPosition Exited ExitCode Monotonic"},
		{File{}, "FD Kind GuestPath HostDir Preopen PreopenPath Offset OFlags FDFlags Rights Inherit Dirents"},
	} {
		typ := reflect.TypeOf(tc.typ)
		var names []string
		for i := range typ.NumField() {
			names = append(names, typ.Field(i).Name)
		}
		if got := strings.Join(names, " "); got != tc.fields {
			t.Errorf("%s has fields %q; the image format stores %q", typ.Name(), got, tc.fields)
		}
	}
}

func TestWriteReadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.snap")
	s := fullSnapshot(true)
	if err := WriteFile(path, s, EncodeOptions{}); err != nil {
		t.Fatal(err)
	}
	// Overwrite with another snapshot.
	s.Counter++
	if err := WriteFile(path, s, EncodeOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if d := Diff(s, got); d != "" {
		t.Fatal(d)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("stat: %v, %v", fi, err)
	}
	onlyFile(t, dir, "app.snap")

	// A damaged file: the error names it.
	b, _ := os.ReadFile(path)
	b[len(b)/2] ^= 1
	os.WriteFile(path, b, 0o600)
	_, err = ReadFile(path)
	var de *DecodeError
	if err == nil || !strings.HasPrefix(err.Error(), path+": snapshot image: ") || !errors.As(err, &de) {
		t.Fatalf("ReadFile of a damaged file: %v", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("ReadFile of a missing file: %v", err)
	}
}

// onlyFile checks that dir holds exactly the named entries (no temporary
// files left behind).
func onlyFile(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != strings.Join(names, " ") {
		t.Fatalf("%s holds %q, want %q", dir, got, names)
	}
}

func TestWriteFileFailures(t *testing.T) {
	s := fullSnapshot(false)
	old := []byte("the old content")

	t.Run("invalid snapshot", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "x.snap")
		os.WriteFile(path, old, 0o600)
		bad := fullSnapshot(false)
		bad.Globals[0].Type = 0
		if err := WriteFile(path, bad, EncodeOptions{}); err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("got %v", err)
		}
		if b, _ := os.ReadFile(path); !bytes.Equal(b, old) {
			t.Fatal("old content damaged")
		}
		onlyFile(t, dir, "x.snap")
	})

	t.Run("read-only directory", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "x.snap")
		os.WriteFile(path, old, 0o600)
		os.Chmod(dir, 0o500)
		defer os.Chmod(dir, 0o700)
		if f, err := os.CreateTemp(dir, "probe"); err == nil {
			f.Close()
			os.Remove(f.Name())
			t.Skip("the directory is still writable (running as root?)")
		}
		if err := WriteFile(path, s, EncodeOptions{}); err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("got %v", err)
		}
		if b, _ := os.ReadFile(path); !bytes.Equal(b, old) {
			t.Fatal("old content damaged")
		}
		onlyFile(t, dir, "x.snap")
	})

	t.Run("rename fails", func(t *testing.T) {
		// The target is a non-empty directory: everything but the
		// rename succeeds, and the temporary file must go.
		dir := t.TempDir()
		path := filepath.Join(dir, "x.snap")
		os.Mkdir(path, 0o700)
		os.WriteFile(filepath.Join(path, "keep"), old, 0o600)
		if err := WriteFile(path, s, EncodeOptions{}); err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("got %v", err)
		}
		onlyFile(t, dir, "x.snap")
		onlyFile(t, path, "keep")
	})

	t.Run("no directory", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "nowhere", "x.snap")
		if err := WriteFile(path, s, EncodeOptions{}); err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestDiff(t *testing.T) {
	a := fullSnapshot(true)
	b := fullSnapshot(true)
	// Representations of the same state.
	b.Memories[0].Pages[2] = nil
	a.Memories[0].Pages[0] = make([]byte, PageSize)
	b.Frames[1].Locals = []Value{}
	b.Tables[1].Max = 1234 // no HasMax
	b.DroppedData = []uint32{2, 0}
	b.Host.Files[0], b.Host.Files[1] = b.Host.Files[1], b.Host.Files[0]
	b.Host.Monotonic++ // a clock reading, not compared
	if ok, d := a.Equal(b); !ok {
		t.Fatalf("same state differs: %s", d)
	}
	if d := Diff(nil, nil); d != "" {
		t.Fatal(d)
	}

	for _, tc := range []struct {
		change func(s *Snapshot)
		want   string
	}{
		{func(s *Snapshot) { s.ModuleHash[0]++ }, "module: sha256:"},
		{func(s *Snapshot) { s.Counter = 5 }, "counter: 123456789012 vs 5"},
		{func(s *Snapshot) { s.Frames = s.Frames[:2] }, "frames: 3 vs 2"},
		{func(s *Snapshot) { s.Frames[1].Func = 9 }, "frame 1: func 5 vs 9"},
		{func(s *Snapshot) { s.Frames[1].PC = 0x81 }, "frame 1 (func 5): pc 0x80 vs 0x81"},
		{func(s *Snapshot) { s.Frames[0].Locals[0] = i32(4) }, "frame 0 (func 3), local 0: i32:-1 vs i32:4"},
		{func(s *Snapshot) { s.Frames[0].Stack = nil }, "frame 0 (func 3), stack values: 1 vs 0"},
		{func(s *Snapshot) { s.Frames[2].Stack[4].Hi = 0 }, "frame 2 (func 6), stack value 4: v128:0x11121314151617180102030405060708 vs v128:0x00000000000000000102030405060708"},
		{func(s *Snapshot) { s.Frames[1].Labels[2].Cont = 0x89 }, "frame 1 (func 5), label 2: {if arity 1 height 2 start 0x7a cont 0x88} vs {if arity 1 height 2 start 0x7a cont 0x89}"},
		{func(s *Snapshot) { s.Globals[6].Lo = 0 }, "global 6: funcref:4294967299 vs funcref:null"},
		{func(s *Snapshot) { s.Memories[0].Pages[3] = nil }, "memory 0: byte 0x30000: 0xab vs 0x00"},
		{func(s *Snapshot) {
			s.Memories[0].Pages[2] = bytes.Repeat([]byte{0}, PageSize)
			s.Memories[0].Pages[2][5] = 1
		}, "memory 0: byte 0x20005: 0x00 vs 0x01"},
		{func(s *Snapshot) { s.Memories[0].HasMax = false }, "memory 0: maximum 10 vs none"},
		{func(s *Snapshot) { s.Tables[0].Elems[1].Lo = 4 }, "table 0, element 1: funcref:2 vs funcref:3"},
		{func(s *Snapshot) { s.DroppedElem = nil }, "dropped element segments: [1] vs []"},
		{func(s *Snapshot) { s.Host = nil }, "host: present vs nil"},
		{func(s *Snapshot) { s.Host.Files[4].Offset = 0 }, "host file fd 4: "},
		{func(s *Snapshot) { s.Host.LogPosition = 0 }, "host log position: 77 vs 0"},
	} {
		o := fullSnapshot(true)
		tc.change(o)
		if d := Diff(fullSnapshot(true), o); !strings.HasPrefix(d, tc.want) {
			t.Errorf("got  %q\nwant %q", d, tc.want)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	s := bigSnapshot()
	b.SetBytes(int64(len(mustEncode(b, s, EncodeOptions{}))))
	for b.Loop() {
		mustEncode(b, s, EncodeOptions{})
	}
}

func BenchmarkDecode(b *testing.B) {
	image := mustEncode(b, bigSnapshot(), EncodeOptions{})
	b.SetBytes(int64(len(image)))
	for b.Loop() {
		if _, err := Decode(image); err != nil {
			b.Fatal(err)
		}
	}
}

// bigSnapshot has 64 MiB of memory, half of it non-zero.
func bigSnapshot() *Snapshot {
	s := fullSnapshot(false)
	m := Memory{Size: 1024, Pages: make([][]byte, 1024)}
	for i := 0; i < len(m.Pages); i += 2 {
		m.Pages[i] = bytes.Repeat([]byte{byte(i)}, PageSize)
	}
	s.Memories = []Memory{m}
	return s
}
