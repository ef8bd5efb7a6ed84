package dap

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	godap "github.com/google/go-dap"

	"github.com/wdb-dev/wdb/debugger"
	"github.com/wdb-dev/wdb/debuginfo"
	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/wasm"
)

// The state of the stopped program: the call stack, scopes and variables,
// evaluate (expressions and console commands), completions, traps.

// Frame IDs are the frame's number plus one (frame 0 is the innermost);
// they are valid until the program moves.

// frameIndex checks a frame ID against the present call stack.
func (s *session) frameIndex(id int) (int, error) {
	if n := s.dbg.Depth(); id < 1 || id > n {
		return 0, fmt.Errorf("no frame with id %d (the call stack has %d frames)", id, n)
	}
	return id - 1, nil
}

// frame returns frame i (0: innermost) of the present.
func (s *session) frame(i int) (snapshot.Frame, error) {
	frames := s.dbg.Frames()
	if i < 0 || i >= len(frames) {
		return snapshot.Frame{}, fmt.Errorf("no frame %d (the call stack has %d frames)", i, len(frames))
	}
	return frames[len(frames)-1-i], nil
}

func (s *session) line(l int) int {
	if s.client.linesStartAt1 {
		return l
	}
	return l - 1
}

func (s *session) column() int {
	if s.client.columnsStartAt1 {
		return 1
	}
	return 0
}

func (s *session) onStackTrace(r *godap.StackTraceRequest) error {
	a := r.Arguments
	if a.ThreadId != threadID {
		return fmt.Errorf("no thread %d (the program has one thread, %d)", a.ThreadId, threadID)
	}
	if a.StartFrame < 0 || a.Levels < 0 {
		return errors.New("stackTrace: startFrame and levels must not be negative")
	}
	frames := s.dbg.Frames()
	end := len(frames)
	if a.Levels > 0 {
		end = min(end, a.StartFrame+a.Levels)
	}
	body := godap.StackTraceResponseBody{StackFrames: []godap.StackFrame{}, TotalFrames: len(frames)}
	for i := a.StartFrame; i < end; i++ {
		f := frames[len(frames)-1-i]
		sf := godap.StackFrame{Id: i + 1, Name: s.dbg.Module().Funcs[f.Func].DisplayName(), Column: s.column(),
			InstructionPointerReference: address(f.PC)}
		if src, pos, ok := s.sourcePos(f.PC); ok {
			sf.Source, sf.Line, sf.Column = src, s.line(pos.Line), s.columnOf(pos.Col)
		} else if src, line, ok := s.code.position(f.Func, f.PC); ok {
			sf.Source, sf.Line = src, s.line(line)
		}
		body.StackFrames = append(body.StackFrames, sf)
	}
	s.send(&godap.StackTraceResponse{Response: response(&r.Request), Body: body})
	return nil
}

// address writes a file offset or memory address as the protocol's
// references do.
func address(a uint32) string { return fmt.Sprintf("0x%x", a) }

// Variables.

type varKind int

const (
	varLocals varKind = iota
	varStack
	varGlobals
	varMemory
	varMemoryRows
	varSource // the source variables of a frame, or the members of one (path)
)

// varRef is what a variablesReference stands for.
type varRef struct {
	kind  varKind
	frame int    // locals, stack, source
	path  string // source: "" for the scope, else a variable and its members' names, joined by "\x00"
	// source: the Globals (C) scope (debugger.Session.GlobalVars), not Variables
	globals bool
	// source: the members of the C object that expression expr gives in
	// the frame (an evaluate result), not of a scope's variable
	expr string
}

// varTable hands out variablesReferences until the program moves.
type varTable struct{ refs []varRef }

func newVarTable() *varTable { return &varTable{} }

func (t *varTable) reset() { t.refs = t.refs[:0] }

func (t *varTable) ref(r varRef) int {
	for i, x := range t.refs {
		if x == r {
			return i + 1
		}
	}
	t.refs = append(t.refs, r)
	return len(t.refs)
}

func (t *varTable) get(id int) (varRef, error) {
	if id < 1 || id > len(t.refs) {
		return varRef{}, fmt.Errorf("no variables with reference %d (references last until the program moves)", id)
	}
	return t.refs[id-1], nil
}

