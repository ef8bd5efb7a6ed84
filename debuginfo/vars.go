package debuginfo

import (
	"debug/dwarf"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/wdb-dev/wdb/wasm"
)

// Source variables (.debug_info): the subprograms, their parameters and
// the variables of their lexical blocks (static ones among them), and the
// variables of the compile units (C globals), with their types and
// location expressions or location lists. Inlined subroutines are skipped: their
// variables are not listed (not even the caller's view of them), and the
// function shown is the one that contains the code.

// Vars is the variable information of a module. It is immutable; its
// methods re-read the DWARF of one function per call.
type Vars struct {
	d     *dwarf.Data
	funcs []funcInfo // sorted by the start of their first range
	// The variables at unit level (C globals and file statics) that have
	// a location, in .debug_info order.
	globals []globalInfo
	// The named types at unit level, by their C name ("int", "struct
	// point", "enum color", a typedef's name), in .debug_info order.
	types map[string][]typeInfo
	// Raw sections debug/dwarf does not read.
	loc, loclists, addr []byte
}

type funcInfo struct {
	name   string
	entry  dwarf.Offset
	ranges [][2]uint32 // file offsets, [start, end)
	cu     *unitInfo
}

type globalInfo struct {
	name  string
	entry dwarf.Offset
	cu    *unitInfo
}

type typeInfo struct {
	entry dwarf.Offset
	cu    *unitInfo
	decl  bool // a declaration only (struct S;)
}

type unitInfo struct {
	name         string // DW_AT_name: the source file
	version      int
	base         uint64 // DW_AT_low_pc of the unit: the base of its location lists
	addrBase     int64  // DWARF 5 DW_AT_addr_base
	loclistsBase int64  // DWARF 5 DW_AT_loclists_base
}

// Var is a source variable or parameter in scope at a PC.
type Var struct {
	Name  string
	Param bool
	Type  dwarf.Type // nil when the DWARF has none (shown as "void")
	Depth int        // 0: the function's own; deeper: nested blocks
	Func  string     // the function it belongs to ("" for a global)
	// Static: a function's static variable (its location a fixed
	// address); Global: a variable of a compile unit, Unit its file.
	Static, Global bool
	Unit           string
	loc            dwarf.Field
	fb             []byte // the frame base expression of its function
	cu             *unitInfo
	v              *Vars
}

