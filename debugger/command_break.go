package debugger

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/wdb-dev/wdb/debuginfo"
)

// Breakpoints, log points and watchpoints.

// BreakSpec is a breakpoint to set, its options given as data: the break
// command fills one from its line, the DAP server from its requests (a
// condition is never split at words such as hits or log).
type BreakSpec struct {
	// Location is FUNC, FUNC+OFF, 0xADDR, FILE:LINE or LINE, as break
	// reads it; "" means the present instruction.
	Location     string
	Condition    string // an expression; "": every time
	HitCondition string // "N", ">= N", "== N", "% N"; "": every hit
	LogMessage   string // non-empty: a log point, printing it with {EXPR} expanded
	Temporary    bool   // deleted when it stops the program (tbreak)
}

// breakKeywords start the options of a break command line.
var breakKeywords = []string{" if ", " hits ", " log "}

// keywordAt returns the option keyword rest starts with (" if " ...), or "".
func keywordAt(rest string) string {
	for _, k := range breakKeywords {
		if strings.HasPrefix(rest, k) {
			return k
		}
	}
	return ""
}

// parseBreak splits "LOCATION [if COND] [hits N] [log MESSAGE]". The
// condition ends at the first keyword that leaves a valid expression
// before it and a valid value after it: `if log > 2 && hits < 3` is one
// condition, `if a + hits > 1 hits 3` a condition and a hit condition. A
// quoted message ("...", Go syntax) may be followed by other options;
// an unquoted one runs to the end of the line.
func parseBreak(args string) (BreakSpec, error) {
	var b BreakSpec
	rest := " " + strings.TrimSpace(args)
	if keywordAt(rest) == "" {
		b.Location, rest, _ = strings.Cut(strings.TrimSpace(args), " ")
	}
	for rest = " " + strings.TrimSpace(rest); rest != " "; rest = " " + strings.TrimSpace(rest) {
		kw := keywordAt(rest)
		if kw == "" {
			return b, fmt.Errorf("unexpected %q after the location (want if COND, hits N or log MESSAGE)", strings.TrimSpace(rest))
		}
		rest = rest[len(kw):]
		var val string
		switch kw {
		case " log ":
			val, rest = logMessage(rest)
			b.LogMessage = val
		case " hits ":
			val, rest = hitValue(rest)
			b.HitCondition = val
		case " if ":
			val, rest = condition(rest)
			b.Condition = val
		}
		if val == "" {
			return b, fmt.Errorf("%s needs a value", strings.TrimSpace(kw))
		}
	}
	return b, nil
}

// logMessage reads a log message from the start of rest: a quoted
// string followed by nothing or another option, else all of rest.
func logMessage(rest string) (msg, after string) {
	msg = strings.TrimSpace(rest)
	if q, err := strconv.QuotedPrefix(msg); err == nil {
		after = msg[len(q):]
		if strings.TrimSpace(after) == "" || keywordAt(" "+strings.TrimSpace(after)) != "" {
			uq, _ := strconv.Unquote(q)
			return uq, after
		}
	}
	return msg, ""
}

// hitValue reads a hit condition: up to the next if or log.
func hitValue(rest string) (val, after string) {
	end := len(rest)
	for _, k := range []string{" if ", " log "} {
		if i := strings.Index(rest, k); i >= 0 && i < end {
			end = i
		}
	}
	return strings.TrimSpace(rest[:end]), rest[end:]
}

// condition reads a condition: up to the first keyword with a valid
// expression before it and a valid option after it, else (to report the
// condition's error) the first keyword with a valid option after it,
// else the end of rest.
func condition(rest string) (cond, after string) {
	var cuts []int
	for i := range rest {
		if k := keywordAt(rest[i:]); k != "" && optionValid(rest[i:]) {
			cuts = append(cuts, i)
		}
	}
	for _, i := range cuts {
		if _, err := ParseExpr(rest[:i]); err == nil {
			return strings.TrimSpace(rest[:i]), rest[i:]
		}
	}
	if _, err := ParseExpr(rest); err != nil && len(cuts) > 0 {
		return strings.TrimSpace(rest[:cuts[0]]), rest[cuts[0]:]
	}
	return strings.TrimSpace(rest), ""
}

// optionValid says whether rest, which starts with a keyword, holds a
// value for it that parseBreak accepts.
func optionValid(rest string) bool {
	kw := keywordAt(rest)
	rest = rest[len(kw):]
	switch kw {
	case " hits ":
		val, _ := hitValue(rest)
		_, err := parseHitCondition(val)
		return val != "" && err == nil
	case " log ":
		msg, _ := logMessage(rest)
		return msg != ""
	}
	return strings.TrimSpace(rest) != ""
}

