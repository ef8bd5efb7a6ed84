package debugger

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/wdb-dev/wdb/debuginfo"
	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/wasm"
)

// Commands that show and change the state: frames, locals, the operand
// stack, globals, memory.

// selectedFrame is the selected frame of the present.
func (in *Interpreter) selectedFrame() (*snapshot.Frame, error) {
	return newEvaluator(in.s, in.frame).currentFrame()
}

// frameLine describes frame i (0 innermost) of frames (bottom first):
// "#1  hanoi+0xf (0x6d8) (i32:1): call $hanoi", with the arguments.
func (in *Interpreter) frameLine(frames []snapshot.Frame, i int) string {
	f := frames[len(frames)-1-i]
	m := in.s.Module()
	var params []string
	np := len(m.Funcs[f.Func].Type.Params)
	for j := 0; j < np && j < len(f.Locals); j++ {
		p := fromSnapshot(f.Locals[j]).format(0)
		if n := m.Funcs[f.Func].LocalNames[uint32(j)]; n != "" {
			p = n + "=" + p
		}
		params = append(params, p)
	}
	s := fmt.Sprintf("#%-2d %s", i, in.where(f.Func, f.PC))
	if np > 0 {
		s += " (" + strings.Join(params, ", ") + ")"
	}
	if t := in.instrAt(f.Func, f.PC); t != "" {
		s += ": " + t
	}
	return s + in.srcPos(f.PC)
}

func cmdBacktrace(in *Interpreter, c call) error {
	frames := in.s.Frames()
	if len(frames) == 0 {
		return errors.New("no frames: the program is not running")
	}
	n := len(frames)
	if c.args != "" {
		v, err := parseUint(c.args, "frame count", 31)
		if err != nil {
			return err
		}
		n = min(n, int(v))
	}
	for i := 0; i < n; i++ {
		mark := "   "
		if i == in.frame {
			mark = "=> "
		}
		fmt.Fprintln(in.out, mark+in.frameLine(frames, i))
	}
	if n < len(frames) {
		fmt.Fprintf(in.out, "  (%d more frames)\n", len(frames)-n)
	}
	return nil
}

// selectFrame selects frame n and shows it.
func (in *Interpreter) selectFrame(n int) error {
	frames := in.s.Frames()
	if len(frames) == 0 {
		return errors.New("no frames: the program is not running")
	}
	if n < 0 || n >= len(frames) {
		return fmt.Errorf("no frame %d (frames 0 to %d; 0 is the innermost)", n, len(frames)-1)
	}
	in.frame = n
	fmt.Fprintln(in.out, in.frameLine(frames, n))
	return nil
}

func cmdFrame(in *Interpreter, c call) error {
	if c.args == "" {
		return in.selectFrame(in.frame)
	}
	n, err := parseUint(c.args, "frame number", 31)
	if err != nil {
		return err
	}
	return in.selectFrame(int(n))
}

func cmdUpDown(dir int) func(*Interpreter, call) error {
	return func(in *Interpreter, c call) error {
		n, err := parseCount(c.args)
		if err != nil {
			return err
		}
		target := in.frame + dir*n
		if frames := len(in.s.Frames()); target >= frames && frames > 0 {
			return fmt.Errorf("no frame %d: frame %d is the outermost", target, frames-1)
		}
		if target < 0 {
			return fmt.Errorf("no frame %d: frame 0 is the innermost", target)
		}
		return in.selectFrame(target)
	}
}

func cmdLocals(in *Interpreter, c call) error {
	if err := noArgs(c); err != nil {
		return err
	}
	f, err := in.selectedFrame()
	if err != nil {
		return err
	}
	fn := in.s.Module().Funcs[f.Func]
	if len(f.Locals) == 0 {
		fmt.Fprintf(in.out, "%s has no locals\n", fn.DisplayName())
	}
	for i, v := range f.Locals {
		kind := "local"
		if i < len(fn.Type.Params) {
			kind = "param"
		}
		name := ""
		if n := fn.LocalNames[uint32(i)]; n != "" {
			name = " " + n
		}
		fmt.Fprintf(in.out, "%s %d%s = %s\n", kind, i, name, fromSnapshot(v).format(0))
	}
	return nil
}

func cmdVars(in *Interpreter, c call) error {
	read, none := in.s.ScopeVars, "no source variables here"
	switch c.args {
	case "":
	case "-g":
		read, none = in.s.GlobalVars, "no static or global variables here"
	default:
		return fmt.Errorf("vars takes no argument or -g (got %q)", c.args)
	}
	if _, err := in.selectedFrame(); err != nil {
		return err
	}
	vs, err := read(in.frame)
	if err != nil {
		return err
	}
	if vs == nil {
		if v, _ := in.s.SourceVars(); v == nil {
			return errors.New("the module has no variable information (DWARF .debug_info: build with -g)")
		}
		fmt.Fprintln(in.out, none)
	}
	for _, v := range vs {
		fmt.Fprintln(in.out, v)
	}
	return nil
}