// ReadVars reads the functions of m's DWARF. It returns nil and no error
// when the module has no .debug_info, and an error naming the section
// when it is damaged.
func ReadVars(m *wasm.Module) (_ *Vars, err error) {
	d, err := m.DWARF()
	if d == nil || err != nil {
		return nil, err
	}
	defer recoverDamaged(".debug_info", &err)
	v := &Vars{d: d, types: map[string][]typeInfo{}}
	var info []byte
	for _, c := range m.Customs {
		switch c.Name {
		case ".debug_loc":
			v.loc = c.Data
		case ".debug_loclists":
			v.loclists = c.Data
		case ".debug_addr":
			v.addr = c.Data
		case ".debug_info":
			if info == nil {
				info = c.Data
			}
		}
	}
	r := d.Reader()
	var cu *unitInfo
	last, depth := int64(-1), 0
	for {
		e, err := r.Next()
		if err != nil {
			return nil, fmt.Errorf("damaged DWARF in .debug_info: %w", err)
		}
		if e == nil {
			break
		}
		if err := advancing(&last, e); err != nil {
			return nil, err
		}
		switch e.Tag {
		case 0: // the end of a unit's children
			if depth--; depth < 0 {
				return nil, fmt.Errorf("damaged DWARF in .debug_info: an unbalanced list of children after 0x%x", last)
			}
			continue
		case dwarf.TagCompileUnit, dwarf.TagPartialUnit:
			if e.Children {
				depth++
			}
			cu = &unitInfo{version: 4}
			cu.name, _ = e.Val(dwarf.AttrName).(string)
			if ver, ok := unitVersion(info, e.Offset); ok {
				cu.version = ver
			}
			if lo, ok := e.Val(dwarf.AttrLowpc).(uint64); ok {
				cu.base = lo
			}
			cu.addrBase, _ = e.Val(dwarf.AttrAddrBase).(int64)
			cu.loclistsBase, _ = e.Val(dwarf.AttrLoclistsBase).(int64)
			continue
		case dwarf.TagSubprogram:
			if cu == nil {
				r.SkipChildren()
				continue
			}
			if f, ok := v.function(m, e); ok {
				f.cu = cu
				v.funcs = append(v.funcs, f)
			}
		case dwarf.TagVariable:
			// Only unit-level entries reach here: the children of the
			// others are skipped. Declarations (extern) have no location.
			if n, ok := e.Val(dwarf.AttrName).(string); ok && cu != nil && e.AttrField(dwarf.AttrLocation) != nil {
				v.globals = append(v.globals, globalInfo{name: n, entry: e.Offset, cu: cu})
			}
		case dwarf.TagBaseType, dwarf.TagStructType, dwarf.TagUnionType, dwarf.TagEnumerationType, dwarf.TagTypedef:
			if n, ok := e.Val(dwarf.AttrName).(string); ok && cu != nil {
				n = typeKeys[e.Tag] + n
				decl, _ := e.Val(dwarf.AttrDeclaration).(bool)
				v.types[n] = append(v.types[n], typeInfo{entry: e.Offset, cu: cu, decl: decl})
			}
		}
		if e.Children {
			r.SkipChildren()
		}
	}
	slices.SortFunc(v.funcs, func(a, b funcInfo) int { return int(int64(a.ranges[0][0]) - int64(b.ranges[0][0])) })
	return v, nil
}

// advancing checks that the reader moves forward: on some damaged input
// debug/dwarf returns the same entry forever. (It gives the null entries
// that end a list of children offset 0: their callers count them.)
func advancing(last *int64, e *dwarf.Entry) error {
	if e.Tag == 0 {
		return nil
	}
	if int64(e.Offset) <= *last {
		return fmt.Errorf("damaged DWARF in .debug_info: the entry after 0x%x is at 0x%x", *last, e.Offset)
	}
	*last = int64(e.Offset)
	return nil
}

// unitVersion is the DWARF version of the unit whose root entry is at
// off (debug/dwarf keeps it to itself): the unit header just before it is
// 11 bytes in DWARF 2-4 (length, version, abbrev offset, address size)
// and 12 in DWARF 5 (a unit type added), with the version after the
// 4-byte length.
func unitVersion(info []byte, off dwarf.Offset) (int, bool) {
	for _, h := range []int{12, 11} {
		p := int(off) - h + 4
		if p >= 0 && p+2 <= len(info) {
			if v := int(binary.LittleEndian.Uint16(info[p:])); (h == 12 && v == 5) || (h == 11 && v < 5 && v >= 2) {
				return v, true
			}
		}
	}
	return 0, false
}

// function reads a subprogram with code in the module: its ranges as
// file offsets (a function the linker dropped has none there).
func (v *Vars) function(m *wasm.Module, e *dwarf.Entry) (funcInfo, bool) {
	rs, err := v.d.Ranges(e)
	if err != nil || len(rs) == 0 {
		return funcInfo{}, false
	}
	f := funcInfo{name: v.name(e), entry: e.Offset}
	for _, rg := range rs {
		lo, ok := codeOffset(m, rg[0])
		if !ok || rg[1] <= rg[0] || rg[1]-rg[0] >= 1<<32 {
			continue
		}
		if _, in := m.FuncAt(lo); !in {
			continue
		}
		f.ranges = append(f.ranges, [2]uint32{lo, lo + uint32(rg[1]-rg[0])})
	}
	return f, len(f.ranges) > 0
}

