package debugger

import (
	"fmt"
	"regexp"
	"strings"
)

// Commands that show the code: list (the WAT text of a function) and
// disassemble (instructions with offsets and bytes).

// codeTarget resolves the optional location argument of list and
// disassemble: the function, the instruction to centre on, and whether a
// whole function was named. With no argument: the selected frame's PC.
func (in *Interpreter) codeTarget(arg string) (fn, off uint32, whole bool, err error) {
	if arg == "" {
		f, err := in.selectedFrame()
		if err != nil {
			st := in.s.State()
			if !st.HasPC {
				return 0, 0, false, fmt.Errorf("the program is not running: give a function (%v)", err)
			}
			return st.Func, st.Offset, false, nil
		}
		return f.Func, f.PC, false, nil
	}
	loc, err := in.s.ResolveLocation(arg)
	if err != nil {
		return 0, 0, false, err
	}
	named := !strings.HasPrefix(arg, "0x") && !strings.Contains(arg, "+")
	return loc.Func, loc.Offset, named, nil
}

// marks returns the marker of an instruction: "=>" at the selected frame's
// PC, "*" where a breakpoint is.
func (in *Interpreter) marks() func(fn, off uint32) string {
	var pcFn, pcOff uint32
	hasPC := false
	if f, err := in.selectedFrame(); err == nil {
		pcFn, pcOff, hasPC = f.Func, f.PC, true
	}
	bps := map[Location]bool{}
	for _, b := range in.s.Breakpoints() {
		bps[b.Location] = true
	}
	return func(fn, off uint32) string {
		m := "  "
		if hasPC && fn == pcFn && off == pcOff {
			m = "=>"
		}
		if bps[Location{fn, off}] {
			return m + "*"
		}
		return m + " "
	}
}

// window is the range of lines to show around line i of n.
func window(i, n, before, after int) (int, int) {
	from := max(0, i-before)
	return from, min(n, from+before+after+1)
}

func cmdList(in *Interpreter, c call) error {
	var l *Listing
	var from, to int
	if c.args == "" && in.listFn >= 0 {
		// A bare list after a list goes on where it stopped.
		var err error
		if l, err = in.listing(uint32(in.listFn)); err != nil {
			return err
		}
		if in.listNext >= len(l.Lines) {
			return fmt.Errorf("end of %s", funcDisplay(in.s.Module(), l.Func))
		}
		from, to = in.listNext, min(len(l.Lines), in.listNext+20)
	} else {
		fn, off, whole, err := in.codeTarget(c.args)
		if err != nil {
			return err
		}
		if l, err = in.listing(fn); err != nil {
			return err
		}
		i, _ := l.index(off)
		if whole {
			from, to = 0, min(len(l.Lines), 20)
		} else {
			from, to = window(i, len(l.Lines), 9, 10)
		}
	}
	mark := in.marks()
	if from == 0 {
		for _, h := range l.Header {
			fmt.Fprintf(in.out, "        %s\n", h)
		}
	}
	for k := from; k < to; k++ {
		ln := l.Lines[k]
		line, _ := l.Line(ln.Offset)
		fmt.Fprintf(in.out, "%5d %s %s%s\n", line, mark(l.Func, ln.Offset), strings.Repeat("  ", ln.Depth+1), ln.Text)
	}
	in.listFn, in.listNext = int64(l.Func), to
	return nil
}

func cmdDisassemble(in *Interpreter, c call) error {
	fn, off, whole, err := in.codeTarget(c.args)
	if err != nil {
		return err
	}
	l, err := in.listing(fn)
	if err != nil {
		return err
	}
	from, to := 0, len(l.Lines)
	if !whole {
		i, _ := l.index(off)
		from, to = window(i, len(l.Lines), 6, 8)
	}
	m := in.s.Module()
	f := m.Funcs[fn]
	mark := in.marks()
	fmt.Fprintf(in.out, "%s (func %d):\n", f.DisplayName(), fn)
	// The widest <+OFF> of the lines shown, so that the columns align.
	width := len(fmt.Sprintf("<+%d>", l.Lines[to-1].Offset-l.Lines[0].Offset))
	for k := from; k < to; k++ {
		ln := l.Lines[k]
		end := f.BodyEnd
		if k+1 < len(l.Lines) {
			end = l.Lines[k+1].Offset
		}
		rel := fmt.Sprintf("<+%d>", ln.Offset-l.Lines[0].Offset)
		fmt.Fprintf(in.out, "%s 0x%06x %-*s  %-24s %s%s\n", mark(fn, ln.Offset), ln.Offset, width, rel,
			rawBytes(m.Bytes[ln.Offset:end]), strings.Repeat("  ", ln.Depth), ln.Text)
	}
	return nil
}

// rawBytes writes an instruction's encoding in hex, shortened past 8
// bytes.
func rawBytes(b []byte) string {
	var s strings.Builder
	for i, c := range b {
		if i == 7 && len(b) > 8 {
			s.WriteString("..")
			break
		}
		if i > 0 {
			s.WriteByte(' ')
		}
		fmt.Fprintf(&s, "%02x", c)
	}
	return s.String()
}

// cmdFunctions lists the functions whose names match a regular
// expression (all without one): index, name, signature, and where its
// code begins (the source line, when the line table has one) or what it
// imports.
func cmdFunctions(in *Interpreter, c call) error {
	var re *regexp.Regexp
	if c.args != "" {
		var err error
		if re, err = regexp.Compile(c.args); err != nil {
			return fmt.Errorf("functions %s: %v", c.args, err)
		}
	}
	m := in.s.Module()
	n := 0
	for _, f := range m.Funcs {
		name := f.DisplayName()
		if re != nil && !re.MatchString(name) {
			continue
		}
		n++
		sig := "(" + strings.ReplaceAll(typeList(f.Type.Params), " ", ", ") + ")"
		if len(f.Type.Results) > 0 {
			sig += " -> " + strings.ReplaceAll(typeList(f.Type.Results), " ", ", ")
		}
		where := ""
		switch {
		case f.Import != nil:
			where = fmt.Sprintf(" imported %s.%s", f.Import.Module, f.Import.Name)
		case len(f.Instrs) > 0:
			where = fmt.Sprintf(" at 0x%x%s", f.Instrs[0].Offset, in.srcPos(f.Instrs[0].Offset))
		}
		fmt.Fprintf(in.out, "func[%d] %s %s%s\n", f.Index, name, sig, where)
	}
	switch {
	case n == 0 && re != nil:
		return fmt.Errorf("no function matches %s", c.args)
	case re != nil:
		fmt.Fprintf(in.out, "%d of %d functions\n", n, len(m.Funcs))
	default:
		fmt.Fprintf(in.out, "%d functions\n", n)
	}
	return nil
}
