package debuginfo

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Location expressions (DWARF 2.5, 2.6) as LLVM writes them for
// WebAssembly (WebAssembly tool-conventions, Dwarf.md): the extension op
// DW_OP_WASM_location (0xed) names a local (kind 0), a global (1, or 3
// with a fixed 4-byte index) or an operand stack slot (2; slot 0 is the
// bottom of the frame's operand stack).

// State is the program state a location reads: one frame's locals and
// operand stack, the globals and memory 0. Values are raw bits.
type State interface {
	Local(i uint32) (uint64, error)
	Global(i uint32) (uint64, error)
	Stack(i uint32) (uint64, error)
	Memory(addr, n uint32) ([]byte, error)
}

// LocKind is where a value is.
type LocKind uint8

const (
	OptimisedOut LocKind = iota // no location at this PC
	InMemory                    // at Addr in memory 0
	InLocal                     // WebAssembly local Index of the frame
	InGlobal                    // global Index
	InStack                     // operand stack slot Index (0: bottom)
	Computed                    // not stored anywhere: Value holds it
)

// Location is the result of a location expression.
type Location struct {
	Kind  LocKind
	Index uint32
	Addr  uint32
	Value []byte // Computed: little-endian bytes
	// FrameBased: the expression used the frame base (DW_OP_fbreg), which
	// a function's prologue sets up: before it has run, the location is
	// not the variable's yet.
	FrameBased bool
}

func (l Location) String() string {
	switch l.Kind {
	case InMemory:
		return fmt.Sprintf("mem[0x%x]", l.Addr)
	case InLocal:
		return fmt.Sprintf("local %d", l.Index)
	case InGlobal:
		return fmt.Sprintf("global %d", l.Index)
	case InStack:
		return fmt.Sprintf("stack %d", l.Index)
	case Computed:
		return "computed value"
	}
	return "optimised out"
}

// Read returns the size bytes of the value at l.
func (l Location) Read(st State, size uint32) ([]byte, error) {
	var bits uint64
	var err error
	switch l.Kind {
	case InMemory:
		return st.Memory(l.Addr, size)
	case Computed:
		b := make([]byte, size)
		copy(b, l.Value)
		return b, nil
	case InLocal:
		bits, err = st.Local(l.Index)
	case InGlobal:
		bits, err = st.Global(l.Index)
	case InStack:
		bits, err = st.Stack(l.Index)
	default:
		return nil, errors.New("optimised out")
	}
	if err != nil {
		return nil, err
	}
	if size > 8 {
		return nil, fmt.Errorf("a %d-byte value cannot be in %s", size, l)
	}
	b := make([]byte, 8)
	binary.LittleEndian.PutUint64(b, bits)
	return b[:size], nil
}

// exprReader reads the operands of an expression, failing instead of
// running past its end.
type exprReader struct {
	b   []byte
	i   int
	err error
}

func (r *exprReader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("truncated %s at byte %d", what, r.i)
	}
}

func (r *exprReader) byte() byte {
	if r.i >= len(r.b) {
		r.fail("operand")
		return 0
	}
	r.i++
	return r.b[r.i-1]
}

func (r *exprReader) fixed(n int) uint64 {
	if r.i+n > len(r.b) {
		r.fail("operand")
		r.i = len(r.b)
		return 0
	}
	var v uint64
	for k := n - 1; k >= 0; k-- {
		v = v<<8 | uint64(r.b[r.i+k])
	}
	r.i += n
	return v
}

// uleb reads an unsigned LEB128 number (encoding/binary's varint is the
// same encoding).
func (r *exprReader) uleb() uint64 {
	v, n := binary.Uvarint(r.b[min(r.i, len(r.b)):])
	switch {
	case n == 0:
		r.fail("operand")
		r.i = len(r.b)
		return 0
	case n < 0:
		r.i -= n
		if r.err == nil {
			r.err = fmt.Errorf("operand over 64 bits at byte %d", r.i)
		}
		return 0
	}
	r.i += n
	return v
}

func (r *exprReader) sleb() int64 {
	var v int64
	shift := 0
	for {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		if shift < 64 {
			v |= int64(c&0x7f) << shift
		}
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v
		}
	}
}

// maxOps bounds the work of one expression (DW_OP_skip/bra are not
// supported, so an expression runs each op once; this is a safety net).
const maxOps = 10000

// EvalLocation evaluates a location expression in st. frameBase gives the
// subprogram's DW_AT_frame_base, for DW_OP_fbreg. An empty expression is
// optimised out. Unknown or unsupported ops are an error naming the op.
func EvalLocation(expr []byte, st State, frameBase func() (uint64, error)) (Location, error) {
	return evalLocation(expr, st, frameBase, nil)
}