func cmdBreak(temporary bool) func(*Interpreter, call) error {
	return func(in *Interpreter, c call) error {
		spec, err := parseBreak(c.args)
		if err != nil {
			return err
		}
		spec.Temporary = temporary
		bps, note, err := in.setBreak(spec)
		fmt.Fprint(in.out, note)
		for _, b := range bps {
			kind := "breakpoint"
			switch {
			case b.LogMessage != "":
				kind = "log point"
			case temporary:
				kind = "temporary breakpoint"
			}
			fmt.Fprintf(in.out, "%s %d at %s%s%s\n", kind, b.ID, in.where(b.Func, b.Offset), in.srcPos(b.Offset), in.breakExtras(b))
		}
		return err
	}
}

// Break sets the breakpoints spec asks for: one, or one at each place
// where a source line begins (FILE:LINE). It writes nothing; a line
// without code means the next line with some, which the breakpoints'
// positions in the line table show.
func (in *Interpreter) Break(spec BreakSpec) ([]*Breakpoint, error) {
	bps, _, err := in.setBreak(spec)
	return bps, err
}

// locations resolves a location as break takes it: a source line (which
// may begin at several places; note says when a line without code moved
// to the next one), a function, FUNC+OFF or 0xADDR.
func (in *Interpreter) locations(spec string) (locs []Location, note string, err error) {
	locs, note, isLine, err := in.lineLocations(spec)
	if err != nil || isLine {
		return locs, note, err
	}
	loc, err := in.s.ResolveLocation(spec)
	if err != nil {
		return nil, "", err
	}
	return []Location{loc}, "", nil
}

// setBreak is Break, with the note that a line without code moved to the
// next one.
func (in *Interpreter) setBreak(spec BreakSpec) (bps []*Breakpoint, note string, err error) {
	bp := Breakpoint{HitCondition: spec.HitCondition, LogMessage: spec.LogMessage}
	// A source line may begin at several places: a breakpoint each.
	var locs []Location
	if spec.Location == "" {
		fn, off, ok := in.s.PC()
		if !ok {
			return nil, "", errors.New("break where? the program is not running (usage: break FUNC | FUNC+OFF | 0xADDR | FILE:LINE)")
		}
		locs = []Location{{fn, off}}
	} else if locs, note, err = in.locations(spec.Location); err != nil {
		return nil, "", err
	}
	if spec.Condition != "" {
		if bp.Condition, bp.Cond, err = in.condition(spec.Condition); err != nil {
			return nil, note, err
		}
	}
	if spec.LogMessage != "" {
		if err := checkLogMessage(spec.LogMessage); err != nil {
			return nil, note, err
		}
		bp.Log = func(bp *Breakpoint) { fmt.Fprintln(in.out, in.ExpandLog(bp.LogMessage)) }
	}
	var group []int
	for _, loc := range locs {
		bp.Location = loc
		b, err := in.s.AddBreakpoint(bp)
		if err != nil {
			return bps, note, err
		}
		bps = append(bps, b)
		if spec.Temporary && b.LogMessage == "" {
			in.temps[b.ID] = true
			group = append(group, b.ID)
		}
	}
	if len(group) > 1 {
		for _, id := range group {
			in.tempGroups[id] = group
		}
	}
	return bps, note, nil
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
	what, cond, _ := strings.Cut(c.args, " if ")
	w, err := in.parseWatch(strings.TrimSpace(what))
	if err != nil {
		return err
	}
	if err := in.WatchCondition(&w, cond); err != nil {
		return err
	}
	wp, err := in.s.AddWatchpoint(w)
	if err != nil {
		return err
	}
	fmt.Fprintf(in.out, "watchpoint %d: %s\n", wp.ID, in.watchTarget(wp))
	return nil
}

// WatchCondition gives w the condition cond ("" for none), an expression
// evaluated in the innermost frame after each change.
func (in *Interpreter) WatchCondition(w *Watchpoint, cond string) error {
	if strings.TrimSpace(cond) == "" {
		return nil
	}
	var err error
	w.Condition, w.Cond, err = in.condition(cond)
	return err
}

// condition compiles a breakpoint's or watchpoint's condition: its text
// as parsed, and its test, evaluated in the innermost frame.
func (in *Interpreter) condition(text string) (string, func() (bool, error), error) {
	e, err := ParseExpr(text)
	if err != nil {
		return "", nil, fmt.Errorf("condition %v", err)
	}
	return e.String(), func() (bool, error) {
		v, err := e.eval(newEvaluator(in.s, 0))
		if err != nil {
			return false, fmt.Errorf("condition %q: %v", e, err)
		}
		return v.truth(), nil
	}, nil
}