func cmdStack(in *Interpreter, c call) error {
	if err := noArgs(c); err != nil {
		return err
	}
	f, err := in.selectedFrame()
	if err != nil {
		return err
	}
	if len(f.Stack) == 0 {
		fmt.Fprintln(in.out, "the operand stack is empty")
		return nil
	}
	for i, v := range f.Stack {
		top := ""
		if i == len(f.Stack)-1 {
			top = "  <- top"
		}
		fmt.Fprintf(in.out, "stack %d = %s%s\n", i, fromSnapshot(v).format(0), top)
	}
	return nil
}

func cmdGlobals(in *Interpreter, c call) error {
	if err := noArgs(c); err != nil {
		return err
	}
	m := in.s.Module()
	gs := in.s.Globals()
	if len(gs) == 0 {
		fmt.Fprintln(in.out, "the module has no globals")
	}
	names := map[uint32][]string{}
	for i, n := range m.GlobalNames {
		names[i] = []string{"$" + n}
	}
	for _, e := range m.Exports {
		if e.Kind == wasm.ExternGlobal {
			names[e.Index] = append(names[e.Index], e.Name)
		}
	}
	if sp, ok := m.StackPointer(); ok {
		names[sp] = append(names[sp], "$sp")
	}
	for i, v := range gs {
		mut := ""
		if i < len(m.Globals) && m.Globals[i].Mutable {
			mut = " (mut)"
		}
		name := ""
		if n := names[uint32(i)]; len(n) > 0 {
			name = " " + strings.Join(n, " ")
		}
		fmt.Fprintf(in.out, "global %d%s = %s%s\n", i, name, fromSnapshot(v).format(0), mut)
	}
	return nil
}

// printFormat reads print's /FORMAT: x, d or u.
func printFormat(f string) (byte, error) {
	switch f {
	case "":
		return 0, nil
	case "x", "d", "u":
		return f[0], nil
	}
	return 0, fmt.Errorf("bad format /%s: print takes /x (hex), /d (signed) or /u (unsigned)", f)
}

func cmdPrint(in *Interpreter, c call) error {
	f, err := printFormat(c.format)
	if err != nil {
		return err
	}
	if c.args == "" {
		return errors.New("print what? (usage: print EXPR; see \"help expressions\")")
	}
	text, _, err := in.evalText(c.args, f)
	if err != nil {
		return err
	}
	fmt.Fprintln(in.out, text)
	return nil
}

// SourceExpr evaluates text in the selected frame as a C object (a
// source variable, its field, element or target, a cast, p + 1, *p@10);
// false when text is something else (a WebAssembly expression).
func (in *Interpreter) SourceExpr(text string) (SourceVar, bool, error) {
	e, err := ParseExpr(text)
	if err != nil {
		return SourceVar{}, false, err
	}
	return newEvaluator(in.s, in.frame).cExpr(e)
}

// evalText evaluates expr in the selected frame as print shows it: a C
// object alone as "NAME = value (type)" (named true), anything else (or
// with a format f) as its WebAssembly value.
func (in *Interpreter) evalText(expr string, f byte) (text string, named bool, err error) {
	e, err := ParseExpr(expr)
	if err != nil {
		return "", false, err
	}
	ev := newEvaluator(in.s, in.frame)
	// A source variable alone (or its field, element or pointer target)
	// prints as C shows it (structs and arrays can only print this way).
	if f == 0 {
		if sv, ok, err := ev.cExpr(e); ok {
			if err != nil {
				return "", false, err
			}
			return sv.String(), true, nil
		}
	}
	v, err := e.eval(ev)
	if err != nil {
		return "", false, err
	}
	return v.format(f), false, nil
}

