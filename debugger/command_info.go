package debugger

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/snapshot/crfork"
)

// Commands about the session: info, the timeline, checkpoints, engines,
// help and quit.

func cmdInfo(in *Interpreter, c call) error {
	if c.args != "" {
		sub, rest, _ := strings.Cut(c.args, " ")
		target, err := infoTopic(sub)
		if err != nil {
			return err
		}
		cmd, _ := lookupCommand(target)
		return cmd.run(in, call{name: target, args: strings.TrimSpace(rest)})
	}
	s := in.s
	st := s.State()
	fmt.Fprintf(in.out, "program:   %s\n", s.Path())
	fmt.Fprintf(in.out, "engine:    %s\n", s.Engine())
	fmt.Fprintf(in.out, "counter %d\n", s.Counter())
	if fn, off, ok := s.PC(); ok {
		fmt.Fprintf(in.out, "pc:        %s: %s\n", in.where(fn, off), in.instrAt(fn, off))
		if t := in.table(); t != nil {
			if p, ok := t.At(off); ok {
				fmt.Fprintf(in.out, "source:    %s:%d:%d\n", p.File, p.Line, p.Col)
			}
		}
	} else {
		fmt.Fprintln(in.out, "pc:        none (the program is not running)")
	}
	fmt.Fprintf(in.out, "state:     %s\n", in.StopLine(st))
	tl := s.Timeline()
	fmt.Fprintf(in.out, "timeline:  counters %d to %d recorded, present at %d\n", tl.Start, tl.End, tl.Present)
	fmt.Fprintf(in.out, "snapshots: %d, holding %s of the %s budget\n", len(tl.Snapshots), byteSize(tl.Bytes), byteSize(tl.Budget))
	fmt.Fprintf(in.out, "stops at:  %d breakpoints, %d watchpoints\n", len(s.Breakpoints()), len(s.Watchpoints()))
	return nil
}

// infoTopics are the gdb-style "info X" spellings of other commands.
var infoTopics = map[string]string{
	"breakpoints": "breakpoints", "break": "breakpoints", "b": "breakpoints", "watchpoints": "breakpoints",
	"locals": "locals", "globals": "globals", "stack": "stack", "frame": "frame", "timeline": "timeline",
	"engines": "engines", "registers": "stack", "args": "locals", "vars": "vars", "display": "display", "functions": "functions",
}

// infoTopic finds the command of an info topic, given whole or by a
// prefix that names one command ("info watch" is "info watchpoints").
func infoTopic(sub string) (string, error) {
	if target, ok := infoTopics[sub]; ok {
		return target, nil
	}
	var found []string
	for name, target := range infoTopics {
		if strings.HasPrefix(name, sub) && !slices.Contains(found, target) {
			found = append(found, target)
		}
	}
	if len(found) == 1 {
		return found[0], nil
	}
	return "", fmt.Errorf("info %s: unknown topic (want one of: %s)", sub, strings.Join(infoTopicNames(), ", "))
}

func infoTopicNames() []string {
	var out []string
	for k := range infoTopics {
		out = append(out, k)
	}
	return sortedUnique(out)
}

func completeInfo(in *Interpreter, args, _ string) []string {
	if strings.TrimSpace(args) != "" {
		return nil
	}
	return infoTopicNames()
}

// byteSize writes a size in bytes, KiB, MiB or GiB.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// ParseSize reads a size in bytes with an optional K, M or G suffix
// ("512M", "2G", "65536"), as timeline budget and wdb --budget take it.
func ParseSize(s string) (int64, error) {
	mult := int64(1)
	t := strings.TrimSuffix(strings.TrimSuffix(strings.ToUpper(s), "B"), "I")
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'K':
			mult, t = 1<<10, t[:n-1]
		case 'M':
			mult, t = 1<<20, t[:n-1]
		case 'G':
			mult, t = 1<<30, t[:n-1]
		}
	}
	v, err := strconv.ParseInt(t, 10, 64)
	if err != nil || v <= 0 || v > (1<<62)/mult {
		return 0, fmt.Errorf("bad size %q: want a number of bytes, e.g. 256M or 2G", s)
	}
	return v * mult, nil
}