// name is an entry's DW_AT_name, else its abstract origin's or
// specification's.
func (v *Vars) name(e *dwarf.Entry) string {
	for range 4 {
		if n, ok := e.Val(dwarf.AttrName).(string); ok {
			return n
		}
		o, ok := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset)
		if !ok {
			o, ok = e.Val(dwarf.AttrSpecification).(dwarf.Offset)
		}
		if !ok {
			return ""
		}
		if e = v.entryAt(o); e == nil {
			return ""
		}
	}
	return ""
}

func (v *Vars) entryAt(o dwarf.Offset) *dwarf.Entry {
	r := v.d.Reader()
	r.Seek(o)
	e, err := r.Next()
	if err != nil {
		return nil
	}
	return e
}

// typeOf is an entry's type, following its abstract origin.
func (v *Vars) typeOf(e *dwarf.Entry) dwarf.Type {
	for range 4 {
		if o, ok := e.Val(dwarf.AttrType).(dwarf.Offset); ok {
			t, err := v.d.Type(o)
			if err != nil {
				return nil
			}
			return t
		}
		o, ok := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset)
		if !ok {
			return nil
		}
		if e = v.entryAt(o); e == nil {
			return nil
		}
	}
	return nil
}

// Func returns the name of the function whose code holds pc.
func (v *Vars) Func(pc uint32) (string, bool) {
	f := v.funcAt(pc)
	if f == nil {
		return "", false
	}
	return f.name, true
}

func (v *Vars) funcAt(pc uint32) *funcInfo {
	if v == nil {
		return nil
	}
	// Functions do not nest: the one starting last at or before pc, or
	// an earlier one with a range elsewhere.
	i := sort.Search(len(v.funcs), func(i int) bool { return v.funcs[i].ranges[0][0] > pc })
	for j := i - 1; j >= 0; j-- {
		if inRanges(v.funcs[j].ranges, pc) {
			return &v.funcs[j]
		}
		if j < i-8 {
			break
		}
	}
	for j := range v.funcs {
		if inRanges(v.funcs[j].ranges, pc) {
			return &v.funcs[j]
		}
	}
	return nil
}

func inRanges(rs [][2]uint32, pc uint32) bool {
	for _, r := range rs {
		if pc >= r[0] && pc < r[1] {
			return true
		}
	}
	return false
}

// Scope returns the variables in scope at pc (a file offset): the
// parameters of the function holding it, then the variables of its
// innermost block, then those of the blocks around it out to the
// function's own. A name declared in an inner block hides the same name
// further out. Nil when no function with DWARF holds pc.
func (v *Vars) Scope(m *wasm.Module, pc uint32) (_ []*Var, err error) {
	f := v.funcAt(pc)
	if f == nil {
		return nil, nil
	}
	defer recoverDamaged(".debug_info (function "+f.name+")", &err)
	r := v.d.Reader()
	r.Seek(f.entry)
	sub, err := r.Next()
	if err != nil || sub == nil {
		return nil, fmt.Errorf("damaged DWARF in .debug_info at 0x%x: %v", f.entry, err)
	}
	fb, _ := sub.Val(dwarf.AttrFrameBase).([]byte)
	var params []*Var
	var levels [][]*Var // by depth
	depth := 0
	// in[d]: the block at depth d holds pc (depth 0, the function, does).
	in := []bool{true}
	if !sub.Children {
		return nil, nil
	}
	last := int64(sub.Offset)
	for {
		e, err := r.Next()
		if err != nil {
			return nil, fmt.Errorf("damaged DWARF in .debug_info (function %s): %w", f.name, err)
		}
		if e == nil {
			break
		}
		if err := advancing(&last, e); err != nil {
			return nil, err
		}
		if e.Tag == 0 { // the end of a block's children
			depth--
			in = in[:len(in)-1]
			if depth < 0 {
				break
			}
			continue
		}
		switch e.Tag {
		case dwarf.TagFormalParameter, dwarf.TagVariable:
			if !in[depth] {
				break
			}
			nv := &Var{Name: v.name(e), Param: e.Tag == dwarf.TagFormalParameter && depth == 0, Type: v.typeOf(e),
				Depth: depth, Func: f.name, fb: fb, cu: f.cu, v: v}
			if fl := e.AttrField(dwarf.AttrLocation); fl != nil {
				nv.loc = *fl
				nv.Static = fixedAddress(*fl)
			}
			if nv.Name == "" {
				break
			}
			if nv.Param {
				params = append(params, nv)
			} else {
				for len(levels) <= depth {
					levels = append(levels, nil)
				}
				levels[depth] = append(levels[depth], nv)
			}
		case dwarf.TagLexDwarfBlock:
			if e.Children {
				holds := false
				if in[depth] {
					rs, _ := v.d.Ranges(e)
					for _, rg := range rs {
						if lo, ok := codeOffset(m, rg[0]); ok && pc >= lo && uint64(pc-lo) < rg[1]-rg[0] {
							holds = true
						}
					}
				}
				depth++
				in = append(in, holds)
				continue
			}
		}
		if e.Children {
			r.SkipChildren() // inlined subroutines, nested types...
		}
	}
	vars := params
	seen := map[string]bool{}
	for _, p := range params {
		seen[p.Name] = true
	}
	for d := len(levels) - 1; d >= 0; d-- {
		for _, x := range levels[d] {
			if !seen[x.Name] {
				seen[x.Name] = true
				vars = append(vars, x)
			}
		}
	}
	return vars, nil
}

