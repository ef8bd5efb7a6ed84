package dap

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	godap "github.com/google/go-dap"

	"github.com/wdb-dev/wdb/debugger"
	"github.com/wdb-dev/wdb/wasm"
)

// The code as the editor sees it: each function's WebAssembly text is a
// source (sourceReference: the function index plus one), one line per
// instruction after the header, so that a line is an instruction and an
// instruction is a line. The disassembly view uses the same instructions,
// addressed by their file offsets.

// codeIndex holds the listings and every instruction of the module.
type codeIndex struct {
	mod     *wasm.Module
	program string
	lists   map[uint32]*debugger.Listing
	// instrs are every instruction of the module's functions, by offset.
	instrs []instrRef
}

type instrRef struct {
	fn uint32
	i  int
}

func newCodeIndex(mod *wasm.Module, program string) *codeIndex {
	c := &codeIndex{mod: mod, program: program, lists: map[uint32]*debugger.Listing{}}
	for _, f := range mod.Funcs[mod.NumImportedFuncs:] {
		for i := range f.Instrs {
			c.instrs = append(c.instrs, instrRef{f.Index, i})
		}
	}
	// Bodies follow each other in the code section, in index order.
	sort.SliceStable(c.instrs, func(a, b int) bool { return c.offset(a) < c.offset(b) })
	return c
}

func (c *codeIndex) offset(k int) uint32 {
	r := c.instrs[k]
	return c.mod.Funcs[r.fn].Instrs[r.i].Offset
}

// listing returns function fn's listing (nil for imports and bad indices).
func (c *codeIndex) listing(fn uint32) *debugger.Listing {
	if l, ok := c.lists[fn]; ok {
		return l
	}
	l, err := debugger.FuncListing(c.mod, fn)
	if err != nil {
		l = nil
	}
	c.lists[fn] = l
	return l
}

// source describes function fn's text. Its path is not a file: it names
// the function, PROGRAM.wat/N/NAME.wat, so that a client that keeps
// breakpoints by path (across sessions) can give them back, and an
// editor tab is titled NAME.wat.
func (c *codeIndex) source(fn uint32) *godap.Source {
	name := c.mod.Funcs[fn].DisplayName()
	return &godap.Source{
		Name:            name + ".wat",
		Path:            filepath.Join(c.program+".wat", strconv.Itoa(int(fn)), safeFileName(name)+".wat"),
		SourceReference: int(fn) + 1,
		Origin:          "WebAssembly text of function " + strconv.Itoa(int(fn)),
	}
}

func safeFileName(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 || r == ':' {
			return '_'
		}
		return r
	}, name)
}

// isFile says whether src is a file of the program's own sources (C,
// Rust...), not a function's text: it has a path that is not one of
// those source gives the functions' text.
func (c *codeIndex) isFile(src godap.Source) bool {
	if src.SourceReference > 0 || src.Path == "" {
		return false
	}
	rel, err := filepath.Rel(c.program+".wat", src.Path)
	return err != nil || rel == ".." || strings.HasPrefix(rel, "../")
}

// funcOfSource finds the function a source stands for: by its
// sourceReference, else by the path source gave it.
func (c *codeIndex) funcOfSource(src godap.Source) (uint32, error) {
	fn := -1
	if src.SourceReference > 0 {
		fn = src.SourceReference - 1
	} else if rel, err := filepath.Rel(c.program+".wat", src.Path); err == nil && src.Path != "" {
		// N/NAME.wat; N-NAME.wat from earlier versions.
		n, _, _ := strings.Cut(filepath.ToSlash(rel), "/")
		n, _, _ = strings.Cut(n, "-")
		if v, err := strconv.Atoi(n); err == nil {
			fn = v
		}
	}
	if fn < int(c.mod.NumImportedFuncs) || fn >= len(c.mod.Funcs) {
		return 0, fmt.Errorf("no source %q (reference %d): sources are the functions' text, references %d to %d",
			src.Name+src.Path, src.SourceReference, c.mod.NumImportedFuncs+1, len(c.mod.Funcs))
	}
	return uint32(fn), nil
}

// position is the source and 1-based line of the instruction at off in fn.
func (c *codeIndex) position(fn, off uint32) (*godap.Source, int, bool) {
	l := c.listing(fn)
	if l == nil {
		return nil, 0, false
	}
	line, ok := l.Line(off)
	if !ok {
		return nil, 0, false
	}
	return c.source(fn), line, true
}

func (s *session) onSource(r *godap.SourceRequest) error {
	src := godap.Source{SourceReference: r.Arguments.SourceReference}
	if r.Arguments.Source != nil {
		src = *r.Arguments.Source
		if src.SourceReference == 0 {
			src.SourceReference = r.Arguments.SourceReference
		}
	}
	fn, err := s.code.funcOfSource(src)
	if err != nil {
		return err
	}
	s.send(&godap.SourceResponse{Response: response(&r.Request), Body: godap.SourceResponseBody{
		Content: s.code.listing(fn).Source(), MimeType: "text/x-wat"}})
	return nil
}

