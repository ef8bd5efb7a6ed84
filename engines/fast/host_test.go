package fast

import (
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// TestHostCall: during a host call the counter is the one before the call
// instruction and the frame shows the call with its argument; a nested
// Call counts its instructions; the call is counted when it returns.
func TestHostCall(t *testing.T) {
	p, mod := load(t, "host.wasm")
	h, _ := mod.ExportedFunc("h")
	var during, afterNested uint64
	var stack []uint64
	host := &engines.HostFunc{Module: "env", Name: "f", Type: wasm.FuncType{Params: []wasm.ValType{wasm.I32}, Results: []wasm.ValType{wasm.I32}},
		Call: func(caller engines.Machine, params, results []uint64) error {
			during = caller.Counter()
			fr := caller.Frames()
			stack = i32s(fr[len(fr)-1].Stack)
			res, err := caller.Call(h, []uint64{params[0]})
			if err != nil {
				return err
			}
			afterNested = caller.Counter()
			results[0] = res[0] + 1
			return nil
		}}
	m, err := p.Instantiate(engines.NewStore(), []engines.Extern{{Kind: wasm.ExternFunc, Func: host}})
	if err != nil {
		t.Fatal(err)
	}
	g, _ := mod.ExportedFunc("g")
	if err := m.Start(g, []uint64{4}); err != nil {
		t.Fatal(err)
	}
	ev := m.Run(engines.Stop{Limit: engines.NoLimit})
	if ev.Kind != engines.Done || !equal(ev.Results, 32) {
		t.Fatalf("%v %v, want done 32 ((4+1)*3+1)*2", ev.Kind, ev.Results)
	}
	if during != 3 || !equal(stack, 5) {
		t.Errorf("during the host call: counter %d stack %v, want 3 [5]", during, stack)
	}
	if afterNested != 7 {
		t.Errorf("after the nested call: counter %d, want 7", afterNested)
	}
	if m.Counter() != 11 {
		t.Errorf("final counter %d, want 11", m.Counter())
	}
}