// fixedAddress says whether a location is an address alone (DW_OP_addr
// or DW_OP_addrx): a static variable's.
func fixedAddress(fl dwarf.Field) bool {
	b, ok := fl.Val.([]byte)
	if !ok || len(b) == 0 {
		return false
	}
	r := &exprReader{b: b, i: 1}
	switch b[0] {
	case 0x03:
		r.fixed(4)
	case 0xa1:
		r.uleb()
	default:
		return false
	}
	return r.err == nil && r.i == len(b)
}

// Globals returns the variables of the compile unit of the function
// holding pc (C globals and file-level statics), in source order; nil
// when no function with DWARF holds pc.
func (v *Vars) Globals(pc uint32) (_ []*Var, err error) {
	f := v.funcAt(pc)
	if f == nil {
		return nil, nil
	}
	defer recoverDamaged(".debug_info (globals of "+f.cu.name+")", &err)
	var out []*Var
	for _, g := range v.globals {
		if g.cu == f.cu {
			out = append(out, v.global(g))
		}
	}
	return out, nil
}

// Global finds a variable of a compile unit by name: the unit of the
// function holding pc first, else the one other unit that has it. Nil
// when none has; an error listing the units when several do.
func (v *Vars) Global(pc uint32, name string) (_ *Var, err error) {
	if v == nil {
		return nil, nil
	}
	defer recoverDamaged(".debug_info (global "+name+")", &err)
	var here *unitInfo
	if f := v.funcAt(pc); f != nil {
		here = f.cu
	}
	var found []globalInfo
	for _, g := range v.globals {
		if g.name != name {
			continue
		}
		if g.cu == here {
			return v.global(g), nil
		}
		found = append(found, g)
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return v.global(found[0]), nil
	}
	units := make([]string, len(found))
	for i, g := range found {
		units[i] = g.cu.name
	}
	return nil, fmt.Errorf("%s is ambiguous: a global of %s", name, strings.Join(units, ", "))
}

func (v *Vars) global(g globalInfo) *Var {
	x := &Var{Name: g.name, Global: true, Unit: g.cu.name, cu: g.cu, v: v}
	if e := v.entryAt(g.entry); e != nil {
		x.Type = v.typeOf(e)
		if fl := e.AttrField(dwarf.AttrLocation); fl != nil {
			x.loc = *fl
		}
	}
	return x
}

