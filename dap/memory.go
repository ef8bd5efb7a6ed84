package dap

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	godap "github.com/google/go-dap"

	"github.com/wdb-dev/wdb/debugger"
)

// Linear memory: readMemory and writeMemory address memory 0 by its byte
// addresses (a memoryReference is an address, "0x1000"); data breakpoints
// are watchpoints on memory or on a global.

// maxRead bounds one readMemory answer; the client asks again for more.
const maxRead = 1 << 20

// memoryAddress reads a memory reference plus an offset.
func (s *session) memoryAddress(ref string, offset int) (uint32, []byte, error) {
	m := s.dbg.Memory()
	if m == nil {
		return 0, nil, errors.New("the module has no memory")
	}
	a, err := parseReference(ref, offset)
	if err != nil {
		return 0, nil, err
	}
	return a, m.Data, nil
}

func (s *session) onReadMemory(r *godap.ReadMemoryRequest) error {
	a := r.Arguments
	addr, data, err := s.memoryAddress(a.MemoryReference, a.Offset)
	if err != nil {
		return fmt.Errorf("readMemory: %v", err)
	}
	if a.Count < 0 {
		return fmt.Errorf("readMemory: count %d is negative", a.Count)
	}
	count := min(a.Count, maxRead)
	body := godap.ReadMemoryResponseBody{Address: address(addr)}
	if uint64(addr) >= uint64(len(data)) {
		body.UnreadableBytes = count
	} else {
		end := min(uint64(addr)+uint64(count), uint64(len(data)))
		body.Data = base64.StdEncoding.EncodeToString(data[addr:end])
		body.UnreadableBytes = count - int(end-uint64(addr))
	}
	s.send(&godap.ReadMemoryResponse{Response: response(&r.Request), Body: body})
	return nil
}

func (s *session) onWriteMemory(r *godap.WriteMemoryRequest) error {
	a := r.Arguments
	addr, data, err := s.memoryAddress(a.MemoryReference, a.Offset)
	if err != nil {
		return fmt.Errorf("writeMemory: %v", err)
	}
	b, err := base64.StdEncoding.DecodeString(a.Data)
	if err != nil {
		return fmt.Errorf("writeMemory: data is not base64: %v", err)
	}
	if end := uint64(addr) + uint64(len(b)); end > uint64(len(data)) {
		if !a.AllowPartial || uint64(addr) >= uint64(len(data)) {
			return fmt.Errorf("writeMemory: %d bytes at 0x%x go past the end of memory (0x%x bytes)", len(b), addr, len(data))
		}
		b = b[:uint64(len(data))-uint64(addr)]
	}
	if len(b) > 0 {
		if err := s.dbg.WriteMemory(addr, b); err != nil {
			return fmt.Errorf("writeMemory: %v", err)
		}
		s.memoryChanged(addr, len(b))
	}
	s.send(&godap.WriteMemoryResponse{Response: response(&r.Request), Body: godap.WriteMemoryResponseBody{BytesWritten: len(b)}})
	return nil
}

// Data breakpoints. A dataId is "global:N" or "mem:ADDR:LEN".

func (s *session) onDataBreakpointInfo(r *godap.DataBreakpointInfoRequest) error {
	a := r.Arguments
	var id, desc string
	var err error
	if a.VariablesReference != 0 {
		id, desc, err = s.dataOfVariable(a.VariablesReference, a.Name)
	} else {
		if a.FrameId != 0 {
			i, ferr := s.frameIndex(a.FrameId)
			if ferr != nil {
				return ferr
			}
			if err := s.selectFrame(i); err != nil {
				return err
			}
		}
		id, desc, err = s.dataOfExpression(a.Name)
	}
	body := godap.DataBreakpointInfoResponseBody{Description: desc}
	if err != nil {
		body.Description = err.Error() // dataId null: cannot be watched
	} else {
		body.DataId, body.AccessTypes = id, []godap.DataBreakpointAccessType{"write"}
	}
	s.send(&godap.DataBreakpointInfoResponse{Response: response(&r.Request), Body: body})
	return nil
}

var errNotWatchable = errors.New("only memory and globals can be watched (locals and operand stack slots cannot)")

