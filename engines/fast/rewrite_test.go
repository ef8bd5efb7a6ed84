package fast

import (
	"os"
	"strings"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/wasm"
)

func load(t *testing.T, file string) (*program, *wasm.Module) {
	t.Helper()
	data, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := wasm.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Engine{}.Compile(mod, engines.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p.(*program), mod
}

// translatedFunc returns function i of p, translated.
func translatedFunc(t *testing.T, p *program, i int) *function {
	t.Helper()
	fn := p.funcs[i]
	if err := fn.translated(); err != nil {
		t.Fatal(err)
	}
	return fn
}

func start(t *testing.T, p *program, name string, args ...uint64) *machine {
	t.Helper()
	m, err := p.Instantiate(engines.NewStore(), nil)
	if err != nil {
		t.Fatal(err)
	}
	fn, ok := p.mod.ExportedFunc(name)
	if !ok {
		t.Fatalf("no export %q", name)
	}
	if err := m.Start(fn, args); err != nil {
		t.Fatal(err)
	}
	return m.(*machine)
}

// runTo runs m to counter c and returns the top frame.
func runTo(t *testing.T, m *machine, c uint64) snapshot.Frame {
	t.Helper()
	if ev := m.Run(engines.Stop{Limit: c}); ev.Kind != engines.LimitReached {
		t.Fatalf("run to %d: %v", c, ev.Kind)
	}
	fr := m.Frames()
	return fr[len(fr)-1]
}

func finish(t *testing.T, m *machine) []uint64 {
	t.Helper()
	ev := m.Run(engines.Stop{Limit: engines.NoLimit})
	if ev.Kind != engines.Done {
		t.Fatalf("finish: %v", ev.Kind)
	}
	return ev.Results
}

func i32s(vs []snapshot.Value) []uint64 {
	var out []uint64
	for _, v := range vs {
		out = append(out, v.Lo)
	}
	return out
}

func equal(a []uint64, b ...uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestFoldedLocalGet: local.get emits no code; the boundaries after each
// one share the add's position, and the stack maps read the operands from
// the locals.
func TestFoldedLocalGet(t *testing.T) {
	p, _ := load(t, "rewrite.wasm")
	fn := translatedFunc(t, p, 0)
	v := fn.fast
	if v.pos[0] != 0 || v.pos[1] != 0 || v.pos[2] != 0 {
		t.Fatalf("positions %v: the local.gets should be folded onto the add", v.pos)
	}
	if len(v.code) != 2 || v.code[0].code != opI32Add || v.code[0].a != fn.localOff[0]*4 || v.code[0].b != fn.localOff[1]*4 {
		t.Fatalf("code %+v: want one add reading the locals' cells, then return", v.code)
	}
	if k := fn.operandKinds(2, 2); k[0] != inLocal || k[1] != inLocal {
		t.Fatalf("stack map before the add: %v, want two locals", k)
	}
	m := start(t, p, "fold", 3, 4)
	if fr := runTo(t, m, 1); !equal(i32s(fr.Stack), 3) {
		t.Fatalf("after the first local.get: stack %v", fr.Stack)
	}
	if fr := runTo(t, m, 2); !equal(i32s(fr.Stack), 3, 4) {
		t.Fatalf("after the second local.get: stack %v", fr.Stack)
	}
	// Near the limit the machine runs the precise variant; back in the
	// fast one, the boundary is the add's op.
	m.SetPrecise(false)
	if m.code != fn.fast || m.pc != 0 || m.wi != 2 {
		t.Fatalf("native position %d/%d, want op 0 of the fast code at instruction 2", m.pc, m.wi)
	}
	if r := finish(t, m); !equal(r, 7) {
		t.Fatalf("result %v", r)
	}
}

// TestPreserveOnSet: the operand that aliases local 0 is copied to its
// home before local.set 0 changes the local.
func TestPreserveOnSet(t *testing.T) {
	p, _ := load(t, "rewrite.wasm")
	fn := translatedFunc(t, p, 1)
	if k := fn.operandKinds(2, 2); k[0] != inLocal || k[1] != inConst {
		t.Fatalf("stack map before local.set: %v, want local, const", k)
	}
	if k := fn.operandKinds(3, 1); k[0] != inHome {
		t.Fatalf("stack map after local.set: %v, want the preserved operand in its home", k)
	}
	c := fn.fast.code
	if c[0].code != opMov32 || c[0].a != fn.localOff[0]*4 || c[0].c != uint32(fn.homeBase)*4 {
		t.Fatalf("first op %+v: want the preserving copy of local 0 to its home", c[0])
	}
	m := start(t, p, "preserve", 10)
	if fr := runTo(t, m, 3); !equal(i32s(fr.Stack), 10) || !equal(i32s(fr.Locals), 5) {
		t.Fatalf("after local.set: stack %v locals %v", fr.Stack, fr.Locals)
	}
	if r := finish(t, m); !equal(r, 15) {
		t.Fatalf("result %v, want 15", r)
	}
}

// TestFusedSet: the mul writes local 1 directly in the fast variant; the
// boundary between the mul and the local.set exists only in the precise
// variant, where stepping and restoring land.
func TestFusedSet(t *testing.T) {
	p, _ := load(t, "rewrite.wasm")
	fn := translatedFunc(t, p, 2)
	if fn.fast.pos[3] != -1 {
		t.Fatalf("fast position of the local.set %d, want -1 (fused)", fn.fast.pos[3])
	}
	mul := fn.fast.code[fn.fast.pos[2]]
	if mul.code != opI32Mul || mul.c != fn.localOff[1]*4 {
		t.Fatalf("mul %+v should write local 1", mul)
	}
	m := start(t, p, "fused", 6)
	fr := runTo(t, m, 3)
	if !equal(i32s(fr.Stack), 36) || !equal(i32s(fr.Locals), 6, 0) {
		t.Fatalf("between mul and local.set: stack %v locals %v", fr.Stack, fr.Locals)
	}
	if m.code != fn.precise {
		t.Fatalf("stopped inside a fused op but not in the precise variant")
	}
	s, err := m.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	// Restore into a fresh machine, which runs the fast variants: the
	// top frame must resume in the precise one.
	r, _ := p.Instantiate(engines.NewStore(), nil)
	if err := r.Restore(s); err != nil {
		t.Fatal(err)
	}
	if rm := r.(*machine); rm.code != fn.precise || rm.wi != 3 {
		t.Fatalf("restored at %d in the wrong variant", rm.wi)
	}
	if res := finish(t, r.(*machine)); !equal(res, 37) {
		t.Fatalf("restored run gave %v, want 37", res)
	}
	if res := finish(t, m); !equal(res, 37) {
		t.Fatalf("result %v, want 37", res)
	}
}

// TestLoopCounting: a loop with tees, a block result, dead code after
// br; every step is one instruction and the result is right.
func TestLoopCounting(t *testing.T) {
	p, _ := load(t, "rewrite.wasm")
	m := start(t, p, "loop", 4)
	want := finish(t, start(t, p, "loop", 4))
	for {
		before := m.Counter()
		ev := m.Run(engines.Stop{Limit: before + 1})
		if m.Counter() != before+1 {
			t.Fatalf("step at %d moved the counter to %d", before, m.Counter())
		}
		if ev.Kind == engines.Done {
			if !equal(ev.Results, want...) || !equal(want, 10) {
				t.Fatalf("stepped result %v, run result %v, want 10", ev.Results, want)
			}
			return
		}
	}
}

// TestRestoreRejects: a snapshot that does not fit the module or the
// engine's code is refused, and the machine is unchanged.
func TestRestoreRejects(t *testing.T) {
	p, _ := load(t, "rewrite.wasm")
	m := start(t, p, "fold", 3, 4)
	runTo(t, m, 2)
	good, err := m.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	clone := func() *snapshot.Snapshot {
		s := *good
		s.Frames = []snapshot.Frame{good.Frames[0]}
		f := &s.Frames[0]
		f.Stack = append([]snapshot.Value(nil), f.Stack...)
		f.Locals = append([]snapshot.Value(nil), f.Locals...)
		return &s
	}
	cases := []struct {
		name, want string
		edit       func(s *snapshot.Snapshot)
	}{
		{"other module", "another module", func(s *snapshot.Snapshot) { s.ModuleHash[0] ^= 1 }},
		{"pc inside an instruction", "not the start of an instruction", func(s *snapshot.Snapshot) { s.Frames[0].PC = 0x47 }},
		{"operand type", "operand 1 is i64", func(s *snapshot.Snapshot) { s.Frames[0].Stack[1].Type = wasm.I64 }},
		{"missing operand", "1 operands", func(s *snapshot.Snapshot) { s.Frames[0].Stack = s.Frames[0].Stack[:1] }},
		{"local count", "locals", func(s *snapshot.Snapshot) { s.Frames[0].Locals = s.Frames[0].Locals[:1] }},
		{"aliased operand differs from its local", "holds it in a local", func(s *snapshot.Snapshot) { s.Frames[0].Stack[0].Lo = 99 }},
		{"no function", "not a function defined", func(s *snapshot.Snapshot) { s.Frames[0].Func = 42 }},
	}
	r, _ := p.Instantiate(engines.NewStore(), nil)
	for _, c := range cases {
		s := clone()
		c.edit(s)
		err := r.Restore(s)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Restore gave %v, want an error containing %q", c.name, err, c.want)
		}
		if r.Depth() != 0 || r.Counter() != 0 {
			t.Errorf("%s: a rejected restore changed the machine", c.name)
		}
	}
	if err := r.Restore(good); err != nil {
		t.Fatal(err)
	}
	if res := finish(t, r.(*machine)); !equal(res, 7) {
		t.Fatalf("result %v", res)
	}
}
