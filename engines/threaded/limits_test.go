package threaded

import (
	"slices"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// bigModule encodes a module whose one function f() -> i64 has nlocals
// i64 locals and pushes height constants 1..height before adding them up
// (so its operand stack is height deep), stores the sum in its last local
// and returns it: Wasm3 refuses such functions ("compiling function
// overran its stack height limit"); Go's wasip1 output has them.
func bigModule(nlocals, height int) []byte {
	leb := func(b []byte, v uint64) []byte {
		for {
			c := byte(v & 0x7f)
			v >>= 7
			if v != 0 {
				b = append(b, c|0x80)
				continue
			}
			return append(b, c)
		}
	}
	sleb := func(b []byte, v int64) []byte {
		for {
			c := byte(v & 0x7f)
			v >>= 7
			if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
				return append(b, c)
			}
			b = append(b, c|0x80)
		}
	}
	section := func(out []byte, id byte, body []byte) []byte {
		out = append(out, id)
		out = leb(out, uint64(len(body)))
		return append(out, body...)
	}
	var body []byte
	body = leb(body, 1) // one run of locals
	body = leb(body, uint64(nlocals))
	body = append(body, 0x7e) // i64
	for k := 1; k <= height; k++ {
		body = append(body, 0x42) // i64.const
		body = sleb(body, int64(k))
	}
	for k := 1; k < height; k++ {
		body = append(body, 0x7c) // i64.add
	}
	last := uint64(nlocals - 1)
	body = leb(append(body, 0x21), last) // local.set
	body = leb(append(body, 0x20), last) // local.get
	body = append(body, 0x0b)
	code := leb(nil, 1)
	code = leb(code, uint64(len(body)))
	code = append(code, body...)

	out := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	out = section(out, 1, []byte{1, 0x60, 0, 1, 0x7e}) // type: () -> i64
	out = section(out, 3, []byte{1, 0})                // function 0: type 0
	out = section(out, 7, []byte{1, 1, 'f', 0, 0})     // export "f"
	return section(out, 10, code)
}

// TestNoFixedLimits runs a function with 100,000 locals and an operand
// stack 20,000 deep to the end, and through a snapshot taken in the middle
// of its additions and restored on a fresh machine.
func TestNoFixedLimits(t *testing.T) {
	const nlocals, height = 100000, 20000
	mod, err := wasm.Load(bigModule(nlocals, height))
	if err != nil {
		t.Fatal(err)
	}
	want := []uint64{height * (height + 1) / 2}
	p, err := Engine{}.Compile(mod, engines.Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := func() engines.Machine {
		m, err := p.Instantiate(engines.NewStore(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Start(0, nil); err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := start()
	if ev := m.Run(engines.Stop{Limit: engines.NoLimit}); ev.Kind != engines.Done || !slices.Equal(ev.Results, want) {
		t.Fatalf("run: %v %v, want done %v", ev.Kind, ev.Results, want)
	}
	total := m.Counter()

	m = start()
	if ev := m.Run(engines.Stop{Limit: height + height/2}); ev.Kind != engines.LimitReached {
		t.Fatalf("run to the middle: %v", ev.Kind)
	}
	s, err := m.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.Frames[0].Stack); n != height/2 {
		t.Fatalf("snapshot in the middle: %d operands, want %d", n, height/2)
	}
	m2 := start()
	if err := m2.Restore(s); err != nil {
		t.Fatal(err)
	}
	if ev := m2.Run(engines.Stop{Limit: engines.NoLimit}); ev.Kind != engines.Done || !slices.Equal(ev.Results, want) || m2.Counter() != total {
		t.Fatalf("after restore: %v %v at %d, want done %v at %d", ev.Kind, ev.Results, m2.Counter(), want, total)
	}
}
