package debugger

import (
	"debug/dwarf"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/wdb-dev/wdb/debuginfo"
	"github.com/wdb-dev/wdb/snapshot"
)

// Source variables (docs/source-lines.md, "Source variables"): the C
// variables in scope at a frame, from the module's DWARF, read on first
// use; their values come from the frame's locals and operand stack, the
// globals and memory, through debuginfo's location expressions.

// SourceVars returns the module's variable information, read on first
// use: nil when the module has no DWARF.
func (s *Session) SourceVars() (*debuginfo.Vars, error) {
	if !s.varsRead {
		s.vars, s.varsErr = debuginfo.ReadVars(s.mod)
		s.varsRead = true
	}
	return s.vars, s.varsErr
}

// SourceVar is a source variable in scope at a frame, located there.
type SourceVar struct {
	*debuginfo.Var
	Loc debuginfo.Location
	Err error // its location could not be evaluated
	st  *frameState
}

// frameState is debuginfo.State on one frame of a present state.
type frameState struct {
	st      exprState
	f       *snapshot.Frame
	globals []snapshot.Value
}

func (fs *frameState) Local(i uint32) (uint64, error) {
	if int(i) >= len(fs.f.Locals) {
		return 0, fmt.Errorf("no local %d (the function has %d)", i, len(fs.f.Locals))
	}
	return fs.f.Locals[i].Lo, nil
}

func (fs *frameState) Global(i uint32) (uint64, error) {
	if fs.globals == nil {
		fs.globals = fs.st.Globals()
	}
	if int(i) >= len(fs.globals) {
		return 0, fmt.Errorf("no global %d (the module has %d)", i, len(fs.globals))
	}
	return fs.globals[i].Lo, nil
}

func (fs *frameState) Stack(i uint32) (uint64, error) {
	if int(i) >= len(fs.f.Stack) {
		return 0, fmt.Errorf("no stack slot %d (the operand stack holds %d)", i, len(fs.f.Stack))
	}
	return fs.f.Stack[i].Lo, nil
}

func (fs *frameState) Memory(addr, n uint32) ([]byte, error) { return readMemory(fs.st, addr, n) }

// scopeVars returns the source variables in scope at frame `frame` (0:
// the innermost) of st, located; nil when its function has none.
func scopeVars(st exprState, vars *debuginfo.Vars, frame int) ([]SourceVar, error) {
	fs, err := frameStateOf(st, frame)
	if err != nil {
		return nil, err
	}
	vs, err := vars.Scope(st.Module(), fs.f.PC)
	if err != nil {
		return nil, err
	}
	return fs.locate(vs), nil
}

// globalVars returns the globals of the compile unit of frame `frame`'s
// function, located.
func globalVars(st exprState, vars *debuginfo.Vars, frame int) ([]SourceVar, error) {
	fs, err := frameStateOf(st, frame)
	if err != nil {
		return nil, err
	}
	vs, err := vars.Globals(fs.f.PC)
	if err != nil {
		return nil, err
	}
	return fs.locate(vs), nil
}

// frameStateOf is the state of frame `frame` (0: the innermost) of st.
func frameStateOf(st exprState, frame int) (*frameState, error) {
	frames := st.Frames()
	if len(frames) == 0 {
		return nil, errors.New("the program is not running: no frame")
	}
	if frame >= len(frames) {
		return nil, fmt.Errorf("no frame %d", frame)
	}
	return &frameState{st: st, f: &frames[len(frames)-1-frame]}, nil
}

// locate evaluates the variables' locations at the frame's PC. Before
// the function's prologue has run (at its first instructions, where
// break FUNC stops), a location relative to the frame base is not the
// variable's yet: that is an error, not a wrong value.
func (fs *frameState) locate(vs []*debuginfo.Var) []SourceVar {
	out := make([]SourceVar, len(vs))
	pe, ok := fs.st.(interface {
		prologueEnd(fn uint32) (uint32, bool)
	})
	for i, v := range vs {
		out[i] = SourceVar{Var: v, st: fs}
		out[i].Loc, out[i].Err = v.Locate(fs.f.PC, fs.st.Module().CodeSectionOffset, fs)
		if out[i].Err == nil && out[i].Loc.FrameBased && ok {
			if end, has := pe.prologueEnd(fs.f.Func); has && fs.f.PC < end {
				out[i].Err = errBeforePrologue
			}
		}
	}
	return out
}

