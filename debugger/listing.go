package debugger

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/wdb-dev/wdb/wasm"
)

// A Listing is the text of one function in the WebAssembly text format,
// with one line per instruction of its body (nothing folded), indented by
// block depth. Every line knows the file offset of its instruction, so a
// front end can serve the text as a source whose lines map one to one onto
// instructions (the DAP server does) and map a line back to an offset.
//
// The header lines come first: "(func $name (type N) (param ...) (result
// ...)" and, when the function declares locals, "(local ...)". The
// function's final end, a position the program can stop at, is the last
// line, written "end".
type Listing struct {
	Func   uint32
	Header []string
	Lines  []ListingLine
}

// ListingLine is one instruction of a listing.
type ListingLine struct {
	Offset uint32 // file offset of the instruction
	Depth  int    // block nesting depth: 0 for the body, +1 inside each block, loop and if
	Text   string // the instruction in WAT, without indentation
}

// FuncListing returns the listing of function fn of m.
func FuncListing(m *wasm.Module, fn uint32) (*Listing, error) {
	if int(fn) >= len(m.Funcs) {
		return nil, fmt.Errorf("no function %d (the module has %d)", fn, len(m.Funcs))
	}
	f := m.Funcs[fn]
	if f.Import != nil {
		return nil, fmt.Errorf("%s is imported from %s.%s: it has no code", f.DisplayName(), f.Import.Module, f.Import.Name)
	}
	w := newWATNames(m)
	l := &Listing{Func: fn, Header: funcHeader(m, f, w), Lines: make([]ListingLine, len(f.Instrs))}
	depth := 0
	for i, in := range f.Instrs {
		d := depth
		switch in.Op {
		case wasm.OpBlock, wasm.OpLoop, wasm.OpIf:
			depth++
		case wasm.OpElse:
			d = depth - 1
		case wasm.OpEnd:
			depth = max(depth-1, 0)
			d = depth
		}
		l.Lines[i] = ListingLine{Offset: in.Offset, Depth: d, Text: w.instr(f, in)}
	}
	return l, nil
}

// Source is the whole listing as text: the header lines, then one line per
// instruction, indented two spaces per level.
func (l *Listing) Source() string {
	var b strings.Builder
	for _, h := range l.Header {
		b.WriteString(h)
		b.WriteByte('\n')
	}
	for _, ln := range l.Lines {
		b.WriteString(strings.Repeat("  ", ln.Depth+1))
		b.WriteString(ln.Text)
		b.WriteByte('\n')
	}
	return b.String()
}

// Line returns the 1-based line of Source that shows the instruction at
// file offset off.
func (l *Listing) Line(off uint32) (int, bool) {
	i, ok := l.index(off)
	return len(l.Header) + i + 1, ok
}

// Offset returns the file offset of the instruction on 1-based line n of
// Source. A header line stands for the function's first instruction.
func (l *Listing) Offset(line int) (uint32, bool) {
	i := line - 1 - len(l.Header)
	switch {
	case line < 1 || i >= len(l.Lines) || len(l.Lines) == 0:
		return 0, false
	case i < 0:
		i = 0
	}
	return l.Lines[i].Offset, true
}