func cmdTimeline(in *Interpreter, c call) error {
	if rest, ok := strings.CutPrefix(c.args, "budget"); ok && (rest == "" || rest[0] == ' ') {
		if rest = strings.TrimSpace(rest); rest == "" {
			fmt.Fprintf(in.out, "timeline budget: %s\n", byteSize(in.s.Timeline().Budget))
			return nil
		}
		n, err := ParseSize(rest)
		if err != nil {
			return err
		}
		in.s.SetBudget(n)
		fmt.Fprintf(in.out, "timeline budget: %s\n", byteSize(n))
		return nil
	}
	if err := noArgs(c); err != nil {
		return fmt.Errorf("%v (usage: timeline, or timeline budget SIZE)", err)
	}
	tl := in.s.Timeline()
	fmt.Fprintf(in.out, "timeline: counters %d to %d recorded, present at %d; %d snapshots holding %s of %s\n",
		tl.Start, tl.End, tl.Present, len(tl.Snapshots), byteSize(tl.Bytes), byteSize(tl.Budget))
	shown := false
	present := func() {
		if !shown {
			fmt.Fprintf(in.out, "  => present at counter %d\n", tl.Present)
			shown = true
		}
	}
	for _, sn := range tl.Snapshots {
		if sn.Counter > tl.Present {
			present()
		}
		fmt.Fprintf(in.out, "     snapshot at counter %-12d %s\n", sn.Counter, byteSize(sn.Bytes))
	}
	present()
	return nil
}

const checkpointUsage = "checkpoint save [--format wdb|wamr|wasmedge] PATH | checkpoint load PATH"

func cmdCheckpoint(in *Interpreter, c call) error {
	sub, path, _ := strings.Cut(c.args, " ")
	format, path := "wdb", strings.TrimSpace(path)
	if sub == "save" {
		if f, rest, ok := cutFormat(path); ok {
			format, path = f, rest
		}
	}
	if path == "" || (sub != "save" && sub != "load") {
		return errors.New("usage: " + checkpointUsage)
	}
	if sub == "load" {
		if err := in.s.LoadCheckpoint(path); err != nil {
			return err
		}
		in.frame = 0
		fmt.Fprintf(in.out, "loaded %s: a new timeline starts at counter %d\n", path, in.s.Counter())
		in.report(in.s.State())
		return nil
	}
	resume := "wdb resume " + path
	if format == "wdb" {
		if err := in.s.SaveCheckpoint(path); err != nil {
			return err
		}
	} else {
		fl, err := crfork.ParseFlavor(format)
		if err != nil {
			return fmt.Errorf("checkpoint save: unknown format %q (want wdb, wamr or wasmedge)", format)
		}
		if err := in.s.SaveForkImage(path, fl); err != nil {
			return err
		}
		resume = "wdb resume --module " + in.s.Path() + " " + path
	}
	fmt.Fprintf(in.out, "checkpoint at counter %d written to %s (continue it with `%s`)\n", in.s.Counter(), path, resume)
	return nil
}

// cutFormat splits "--format NAME PATH" (or "--format=NAME PATH").
func cutFormat(args string) (format, path string, ok bool) {
	f, ok := strings.CutPrefix(args, "--format")
	if !ok || f == "" || (f[0] != ' ' && f[0] != '=') {
		return "", args, false
	}
	format, path, _ = strings.Cut(strings.TrimLeft(f[1:], " "), " ")
	return format, strings.TrimSpace(path), true
}

func completeCheckpoint(in *Interpreter, args, partial string) []string {
	fields := strings.Fields(args)
	switch {
	case len(fields) == 0:
		return []string{"save ", "load "}
	case fields[len(fields)-1] == "--format":
		return []string{"wdb ", "wamr ", "wasmedge "}
	case len(fields) == 1 && fields[0] == "save" && strings.HasPrefix(partial, "-"):
		return []string{"--format "}
	case len(fields) == 1 || (len(fields) == 3 && fields[1] == "--format"):
		m, _ := filepath.Glob(partial + "*")
		return m
	}
	return nil
}

func cmdEngines(in *Interpreter, c call) error {
	if err := noArgs(c); err != nil {
		return err
	}
	for _, n := range engines.Names() {
		mark := " "
		if n == in.s.Engine() {
			mark = "*"
		}
		fmt.Fprintf(in.out, "%s %s\n", mark, n)
	}
	return nil
}

func cmdSwitchEngine(in *Interpreter, c call) error {
	if c.args == "" {
		return fmt.Errorf("switch to which engine? (one of: %s)", strings.Join(engines.Names(), ", "))
	}
	if err := in.s.SwitchEngine(c.args); err != nil {
		return err
	}
	fmt.Fprintf(in.out, "switched to engine %s at counter %d\n", in.s.Engine(), in.s.Counter())
	return nil
}