// memRow is the number of bytes of memory shown in one variable.
const memRow = 16

func (s *session) onScopes(r *godap.ScopesRequest) error {
	i, err := s.frameIndex(r.Arguments.FrameId)
	if err != nil {
		return err
	}
	f, err := s.frame(i)
	if err != nil {
		return err
	}
	scopes := []godap.Scope{}
	// The C variables first, when the frame's function has some.
	if vs, err := s.dbg.ScopeVars(i); err == nil && len(vs) > 0 {
		scopes = append(scopes, godap.Scope{Name: "Variables", PresentationHint: "locals",
			VariablesReference: s.vars.ref(varRef{kind: varSource, frame: i}), NamedVariables: len(vs)})
	}
	scopes = append(scopes, []godap.Scope{
		{Name: "Locals", PresentationHint: "locals", VariablesReference: s.vars.ref(varRef{kind: varLocals, frame: i}), NamedVariables: len(f.Locals)},
		{Name: "Operand Stack", PresentationHint: "registers", VariablesReference: s.vars.ref(varRef{kind: varStack, frame: i}), NamedVariables: len(f.Stack)},
		{Name: "Globals", VariablesReference: s.vars.ref(varRef{kind: varGlobals}), NamedVariables: len(s.dbg.Module().Globals)},
	}...)
	// The C globals after the WebAssembly ones, when the unit has some.
	if gs, err := s.dbg.GlobalVars(i); err == nil && len(gs) > 0 {
		scopes = append(scopes, godap.Scope{Name: "Globals (C)",
			VariablesReference: s.vars.ref(varRef{kind: varSource, frame: i, globals: true}), NamedVariables: len(gs)})
	}
	if s.dbg.Memory() != nil {
		scopes = append(scopes, godap.Scope{Name: "Memory", VariablesReference: s.vars.ref(varRef{kind: varMemory})})
	}
	s.send(&godap.ScopesResponse{Response: response(&r.Request), Body: godap.ScopesResponseBody{Scopes: scopes}})
	return nil
}

// formatValue writes a typed value: integers signed in decimal (or hex),
// floats exactly, references as snapshot writes them.
func formatValue(v snapshot.Value, hex bool) string {
	switch v.Type {
	case wasm.I32:
		if hex {
			return fmt.Sprintf("0x%x", uint32(v.Lo))
		}
		return strconv.FormatInt(int64(int32(uint32(v.Lo))), 10)
	case wasm.I64:
		if hex {
			return fmt.Sprintf("0x%x", v.Lo)
		}
		return strconv.FormatInt(int64(v.Lo), 10)
	case wasm.F32:
		if hex {
			return fmt.Sprintf("0x%08x", uint32(v.Lo))
		}
		return debugger.FormatF32(uint32(v.Lo))
	case wasm.F64:
		if hex {
			return fmt.Sprintf("0x%016x", v.Lo)
		}
		return debugger.FormatF64(v.Lo)
	case wasm.V128:
		return fmt.Sprintf("0x%016x%016x", v.Hi, v.Lo)
	}
	return v.String()
}

// pointer returns the memory reference of an i32 that points into memory
// (C pointers are i32s), or "".
func (s *session) pointer(v snapshot.Value) string {
	m := s.dbg.Memory()
	if v.Type != wasm.I32 || m == nil || uint32(v.Lo) == 0 || uint64(uint32(v.Lo)) >= uint64(len(m.Data)) {
		return ""
	}
	return address(uint32(v.Lo))
}

func (s *session) variable(name, eval string, v snapshot.Value, hex bool) godap.Variable {
	return godap.Variable{Name: name, Value: formatValue(v, hex), Type: v.Type.String(), EvaluateName: eval, MemoryReference: s.pointer(v)}
}

// localNames names the locals of f: their name from the module when it
// is unique in the function, else $N (as expressions write local N).
func localNames(f *wasm.Func) []string {
	count := map[string]int{}
	for _, n := range f.LocalNames {
		count[n]++
	}
	out := make([]string, f.NumLocals())
	for i := range out {
		if n := f.LocalNames[uint32(i)]; n != "" && count[n] == 1 && !strings.HasPrefix(n, "$") {
			out[i] = n
		} else {
			out[i] = "$" + strconv.Itoa(i)
		}
	}
	return out
}