func cmdSet(in *Interpreter, c call) error {
	text := strings.TrimPrefix(c.args, "var ")
	lhs, rhs, ok := cutAssign(text)
	if !ok {
		return errors.New("usage: set PLACE = EXPR (a local, global, stack slot or TYPE mem[ADDR])")
	}
	ev := newEvaluator(in.s, in.frame)
	le, err := ParseExpr(lhs)
	if err != nil {
		return err
	}
	p, err := ev.place(le.root)
	if err != nil {
		return fmt.Errorf("set %s: %v", strings.TrimSpace(lhs), err)
	}
	re, err := ParseExpr(rhs)
	if err != nil {
		return err
	}
	v, err := re.eval(ev)
	if err != nil {
		return err
	}
	hadFuture := in.s.Timeline().End > in.s.Counter()
	switch p.kind {
	case "mem":
		b, err := p.t.encode(v)
		if err != nil {
			return err
		}
		if _, err := readMemory(in.s, p.addr, p.t.size); err != nil {
			return err
		}
		err = in.s.WriteMemory(p.addr, b)
		if err != nil {
			return err
		}
	default:
		sv, err := v.toSnapshot(p.typ)
		if err != nil {
			return fmt.Errorf("set %s: %v", p, err)
		}
		switch p.kind {
		case "local":
			err = in.s.SetLocal(in.frame, p.index, sv)
		case "global":
			err = in.s.SetGlobal(p.index, sv)
		case "stack":
			err = in.s.SetStack(in.frame, int(p.index), sv)
		}
		if err != nil {
			return err
		}
	}
	ev = newEvaluator(in.s, in.frame)
	if sv, ok, err := ev.cExpr(le); ok && err == nil {
		fmt.Fprintln(in.out, sv) // as print shows it
		if hadFuture {
			fmt.Fprintf(in.out, "(the recorded future after counter %d is discarded)\n", in.s.Counter())
		}
		return nil
	}
	nv, err := ev.read(p)
	if err != nil {
		return err
	}
	label := p.String()
	if f, err := in.selectedFrame(); err == nil && p.kind == "local" {
		if n := in.s.Module().Funcs[f.Func].LocalNames[p.index]; n != "" {
			label += " " + n // as locals shows it
		}
	}
	if n := in.s.Module().GlobalNames[p.index]; n != "" && p.kind == "global" {
		label += " $" + n // as globals shows it
	}
	fmt.Fprintf(in.out, "%s = %s\n", label, nv.format(0))
	if hadFuture {
		fmt.Fprintf(in.out, "(the recorded future after counter %d is discarded)\n", in.s.Counter())
	}
	return nil
}

// cutAssign splits "LHS = RHS" at the first = that is not part of ==, !=,
// <= or >=.
func cutAssign(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] != '=' {
			continue
		}
		if i+1 < len(s) && s[i+1] == '=' {
			i++
			continue
		}
		if i > 0 && strings.IndexByte("!<>=", s[i-1]) >= 0 {
			continue
		}
		lhs, rhs := strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
		return lhs, rhs, lhs != "" && rhs != ""
	}
	return "", "", false
}

// xFormat reads x's unit letter: b, h, w or g (1, 2, 4, 8 bytes).
func xUnit(s string) (int, bool) {
	switch s {
	case "b":
		return 1, true
	case "h":
		return 2, true
	case "w":
		return 4, true
	case "g":
		return 8, true
	}
	return 0, false
}

// cmdX dumps memory: "x ADDR [COUNT] [b|h|w|g]", or gdb's "x/COUNTUNIT
// ADDR" (x/16b 0x1000, x/4xw $sp: the x is optional).
func cmdX(in *Interpreter, c call) error {
	unit, count := 1, -1
	if c.format != "" {
		f := strings.Replace(c.format, "x", "", 1)
		digits := strings.TrimRight(f, "bhwg")
		if u := f[len(digits):]; u != "" {
			var ok bool
			if unit, ok = xUnit(u); !ok {
				return fmt.Errorf("bad format /%s: want /[COUNT][b|h|w|g]", c.format)
			}
		}
		if digits != "" {
			n, err := parseUint(digits, "count", 31)
			if err != nil {
				return err
			}
			count = int(n)
		}
	}
	fields := strings.Fields(c.args)
	if len(fields) == 0 {
		return errors.New("x where? (usage: x ADDR [COUNT] [b|h|w|g])")
	}
	// The address is an expression, possibly with spaces: the count and
	// unit, if any, are the last fields, when what is before them is an
	// expression by itself ("x $sp + 8" is one address).
	isExpr := func(f []string) bool { _, err := ParseExpr(strings.Join(f, " ")); return len(f) > 0 && err == nil }
	n := len(fields)
	if u, ok := xUnit(fields[n-1]); ok && n > 1 {
		if c, err := parseUint(fields[n-2], "count", 31); err == nil && isExpr(fields[:n-2]) {
			unit, count, fields = u, int(c), fields[:n-2]
		} else if isExpr(fields[:n-1]) {
			unit, fields = u, fields[:n-1]
		}
	} else if c, err := parseUint(fields[n-1], "count", 31); err == nil && isExpr(fields[:n-1]) {
		count, fields = int(c), fields[:n-1]
	}
	addr, err := in.evalAddress(newEvaluator(in.s, in.frame), strings.Join(fields, " "))
	if err != nil {
		return err
	}
	if count < 0 {
		count = 64 / unit
	}
	if count == 0 {
		return errors.New("x: the count must be at least 1")
	}
	b, err := readMemory(in.s, addr, uint32(count*unit))
	if err != nil {
		return err
	}
	hexDump(in.out, addr, b, unit)
	return nil
}