func cmdQuit(in *Interpreter, c call) error { return ErrQuit }

func cmdHelp(in *Interpreter, c call) error {
	if c.args == "" {
		fmt.Fprintln(in.out, "Commands (an empty line repeats the last step or continue; \"help CMD\" for more):")
		for _, cmd := range commands {
			name := cmd.Name
			if len(cmd.Aliases) > 0 {
				name += ", " + strings.Join(cmd.Aliases, ", ")
			}
			fmt.Fprintf(in.out, "  %-28s %s\n", name, cmd.Summary)
		}
		fmt.Fprintln(in.out, "Expressions (print, set, x, watch, conditions): \"help expressions\".")
		return nil
	}
	if c.args == "expressions" {
		fmt.Fprintln(in.out, strings.TrimSpace(ExpressionsHelp))
		return nil
	}
	cmd, err := lookupCommand(c.args)
	if err != nil {
		return err
	}
	fmt.Fprintf(in.out, "usage: %s\n", cmd.Usage)
	if len(cmd.Aliases) > 0 {
		fmt.Fprintf(in.out, "aliases: %s\n", strings.Join(cmd.Aliases, ", "))
	}
	fmt.Fprintf(in.out, "\n%s\n", strings.TrimSpace(cmd.Help))
	return nil
}

// ExpressionsHelp describes the expression language.
const ExpressionsHelp = `
Expressions are read by print, set, x, watch, break ... if COND and the
{EXPR} parts of log messages. They are evaluated in the selected frame
(conditions and log messages in the innermost one).

  local N, $N, lN     local N of the frame (parameters first), e.g. $0, l2
  NAME                a C variable (DWARF; see "vars"): in scope, else a
                      global of the frame's compile unit, else of the one
                      other unit that has it; read as its C type: int as
                      i32, unsigned as u32, double as f64, pointers as
                      u32; print NAME alone shows it as C does (structs,
                      arrays, strings)
  NAME.f, NAME[i], *NAME, NAME->f  a C struct's field, an array's or
                      pointer's element, a pointer's target
  &NAME, &NAME.f, &NAME[i]  the address of a C object in memory: a u32
                      (print shows it as a C pointer), e.g. mem[&counter],
                      x &origin, watch mem[&counter]
  p + n, p - n, p - q, p < q  C pointer arithmetic when p is a C pointer or
                      array: n elements on (*(p + 1) is p[1]), p - q in
                      elements (an int); void * arithmetic is an error
  (TYPE)EXPR          a C cast: int, unsigned, char, long long, double...,
                      struct S, union U, enum E or a typedef, then any *s,
                      e.g. (char)300, (int)ratio, ((struct list *)0x1000)->v;
                      (NAME) before - * & + is no cast: (int64_t)(-1)
  sizeof(TYPE), sizeof EXPR  a C type's or C object's size, an unsigned int
  OBJ@N               N objects from C object OBJ's address on, as a C array
                      (gdb's artificial array): *p@10, buf[2]@len
  NAME, $NAME         a local, else a global, by its name (name section)
  global N, gN        global N
  $sp                 the C stack pointer: the global named __stack_pointer
                      (or global 0 when the globals have no names)
  stack N, sN, $top   operand stack slot N (0 is the bottom), or the top
  mem[ADDR]           the i32 at ADDR in memory 0
  TYPE mem[ADDR]      a typed load: i8 u8 i16 u16 i32 u32 i64 u64 f32 f64
  $pc, $counter       the current instruction's offset, the counter
  123, 0x7b, 1.5      numbers
  + - * / % & | ^ << >>  == != < <= > >=  && || ! ~ -  @  ( )

Values keep their WebAssembly types: i32 arithmetic wraps at 32 bits, a
number takes the type of the other operand, and a float operand makes a
float. Comparisons of unsigned values (u8..u64) are unsigned. Only C
pointers and arrays in + - and comparisons, casts and sizeof follow C;
print shows their result alone as C does (p + 1 = 0x1040 (int *)).

  print $0 * 2 + 1          print/x mem[$sp + 8]
  print f64 mem[0x1000]     set i32 mem[0x1000] = 7
  break fac if $0 == 3 && global 1 > 100
  print sum + i             set sum = 0
  print *(primes + 2)       print (unsigned char)-1 + sizeof(struct point)`

