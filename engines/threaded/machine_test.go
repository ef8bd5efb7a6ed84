package threaded

import (
	"os"
	"slices"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	_ "github.com/wdb-dev/wdb/engines/standard"
	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/wasm"
)

func loadModule(t *testing.T, file string) *wasm.Module {
	t.Helper()
	data, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := wasm.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	return mod
}

func instantiate(t *testing.T, e engines.Engine, mod *wasm.Module, imports []engines.Extern) engines.Machine {
	t.Helper()
	p, err := e.Compile(mod, engines.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := p.Instantiate(engines.NewStore(), imports)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestHostCall: during a host call the counter is the one before the call
// instruction and the frame shows the call with its argument; a nested
// Call counts its instructions; the call is counted when it returns. The
// expected values follow from host.wat and docs/execution-model.md.
func TestHostCall(t *testing.T) {
	mod := loadModule(t, "host.wasm")
	h, _ := mod.ExportedFunc("h")
	var during, afterNested uint64
	var stack []snapshot.Value
	host := &engines.HostFunc{Module: "env", Name: "f", Type: wasm.FuncType{Params: []wasm.ValType{wasm.I32}, Results: []wasm.ValType{wasm.I32}},
		Call: func(caller engines.Machine, params, results []uint64) error {
			during = caller.Counter()
			fr := caller.Frames()
			stack = fr[len(fr)-1].Stack
			res, err := caller.Call(h, []uint64{params[0]})
			if err != nil {
				return err
			}
			afterNested = caller.Counter()
			results[0] = res[0] + 1
			return nil
		}}
	m := instantiate(t, Engine{}, mod, []engines.Extern{{Kind: wasm.ExternFunc, Func: host}})
	g, _ := mod.ExportedFunc("g")
	if err := m.Start(g, []uint64{4}); err != nil {
		t.Fatal(err)
	}
	ev := m.Run(engines.Stop{Limit: engines.NoLimit})
	if ev.Kind != engines.Done || !slices.Equal(ev.Results, []uint64{32}) {
		t.Fatalf("%v %v, want done 32 ((4+1)*3+1)*2", ev.Kind, ev.Results)
	}
	if want := []snapshot.Value{{Type: wasm.I32, Lo: 5}}; during != 3 || !slices.Equal(stack, want) {
		t.Errorf("during the host call: counter %d stack %v, want 3 %v", during, stack, want)
	}
	if afterNested != 7 {
		t.Errorf("after the nested call: counter %d, want 7", afterNested)
	}
	if m.Counter() != 11 {
		t.Errorf("final counter %d, want 11", m.Counter())
	}
}

// TestFusedTraps runs functions whose trapping instruction is fused with
// the one before it in the fast variant, and compares the state at the
// trap (counter, PC, typed frames) with the standard engine's.
func TestFusedTraps(t *testing.T) {
	mod := loadModule(t, "fused.wasm")
	std, err := engines.Get("standard")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		fn   string
		args []uint64
	}{
		{"load", []uint64{65000, 600}},
		{"load", []uint64{0xfffffff0, 0x20}}, // the add wraps: no trap
		{"loadf", []uint64{65500, 30}},
		{"store", []uint64{100, 20, 0x1122334455667788}},
		{"store", []uint64{65000, 532, 1}}, // the i32.store8 traps
		{"store", []uint64{65000, 510, 1}}, // the i64.store traps
		{"div", []uint64{7, 0}},
		{"div", []uint64{7, 2}},
	}
	for _, c := range cases {
		fn, _ := mod.ExportedFunc(c.fn)
		var evs [2]engines.Event
		var frames [2][]snapshot.Frame
		var counters [2]uint64
		for k, e := range []engines.Engine{std, Engine{}} {
			m := instantiate(t, e, mod, nil)
			if err := m.Start(fn, c.args); err != nil {
				t.Fatal(err)
			}
			evs[k] = m.Run(engines.Stop{Limit: engines.NoLimit})
			frames[k], counters[k] = m.Frames(), m.Counter()
		}
		if evs[0].Kind != evs[1].Kind || !slices.Equal(evs[0].Results, evs[1].Results) || counters[0] != counters[1] {
			t.Errorf("%s%v: standard %v %v at %d, threaded %v %v at %d", c.fn, c.args,
				evs[0].Kind, evs[0].Results, counters[0], evs[1].Kind, evs[1].Results, counters[1])
			continue
		}
		if evs[0].Kind == engines.Trapped {
			a, b := evs[0].Trap, evs[1].Trap
			if a.Msg != b.Msg || a.Offset != b.Offset {
				t.Errorf("%s%v: trap %q at 0x%x on standard, %q at 0x%x on threaded", c.fn, c.args, a.Msg, a.Offset, b.Msg, b.Offset)
			}
		}
		sa := &snapshot.Snapshot{Frames: frames[0]}
		sb := &snapshot.Snapshot{Frames: frames[1]}
		if d := snapshot.Diff(sa, sb); d != "" {
			t.Errorf("%s%v: frames at the end differ: %s", c.fn, c.args, d)
		}
	}
}