var errBeforePrologue = errors.New("not set yet: the function's prologue has not run (step-line goes past it)")

// ScopeVars returns the source variables in scope at frame `frame` (0:
// the innermost): the parameters, then the variables of the innermost
// block out to the function's own. Nil when the module has no DWARF or
// the frame's function has no variable information.
func (s *Session) ScopeVars(frame int) ([]SourceVar, error) {
	vars, err := s.SourceVars()
	if vars == nil || err != nil {
		return nil, err
	}
	return scopeVars(s, vars, frame)
}

// GlobalVars returns the static variables in scope at frame `frame` (0:
// the innermost), then the globals of its function's compile unit (C
// globals and file statics). Nil when the module has no DWARF or the
// frame's function has no variable information.
func (s *Session) GlobalVars(frame int) ([]SourceVar, error) {
	vars, err := s.SourceVars()
	if vars == nil || err != nil {
		return nil, err
	}
	scope, err := scopeVars(s, vars, frame)
	if err != nil {
		return nil, err
	}
	var out []SourceVar
	for _, v := range scope {
		if v.Static {
			out = append(out, v)
		}
	}
	gs, err := globalVars(s, vars, frame)
	return append(out, gs...), err
}

// Bytes reads the variable's value.
func (v SourceVar) Bytes() ([]byte, error) {
	if v.Err != nil {
		return nil, v.Err
	}
	if v.Loc.Kind == debuginfo.OptimisedOut {
		return nil, errOptimisedOut
	}
	n := debuginfo.Size(v.Type)
	if n == 0 {
		return nil, fmt.Errorf("%s has a type of unknown size (%s)", v.Name, debuginfo.TypeName(v.Type))
	}
	return v.Loc.Read(v.st, n)
}

// ReadMemory reads memory 0, for debuginfo.Format of the variable's members.
func (v SourceVar) ReadMemory(addr, n uint32) ([]byte, error) { return v.st.Memory(addr, n) }

var errOptimisedOut = errors.New("optimised out")

// Value formats the variable's value as C shows it ("optimised out" when
// it has no location at the frame's PC, the error when it cannot be read).
func (v SourceVar) Value() string {
	b, err := v.Bytes()
	if err == errOptimisedOut {
		return "optimised out"
	}
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return debuginfo.Format(v.Type, b, v.st.Memory)
}

// String is the line of vars: "name = value (type)".
func (v SourceVar) String() string {
	return fmt.Sprintf("%s = %s (%s)", v.Name, v.Value(), debuginfo.TypeName(v.Type))
}

// sourceVars is what an expression state offers for source variables
// (a Session does).
type sourceVars interface {
	SourceVars() (*debuginfo.Vars, error)
}

// debugInfo is the module's variable information (nil without DWARF),
// read with the variables in scope at the frame on first use.
func (ev *evaluator) debugInfo() *debuginfo.Vars {
	if !ev.srcRead {
		ev.srcRead = true
		if sv, ok := ev.st.(sourceVars); ok {
			if ev.srcInfo, _ = sv.SourceVars(); ev.srcInfo != nil {
				ev.srcVars, _ = scopeVars(ev.st, ev.srcInfo, ev.frame)
			}
		}
	}
	return ev.srcInfo
}

// sourceVar finds a source variable: in scope at the evaluator's frame
// (its statics among them), else a global of the frame's compile unit,
// else the global of another unit (an ambiguous name: a variable whose
// Err says so).
func (ev *evaluator) sourceVar(name string) (SourceVar, bool) {
	ev.debugInfo()
	for _, v := range ev.srcVars {
		if v.Name == name {
			return v, true
		}
	}
	if ev.srcInfo == nil {
		return SourceVar{}, false
	}
	fs, err := frameStateOf(ev.st, ev.frame)
	if err != nil {
		return SourceVar{}, false
	}
	g, err := ev.srcInfo.Global(fs.f.PC, name)
	switch {
	case err != nil:
		return SourceVar{Var: &debuginfo.Var{Name: name}, Err: err, st: fs}, true
	case g == nil:
		return SourceVar{}, false
	}
	v := fs.locate([]*debuginfo.Var{g})[0]
	ev.srcVars = append(ev.srcVars, v) // found at once next time
	return v, true
}

