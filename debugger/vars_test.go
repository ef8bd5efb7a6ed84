package debugger

import (
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wdb-dev/wdb/wasi"
)

// Source variables: the values the debugger reads through DWARF must be
// the ones the programs print.

// srcVar prints a source variable and returns its value and C type.
func (c *cmdSession) srcVar(name string) (value, typ string) {
	c.t.Helper()
	out := strings.TrimSpace(c.do("print " + name))
	m := regexp.MustCompile(`^` + regexp.QuoteMeta(name) + ` = (.*) \(([^()]*)\)$`).FindStringSubmatch(out)
	if m == nil {
		c.t.Fatalf("print %s: %q", name, out)
	}
	return m[1], m[2]
}

// varNames lists the names vars shows.
func (c *cmdSession) varNames() []string {
	var names []string
	for _, l := range strings.Split(strings.TrimSpace(c.do("vars")), "\n") {
		name, _, _ := strings.Cut(l, " = ")
		names = append(names, name)
	}
	return names
}

// At lines.c's print line, i and q are what the program prints next, and
// sum the running sum of the squares printed so far; in square, r = k*k.
func TestVarsLines(t *testing.T) {
	L := lineMarkers(t)
	c := newCmdSession(t, "wasi/lines.wasm", "standard", "")
	c.do(fmt.Sprintf("break lines.c:%d", L["print"]))
	type hit struct{ i, q, sum, iExpr string }
	var hits []hit
	for c.stop("continue").Reason == BreakpointHit {
		if names := c.varNames(); !slices.Equal(names, []string{"n", "q", "i", "sum"}) {
			t.Fatalf("vars in the loop body: %v, want n (the parameter), q, i, sum (innermost block first)", names)
		}
		var h hit
		var typ string
		h.i, typ = c.srcVar("i")
		if typ != "int" {
			t.Errorf("i's type: %q", typ)
		}
		h.q, _ = c.srcVar("q")
		h.sum, _ = c.srcVar("sum")
		h.iExpr = strings.TrimSpace(c.do("print i * 1"))
		hits = append(hits, h)
	}
	printed := regexp.MustCompile(`square\((\d+)\) = (\d+)`).FindAllStringSubmatch(c.guest.String(), -1)
	if len(printed) != 5 || len(hits) != 5 {
		t.Fatalf("%d hits, %d printed lines:\n%s", len(hits), len(printed), c.guest.String())
	}
	sum := 0
	for k, m := range printed {
		q, _ := strconv.Atoi(m[2])
		sum += q
		want := hit{m[1], m[2], strconv.Itoa(sum), "i32:" + m[1]}
		if hits[k] != want {
			t.Errorf("hit %d: %+v, want %+v (the program printed %q)", k, hits[k], want, m[0])
		}
	}
	if !strings.Contains(c.guest.String(), fmt.Sprintf("sum = %d\n", sum)) {
		t.Errorf("the program's sum is not %d:\n%s", sum, c.guest.String())
	}

	// square: r = k*k at its return line; up in total, i is square's k.
	c = newCmdSession(t, "wasi/lines.wasm", "standard", "")
	c.do(fmt.Sprintf("break lines.c:%d if k == 3", L["return"]))
	c.stop("continue")
	if names := c.varNames(); !slices.Equal(names, []string{"k", "r"}) {
		t.Fatalf("vars in square: %v", names)
	}
	if got := c.in.Complete("print k + "); !slices.Contains(got, "print k + r") {
		t.Errorf("Complete(print k + ) = %q, want r among them", got)
	}
	k, _ := c.srcVar("k")
	r, _ := c.srcVar("r")
	if k != "3" || r != "9" {
		t.Errorf("in square: k = %s, r = %s, want 3 and 9", k, r)
	}
	c.do("up")
	if i, _ := c.srcVar("i"); i != k {
		t.Errorf("up in total: i = %s, want square's k %s", i, k)
	}
	// set writes the variable's memory; the program prints the new sum.
	if out := c.do("set sum = 1000"); out != "sum = 1000 (int)\n" {
		t.Errorf("set sum = 1000: %q", out)
	}
	if v, _ := c.srcVar("sum"); v != "1000" {
		t.Errorf("after set sum = 1000: %s", v)
	}
	c.do("delete")
	c.stop("continue")
	// sum was 0+1+4 = 5 before the set; 1000 + 9 + 16 after.
	if !strings.Contains(c.guest.String(), "sum = 1025\n") {
		t.Errorf("after set sum = 1000 with sum at 5: the program printed\n%s", c.guest.String())
	}
}

