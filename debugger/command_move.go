package debugger

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/wdb-dev/wdb/debuginfo"
	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/wasm"
)

// Commands that move the program, forwards or backwards, and the report
// of where it stopped.

// move runs one move n times (fewer if it stops for another reason than a
// completed step), then reports where it stopped.
func (in *Interpreter) move(n int, f func() (Stop, error)) error {
	in.frame = 0
	if fr := in.s.Frames(); len(fr) > 0 {
		in.entry, in.hasEntry = fr[0].Func, true // for the types of its results
	}
	var st Stop
	var err error
	for i := 0; i < n; i++ {
		st, err = f()
		if err != nil || (st.Reason != Step && st.Reason != Arrived) {
			break
		}
	}
	if err != nil && st.Counter == 0 && !st.HasPC && st.Reason == Entry {
		return err // the move did not happen
	}
	in.report(st)
	if st.HasPC {
		in.ShowDisplays()
	}
	if st.Reason == BreakpointHit && st.Breakpoint != nil && in.temps[st.Breakpoint.ID] {
		group := in.tempGroups[st.Breakpoint.ID]
		if group == nil {
			group = []int{st.Breakpoint.ID}
		}
		for _, id := range group {
			if !in.temps[id] {
				continue // deleted already
			}
			delete(in.temps, id)
			delete(in.tempGroups, id)
			if derr := in.s.Delete(id); derr != nil && err == nil {
				err = derr
			}
		}
	}
	return err
}

// stepCommand makes a command that moves with f, taking a repeat count.
func stepCommand(f func(*Session) (Stop, error)) func(*Interpreter, call) error {
	return func(in *Interpreter, c call) error {
		n, err := parseCount(c.args)
		if err != nil {
			return err
		}
		return in.move(n, func() (Stop, error) { return f(in.s) })
	}
}

func cmdRun(in *Interpreter, c call) error {
	if err := noArgs(c); err != nil {
		return fmt.Errorf("%v; the program's arguments are given on wdb's command line", err)
	}
	if _, err := in.s.Restart(); err != nil {
		return err
	}
	return in.move(1, in.s.Continue)
}

func cmdGoto(in *Interpreter, c call) error {
	arg := c.args
	if arg == "" {
		return errors.New("goto where? (usage: goto COUNTER, goto +N, goto -N, goto start, goto end)")
	}
	tl := in.s.Timeline()
	var target uint64
	switch {
	case arg == "start":
		target = tl.Start
	case arg == "end":
		target = tl.End
	case arg[0] == '+' || arg[0] == '-':
		d, err := parseUint(arg[1:], "counter difference", 64)
		if err != nil {
			return err
		}
		if arg[0] == '+' {
			target = in.s.Counter() + d
		} else if d > in.s.Counter() {
			return fmt.Errorf("goto %s: before counter 0", arg)
		} else {
			target = in.s.Counter() - d
		}
	default:
		v, err := parseUint(arg, "counter", 64)
		if err != nil {
			return err
		}
		target = v
	}
	return in.move(1, func() (Stop, error) { return in.s.Goto(target) })
}

// report prints where the program stopped, in one line; for an end, the
// exit status, results or trap with a backtrace.
func (in *Interpreter) report(st Stop) {
	fmt.Fprintln(in.out, in.StopLine(st))
	switch st.Reason {
	case WatchpointHit:
		if h := st.Watch; h != nil {
			fmt.Fprintf(in.out, "  %s\n", in.WatchChange(h))
		}
	case Trapped:
		cmdBacktrace(in, call{name: "backtrace"})
	}
}

// WatchChange describes a watchpoint's change in one line, its values
// as C shows them for a C variable: "counter at mem[0xf90..0xf94] (4
// bytes): 0 -> 101".
func (in *Interpreter) WatchChange(h *WatchHit) string {
	old, new := bytesValue(h.Old), bytesValue(h.New)
	if t := h.Watchpoint.Type; t != nil {
		mem := func(addr, n uint32) ([]byte, error) { return readMemory(in.s, addr, n) }
		old, new = debuginfo.Format(t, h.Old, mem), debuginfo.Format(t, h.New, mem)
	}
	return fmt.Sprintf("%s: %s -> %s", in.watchPlace(h.Watchpoint), old, new)
}

// StopLine describes a stop in one line, e.g. "stopped at counter 1234
// (breakpoint 1) in fac+0x12 (0x3a7): i32.mul".
func (in *Interpreter) StopLine(st Stop) string {
	switch st.Reason {
	case Exited:
		return fmt.Sprintf("program exited with status %d at counter %d", st.ExitCode, st.Counter)
	case Finished:
		s := fmt.Sprintf("program finished at counter %d", st.Counter)
		if len(st.Results) > 0 {
			s += ", returning " + in.results(st.Results)
		}
		return s
	}
	var b strings.Builder
	if st.Reason == Trapped && st.Trap != nil {
		fmt.Fprintf(&b, "trap: %s at counter %d", st.Trap.Msg, st.Counter)
	} else {
		fmt.Fprintf(&b, "stopped at counter %d", st.Counter)
	}
	switch st.Reason {
	case Step, Trapped:
	case BreakpointHit:
		kind := "breakpoint"
		if st.Breakpoint != nil && in.temps[st.Breakpoint.ID] {
			kind = "temporary breakpoint"
		}
		if st.Breakpoint != nil {
			fmt.Fprintf(&b, " (%s %d)", kind, st.Breakpoint.ID)
		}
	case WatchpointHit:
		if st.Watch != nil {
			fmt.Fprintf(&b, " (watchpoint %d)", st.Watch.Watchpoint.ID)
		}
	default:
		fmt.Fprintf(&b, " (%v)", st.Reason)
	}
	if st.HasPC {
		fmt.Fprintf(&b, " in %s", in.where(st.Func, st.Offset))
		if t := in.instrAt(st.Func, st.Offset); t != "" {
			b.WriteString(": " + t)
		}
		b.WriteString(in.srcPos(st.Offset))
	}
	return b.String()
}

// results writes an entry function's results with their types.
func (in *Interpreter) results(rs []uint64) string {
	var types []wasm.ValType
	if in.hasEntry {
		types = in.s.Module().Funcs[in.entry].Type.Results
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		if i < len(types) && len(types) == len(rs) {
			out[i] = fromSnapshot(snapshot.Value{Type: types[i], Lo: r}).format(0)
		} else {
			out[i] = strconv.FormatUint(r, 10)
		}
	}
	return strings.Join(out, ", ")
}

// bytesValue shows watched bytes, with their value for the sizes of
// integers.
func bytesValue(b []byte) string {
	hex := make([]string, len(b))
	for i, c := range b {
		hex[i] = fmt.Sprintf("%02x", c)
	}
	s := strings.Join(hex, " ")
	names := map[int]string{1: "u8", 2: "i16", 4: "i32", 8: "i64"}
	if n, ok := names[len(b)]; ok {
		s += " (" + memTypes[n].decode(b).format(0) + ")"
	}
	return s
}

func cmdAdvance(in *Interpreter, c call) error {
	if c.args == "" {
		return errors.New("advance to where? (usage: advance LOCATION; next-line goes one line on)")
	}
	locs, note, err := in.locations(c.args)
	if err != nil {
		return err
	}
	fmt.Fprint(in.out, note)
	return in.move(1, func() (Stop, error) { return in.s.Advance(locs) })
}