func stackName(i int) string { return "[" + strconv.Itoa(i) + "]" }

// globalNames are "global N", with the global's name from the name section
// and the names it is exported under.
func (s *session) globalNames() []string {
	m := s.dbg.Module()
	out := make([]string, len(m.Globals))
	extra := map[uint32][]string{}
	for _, e := range m.Exports {
		if e.Kind == wasm.ExternGlobal {
			extra[e.Index] = append(extra[e.Index], e.Name)
		}
	}
	for i := range out {
		out[i] = "global " + strconv.Itoa(i)
		if n := m.GlobalNames[uint32(i)]; n != "" {
			out[i] += " $" + n
		}
		if n := extra[uint32(i)]; len(n) > 0 {
			out[i] += " (" + strings.Join(n, ", ") + ")"
		}
	}
	return out
}

func (s *session) onVariables(r *godap.VariablesRequest) error {
	a := r.Arguments
	ref, err := s.vars.get(a.VariablesReference)
	if err != nil {
		return err
	}
	hex := a.Format != nil && a.Format.Hex
	vars := []godap.Variable{}
	switch ref.kind {
	case varLocals, varStack:
		f, err := s.frame(ref.frame)
		if err != nil {
			return err
		}
		if ref.kind == varLocals {
			names := localNames(s.dbg.Module().Funcs[f.Func])
			for i, v := range f.Locals {
				vars = append(vars, s.variable(names[i], "$"+strconv.Itoa(i), v, hex))
			}
		} else {
			for i, v := range f.Stack {
				vars = append(vars, s.variable(stackName(i), "stack "+strconv.Itoa(i), v, hex))
			}
		}
	case varGlobals:
		names := s.globalNames()
		for i, v := range s.dbg.Globals() {
			vars = append(vars, s.variable(names[i], "global "+strconv.Itoa(i), v, hex))
		}
	case varMemory:
		vars = s.memoryScope()
	case varMemoryRows:
		vars = s.memoryRows(a.Start, a.Count)
	case varSource:
		if vars, err = s.sourceVariables(ref); err != nil {
			return err
		}
	}
	s.send(&godap.VariablesResponse{Response: response(&r.Request), Body: godap.VariablesResponseBody{Variables: vars}})
	return nil
}

// memoryScope describes memory 0: its size, the C stack pointer, and its
// bytes in rows of 16 (paged by the client).
func (s *session) memoryScope() []godap.Variable {
	m := s.dbg.Memory()
	size := len(m.Data)
	vars := []godap.Variable{{Name: "size", Value: fmt.Sprintf("%d pages (%d bytes)", size/snapshot.PageSize, size), MemoryReference: address(0)}}
	if sp, ok := s.dbg.Module().StackPointer(); ok {
		v := s.dbg.Globals()[sp]
		vars = append(vars, godap.Variable{Name: "$sp", Value: formatValue(v, true), Type: "i32", EvaluateName: "$sp", MemoryReference: address(uint32(v.Lo))})
	}
	rows := (size + memRow - 1) / memRow
	vars = append(vars, godap.Variable{Name: "bytes", Value: fmt.Sprintf("%d rows of %d bytes", rows, memRow),
		VariablesReference: s.vars.ref(varRef{kind: varMemoryRows}), IndexedVariables: rows, MemoryReference: address(0)})
	return vars
}

// memoryRows returns rows [start, start+count) of memory (count 0: all).
func (s *session) memoryRows(start, count int) []godap.Variable {
	data := s.dbg.Memory().Data
	rows := (len(data) + memRow - 1) / memRow
	start = max(start, 0)
	end := rows
	if count > 0 {
		end = min(rows, start+count)
	}
	vars := []godap.Variable{}
	for r := start; r < end; r++ {
		a := r * memRow
		b := data[a:min(a+memRow, len(data))]
		vars = append(vars, godap.Variable{Name: rowName(uint32(a)), Value: hexRow(b), MemoryReference: address(uint32(a))})
	}
	return vars
}

