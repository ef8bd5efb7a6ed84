package fast

import (
	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// enter pushes a frame for the wasm function f at cell nb (its arguments
// are already there) and makes it current at its first instruction,
// translating f if this is the machine's first call of it. On failure
// ("call stack exhausted") nothing changes.
func (m *machine) enter(f *function, nb int) engines.Status {
	if m.depth >= m.maxDepth {
		return m.TrapWith(engines.MsgCallStack)
	}
	if err := f.translated(); err != nil {
		return m.TrapWith(err.Error())
	}
	v := m.activeVariant(f)
	if nb+v.frameCells+4 > len(m.stack) && !m.growStack(nb+v.frameCells) {
		return m.TrapWith(engines.MsgCallStack)
	}
	s := m.stack[nb:]
	clear(s[f.paramCells:f.localCells])
	copy(s[f.localCells:], f.pool)
	if m.depth == len(m.frames) {
		m.frames = append(m.frames, frame{})
	}
	m.frames[m.depth] = frame{fn: f, base: int32(nb)}
	m.depth++
	m.code = v
	m.pc, m.wi, m.base = 0, 0, nb
	return engines.StRunning
}

// callSlow performs a call (op o at m.pc) when the inline path cannot: the
// frame stack or the value stack must grow, the depth limit is reached,
// or the machine has not called f yet (its active entry is untranslated,
// whose frame never fits).
//
//go:noinline
func (m *machine) callSlow(f *function, nb int, o *op) engines.Status {
	pc := m.pc
	caller := &m.frames[m.depth-1]
	caller.code, caller.ret = m.code, int32(pc+1)
	counter := m.cbase + int64(o.d)
	if st := m.enter(f, nb); st != engines.StRunning {
		m.wi = int(m.code.wasm[pc])
		m.pc = pc
		if p := m.code.pos[m.wi]; p >= 0 {
			m.pc = int(p)
		}
		return st
	}
	m.cbase = counter
	if m.cbase >= m.FastLimit.Load() {
		return engines.StCheck
	}
	return engines.StRunning
}

// remapCaller makes a caller resume in its function's active variant (the
// mode changed while it was waiting).
//
//go:noinline
func (m *machine) remapCaller(caller *frame) {
	next := caller.code.wasm[caller.ret-1] + 1
	v := m.activeVariant(caller.fn)
	if p := v.pos[next]; p >= 0 {
		caller.code, caller.ret = v, p
	}
}

// callImport performs a call of an imported function (op o at m.pc):
// atomic, counted when it returns.
//
//go:noinline
func (m *machine) callImport(o *op) engines.Status {
	m.wi = int(m.code.wasm[m.pc])
	f := m.funcs[o.a]
	return m.callHost(m.Imports[o.a], f.def.Type, m.base+int(o.b))
}

// callHost calls a host function (or another instance's) whose arguments
// are at cell at of the stack; its results replace them.
func (m *machine) callHost(ext engines.Extern, ft *wasm.FuncType, at int) engines.Status {
	if !m.growStack(at + 2*len(ft.Results) + 2*len(ft.Params)) {
		return m.TrapWith(engines.MsgCallStack)
	}
	// The frame waits at its call instruction (Frames and nested Calls
	// see it like a caller).
	fr := &m.frames[m.depth-1]
	fr.code, fr.ret = m.code, int32(m.pc+1)
	params := make([]uint64, len(ft.Params))
	c := at
	for i, t := range ft.Params {
		params[i] = m.cellValue(t, c)
		c += cells(t)
	}
	results := make([]uint64, len(ft.Results))
	if st := m.HostCall(ext, params, results); st != engines.StRunning {
		return st
	}
	c = at
	for i, t := range ft.Results {
		m.setCell(t, c, results[i])
		c += cells(t)
	}
	return engines.StRunning
}

// trapHere records a trap at the op at m.pc.
func (m *machine) trapHere(msg string) engines.Status {
	return m.trapAt(m.pc, msg)
}

// callIndirect performs call_indirect (op o at m.pc).
//
//go:noinline
func (m *machine) callIndirect(o *op) engines.Status {
	fp := m.base
	i := m.stack[fp+int(o.c/4)]
	tab := m.Tables[o.t]
	if uint64(i) >= uint64(len(tab.Elems)) {
		return m.trapHere(engines.MsgUndefinedElement)
	}
	ref := tab.Elems[i]
	if ref == 0 {
		return m.trapHere(engines.MsgUninitialized)
	}
	inst, fn := engines.DecodeFuncRef(ref)
	at := m.base + int(o.b)
	if inst != m.ID() {
		ext, ft, msg := m.Foreign(inst, fn, &m.Mod.Types[o.a])
		if msg != "" {
			return m.trapHere(msg)
		}
		pc := m.pc
		m.wi = int(m.code.wasm[pc])
		if st := m.callHost(ext, ft, at); st != engines.StRunning {
			if st == engines.StTrap {
				msg, cause := m.TrapMsg, m.TrapCause
				m.trapAt(pc, msg)
				m.TrapCause = cause
			}
			return st
		}
		m.pc = pc + 1
		return engines.StRunning
	}
	if int(fn) >= len(m.funcs) {
		return m.trapHere(engines.MsgUndefinedElement)
	}
	f := m.funcs[fn]
	if f.typeID != o.a {
		return m.trapHere(engines.MsgIndirectMismatch)
	}
	pc := m.pc
	if f.imported {
		m.wi = int(m.code.wasm[pc])
		if st := m.callHost(m.Imports[fn], f.def.Type, at); st != engines.StRunning {
			if st == engines.StTrap {
				msg, cause := m.TrapMsg, m.TrapCause
				m.trapAt(pc, msg)
				m.TrapCause = cause
			}
			return st
		}
		m.pc = pc + 1
		return engines.StRunning
	}
	o2 := op{d: int32(m.code.wasm[pc]) + 1}
	if st := m.callSlow(f, at, &o2); st != engines.StRunning {
		if st == engines.StTrap {
			return m.trapAt(pc, m.TrapMsg)
		}
		return st
	}
	return engines.StRunning
}

// branchOut performs a multi-value return or a br_table (op o at m.pc).
//
//go:noinline
func (m *machine) branchOut(o *op) engines.Status {
	fp := m.base
	if o.code == opBrTable {
		i := m.stack[fp+int(o.b/4)]
		tab := m.code.brTables[o.a]
		if uint64(i) >= uint64(len(tab)) {
			i = uint32(len(tab) - 1)
		}
		e := &tab[i]
		if !e.ret {
			m.doMoves(e.moves)
			m.cbase += int64(e.delta)
			m.pc = int(e.target)
			if m.cbase >= m.FastLimit.Load() {
				m.wi = int(o.d) - int(e.delta) // the continuation
				return engines.StCheck
			}
			return engines.StRunning
		}
		// A return: the function's result moves are in c/n or moves[c].
		switch opcode(o.t) {
		case opReturnN:
			m.doMovesGather(m.code.moves[o.c])
		case opReturn:
			switch o.n {
			case 1:
				m.stack[fp] = m.stack[fp+int(o.c/4)]
			case 2:
				m.stack[fp], m.stack[fp+1] = m.stack[fp+int(o.c/4)], m.stack[fp+int(o.c/4)+1]
			}
		}
	} else {
		m.doMovesGather(m.code.moves[o.a])
	}
	return m.returnOut(o.d)
}

// returnOut pops the top frame (results already at its base); d is the
// returning instruction's index plus one.
func (m *machine) returnOut(d int32) engines.Status {
	m.cbase += int64(d)
	m.depth--
	if m.depth <= m.StopDepth {
		m.pc, m.wi = 0, 0
		return engines.StReturn
	}
	m.ResumeCaller()
	if m.cbase >= m.FastLimit.Load() {
		return engines.StCheck
	}
	return engines.StRunning
}

// ResumeCaller makes the frame below a returned one current, at the
// instruction after its call, and adjusts the counter base.
func (m *machine) ResumeCaller() {
	caller := &m.frames[m.depth-1]
	if caller.code != m.active[caller.fn.index] {
		m.remapCaller(caller)
	}
	m.code, m.pc, m.base = caller.code, int(caller.ret), int(caller.base)
	m.wi = int(caller.code.wasm[m.pc-1]) + 1
	m.cbase -= int64(m.wi)
}

func (m *machine) doMoves(ms []move) {
	fp := m.base
	for _, mv := range ms {
		m.stack[fp+int(mv.dst/4)] = m.stack[fp+int(mv.src/4)]
		if mv.wide {
			m.stack[fp+int(mv.dst/4)+1] = m.stack[fp+int(mv.src/4)+1]
		}
	}
}

// doMovesGather performs moves whose sources and destinations may
// overlap: read everything first.
func (m *machine) doMovesGather(ms []move) {
	fp := m.base
	tmp := make([]uint32, 0, 2*len(ms))
	for _, mv := range ms {
		tmp = append(tmp, m.stack[fp+int(mv.src/4)])
		if mv.wide {
			tmp = append(tmp, m.stack[fp+int(mv.src/4)+1])
		}
	}
	k := 0
	for _, mv := range ms {
		m.stack[fp+int(mv.dst/4)] = tmp[k]
		k++
		if mv.wide {
			m.stack[fp+int(mv.dst/4)+1] = tmp[k]
			k++
		}
	}
}

// SaveActivation saves the activation below a Call (engines.Interp).
func (m *machine) SaveActivation() func(panicked bool) {
	code, pc, wi, base, depth := m.code, m.pc, m.wi, m.base, m.depth
	return func(panicked bool) {
		if panicked {
			m.wi = wi // m.cbase + wi is the counter
		}
		counter := m.Counter()
		m.code, m.pc, m.wi, m.base, m.depth = code, pc, wi, base, depth
		m.cbase = int64(counter) - int64(wi)
	}
}

// PushCall places a Call of function fn above the activation
// (engines.Interp), at the first cell above the top frame, where its
// results will be.
func (m *machine) PushCall(fn uint32, args []uint64) (func() []uint64, error) {
	f := m.funcs[fn]
	if m.depth == 0 {
		m.startFn = f // for Results
	}
	counter, at := m.Counter(), m.frameEnd()
	if !m.growStack(at + 2*len(args) + 2*f.numResults) {
		return nil, &engines.Trap{Msg: engines.MsgCallStack}
	}
	c := at
	for i, t := range f.def.Type.Params {
		m.setCell(t, c, args[i])
		c += cells(t)
	}
	if st := m.enter(f, at); st != engines.StRunning {
		return nil, &engines.Trap{Msg: m.TrapMsg}
	}
	m.cbase = int64(counter)
	return func() []uint64 {
		results := make([]uint64, f.numResults)
		c := at
		for i, t := range f.def.Type.Results {
			results[i] = m.cellValue(t, c)
			c += cells(t)
		}
		return results
	}, nil
}