func (s *session) dataOfVariable(ref int, name string) (string, string, error) {
	v, err := s.vars.get(ref)
	if err != nil {
		return "", "", err
	}
	switch v.kind {
	case varGlobals, varMemoryRows:
		text, _, row, err := s.place(v, name)
		if err != nil {
			return "", "", err
		}
		if v.kind == varMemoryRows {
			n := min(memRow, len(s.dbg.Memory().Data)-int(row))
			return memDataID(row, uint32(n)), fmt.Sprintf("mem[0x%x..0x%x]", row, int(row)+n), nil
		}
		return "global:" + strings.TrimPrefix(text, "global "), text, nil
	case varMemory:
		if sp, ok := s.dbg.Module().StackPointer(); ok && name == "$sp" {
			return fmt.Sprintf("global:%d", sp), fmt.Sprintf("global %d ($sp)", sp), nil
		}
	case varSource:
		if err := s.selectFrame(v.frame); err != nil {
			return "", "", err
		}
		return s.dataOfC(sourceExpr(v.path, name))
	}
	return "", "", errNotWatchable
}

// dataOfC describes a watch of a C object (a variable, field, element or
// pointer target): "EXPR=mem:ADDR:LEN" or "EXPR=global:N".
func (s *session) dataOfC(expr string) (string, string, error) {
	w, err := s.in.WatchpointOf(expr)
	if err != nil {
		return "", "", err
	}
	raw := fmt.Sprintf("global:%d", w.Global)
	desc := fmt.Sprintf("%s (global %d)", expr, w.Global)
	if w.Kind == debugger.WatchMemory {
		raw = memDataID(w.Addr, w.Len)
		desc = fmt.Sprintf("%s (mem[0x%x..0x%x])", expr, w.Addr, uint64(w.Addr)+uint64(w.Len))
	}
	id := expr + "=" + raw
	s.bps.cData[id] = w
	return id, desc, nil
}

func memDataID(addr, n uint32) string { return fmt.Sprintf("mem:%d:%d", addr, n) }

// memSizes are the sizes of the typed memory accesses of expressions.
var memSizes = map[string]uint32{"i8": 1, "u8": 1, "i16": 2, "u16": 2, "i32": 4, "u32": 4, "f32": 4, "i64": 8, "u64": 8, "f64": 8}

// dataOfExpression reads what an expression watches: "global N", "gN",
// "$NAME" of a global, "$sp", "[TYPE] mem[ADDR]" or "mem[A..B]" (ADDR, A
// and B are expressions, evaluated now).
func (s *session) dataOfExpression(text string) (string, string, error) {
	t := strings.TrimSpace(text)
	m := s.dbg.Module()
	if sp, ok := m.StackPointer(); ok && t == "$sp" {
		return fmt.Sprintf("global:%d", sp), fmt.Sprintf("global %d ($sp)", sp), nil
	}
	if name, ok := strings.CutPrefix(t, "$"); ok {
		for i, n := range m.GlobalNames {
			if n == name {
				return fmt.Sprintf("global:%d", i), fmt.Sprintf("global %d ($%s)", i, n), nil
			}
		}
	}
	if n, ok := strings.CutPrefix(t, "global "); ok {
		t = "g" + strings.TrimSpace(n)
	}
	if n, ok := strings.CutPrefix(t, "g"); ok {
		if i, err := strconv.ParseUint(n, 10, 32); err == nil {
			if int(i) >= len(s.dbg.Module().Globals) {
				return "", "", fmt.Errorf("no global %d (the module has %d)", i, len(s.dbg.Module().Globals))
			}
			return fmt.Sprintf("global:%d", i), "global " + n, nil
		}
	}
	size := uint32(4)
	if typ, rest, ok := strings.Cut(t, " "); ok && memSizes[typ] != 0 {
		size, t = memSizes[typ], strings.TrimSpace(rest)
	}
	inner, ok := strings.CutPrefix(t, "mem[")
	if !ok || !strings.HasSuffix(inner, "]") {
		// A C variable, field, element or pointer target (hover, Watch).
		if id, desc, err := s.dataOfC(t); err == nil {
			return id, desc, nil
		}
		return "", "", errNotWatchable
	}
	inner = strings.TrimSuffix(inner, "]")
	from, to, isRange := strings.Cut(inner, "..")
	start, err := s.evalAddress(from)
	if err != nil {
		return "", "", err
	}
	if isRange {
		end, err := s.evalAddress(to)
		if err != nil {
			return "", "", err
		}
		if end <= start {
			return "", "", fmt.Errorf("mem[%s]: empty range", inner)
		}
		size = end - start
	}
	return memDataID(start, size), fmt.Sprintf("mem[0x%x..0x%x]", start, uint64(start)+uint64(size)), nil
}

