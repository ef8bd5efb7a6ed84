package standard

import (
	"errors"
	"strings"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// segmentsModule imports a memory of one page and a table of two elements,
// and has two element segments (one function each, at offsets 0 and elem2)
// and two data segments ("abc" at 0, "xy" at data2).
func segmentsModule(elem2 byte, data2 [3]byte) []byte {
	sec := func(id byte, contents ...byte) []byte {
		return append([]byte{id, byte(len(contents))}, contents...)
	}
	b := []byte("\x00asm\x01\x00\x00\x00")
	b = append(b, sec(1, 1, 0x60, 0, 0)...) // type [] -> []
	b = append(b, sec(2, 2,                 // imports
		3, 'e', 'n', 'v', 3, 'm', 'e', 'm', 2, 0, 1, // memory, min 1 page
		3, 'e', 'n', 'v', 3, 't', 'a', 'b', 1, 0x70, 0, 2)...) // table, min 2
	b = append(b, sec(3, 1, 0)...) // one function
	b = append(b, sec(9, 2,        // elements
		0, 0x41, 0, 0x0b, 1, 0,
		0, 0x41, elem2, 0x0b, 1, 0)...)
	b = append(b, sec(10, 1, 2, 0, 0x0b)...) // code
	b = append(b, sec(11, 2,                 // data
		0, 0x41, 0, 0x0b, 3, 'a', 'b', 'c',
		0, 0x41, data2[0], data2[1], data2[2], 0x0b, 2, 'x', 'y')...)
	return b
}

// TestSegmentsFit checks the two instantiation semantics: in 1.0, a segment
// that does not fit is a link error and nothing is written; in 2.0, the
// segments before it are written and it traps.
func TestSegmentsFit(t *testing.T) {
	fits := segmentsModule(1, [3]byte{0xfe, 0xff, 0x03})    // "xy" at 65534
	dataOut := segmentsModule(1, [3]byte{0xff, 0xff, 0x03}) // "xy" at 65535
	elemOut := segmentsModule(2, [3]byte{0xfe, 0xff, 0x03}) // function at 2
	tests := []struct {
		name     string
		b        []byte
		features wasm.Features
		err      string // the error's text, "" for none
		trap     bool   // whether the error is a trap
		// Whether the first element segment and the first data segment
		// were written.
		tableWritten, memWritten bool
	}{
		{"1.0 fits", fits, wasm.Features1, "", false, true, true},
		{"1.0 data", dataOut, wasm.Features1, "data segment does not fit", false, false, false},
		{"1.0 elements", elemOut, wasm.Features1, "elements segment does not fit", false, false, false},
		// 2.0: element segments, then data segments, in order.
		{"2.0 data", dataOut, wasm.Features2, engines.MsgMemoryOOB, true, true, true},
		{"2.0 elements", elemOut, wasm.Features2, engines.MsgTableOOB, true, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mod, err := wasm.LoadFeatures(tt.b, tt.features)
			if err != nil {
				t.Fatal(err)
			}
			p, err := Engine{}.Compile(mod, engines.Options{})
			if err != nil {
				t.Fatal(err)
			}
			mem := engines.NewMemory(wasm.MemoryType{Limits: wasm.Limits{Min: 1}}, 0)
			tab := engines.NewTable(wasm.TableType{Elem: wasm.FuncRef, Limits: wasm.Limits{Min: 2}})
			_, err = p.Instantiate(engines.NewStore(), []engines.Extern{
				{Kind: wasm.ExternMemory, Memory: mem},
				{Kind: wasm.ExternTable, Table: tab},
			})
			var trap *engines.Trap
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("Instantiate: %v", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("Instantiate: got %v, want %q", err, tt.err)
			case err != nil && errors.As(err, &trap) != tt.trap:
				t.Errorf("Instantiate: error %T, trap %v", err, tt.trap)
			}
			if got := tab.Elems[0] != 0; got != tt.tableWritten {
				t.Errorf("table[0] = %#x, want written %v", tab.Elems[0], tt.tableWritten)
			}
			if got := string(mem.Data[:3]) == "abc"; got != tt.memWritten {
				t.Errorf("memory[0:3] = %q, want written %v", mem.Data[:3], tt.memWritten)
			}
		})
	}
}