// evalLocation is EvalLocation with addrx, which reads entry i of the
// unit's .debug_addr for DW_OP_addrx and DW_OP_constx (nil: they are an
// error).
func evalLocation(expr []byte, st State, frameBase func() (uint64, error), addrx func(i uint64) (uint64, error)) (Location, error) {
	if len(expr) == 0 {
		return Location{Kind: OptimisedOut}, nil
	}
	r := &exprReader{b: expr}
	var stack []uint64
	pop := func(op string) uint64 {
		if len(stack) == 0 {
			if r.err == nil {
				r.err = fmt.Errorf("%s on an empty stack", op)
			}
			return 0
		}
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		return v
	}
	// whole: the rest of the expression does not change the place l names
	// (nothing, DW_OP_stack_value, or one DW_OP_piece): l is the result.
	whole := func() bool {
		rest := expr[r.i:]
		if len(rest) > 0 && rest[0] == 0x9f {
			rest = rest[1:]
		}
		if len(rest) > 0 && rest[0] == 0x93 {
			pr := &exprReader{b: rest, i: 1}
			pr.uleb()
			if pr.err == nil && pr.i == len(rest) {
				rest = nil
			}
		}
		return len(rest) == 0
	}
	for n := 0; r.i < len(expr) && r.err == nil; n++ {
		if n > maxOps {
			return Location{}, errors.New("location expression too long")
		}
		at := r.i
		op := r.byte()
		switch {
		case op >= 0x30 && op <= 0x4f: // DW_OP_lit0..31
			stack = append(stack, uint64(op-0x30))
			continue
		}
		switch op {
		case 0x03: // DW_OP_addr (4-byte addresses in wasm32)
			stack = append(stack, r.fixed(4))
		case 0xa1, 0xa2: // DW_OP_addrx, DW_OP_constx: an entry of .debug_addr
			i := r.uleb()
			if r.err != nil {
				break
			}
			if addrx == nil {
				return Location{}, fmt.Errorf("DW_OP_addrx %d without a .debug_addr", i)
			}
			a, err := addrx(i)
			if err != nil {
				return Location{}, err
			}
			stack = append(stack, a)
		case 0x06: // DW_OP_deref
			a := pop("DW_OP_deref")
			if r.err == nil {
				b, err := st.Memory(uint32(a), 4)
				if err != nil {
					return Location{}, err
				}
				stack = append(stack, uint64(binary.LittleEndian.Uint32(b)))
			}
		case 0x94: // DW_OP_deref_size
			n := uint32(r.byte())
			a := pop("DW_OP_deref_size")
			if r.err == nil {
				if n == 0 || n > 8 {
					return Location{}, fmt.Errorf("DW_OP_deref_size %d", n)
				}
				b, err := st.Memory(uint32(a), n)
				if err != nil {
					return Location{}, err
				}
				var v uint64
				for k := int(n) - 1; k >= 0; k-- {
					v = v<<8 | uint64(b[k])
				}
				stack = append(stack, v)
			}
		case 0x08:
			stack = append(stack, r.fixed(1))
		case 0x09:
			stack = append(stack, uint64(int8(r.fixed(1))))
		case 0x0a:
			stack = append(stack, r.fixed(2))
		case 0x0b:
			stack = append(stack, uint64(int16(r.fixed(2))))
		case 0x0c:
			stack = append(stack, r.fixed(4))
		case 0x0d:
			stack = append(stack, uint64(int32(r.fixed(4))))
		case 0x0e, 0x0f:
			stack = append(stack, r.fixed(8))
		case 0x10: // DW_OP_constu
			stack = append(stack, r.uleb())
		case 0x11: // DW_OP_consts
			stack = append(stack, uint64(r.sleb()))
		case 0x12: // DW_OP_dup
			v := pop("DW_OP_dup")
			stack = append(stack, v, v)
		case 0x13: // DW_OP_drop
			pop("DW_OP_drop")
		case 0x14: // DW_OP_over
			if len(stack) < 2 {
				return Location{}, fmt.Errorf("DW_OP_over at byte %d: %d values on the stack", at, len(stack))
			}
			stack = append(stack, stack[len(stack)-2])
		case 0x16: // DW_OP_swap
			y, x := pop("DW_OP_swap"), pop("DW_OP_swap")
			stack = append(stack, y, x)
		case 0x1f: // DW_OP_neg
			stack = append(stack, -pop("DW_OP_neg"))
		case 0x20: // DW_OP_not
			stack = append(stack, ^pop("DW_OP_not"))
		case 0x1a, 0x1c, 0x1e, 0x21, 0x22, 0x24, 0x25, 0x26, 0x27:
			y, x := pop("a binary op"), pop("a binary op")
			var v uint64
			switch op {
			case 0x1a:
				v = x & y
			case 0x1c:
				v = x - y
			case 0x1e:
				v = x * y
			case 0x21:
				v = x | y
			case 0x22:
				v = x + y
			case 0x24:
				v = x << (y & 63)
			case 0x25:
				v = x >> (y & 63)
			case 0x26:
				v = uint64(int64(x) >> (y & 63))
			case 0x27:
				v = x ^ y
			}
			stack = append(stack, v)
		case 0x23: // DW_OP_plus_uconst
			c := r.uleb()
			stack = append(stack, pop("DW_OP_plus_uconst")+c)
		case 0x91: // DW_OP_fbreg
			off := r.sleb()
			if r.err != nil {
				break
			}
			if frameBase == nil {
				return Location{}, errors.New("DW_OP_fbreg outside a function (no DW_AT_frame_base)")
			}
			fb, err := frameBase()
			if err != nil {
				return Location{}, fmt.Errorf("frame base: %w", err)
			}
			stack = append(stack, uint64(uint32(fb+uint64(off))))
		case 0x9e: // DW_OP_implicit_value
			n := r.uleb()
			if r.err == nil && n > uint64(len(expr)-r.i) {
				r.fail("DW_OP_implicit_value")
				break
			}
			v := expr[r.i : r.i+int(n)]
			r.i += int(n)
			if r.i != len(expr) {
				return Location{}, errors.New("DW_OP_implicit_value is not the last op")
			}
			return Location{Kind: Computed, Value: v}, nil
		case 0x9f: // DW_OP_stack_value
			v := pop("DW_OP_stack_value")
			if r.err != nil {
				break
			}
			if !whole() {
				return Location{}, errors.New("DW_OP_stack_value is not the last op (pieces are not supported)")
			}
			b := make([]byte, 8)
			binary.LittleEndian.PutUint64(b, v)
			return Location{Kind: Computed, Value: b}, nil
		case 0x93: // DW_OP_piece: a whole-value piece only
			r.uleb()
			if r.err == nil && r.i != len(expr) {
				return Location{}, errors.New("composite locations (several DW_OP_piece) are not supported")
			}
		case 0xed: // DW_OP_WASM_location
			kind := r.byte()
			var idx uint64
			if kind == 3 {
				idx = r.fixed(4)
			} else {
				idx = r.uleb()
			}
			if r.err != nil {
				break
			}
			if idx > 0xffffffff {
				return Location{}, fmt.Errorf("DW_OP_WASM_location index %d", idx)
			}
			l := Location{Index: uint32(idx)}
			var v uint64
			var err error
			switch kind {
			case 0:
				l.Kind = InLocal
				v, err = st.Local(l.Index)
			case 1, 3:
				l.Kind = InGlobal
				v, err = st.Global(l.Index)
			case 2:
				l.Kind = InStack
				v, err = st.Stack(l.Index)
			default:
				return Location{}, fmt.Errorf("DW_OP_WASM_location with unknown kind %d", kind)
			}
			if whole() && len(stack) == 0 {
				return l, nil
			}
			if err != nil {
				return Location{}, err
			}
			stack = append(stack, v)
		default:
			return Location{}, fmt.Errorf("unsupported DWARF op 0x%02x (%s) at byte %d", op, opName(op), at)
		}
	}
	if r.err != nil {
		return Location{}, r.err
	}
	if len(stack) == 0 {
		return Location{}, errors.New("the location expression leaves no address")
	}
	return Location{Kind: InMemory, Addr: uint32(stack[len(stack)-1])}, nil
}

