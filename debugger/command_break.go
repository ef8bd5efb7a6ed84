package debugger

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Breakpoints, log points and watchpoints.

// breakSpec is a parsed break command.
type breakSpec struct {
	loc, cond, hits, log string
}

// parseBreak splits "LOCATION [if COND] [hits N] [log MESSAGE]": the
// condition runs to the next keyword, the message to the end of the line.
func parseBreak(args string) (breakSpec, error) {
	var b breakSpec
	rest := " " + args
	if !strings.HasPrefix(rest, " if ") && !strings.HasPrefix(rest, " hits ") && !strings.HasPrefix(rest, " log ") {
		b.loc, rest, _ = strings.Cut(args, " ")
		rest = " " + rest
	}
	for rest = strings.TrimRight(rest, " "); rest != ""; {
		var kw string
		for _, k := range []string{" if ", " hits ", " log "} {
			if strings.HasPrefix(rest, k) {
				kw = strings.TrimSpace(k)
			}
		}
		if kw == "" {
			return b, fmt.Errorf("unexpected %q after the location (want if COND, hits N or log MESSAGE)", strings.TrimSpace(rest))
		}
		rest = rest[len(kw)+2:]
		if kw == "log" {
			msg := strings.TrimSpace(rest)
			if uq, err := strconv.Unquote(msg); err == nil {
				msg = uq
			}
			if msg == "" {
				return b, errors.New("log needs a message")
			}
			b.log, rest = msg, ""
			continue
		}
		end := len(rest)
		for _, k := range []string{" if ", " hits ", " log "} {
			if i := strings.Index(rest, k); i >= 0 && i < end {
				end = i
			}
		}
		val := strings.TrimSpace(rest[:end])
		rest = rest[end:]
		if val == "" {
			return b, fmt.Errorf("%s needs a value", kw)
		}
		if kw == "if" {
			b.cond = val
		} else {
			b.hits = val
		}
	}
	return b, nil
}

func cmdBreak(temporary bool) func(*Interpreter, call) error {
	return func(in *Interpreter, c call) error {
		spec, err := parseBreak(c.args)
		if err != nil {
			return err
		}
		bp := Breakpoint{HitCondition: spec.hits, LogMessage: spec.log}
		// A source line may begin at several places: a breakpoint each.
		var locs []Location
		if spec.loc == "" {
			fn, off, ok := in.s.PC()
			if !ok {
				return errors.New("break where? the program is not running (usage: break FUNC | FUNC+OFF | 0xADDR | FILE:LINE)")
			}
			locs = []Location{{fn, off}}
		} else {
			var note string
			var isLine bool
			if locs, note, isLine, err = in.lineLocations(spec.loc); err != nil {
				return err
			} else if !isLine {
				loc, err := in.s.ResolveLocation(spec.loc)
				if err != nil {
					return err
				}
				locs = []Location{loc}
			}
			fmt.Fprint(in.out, note)
		}
		if spec.cond != "" {
			e, err := ParseExpr(spec.cond)
			if err != nil {
				return fmt.Errorf("condition %v", err)
			}
			bp.Condition = e.String()
			bp.Cond = func() (bool, error) {
				v, err := e.eval(newEvaluator(in.s, 0))
				if err != nil {
					return false, fmt.Errorf("condition %q: %v", e, err)
				}
				return v.truth(), nil
			}
		}
		if spec.log != "" {
			if err := checkLogMessage(spec.log); err != nil {
				return err
			}
			bp.Log = func(bp *Breakpoint) { fmt.Fprintln(in.out, in.ExpandLog(bp.LogMessage)) }
		}
		var group []int
		for _, loc := range locs {
			bp.Location = loc
			b, err := in.s.AddBreakpoint(bp)
			if err != nil {
				return err
			}
			kind := "breakpoint"
			switch {
			case b.LogMessage != "":
				kind = "log point"
			case temporary:
				kind = "temporary breakpoint"
				in.temps[b.ID] = true
				group = append(group, b.ID)
			}
			fmt.Fprintf(in.out, "%s %d at %s%s%s\n", kind, b.ID, in.where(b.Func, b.Offset), in.srcPos(b.Offset), in.breakExtras(b))
		}
		if len(group) > 1 {
			for _, id := range group {
				in.tempGroups[id] = group
			}
		}
		return nil
	}
}

