package standard

import (
	"reflect"
	"strings"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/snapshot"
	"github.com/wdb-dev/wdb/wasm"
)

// TestSnapshotRestoreEveryCounter snapshots a recursive program at every
// counter, restores into a fresh machine (and into one that is running
// something else), and requires the same snapshot back, the same final
// results and the same final state as a straight run.
func TestSnapshotRestoreEveryCounter(t *testing.T) {
	mod := load(t, "recursion")
	ref := instance(t, mod, engines.Options{})
	start(t, ref, "run", 6)
	want := runToEnd(t, ref)
	total := ref.Counter()
	final, err := ref.Snapshot()
	if err != nil {
		t.Fatal(err)
	}

	busy := instance(t, mod, engines.Options{})
	for k := uint64(0); k < total; k++ {
		a := instance(t, mod, engines.Options{})
		start(t, a, "run", 6)
		if ev := a.Run(engines.Stop{Limit: k}); ev.Kind != engines.LimitReached {
			t.Fatalf("counter %d: %v", k, ev.Kind)
		}
		s, err := a.Snapshot()
		if err != nil {
			t.Fatalf("counter %d: %v", k, err)
		}
		if !reflect.DeepEqual(a.Frames(), s.Frames) {
			t.Fatalf("counter %d: Frames() differs from the snapshot's", k)
		}

		for _, b := range []engines.Machine{instance(t, mod, engines.Options{}), busy} {
			if err := b.Restore(s); err != nil {
				t.Fatalf("counter %d: restore: %v", k, err)
			}
			s2, err := b.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s, s2) {
				t.Fatalf("counter %d: the restored machine's snapshot differs:\n%+v\n%+v", k, s.Frames, s2.Frames)
			}
			got := runToEnd(t, b)
			if !reflect.DeepEqual(got, want) || b.Counter() != total {
				t.Fatalf("counter %d: restored run ended with %v at %d, want %v at %d", k, got, b.Counter(), want, total)
			}
			end, err := b.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(end, final) {
				t.Fatalf("counter %d: the final state differs from a straight run's", k)
			}
		}
		// Leave busy in the middle of something for the next round.
		start(t, busy, "run", 3)
		busy.Run(engines.Stop{Limit: busy.Counter() + 17})
	}
}

// snapshotAt returns a snapshot of recursion's run(5) taken deep in the
// recursion, with at least three frames.
func snapshotAt(t *testing.T, m engines.Machine) *snapshot.Snapshot {
	t.Helper()
	start(t, m, "run", 5)
	for m.Depth() < 3 {
		m.Run(engines.Stop{Limit: m.Counter() + 1})
	}
	m.Run(engines.Stop{Limit: m.Counter() + 3})
	s, err := m.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRestoreRejects: bad snapshots are refused with a clear error and
// leave the machine as it was.
func TestRestoreRejects(t *testing.T) {
	mod := load(t, "recursion")
	good := snapshotAt(t, instance(t, mod, engines.Options{}))
	clone := func() *snapshot.Snapshot {
		c := *good
		c.Frames = make([]snapshot.Frame, len(good.Frames))
		for i, f := range good.Frames {
			f.Locals = append([]snapshot.Value(nil), f.Locals...)
			f.Stack = append([]snapshot.Value(nil), f.Stack...)
			f.Labels = append([]snapshot.Label(nil), f.Labels...)
			c.Frames[i] = f
		}
		c.Globals = append([]snapshot.Value(nil), good.Globals...)
		return &c
	}
	top := len(good.Frames) - 1
	tests := []struct {
		name   string
		change func(s *snapshot.Snapshot)
		want   string
	}{
		{"hash", func(s *snapshot.Snapshot) { s.ModuleHash[0] ^= 1 }, "another module"},
		{"pc inside an instruction", func(s *snapshot.Snapshot) { s.Frames[top].PC++ }, "not the start of an instruction"},
		{"pc outside the function", func(s *snapshot.Snapshot) { s.Frames[top].PC = 3 }, "not the start of an instruction"},
		{"caller not at a call", func(s *snapshot.Snapshot) {
			f := mod.Funcs[s.Frames[0].Func]
			s.Frames[0].PC = f.Instrs[0].Offset
		}, "must be at a call"},
		{"local type", func(s *snapshot.Snapshot) { s.Frames[top].Locals[0].Type = wasm.F64 }, "local 0 is f64"},
		{"local count", func(s *snapshot.Snapshot) { s.Frames[top].Locals = s.Frames[top].Locals[1:] }, "locals"},
		{"operand count", func(s *snapshot.Snapshot) {
			s.Frames[top].Stack = append(s.Frames[top].Stack, snapshot.Value{Type: wasm.I32})
		}, "operands"},
		{"labels", func(s *snapshot.Snapshot) { s.Frames[top].Labels[0].Cont++ }, "labels"},
		{"function", func(s *snapshot.Snapshot) { s.Frames[top].Func = 99 }, "not a function defined"},
		{"global type", func(s *snapshot.Snapshot) { s.Globals[0].Type = wasm.I32 }, "global 0"},
		{"funcref range", func(s *snapshot.Snapshot) {
			s.Globals = append([]snapshot.Value(nil), s.Globals...)
			s.Tables = []snapshot.Table{{Type: wasm.FuncRef, Elems: []snapshot.Value{{Type: wasm.FuncRef, Lo: 1000}, {Type: wasm.FuncRef}}}}
		}, "reference to function"},
		{"memory pages", func(s *snapshot.Snapshot) {
			s.Memories = []snapshot.Memory{{Size: 3, Pages: make([][]byte, 3)}}
		}, "above its maximum"},
	}
	for _, tt := range tests {
		m := instance(t, mod, engines.Options{})
		before := snapshotAt(t, m)
		s := clone()
		tt.change(s)
		err := m.Restore(s)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
			continue
		}
		if strings.Contains(tt.want, "instruction") && !strings.Contains(err.Error(), "frame ") {
			t.Errorf("%s: %v does not name the frame", tt.name, err)
		}
		after, err := m.Snapshot()
		if err != nil || !reflect.DeepEqual(before, after) {
			t.Errorf("%s: a rejected restore changed the machine", tt.name)
		}
	}
}
