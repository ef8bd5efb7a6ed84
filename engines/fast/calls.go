package fast

import (
	"fmt"
	"math"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// enter pushes a frame for the wasm function f at cell nb (its arguments
// are already there) and makes it current at its first instruction,
// translating f if this is the machine's first call of it. On failure
// ("call stack exhausted") nothing changes.
func (m *machine) enter(f *function, nb int) status {
	if m.depth >= m.maxDepth {
		return m.trapWith(msgCallStack)
	}
	if err := f.translated(); err != nil {
		return m.trapWith(err.Error())
	}
	v := m.activeVariant(f)
	if nb+v.frameCells+4 > len(m.stack) && !m.growStack(nb+v.frameCells) {
		return m.trapWith(msgCallStack)
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
	return stRunning
}

// callSlow performs a call (op o at m.pc) when the inline path cannot: the
// frame stack or the value stack must grow, the depth limit is reached,
// or the machine has not called f yet (its active entry is untranslated,
// whose frame never fits).
//
//go:noinline
func (m *machine) callSlow(f *function, nb int, o *op) status {
	pc := m.pc
	caller := &m.frames[m.depth-1]
	caller.code, caller.ret = m.code, int32(pc+1)
	counter := m.cbase + int64(o.d)
	if st := m.enter(f, nb); st != stRunning {
		m.wi = int(m.code.wasm[pc])
		m.pc = pc
		if p := m.code.pos[m.wi]; p >= 0 {
			m.pc = int(p)
		}
		return st
	}
	m.cbase = counter
	if m.cbase >= m.fastLimit.Load() {
		return stCheck
	}
	return stRunning
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
func (m *machine) callImport(o *op) status {
	m.wi = int(m.code.wasm[m.pc])
	f := m.funcs[o.a]
	return m.callHost(m.imports[o.a], f.def.Type, m.base+int(o.b))
}

// callHost calls a host function (or another instance's) whose arguments
// are at cell at of the stack; its results replace them.
func (m *machine) callHost(ext engines.Extern, ft *wasm.FuncType, at int) status {
	if !m.growStack(at + 2*len(ft.Results) + 2*len(ft.Params)) {
		return m.trapWith(msgCallStack)
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
	if st := m.hostCall(ext, params, results); st != stRunning {
		return st
	}
	c = at
	for i, t := range ft.Results {
		m.setCell(t, c, results[i])
		c += cells(t)
	}
	return stRunning
}

func (m *machine) hostCall(ext engines.Extern, params, results []uint64) status {
	m.inHost++
	err := m.callExtern(ext, params, results)
	m.inHost--
	m.reloadMemory()
	if err == nil {
		return stRunning
	}
	if exit, ok := err.(*engines.ExitError); ok {
		m.exitCode = exit.Code
		return stExit
	}
	m.trapMsg, m.trapCause = err.Error(), err
	return stTrap
}

func (m *machine) callExtern(ext engines.Extern, params, results []uint64) error {
	if ext.Owner != nil {
		res, err := ext.Owner.Call(ext.Index, params)
		copy(results, res)
		return err
	}
	if ext.Func == nil || ext.Func.Call == nil {
		return fmt.Errorf("fast: import has no implementation")
	}
	return ext.Func.Call(m, params, results)
}

func (m *machine) trapWith(msg string) status {
	m.trapMsg, m.trapCause = msg, nil
	return stTrap
}

// trapHere records a trap at the op at m.pc.
func (m *machine) trapHere(msg string) status {
	return m.trapAt(m.pc, msg)
}

// callIndirect performs call_indirect (op o at m.pc).
//
//go:noinline
func (m *machine) callIndirect(o *op) status {
	fp := m.base
	i := m.stack[fp+int(o.c/4)]
	tab := m.tables[o.t]
	if uint64(i) >= uint64(len(tab.Elems)) {
		return m.trapHere(msgUndefinedElement)
	}
	ref := tab.Elems[i]
	if ref == 0 {
		return m.trapHere(msgUninitialized)
	}
	inst, fn := engines.DecodeFuncRef(ref)
	at := m.base + int(o.b)
	if inst != m.id {
		var other engines.Machine
		if m.store != nil {
			other = m.store.Instance(inst)
		}
		if other == nil || int(fn) >= len(other.Module().Funcs) {
			return m.trapHere(msgUndefinedElement)
		}
		ft := other.Module().Funcs[fn].Type
		if !ft.Equal(&m.mod.Types[o.a]) {
			return m.trapHere(msgIndirectMismatch)
		}
		pc := m.pc
		m.wi = int(m.code.wasm[pc])
		if st := m.callHost(engines.Extern{Owner: other, Index: fn}, ft, at); st != stRunning {
			if st == stTrap {
				msg, cause := m.trapMsg, m.trapCause
				m.trapAt(pc, msg)
				m.trapCause = cause
			}
			return st
		}
		m.pc = pc + 1
		return stRunning
	}
	if int(fn) >= len(m.funcs) {
		return m.trapHere(msgUndefinedElement)
	}
	f := m.funcs[fn]
	if f.typeID != o.a {
		return m.trapHere(msgIndirectMismatch)
	}
	pc := m.pc
	if f.imported {
		m.wi = int(m.code.wasm[pc])
		if st := m.callHost(m.imports[fn], f.def.Type, at); st != stRunning {
			if st == stTrap {
				msg, cause := m.trapMsg, m.trapCause
				m.trapAt(pc, msg)
				m.trapCause = cause
			}
			return st
		}
		m.pc = pc + 1
		return stRunning
	}
	o2 := op{d: int32(m.code.wasm[pc]) + 1}
	if st := m.callSlow(f, at, &o2); st != stRunning {
		if st == stTrap {
			return m.trapAt(pc, m.trapMsg)
		}
		return st
	}
	return stRunning
}

// branchOut performs a multi-value return or a br_table (op o at m.pc).
//
//go:noinline
func (m *machine) branchOut(o *op) status {
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
			if m.cbase >= m.fastLimit.Load() {
				m.wi = int(o.d) - int(e.delta) // the continuation
				return stCheck
			}
			return stRunning
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
func (m *machine) returnOut(d int32) status {
	m.cbase += int64(d)
	m.depth--
	if m.depth <= m.stopDepth {
		m.pc, m.wi = 0, 0
		return stReturn
	}
	m.resumeCaller()
	if m.cbase >= m.fastLimit.Load() {
		return stCheck
	}
	return stRunning
}

// resumeCaller makes the frame below a returned one current, at the
// instruction after its call, and adjusts the counter base.
func (m *machine) resumeCaller() {
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

// Call runs function fn to completion above whatever activation the
// machine holds, and returns its results.
func (m *machine) Call(fn uint32, args []uint64) (results []uint64, err error) {
	if int(fn) >= len(m.funcs) {
		return nil, fmt.Errorf("fast: Call: no function %d", fn)
	}
	f := m.funcs[fn]
	if len(args) != f.numParams {
		return nil, fmt.Errorf("fast: Call: %s takes %d arguments, got %d", f.def.DisplayName(), f.numParams, len(args))
	}
	if m.nested >= maxNestedCalls {
		return nil, &engines.Trap{Msg: msgCallStack}
	}
	if f.imported {
		results = make([]uint64, f.numResults)
		m.inHost++
		err = m.callExtern(m.imports[fn], append([]uint64(nil), args...), results)
		m.inHost--
		return results, err
	}
	type savedState struct {
		code      *variant
		pc, wi    int
		base      int
		depth     int
		run       runState
		stopDepth int
		fastLimit int64
	}
	m.reloadMemory()
	saved := savedState{m.code, m.pc, m.wi, m.base, m.depth, m.run, m.stopDepth, m.fastLimit.Load()}
	restore := func() {
		counter := m.Counter()
		m.code, m.pc, m.wi, m.base, m.depth = saved.code, saved.pc, saved.wi, saved.base, saved.depth
		m.cbase = int64(counter) - int64(saved.wi)
		m.run, m.stopDepth = saved.run, saved.stopDepth
		m.setPrecise(saved.run.precise)
		m.code = saved.code
		m.fastLimit.Store(saved.fastLimit)
		if m.interrupt.Load() {
			m.fastLimit.Store(math.MinInt64)
		}
		m.reloadMemory()
	}
	m.nested++
	defer func() {
		m.nested--
		if r := recover(); r != nil {
			m.wi = saved.wi
			restore()
			results, err = nil, &engines.Trap{Msg: fmt.Sprintf("internal error: %v", r)}
		}
	}()
	counter := m.Counter()
	m.run = runState{limit: engines.NoLimit, baseDepth: m.depth, nested: true}
	m.stopDepth = m.depth
	m.setPrecise(false)
	m.fastLimit.Store(math.MaxInt64)
	if m.interrupt.Load() {
		m.fastLimit.Store(math.MinInt64)
	}
	at := m.frameEnd()
	if !m.growStack(at + 2*len(args) + 2*f.numResults) {
		restore()
		return nil, &engines.Trap{Msg: msgCallStack}
	}
	c := at
	for i, t := range f.def.Type.Params {
		m.setCell(t, c, args[i])
		c += cells(t)
	}
	if st := m.enter(f, at); st != stRunning {
		m.wi = saved.wi
		restore()
		return nil, &engines.Trap{Msg: m.trapMsg}
	}
	m.cbase = int64(counter)
	for {
		switch m.exec() {
		case stCheck:
			if m.interrupt.Swap(false) {
				restore()
				return nil, &engines.Trap{Msg: "interrupted"}
			}
			m.fastLimit.Store(math.MaxInt64)
		case stReturn:
			results = make([]uint64, f.numResults)
			c := at
			for i, t := range f.def.Type.Results {
				results[i] = m.cellValue(t, c)
				c += cells(t)
			}
			restore()
			return results, nil
		case stStop:
		case stTrap:
			t := m.makeTrap()
			restore()
			return nil, t
		case stExit:
			restore()
			return nil, &engines.ExitError{Code: m.exitCode}
		}
	}
}