// addrx reads entry i of the unit's .debug_addr (4-byte addresses).
func (v *Vars) addrx(cu *unitInfo, i uint64) (uint64, error) {
	p := cu.addrBase + 4*int64(min(i, 1<<40))
	if p < 0 || p+4 > int64(len(v.addr)) {
		return 0, fmt.Errorf("address index %d outside .debug_addr", i)
	}
	return uint64(binary.LittleEndian.Uint32(v.addr[p:])), nil
}

// Locate evaluates the variable's location at pc in st: OptimisedOut when
// it has none there.
func (x *Var) Locate(pc uint32, codeStart uint32, st State) (Location, error) {
	var expr []byte
	switch x.loc.Class {
	case dwarf.ClassExprLoc, dwarf.ClassBlock:
		expr, _ = x.loc.Val.([]byte)
	case dwarf.ClassLocListPtr, dwarf.ClassLocList:
		var off int64
		switch v := x.loc.Val.(type) {
		case int64: // an offset
			off = v
		case uint64: // DW_FORM_loclistx: an index
			off = int64(min(v, 1<<40))
		}
		var err error
		if x.cu.version >= 5 || x.loc.Class == dwarf.ClassLocList {
			expr, err = x.v.loclist5(x.cu, x.loc.Class == dwarf.ClassLocList, off, uint64(pc-codeStart))
		} else {
			expr, err = x.v.loclist4(x.cu, off, uint64(pc-codeStart))
		}
		if err != nil {
			return Location{}, fmt.Errorf("%s: %w", x.Name, err)
		}
	case 0:
	default:
		return Location{}, fmt.Errorf("%s: unsupported DW_AT_location class %v", x.Name, x.loc.Class)
	}
	usedFB := false
	frameBase := func() (uint64, error) {
		usedFB = true
		l, err := EvalLocation(x.fb, st, nil)
		if err != nil {
			return 0, err
		}
		if l.Kind == InMemory {
			return uint64(l.Addr), nil
		}
		b, err := l.Read(st, 4)
		if err != nil {
			return 0, err
		}
		return uint64(binary.LittleEndian.Uint32(b)), nil
	}
	l, err := evalLocation(expr, st, frameBase, func(i uint64) (uint64, error) { return x.v.addrx(x.cu, i) })
	if err != nil {
		return Location{}, fmt.Errorf("%s: %w", x.Name, err)
	}
	l.FrameBased = usedFB
	return l, nil
}

var errLocList = errors.New("damaged location list")

// loclist4 finds the expression for addr in the DWARF 4 .debug_loc list
// at off: pairs of 4-byte addresses relative to the base (the unit's
// low_pc, or a base selection entry), each followed by a 2-byte length
// and the expression; (0, 0) ends the list. None: optimised out (nil).
func (v *Vars) loclist4(cu *unitInfo, off int64, addr uint64) ([]byte, error) {
	if off < 0 || off >= int64(len(v.loc)) {
		return nil, fmt.Errorf("%w: offset 0x%x outside .debug_loc", errLocList, off)
	}
	r := &exprReader{b: v.loc, i: int(off)}
	base := cu.base
	for r.err == nil {
		lo, hi := r.fixed(4), r.fixed(4)
		switch {
		case r.err != nil:
		case lo == 0 && hi == 0:
			return nil, nil
		case lo == 0xffffffff:
			base = hi
		default:
			n := int(r.fixed(2))
			if r.err != nil || r.i+n > len(r.b) {
				return nil, fmt.Errorf("%w in .debug_loc at 0x%x", errLocList, off)
			}
			if addr >= base+lo && addr < base+hi {
				return r.b[r.i : r.i+n], nil
			}
			r.i += n
		}
	}
	return nil, fmt.Errorf("%w in .debug_loc at 0x%x: %v", errLocList, off, r.err)
}