func rowName(a uint32) string { return fmt.Sprintf("0x%08x", a) }

// hexRow writes bytes as hex pairs, then as ASCII.
func hexRow(b []byte) string {
	var sb strings.Builder
	for i, c := range b {
		if i > 0 {
			sb.WriteByte(' ')
		}
		fmt.Fprintf(&sb, "%02x", c)
	}
	sb.WriteString("  ")
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			c = '.'
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

// place finds the variable called name under ref: the console's name
// for it ("local 2", "stack 0", "global 1") and its present value, or, for
// a row of memory, its address.
func (s *session) place(ref varRef, name string) (text string, v snapshot.Value, row uint32, err error) {
	switch ref.kind {
	case varLocals, varStack:
		f, err := s.frame(ref.frame)
		if err != nil {
			return "", v, 0, err
		}
		if ref.kind == varLocals {
			for i, n := range localNames(s.dbg.Module().Funcs[f.Func]) {
				if n == name {
					return "local " + strconv.Itoa(i), f.Locals[i], 0, nil
				}
			}
		} else {
			for i := range f.Stack {
				if stackName(i) == name {
					return "stack " + strconv.Itoa(i), f.Stack[i], 0, nil
				}
			}
		}
	case varGlobals:
		for i, n := range s.globalNames() {
			if n == name {
				return "global " + strconv.Itoa(i), s.dbg.Globals()[i], 0, nil
			}
		}
	case varMemoryRows:
		if a, err := strconv.ParseUint(name, 0, 32); err == nil && a%memRow == 0 && a < uint64(len(s.dbg.Memory().Data)) {
			return "", v, uint32(a), nil
		}
	}
	return "", v, 0, fmt.Errorf("no variable %q here", name)
}

func (s *session) onSetVariable(r *godap.SetVariableRequest) error {
	a := r.Arguments
	ref, err := s.vars.get(a.VariablesReference)
	if err != nil {
		return err
	}
	if ref.kind == varSource {
		return s.setSourceVariable(r, ref)
	}
	text, _, row, err := s.place(ref, a.Name)
	if err != nil {
		return err
	}
	body := godap.SetVariableResponseBody{}
	if text == "" {
		// A row of memory: hex bytes, written from its start.
		b, err := parseHexBytes(a.Value, memRow)
		if err != nil {
			return fmt.Errorf("setVariable %s: %v", a.Name, err)
		}
		if err := s.dbg.WriteMemory(row, b); err != nil {
			return err
		}
		data := s.dbg.Memory().Data
		body.Value = hexRow(data[row:min(int(row)+memRow, len(data))])
		s.memoryChanged(row, len(b))
	} else {
		if strings.ContainsAny(a.Value, "\n\r") {
			return errors.New("setVariable: the value must be one line")
		}
		if err := s.selectFrame(ref.frame); err != nil {
			return err
		}
		out, err := s.console.captured(func() error { return s.in.Exec("set " + text + " = " + a.Value) })
		if err != nil {
			return err
		}
		s.forwardNotes(out)
		_, v, _, err := s.place(ref, a.Name)
		if err != nil {
			return err
		}
		body.Value, body.Type = formatValue(v, a.Format != nil && a.Format.Hex), v.Type.String()
		s.invalidate()
	}
	s.send(&godap.SetVariableResponse{Response: response(&r.Request), Body: body})
	return nil
}

// forwardNotes shows the console the notes a command printed in
// parentheses, such as "(the recorded future after counter N is
// discarded)".
func (s *session) forwardNotes(out string) {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "(") {
			s.output("console", l+"\n")
		}
	}
}

