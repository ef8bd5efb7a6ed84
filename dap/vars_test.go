package dap

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	godap "github.com/google/go-dap"
)

// The Variables scope on lines.c: at the print line, first among the
// scopes, with n, q, i and sum; i and q are what the program prints next
// and sum the running sum of the squares; hover evaluation reads them too.
func TestSourceVariablesScope(t *testing.T) {
	L := lineMarkers(t)
	linesC := program(t, "wasi/lines.c")
	c := dial(t, startServer(t))
	c.launch(map[string]any{"program": program(t, "wasi/lines.wasm")}, func() {
		c.send("setBreakpoints", map[string]any{"source": map[string]any{"path": linesC},
			"breakpoints": []map[string]any{{"line": L["print"]}}})
		expect[*godap.SetBreakpointsResponse](c)
	})
	var seen []string
	for range 5 {
		c.stopped("breakpoint")
		top := c.stackTrace()[0]
		c.send("scopes", map[string]any{"frameId": top.Id})
		scopes := expect[*godap.ScopesResponse](c).Body.Scopes
		if len(scopes) < 2 || scopes[0].Name != "Variables" || scopes[1].Name != "Locals" {
			t.Fatalf("scopes %+v: want Variables first, then Locals", scopes)
		}
		vals := map[string]string{}
		var names []string
		for _, v := range c.variables(scopes[0].VariablesReference) {
			vals[v.Name] = v.Value
			names = append(names, v.Name)
			if v.Type != "int" {
				t.Errorf("%s has type %q, want int", v.Name, v.Type)
			}
		}
		if strings.Join(names, " ") != "n q i sum" {
			t.Errorf("variables %v, want n q i sum", names)
		}
		c.send("evaluate", map[string]any{"expression": "sum", "context": "hover", "frameId": top.Id})
		if h := expect[*godap.EvaluateResponse](c).Body; h.Result != vals["sum"] || h.Type != "int" {
			t.Errorf("hover on sum: %+v, the scope shows %s", h, vals["sum"])
		}
		seen = append(seen, fmt.Sprintf("%s %s %s", vals["i"], vals["q"], vals["sum"]))
		c.send("continue", map[string]any{"threadId": 1})
		expect[*godap.ContinueResponse](c)
	}
	c.stopped("exited")
	var want []string
	sum := 0
	for _, m := range regexp.MustCompile(`square\((\d+)\) = (\d+)`).FindAllStringSubmatch(c.outputOf("stdout"), -1) {
		q, _ := strconv.Atoi(m[2])
		sum += q
		want = append(want, fmt.Sprintf("%s %s %d", m[1], m[2], sum))
	}
	if strings.Join(seen, ", ") != strings.Join(want, ", ") || len(want) != 5 {
		t.Errorf("i q sum at the print line: %v; the program printed (with the running sum) %v", seen, want)
	}
	c.disconnect()
}

// A struct expands into its fields (vars.c's p, which it prints).
func TestSourceVariablesExpand(t *testing.T) {
	c := stopInVars(t, "/* L:print */")
	var p godap.Variable
	for _, v := range c.variables(c.scopes(c.stackTrace()[0].Id)["Variables"].VariablesReference) {
		if v.Name == "p" {
			p = v
		}
	}
	if p.VariablesReference == 0 || p.Type != "struct point" {
		t.Fatalf("p: %+v, want an expandable struct point", p)
	}
	var fields []string
	for _, f := range c.variables(p.VariablesReference) {
		fields = append(fields, f.Name+"="+f.Value)
	}
	// setVariable on a field and on a variable of the scope, as set does:
	// the program prints the new values.
	c.send("setVariable", map[string]any{"variablesReference": p.VariablesReference, "name": "y", "value": "-(p.y * 2)"})
	if b := expect[*godap.SetVariableResponse](c).Body; b.Value != "8" || b.Type != "short" {
		t.Errorf("setVariable p.y = -(p.y * 2): %+v, want 8 (short), y being -4 in the source", b)
	}
	c.send("setVariable", map[string]any{"variablesReference": c.scopes(c.stackTrace()[0].Id)["Variables"].VariablesReference, "name": "u", "value": "7"})
	if b := expect[*godap.SetVariableResponse](c).Body; !strings.HasPrefix(b.Value, "7 ") {
		t.Errorf("setVariable u = 7: %+v", b)
	}
	c.send("continue", map[string]any{"threadId": 1})
	expect[*godap.ContinueResponse](c)
	c.stopped("exited")
	out := c.outputOf("stdout")
	m := regexp.MustCompile(`p = \{(-?\d+), (-?\d+), ([0-9.]+)\}`).FindStringSubmatch(out)
	if m == nil || strings.Join(fields, " ") != fmt.Sprintf("x=%s y=-4 w=%s", m[1], m[3]) || m[2] != "8" {
		t.Errorf("p's fields %v (y then set to 8); the program printed %v", fields, m)
	}
	if !strings.Contains(out, "u = 7\n") {
		t.Errorf("u set to 7; the program printed:\n%s", out)
	}
	c.disconnect()
}

