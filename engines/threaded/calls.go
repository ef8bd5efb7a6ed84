package threaded

import (
	"unsafe"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// opCall calls wasm function a. Its arguments are at slot b of the
// frame, which becomes the callee's frame; c is the call's index plus one
// (the counter adjustment and the caller's resume index).
func opCall(m *machine, in *inst) *inst {
	v := m.active[in.a]
	nb := m.base + int(in.b)
	if nb+v.frameSlots+stackPad > len(m.stack) || m.depth == len(m.frames) {
		return m.callSlow(in)
	}
	f := v.fn
	caller := &m.frames[m.depth-1]
	caller.v, caller.ret, caller.resume = m.v, next(in), int32(in.c)
	fp := unsafe.Add(m.fp, int(in.b)*8)
	m.frames[m.depth] = frame{fn: f, fp: fp, base: nb}
	m.depth++
	// Loops, not clear and copy: frames are small, and the runtime's
	// memclr and memmove cost a call each.
	s := m.stack[nb+f.numParams : nb+f.tempBase]
	nl := f.numLocals - f.numParams
	for i := range s[:nl] {
		s[i] = 0
	}
	for i, k := range f.consts {
		s[nl+i] = k
	}
	m.fp, m.base, m.v = fp, nb, v
	m.cbase += in.c
	if m.cbase >= m.fastLimit() {
		m.wi = 0
		return m.checkExit(&v.code[0])
	}
	return &v.code[0]
}

// callSlow performs a call when the inline path cannot: the stack or the
// frame list must grow, the depth limit is reached, or this machine has
// not called the function yet.
func (m *machine) callSlow(in *inst) *inst {
	m.wi = int(in.c) - 1
	caller := &m.frames[m.depth-1]
	caller.v, caller.ret, caller.resume = m.v, next(in), int32(in.c)
	if msg := m.enter(m.funcs[in.a], m.base+int(in.b)); msg != "" {
		return m.trap(in, msg)
	}
	m.cbase += in.c
	if m.cbase >= m.fastLimit() {
		return m.checkExit(m.pos)
	}
	return m.pos
}

// enter pushes a frame for wasm function f at slot nb (its arguments are
// there already) and makes it current at its first instruction. On
// failure nothing changes and the trap message is returned.
func (m *machine) enter(f *function, nb int) string {
	if m.depth >= m.Opts.MaxCallDepth {
		return msgCallStack
	}
	if err := f.translated(); err != nil {
		return err.Error()
	}
	v := m.activeVariant(f)
	if !m.growStack(nb + f.frameSlots) {
		return msgCallStack
	}
	if m.depth == len(m.frames) {
		// Grow the frame list, never past the depth limit, so that the
		// inline call path needs no check of its own for the limit.
		m.frames = append(m.frames, frame{})
		m.frames = m.frames[:min(cap(m.frames), m.Opts.MaxCallDepth)]
	}
	s := m.stack[nb+f.numParams : nb+f.tempBase]
	clear(s[:f.numLocals-f.numParams])
	copy(s[f.numLocals-f.numParams:], f.consts)
	m.setFrame(nb)
	m.frames[m.depth] = frame{fn: f, fp: m.fp, base: nb}
	m.depth++
	m.v, m.pos, m.wi = v, &v.code[0], 0
	return ""
}

// opReturn leaves the frame (its results are at slot 0 on): a is the
// returning instruction's index plus one.
func opReturn(m *machine, in *inst) *inst {
	m.cbase += int64(in.a)
	m.depth--
	if m.depth <= m.StopDepth {
		m.wi, m.pos = 0, nil
		m.status = engines.StReturn
		return nil
	}
	caller := &m.frames[m.depth-1]
	m.cbase -= int64(caller.resume)
	m.fp, m.base, m.v = caller.fp, caller.base, caller.v
	if m.cbase >= m.fastLimit() {
		m.wi = int(caller.resume)
		return m.checkExit(caller.ret)
	}
	return caller.ret
}

// opReturnS, opReturnR0 and opReturnFP0 return one result, from slot b or
// a register.
func opReturnS(m *machine, in *inst) *inst {
	*(*uint64)(m.fp) = *slot(m.fp, in.b)
	return opReturn(m, in)
}

func opReturnR0(m *machine, in *inst) *inst {
	*(*uint64)(m.fp) = m.r0
	return opReturn(m, in)
}

func opReturnFP0(m *machine, in *inst) *inst {
	*(*uint64)(m.fp) = m.fp0
	return opReturn(m, in)
}

// ResumeCaller makes the frame below a returned one current, at the
// instruction after its call (after a StReturn).
func (m *machine) ResumeCaller() {
	caller := m.top()
	m.cbase -= int64(caller.resume)
	m.fp, m.base, m.v = caller.fp, caller.base, caller.v
	m.wi, m.pos = int(caller.resume), caller.ret
}

// opCallHost calls imported function a with its arguments at slot b,
// atomically: the call is counted when it returns.
func opCallHost(m *machine, in *inst) *inst {
	m.wi = int(in.c) - 1
	m.pos = in
	ext := m.Imports[in.a]
	if st := m.hostCall(ext, m.funcs[in.a].def.Type, m.base+int(in.b), in); st != engines.StRunning {
		return m.hostFailed(in, st)
	}
	return next(in)
}

// hostFailed leaves the loop after a host call that trapped or exited.
func (m *machine) hostFailed(in *inst, st engines.Status) *inst {
	if st == engines.StExit {
		m.status = st
		return nil
	}
	cause := m.TrapCause
	m.trap(in, m.TrapMsg)
	m.TrapCause = cause
	return nil
}

// hostCall calls ext with the arguments at slot at, whose results replace
// them (engines.Instance.HostCall: a trap or an exit is its status).
func (m *machine) hostCall(ext engines.Extern, ft *wasm.FuncType, at int, in *inst) engines.Status {
	if !m.growStack(at + len(ft.Params) + len(ft.Results)) {
		return m.TrapWith(msgCallStack)
	}
	// The frame waits at its call instruction (Frames and nested Calls
	// see it like a caller).
	caller := m.top()
	caller.v, caller.ret, caller.resume = m.v, next(in), int32(m.wi+1)
	params := make([]uint64, len(ft.Params))
	for i, t := range ft.Params {
		params[i] = typedValue(t, m.stack[at+i])
	}
	results := make([]uint64, len(ft.Results))
	st := m.HostCall(ext, params, results)
	m.setFrame(m.base) // a nested Call may have moved the stack
	if st == engines.StRunning {
		copy(m.stack[at:], results)
	}
	return st
}

// opCallIndirect performs call_indirect of type a; the arguments and then
// the element index are at slot b; c holds the table (high 32 bits) and
// the call's index plus one.
func opCallIndirect(m *machine, in *inst) *inst {
	mod := m.Mod
	want := &mod.Types[in.a]
	at := m.base + int(in.b)
	i := uint32(m.stack[at+len(want.Params)])
	tab := m.Tables[uint32(in.c>>32)]
	if uint64(i) >= uint64(len(tab.Elems)) {
		return m.trap(in, msgUndefinedElement)
	}
	ref := tab.Elems[i]
	if ref == 0 {
		return m.trap(in, msgUninitialized)
	}
	owner, fn := engines.DecodeFuncRef(ref)
	resume := int64(uint32(in.c))
	if owner != m.ID() {
		ext, ft, msg := m.Foreign(owner, fn, want)
		if msg != "" {
			return m.trap(in, msg)
		}
		m.wi, m.pos = int(resume)-1, in
		if st := m.hostCall(ext, ft, at, in); st != engines.StRunning {
			return m.hostFailed(in, st)
		}
		return next(in)
	}
	if int(fn) >= len(m.funcs) {
		return m.trap(in, msgUndefinedElement)
	}
	f := m.funcs[fn]
	if f.typeID != m.prog.typeIDs[in.a] {
		return m.trap(in, msgIndirectMismatch)
	}
	if f.imported {
		m.wi, m.pos = int(resume)-1, in
		if st := m.hostCall(m.Imports[fn], f.def.Type, at, in); st != engines.StRunning {
			return m.hostFailed(in, st)
		}
		return next(in)
	}
	m.wi = int(resume) - 1
	caller := m.top()
	caller.v, caller.ret, caller.resume = m.v, next(in), int32(resume)
	if msg := m.enter(f, at); msg != "" {
		return m.trap(in, msg)
	}
	m.cbase += resume
	if m.cbase >= m.fastLimit() {
		return m.checkExit(m.pos)
	}
	return m.pos
}

// Exec runs operations from m.pos until one leaves the loop.
func (m *machine) Exec() engines.Status {
	in := m.pos
	for in != nil {
		in = in.fn(m, in)
	}
	return m.status
}