// vars.c's struct, array, enum, string, double and unsigned char are what
// it prints.
func TestVarsTypes(t *testing.T) {
	b, err := os.ReadFile(testdataFile("wasi/vars.c"))
	if err != nil {
		t.Fatal(err)
	}
	line := 0
	for i, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, "/* L:print */") {
			line = i + 1
		}
	}
	c := newCmdSession(t, "wasi/vars.wasm", "standard", "")
	c.do(fmt.Sprintf("break vars.c:%d", line))
	c.stop("continue")
	got := map[string][2]string{}
	for _, n := range []string{"p", "primes", "c", "msg", "ratio", "u"} {
		v, typ := c.srcVar(n)
		got[n] = [2]string{v, typ}
	}
	ratio2 := strings.TrimSpace(c.do("print ratio * 2"))
	// Fields, elements, pointer targets.
	px, _ := c.srcVar("p.x")
	pw2 := strings.TrimSpace(c.do("print p.w * 2"))
	var elems []string
	for i := range 6 {
		v, typ := c.srcVar(fmt.Sprintf("primes[%d]", i))
		if typ != "int" {
			t.Errorf("primes[%d] has type %q", i, typ)
		}
		elems = append(elems, v)
	}
	chain := []string{}
	for _, e := range []string{"poly.pts[2].x", "l[0].next[0].v", "(*a.next).v", "l->next->v"} {
		v, _ := c.srcVar(e)
		chain = append(chain, v)
	}
	next, _ := c.srcVar("*a.next")
	msg0, _ := c.srcVar("*msg")
	msg1, _ := c.srcVar("msg[1]")
	for line, want := range map[string]string{
		"print primes[6]": "out of bounds", "print p.z": "no field z", "print *p": "not a pointer",
		"print p + 1": "not a number", "print ratio[0]": "not an array or pointer",
		"print p->x": "not a pointer", "print l->": "expected a field name", "print 3[1]": "not a C variable",
	} {
		if got := c.fail(line); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q in it", line, got, want)
		}
	}
	c.stop("continue")
	out := c.guest.String()
	find := outputFinder(t, out)
	p := find(`p = \{(-?\d+), (-?\d+), ([0-9.e+-]+)\}`)
	primes := find(`primes = \{([0-9, ]+)\}`)
	cv := find(`c = (\d+)`)
	msg := find(`msg = (.*)`)
	ratio := find(`ratio = ([0-9.e+-]+)`)
	u := find(`u = (\d+)`)
	want := map[string][2]string{
		"p":      {fmt.Sprintf("{x = %s, y = %s, w = %s}", p[0], p[1], p[2]), "struct point"},
		"primes": {"{" + primes[0] + "}", "int [6]"},
		"msg":    {"", "const char *"},
		"u":      {u[0], "unsigned char"},
	}
	for n, w := range want {
		if n == "msg" {
			continue
		}
		v := got[n]
		if n == "u" {
			v[0], _, _ = strings.Cut(v[0], " ") // 200 '\xc8'
		}
		if v != w {
			t.Errorf("%s = %v, want %v", n, v, w)
		}
	}
	// The enum: its enumerator, whose value the source declares and the
	// program prints.
	if cv[0] != "6" || got["c"] != [2]string{"BLUE", "enum color"} {
		t.Errorf("c = %v; the program printed %s (BLUE = 6)", got["c"], cv[0])
	}
	if m := regexp.MustCompile(`^0x[0-9a-f]+ (".*")$`).FindStringSubmatch(got["msg"][0]); m == nil || got["msg"][1] != "const char *" {
		t.Errorf("msg = %v", got["msg"])
	} else if s, err := strconv.Unquote(m[1]); err != nil || s != msg[0] {
		t.Errorf("msg's string %s, the program printed %q", m[1], msg[0])
	}
	if want := strings.ReplaceAll(primes[0], " ", ""); strings.Join(elems, ",") != want {
		t.Errorf("primes[0..5] = %v, the program printed %s", elems, want)
	}
	if m := find(`poly.pts\[2\].x = (\d+), l->next->v = (\d+)`); strings.Join(chain, " ") != m[0]+" "+m[1]+" "+m[1]+" "+m[1] ||
		next != "{v = "+m[1]+", next = 0x0}" {
		t.Errorf("poly.pts[2].x, l[0].next[0].v, (*a.next).v, l->next->v = %v, *a.next = %s; the program printed %v", chain, next, m)
	}
	if px != p[0] {
		t.Errorf("p.x = %s, the program printed %s", px, p[0])
	}
	if w, err := strconv.ParseFloat(p[2], 64); err != nil || pw2 != "f64:"+strconv.FormatFloat(2*w, 'g', -1, 64) {
		t.Errorf("print p.w * 2: %s; the program printed w = %s", pw2, p[2])
	}
	if len(msg[0]) < 2 || msg0 != fmt.Sprintf("%d %q", msg[0][0], msg[0][0]) || msg1 != fmt.Sprintf("%d %q", msg[0][1], msg[0][1]) {
		t.Errorf("*msg = %s, msg[1] = %s; the program printed %q", msg0, msg1, msg[0])
	}
	r, err1 := strconv.ParseFloat(ratio[0], 64)
	g, err2 := strconv.ParseFloat(got["ratio"][0], 64)
	if err1 != nil || err2 != nil || r != g || got["ratio"][1] != "double" {
		t.Errorf("ratio = %v, the program printed %s", got["ratio"], ratio[0])
	}
	if ratio2 != "f64:"+strconv.FormatFloat(2*r, 'g', -1, 64) {
		t.Errorf("print ratio * 2: %s, want f64:%g", ratio2, 2*r)
	}

	// set on an element and a field: the program prints the new values.
	c = newCmdSession(t, "wasi/vars.wasm", "standard", "")
	c.do(fmt.Sprintf("break vars.c:%d", line))
	c.stop("continue")
	c.do("set primes[4] = primes[4] * 100")
	c.do("set p.y = -p.y")
	c.do("set u = u + 1")
	c.stop("continue")
	for _, want := range []string{"p = {3, 4, 1.25}", "primes = {2, 3, 5, 7, 1100, 13}", "u = 201"} {
		if !strings.Contains(c.guest.String(), want+"\n") {
			t.Errorf("after the sets, no %q in the output:\n%s", want, c.guest.String())
		}
	}
}

