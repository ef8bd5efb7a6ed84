package standard

import (
	"testing"

	"github.com/wdb-dev/wdb/engines"
)

// TestCounting checks the counter against counts derived by hand from
// docs/execution-model.md (see the comments in testdata/counting.wat).
func TestCounting(t *testing.T) {
	tests := []struct {
		fn      string
		args    []uint64
		want    uint64 // instructions retired by the call
		results []uint64
	}{
		{"loop", []uint64{1}, 1 + 8*1 + 3, []uint64{1}},
		{"loop", []uint64{10}, 1 + 8*10 + 3, []uint64{10}},
		{"ifelse", []uint64{1}, 7, []uint64{3}},
		{"ifelse", []uint64{0}, 5, []uint64{2}},
		{"ifnoelse", []uint64{1}, 5, nil},
		{"ifnoelse", []uint64{0}, 3, nil},
		{"br", nil, 5, []uint64{7}},
		{"brtable", []uint64{0}, 7, []uint64{10}},
		{"brtable", []uint64{1}, 7, []uint64{11}},
		{"brtable", []uint64{2}, 7, []uint64{12}},
		{"brtable", []uint64{99}, 7, []uint64{12}},
		{"calls", []uint64{20}, 8, []uint64{41}},
		{"brfunc", nil, 3, []uint64{5}},
	}
	m := instance(t, load(t, "counting"), engines.Options{}, identity)
	for _, tt := range tests {
		// Plain run.
		before := m.Counter()
		start(t, m, tt.fn, tt.args...)
		res := runToEnd(t, m)
		if got := m.Counter() - before; got != tt.want {
			t.Errorf("%s%v: counter advanced %d, want %d", tt.fn, tt.args, got, tt.want)
		}
		if len(res) != len(tt.results) || (len(res) > 0 && res[0] != tt.results[0]) {
			t.Errorf("%s%v: results %v, want %v", tt.fn, tt.args, res, tt.results)
		}

		// Stepping: one instruction per Run, each advancing the counter
		// by exactly one, ending with Done after the same count.
		before = m.Counter()
		start(t, m, tt.fn, tt.args...)
		steps := uint64(0)
		for {
			ev := m.Run(engines.Stop{Limit: m.Counter() + 1})
			if ev.Kind == engines.Done {
				steps++
				break
			}
			if ev.Kind != engines.LimitReached {
				t.Fatalf("%s: step %d: %v", tt.fn, steps, ev.Kind)
			}
			steps++
			if m.Counter() != before+steps {
				t.Fatalf("%s: step %d: counter %d, want %d", tt.fn, steps, m.Counter(), before+steps)
			}
		}
		if steps != tt.want {
			t.Errorf("%s%v: %d steps, want %d", tt.fn, tt.args, steps, tt.want)
		}
	}
}

// TestTrapNotCounted: a trapping instruction is not retired and the
// machine stays at it.
func TestTrapNotCounted(t *testing.T) {
	m := instance(t, load(t, "counting"), engines.Options{}, identity)
	start(t, m, "trapdiv")
	ev := m.Run(noStop)
	if ev.Kind != engines.Trapped || ev.Trap.Msg != engines.MsgDivideByZero {
		t.Fatalf("got %v %v", ev.Kind, ev.Trap)
	}
	if m.Counter() != 2 {
		t.Errorf("counter %d, want 2 (two consts; the div traps)", m.Counter())
	}
	fn, off, ok := m.PC()
	if !ok || fn != ev.Trap.Func || off != ev.Trap.Offset {
		t.Errorf("PC %d/0x%x, trap at %d/0x%x", fn, off, ev.Trap.Func, ev.Trap.Offset)
	}
	if in := m.Module().Funcs[fn].Instrs; in[2].Offset != off {
		t.Errorf("trap at 0x%x, want the div at 0x%x", off, in[2].Offset)
	}
}

// TestHostCallCounter: during a host call the counter is the one before
// the call instruction; the call counts one when it returns; a nested Call
// from the host keeps counting.
func TestHostCallCounter(t *testing.T) {
	var during uint64
	var nested []uint64
	var m engines.Machine
	host := hostFunc(func(caller engines.Machine, p, r []uint64) error {
		during = caller.Counter()
		res, err := caller.Call(export(t, caller, "ifelse"), []uint64{1})
		if err != nil {
			return err
		}
		nested = res
		r[0] = p[0] + res[0]
		return nil
	})
	m = instance(t, load(t, "counting"), engines.Options{}, host)
	start(t, m, "calls", 20)
	res := runToEnd(t, m)
	// local.get, call, 4 in $double: the host call is at counter 6.
	if during != 6 {
		t.Errorf("counter during the host call: %d, want 6", during)
	}
	if len(nested) != 1 || nested[0] != 3 || res[0] != 43 {
		t.Errorf("nested %v, result %v", nested, res)
	}
	// 8 for calls, plus 7 for the nested ifelse(1).
	if m.Counter() != 15 {
		t.Errorf("counter %d, want 15", m.Counter())
	}
}

// TestFramesInNestedCall: the call stack seen from a host function that
// called back into the instance lists every frame with its typed operands.
func TestFramesInNestedCall(t *testing.T) {
	var frames int
	var calls int
	host := hostFunc(func(caller engines.Machine, p, r []uint64) error {
		calls++
		if calls == 1 {
			// Re-enter: calls(p) runs $double and this host again.
			if _, err := caller.Call(export(t, caller, "calls"), []uint64{p[0]}); err != nil {
				return err
			}
		} else {
			fs := caller.Frames()
			frames = len(fs)
			if _, err := caller.Snapshot(); err == nil {
				t.Error("snapshot inside a host call succeeded")
			}
		}
		r[0] = p[0]
		return nil
	})
	m := instance(t, load(t, "counting"), engines.Options{}, host)
	start(t, m, "calls", 3)
	runToEnd(t, m)
	if frames != 2 {
		t.Errorf("Frames() in the nested host call: %d frames, want 2", frames)
	}
}

// TestNestedCallDepth: a host function that calls back into the instance
// without end traps "call stack exhausted", even with a huge depth limit.
func TestNestedCallDepth(t *testing.T) {
	var m engines.Machine
	host := hostFunc(func(caller engines.Machine, p, r []uint64) error {
		_, err := caller.Call(export(t, caller, "calls"), p)
		return err
	})
	m = instance(t, load(t, "counting"), engines.Options{MaxCallDepth: 1 << 30}, host)
	start(t, m, "calls", 1)
	ev := m.Run(noStop)
	if ev.Kind != engines.Trapped || ev.Trap.Msg != engines.MsgCallStack {
		t.Fatalf("%v %v", ev.Kind, ev.Trap)
	}
}
