package standard

import (
	"errors"
	"strings"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// TestTraps checks the spec's message for every kind of trap, and that the
// machine stays at the trapping instruction.
func TestTraps(t *testing.T) {
	tests := []struct{ fn, msg string }{
		{"unreachable", engines.MsgUnreachable},
		{"div0", engines.MsgDivideByZero},
		{"rem0", engines.MsgDivideByZero},
		{"divovf", engines.MsgIntegerOverflow},
		{"divovf64", engines.MsgIntegerOverflow},
		{"truncnan", engines.MsgInvalidConversion},
		{"truncbig", engines.MsgIntegerOverflow},
		{"truncneg", engines.MsgIntegerOverflow},
		{"load", engines.MsgMemoryOOB},
		{"store", engines.MsgMemoryOOB},
		{"fill", engines.MsgMemoryOOB},
		{"undefined", engines.MsgUndefinedElement},
		{"uninit", engines.MsgUninitialized},
		{"mismatch", engines.MsgIndirectMismatch},
		{"tableget", engines.MsgTableOOB},
	}
	mod := load(t, "traps")
	m := instance(t, mod, engines.Options{})
	for _, tt := range tests {
		start(t, m, tt.fn)
		ev := m.Run(noStop)
		if ev.Kind != engines.Trapped || ev.Trap.Msg != tt.msg {
			t.Errorf("%s: %v %v, want trap %q", tt.fn, ev.Kind, ev.Trap, tt.msg)
			continue
		}
		fn, off, ok := m.PC()
		f := mod.Funcs[fn]
		if !ok || fn != export(t, m, tt.fn) || off != ev.Trap.Offset {
			t.Errorf("%s: machine at %d/0x%x, trap at 0x%x", tt.fn, fn, off, ev.Trap.Offset)
		}
		// The trapping instruction is the last before the final end.
		if want := f.Instrs[len(f.Instrs)-2].Offset; off != want {
			t.Errorf("%s: trap at 0x%x, want 0x%x", tt.fn, off, want)
		}
		// The operands are still there: the state is a valid snapshot.
		if _, err := m.Snapshot(); err != nil {
			t.Errorf("%s: snapshot at the trap: %v", tt.fn, err)
		}
	}

	// Results that do not trap.
	for fn, want := range map[string]uint64{"removf": 0, "satnan": 0} {
		start(t, m, fn)
		if got := runToEnd(t, m); got[0] != want {
			t.Errorf("%s = %d, want %d", fn, got[0], want)
		}
	}
}

// TestHostErrors: a host error is a trap with its cause; an ExitError ends
// the run with Exited and no frames.
func TestHostErrors(t *testing.T) {
	boom := errors.New("boom")
	var fail error
	host := hostFunc(func(engines.Machine, []uint64, []uint64) error { return fail })
	m := instance(t, load(t, "counting"), engines.Options{}, host)

	fail = boom
	start(t, m, "calls", 1)
	ev := m.Run(noStop)
	if ev.Kind != engines.Trapped || !errors.Is(ev.Trap, boom) || ev.Trap.Msg != "boom" {
		t.Fatalf("%v %v", ev.Kind, ev.Trap)
	}
	f := m.Module().Funcs[ev.Trap.Func]
	if i, ok := f.InstrAt(ev.Trap.Offset); !ok || f.Instrs[i].Op != wasm.OpCall {
		t.Errorf("host trap at 0x%x, not at a call", ev.Trap.Offset)
	}

	fail = &engines.ExitError{Code: 3}
	c := m.Counter()
	start(t, m, "calls", 1)
	ev = m.Run(noStop)
	if ev.Kind != engines.Exited || ev.ExitCode != 3 {
		t.Fatalf("%v %d", ev.Kind, ev.ExitCode)
	}
	// local.get, call, 4 in $double, and the exiting call.
	if m.Depth() != 0 || m.Counter()-c != 7 {
		t.Errorf("after exit: depth %d, counted %d, want 0 and 7", m.Depth(), m.Counter()-c)
	}
}

// TestImportChecks: imports must match the module's types.
func TestImportChecks(t *testing.T) {
	mod := load(t, "counting")
	p, err := Engine{}.Compile(mod, engines.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bad := []engines.Extern{
		{Kind: wasm.ExternMemory, Memory: engines.NewMemory(wasm.MemoryType{}, 0)},
		hostFunc(nil),
	}
	bad[1].Func.Type.Results = nil
	for _, ext := range bad {
		_, err := p.Instantiate(engines.NewStore(), []engines.Extern{ext})
		if err == nil || err.Error()[:len("incompatible import type for env.host")] != "incompatible import type for env.host" {
			t.Errorf("import %v: error %v", ext.Kind, err)
		}
	}
}

// TestLinking: calls to another instance through an import and through
// table references, and references to it in snapshots.
func TestLinking(t *testing.T) {
	store := engines.NewStore()
	compile := func(name string) engines.Program {
		p, err := Engine{}.Compile(load(t, name), engines.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, err := compile("linkA").Instantiate(store, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := a.Export("f")
	tab, _ := a.Export("tab")
	b, err := compile("linkB").Instantiate(store, []engines.Extern{f, tab})
	if err != nil {
		t.Fatal(err)
	}
	start(t, b, "run", 2)
	// f(f(f(2))) = 54
	if got := runToEnd(t, b); got[0] != 54 {
		t.Errorf("run(2) = %v, want 54", got)
	}
	// The counter of b counts its own instructions only: local.get,
	// i32.const, call_indirect, i32.const, ref.func, table.set, ref.func,
	// global.set, i32.const, call_indirect, call, end.
	if b.Counter() != 12 {
		t.Errorf("b's counter %d, want 12", b.Counter())
	}
	// References to a's function are b's import 0 in b's snapshot.
	s, err := b.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if s.Globals[0].Lo != 1 || s.Tables[0].Elems[0].Lo != 1 || s.Tables[0].Elems[1].Lo != 1 {
		t.Errorf("snapshot refs: global %v, table %v", s.Globals[0], s.Tables[0].Elems)
	}
	if err := b.Restore(s); err != nil {
		t.Fatal(err)
	}
	if got := b.Table(0).Elems[0]; got != engines.FuncRef(a.ID(), 0) {
		t.Errorf("restored reference %#x, want %#x", got, engines.FuncRef(a.ID(), 0))
	}
	// A reference b cannot name is refused.
	b.Table(0).Elems[1] = engines.FuncRef(a.ID()+7, 0)
	if _, err := b.Snapshot(); err == nil || !strings.Contains(err.Error(), "another instance") {
		t.Errorf("foreign reference: %v", err)
	}
}