// parseHexBytes reads "01 02 ff" or "0102ff".
func parseHexBytes(text string, max int) ([]byte, error) {
	// The row's value shows the ASCII after two spaces: drop it.
	if i := strings.Index(text, "  "); i >= 0 {
		text = text[:i]
	}
	t := strings.ReplaceAll(strings.TrimSpace(text), " ", "")
	if t == "" || len(t)%2 != 0 {
		return nil, fmt.Errorf("%q: want hex bytes such as \"01 02 ff\"", text)
	}
	b := make([]byte, len(t)/2)
	for i := range b {
		v, err := strconv.ParseUint(t[2*i:2*i+2], 16, 8)
		if err != nil {
			return nil, fmt.Errorf("%q: want hex bytes such as \"01 02 ff\"", text)
		}
		b[i] = byte(v)
	}
	if len(b) > max {
		return nil, fmt.Errorf("%d bytes given, a row holds %d", len(b), max)
	}
	return b, nil
}

// invalidate tells the client that the values it shows changed without a
// move (a set, a console command).
func (s *session) invalidate() {
	if s.client.invalidatedEvent {
		s.send(&godap.InvalidatedEvent{Event: event("invalidated"), Body: godap.InvalidatedEventBody{Areas: []godap.InvalidatedAreas{"variables"}, ThreadId: threadID}})
	}
}

func (s *session) memoryChanged(addr uint32, n int) {
	if s.client.memoryEvent {
		s.send(&godap.MemoryEvent{Event: event("memory"), Body: godap.MemoryEventBody{MemoryReference: address(addr), Count: n}})
	}
	s.invalidate()
}

// selectFrame makes frame i the console's selected frame (quietly).
func (s *session) selectFrame(i int) error {
	if s.in.Frame() == i {
		return nil
	}
	_, err := s.console.captured(func() error { return s.in.Exec("frame " + strconv.Itoa(i)) })
	return err
}

// Evaluate.

func (s *session) onEvaluate(r *godap.EvaluateRequest) error {
	a := r.Arguments
	if strings.ContainsAny(a.Expression, "\n\r") {
		return errors.New("evaluate: one line at a time")
	}
	if a.FrameId != 0 {
		i, err := s.frameIndex(a.FrameId)
		if err != nil {
			return err
		}
		if err := s.selectFrame(i); err != nil {
			return err
		}
	}
	if a.Context == "repl" {
		return s.consoleCommand(r)
	}
	cmd := "print "
	if a.Format != nil && a.Format.Hex {
		cmd = "print/x "
	}
	out, err := s.console.captured(func() error { return s.in.Exec(cmd + a.Expression) })
	if err != nil {
		return err
	}
	result := strings.TrimSpace(out)
	body := godap.EvaluateResponseBody{Result: result}
	// A C variable prints as NAME = VALUE (TYPE).
	if v, ok := strings.CutPrefix(result, strings.TrimSpace(a.Expression)+" = "); ok && strings.HasSuffix(v, ")") {
		if i := strings.LastIndex(v, " ("); i > 0 {
			body.Result, body.Type = v[:i], v[i+2:len(v)-1]
		}
	}
	// print writes TYPE:VALUE.
	if t, v, ok := strings.Cut(result, ":"); ok && isTypeName(t) {
		body.Type, body.Result = t, v
		if t == "i32" || t == "u32" {
			if n, err := strconv.ParseInt(v, 0, 64); err == nil && n >= 0 && n <= math.MaxUint32 {
				body.MemoryReference = s.pointer(snapshot.Value{Type: wasm.I32, Lo: uint64(n)})
			}
		}
	}
	// A struct or array opens in the Watch view and the hover.
	if sv, ok, err := s.in.SourceExpr(a.Expression); ok && err == nil {
		if b, err := sv.Bytes(); err == nil {
			if n := len(debuginfo.Members(sv.Type, b)); n > 0 {
				body.VariablesReference = s.vars.ref(varRef{kind: varSource, frame: s.in.Frame(), expr: a.Expression})
				body.NamedVariables = n
			}
		}
	}
	s.send(&godap.EvaluateResponse{Response: response(&r.Request), Body: body})
	return nil
}

func isTypeName(t string) bool {
	switch t {
	case "int", "i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64", "f32", "f64":
		return true
	}
	return false
}