// sourceVarNode is the expression node of a scalar source variable: the
// memory, local, global or stack slot that holds it, read as its C type,
// or its value when it is computed.
func sourceVarNode(v SourceVar) (node, error) {
	if v.Err != nil {
		return nil, v.Err
	}
	name, ok := debuginfo.Scalar(v.Type)
	if !ok {
		return nil, fmt.Errorf("%s has type %s, not a number (print %s shows it)", v.Name, debuginfo.TypeName(v.Type), v.Name)
	}
	t := memTypes[name]
	switch v.Loc.Kind {
	case debuginfo.OptimisedOut:
		return nil, fmt.Errorf("%s is optimised out here", v.Name)
	case debuginfo.InMemory:
		return &memNode{t: t, addr: &numNode{value{k: kI32, unsigned: true, i: int64(v.Loc.Addr)}}}, nil
	case debuginfo.InLocal:
		return &viewNode{&localNode{v.Loc.Index}, t}, nil
	case debuginfo.InGlobal:
		return &viewNode{&globalNode{v.Loc.Index}, t}, nil
	case debuginfo.InStack:
		return &viewNode{&stackNode{slot: int(v.Loc.Index)}, t}, nil
	}
	b, err := v.Bytes()
	if err != nil {
		return nil, err
	}
	return &numNode{t.decode(b)}, nil
}

// cExpr resolves an expression that is a C object alone (a source
// variable, or its field, element or pointer target), named by the
// expression's text; false when it is something else.
func (ev *evaluator) cExpr(e *Expr) (SourceVar, bool, error) {
	switch n := e.root.(type) {
	case *nameNode, *indexNode, *derefNode, *fieldNode, *addrNode, *castNode, *sizeofNode, *binaryNode:
		if n, ok := n.(*nameNode); ok {
			if _, ok := ev.sourceVar(strings.Split(n.name, ".")[0]); !ok {
				return SourceVar{}, false, nil
			}
		}
		sv, err := ev.cObject(n)
		if _, bin := n.(*binaryNode); bin && err == errNotC {
			return SourceVar{}, false, nil // arithmetic on WebAssembly values
		}
		if err != nil {
			return SourceVar{}, true, err
		}
		sv.Name = e.text
		return sv, true, nil
	}
	return SourceVar{}, false, nil
}