// compute.c is -O2: hanoi's n lives in local 0 only at its entry (a
// location list: .debug_loc in DWARF 4, .debug_loclists with indexes into
// .debug_addr in DWARF 5), from, to and via have no location at all.
func TestVarsOptimised(t *testing.T) {
	for _, file := range []string{"wasi/compute.wasm", "wasi/compute-dwarf5.wasm"} {
		t.Run(file, func(t *testing.T) { testVarsOptimised(t, file) })
	}
}

func testVarsOptimised(t *testing.T, file string) {
	c := newCmdSession(t, file, "standard", "")
	c.do("break hanoi")
	c.stop("continue")
	n, _ := c.srcVar("n")
	for _, name := range []string{"from", "to", "via"} {
		if v, _ := c.srcVar(name); v != "optimised out" {
			t.Errorf("%s = %s, want optimised out (no DW_AT_location)", name, v)
		}
	}
	if got := c.fail("print from + 1"); !strings.Contains(got, "from is optimised out here") {
		t.Errorf("print from + 1: %q", got)
	}
	// Past the entry range, n has no location.
	c.stop("stepi 4")
	if v, _ := c.srcVar("n"); v != "optimised out" {
		t.Errorf("n four instructions into hanoi = %s, want optimised out", v)
	}
	c.do("delete")
	c.stop("continue")
	// The first hanoi call is hanoi(N, 1, 3, 2) for the first N printed.
	m := regexp.MustCompile(`hanoi\((\d+)\) = `).FindStringSubmatch(c.guest.String())
	if m == nil || m[1] != n {
		t.Errorf("n at hanoi's first entry = %s; the program printed %v", n, m)
	}
}

// FuzzSourceExpr prints arbitrary expressions on vars.c's variables at its
// print line: a value or an error, never a panic.
//
//	go test ./debugger -run '^$' -fuzz FuzzSourceExpr -fuzztime 1m
func FuzzSourceExpr(f *testing.F) {
	for _, e := range []string{"p", "p.x", "p.w * 2", "primes[3]", "primes[-1]", "*msg", "msg[300]", "l->next->v",
		"(*l).v", "poly.pts[2].x", "*l->next", "c + 1", "u", "*a.next.next", "p.x.y", "$msg", "ratio[0]",
		"&p.w", "*&counter", "&&p", "&3", "&origin.y + 1", "mem[&counter]", "&c",
		"*(primes + 2)", "(&primes[1])[1]", "(l + 1)->v", "l - l", "&primes[2] - &primes[0]", "primes == &primes[0]",
		"(struct list *)0x113c8", "((struct point *)&p)->w", "(char)300", "(unsigned char)-1", "(int)ratio", "(long long)l",
		"(enum color)5", "(void *)l + 1", "(struct point)p", "(x)y", "(c) - 1", "(unsigned long long *)msg + 1",
		"sizeof(struct point)", "sizeof p", "sizeof *l", "sizeof(int *)", "sizeof sizeof p", "(float)(double)(char)ratio",
		"(uint8_t)300", "(int64_t)-1", "sizeof(uint16_t)", "(const volatile char * const *)msg", "*(const int *)&primes[1] + 1"} {
		f.Add(e)
	}
	b, err := os.ReadFile(testdataFile("wasi/vars.c"))
	if err != nil {
		f.Fatal(err)
	}
	line := strings.Count(string(b[:strings.Index(string(b), "/* L:print */")]), "\n") + 1
	s, err := New(Config{Path: "vars.wasm", Module: loadModule(f, "wasi/vars.wasm"), Engine: "standard",
		WASI: wasi.Config{Stdout: io.Discard, Stderr: io.Discard}})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	in := NewInterpreter(s, io.Discard)
	for _, cmd := range []string{fmt.Sprintf("break vars.c:%d", line), "continue"} {
		if err := in.Exec(cmd); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, expr string) {
		if strings.ContainsAny(expr, "\n\r;") {
			return
		}
		in.Exec("print " + expr)
		in.Exec("print/x " + expr)
	})
}