// commandName resolves the command word of a console line as the
// interpreter does: a name, an alias, or a unique prefix of a name.
func commandName(line string) string {
	word, _, _ := strings.Cut(strings.TrimSpace(line), " ")
	word, _, _ = strings.Cut(word, "/")
	var prefixed []string
	for _, c := range debugger.Commands() {
		if c.Name == word {
			return c.Name
		}
		for _, a := range c.Aliases {
			if a == word {
				return c.Name
			}
		}
		if strings.HasPrefix(c.Name, word) {
			prefixed = append(prefixed, c.Name)
		}
	}
	if len(prefixed) == 1 {
		return prefixed[0]
	}
	return ""
}

func (s *session) consoleCommand(r *godap.EvaluateRequest) error {
	line := r.Arguments.Expression
	name := commandName(line)
	if strings.TrimSpace(line) == "" || moves(name) {
		if !s.configured {
			return fmt.Errorf("%s before configurationDone", strings.TrimSpace(line))
		}
		s.send(&godap.ContinuedEvent{Event: event("continued"), Body: godap.ContinuedEventBody{ThreadId: threadID, AllThreadsContinued: true}})
		s.startMove(move{name: name, repl: r, console: func() (string, error) {
			return s.console.captured(func() error { return s.in.Exec(line) })
		}})
		return nil
	}
	before := s.dbg.Counter()
	out, err := s.console.captured(func() error { return s.in.Exec(line) })
	s.answerEvaluate(r, out, err)
	if errors.Is(err, debugger.ErrQuit) {
		s.stopMove()
		s.terminated = true
		s.send(&godap.TerminatedEvent{Event: event("terminated")})
		return nil
	}
	switch {
	case s.dbg.Counter() != before:
		// checkpoint load moves the present.
		s.vars.reset()
		s.reportStop(s.dbg.State(), nil)
	case name != "help" && name != "breakpoints" && name != "info" && name != "engines":
		s.invalidate()
	}
	return nil
}

// answerEvaluate answers a console command with its output.
func (s *session) answerEvaluate(r *godap.EvaluateRequest, out string, err error) {
	out = strings.TrimRight(out, "\n")
	if err != nil && !errors.Is(err, debugger.ErrQuit) {
		if out != "" {
			out += "\n"
		}
		s.sendError(&r.Request, out+err.Error())
		return
	}
	s.send(&godap.EvaluateResponse{Response: response(&r.Request), Body: godap.EvaluateResponseBody{Result: out}})
}

func (s *session) onCompletions(r *godap.CompletionsRequest) error {
	a := r.Arguments
	col := a.Column
	if s.client.columnsStartAt1 {
		col--
	}
	if col < 0 || col > len(a.Text) {
		return fmt.Errorf("completions: column %d is outside the text (%d characters)", a.Column, len(a.Text))
	}
	prefix := a.Text[:col]
	items := []godap.CompletionItem{}
	for _, c := range s.in.Complete(prefix) {
		label := strings.TrimSpace(c)
		if i := strings.LastIndexAny(label, " (["); i >= 0 {
			label = label[i+1:]
		}
		items = append(items, godap.CompletionItem{Label: label, Text: c, Start: s.column(), Length: len(prefix)})
	}
	s.send(&godap.CompletionsResponse{Response: response(&r.Request), Body: godap.CompletionsResponseBody{Targets: items}})
	return nil
}

func (s *session) onExceptionInfo(r *godap.ExceptionInfoRequest) error {
	st := s.dbg.State()
	if st.Reason != debugger.Trapped || st.Trap == nil {
		return fmt.Errorf("exceptionInfo: the program is not stopped at a trap (it stopped: %v)", st.Reason)
	}
	bt, _ := s.console.captured(func() error { return s.in.Exec("backtrace") })
	s.send(&godap.ExceptionInfoResponse{Response: response(&r.Request), Body: godap.ExceptionInfoResponseBody{
		ExceptionId: "trap", Description: st.Trap.Msg, BreakMode: "always",
		Details: &godap.ExceptionDetails{Message: s.in.StopLine(st), TypeName: "trap", StackTrace: bt}}})
	return nil
}

// moves says whether the console command name moves the program: it runs
// on the move goroutine, so that pause works.
func moves(name string) bool {
	for _, c := range debugger.Commands() {
		if c.Name == name {
			return c.Moves()
		}
	}
	return false
}