// loclist5 finds the expression for addr in a DWARF 5 .debug_loclists
// list: at off, or (index) the off-th entry of the unit's offset table.
func (v *Vars) loclist5(cu *unitInfo, index bool, off int64, addr uint64) ([]byte, error) {
	if index {
		r := &exprReader{b: v.loclists, i: int(cu.loclistsBase + 4*off)}
		if cu.loclistsBase+4*off < 0 || cu.loclistsBase+4*off > int64(len(v.loclists)) {
			return nil, fmt.Errorf("%w: index %d outside .debug_loclists", errLocList, off)
		}
		off = cu.loclistsBase + int64(r.fixed(4))
		if r.err != nil {
			return nil, fmt.Errorf("%w: index %d: %v", errLocList, off, r.err)
		}
	}
	if off < 0 || off >= int64(len(v.loclists)) {
		return nil, fmt.Errorf("%w: offset 0x%x outside .debug_loclists", errLocList, off)
	}
	r := &exprReader{b: v.loclists, i: int(off)}
	base := cu.base
	addrx := func(i uint64) uint64 {
		a, err := v.addrx(cu, i)
		if err != nil {
			r.fail("address index")
		}
		return a
	}
	for n := 0; r.err == nil && n < 1<<20; n++ {
		kind := r.byte()
		var lo, hi uint64
		ranged := true
		switch kind {
		case 0: // DW_LLE_end_of_list
			return nil, nil
		case 1: // DW_LLE_base_addressx
			base, ranged = addrx(r.uleb()), false
		case 2: // DW_LLE_startx_endx
			lo = addrx(r.uleb())
			hi = addrx(r.uleb())
		case 3: // DW_LLE_startx_length
			lo = addrx(r.uleb())
			hi = lo + r.uleb()
		case 4: // DW_LLE_offset_pair
			lo = base + r.uleb()
			hi = base + r.uleb()
		case 5: // DW_LLE_default_location
			lo, hi = 0, ^uint64(0)
		case 6: // DW_LLE_base_address
			base, ranged = r.fixed(4), false
		case 7: // DW_LLE_start_end
			lo, hi = r.fixed(4), r.fixed(4)
		case 8: // DW_LLE_start_length
			lo = r.fixed(4)
			hi = lo + r.uleb()
		default:
			return nil, fmt.Errorf("%w: unknown DW_LLE 0x%x in .debug_loclists at 0x%x", errLocList, kind, r.i-1)
		}
		if !ranged || r.err != nil {
			continue
		}
		n := r.uleb()
		if r.err != nil || n > uint64(len(r.b)-r.i) {
			break
		}
		if addr >= lo && addr < hi {
			return r.b[r.i : r.i+int(n)], nil
		}
		r.i += int(n)
	}
	return nil, fmt.Errorf("%w in .debug_loclists at 0x%x", errLocList, off)
}

// typeKeys prefixes the names of tagged types as C writes them.
var typeKeys = map[dwarf.Tag]string{dwarf.TagStructType: "struct ", dwarf.TagUnionType: "union ", dwarf.TagEnumerationType: "enum "}

// Type finds a named type of a compile unit, as C names it: a base type
// ("unsigned int"), "struct NAME", "union NAME", "enum NAME" or a
// typedef's name. The unit of the function holding pc comes first, and a
// definition before a declaration (struct S;). Nil when no unit has it.
// Types declared inside functions are not found.
func (v *Vars) Type(pc uint32, name string) (_ dwarf.Type, err error) {
	if v == nil {
		return nil, nil
	}
	defer recoverDamaged(".debug_info (type "+name+")", &err)
	var here *unitInfo
	if f := v.funcAt(pc); f != nil {
		here = f.cu
	}
	best, score := dwarf.Offset(0), -1
	for _, t := range v.types[name] {
		s := 0
		if !t.decl {
			s += 2
		}
		if t.cu == here {
			s++
		}
		if s > score {
			best, score = t.entry, s
		}
	}
	if score < 0 {
		return nil, nil
	}
	t, err := v.d.Type(best)
	if err != nil {
		return nil, fmt.Errorf("damaged DWARF in .debug_info: type %s at 0x%x: %v", name, best, err)
	}
	return t, nil
}