// vars.c's globals (counter, origin) and bump's static calls: print, &,
// vars -g and watch against the values and addresses the program prints.
func TestVarsGlobals(t *testing.T) {
	b, err := os.ReadFile(testdataFile("wasi/vars.c"))
	if err != nil {
		t.Fatal(err)
	}
	lineOf := func(marker string) int {
		return strings.Count(string(b[:strings.Index(string(b), marker)]), "\n") + 1
	}
	c := newCmdSession(t, "wasi/vars.wasm", "standard", "")
	// In bump, at its first printf: the static, and main's unit's globals.
	c.do(fmt.Sprintf("break vars.c:%d", lineOf("/* L:static */")))
	c.stop("continue")
	calls, typ := c.srcVar("calls")
	callsAddr, ptyp := c.srcVar("&calls")
	counter0, _ := c.srcVar("counter")
	if typ != "int" || ptyp != "int *" {
		t.Errorf("calls: %s, &calls: %s; want int, int *", typ, ptyp)
	}
	g := c.do("vars -g")
	for _, want := range []string{"calls = " + calls + " (int)\n", "counter = " + counter0 + " (int)\n", "origin = {x = "} {
		if !strings.Contains(g, want) {
			t.Errorf("vars -g: no %q in\n%s", want, g)
		}
	}
	if v := c.do("vars"); !strings.Contains(v, "calls = ") || strings.Contains(v, "counter") {
		t.Errorf("vars in bump: want calls, not counter:\n%s", v)
	}
	c.do("delete")
	// In main, at the last printf: the globals, their addresses, a field's.
	c.do(fmt.Sprintf("break vars.c:%d", lineOf("/* L:globals */")))
	c.stop("continue")
	counter, _ := c.srcVar("counter")
	counterAddr, _ := c.srcVar("&counter")
	oy, _ := c.srcVar("origin.y")
	oyAddr, ptyp := c.srcVar("&origin.y")
	if ptyp != "short *" {
		t.Errorf("&origin.y has type %s, want short *", ptyp)
	}
	viaMem := strings.TrimSpace(c.do("print mem[&counter]"))
	derefAddr, _ := c.srcVar("*&counter")
	elemDiff := strings.TrimSpace(c.do("print &primes[2] - &primes[0]"))
	for line, want := range map[string]string{
		"print calls": "no local or global", "print &u + &": "expected a value", "print &3": "not a C variable",
		"set &counter = 1": "not a local",
	} {
		if got := c.fail(line); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q in it", line, got, want)
		}
	}
	c.stop("continue")
	out := c.guest.String()
	m := regexp.MustCompile(`calls = (\d+) at (\d+)\n`).FindStringSubmatch(out)
	if m == nil || m[1] != calls || fmt.Sprint(parseAddr(t, callsAddr)) != m[2] {
		t.Errorf("calls = %s at %s in bump's first call; the program printed %v", calls, callsAddr, m)
	}
	m = regexp.MustCompile(`counter = (\d+) at (\d+), origin.y = (-?\d+) at (\d+)\n`).FindStringSubmatch(out)
	if m == nil || counter != m[1] || fmt.Sprint(parseAddr(t, counterAddr)) != m[2] || oy != m[3] || fmt.Sprint(parseAddr(t, oyAddr)) != m[4] {
		t.Errorf("counter = %s at %s, origin.y = %s at %s; the program printed %v", counter, counterAddr, oy, oyAddr, m)
	}
	if counter0 != "0" || viaMem != "i32:"+counter || derefAddr != counter || elemDiff != "&primes[2] - &primes[0] = 2 (int)" {
		t.Errorf("counter in bump's first call = %s (want 0: C zeroes globals); mem[&counter] = %s, *&counter = %s (want %s); &primes[2] - &primes[0] = %s (want 2 (int): C counts elements)",
			counter0, viaMem, derefAddr, counter, elemDiff)
	}

	// watch mem[&counter] stops where main adds to counter.
	c = newCmdSession(t, "wasi/vars.wasm", "standard", "")
	c.do(fmt.Sprintf("break vars.c:%d", lineOf("/* L:print */")))
	c.stop("continue")
	c.do("delete")
	if got := c.do("watch mem[&counter]"); !strings.Contains(got, "watchpoint ") {
		t.Fatalf("watch mem[&counter]: %q", got)
	}
	c.stop("continue")
	if v, _ := c.srcVar("counter"); v != "101" { // calls starts at 100, bump returns 101 first
		t.Errorf("counter at the first change = %s, want 101", v)
	}
}

// outputFinder returns a function that finds a regexp in a program's
// output and returns its groups, failing the test when it is not there.
func outputFinder(t *testing.T, out string) func(re string) []string {
	return func(re string) []string {
		t.Helper()
		m := regexp.MustCompile(re).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no %s in the output:\n%s", re, out)
		}
		return m[1:]
	}
}

// parseAddr reads a pointer as print shows it (0x...).
func parseAddr(t *testing.T, s string) uint64 {
	t.Helper()
	a, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 32)
	if err != nil || !strings.HasPrefix(s, "0x") {
		t.Fatalf("pointer %q", s)
	}
	return a
}

// watch on C objects: a global's changes are the running sums of what
// bump returns (the calls values vars.c prints), shown as C values; a
// variable held in a WebAssembly local, or optimised out, is refused.
func TestWatchSourceVar(t *testing.T) {
	c := newCmdSession(t, "wasi/vars.wasm", "standard", "")
	// Before main runs, a bare LINE is a line of main's file.
	printLine := varsLine(t, "/* L:print */")
	if got := c.do(fmt.Sprintf("break %d", printLine)); !strings.Contains(got, fmt.Sprintf(" at vars.c:%d\n", printLine)) {
		t.Fatalf("break %d at the entry: %q, want a breakpoint on vars.c's line", printLine, got)
	}
	c.stop("continue")
	c.do("delete")
	if got := c.do("watch counter"); !strings.Contains(got, "counter at mem[") {
		t.Fatalf("watch counter: %q", got)
	}
	// A field through pointers, never written after this line.
	c.do("watch l->next->v")
	var changes []string
	for {
		out := c.do("continue")
		if c.s.State().Reason != WatchpointHit {
			break
		}
		m := regexp.MustCompile(`counter at mem\[0x[0-9a-f]+\.\.0x[0-9a-f]+\] \(4 bytes\): (-?\d+) -> (-?\d+)\n`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("watch report: %q", out)
		}
		changes = append(changes, m[1]+"->"+m[2])
	}
	var want []string
	sum := 0
	for _, m := range regexp.MustCompile(`calls = (\d+) at`).FindAllStringSubmatch(c.guest.String(), -1) {
		n, _ := strconv.Atoi(m[1])
		want = append(want, fmt.Sprintf("%d->%d", sum, sum+n))
		sum += n
	}
	if len(want) == 0 || !slices.Equal(changes, want) {
		t.Errorf("counter's changes: %v; from the printed calls values: %v", changes, want)
	}
	if !strings.Contains(c.do("info watch"), "l->next->v at mem[") {
		t.Errorf("info watch does not list l->next->v:\n%s", c.do("info watch"))
	}

	// With a condition, only the changes after which it holds, both ways.
	c = stopInVarsC(t, "/* L:print */")
	c.do("watch counter if counter > 150")
	var condChanges, wantCond []string
	for {
		c.do("continue")
		if c.s.State().Reason != WatchpointHit {
			break
		}
		condChanges = append(condChanges, strings.TrimSpace(c.do("print counter")))
	}
	for _, w := range want {
		_, after, _ := strings.Cut(w, "->")
		if n, _ := strconv.Atoi(after); n > 150 {
			wantCond = append(wantCond, "counter = "+after+" (int)")
		}
	}
	back := strings.TrimSpace(c.do("reverse-continue") + c.do("print counter"))
	if len(wantCond) == 0 || !slices.Equal(condChanges, wantCond) || !strings.HasSuffix(back, wantCond[len(wantCond)-1]) {
		t.Errorf("watch counter if counter > 150: stops at %v, want %v; reverse-continue from the end: %q", condChanges, wantCond, back)
	}

	c = newCmdSession(t, "wasi/compute.wasm", "standard", "")
	c.do("break hanoi")
	c.stop("continue")
	for line, want := range map[string]string{"watch n": "not in memory or a global", "watch from": "optimised out"} {
		if got := c.fail(line); !strings.Contains(got, want) {
			t.Errorf("%s in hanoi at -O2: %q, want %q in it", line, got, want)
		}
	}
}