// index returns the index of the line of the instruction at off.
func (l *Listing) index(off uint32) (int, bool) {
	lo, hi := 0, len(l.Lines)
	for lo < hi {
		mid := (lo + hi) / 2
		if l.Lines[mid].Offset < off {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, lo < len(l.Lines) && l.Lines[lo].Offset == off
}

// InstrText returns instruction i of function fn in WAT, e.g. "i32.load
// offset=8", "call $fac", "br_table 0 1 2".
func InstrText(m *wasm.Module, fn uint32, i int) string {
	f := m.Funcs[fn]
	return newWATNames(m).instr(f, f.Instrs[i])
}

// watNames says how the text refers to functions: by $name when the name is
// a valid identifier that no other function has, else by index.
type watNames struct {
	m       *wasm.Module
	funcs   []string
	globals map[uint32]string // $name of the globals that have a usable one
}

func newWATNames(m *wasm.Module) *watNames {
	w := &watNames{m: m, funcs: make([]string, len(m.Funcs))}
	seen := make(map[string]int, len(m.Funcs))
	for _, f := range m.Funcs {
		seen[f.Name]++
	}
	for i, f := range m.Funcs {
		if f.Name != "" && seen[f.Name] == 1 && isWATID(f.Name) {
			w.funcs[i] = "$" + f.Name
		} else {
			w.funcs[i] = strconv.Itoa(i)
		}
	}
	clear(seen)
	for _, n := range m.GlobalNames {
		seen[n]++
	}
	w.globals = map[uint32]string{}
	for i, n := range m.GlobalNames {
		if seen[n] == 1 && isWATID(n) {
			w.globals[i] = "$" + n
		}
	}
	return w
}

func (w *watNames) fn(i uint32) string {
	if int(i) < len(w.funcs) {
		return w.funcs[i]
	}
	return strconv.FormatUint(uint64(i), 10)
}

// local returns how the text refers to local i of f.
func local(f *wasm.Func, i uint32) string {
	if n, ok := f.LocalNames[i]; ok && isWATID(n) {
		unique := true
		for j, o := range f.LocalNames {
			if j != i && o == n {
				unique = false
				break
			}
		}
		if unique {
			return "$" + n
		}
	}
	return strconv.FormatUint(uint64(i), 10)
}

// isWATID reports whether $name is a valid WAT identifier (spec 6.3.5).
func isWATID(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case strings.IndexByte("!#$%&'*+-./:<=>?@\\^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func funcHeader(m *wasm.Module, f *wasm.Func, w *watNames) []string {
	h := fmt.Sprintf("(func %s (type %d)", w.fn(f.Index), f.TypeIndex)
	np := uint32(len(f.Type.Params))
	h += declList("param", f, 0, f.Type.Params)
	if len(f.Type.Results) > 0 {
		h += " (result " + typeList(f.Type.Results) + ")"
	}
	out := []string{h}
	if len(f.Locals) > 0 {
		out = append(out, "  "+strings.TrimPrefix(declList("local", f, np, f.Locals), " "))
	}
	return out
}

// declList writes params or locals, numbered from first: named ones one
// by one as "(param $n i32)", runs of unnamed ones together.
func declList(kind string, f *wasm.Func, first uint32, types []wasm.ValType) string {
	var b strings.Builder
	var run []wasm.ValType
	flush := func() {
		if len(run) > 0 {
			fmt.Fprintf(&b, " (%s %s)", kind, typeList(run))
			run = run[:0]
		}
	}
	for k, t := range types {
		idx := first + uint32(k)
		if name := local(f, idx); name[0] == '$' {
			flush()
			fmt.Fprintf(&b, " (%s %s %v)", kind, name, t)
			continue
		}
		run = append(run, t)
	}
	flush()
	return b.String()
}

func typeList(ts []wasm.ValType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.String()
	}
	return strings.Join(s, " ")
}

// naturalAlign is the alignment exponent of each load and store's width.
func naturalAlign(op wasm.Opcode) uint32 {
	switch op {
	case wasm.OpI32Load8S, wasm.OpI32Load8U, wasm.OpI64Load8S, wasm.OpI64Load8U, wasm.OpI32Store8, wasm.OpI64Store8:
		return 0
	case wasm.OpI32Load16S, wasm.OpI32Load16U, wasm.OpI64Load16S, wasm.OpI64Load16U, wasm.OpI32Store16, wasm.OpI64Store16:
		return 1
	case wasm.OpI64Load, wasm.OpF64Load, wasm.OpI64Store, wasm.OpF64Store:
		return 3
	}
	return 2
}

// instr writes one instruction with its immediates as the text format
// does (spec 6.5), omitting what takes its default (memory 0, table 0 of
// call_indirect and table.init, natural alignment).
func (w *watNames) instr(f *wasm.Func, in wasm.Instr) string {
	name := in.Op.String()
	switch in.Op {
	case wasm.OpBlock, wasm.OpLoop, wasm.OpIf:
		t := f.Blocks[in.A].Type
		if len(t.Params) > 0 {
			name += " (param " + typeList(t.Params) + ")"
		}
		if len(t.Results) > 0 {
			name += " (result " + typeList(t.Results) + ")"
		}
		return name
	case wasm.OpBr, wasm.OpBrIf, wasm.OpLocalGet, wasm.OpLocalSet, wasm.OpLocalTee,
		wasm.OpGlobalGet, wasm.OpGlobalSet, wasm.OpTableGet, wasm.OpTableSet,
		wasm.OpTableGrow, wasm.OpTableSize, wasm.OpTableFill, wasm.OpElemDrop, wasm.OpDataDrop, wasm.OpMemoryInit:
		if in.Op == wasm.OpLocalGet || in.Op == wasm.OpLocalSet || in.Op == wasm.OpLocalTee {
			return name + " " + local(f, in.A)
		}
		if n, ok := w.globals[in.A]; ok && (in.Op == wasm.OpGlobalGet || in.Op == wasm.OpGlobalSet) {
			return name + " " + n
		}
		return name + " " + strconv.FormatUint(uint64(in.A), 10)
	case wasm.OpBrTable:
		var b strings.Builder
		b.WriteString(name)
		for _, d := range f.BrTable[in.A : in.A+in.B] {
			b.WriteByte(' ')
			b.WriteString(strconv.FormatUint(uint64(d), 10))
		}
		return b.String()
	case wasm.OpCall, wasm.OpRefFunc:
		return name + " " + w.fn(in.A)
	case wasm.OpCallIndirect:
		if in.B != 0 {
			name += " " + strconv.FormatUint(uint64(in.B), 10)
		}
		return fmt.Sprintf("%s (type %d)", name, in.A)
	case wasm.OpSelectT:
		return name + " (result " + wasm.ValType(in.A).String() + ")"
	case wasm.OpRefNull:
		if wasm.ValType(in.A) == wasm.ExternRef {
			return name + " extern"
		}
		return name + " func"
	case wasm.OpMemorySize, wasm.OpMemoryGrow, wasm.OpMemoryFill:
		if in.A != 0 {
			name += " " + strconv.FormatUint(uint64(in.A), 10)
		}
		return name
	case wasm.OpTableInit:
		if in.B != 0 {
			name += " " + strconv.FormatUint(uint64(in.B), 10)
		}
		return name + " " + strconv.FormatUint(uint64(in.A), 10)
	case wasm.OpTableCopy:
		if in.A != 0 || in.B != 0 {
			name += fmt.Sprintf(" %d %d", in.A, in.B)
		}
		return name
	case wasm.OpI32Const:
		return name + " " + strconv.FormatInt(int64(int32(uint32(in.C))), 10)
	case wasm.OpI64Const:
		return name + " " + strconv.FormatInt(int64(in.C), 10)
	case wasm.OpF32Const:
		return name + " " + FormatF32(uint32(in.C))
	case wasm.OpF64Const:
		return name + " " + FormatF64(in.C)
	}
	if in.Op >= wasm.OpI32Load && in.Op <= wasm.OpI64Store32 {
		if in.B != 0 {
			name += " " + strconv.FormatUint(uint64(in.B), 10)
		}
		if in.C != 0 {
			name += " offset=" + strconv.FormatUint(in.C, 10)
		}
		if in.A != naturalAlign(in.Op) {
			name += " align=" + strconv.FormatUint(1<<in.A, 10)
		}
	}
	return name
}

// FormatF32 writes an f32 exactly, as the text format reads it: the
// shortest decimal that reads back as the same value, inf, or nan with its
// payload when it is not the canonical one.
func FormatF32(bits uint32) string {
	f := math.Float32frombits(bits)
	if f != f {
		return formatNaN(bits>>31 != 0, uint64(bits&(1<<23-1)), 1<<22)
	}
	return formatFloat(float64(f), 32)
}

// FormatF64 is FormatF32 for f64.
func FormatF64(bits uint64) string {
	f := math.Float64frombits(bits)
	if f != f {
		return formatNaN(bits>>63 != 0, bits&(1<<52-1), 1<<51)
	}
	return formatFloat(f, 64)
}

func formatFloat(f float64, size int) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'g', -1, size)
}

func formatNaN(neg bool, payload, canonical uint64) string {
	s := "nan"
	if payload != canonical {
		s += fmt.Sprintf(":0x%x", payload)
	}
	if neg {
		s = "-" + s
	}
	return s
}
