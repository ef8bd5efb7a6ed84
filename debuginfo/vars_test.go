package debuginfo

import (
	"debug/dwarf"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
)

// fakeState: locals i hold 100+i, globals 200+i, stack slot i 300+i;
// memory is 64 KiB whose word at a holds a+1.
type fakeState struct{ mem []byte }

func newFake() *fakeState {
	f := &fakeState{mem: make([]byte, 1<<16)}
	for a := 0; a+4 <= len(f.mem); a += 4 {
		binary.LittleEndian.PutUint32(f.mem[a:], uint32(a+1))
	}
	return f
}

func (f *fakeState) Local(i uint32) (uint64, error) {
	if i > 10 {
		return 0, fmt.Errorf("no local %d", i)
	}
	return 100 + uint64(i), nil
}
func (f *fakeState) Global(i uint32) (uint64, error) { return 200 + uint64(i), nil }
func (f *fakeState) Stack(i uint32) (uint64, error)  { return 300 + uint64(i), nil }
func (f *fakeState) Memory(a, n uint32) ([]byte, error) {
	if uint64(a)+uint64(n) > uint64(len(f.mem)) {
		return nil, fmt.Errorf("mem[0x%x] out of bounds", a)
	}
	return f.mem[a : a+n], nil
}

// Location expressions, their expected results worked out from the DWARF
// standard's definitions of the ops and the fake state.
func TestEvalLocation(t *testing.T) {
	st := newFake()
	fb := func() (uint64, error) { return 1000, nil }
	for _, c := range []struct {
		name string
		expr []byte
		want string // Location.String, or a value for Computed
	}{
		{"empty", nil, "optimised out"},
		{"local", []byte{0xed, 0, 3}, "local 3"},
		{"local stack_value", []byte{0xed, 0, 0x81, 0x01, 0x9f}, "local 129"},
		{"global", []byte{0xed, 1, 2}, "global 2"},
		{"global u32", []byte{0xed, 3, 7, 0, 0, 0, 0x9f}, "global 7"},
		{"stack", []byte{0xed, 2, 0, 0x9f}, "stack 0"},
		{"stack + 1", []byte{0xed, 2, 0, 0x23, 1, 0x9f}, "=301"},
		{"fbreg", []byte{0x91, 24}, "mem[0x400]"},
		{"fbreg negative", []byte{0x91, 0x78}, "mem[0x3e0]"},
		{"addr", []byte{0x03, 0x10, 0x20, 0, 0}, "mem[0x2010]"},
		{"addr piece", []byte{0x03, 0x10, 0x20, 0, 0, 0x93, 4}, "mem[0x2010]"},
		{"deref", []byte{0x03, 0x10, 0x20, 0, 0, 0x06}, "mem[0x2011]"},
		{"consts", []byte{0x11, 0x0b, 0x9f}, "=11"},
		{"consts negative", []byte{0x11, 0x7f, 0x9f}, "=18446744073709551615"},
		{"lit minus", []byte{0x3a, 0x33, 0x1c, 0x9f}, "=7"},
		{"local plus lit", []byte{0xed, 0, 1, 0x35, 0x22, 0x9f}, "=106"},
		{"constu mul", []byte{0x10, 0x80, 0x01, 0x32, 0x1e, 0x9f}, "=256"},
		{"implicit", []byte{0x9e, 2, 0x34, 0x12}, "=4660"},
	} {
		l, err := EvalLocation(c.expr, st, fb)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		got := l.String()
		if l.Kind == Computed {
			b := make([]byte, 8)
			copy(b, l.Value)
			got = fmt.Sprintf("=%d", binary.LittleEndian.Uint64(b))
		}
		if got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	for _, c := range []struct {
		name string
		expr []byte
		want string
	}{
		{"unknown op", []byte{0x50}, "DW_OP_reg0"},
		{"truncated fbreg", []byte{0x91}, "truncated"},
		{"truncated addr", []byte{0x03, 1}, "truncated"},
		{"empty stack", []byte{0x22}, "empty stack"},
		{"bad wasm kind", []byte{0xed, 9, 0}, "unknown kind 9"},
		{"entry value", []byte{0xa3, 1, 0x50, 0x9f}, "DW_OP_entry_value"},
		{"two pieces", []byte{0xed, 0, 1, 0x93, 4, 0xed, 0, 2, 0x93, 4}, "composite"},
		{"bad deref", []byte{0x0c, 0xff, 0xff, 0xff, 0xff, 0x06}, "out of bounds"},
		{"addrx without .debug_addr", []byte{0xa1, 0}, "DW_OP_addrx 0"},
		{"truncated addrx", []byte{0xa1, 0x80}, "truncated"},
	} {
		if _, err := EvalLocation(c.expr, st, fb); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
}

// Location lists, DWARF 4 and 5, built by hand: the entry holding the
// address is used; no entry is optimised out.
func TestLocLists(t *testing.T) {
	expr := func(i byte) []byte { return []byte{0xed, 0, i, 0x9f} }
	var loc []byte
	u32 := func(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
	entry := func(b []byte, lo, hi uint32, e []byte) []byte {
		b = u32(u32(b, lo), hi)
		return append(binary.LittleEndian.AppendUint16(b, uint16(len(e))), e...)
	}
	loc = entry(loc, 0x10, 0x20, expr(1))
	loc = u32(u32(loc, 0xffffffff), 0x100) // base 0x100
	loc = entry(loc, 0x10, 0x20, expr(2))  // 0x110..0x120
	loc = u32(u32(loc, 0), 0)
	v := &Vars{loc: loc}
	cu := &unitInfo{version: 4, base: 0}
	for addr, want := range map[uint64]string{0x10: "local 1", 0x1f: "local 1", 0x20: "optimised out", 0x110: "local 2", 0x120: "optimised out"} {
		e, err := v.loclist4(cu, 0, addr)
		if err != nil {
			t.Fatalf("0x%x: %v", addr, err)
		}
		l, _ := EvalLocation(e, newFake(), nil)
		if l.String() != want {
			t.Errorf(".debug_loc at 0x%x: %s, want %s", addr, l, want)
		}
	}
	if _, err := v.loclist4(cu, 0, 0x200); err != nil {
		t.Errorf("past the list: %v", err)
	}
	if _, err := (&Vars{loc: loc[:12]}).loclist4(cu, 0, 0x200); err == nil {
		t.Errorf("a truncated .debug_loc: no error")
	}

	// DWARF 5: a header-less list at 8 (after an offset table of one
	// entry at the unit's loclists_base 4), with offset_pair relative to
	// the unit base 0x40, a base_address, start_length and
	// startx_length through .debug_addr.
	lists := u32(u32(nil, 0xdeadbeef), 4) // [0]: junk; loclists_base 4: table {4}
	lists = append(lists, 4, 0x0, 0x10, 4)
	lists = append(lists, expr(1)...) // 0x40..0x50
	lists = append(lists, 6)
	lists = u32(lists, 0x200)
	lists = append(lists, 4, 0, 8, 4)
	lists = append(lists, expr(2)...) // 0x200..0x208
	lists = append(lists, 8)
	lists = u32(lists, 0x300)
	lists = append(lists, 4, 4)
	lists = append(lists, expr(3)...) // 0x300..0x304
	lists = append(lists, 3, 1, 2, 4)
	lists = append(lists, expr(4)...) // addr[1] = 0x500..0x502
	lists = append(lists, 0)
	addr := u32(u32(u32(nil, 0), 0x400), 0x500) // addr_base 4: {0x400, 0x500}
	v = &Vars{loclists: lists, addr: addr}
	cu = &unitInfo{version: 5, base: 0x40, addrBase: 4, loclistsBase: 4}
	for a, want := range map[uint64]string{0x40: "local 1", 0x4f: "local 1", 0x50: "optimised out", 0x204: "local 2",
		0x303: "local 3", 0x501: "local 4", 0x502: "optimised out"} {
		e, err := v.loclist5(cu, true, 0, a)
		if err != nil {
			t.Fatalf("0x%x: %v", a, err)
		}
		l, _ := EvalLocation(e, newFake(), nil)
		if l.String() != want {
			t.Errorf(".debug_loclists at 0x%x: %s, want %s", a, l, want)
		}
	}
	if _, err := v.loclist5(cu, false, 8, 0x200); err != nil {
		t.Errorf("by offset: %v", err)
	}
	if _, err := (&Vars{loclists: lists[:20], addr: addr}).loclist5(cu, false, 8, 0x999); err == nil {
		t.Errorf("a truncated .debug_loclists: no error")
	}
}

// The scopes of lines.c (-O0, DWARF 5) and compute.c (-O2, DWARF 4):
// which variables are in scope where, from llvm-dwarfdump's tree.
func TestScope(t *testing.T) {
	m, tab := lines(t, "../testdata/wasi/lines.wasm")
	v, err := ReadVars(m)
	if err != nil || v == nil {
		t.Fatalf("ReadVars: %v %v", v, err)
	}
	line, _ := markers(t, "../testdata/wasi/lines.c")
	for mark, want := range map[string]string{
		"sum0": "total: n sum", "for": "total: n i sum", "print": "total: n q i sum",
		"ret": "total: n sum", "square": "square: k r", "spin": "spin: x j", "total": "main: s",
	} {
		offs, _, err := tab.Find("lines.c", line[mark])
		if err != nil {
			t.Fatal(err)
		}
		// The last of a line's starts: the for line's increment is
		// inside the loop's block.
		pc := offs[len(offs)-1]
		vs, err := v.Scope(m, pc)
		if err != nil {
			t.Fatal(err)
		}
		fn, _ := v.Func(pc)
		got := fn + ":"
		for _, x := range vs {
			got += " " + x.Name
		}
		if got != want {
			t.Errorf("L:%s: %q, want %q", mark, got, want)
		}
	}
	if vs, err := v.Scope(m, 0); vs != nil || err != nil {
		t.Errorf("Scope outside code: %v %v", vs, err)
	}
}

// Damaged .debug_info: errors, never panics, from ReadVars and Scope.
func TestDamagedInfo(t *testing.T) {
	m := load(t, "../testdata/wasi/lines.wasm")
	i := -1
	for k, c := range m.Customs {
		if c.Name == ".debug_info" {
			i = k
		}
	}
	good := m.Customs[i].Data
	for cut := 0; cut < len(good); cut += 151 {
		for _, data := range [][]byte{good[:cut], flip(good, cut)} {
			m.Customs[i].Data = data
			v, err := ReadVars(m)
			if err != nil || v == nil {
				continue
			}
			for _, f := range v.funcs {
				if vs, err := v.Scope(m, f.ranges[0][0]); err == nil {
					for _, x := range vs {
						x.Locate(f.ranges[0][0], m.CodeSectionOffset, newFake())
						if b, err := x.Locate(f.ranges[0][0], m.CodeSectionOffset, newFake()); err == nil && b.Kind == InMemory {
							Format(x.Type, newFake().mem[:64], newFake().Memory)
						}
					}
				}
			}
		}
	}
	m.Customs[i].Data = good
}

func flip(b []byte, at int) []byte {
	out := append([]byte{}, b...)
	out[at] ^= 0xff
	return out
}

// FuzzLocation: any expression evaluates or fails, never panics
// (go test ./debuginfo -fuzz FuzzLocation).
func FuzzLocation(f *testing.F) {
	for _, seed := range [][]byte{
		{0x91, 24}, {0xed, 0, 3, 0x9f}, {0xed, 3, 1, 2, 3, 4}, {0xed, 2, 0, 0x23, 1, 0x9f},
		{0x03, 1, 2, 3, 4, 0x06}, {0x9e, 4, 1, 2, 3, 4}, {0x11, 0x7f, 0x9f}, {0x93, 4},
	} {
		f.Add(seed)
	}
	st := newFake()
	fb := func() (uint64, error) { return 1000, nil }
	f.Fuzz(func(t *testing.T, expr []byte) {
		l, err := EvalLocation(expr, st, fb)
		if err == nil {
			l.Read(st, 8)
		}
	})
}

// vars.c's globals (counter, origin: DW_OP_addrx in DWARF 5) belong to
// its unit; bump's calls is a static of bump; a name two units define is
// ambiguous.
func TestGlobals(t *testing.T) {
	m, tab := lines(t, "../testdata/wasi/vars.wasm")
	v, err := ReadVars(m)
	if err != nil || v == nil {
		t.Fatalf("ReadVars: %v %v", v, err)
	}
	line, _ := markers(t, "../testdata/wasi/vars.c")
	offs, _, err := tab.Find("vars.c", line["static"])
	if err != nil {
		t.Fatal(err)
	}
	pc := offs[0]
	gs, err := v.Globals(pc)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range gs {
		got = append(got, g.Name+" "+TypeName(g.Type))
		if !g.Global || g.Unit != "wasi/vars.c" {
			t.Errorf("%s: Global %v, Unit %q", g.Name, g.Global, g.Unit)
		}
	}
	if strings.Join(got, ", ") != "origin struct point, counter int" {
		t.Errorf("globals of vars.c: %v", got)
	}
	vs, err := v.Scope(m, pc)
	if err != nil || len(vs) != 1 || vs[0].Name != "calls" || !vs[0].Static {
		t.Errorf("bump's scope: %v %v, want the static calls", vs, err)
	}
	if g, err := v.Global(pc, "counter"); err != nil || g == nil || g.Name != "counter" {
		t.Errorf("Global counter: %v %v", g, err)
	}
	if g, err := v.Global(pc, "calls"); g != nil || err != nil {
		t.Errorf("Global calls (a function's static): %v %v, want none", g, err)
	}
	two := &Vars{globals: []globalInfo{{name: "x", cu: &unitInfo{name: "a.c"}}, {name: "x", cu: &unitInfo{name: "b.c"}}}}
	if _, err := two.Global(0, "x"); err == nil || !strings.Contains(err.Error(), "a.c, b.c") {
		t.Errorf("x in two units: %v, want an error naming a.c and b.c", err)
	}
}

// TestTypeNamePointers: pointers to pointers are written as C writes them.
func TestTypeNamePointers(t *testing.T) {
	char := &dwarf.CharType{BasicType: dwarf.BasicType{CommonType: dwarf.CommonType{ByteSize: 1, Name: "char"}}}
	for _, c := range []struct {
		t    dwarf.Type
		want string
	}{
		{&dwarf.PtrType{Type: char}, "char *"},
		{&dwarf.PtrType{Type: &dwarf.PtrType{Type: char}}, "char **"},
		{&dwarf.PtrType{Type: &dwarf.PtrType{Type: &dwarf.PtrType{}}}, "void ***"},
	} {
		if got := TypeName(c.t); got != c.want {
			t.Errorf("TypeName = %q, want %q", got, c.want)
		}
	}
}

// A C array of arrays is written with its dimensions outermost first, as
// declared: int m[2][3] has type int [2][3].
func TestTypeNameNestedArrays(t *testing.T) {
	i := &dwarf.IntType{BasicType: dwarf.BasicType{CommonType: dwarf.CommonType{ByteSize: 4, Name: "int"}}}
	m := &dwarf.ArrayType{Count: 2, Type: &dwarf.ArrayType{Count: 3, Type: i}}
	if got := TypeName(m); got != "int [2][3]" {
		t.Errorf("TypeName(int m[2][3]) = %q, want \"int [2][3]\"", got)
	}
	if got := TypeName(&dwarf.ArrayType{Count: -1, Type: i}); got != "int []" {
		t.Errorf("TypeName(int a[]) = %q", got)
	}
}