// display shows its expressions after every stop, forwards and backwards:
// at lines.c's print line, i and q are what the program prints there.
func TestDisplay(t *testing.T) {
	L := lineMarkers(t)
	c := newCmdSession(t, "wasi/lines.wasm", "standard", "")
	if got := c.do("display sum"); !strings.HasPrefix(got, "1: sum: no ") {
		t.Errorf("display sum before main: %q, want the reason it cannot be shown", got)
	}
	c.do(fmt.Sprintf("break lines.c:%d", L["print"]))
	c.do("undisplay 1")
	c.stop("continue")
	c.do("display i")
	c.do("display/x q")
	re := regexp.MustCompile(`(?m)^2: i = (\d+) \(int\)\n3: q = i32:0x([0-9a-f]+)$`)
	var shown []string
	for {
		out := c.do("continue")
		if c.s.State().Reason != BreakpointHit {
			break
		}
		m := re.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("continue: no displays in %q", out)
		}
		q, _ := strconv.ParseUint(m[2], 16, 32)
		shown = append(shown, fmt.Sprintf("square(%s) = %d", m[1], q))
	}
	printed := regexp.MustCompile(`square\(\d+\) = \d+`).FindAllString(c.guest.String(), -1)
	// The first stop was before display: the displays start at the second.
	if len(printed) < 3 || !slices.Equal(shown, printed[1:]) {
		t.Errorf("displays at the print line: %v; the program printed %v", shown, printed)
	}
	if out := c.do("reverse-continue"); !re.MatchString(out) {
		t.Errorf("reverse-continue: no displays in %q", out)
	}
	c.do("undisplay")
	if out := c.do("reverse-step"); strings.Contains(out, "i = ") {
		t.Errorf("after undisplay: %q", out)
	}
}

// ptype shows vars.c's types as the source declares them; whatis names
// them; BLUE's value is the c the program prints.
func TestPtype(t *testing.T) {
	b, err := os.ReadFile(testdataFile("wasi/vars.c"))
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	c := stopInVarsC(t, "/* L:print */")
	space := regexp.MustCompile(`\s+`)
	norm := func(s string) string { return space.ReplaceAllString(strings.TrimSpace(s), " ") }
	for expr, decl := range map[string]string{"p": "struct point {", "*l": "struct list {", "poly": "struct poly {"} {
		i := strings.Index(src, decl)
		want := "type = " + norm(src[i:i+strings.Index(src[i:], "};")+1])
		if got := norm(c.do("ptype " + expr)); got != want {
			t.Errorf("ptype %s: %q, the source has %q", expr, got, want)
		}
	}
	if got := norm(c.do("ptype l")); !strings.HasPrefix(got, "type = struct list { int v;") || !strings.HasSuffix(got, "} *") {
		t.Errorf("ptype l: %q, want struct list's definition and *", got)
	}
	ptypeC := c.do("ptype c")
	c.stop("continue")
	m := regexp.MustCompile(`c = (\d+)\n`).FindStringSubmatch(c.guest.String())
	if m == nil || !strings.Contains(ptypeC, "BLUE = "+m[1]+"}") || !strings.HasPrefix(ptypeC, "type = enum color {RED = 0, GREEN = 5, ") {
		t.Errorf("ptype c: %q; the program printed c (BLUE) = %v", ptypeC, m)
	}
}

// varsLine is the line of vars.c that holds marker.
func varsLine(t *testing.T, marker string) int {
	t.Helper()
	b, err := os.ReadFile(testdataFile("wasi/vars.c"))
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(b), marker)
	if i < 0 {
		t.Fatalf("no %s in vars.c", marker)
	}
	return strings.Count(string(b[:i]), "\n") + 1
}

// stopInVarsC starts vars.wasm and runs it to the line with marker.
func stopInVarsC(t *testing.T, marker string) *cmdSession {
	t.Helper()
	c := newCmdSession(t, "wasi/vars.wasm", "standard", "")
	c.do(fmt.Sprintf("break vars.c:%d", varsLine(t, marker)))
	c.stop("continue")
	c.do("delete")
	return c
}