func (s *session) onLoadedSources(r *godap.LoadedSourcesRequest) error {
	m := s.code.mod
	srcs := []godap.Source{}
	for fn := m.NumImportedFuncs; int(fn) < len(m.Funcs); fn++ {
		srcs = append(srcs, *s.code.source(fn))
	}
	s.send(&godap.LoadedSourcesResponse{Response: response(&r.Request), Body: godap.LoadedSourcesResponseBody{Sources: srcs}})
	return nil
}

// onBreakpointLocations: every line is an instruction, so every line in
// the range is a place to stop.
func (s *session) onBreakpointLocations(r *godap.BreakpointLocationsRequest) error {
	a := r.Arguments
	if s.code.isFile(a.Source) {
		return s.fileBreakpointLocations(r)
	}
	fn, err := s.code.funcOfSource(a.Source)
	if err != nil {
		return err
	}
	l := s.code.listing(fn)
	first, last := s.line1(a.Line), s.line1(a.EndLine)
	if a.EndLine == 0 {
		last = first
	}
	locs := []godap.BreakpointLocation{}
	for line := max(first, len(l.Header)+1); line <= last && line <= len(l.Header)+len(l.Lines); line++ {
		locs = append(locs, godap.BreakpointLocation{Line: s.line(line)})
	}
	s.send(&godap.BreakpointLocationsResponse{Response: response(&r.Request), Body: godap.BreakpointLocationsResponseBody{Breakpoints: locs}})
	return nil
}

// line1 converts a client line to a 1-based line.
func (s *session) line1(l int) int {
	if s.client.linesStartAt1 {
		return l
	}
	return l + 1
}

// Breakpoints. Every kind is set as the console's break command sets
// them (Interpreter.Break), so that conditions, hit counts and log
// messages mean what they mean there.

type bpKind int

const (
	sourceBP bpKind = iota
	functionBP
	instructionBP
)

// placed is a breakpoint set for the client, with the request that made
// it (an unchanged request keeps it, and its hit count). A source line
// that begins at several places is several breakpoints of the debugger,
// one of the client: the first one's ID.
type placed struct {
	key string
	bps []*debugger.Breakpoint
}

// breakpointSet holds the client's breakpoints: each setBreakpoints
// request replaces those of one source, the other requests those of a kind.
type breakpointSet struct {
	source      map[uint32][]placed // by function (its text)
	files       map[string][]placed // by the path of a source file
	function    []placed
	instruction []placed
	data        []*debugger.Watchpoint
	// cData are the watchpoints dataBreakpointInfo described for C
	// objects, by dataId: setDataBreakpoints keeps their C expression and
	// type (for the change's output).
	cData map[string]debugger.Watchpoint
	kinds map[int]bpKind
	// clientID maps each debugger breakpoint ID to the client's.
	clientID map[int]int
}

func newBreakpointSet() *breakpointSet {
	return &breakpointSet{source: map[uint32][]placed{}, files: map[string][]placed{}, cData: map[string]debugger.Watchpoint{},
		kinds: map[int]bpKind{}, clientID: map[int]int{}}
}

// id is the client's ID of debugger breakpoint id.
func (b *breakpointSet) id(id int) int {
	if c, ok := b.clientID[id]; ok {
		return c
	}
	return id
}

// reason is the stopped event's reason for hitting breakpoint id.
func (b *breakpointSet) reason(id int) string {
	switch b.kinds[id] {
	case functionBP:
		return "function breakpoint"
	case instructionBP:
		return "instruction breakpoint"
	}
	return "breakpoint"
}

// breakRequest is one breakpoint asked for: where, and the options.
type breakRequest struct {
	loc                         string // as break reads it
	condition, hits, logMessage string
}

func (q breakRequest) key() string {
	return strings.Join([]string{q.loc, q.condition, q.hits, q.logMessage}, "\x00")
}

// replace sets the breakpoints asked for in place of old, keeping those
// asked for again unchanged. It returns the new list and, for each
// request, the breakpoint or the error.
func (s *session) replace(old []placed, qs []breakRequest, kind bpKind) ([]placed, []*debugger.Breakpoint, []error) {
	keep := map[string]placed{}
	for _, p := range old {
		keep[p.key] = p
	}
	var out []placed
	bps := make([]*debugger.Breakpoint, len(qs))
	errs := make([]error, len(qs))
	for i, q := range qs {
		k := q.key()
		if p, ok := keep[k]; ok && s.exists(p.bps) {
			delete(keep, k)
			out, bps[i] = append(out, p), p.bps[0]
			continue
		}
		group, err := s.in.Break(debugger.BreakSpec{Location: q.loc, Condition: q.condition, HitCondition: q.hits, LogMessage: q.logMessage})
		if err != nil {
			s.deleteAll(group) // (the places set before the error)
			errs[i] = err
			continue
		}
		for _, bp := range group {
			s.bps.kinds[bp.ID], s.bps.clientID[bp.ID] = kind, group[0].ID
		}
		out, bps[i] = append(out, placed{k, group}), group[0]
	}
	for _, p := range keep {
		s.deleteAll(p.bps)
	}
	return out, bps, errs
}