func init() {
	commands = []*Command{
		{Name: "run", Aliases: []string{"r"}, Usage: "run", Summary: "run the program from the beginning",
			Help: `
Go back to the beginning of the program and continue until a breakpoint,
a watchpoint or the end. (wdb starts stopped at the first instruction;
"continue" from there does the same.)

  (wdb) run`, run: cmdRun},
		{Name: "continue", Aliases: []string{"c"}, Usage: "continue", Summary: "run until a breakpoint, a watchpoint or the end", repeat: true,
			Help: `
Run forward until a breakpoint or watchpoint (not the one at the current
instruction), the end of the program, or Ctrl-C.

  (wdb) continue
  stopped at counter 52417 (breakpoint 1) in hanoi+0x0 (0x6c9): block`, run: func(in *Interpreter, c call) error {
				if err := noArgs(c); err != nil {
					return err
				}
				return in.move(1, in.s.Continue)
			}},
		{Name: "step", Aliases: []string{"s"}, Usage: "step [N]", Summary: "execute one instruction (into calls)", repeat: true,
			Help: `
Execute one instruction, or N. A call steps into the called function; a
call to an imported (host) function is one instruction.

  (wdb) step 3`, run: stepCommand((*Session).StepInstruction)},
		{Name: "stepi", Aliases: []string{"si"}, Usage: "stepi [N]", Summary: "execute one instruction (the same as step)", repeat: true,
			Help: `
The same as step: wdb works at the level of WebAssembly instructions.

  (wdb) si`, run: stepCommand((*Session).StepInstruction)},
		{Name: "next", Aliases: []string{"n"}, Usage: "next [N]", Summary: "execute one instruction, over calls", repeat: true,
			Help: `
Execute one instruction, or N; a call runs until it returns (stopping
earlier at a breakpoint or watchpoint inside it).

  (wdb) next`, run: stepCommand((*Session).Next)},
		{Name: "step-line", Aliases: []string{"sl"}, Usage: "step-line [N]", Summary: "run to the next source line (into calls)", repeat: true,
			Help: `
Run to the beginning of the next source line, or N lines (the module needs
DWARF line information: C, C++, Rust or Zig built with -g). A call of a
function that has lines steps into it, past its prologue; functions
without lines (a library built without -g) run through. At the end of a
function it goes on to the next line of the caller, or stops in the
caller if that has no lines. It stops earlier at a breakpoint or
watchpoint.

  (wdb) step-line
  stopped at counter 86 in square+0x1a (0x41e): local.get 3 at lines.c:8`, run: lineMoveCommand((*Session).StepLine)},
		{Name: "next-line", Aliases: []string{"nl"}, Usage: "next-line [N]", Summary: "run to the next source line of this function, over calls", repeat: true,
			Help: `
Run to the beginning of the next source line of the current function, or
N lines; calls run until they return (stopping earlier at a breakpoint or
watchpoint inside them). When the function returns, it goes on to the
next line of the caller. A loop on one line runs at full speed.

  (wdb) nl`, run: lineMoveCommand((*Session).NextLine)},
		{Name: "finish", Usage: "finish", Summary: "run until the current function returns", repeat: true,
			Help: `
Run until the innermost frame returns; stops in the caller, after the call.

  (wdb) finish`, run: func(in *Interpreter, c call) error {
				if err := noArgs(c); err != nil {
					return err
				}
				return in.move(1, in.s.Finish)
			}},
		{Name: "advance", Aliases: []string{"until"}, Usage: "advance LOCATION", Summary: "run until LOCATION, or until the current function returns", repeat: true,
			Help: `
Run until the program is about to execute LOCATION (as break takes it: a
function, FUNC+OFF, 0xADDR, FILE:LINE or LINE; a line that begins at
several places stops at the first reached), in any frame, or until the
current function returns to its caller; breakpoints and watchpoints stop
it on the way. No breakpoint is left behind. gdb's until LOCATION is the
same command.

  (wdb) advance 31
  (wdb) until lines.c:19`, run: cmdAdvance, complete: completeLocations},
		{Name: "reverse-step", Aliases: []string{"rs"}, Usage: "reverse-step [N]", Summary: "go back one instruction (into calls)", repeat: true,
			Help: `
Go back one instruction (or N) in time: to counter-1, which may be inside
a function called by the previous instruction.

  (wdb) reverse-step`, run: stepCommand((*Session).ReverseStep)},
		{Name: "reverse-next", Aliases: []string{"rn"}, Usage: "reverse-next [N]", Summary: "go back one instruction of this function, over calls", repeat: true,
			Help: `
Go back to the previous instruction of the current function, over calls
(into the caller from a function's first instruction).

  (wdb) rn`, run: stepCommand((*Session).ReverseNext)},
		{Name: "reverse-step-line", Aliases: []string{"rsl"}, Usage: "reverse-step-line [N]", Summary: "go back to the beginning of the previous source line (into calls)", repeat: true,
			Help: `
Go back in time to the beginning of the previous source line executed (of
the current one, from the middle of a line), or N lines: the first
instruction of that line, where step-line would have stopped. From the
line after a call, it goes into the called function, to its last line.

  (wdb) rsl`, run: lineMoveCommand((*Session).ReverseStepLine)},
		{Name: "reverse-next-line", Aliases: []string{"rnl"}, Usage: "reverse-next-line [N]", Summary: "go back to the previous source line of this function, over calls", repeat: true,
			Help: `
Go back to the beginning of the previous source line of the current
function, or N lines, over the calls it made; from the function's first
line, back to the line of the caller that called it.

  (wdb) rnl`, run: lineMoveCommand((*Session).ReverseNextLine)},
		{Name: "reverse-finish", Aliases: []string{"rf"}, Usage: "reverse-finish", Summary: "go back to the call of the current function", repeat: true,
			Help: `
Go back to the call instruction that entered the current function, in its
caller.

  (wdb) rf`, run: func(in *Interpreter, c call) error {
				if err := noArgs(c); err != nil {
					return err
				}
				return in.move(1, in.s.ReverseFinish)
			}},
		{Name: "reverse-continue", Aliases: []string{"rc"}, Usage: "reverse-continue", Summary: "go back to the last breakpoint or watchpoint hit", repeat: true,
			Help: `
Go back in time to the last moment a breakpoint or watchpoint was hit
before the present, or to the start of the timeline if none was.

  (wdb) rc
  stopped at counter 52417 (breakpoint 1) in hanoi+0x0 (0x6c9): block`, run: func(in *Interpreter, c call) error {
				if err := noArgs(c); err != nil {
					return err
				}
				return in.move(1, in.s.ReverseContinue)
			}},
		{Name: "goto", Usage: "goto COUNTER | +N | -N | start | end", Summary: "go to any moment, past or future, by its counter",
			Help: `
Go to the moment the instruction counter reads COUNTER, backwards or
forwards (going forwards ignores breakpoints and stops early at the end of
the program). +N and -N are relative to the present; start and end are the
ends of the recorded timeline.

  (wdb) goto 150000
  (wdb) goto -10`, run: cmdGoto},
		{Name: "break", Aliases: []string{"b"}, Usage: "break [LOCATION] [if COND] [hits N|>=N|==N|%N] [log MESSAGE]", Summary: "set a breakpoint or a log point",
			Help: `
Stop before the instruction at LOCATION: a function (name or index: its
first instruction), FUNC+OFF (OFF bytes into it) or 0xADDR (the file offset
of an instruction). Without LOCATION: the current instruction.

With DWARF line information, LOCATION can be a source line, FILE:LINE
(FILE is the path, or its end, or its base name when no other file has
it), or LINE alone, in the file of the selected frame's line, or of main
when that frame has no source line (LINE is a function index only in a
module without lines: func[N] always is).
The line's code may begin at several places (a for loop's test and
increment): each gets a breakpoint. A line without code means the next
one that has some.

  if COND      stop only when the expression COND is true (non-zero)
  hits N       stop from the N-th hit on; >=N the same, ==N only at the
               N-th, %N every N-th (hits count when COND holds)
  log MESSAGE  do not stop: print MESSAGE, with {EXPR} replaced by the
               expression's value (a log point)

COND may use the words if, hits and log (a local named log): it ends at
the first of them that leaves a valid expression before it and a valid
option after it. MESSAGE runs to the end of the line, unless it is quoted
("...", as in Go): then other options may follow it.

  (wdb) break hanoi
  (wdb) b fac+0x12 if $0 == 3
  (wdb) b 0x6e3 hits %10 log "n = {$0}, sp = {$sp}"
  (wdb) b lines.c:15 if $0 == 3`, run: cmdBreak(false), complete: completeLocations},
		{Name: "tbreak", Usage: "tbreak [LOCATION] [if COND] [hits ...]", Summary: "set a breakpoint deleted when first hit",
			Help: `
As break, but the breakpoint is deleted the first time it stops the program.

  (wdb) tbreak main
  (wdb) tbreak lines.c:16`, run: cmdBreak(true), complete: completeLocations},
		{Name: "watch", Usage: "watch mem[ADDR] [LEN] | mem[A..B] | TYPE mem[ADDR] | global N | C-EXPR  [if COND]", Summary: "stop when memory or a global changes",
			Help: `
Stop after an instruction changes the watched bytes of memory (LEN bytes at
ADDR, 4 by default; the bytes from A up to B excluded; the size of TYPE) or
the watched global; reverse-continue finds the last change before the
present. With DWARF variables, a C variable, field, element or pointer
target (counter, p.x, a[2], *l) watches its bytes in memory, and a change
prints as C (one held in a WebAssembly local cannot be watched). With
"if COND", only the changes after which COND holds (evaluated in the
innermost frame) stop and count. ADDR is an expression. Every change stops, even one undone a few
instructions later; writing the value already there is not a change. A
memory watch stops the engine at the stores that touch the watched bytes
(and at every call into the host) to compare: runs under one are about
1.5 to 2.5 times slower.

  (wdb) watch mem[0x1000] 8
  (wdb) watch mem[$sp+16..$sp+32]
  (wdb) watch i64 mem[0x2000]
  (wdb) watch global 0
  (wdb) watch l->next->v
  (wdb) watch counter if counter > 200`, run: cmdWatch, complete: completeValues},
		{Name: "delete", Aliases: []string{"d"}, Usage: "delete [N...]", Summary: "delete breakpoints and watchpoints (all without N)",
			Help: `
Delete the breakpoints and watchpoints with the given numbers, or all of
them.

  (wdb) delete 2
  (wdb) delete`, run: cmdDelete, complete: completeIDs},
		{Name: "disable", Usage: "disable [N...]", Summary: "disable breakpoints and watchpoints (all without N)",
			Help: `
Disable the breakpoints and watchpoints with the given numbers, or all of
them: they stay listed (marked [disabled]) with their options and hit
counts, but stop nothing, forwards or backwards, and count no hits, until
enabled again.

  (wdb) disable 2 3
  (wdb) disable`, run: enableCommand(false), complete: completeIDs},
		{Name: "enable", Usage: "enable [N...]", Summary: "enable disabled breakpoints and watchpoints (all without N)",
			Help: `
Enable the breakpoints and watchpoints with the given numbers again, or
all of them.

  (wdb) enable 2`, run: enableCommand(true), complete: completeIDs},
		{Name: "breakpoints", Aliases: []string{"bl"}, Usage: "breakpoints", Summary: "list the breakpoints and watchpoints",
			Help: `
List the breakpoints, log points and watchpoints with their numbers, hit
counts, conditions and locations (also "info breakpoints").

  (wdb) bl`, run: cmdBreakpoints},
		{Name: "backtrace", Aliases: []string{"bt", "where"}, Usage: "backtrace [N]", Summary: "show the call stack",
			Help: `
Show the call stack, innermost frame (#0) first, each with its function,
offset, arguments and instruction; => marks the selected frame. With N,
only the N innermost frames.

  (wdb) bt
  => #0  hanoi+0x0 (0x6c9) (i32:0): block
     #1  hanoi+0xf (0x6d8) (i32:1): call $hanoi
     #2  __original_main+0x3f2 (0x594): call $hanoi`, run: cmdBacktrace},
		{Name: "frame", Aliases: []string{"f"}, Usage: "frame [N]", Summary: "select frame N (0 is the innermost)",
			Help: `
Select frame N for locals, stack, print, set, list and disassemble, and
show it. Every move selects frame 0 again.

  (wdb) frame 2`, run: cmdFrame},
		{Name: "up", Usage: "up [N]", Summary: "select the caller's frame", Help: `
Select the frame N levels up (towards the outermost), 1 by default.

  (wdb) up`, run: cmdUpDown(1)},
		{Name: "down", Usage: "down [N]", Summary: "select the callee's frame", Help: `
Select the frame N levels down (towards the innermost), 1 by default.

  (wdb) down`, run: cmdUpDown(-1)},
		{Name: "locals", Usage: "locals", Summary: "show the selected frame's parameters and locals", Help: `
Show the parameters and locals of the selected frame, typed, with their
names when the module has them.

  (wdb) locals
  param 0 = i32:1`, run: cmdLocals},
		{Name: "vars", Aliases: []string{"v"}, Usage: "vars [-g]", Summary: "show the source variables in scope in the selected frame", Help: `
Show the C (source) variables in scope at the selected frame's
instruction, from the module's DWARF: the parameters, then the locals of
the innermost block out to the function's own (static ones among them),
each with its value and C type. "optimised out" marks a variable with no
location there. print, set and conditions know these names too (see
"help expressions").

  (wdb) vars
  n = 5 (int)
  q = 4 (int)
  i = 2 (int)
  sum = 5 (int)

vars -g shows the function's static variables in scope, then the
globals of its compile unit (C globals and file-level statics):

  (wdb) vars -g
  calls = 101 (int)
  origin = {x = 7, y = -8, w = 0.5} (struct point)
  counter = 0 (int)`, run: cmdVars},
		{Name: "stack", Usage: "stack", Summary: "show the selected frame's typed operand stack", Help: `
Show the operand stack of the selected frame, bottom (slot 0) first, with
the types the validator infers.

  (wdb) stack
  stack 0 = i32:1  <- top`, run: cmdStack},
		{Name: "globals", Usage: "globals", Summary: "show the globals", Help: `
Show every global, imported ones first, with its value, its export names
and whether it is mutable.

  (wdb) globals`, run: cmdGlobals},
		{Name: "print", Aliases: []string{"p"}, Usage: "print[/x|/d|/u] EXPR", Summary: "evaluate an expression", format: true,
			Help: `
Evaluate EXPR in the selected frame and print its value with its type
(see "help expressions"); /x prints integers in hex and floats' bits.

  (wdb) print $0 + 1
  i32:2
  (wdb) p f64 mem[$sp+8]
  (wdb) p/x local 2`, run: cmdPrint, complete: completeValues},
		{Name: "display", Usage: "display[/x|/d|/u] [EXPR]", Summary: "show an expression after every stop", format: true,
			Help: `
Show EXPR now and after every stop (forwards or backwards) while the
program has a frame, as print shows it (/x, /d, /u as for print); each
display gets a number. Without EXPR, show all the displays now ("info
display" too). An expression that cannot be evaluated at a stop (a name
not in scope) shows the reason and is kept.

  (wdb) display sum
  (wdb) display/x $0
  (wdb) display`, run: cmdDisplay, complete: completeValues},
		{Name: "undisplay", Usage: "undisplay [N...]", Summary: "stop showing displays (all without N)",
			Help: `
Delete the displays with the given numbers, or all of them.

  (wdb) undisplay 1`, run: cmdUndisplay},
		{Name: "whatis", Usage: "whatis EXPR", Summary: "show the type of an expression",
			Help: `
Show the type of EXPR: a C type for a C variable, field, element or
pointer target (int, struct point, char *), else the WebAssembly type of
its value (i32, f64...).

  (wdb) whatis p
  type = struct point
  (wdb) whatis $0
  type = i32`, run: typeCommand(false), complete: completeValues},
		{Name: "ptype", Usage: "ptype EXPR", Summary: "show the type of an expression, structs with their members",
			Help: `
As whatis, but a struct, union or enum type (also behind a typedef) is
shown with its members as C declares them.

  (wdb) ptype p
  type = struct point {
      int x;
      short y;
      double w;
  }`, run: typeCommand(true), complete: completeValues},
		{Name: "x", Usage: "x ADDR [COUNT] [b|h|w|g]  or  x/COUNT[b|h|w|g] ADDR", Summary: "dump memory in hex and ASCII", format: true,
			Help: `
Dump COUNT units of memory from ADDR (an expression), in units of bytes
(b), 2 (h), 4 (w) or 8 bytes (g), as hex, 16 bytes a line with their ASCII.
The default is 64 bytes.

  (wdb) x 0x1000
  (wdb) x $sp 4 w
  (wdb) x/32b mem[0x2000]`, run: cmdX, complete: completeValues},
		{Name: "set", Usage: "set PLACE = EXPR", Summary: "change a local, global, stack slot or memory",
			Help: `
Change a local, a global, an operand stack slot (in the selected frame) or
memory (TYPE mem[ADDR], i32 by default). The value is converted to the
place's type. This forks the timeline: what was recorded after the present
is discarded.

  (wdb) set $0 = 5
  (wdb) set global 1 = 0
  (wdb) set f64 mem[0x1000] = 2.5`, run: cmdSet, complete: completeValues},
		{Name: "functions", Aliases: []string{"funcs"}, Usage: "functions [REGEX]", Summary: "list the functions, or those whose names match REGEX",
			Help: `
List the module's functions (also "info functions"): index, name,
signature, and where the code begins (file offset and source line) or
what an imported function imports. With REGEX (Go syntax), only the
functions whose names match it.

  (wdb) functions
  (wdb) functions ^main\.
  (wdb) funcs hanoi|collatz`, run: cmdFunctions},
		{Name: "disassemble", Aliases: []string{"dis"}, Usage: "disassemble [FUNC | FUNC+OFF | 0xADDR]", Summary: "show instructions with offsets and bytes",
			Help: `
Show the instructions around the current one (or around FUNC+OFF or 0xADDR,
or all of FUNC) with their file offsets, offsets in the function and
encodings; => marks the current instruction, * a breakpoint.

  (wdb) dis
  (wdb) dis hanoi`, run: cmdDisassemble, complete: completeFuncs},
		{Name: "list", Aliases: []string{"l"}, Usage: "list [FUNC | FUNC+OFF | 0xADDR]", Summary: "show the WAT text around the current instruction",
			Help: `
Show the function's text (WebAssembly text format, one line per
instruction, indented by block depth) around the current instruction, or
from the start of FUNC; => marks the current instruction, * a breakpoint.
Another list goes on from there.

  (wdb) list
  (wdb) list hanoi`, run: cmdList, complete: completeFuncs},
		{Name: "source", Aliases: []string{"src"}, Usage: "source [FILE:LINE | LINE | FUNC]", Summary: "show the source text around the current line",
			Help: `
Show the source lines around the selected frame's line, or main's first
line when that frame has none (or around FILE:LINE, LINE of the current
file, or the first line of FUNC); => marks
the current line, * a line with a breakpoint. The file is read from the
path the line table gives, else beside the module (its path's end), else
from the directories given by wdb --source-dir DIR.

  (wdb) source
  (wdb) src lines.c:20`, run: cmdSource, complete: completeLocations},
		{Name: "info", Usage: "info [breakpoints|locals|globals|stack|frame|timeline|engines]", Summary: "show the engine, counter, PC and timeline",
			Help: `
Without a topic: the program, the engine, the instruction counter (as
"counter N"), the PC (and its source position: FILE:LINE:COLUMN, with the
path as the line table records it), why the program stopped, the timeline and its
snapshots' memory. With a topic, the same as that command; a topic may
be shortened while it stays unique (info watch, info loc).

  (wdb) info
  (wdb) info breakpoints`, run: cmdInfo, complete: completeInfo},
		{Name: "timeline", Usage: "timeline [budget SIZE]", Summary: "show the snapshots and where the present is",
			Help: `
Show the recorded timeline: its first and last counters, the snapshots
reverse execution restores from with the memory each holds, and the
present among them. "timeline budget 256M" sets the memory budget.

  (wdb) timeline`, run: cmdTimeline},
		{Name: "checkpoint", Usage: checkpointUsage, Summary: "write the present to an image, or load one",
			Help: `
save writes the present state to a checkpoint image that ` + "`wdb resume PATH`" + `
continues (on any engine, on any machine). With --format wamr or
--format wasmedge, PATH is a new directory in the format of the WAMR /
WasmEdge checkpoint-restore forks, which their --restore and
` + "`wdb resume --module app.wasm PATH`" + ` continue; a state that format cannot
hold (a file open, a table changed at run time, the program ended) is
refused with the reason.

load makes an image of the same module the present, starting a new
timeline; a directory is a fork image (of this session's module), which
has no instruction counter (the timeline restarts at 0) and no WASI state
(stdio is simply open).

  (wdb) checkpoint save here.wdb
  (wdb) checkpoint save --format wamr here.wamr
  (wdb) checkpoint load here.wamr`, run: cmdCheckpoint, complete: completeCheckpoint},
		{Name: "engines", Usage: "engines", Summary: "list the engines (* the current one)",
			Help: `
List the interpreters; * marks the one running the program.

  (wdb) engines`, run: cmdEngines},
		{Name: "switch-engine", Usage: "switch-engine NAME", Summary: "move the program to another engine, here and now",
			Help: `
Move the running program to another engine at the current instruction:
snapshot, restore into the other engine, carry on. The timeline stays
usable (reverse moves work across the switch).

  (wdb) switch-engine fast`, run: cmdSwitchEngine, complete: completeEngines},
		{Name: "help", Aliases: []string{"h"}, Usage: "help [COMMAND | expressions]", Summary: "list the commands, or describe one",
			Help: `
List the commands, or show a command's usage, aliases and description.

  (wdb) help break`, run: cmdHelp, complete: completeCommands},
		{Name: "quit", Aliases: []string{"q", "exit"}, Usage: "quit", Summary: "end the session",
			Help: `
End the debugging session (also Ctrl-D).

  (wdb) quit`, run: cmdQuit},
	}
}

var commands []*Command