// The Globals (C) scope: vars.c's globals at its last printf, origin
// expandable; the program prints counter and origin.y.
func TestSourceGlobalsScope(t *testing.T) {
	c := stopInVars(t, "/* L:globals */")
	scope, ok := c.scopes(c.stackTrace()[0].Id)["Globals (C)"]
	if !ok {
		t.Fatal("no Globals (C) scope")
	}
	vals := map[string]string{}
	for _, v := range c.variables(scope.VariablesReference) {
		vals[v.Name] = v.Value
		if v.Name == "origin" {
			if v.VariablesReference == 0 || v.Type != "struct point" {
				t.Fatalf("origin: %+v, want an expandable struct point", v)
			}
			for _, f := range c.variables(v.VariablesReference) {
				vals["origin."+f.Name] = f.Value
			}
		}
	}
	// setVariable on a global, as set does: the program prints it.
	c.send("setVariable", map[string]any{"variablesReference": scope.VariablesReference, "name": "counter", "value": "counter + 1"})
	set := expect[*godap.SetVariableResponse](c).Body
	c.send("continue", map[string]any{"threadId": 1})
	expect[*godap.ContinueResponse](c)
	c.stopped("exited")
	m := regexp.MustCompile(`counter = (\d+) at \d+, origin.y = (-?\d+)`).FindStringSubmatch(c.outputOf("stdout"))
	n, _ := strconv.Atoi(vals["counter"])
	if m == nil || m[1] != strconv.Itoa(n+1) || set.Value != m[1] || set.Type != "int" || vals["origin.y"] != m[2] {
		t.Errorf("Globals (C) %v, then counter set to %+v; the program printed %v", vals, set, m)
	}
	c.disconnect()
}

// stopInVars launches vars.wasm and stops at the line of vars.c with the
// marker.
func stopInVars(t *testing.T, marker string) *client {
	b, err := os.ReadFile(program(t, "wasi/vars.c"))
	if err != nil {
		t.Fatal(err)
	}
	line := strings.Count(string(b[:strings.Index(string(b), marker)]), "\n") + 1
	c := dial(t, startServer(t))
	c.launch(map[string]any{"program": program(t, "wasi/vars.wasm")}, func() {
		c.evaluate(fmt.Sprintf("break vars.c:%d", line), "repl")
	})
	c.stopped("breakpoint")
	return c
}

// A data breakpoint on a C global from the Globals (C) scope (VS Code's
// "Break on Value Change") and one on a C expression: the first change of
// counter is bump's first result, which the program prints.
func TestSourceDataBreakpoint(t *testing.T) {
	c := stopInVars(t, "/* L:print */")
	scope := c.scopes(c.stackTrace()[0].Id)["Globals (C)"]
	c.send("dataBreakpointInfo", map[string]any{"variablesReference": scope.VariablesReference, "name": "counter"})
	info := expect[*godap.DataBreakpointInfoResponse](c).Body
	id, _ := info.DataId.(string)
	if !strings.HasPrefix(id, "counter=mem:") || !strings.Contains(info.Description, "counter") {
		t.Fatalf("dataBreakpointInfo of counter: %+v", info)
	}
	c.send("dataBreakpointInfo", map[string]any{"name": "l->next->v"})
	if info := expect[*godap.DataBreakpointInfoResponse](c).Body; info.DataId == nil {
		t.Errorf("dataBreakpointInfo of l->next->v: %+v", info)
	}
	// With a condition that the first change (to calls' first value)
	// meets and the later ones (larger sums) do not.
	c.send("setDataBreakpoints", map[string]any{"breakpoints": []map[string]any{{"dataId": id, "accessType": "write", "condition": "counter < 150"}}})
	if bs := expect[*godap.SetDataBreakpointsResponse](c).Body.Breakpoints; len(bs) != 1 || !bs[0].Verified {
		t.Fatalf("setDataBreakpoints: %+v", bs)
	}
	c.send("continue", map[string]any{"threadId": 1})
	expect[*godap.ContinueResponse](c)
	c.stopped("data breakpoint")
	c.send("continue", map[string]any{"threadId": 1})
	expect[*godap.ContinueResponse](c)
	c.stopped("exited")
	change := regexp.MustCompile(`counter at mem\[0x[0-9a-f]+\.\.0x[0-9a-f]+\] \(4 bytes\): 0 -> (\d+)\n`).FindStringSubmatch(c.outputOf("console"))
	first := regexp.MustCompile(`calls = (\d+) at`).FindStringSubmatch(c.outputOf("stdout"))
	if change == nil || first == nil || change[1] != first[1] || strings.Count(c.outputOf("console"), "counter at mem[") != 1 {
		t.Errorf("the changes of counter if counter < 150: %q in the console; the program printed %v", c.outputOf("console"), first)
	}
	c.disconnect()
}

