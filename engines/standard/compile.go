package standard

import (
	"fmt"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

func init() { engines.Register(Engine{}) }

// Engine is the standard interpreter.
type Engine struct{}

// Name returns "standard".
func (Engine) Name() string { return "standard" }

// program is a compiled module.
type program struct {
	mod   *wasm.Module
	opts  engines.Options
	funcs []*function // the whole function index space, imports first
	// typeIDs gives each type index its canonical id: structurally equal
	// signatures share one, so call_indirect compares integers.
	typeIDs []uint32
	// maxLen is the length of the longest function, in instructions: the
	// fast mode never runs more than that between two check points.
	maxLen int
	// stepCode is a run of opStep as long as the longest function: the
	// precise mode's code for every function.
	stepCode []op
}

// function is one function of the index space.
type function struct {
	index  uint32
	def    *wasm.Func
	typeID uint32
	// imported is set for imported functions, which have no code.
	imported bool

	numParams, numResults int
	numLocals             int // parameters included
	maxHeight             int // operand slots the body needs above its locals
	code                  []op
	brTable               []brTarget
	// ret is the function's return, executed for a conditional branch or
	// a br_table entry that targets the function's label.
	ret op
}

// brTarget is one resolved target of a br_table.
type brTarget struct {
	pc     uint32 // continuation
	arity  uint32
	height uint32 // destination height above the frame base
	ret    bool   // the function's label: the branch returns
	loop   bool   // a loop's label: the branch jumps backwards
}

// Compile translates every function body into ops.
func (Engine) Compile(m *wasm.Module, opts engines.Options) (engines.Program, error) {
	if opts.MaxCallDepth <= 0 {
		opts.MaxCallDepth = engines.DefaultMaxCallDepth
	}
	p := &program{mod: m, opts: opts}
	p.typeIDs = engines.CanonicalTypes(m.Types)
	for i, f := range m.Funcs {
		fn := &function{
			index:      uint32(i),
			def:        f,
			typeID:     p.typeIDs[f.TypeIndex],
			imported:   f.Import != nil,
			numParams:  len(f.Type.Params),
			numResults: len(f.Type.Results),
			numLocals:  f.NumLocals(),
		}
		if !fn.imported {
			if err := p.compileBody(fn); err != nil {
				return nil, err
			}
			p.maxLen = max(p.maxLen, len(fn.code))
		}
		p.funcs = append(p.funcs, fn)
	}
	p.stepCode = make([]op, p.maxLen)
	for i := range p.stepCode {
		p.stepCode[i].code = opStep
	}
	return p, nil
}

// Module returns the compiled module.
func (p *program) Module() *wasm.Module { return p.mod }

func (p *program) compileBody(fn *function) error {
	f := fn.def
	if len(f.Instrs) == 0 || len(f.Info) != len(f.Instrs) {
		return fmt.Errorf("standard: %s has no analysed body (was the module loaded by wasm.Load?)", f.DisplayName())
	}
	fn.maxHeight = f.MaxHeight
	fn.ret = returnOp(fn)
	fn.code = make([]op, len(f.Instrs))
	fail := func(in *wasm.Instr, format string, args ...any) error {
		return fmt.Errorf("standard: %s at offset 0x%x: %s", f.DisplayName(), in.Offset, fmt.Sprintf(format, args...))
	}
	for i := range f.Instrs {
		in := &f.Instrs[i]
		o := op{code: internalOp(in.Op), a: in.A, c: in.C}
		switch in.Op {
		case wasm.OpMemoryInit, wasm.OpMemoryCopy, wasm.OpTableInit, wasm.OpTableCopy:
			o.c = uint64(in.B) // the second index
		case wasm.OpBlock, wasm.OpLoop, wasm.OpNop:
			o = op{code: opNop}
		case wasm.OpEnd:
			if i == len(f.Instrs)-1 {
				o = returnOp(fn)
			} else {
				o = op{code: opNop}
			}
		case wasm.OpIf:
			b := &f.Blocks[in.A]
			next := b.End + 1
			if b.Else >= 0 {
				next = b.Else + 1
			}
			o = op{code: opIf, a: uint32(next)}
		case wasm.OpElse:
			o = op{code: opJump, a: uint32(f.Blocks[in.A].End + 1)}
		case wasm.OpBr, wasm.OpBrIf:
			o = branchOp(fn, in.Op == wasm.OpBrIf, resolveBranch(fn, i, in.A))
		case wasm.OpBrTable:
			depths := f.BrTable[in.A : in.A+in.B]
			o = op{code: opBrTable, a: uint32(len(fn.brTable)), c: uint64(len(depths))}
			for _, d := range depths {
				fn.brTable = append(fn.brTable, resolveBranch(fn, i, d))
			}
		case wasm.OpReturn:
			o = returnOp(fn)
		case wasm.OpCall:
			if p.mod.Funcs[in.A].Import != nil {
				o.code = opCallImport
			}
		case wasm.OpCallIndirect:
			o = op{code: opCallIndirect, a: p.typeIDs[in.A], c: uint64(in.B)}
		case wasm.OpSelectT:
			o = op{code: opSelect}
		case wasm.OpI32Load, wasm.OpI64Load, wasm.OpF32Load, wasm.OpF64Load,
			wasm.OpI32Load8S, wasm.OpI32Load8U, wasm.OpI32Load16S, wasm.OpI32Load16U,
			wasm.OpI64Load8S, wasm.OpI64Load8U, wasm.OpI64Load16S, wasm.OpI64Load16U,
			wasm.OpI64Load32S, wasm.OpI64Load32U,
			wasm.OpI32Store, wasm.OpI64Store, wasm.OpF32Store, wasm.OpF64Store,
			wasm.OpI32Store8, wasm.OpI32Store16, wasm.OpI64Store8, wasm.OpI64Store16, wasm.OpI64Store32:
			if in.B != 0 {
				return fail(in, "multiple memories are not supported")
			}
			if in.C > 0xffffffff {
				return fail(in, "offset %d too large", in.C)
			}
			o = op{code: o.code, a: uint32(in.C)}
		}
		fn.code[i] = o
	}
	return nil
}

// resolveBranch computes where a branch of the given depth at instruction
// i goes.
func resolveBranch(fn *function, i int, depth uint32) brTarget {
	b := fn.def.LabelTarget(i, depth)
	return brTarget{
		pc:     uint32(b.Continuation()),
		arity:  uint32(b.Arity()),
		height: uint32(fn.numLocals + b.Height),
		ret:    b.Kind == wasm.LabelFunc,
		loop:   b.Kind == wasm.LabelLoop,
	}
}

// branchOp builds the op of a br or br_if to t. The dispatch loop moves
// at most one value inline; branches carrying more use opBrN.
func branchOp(fn *function, conditional bool, t brTarget) op {
	if t.ret {
		if conditional {
			return op{code: opBrIfReturn}
		}
		return returnOp(fn)
	}
	if t.arity > 1 {
		o := op{code: opBrN, a: uint32(len(fn.brTable))}
		if conditional {
			o.x = 1
		}
		fn.brTable = append(fn.brTable, t)
		return o
	}
	o := op{a: t.pc, x: uint16(t.arity), c: uint64(t.height)}
	switch {
	case t.loop && conditional:
		o.code = opBrIfLoop
	case t.loop:
		o.code = opBrLoop
	case conditional:
		o.code = opBrIf
	default:
		o.code = opBr
	}
	return o
}

// returnOp builds the function's return.
func returnOp(fn *function) op {
	if fn.numResults > 1 {
		return op{code: opReturnN}
	}
	return op{code: opReturn, x: uint16(fn.numResults)}
}