// evalAddress evaluates an address expression in the selected frame.
func (s *session) evalAddress(expr string) (uint32, error) {
	out, err := s.console.captured(func() error { return s.in.Exec("print/x " + expr) })
	if err != nil {
		return 0, err
	}
	_, v, _ := strings.Cut(strings.TrimSpace(out), ":")
	a, err := strconv.ParseUint(v, 0, 32)
	if err != nil {
		return 0, fmt.Errorf("%s is not an address (%s)", expr, strings.TrimSpace(out))
	}
	return uint32(a), nil
}

// watchpoint reads a dataId.
func (s *session) watchpoint(id string) (debugger.Watchpoint, error) {
	if w, ok := s.bps.cData[id]; ok {
		return w, nil
	}
	expr, raw := "", id
	if i := strings.LastIndex(id, "="); i >= 0 {
		expr, raw = id[:i], id[i+1:]
	}
	w, err := rawWatchpoint(raw, len(s.dbg.Module().Globals))
	if err != nil {
		return w, fmt.Errorf("bad dataId %q (from dataBreakpointInfo: [EXPR=]global:N or [EXPR=]mem:ADDR:LEN)", id)
	}
	w.Expr = expr
	return w, nil
}

// rawWatchpoint reads global:N (of the module's globals) or mem:ADDR:LEN.
func rawWatchpoint(id string, globals int) (debugger.Watchpoint, error) {
	parts := strings.Split(id, ":")
	switch {
	case len(parts) == 2 && parts[0] == "global":
		g, err := strconv.ParseUint(parts[1], 10, 32)
		if err == nil && int(g) < globals {
			return debugger.Watchpoint{Kind: debugger.WatchGlobal, Global: uint32(g)}, nil
		}
	case len(parts) == 3 && parts[0] == "mem":
		a, err1 := strconv.ParseUint(parts[1], 10, 32)
		n, err2 := strconv.ParseUint(parts[2], 10, 32)
		if err1 == nil && err2 == nil && n > 0 {
			return debugger.Watchpoint{Kind: debugger.WatchMemory, Addr: uint32(a), Len: uint32(n)}, nil
		}
	}
	return debugger.Watchpoint{}, errors.New("bad dataId")
}

func (s *session) onSetDataBreakpoints(r *godap.SetDataBreakpointsRequest) error {
	for _, w := range s.bps.data {
		s.dbg.Delete(w.ID) // (an error: deleted in the console already)
	}
	s.bps.data = nil
	out := []godap.Breakpoint{}
	for _, b := range r.Arguments.Breakpoints {
		w, err := s.watchpoint(b.DataId)
		switch {
		case err != nil:
		case b.AccessType != "" && b.AccessType != "write":
			err = fmt.Errorf("access type %q: wdb stops where the value changes (write)", b.AccessType)
		case b.HitCondition != "":
			err = errors.New("data breakpoints take no hit count in wdb (a condition, yes)")
		default:
			err = s.in.WatchCondition(&w, b.Condition)
		}
		if err != nil {
			out = append(out, godap.Breakpoint{Verified: false, Message: err.Error()})
			continue
		}
		wp, err := s.dbg.AddWatchpoint(w)
		if err != nil {
			out = append(out, godap.Breakpoint{Verified: false, Message: err.Error()})
			continue
		}
		s.bps.data = append(s.bps.data, wp)
		out = append(out, godap.Breakpoint{Id: wp.ID, Verified: true})
	}
	s.send(&godap.SetDataBreakpointsResponse{Response: response(&r.Request), Body: godap.SetDataBreakpointsResponseBody{Breakpoints: out}})
	return nil
}