// The guest's stdout is a terminal to it by default, so vars.c's printf
// lines arrive as they are printed; with "terminal": false it is a pipe,
// and wasi-libc holds them until exit.
func TestGuestTerminal(t *testing.T) {
	b, err := os.ReadFile(program(t, "wasi/vars.c"))
	if err != nil {
		t.Fatal(err)
	}
	line := strings.Count(string(b[:strings.Index(string(b), "/* L:globals */")]), "\n") + 1
	for _, terminal := range []bool{true, false} {
		c := dial(t, startServer(t))
		c.launch(map[string]any{"program": program(t, "wasi/vars.wasm"), "terminal": terminal}, func() {
			c.evaluate(fmt.Sprintf("break vars.c:%d", line), "repl")
		})
		c.stopped("breakpoint")
		before := c.outputOf("stdout")
		c.send("continue", map[string]any{"threadId": 1})
		expect[*godap.ContinueResponse](c)
		c.stopped("exited")
		all := c.outputOf("stdout")
		// At the last printf, a terminal has had every line but its own; a
		// pipe only what the buffer let out (wasi-libc, as musl, writes
		// the first line before it learns that stdout is no terminal).
		last := all[strings.LastIndex(strings.TrimSuffix(all, "\n"), "\n")+1:]
		lines := strings.TrimSuffix(all, last)
		if !strings.HasPrefix(last, "counter = ") || terminal != (before == lines) || !strings.HasPrefix(lines, before) {
			t.Errorf("terminal %v: stdout before the last printf %q (the whole output %q)", terminal, before, all)
		}
		c.disconnect()
	}
}

// Watch expressions and hovers that give a C struct or array open like
// the Variables scope's, to any depth, and their members can be set:
// checked against what vars.c prints afterwards.
func TestEvaluateExpandable(t *testing.T) {
	c := stopInVars(t, "/* L:print */")
	open := func(expr string) map[string]godap.Variable {
		t.Helper()
		r := c.evaluate(expr, "watch")
		if r.VariablesReference == 0 {
			t.Fatalf("evaluate %s: %+v, not expandable", expr, r)
		}
		out := map[string]godap.Variable{}
		for _, v := range c.variables(r.VariablesReference) {
			out[v.Name] = v
		}
		if len(out) != r.NamedVariables {
			t.Errorf("evaluate %s: %d named variables announced, %d listed", expr, r.NamedVariables, len(out))
		}
		return out
	}
	pts := c.variables(open("poly")["pts"].VariablesReference)
	var x2 string
	for _, v := range pts {
		if v.Name == "[2]" {
			for _, f := range c.variables(v.VariablesReference) {
				if f.Name == "x" {
					x2 = f.Value
				}
			}
		}
	}
	run := open("primes[1]@3")
	if r := c.evaluate("$0", "watch"); r.VariablesReference != 0 {
		t.Errorf("evaluate $0 (a WebAssembly value) is expandable: %+v", r)
	}
	// Set a member of an evaluated object: b.v, through l.
	ref := c.evaluate("*l->next", "watch").VariablesReference
	c.send("setVariable", map[string]any{"variablesReference": ref, "name": "v", "value": "21"})
	if set := expect[*godap.SetVariableResponse](c).Body; set.Value != "21" {
		t.Errorf("setVariable v of *l->next: %+v", set)
	}
	c.send("continue", map[string]any{"threadId": 1})
	expect[*godap.ContinueResponse](c)
	c.stopped("exited")
	out := c.outputOf("stdout")
	m := regexp.MustCompile(`poly.pts\[2\].x = (-?\d+), l->next->v = (-?\d+)`).FindStringSubmatch(out)
	p := regexp.MustCompile(`primes = \{\d+, (\d+), (\d+), (\d+),`).FindStringSubmatch(out)
	if m == nil || p == nil || x2 != m[1] || m[2] != "21" {
		t.Errorf("poly.pts[2].x opened in the Watch view = %s, l->next->v set to 21; the program printed %v", x2, m)
	}
	if p != nil && (run["[0]"].Value != p[1] || run["[1]"].Value != p[2] || run["[2]"].Value != p[3]) {
		t.Errorf("primes[1]@3 opened: %v; the program printed %v", run, p[1:])
	}
	c.disconnect()
}