// deleteAll deletes breakpoints of the debugger.
func (s *session) deleteAll(bps []*debugger.Breakpoint) {
	for _, bp := range bps {
		s.dbg.Delete(bp.ID) // (an error: deleted in the console already)
		delete(s.bps.kinds, bp.ID)
		delete(s.bps.clientID, bp.ID)
	}
}

// exists reports whether bps are all still set (the console may delete
// them).
func (s *session) exists(bps []*debugger.Breakpoint) bool {
	set := s.dbg.Breakpoints()
	for _, bp := range bps {
		if !slices.Contains(set, bp) {
			return false
		}
	}
	return true
}

// dapBreakpoint describes a breakpoint for the client, in its function's
// text.
func (s *session) dapBreakpoint(bp *debugger.Breakpoint, err error) godap.Breakpoint {
	if err != nil {
		return godap.Breakpoint{Verified: false, Message: err.Error()}
	}
	b := godap.Breakpoint{Id: bp.ID, Verified: true, InstructionReference: address(bp.Offset)}
	if src, line, ok := s.code.position(bp.Func, bp.Offset); ok {
		b.Source, b.Line = src, s.line(line)
	}
	return b
}

// sourceBreakpoints are the breakpoints of a setBreakpoints request.
func sourceBreakpoints(a godap.SetBreakpointsArguments) []godap.SourceBreakpoint {
	sbs := a.Breakpoints
	if sbs == nil {
		for _, line := range a.Lines { // the deprecated form
			sbs = append(sbs, godap.SourceBreakpoint{Line: line})
		}
	}
	return sbs
}

func (s *session) onSetBreakpoints(r *godap.SetBreakpointsRequest) error {
	a := r.Arguments
	if s.code.isFile(a.Source) {
		return s.setFileBreakpoints(r)
	}
	fn, err := s.code.funcOfSource(a.Source)
	if err != nil {
		return err
	}
	l := s.code.listing(fn)
	sbs := sourceBreakpoints(a)
	qs := make([]breakRequest, len(sbs))
	lineErrs := make([]error, len(sbs))
	for i, b := range sbs {
		off, ok := l.Offset(s.line1(b.Line))
		if !ok {
			lineErrs[i] = fmt.Errorf("line %d is past the end of %s (%d lines)", b.Line, a.Source.Name, len(l.Header)+len(l.Lines))
			continue
		}
		qs[i] = breakRequest{loc: address(off), condition: b.Condition, hits: b.HitCondition, logMessage: b.LogMessage}
	}
	var out []godap.Breakpoint
	s.bps.source[fn], out = s.setAll(s.bps.source[fn], qs, lineErrs, sourceBP)
	s.send(&godap.SetBreakpointsResponse{Response: response(&r.Request), Body: godap.SetBreakpointsResponseBody{Breakpoints: out}})
	return nil
}

func (s *session) onSetFunctionBreakpoints(r *godap.SetFunctionBreakpointsRequest) error {
	fbs := r.Arguments.Breakpoints
	qs := make([]breakRequest, len(fbs))
	for i, b := range fbs {
		qs[i] = breakRequest{loc: strings.TrimSpace(b.Name), condition: b.Condition, hits: b.HitCondition}
		if qs[i].loc == "" || strings.Contains(qs[i].loc, " ") {
			qs[i].loc = strconv.Quote(b.Name) // refused by the location parser, with the name in the error
		}
	}
	var out []godap.Breakpoint
	s.bps.function, out = s.setAll(s.bps.function, qs, nil, functionBP)
	s.send(&godap.SetFunctionBreakpointsResponse{Response: response(&r.Request), Body: godap.SetFunctionBreakpointsResponseBody{Breakpoints: out}})
	return nil
}

func (s *session) onSetInstructionBreakpoints(r *godap.SetInstructionBreakpointsRequest) error {
	ibs := r.Arguments.Breakpoints
	qs := make([]breakRequest, len(ibs))
	refErrs := make([]error, len(ibs))
	for i, b := range ibs {
		a, err := parseReference(b.InstructionReference, b.Offset)
		if err != nil {
			refErrs[i] = err
		}
		qs[i] = breakRequest{loc: address(a), condition: b.Condition, hits: b.HitCondition}
	}
	var out []godap.Breakpoint
	s.bps.instruction, out = s.setAll(s.bps.instruction, qs, refErrs, instructionBP)
	s.send(&godap.SetInstructionBreakpointsResponse{Response: response(&r.Request), Body: godap.SetInstructionBreakpointsResponseBody{Breakpoints: out}})
	return nil
}