// At an -O0 function's first instruction (break square), its variables
// live relative to a frame base the prologue has not set up: an error
// says so, rather than a wrong value; past the prologue, k is the
// argument the program prints.
func TestVarsBeforePrologue(t *testing.T) {
	c := newCmdSession(t, "wasi/lines.wasm", "standard", "")
	c.do("break square")
	for range 3 {
		c.stop("continue")
	}
	if got := c.fail("print k"); !strings.Contains(got, "prologue has not run") {
		t.Errorf("print k at square's entry: %q", got)
	}
	if v := c.do("vars"); !strings.Contains(v, "k = <not set yet") {
		t.Errorf("vars at square's entry: %q", v)
	}
	c.stop("step-line")
	k, _ := c.srcVar("k")
	c.do("delete")
	c.stop("continue")
	printed := regexp.MustCompile(`square\((\d+)\)`).FindAllStringSubmatch(c.guest.String(), -1)
	if len(printed) < 3 || k != printed[2][1] {
		t.Errorf("k in square's third call, past the prologue = %s; the program printed %v", k, printed)
	}
}

// C pointer arithmetic, casts and sizeof at vars.c's print line agree
// with what the program computes and prints (its sizeof and cast line,
// its primes, l->next->v and ratio); WebAssembly values keep their
// meaning.
func TestVarsCExpr(t *testing.T) {
	c := stopInVarsC(t, "/* L:print */")
	// The C view first; the program's output is read after the run.
	type got struct{ v, typ string }
	vals := map[string]got{}
	for _, e := range []string{
		"primes + 2", "&primes[2]", "2 + primes", "*(primes + 2)", "*(2 + primes)", "(&primes[1])[1]", "*(&primes[5] - 3)",
		"&primes[4] - &primes[1]", "primes + 5 - 3 - primes", "l", "l + 1", "l - 1 + 1", "(l + 0)->next->v", "(*(l + 0)).next->v",
		"(char *)(l + 1) - (char *)l", "(char *)(&p + 1) - (char *)&p", "msg", "msg + 1", "*(msg + 1)", "msg[1]",
		"(char)300", "(int)-ratio", "(unsigned char)-1", "(int)ratio", "(float)ratio", "(long long)l", "(unsigned)l", "(short)70000",
		"(unsigned short)(-1)", "(_Bool)5", "(bool)0", "(enum color)6",
		"sizeof(struct point)", "sizeof p", "sizeof(p)", "sizeof(struct list)", "sizeof *l", "sizeof primes", "sizeof(long long)",
		"sizeof(int *)", "sizeof primes[0]", "(uint8_t)300", "(uint16_t)(-1)", "sizeof(int64_t)", "sizeof(uint16_t *)",
		"(char *)msg", "*(const unsigned char *)msg",
	} {
		v, typ := c.srcVar(e)
		vals[e] = got{v, typ}
	}
	for i := range 6 {
		v, _ := c.srcVar(fmt.Sprintf("*(primes + %d)", i))
		vals[fmt.Sprintf("elem %d", i)] = got{v, ""}
	}
	lAddr := vals["l"].v
	cast := map[string]string{}
	for _, e := range []string{"((struct list *)" + lAddr + ")->next->v", "(*(struct list *)" + lAddr + ").v", "((struct list *)" + lAddr + ")[0].v"} {
		cast[e], _ = c.srcVar(e)
	}
	comparisons := map[string]string{"l == &a": "true", "l != &a": "false", "l + 1 > l": "true", "primes == &primes[0]": "true",
		"primes + 1 != primes": "true", "&primes[1] < primes": "false", "l == 0": "false"}
	for e, want := range comparisons {
		if got := strings.TrimSpace(c.do("print " + e)); got != want {
			t.Errorf("print %s = %s, want %s", e, got, want)
		}
	}
	for line, want := range map[string]string{
		"print l + l": "cannot be added", "print (struct point)p": "cannot cast to struct point", "print (void *)l + 1": "void *",
		"print 1 - l": "cannot be subtracted", "print l - primes": "different types", "print (struct nope *)0": "no type struct nope",
		"print sizeof 1": "not a C object", "print primes + 1.5": "must be an integer", "print (nosuchtype)3": "no type nosuchtype",
		"print (signed unsigned)1": "not a C type", "print (unsigned long long)1e30": "does not fit", "print *(l + 0.5)": "integer",
		"print p + 1": "not a number", "set (char)u = 1": "not a local", "print (int64_t)-1": "int64_t is a C type, not a value",
	} {
		if got := c.fail(line); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q in it", line, got, want)
		}
	}
	// WebAssembly values and C scalars in arithmetic keep their meaning;
	// a pointer inside a larger expression is its u32 address.
	wasm := map[string]string{}
	for _, e := range []string{"p.x + 1", "ratio * 2", "$0 - $0", "primes[1] * 10", "(int)ratio + 1", "sizeof(struct point) * 2", "mem[primes + 1]",
		"(l + 1) | 0", "u + 1"} {
		wasm[e] = strings.TrimSpace(c.do("print " + e))
	}
	hexNext := strings.TrimSpace(c.do("print/x l + 1"))
	c.stop("continue")
	out := c.guest.String()
	find := outputFinder(t, out)
	primes := strings.Split(find(`primes = \{([0-9, ]+)\}`)[0], ", ")
	sizes := find(`sizeof: point (\d+), list (\d+), primes (\d+), long long (\d+)`)
	conv := find(`\(char\)300 = (-?\d+), \(int\)-ratio = (-?\d+), \(unsigned char\)-1 = (\d+), &primes\[4\] - &primes\[1\] = (-?\d+)`)
	next := find(`l->next->v = (\d+)`)[0]
	px := find(`p = \{(-?\d+),`)[0]
	ratio, err := strconv.ParseFloat(find(`ratio = ([0-9.e+-]+)`)[0], 64)
	if err != nil {
		t.Fatal(err)
	}
	u := find(`u = (\d+)`)[0]
	addr := func(e string) uint64 { return parseAddr(t, strings.Fields(vals[e].v)[0]) }
	num := func(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }
	listSize, pointSize := num(sizes[1]), num(sizes[0])
	n300 := 300

	check := func(e, v, typ string) {
		t.Helper()
		if g := vals[e]; g.v != v || g.typ != typ {
			t.Errorf("print %s = %s (%s), want %s (%s)", e, g.v, g.typ, v, typ)
		}
	}
	// Pointer arithmetic scales by the element's size.
	if vals["primes + 2"].typ != "int *" || addr("primes + 2") != addr("&primes[2]") || addr("2 + primes") != addr("&primes[2]") {
		t.Errorf("primes + 2 = %v, 2 + primes = %v, &primes[2] = %v", vals["primes + 2"], vals["2 + primes"], vals["&primes[2]"])
	}
	for _, e := range []string{"*(primes + 2)", "*(2 + primes)", "(&primes[1])[1]", "*(&primes[5] - 3)"} {
		check(e, primes[2], "int")
	}
	for i := range 6 {
		if v := vals[fmt.Sprintf("elem %d", i)].v; v != primes[i] {
			t.Errorf("*(primes + %d) = %s, the program printed %s", i, v, primes[i])
		}
	}
	check("&primes[4] - &primes[1]", conv[3], "int")
	check("primes + 5 - 3 - primes", "2", "int")
	if vals["l + 1"].typ != "struct list *" || int64(addr("l + 1")-addr("l")) != listSize || addr("l - 1 + 1") != addr("l") {
		t.Errorf("l = %v, l + 1 = %v, l - 1 + 1 = %v; sizeof(struct list) is %d", vals["l"], vals["l + 1"], vals["l - 1 + 1"], listSize)
	}
	check("(l + 0)->next->v", next, "int")
	check("(*(l + 0)).next->v", next, "int")
	check("(char *)(l + 1) - (char *)l", sizes[1], "int")
	check("(char *)(&p + 1) - (char *)&p", sizes[0], "int")
	if vals["msg + 1"].typ != "const char *" || addr("msg + 1") != addr("msg")+1 || vals["*(msg + 1)"].v != vals["msg[1]"].v {
		t.Errorf("msg + 1 = %v, *(msg + 1) = %v, msg[1] = %v", vals["msg + 1"], vals["*(msg + 1)"], vals["msg[1]"])
	}
	// Casts convert as the program's own casts do.
	if v := vals["(char)300"]; strings.Fields(v.v)[0] != conv[0] || v.typ != "char" {
		t.Errorf("(char)300 = %v, the program printed %s", v, conv[0])
	}
	check("(int)-ratio", conv[1], "int")
	if v := vals["(unsigned char)-1"]; strings.Fields(v.v)[0] != conv[2] || v.typ != "unsigned char" {
		t.Errorf("(unsigned char)-1 = %v, the program printed %s", v, conv[2])
	}
	check("(int)ratio", strconv.Itoa(int(ratio)), "int")
	check("(float)ratio", strconv.FormatFloat(float64(float32(ratio)), 'g', -1, 32), "float")
	check("(long long)l", strconv.FormatUint(addr("l"), 10), "long long")
	check("(unsigned)l", strconv.FormatUint(addr("l"), 10), "unsigned int")
	check("(short)70000", strconv.Itoa(int(int16(70000%65536))), "short")
	check("(unsigned short)(-1)", "65535", "unsigned short")
	check("(_Bool)5", "true", "_Bool")
	check("(bool)0", "false", "_Bool")
	check("(enum color)6", "BLUE", "enum color") // BLUE = GREEN + 1 = 6 in the source
	// Typedefs of <stdint.h> (wasi-libc's units declare them): exact widths.
	if v := vals["(uint8_t)300"]; strings.Fields(v.v)[0] != strconv.Itoa(int(uint8(n300))) || v.typ != "uint8_t" {
		t.Errorf("(uint8_t)300 = %v, want %d (uint8_t)", v, uint8(n300))
	}
	check("(uint16_t)(-1)", strconv.Itoa(math.MaxUint16), "uint16_t")
	check("sizeof(int64_t)", "8", "unsigned int")
	check("sizeof(uint16_t *)", "4", "unsigned int")
	// A pointer cast keeps the address (and the string), qualifiers kept.
	check("(char *)msg", vals["msg"].v, "char *")
	if m := find(`msg = (.+)`)[0]; vals["*(const unsigned char *)msg"] != (got{fmt.Sprintf("%d %q", m[0], m[0]), "const unsigned char"}) {
		t.Errorf("*(const unsigned char *)msg = %v; the program printed msg = %s", vals["*(const unsigned char *)msg"], m)
	}
	if cast["((struct list *)"+lAddr+")->next->v"] != next {
		t.Errorf("((struct list *)%s)->next->v = %s, the program printed l->next->v = %s", lAddr, cast["((struct list *)"+lAddr+")->next->v"], next)
	}
	if a, b := cast["(*(struct list *)"+lAddr+").v"], cast["((struct list *)"+lAddr+")[0].v"]; a != "10" || b != a {
		t.Errorf("(*(struct list *)l).v = %s, ((struct list *)l)[0].v = %s, want a.v = 10 (the source's initialiser)", a, b)
	}
	// sizeof, as the program's own sizeof.
	for e, want := range map[string]string{"sizeof(struct point)": sizes[0], "sizeof p": sizes[0], "sizeof(p)": sizes[0],
		"sizeof(struct list)": sizes[1], "sizeof *l": sizes[1], "sizeof primes": sizes[2], "sizeof(long long)": sizes[3],
		"sizeof(int *)": "4", "sizeof primes[0]": strconv.Itoa(int(num(sizes[2]) / 6))} {
		check(e, want, "unsigned int")
	}
	// WebAssembly arithmetic.
	for e, want := range map[string]string{"p.x + 1": "i32:" + strconv.Itoa(int(num(px)+1)), "ratio * 2": "f64:" + strconv.FormatFloat(2*ratio, 'g', -1, 64),
		"$0 - $0": "i32:0", "primes[1] * 10": "i32:" + strconv.Itoa(int(num(primes[1])*10)), "(int)ratio + 1": "i32:" + strconv.Itoa(int(ratio)+1),
		"sizeof(struct point) * 2": "u32:" + strconv.Itoa(int(2*pointSize)), "mem[primes + 1]": "i32:" + primes[1],
		"(l + 1) | 0": "u32:" + strconv.FormatUint(addr("l + 1"), 10), "u + 1": "u32:" + strconv.Itoa(int(num(u)+1))} {
		if wasm[e] != want {
			t.Errorf("print %s = %s, want %s", e, wasm[e], want)
		}
	}
	if hexNext != fmt.Sprintf("u32:0x%x", addr("l + 1")) {
		t.Errorf("print/x l + 1 = %s, want u32:0x%x", hexNext, addr("l + 1"))
	}

	// set through pointer arithmetic, a condition and a log message on it.
	line := varsLine(t, "/* L:print */")
	c = newCmdSession(t, "wasi/vars.wasm", "standard", "")
	c.do(fmt.Sprintf("break vars.c:%d if *(primes + 2) == %s && sizeof(struct point) == %d", line, primes[2], pointSize))
	c.do(fmt.Sprintf(`break vars.c:%d log "third={*(primes + 2)} size={sizeof(struct list)} cast={(char)300}"`, line))
	if out := c.do("continue"); !strings.Contains(out, fmt.Sprintf("third=%s size=%d cast=%s\n", primes[2], listSize, conv[0])) ||
		c.s.State().Reason != BreakpointHit {
		t.Fatalf("continue to a condition and a log point on C expressions: %q", out)
	}
	if out := c.do("set *(primes + 1) = 30"); out != "*(primes + 1) = 30 (int)\n" {
		t.Errorf("set *(primes + 1) = 30: %q", out)
	}
	c.do("set (l + 0)->next->v = *(primes + 1) + 1")
	c.do("delete")
	c.stop("continue")
	for _, want := range []string{"primes = {2, 30, 5, 7, 11, 13}", "l->next->v = 31"} {
		if !strings.Contains(c.guest.String(), want+"\n") {
			t.Errorf("after the sets, no %q in the output:\n%s", want, c.guest.String())
		}
	}
}