// hexDump writes memory 16 bytes a line: the address, the bytes in units
// of unit bytes (little-endian values for units above 1) and the bytes as
// ASCII, as xxd does.
func hexDump(w io.Writer, addr uint32, b []byte, unit int) {
	for off := 0; off < len(b); off += 16 {
		row := b[off:min(off+16, len(b))]
		var hex strings.Builder
		for i := 0; i+unit <= len(row); i += unit {
			if i > 0 {
				hex.WriteByte(' ')
				if unit == 1 && i == 8 {
					hex.WriteByte(' ')
				}
			}
			switch unit {
			case 1:
				fmt.Fprintf(&hex, "%02x", row[i])
			case 2:
				fmt.Fprintf(&hex, "0x%04x", binary.LittleEndian.Uint16(row[i:]))
			case 4:
				fmt.Fprintf(&hex, "0x%08x", binary.LittleEndian.Uint32(row[i:]))
			case 8:
				fmt.Fprintf(&hex, "0x%016x", binary.LittleEndian.Uint64(row[i:]))
			}
		}
		width := map[int]int{1: 16*3 + 1, 2: 8 * 7, 4: 4 * 11, 8: 2 * 19}[unit] - 1
		ascii := make([]byte, len(row))
		for i, c := range row {
			if c >= 0x20 && c < 0x7f {
				ascii[i] = c
			} else {
				ascii[i] = '.'
			}
		}
		fmt.Fprintf(w, "0x%08x: %-*s  |%s|\n", uint64(addr)+uint64(off), width, hex.String(), ascii)
	}
}

// Displays: expressions shown after every stop.

type display struct {
	id     int
	expr   string
	format string // print's /FORMAT letter, or ""
}

func cmdDisplay(in *Interpreter, c call) error {
	if c.args == "" {
		if len(in.displays) == 0 {
			fmt.Fprintln(in.out, "no displays")
		}
		in.ShowDisplays()
		return nil
	}
	f, err := printFormat(c.format)
	if err != nil {
		return err
	}
	if _, err := ParseExpr(c.args); err != nil {
		return err
	}
	in.nextDisplay++
	d := display{id: in.nextDisplay, expr: c.args, format: c.format}
	in.displays = append(in.displays, d)
	if in.s.State().HasPC {
		in.showDisplay(d, f)
	}
	return nil
}

func cmdUndisplay(in *Interpreter, c call) error {
	if c.args == "" {
		in.displays = nil
		fmt.Fprintln(in.out, "deleted all displays")
		return nil
	}
	for _, a := range strings.Fields(c.args) {
		id, err := parseUint(a, "display number", 31)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(in.displays, func(d display) bool { return d.id == int(id) })
		if i < 0 {
			return fmt.Errorf("no display %d", id)
		}
		in.displays = slices.Delete(in.displays, i, i+1)
	}
	return nil
}

// Displays is the number of display expressions.
func (in *Interpreter) Displays() int { return len(in.displays) }

// ShowDisplays shows every display, in the selected frame: "1: p.x = 3
// (int)", "2: $0 = i32:7"; one that cannot be evaluated here shows why.
// The moves of the command interpreter show them themselves; the DAP
// server calls it after the moves it makes.
func (in *Interpreter) ShowDisplays() {
	for _, d := range in.displays {
		f, _ := printFormat(d.format)
		in.showDisplay(d, f)
	}
}

func (in *Interpreter) showDisplay(d display, f byte) {
	text, named, err := in.evalText(d.expr, f)
	switch {
	case err != nil:
		fmt.Fprintf(in.out, "%d: %s: %v\n", d.id, d.expr, err)
	case named:
		fmt.Fprintf(in.out, "%d: %s\n", d.id, text)
	default:
		fmt.Fprintf(in.out, "%d: %s = %s\n", d.id, d.expr, text)
	}
}

// typeCommand makes whatis (the type's name) and ptype (a struct, union
// or enum with its members).
func typeCommand(define bool) func(*Interpreter, call) error {
	return func(in *Interpreter, c call) error {
		if c.args == "" {
			return fmt.Errorf("%s of what? (usage: %s EXPR)", c.name, c.name)
		}
		e, err := ParseExpr(c.args)
		if err != nil {
			return err
		}
		ev := newEvaluator(in.s, in.frame)
		if sv, ok, err := ev.cExpr(e); ok {
			if err != nil {
				return err
			}
			t := debuginfo.TypeName(sv.Type)
			if define {
				t = debuginfo.Definition(sv.Type)
			}
			fmt.Fprintf(in.out, "type = %s\n", t)
			return nil
		}
		v, err := e.eval(ev)
		if err != nil {
			return err
		}
		fmt.Fprintf(in.out, "type = %s\n", v.typeName())
		return nil
	}
}