// WatchpointOf reads what the watch command would watch for text (a
// memory range, a global, a C object), evaluated in the selected frame,
// without adding it: the DAP server's data breakpoints use it.
func (in *Interpreter) WatchpointOf(text string) (Watchpoint, error) { return in.parseWatch(text) }

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
	if sv, ok, err := ev.cExpr(e); ok {
		if err != nil {
			return Watchpoint{}, fmt.Errorf("watch %s: %v", args, err)
		}
		return watchSource(sv)
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

// watchSource watches a C object: its bytes in memory, or the global
// that holds it. One held in a local or on the operand stack is refused:
// those change with every frame, and only memory and globals are watched.
func watchSource(sv SourceVar) (Watchpoint, error) {
	w := Watchpoint{Expr: sv.Name, Type: sv.Type}
	switch sv.Loc.Kind {
	case debuginfo.InMemory:
		n := debuginfo.Size(sv.Type)
		if n == 0 || n > math.MaxUint32 {
			return Watchpoint{}, fmt.Errorf("watch %s: its type %s has no usable size", sv.Name, debuginfo.TypeName(sv.Type))
		}
		w.Kind, w.Addr, w.Len = WatchMemory, sv.Loc.Addr, uint32(n)
		return w, nil
	case debuginfo.InGlobal:
		w.Kind, w.Global = WatchGlobal, sv.Loc.Index
		return w, nil
	case debuginfo.OptimisedOut:
		return Watchpoint{}, fmt.Errorf("watch %s: optimised out here", sv.Name)
	}
	return Watchpoint{}, fmt.Errorf("watch %s: it is in %s here, not in memory or a global; watch memory or a global", sv.Name, sv.Loc)
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

// watchTarget names what a watchpoint watches and its condition:
// "counter at mem[0xf90..0xf94] (4 bytes) if counter > 200" for a C
// variable.
func (in *Interpreter) watchTarget(w *Watchpoint) string {
	t := in.watchPlace(w)
	if w.Condition != "" {
		t += " if " + w.Condition
	}
	return t
}

// watchPlace names what a watchpoint watches.
func (in *Interpreter) watchPlace(w *Watchpoint) string {
	var place string
	switch {
	case w.Kind == WatchGlobal && in.s.Module().GlobalNames[w.Global] != "":
		place = fmt.Sprintf("global %d $%s", w.Global, in.s.Module().GlobalNames[w.Global])
	case w.Kind == WatchGlobal:
		place = fmt.Sprintf("global %d", w.Global)
	case w.Len == 1:
		place = fmt.Sprintf("mem[0x%x..0x%x] (1 byte)", w.Addr, uint64(w.Addr)+1)
	default:
		place = fmt.Sprintf("mem[0x%x..0x%x] (%d bytes)", w.Addr, uint64(w.Addr)+uint64(w.Len), w.Len)
	}
	if w.Expr != "" {
		return w.Expr + " at " + place
	}
	return place
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

func disabledMark(off bool) string {
	if off {
		return "  [disabled]"
	}
	return ""
}

// enableCommand makes enable (on) and disable: of the given breakpoints
// and watchpoints, or of all.
func enableCommand(on bool) func(*Interpreter, call) error {
	verb := map[bool]string{true: "enabled", false: "disabled"}[on]
	return func(in *Interpreter, c call) error {
		var ids []int
		for _, a := range strings.Fields(c.args) {
			id, err := parseUint(a, "breakpoint number", 31)
			if err != nil {
				return err
			}
			ids = append(ids, int(id))
		}
		if len(ids) == 0 {
			for _, b := range in.s.Breakpoints() {
				ids = append(ids, b.ID)
			}
			for _, w := range in.s.Watchpoints() {
				ids = append(ids, w.ID)
			}
			if len(ids) == 0 {
				return errors.New("there are no breakpoints or watchpoints")
			}
		}
		for _, id := range ids {
			if err := in.s.Enable(id, on); err != nil {
				return err
			}
		}
		if len(c.args) == 0 {
			fmt.Fprintf(in.out, "%s all breakpoints and watchpoints\n", verb)
		} else {
			fmt.Fprintf(in.out, "%s %s\n", verb, strings.Join(strings.Fields(c.args), " "))
		}
		return nil
	}
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
			fmt.Fprintf(in.out, "%-4d %-21s %-5d %s%s%s%s\n", b.ID, kind, b.Hits, in.where(b.Func, b.Offset), in.srcPos(b.Offset), in.breakExtras(b), disabledMark(b.Disabled))
			continue
		}
		w := wps[0]
		wps = wps[1:]
		fmt.Fprintf(in.out, "%-4d %-21s %-5d %s%s\n", w.ID, "watchpoint", w.Hits, in.watchTarget(w), disabledMark(w.Disabled))
	}
	return nil
}