// opName names the DWARF ops a debugger meets and we do not evaluate.
func opName(op byte) string {
	switch {
	case op >= 0x50 && op <= 0x6f:
		return fmt.Sprintf("DW_OP_reg%d", op-0x50)
	case op >= 0x70 && op <= 0x8f:
		return fmt.Sprintf("DW_OP_breg%d", op-0x70)
	}
	if n, ok := map[byte]string{0x15: "DW_OP_pick", 0x17: "DW_OP_rot", 0x18: "DW_OP_xderef", 0x19: "DW_OP_abs",
		0x1b: "DW_OP_div", 0x1d: "DW_OP_mod", 0x28: "DW_OP_bra", 0x29: "DW_OP_eq", 0x2f: "DW_OP_skip",
		0x90: "DW_OP_regx", 0x92: "DW_OP_bregx", 0x96: "DW_OP_nop", 0x97: "DW_OP_push_object_address",
		0x98: "DW_OP_call2", 0x99: "DW_OP_call4", 0x9a: "DW_OP_call_ref", 0x9b: "DW_OP_form_tls_address",
		0x9c: "DW_OP_call_frame_cfa", 0x9d: "DW_OP_bit_piece", 0xa0: "DW_OP_implicit_pointer",
		0xa3: "DW_OP_entry_value", 0xf3: "DW_OP_GNU_entry_value"}[op]; ok {
		return n
	}
	return "unknown"
}
