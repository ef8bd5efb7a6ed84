package debugger

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// ErrQuit is what Exec returns for quit.
var ErrQuit = errors.New("quit")

// Command describes one command of the interpreter, for help, completion
// and docs/commands.md.
type Command struct {
	Name    string
	Aliases []string
	Usage   string // the syntax, e.g. "break LOCATION [if COND] [hits N] [log MESSAGE]"
	Summary string // one line
	Help    string // the description, with examples

	run func(in *Interpreter, c call) error
	// complete returns the candidates for the word being typed, partial,
	// after the arguments args.
	complete func(in *Interpreter, args, partial string) []string
	// repeat: an empty line repeats the command (steps and continues).
	repeat bool
	// format: the command takes a /FORMAT suffix (print/x, x/16xb).
	format bool
}

// Moves says whether the command runs the program, forwards or backwards
// in time (the steps and continues, run, goto): one that can take long
// and that pause interrupts.
func (c Command) Moves() bool { return c.repeat || c.Name == "run" || c.Name == "goto" }

// call is one invocation: the arguments and the /FORMAT suffix.
type call struct {
	name   string // as typed
	args   string
	format string
}

// Interpreter runs debugger commands on a Session: the REPL and the DAP
// server's debug console share it. It is not safe for concurrent use,
// except that the Session's Interrupt may be called while Exec runs.
type Interpreter struct {
	s     *Session
	out   io.Writer
	frame int    // the selected frame, 0 the innermost
	last  string // the last repeatable command line
	temps map[int]bool
	names *watNames
	lists map[uint32]*Listing
	// listNext is where a bare list goes on after a list: a function and
	// a line index; listFn < 0 when the last command was not list.
	listFn   int64
	listNext int
	// entry is the bottom frame's function before the last move: the
	// entry function, whose results a finished program shows.
	entry    uint32
	hasEntry bool
	// tempGroups are the temporary breakpoints set together (a tbreak
	// at a line with several beginnings), by ID: all go when one is hit.
	tempGroups map[int][]int
	// linesWarned: a damaged line table was reported.
	linesWarned bool
	// sources are the source files read, by their line-table path.
	sources map[string][]string
	// displays are shown after every stop (display).
	displays    []display
	nextDisplay int
}

// NewInterpreter returns an interpreter that runs commands on s and
// writes their output to out.
func NewInterpreter(s *Session, out io.Writer) *Interpreter {
	return &Interpreter{s: s, out: out, temps: map[int]bool{}, names: newWATNames(s.Module()), lists: map[uint32]*Listing{}, listFn: -1,
		tempGroups: map[int][]int{}, sources: map[string][]string{}}
}

// Session returns the session the interpreter drives.
func (in *Interpreter) Session() *Session { return in.s }

// Frame returns the selected frame (0 is the innermost).
func (in *Interpreter) Frame() int { return in.frame }

// Commands returns the commands, in the order help lists them.
func Commands() []Command {
	out := make([]Command, len(commands))
	for i, c := range commands {
		out[i] = *c
	}
	return out
}

// lookupCommand finds a command by name, alias or unique prefix of a name.
func lookupCommand(name string) (*Command, error) {
	var prefixed []*Command
	for _, c := range commands {
		if c.Name == name {
			return c, nil
		}
		for _, a := range c.Aliases {
			if a == name {
				return c, nil
			}
		}
		if strings.HasPrefix(c.Name, name) {
			prefixed = append(prefixed, c)
		}
	}
	switch len(prefixed) {
	case 1:
		return prefixed[0], nil
	case 0:
		msg := fmt.Sprintf("unknown command %q", name)
		if s := closestCommand(name); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		return nil, errors.New(msg + "; \"help\" lists the commands")
	}
	names := make([]string, len(prefixed))
	for i, c := range prefixed {
		names[i] = c.Name
	}
	return nil, fmt.Errorf("ambiguous command %q: %s", name, strings.Join(names, ", "))
}