// setAll sets the breakpoints qs in place of old, except those whose
// request was refused already (refused[i] != nil), and describes them all
// for the client, in order.
func (s *session) setAll(old []placed, qs []breakRequest, refused []error, kind bpKind) ([]placed, []godap.Breakpoint) {
	var valid []breakRequest
	for i, q := range qs {
		if refused == nil || refused[i] == nil {
			valid = append(valid, q)
		}
	}
	now, bps, errs := s.replace(old, valid, kind)
	out := make([]godap.Breakpoint, len(qs))
	for i, k := 0, 0; i < len(qs); i++ {
		if refused != nil && refused[i] != nil {
			out[i] = s.dapBreakpoint(nil, refused[i])
			continue
		}
		out[i] = s.dapBreakpoint(bps[k], errs[k])
		k++
	}
	return now, out
}

// parseReference reads an instruction or memory reference ("0x1a2", or
// decimal) plus a byte offset.
func parseReference(ref string, offset int) (uint32, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(ref), 0, 32)
	if err != nil {
		return 0, fmt.Errorf("bad reference %q: want an address such as 0x1a2", ref)
	}
	a := int64(v) + int64(offset)
	if a < 0 || a > 1<<32-1 {
		return 0, fmt.Errorf("reference %s%+d is outside the 32-bit address space", ref, offset)
	}
	return uint32(a), nil
}

func (s *session) onSetExceptionBreakpoints(r *godap.SetExceptionBreakpointsRequest) error {
	// Traps always stop the program: there are no filters to choose.
	if len(r.Arguments.Filters) > 0 {
		return fmt.Errorf("setExceptionBreakpoints: no filter %q (traps always stop the program)", r.Arguments.Filters[0])
	}
	s.send(&godap.SetExceptionBreakpointsResponse{Response: response(&r.Request)})
	return nil
}

// Disassembly.

func (s *session) onDisassemble(r *godap.DisassembleRequest) error {
	a := r.Arguments
	base, err := parseReference(a.MemoryReference, a.Offset)
	if err != nil {
		return fmt.Errorf("disassemble: %v", err)
	}
	if a.InstructionCount < 0 || a.InstructionCount > 100000 {
		return fmt.Errorf("disassemble: instructionCount %d: want 0 to 100000", a.InstructionCount)
	}
	c := s.code
	if len(c.instrs) == 0 {
		return errors.New("disassemble: the module has no code")
	}
	// The instruction at base, or the first one after it.
	k := sort.Search(len(c.instrs), func(k int) bool { return c.offset(k) >= base })
	out := make([]godap.DisassembledInstruction, 0, a.InstructionCount)
	first, last := c.offset(0), c.offset(len(c.instrs)-1)
	for n := 0; n < a.InstructionCount; n++ {
		j := k + a.InstructionOffset + n
		if j < 0 || j >= len(c.instrs) {
			// Outside the code: placeholders, at distinct addresses.
			addr := int64(first) + int64(j)
			if j >= len(c.instrs) {
				addr = int64(last) + int64(j-len(c.instrs)+1)
			}
			out = append(out, godap.DisassembledInstruction{Address: fmt.Sprintf("0x%x", max(addr, 0)), Instruction: "(no code)"})
			continue
		}
		out = append(out, s.disassembled(c.instrs[j]))
	}
	s.send(&godap.DisassembleResponse{Response: response(&r.Request), Body: godap.DisassembleResponseBody{Instructions: out}})
	return nil
}

func (s *session) disassembled(r instrRef) godap.DisassembledInstruction {
	c := s.code
	f := c.mod.Funcs[r.fn]
	off := f.Instrs[r.i].Offset
	end := f.BodyEnd
	if r.i+1 < len(f.Instrs) {
		end = f.Instrs[r.i+1].Offset
	}
	d := godap.DisassembledInstruction{Address: address(off), Instruction: debugger.InstrText(c.mod, r.fn, r.i),
		InstructionBytes: hexBytes(c.mod.Bytes[off:end])}
	// The client shows a label where the symbol changes: the function.
	d.Symbol = f.DisplayName()
	if src, line, ok := c.position(r.fn, off); ok {
		// Without the path: VS Code's Disassembly view reads a location
		// with an absolute path as a file, not through its
		// sourceReference, and draws no instruction whose file fails.
		src.Path = ""
		d.Location, d.Line = src, s.line(line)
	}
	return d
}

func hexBytes(b []byte) string {
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = fmt.Sprintf("%02x", c)
	}
	return strings.Join(parts, " ")
}
