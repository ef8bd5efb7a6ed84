package dap

import (
	"debug/dwarf"
	"errors"
	"fmt"
	"strings"

	godap "github.com/google/go-dap"

	"github.com/wdb-dev/wdb/debugger"
	"github.com/wdb-dev/wdb/debuginfo"
)

// The Variables scope: the C variables in scope at a frame (from DWARF,
// debugger.Session.ScopeVars), with structs and arrays expandable; the
// Globals (C) scope: the function's statics and its unit's globals
// (debugger.Session.GlobalVars), the same way.

// sourceVariables lists the variables of the scope (ref.path "") or the
// members of the struct or array at ref.path.
func (s *session) sourceVariables(ref varRef) ([]godap.Variable, error) {
	if ref.expr != "" {
		if err := s.selectFrame(ref.frame); err != nil {
			return nil, err
		}
		root, ok, err := s.in.SourceExpr(ref.expr)
		if err == nil && !ok {
			err = fmt.Errorf("%s is no longer a C object", ref.expr)
		}
		if err != nil {
			return nil, err
		}
		var names []string
		if ref.path != "" {
			names = strings.Split(ref.path, "\x00")
		}
		return s.members(ref, root, names)
	}
	read := s.dbg.ScopeVars
	if ref.globals {
		read = s.dbg.GlobalVars
	}
	vs, err := read(ref.frame)
	if err != nil {
		return nil, err
	}
	out := []godap.Variable{}
	if ref.path == "" {
		for _, v := range vs {
			gv := godap.Variable{Name: v.Name, Value: v.Value(), Type: debuginfo.TypeName(v.Type), EvaluateName: v.Name}
			if b, err := v.Bytes(); err == nil {
				s.expandable(&gv, ref, v.Name, v.Type, b)
			}
			out = append(out, gv)
		}
		return out, nil
	}
	names := strings.Split(ref.path, "\x00")
	for _, v := range vs {
		if v.Name == names[0] {
			return s.members(ref, v, names[1:])
		}
	}
	return nil, fmt.Errorf("no variable %s here", names[0])
}

// members lists the members of the member of v that names lead to (v's
// own with none), each expandable in turn.
func (s *session) members(ref varRef, v debugger.SourceVar, names []string) ([]godap.Variable, error) {
	b, err := v.Bytes()
	if err != nil {
		return nil, err
	}
	t := v.Type
	for _, n := range names {
		found := false
		for _, m := range debuginfo.Members(t, b) {
			if m.Name == n {
				t, b, found = m.Type, m.Bytes, true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("no member %s in %s", n, strings.Join(append([]string{v.Name}, names...), "."))
		}
	}
	out := []godap.Variable{}
	for _, m := range debuginfo.Members(t, b) {
		path := m.Name
		if ref.path != "" {
			path = ref.path + "\x00" + m.Name
		}
		gv := godap.Variable{Name: m.Name, Value: debuginfo.Format(m.Type, m.Bytes, v.ReadMemory), Type: debuginfo.TypeName(m.Type)}
		s.expandable(&gv, ref, path, m.Type, m.Bytes)
		out = append(out, gv)
	}
	return out, nil
}

// expandable gives a struct or array value a reference to its members.
func (s *session) expandable(v *godap.Variable, scope varRef, path string, t dwarf.Type, b []byte) {
	if n := len(debuginfo.Members(t, b)); n > 0 {
		v.VariablesReference = s.vars.ref(varRef{kind: varSource, frame: scope.frame, path: path, globals: scope.globals, expr: scope.expr})
		v.NamedVariables = n // arrays too: at most debuginfo.MaxElems, not paged
	}
}

// sourceExpr is the C expression of the member name of the object at
// path (names joined by NUL; "" for a scope's variable): var, .field, [i].
func sourceExpr(path, name string) string {
	expr := ""
	for _, n := range append(strings.Split(path, "\x00"), name) {
		switch {
		case n == "":
		case expr != "" && !strings.HasPrefix(n, "["):
			expr += "." + n
		default:
			expr += n
		}
	}
	return expr
}

// setSourceVariable sets a C variable, field or element as the console's
// set does (scalars only), and answers its new value.
func (s *session) setSourceVariable(r *godap.SetVariableRequest, ref varRef) error {
	a := r.Arguments
	if strings.ContainsAny(a.Value, "\n\r") {
		return errors.New("setVariable: the value must be one line")
	}
	expr := sourceExpr(ref.path, a.Name)
	if ref.expr != "" {
		expr = sourceExpr("("+ref.expr+")\x00"+ref.path, a.Name)
	}
	if err := s.selectFrame(ref.frame); err != nil {
		return err
	}
	out, err := s.console.captured(func() error { return s.in.Exec("set " + expr + " = " + a.Value) })
	if err != nil {
		return err
	}
	s.forwardNotes(out)
	vars, err := s.sourceVariables(ref)
	if err != nil {
		return err
	}
	body := godap.SetVariableResponseBody{}
	for _, v := range vars {
		if v.Name == a.Name {
			body.Value, body.Type = v.Value, v.Type
		}
	}
	s.invalidate()
	s.send(&godap.SetVariableResponse{Response: response(&r.Request), Body: body})
	return nil
}
