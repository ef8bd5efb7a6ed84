package threaded

import (
	"testing"
	"unsafe"
)

// The dispatch designs measured for docs/engines.md ("Dispatch"), on one
// loop of three operations over 64-bit slots (acc += i; i += 1; loop while
// i < n), the same work in each:
//
//	pointer:  an operation returns the next one (the engine's design)
//	index:    an operation returns the next index into the code
//	field:    operations return nothing and update an index in the machine
//	switch:   one loop with a switch over operation codes (the fast engine's)
//
// go test ./engines/threaded -run '^$' -bench Dispatch

const dispatchN = 1 << 16

type dm struct {
	fp   unsafe.Pointer
	ip   int
	done bool
}

func dslot(fp unsafe.Pointer, off int32) *uint64 { return (*uint64)(unsafe.Add(fp, off)) }

// Slots: 0 acc, 1 i, 2 one, 3 n.
func dispatchSlots() ([]uint64, unsafe.Pointer) {
	s := []uint64{0, 0, 1, dispatchN}
	return s, unsafe.Pointer(&s[0])
}

type pInst struct {
	fn   func(m *dm, in *pInst) *pInst
	a, b int32
	c    int64
}

func pAdd(m *dm, in *pInst) *pInst {
	*dslot(m.fp, int32(in.c)) = *dslot(m.fp, in.a) + *dslot(m.fp, in.b)
	return (*pInst)(unsafe.Add(unsafe.Pointer(in), unsafe.Sizeof(pInst{})))
}

func pLoop(m *dm, in *pInst) *pInst {
	if *dslot(m.fp, in.a) < *dslot(m.fp, in.b) {
		return (*pInst)(unsafe.Add(unsafe.Pointer(in), int64(int32(in.c))*int64(unsafe.Sizeof(pInst{}))))
	}
	return nil
}

func BenchmarkDispatchPointer(b *testing.B) {
	code := []pInst{{fn: pAdd, a: 0, b: 8, c: 0}, {fn: pAdd, a: 8, b: 16, c: 8}, {fn: pLoop, a: 8, b: 24, c: -2}}
	for b.Loop() {
		s, fp := dispatchSlots()
		m := &dm{fp: fp}
		for in := &code[0]; in != nil; {
			in = in.fn(m, in)
		}
		if s[0] != dispatchN*(dispatchN-1)/2 {
			b.Fatal(s[0])
		}
	}
}

type xInst struct {
	fn   func(m *dm, code []xInst, ip int) int
	a, b int32
	c    int64
}

func xAdd(m *dm, code []xInst, ip int) int {
	in := &code[ip]
	*dslot(m.fp, int32(in.c)) = *dslot(m.fp, in.a) + *dslot(m.fp, in.b)
	return ip + 1
}

func xLoop(m *dm, code []xInst, ip int) int {
	in := &code[ip]
	if *dslot(m.fp, in.a) < *dslot(m.fp, in.b) {
		return ip + int(in.c)
	}
	return -1
}

func BenchmarkDispatchIndex(b *testing.B) {
	code := []xInst{{fn: xAdd, a: 0, b: 8, c: 0}, {fn: xAdd, a: 8, b: 16, c: 8}, {fn: xLoop, a: 8, b: 24, c: -2}}
	for b.Loop() {
		s, fp := dispatchSlots()
		m := &dm{fp: fp}
		for ip := 0; ip >= 0; {
			ip = code[ip].fn(m, code, ip)
		}
		if s[0] != dispatchN*(dispatchN-1)/2 {
			b.Fatal(s[0])
		}
	}
}

type fInst struct {
	fn   func(m *dm, in *fInst)
	a, b int32
	c    int64
}

func fAdd(m *dm, in *fInst) {
	*dslot(m.fp, int32(in.c)) = *dslot(m.fp, in.a) + *dslot(m.fp, in.b)
	m.ip++
}

func fLoop(m *dm, in *fInst) {
	if *dslot(m.fp, in.a) < *dslot(m.fp, in.b) {
		m.ip += int(in.c)
		return
	}
	m.done = true
}

func BenchmarkDispatchField(b *testing.B) {
	code := []fInst{{fn: fAdd, a: 0, b: 8, c: 0}, {fn: fAdd, a: 8, b: 16, c: 8}, {fn: fLoop, a: 8, b: 24, c: -2}}
	for b.Loop() {
		s, fp := dispatchSlots()
		m := &dm{fp: fp}
		for !m.done {
			in := &code[m.ip]
			in.fn(m, in)
		}
		if s[0] != dispatchN*(dispatchN-1)/2 {
			b.Fatal(s[0])
		}
	}
}

type sInst struct {
	op   uint8
	a, b int32
	c    int64
}

func BenchmarkDispatchSwitch(b *testing.B) {
	code := []sInst{{op: 0, a: 0, b: 8, c: 0}, {op: 0, a: 8, b: 16, c: 8}, {op: 1, a: 8, b: 24, c: -2}}
	for b.Loop() {
		s, fp := dispatchSlots()
	loop:
		for ip := 0; ; {
			in := &code[ip]
			switch in.op {
			case 0:
				*dslot(fp, int32(in.c)) = *dslot(fp, in.a) + *dslot(fp, in.b)
				ip++
			case 1:
				if *dslot(fp, in.a) < *dslot(fp, in.b) {
					ip += int(in.c)
					continue
				}
				break loop
			}
		}
		if s[0] != dispatchN*(dispatchN-1)/2 {
			b.Fatal(s[0])
		}
	}
}