// cObject resolves a C expression on source variables to the object it
// names: NAME, NAME.field..., NAME[i] (an array or pointer), *NAME, or
// the pointer &OBJ (a computed value). Its Name is the expression. Fields
// and elements are of objects in memory.
func (ev *evaluator) cObject(n node) (SourceVar, error) {
	switch n := n.(type) {
	case *nameNode:
		parts := strings.Split(n.name, ".")
		v, ok := ev.sourceVar(parts[0])
		if !ok {
			return SourceVar{}, fmt.Errorf("no C variable %s here", parts[0])
		}
		if v.Err != nil {
			return SourceVar{}, v.Err
		}
		for _, f := range parts[1:] {
			var err error
			if v, err = v.field(f); err != nil {
				return SourceVar{}, err
			}
		}
		return v, nil
	case *fieldNode:
		x, err := ev.cObject(n.x)
		if err != nil {
			return SourceVar{}, err
		}
		return x.field(n.name)
	case *addrNode:
		x, err := ev.cObject(n.x)
		if err != nil {
			return SourceVar{}, err
		}
		if x.Loc.Kind != debuginfo.InMemory {
			return SourceVar{}, fmt.Errorf("&%s: %s is not in memory (%s): it has no address", x.Name, x.Name, x.Loc)
		}
		t := debuginfo.PointerTo(x.Type)
		return SourceVar{Var: &debuginfo.Var{Name: "&" + x.Name, Type: t}, st: x.st,
			Loc: debuginfo.Location{Kind: debuginfo.Computed, Value: binary.LittleEndian.AppendUint32(nil, x.Loc.Addr)}}, nil
	case *derefNode:
		p, err := ev.cObject(n.x)
		if err != nil {
			return SourceVar{}, err
		}
		// A pointer's target, or an array's first element (*a is a[0]).
		elem, ok := pointee(term{c: &p})
		if !ok {
			return SourceVar{}, fmt.Errorf("*%s: %s has type %s, not a pointer", p.Name, p.Name, debuginfo.TypeName(p.Type))
		}
		a, err := p.address()
		if err != nil {
			return SourceVar{}, err
		}
		return p.member("*"+p.Name, elem, a), nil
	case *indexNode:
		x, err := ev.cObject(n.x)
		if err != nil {
			return SourceVar{}, err
		}
		iv, err := ev.eval(n.index)
		if err != nil {
			return SourceVar{}, err
		}
		if iv.isFloat() || iv.k == kRef {
			return SourceVar{}, fmt.Errorf("%s[%s]: the index is not an integer", x.Name, iv.format(0))
		}
		name := fmt.Sprintf("%s[%d]", x.Name, iv.i)
		var elem dwarf.Type
		var base uint32
		switch t := debuginfo.Underlying(x.Type).(type) {
		case *dwarf.ArrayType:
			if iv.i < 0 || (t.Count >= 0 && iv.i >= t.Count) {
				return SourceVar{}, fmt.Errorf("%s: out of bounds (%s)", name, debuginfo.TypeName(x.Type))
			}
			if x.Loc.Kind != debuginfo.InMemory {
				return SourceVar{}, fmt.Errorf("%s is not in memory (%s): its elements cannot be read", x.Name, x.Loc)
			}
			elem, base = t.Type, x.Loc.Addr
		case *dwarf.PtrType:
			if base, err = x.pointer(); err != nil {
				return SourceVar{}, err
			}
			elem = t.Type
		default:
			return SourceVar{}, fmt.Errorf("%s: %s has type %s, not an array or pointer", name, x.Name, debuginfo.TypeName(x.Type))
		}
		return x.member(name, elem, base+uint32(iv.i)*debuginfo.Size(elem)), nil
	case *castNode:
		return ev.cast(n)
	case *sizeofNode:
		return ev.sizeof(n)
	case *binaryNode:
		t, err := ev.binaryTerm(n)
		if err == nil && t.c == nil {
			err = errNotC
		}
		if err != nil {
			return SourceVar{}, err
		}
		return *t.c, nil
	}
	return SourceVar{}, errNotC
}

// field is the field f of a struct in memory.
func (v SourceVar) field(f string) (SourceVar, error) {
	st, ok := debuginfo.Underlying(v.Type).(*dwarf.StructType)
	if !ok {
		return SourceVar{}, fmt.Errorf("%s has type %s, not a struct: no field %s", v.Name, debuginfo.TypeName(v.Type), f)
	}
	for _, x := range st.Field {
		if x.Name != f {
			continue
		}
		if v.Loc.Kind != debuginfo.InMemory {
			return SourceVar{}, fmt.Errorf("%s is not in memory (%s): its fields cannot be read", v.Name, v.Loc)
		}
		return v.member(v.Name+"."+f, x.Type, v.Loc.Addr+uint32(x.ByteOffset)), nil
	}
	return SourceVar{}, fmt.Errorf("%s has no field %s", debuginfo.TypeName(v.Type), f)
}

// member is an object in memory at addr, reached from v.
func (v SourceVar) member(name string, t dwarf.Type, addr uint32) SourceVar {
	return SourceVar{Var: &debuginfo.Var{Name: name, Type: t}, Loc: debuginfo.Location{Kind: debuginfo.InMemory, Addr: addr}, st: v.st}
}

// pointer reads a pointer variable's value.
func (v SourceVar) pointer() (uint32, error) {
	b, err := v.Bytes()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", v.Name, err)
	}
	if len(b) != 4 {
		return 0, fmt.Errorf("%s: a %d-byte pointer", v.Name, len(b))
	}
	return binary.LittleEndian.Uint32(b), nil
}