// OBJ@N prints N objects from OBJ's address as a C array: runs of primes
// and of msg's characters, as the program prints them.
func TestVarsArtificialArray(t *testing.T) {
	c := stopInVarsC(t, "/* L:print */")
	run, typ := c.srcVar("primes[1]@3")
	deref, _ := c.srcVar("*primes@2+1") // *primes@(2+1): @ binds looser than +
	chars, ctyp := c.srcVar("*msg@5")
	if w, _ := c.srcVar("*(primes + 1)@2"); !strings.HasPrefix(run, strings.TrimSuffix(w, "}")+", ") {
		t.Errorf("*(primes + 1)@2 = %s, not the start of primes[1]@3 = %s", w, run)
	}
	for line, want := range map[string]string{"print $0@2": "must be a C object in memory", "print primes[0]@0": "count must be",
		"print primes@-1": "count must be", "print primes[0]@1.5": "count must be"} {
		if got := c.fail(line); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q in it", line, got, want)
		}
	}
	c.do("delete")
	c.stop("continue")
	out := c.guest.String()
	primes := regexp.MustCompile(`primes = \{(\d+), (\d+), (\d+), (\d+), (\d+), (\d+)\}`).FindStringSubmatch(out)
	msg := regexp.MustCompile(`msg = (.*)\n`).FindStringSubmatch(out)
	if primes == nil || msg == nil {
		t.Fatalf("the program's output: %q", out)
	}
	if want := "{" + strings.Join(primes[2:5], ", ") + "}"; run != want || typ != "int [3]" {
		t.Errorf("primes[1]@3 = %s (%s), the program printed primes %v: want %s (int [3])", run, typ, primes[1:], want)
	}
	if want := "{" + strings.Join(primes[1:4], ", ") + "}"; deref != want {
		t.Errorf("*primes@2+1 = %s, want %s", deref, want)
	}
	if want := strconv.Quote(msg[1][:5]); chars != want || ctyp != "const char [5]" {
		t.Errorf("*msg@5 = %s (%s), want %s (const char [5]): the program printed msg = %s", chars, ctyp, want, msg[1])
	}
}