// breakExtras describes a breakpoint's condition, hit condition and
// message.
func (in *Interpreter) breakExtras(b *Breakpoint) string {
	var s string
	if b.Condition != "" {
		s += " if " + b.Condition
	}
	if b.HitCondition != "" {
		s += " hits " + b.HitCondition
	}
	if b.LogMessage != "" {
		s += " log " + strconv.Quote(b.LogMessage)
	}
	return s
}

// checkLogMessage checks the {EXPR} parts of a log message.
func checkLogMessage(msg string) error {
	var err error
	expandBraces(msg, func(expr string) string {
		if _, e := ParseExpr(expr); e != nil && err == nil {
			err = fmt.Errorf("log message: %v", e)
		}
		return ""
	})
	return err
}

// expandBraces replaces each {EXPR} of msg by f(EXPR); {{ and }} stand for
// braces.
func expandBraces(msg string, f func(string) string) string {
	var b strings.Builder
	for i := 0; i < len(msg); i++ {
		switch c := msg[i]; {
		case (c == '{' || c == '}') && i+1 < len(msg) && msg[i+1] == c:
			b.WriteByte(c)
			i++
		case c == '{':
			end := strings.IndexByte(msg[i:], '}')
			if end < 0 {
				b.WriteString(msg[i:])
				return b.String()
			}
			b.WriteString(f(msg[i+1 : i+end]))
			i += end
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// ExpandLog expands a log message: each {EXPR} becomes the expression's
// value in the innermost frame, without its type (an error shows in its
// place, in <>).
func (in *Interpreter) ExpandLog(msg string) string {
	ev := newEvaluator(in.s, 0)
	return expandBraces(msg, func(text string) string {
		e, err := ParseExpr(text)
		if err != nil {
			return "<" + err.Error() + ">"
		}
		v, err := e.eval(ev)
		if err != nil {
			return "<" + err.Error() + ">"
		}
		return v.plain()
	})
}

func cmdWatch(in *Interpreter, c call) error {
	if c.args == "" {
		return errors.New("watch what? (usage: watch mem[ADDR] [LEN] | watch mem[A..B] | watch TYPE mem[ADDR] | watch global N)")
	}
	w, err := in.parseWatch(c.args)
	if err != nil {
		return err
	}
	wp, err := in.s.AddWatchpoint(w)
	if err != nil {
		return err
	}
	fmt.Fprintf(in.out, "watchpoint %d: %s\n", wp.ID, in.watchTarget(wp))
	return nil
}

// parseWatch reads what to watch: a memory range or a global.
func (in *Interpreter) parseWatch(args string) (Watchpoint, error) {
	ev := newEvaluator(in.s, in.frame)
	if rest, ok := strings.CutPrefix(args, "mem["); ok {
		inside, after, ok := strings.Cut(rest, "]")
		if !ok {
			return Watchpoint{}, fmt.Errorf("watch %s: missing ]", args)
		}
		from, to, isRange := strings.Cut(inside, "..")
		start, err := in.evalAddress(ev, from)
		if err != nil {
			return Watchpoint{}, err
		}
		n := uint64(4)
		after = strings.TrimSpace(after)
		switch {
		case isRange && after != "":
			return Watchpoint{}, fmt.Errorf("watch %s: a range takes no length", args)
		case isRange:
			end, err := in.evalAddress(ev, to)
			if err != nil {
				return Watchpoint{}, err
			}
			if end <= start {
				return Watchpoint{}, fmt.Errorf("watch %s: empty range (the end is excluded)", args)
			}
			n = uint64(end - start)
		case after != "":
			if n, err = parseUint(after, "length", 32); err != nil {
				return Watchpoint{}, err
			}
		}
		if n == 0 {
			return Watchpoint{}, errors.New("watch: the length must be at least 1")
		}
		return Watchpoint{Kind: WatchMemory, Addr: start, Len: uint32(n)}, nil
	}
	e, err := ParseExpr(args)
	if err != nil {
		return Watchpoint{}, err
	}
	p, err := ev.place(e.root)
	if err != nil {
		return Watchpoint{}, fmt.Errorf("watch %s: %v", args, err)
	}
	switch p.kind {
	case "global":
		return Watchpoint{Kind: WatchGlobal, Global: p.index}, nil
	case "mem":
		return Watchpoint{Kind: WatchMemory, Addr: p.addr, Len: p.t.size}, nil
	}
	return Watchpoint{}, fmt.Errorf("watch %s: a %s cannot be watched (watch memory or a global)", args, p.kind)
}

// evalAddress evaluates an address expression.
func (in *Interpreter) evalAddress(ev *evaluator, text string) (uint32, error) {
	e, err := ParseExpr(text)
	if err != nil {
		return 0, err
	}
	v, err := e.eval(ev)
	if err != nil {
		return 0, err
	}
	return address(v)
}

// watchTarget names what a watchpoint watches.
func (in *Interpreter) watchTarget(w *Watchpoint) string {
	if w.Kind == WatchGlobal {
		if n := in.s.Module().GlobalNames[w.Global]; n != "" {
			return fmt.Sprintf("global %d $%s", w.Global, n)
		}
		return fmt.Sprintf("global %d", w.Global)
	}
	unit := "bytes"
	if w.Len == 1 {
		unit = "byte"
	}
	return fmt.Sprintf("mem[0x%x..0x%x] (%d %s)", w.Addr, uint64(w.Addr)+uint64(w.Len), w.Len, unit)
}

func cmdDelete(in *Interpreter, c call) error {
	if c.args == "" {
		in.s.DeleteAll()
		clear(in.temps)
		fmt.Fprintln(in.out, "deleted all breakpoints and watchpoints")
		return nil
	}
	for _, a := range strings.Fields(c.args) {
		id, err := parseUint(a, "breakpoint number", 31)
		if err != nil {
			return err
		}
		kind := "breakpoint"
		for _, w := range in.s.Watchpoints() {
			if w.ID == int(id) {
				kind = "watchpoint"
			}
		}
		if err := in.s.Delete(int(id)); err != nil {
			return err
		}
		delete(in.temps, int(id))
		fmt.Fprintf(in.out, "deleted %s %d\n", kind, id)
	}
	return nil
}

func cmdBreakpoints(in *Interpreter, c call) error {
	if err := noArgs(c); err != nil {
		return err
	}
	bps, wps := in.s.Breakpoints(), in.s.Watchpoints()
	if len(bps)+len(wps) == 0 {
		fmt.Fprintln(in.out, "no breakpoints or watchpoints")
		return nil
	}
	// Both lists are by ID; merge them.
	fmt.Fprintf(in.out, "%-4s %-21s %-5s %s\n", "num", "type", "hits", "where")
	for len(bps)+len(wps) > 0 {
		if len(wps) == 0 || len(bps) > 0 && bps[0].ID < wps[0].ID {
			b := bps[0]
			bps = bps[1:]
			kind := "breakpoint"
			if b.LogMessage != "" {
				kind = "log point"
			} else if in.temps[b.ID] {
				kind = "temporary breakpoint"
			}
			fmt.Fprintf(in.out, "%-4d %-21s %-5d %s%s%s\n", b.ID, kind, b.Hits, in.where(b.Func, b.Offset), in.srcPos(b.Offset), in.breakExtras(b))
			continue
		}
		w := wps[0]
		wps = wps[1:]
		fmt.Fprintf(in.out, "%-4d %-21s %-5d %s\n", w.ID, "watchpoint", w.Hits, in.watchTarget(w))
	}
	return nil
}