// closestCommand is the command name or alias nearest to name in edit
// distance, if near enough to be a typo.
func closestCommand(name string) string {
	best, bestD := "", len(name)/2+1
	for _, c := range commands {
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			if d := editDistance(name, n); d < bestD || d == bestD && best == "" && d <= 2 {
				best, bestD = n, d
			}
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// splitCommand splits a line into the command word, its /FORMAT suffix
// and the arguments.
func splitCommand(line string) call {
	line = strings.TrimSpace(line)
	word, args, _ := strings.Cut(line, " ")
	name, format, _ := strings.Cut(word, "/")
	return call{name: name, format: format, args: strings.TrimSpace(args)}
}

// Exec runs one command line. An empty line repeats the last step or
// continue-like command. It returns ErrQuit for quit; an error is one
// line, and the session stays usable after it.
func (in *Interpreter) Exec(line string) error {
	if strings.TrimSpace(line) == "" {
		if in.last == "" {
			return nil
		}
		line = in.last
	}
	c := splitCommand(line)
	cmd, err := lookupCommand(c.name)
	if err != nil {
		return err
	}
	if c.format != "" && !cmd.format {
		return fmt.Errorf("%s takes no /FORMAT", cmd.Name)
	}
	if cmd.repeat {
		in.last = line
	}
	if cmd.Name != "list" {
		in.listFn = -1
	}
	return cmd.run(in, c)
}

// Complete returns the full lines that complete line, for tab completion.
func (in *Interpreter) Complete(line string) []string {
	word, args, hasArgs := strings.Cut(line, " ")
	if !hasArgs {
		var out []string
		for _, c := range commands {
			for _, n := range append([]string{c.Name}, c.Aliases...) {
				if strings.HasPrefix(n, word) && (len(n) > 2 || n == word) {
					out = append(out, n+" ")
				}
			}
		}
		return sortedUnique(out)
	}
	cmd, err := lookupCommand(splitCommand(word).name)
	if err != nil || cmd.complete == nil {
		return nil
	}
	// Complete the last word of the arguments.
	i := strings.LastIndexAny(args, " ([") + 1
	prefix, partial := line[:len(line)-len(args)+i], args[i:]
	var out []string
	for _, cand := range cmd.complete(in, args[:i], partial) {
		if strings.HasPrefix(cand, partial) {
			out = append(out, prefix+cand)
		}
	}
	return sortedUnique(out)
}

func sortedUnique(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// Completers.

func completeFuncs(in *Interpreter, args, _ string) []string {
	if strings.TrimSpace(args) != "" {
		return nil // only the first argument is a location
	}
	m := in.s.Module()
	var out []string
	for _, f := range m.Funcs[m.NumImportedFuncs:] {
		if f.Name != "" && !strings.ContainsAny(f.Name, " \t") {
			out = append(out, f.Name)
		}
	}
	return out
}

func completeEngines(in *Interpreter, args, _ string) []string {
	if strings.TrimSpace(args) != "" {
		return nil
	}
	return engines.Names()
}

func completeCommands(in *Interpreter, args, _ string) []string {
	if strings.TrimSpace(args) != "" {
		return nil
	}
	out := []string{"expressions"}
	for _, c := range commands {
		out = append(out, c.Name)
	}
	return out
}

func completeIDs(in *Interpreter, args, _ string) []string {
	var out []string
	for _, b := range in.s.Breakpoints() {
		out = append(out, strconv.Itoa(b.ID))
	}
	for _, w := range in.s.Watchpoints() {
		out = append(out, strconv.Itoa(w.ID))
	}
	return out
}

// completeValues offers the words expressions are made of: the selected
// frame's C variables and local names, and the keywords.
func completeValues(in *Interpreter, args, _ string) []string {
	out := []string{"local ", "global ", "stack ", "mem[", "$sp", "$pc", "$counter", "$top"}
	for t := range memTypes {
		out = append(out, t+" mem[")
	}
	if f, err := in.selectedFrame(); err == nil {
		for _, n := range in.s.Module().Funcs[f.Func].LocalNames {
			out = append(out, n)
		}
		vs, _ := in.s.ScopeVars(in.frame) // the C variables
		gs, _ := in.s.GlobalVars(in.frame)
		for _, v := range append(vs, gs...) {
			out = append(out, v.Name)
		}
	}
	for _, n := range in.s.Module().GlobalNames {
		out = append(out, "$"+n)
	}
	return out
}

// Arguments.

// parseCount reads an optional repeat count (default 1).
func parseCount(args string) (int, error) {
	if args == "" {
		return 1, nil
	}
	n, err := strconv.ParseUint(args, 0, 31)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("bad count %q: want a positive number", args)
	}
	return int(n), nil
}

// parseUint reads a number, decimal or 0x hex, naming what it is for.
func parseUint(s, what string, bits int) (uint64, error) {
	v, err := strconv.ParseUint(strings.ReplaceAll(s, "_", ""), 0, bits)
	if err != nil {
		return 0, fmt.Errorf("bad %s %q: want a number (decimal or 0x hex) below 2^%d", what, s, bits)
	}
	return v, nil
}

func noArgs(c call) error {
	if c.args != "" {
		return fmt.Errorf("%s takes no arguments (got %q)", c.name, c.args)
	}
	return nil
}

// Places in the code.

// where names an instruction: "fac+0x12 (0x3a7)".
func (in *Interpreter) where(fn, off uint32) string {
	m := in.s.Module()
	if int(fn) >= len(m.Funcs) || m.Funcs[fn].Import != nil || len(m.Funcs[fn].Instrs) == 0 {
		return fmt.Sprintf("%s (0x%x)", funcDisplay(m, fn), off)
	}
	f := m.Funcs[fn]
	return fmt.Sprintf("%s+0x%x (0x%x)", f.DisplayName(), off-f.Instrs[0].Offset, off)
}

// instrAt is the text of the instruction at off in fn ("" if none).
func (in *Interpreter) instrAt(fn, off uint32) string {
	m := in.s.Module()
	if int(fn) >= len(m.Funcs) {
		return ""
	}
	f := m.Funcs[fn]
	i, ok := f.InstrAt(off)
	if !ok {
		return ""
	}
	return in.names.instr(f, f.Instrs[i])
}

// listing returns function fn's listing, cached.
func (in *Interpreter) listing(fn uint32) (*Listing, error) {
	if l, ok := in.lists[fn]; ok {
		return l, nil
	}
	l, err := FuncListing(in.s.Module(), fn)
	if err != nil {
		return nil, err
	}
	in.lists[fn] = l
	return l, nil
}

// funcOf resolves a function name or index.
func (in *Interpreter) funcOf(spec string) (*wasm.Func, error) {
	loc, err := in.s.ResolveLocation(spec)
	if err != nil {
		return nil, err
	}
	return in.s.Module().Funcs[loc.Func], nil
}
