package enginetest

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// scanSteps bounds the single-stepping pass that looks for interesting
// counters.
const scanSteps = 20000

// Counters chooses the counters at which to checkpoint p: those a
// CounterScan of its first scanSteps instructions finds, at most 8 of each
// kind, with 50 evenly spaced and 20 random ones (see Pick). It runs p on e
// to find them. All are below the run's final counter, sorted, without
// duplicates.
func Counters(t testing.TB, e engines.Engine, p Program) []uint64 {
	t.Helper()
	total := RunToEnd(t, e, p).Counter
	scan := NewCounterScan(p.Module(t))
	m := Start(t, e, p)
	scan.Observe(m)
	for step := 0; step < scanSteps; step++ {
		if Step(t, m).Kind == engines.Done {
			break
		}
		scan.Observe(m)
	}
	return scan.Pick(total, 8, 50, 20)
}

// A CounterScan collects the counters at which a checkpoint is most likely
// to go wrong, from a run observed at consecutive instruction boundaries
// (single steps; it may skip ahead between windows of steps): the first
// instructions of called functions; the instructions right after returns;
// instructions inside loops; boundaries right after a local.get and
// between an instruction that pushes a result and its local.set or
// local.tee (points a register engine folds or fuses); calls of imported
// (host) functions and the boundaries right after them; the deepest point
// of the call stack. It works on any machine, whatever its imports.
type CounterScan struct {
	mod                                             *wasm.Module
	observed                                        bool
	last                                            uint64 // the previous observation's counter
	depth                                           int    // and its call depth
	calls, returns, loops, folded, fused, hostCalls []uint64
	deepest                                         uint64
	maxDepth                                        int
}

// NewCounterScan starts a scan of a run of mod.
func NewCounterScan(mod *wasm.Module) *CounterScan { return &CounterScan{mod: mod} }

// Observe records the boundary m is stopped at. Calls and returns are
// recognised only between observations one instruction apart.
func (s *CounterScan) Observe(m engines.Machine) {
	c, d := m.Counter(), m.Depth()
	if s.observed && c == s.last+1 {
		switch {
		case d > s.depth:
			s.calls = append(s.calls, c)
		case d < s.depth:
			s.returns = append(s.returns, c)
		}
	}
	s.observed, s.last, s.depth = true, c, d
	if d > s.maxDepth {
		s.maxDepth, s.deepest = d, c
	}
	fn, off, ok := m.PC()
	if !ok {
		return
	}
	if inLoop(s.mod, fn, off) {
		s.loops = append(s.loops, c)
	}
	switch registerPoint(s.mod, fn, off) {
	case afterLocalGet:
		s.folded = append(s.folded, c)
	case beforeFusedSet:
		s.fused = append(s.fused, c)
	case beforeHostCall:
		s.hostCalls = append(s.hostCalls, c, c+1)
	}
}

// HostCalls is the number of host calls seen.
func (s *CounterScan) HostCalls() int { return len(s.hostCalls) / 2 }

// Pick returns the chosen counters below total, sorted, without
// duplicates: 0, 1 and 2; the last three before the end; the deepest
// point and the one after it; at most perKind of each kind the scan
// found (evenly spread over those seen); even evenly spaced counters; and
// random ones (fixed seed).
func (s *CounterScan) Pick(total uint64, perKind, even, random int) []uint64 {
	if total == 0 {
		return nil
	}
	out := []uint64{0, 1, 2, total - 1, total - 2, total - 3, s.deepest, s.deepest + 1}
	for _, kind := range [][]uint64{s.calls, s.returns, s.loops, s.folded, s.fused, s.hostCalls} {
		out = append(out, spread(kind, perKind)...)
	}
	for i := range uint64(even) {
		out = append(out, total*i/uint64(even))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range random {
		out = append(out, rng.Uint64N(total))
	}
	out = sortedUnique(out)
	for len(out) > 0 && out[len(out)-1] >= total {
		out = out[:len(out)-1]
	}
	return out
}

// Boundaries that register engines treat specially.
const (
	plainPoint     = iota
	afterLocalGet  // the previous instruction is a local.get (folded away by a register engine)
	beforeFusedSet // a local.set or local.tee right after an instruction that pushes a result (which a register engine may write straight into the local), or a br_if right after a comparison (which it may fuse)
	beforeHostCall // a call of an imported function (one instruction: the host runs it atomically)
)

// registerPoint classifies the boundary before the instruction at file
// offset off of function fn.
func registerPoint(mod *wasm.Module, fn, off uint32) int {
	if int(fn) >= len(mod.Funcs) {
		return plainPoint
	}
	f := mod.Funcs[fn]
	i, ok := f.InstrAt(off)
	if !ok {
		return plainPoint
	}
	if in := f.Instrs[i]; in.Op == wasm.OpCall && in.A < mod.NumImportedFuncs {
		return beforeHostCall
	}
	if i == 0 {
		return plainPoint
	}
	prev := f.Instrs[i-1].Op
	switch {
	case prev == wasm.OpLocalGet:
		return afterLocalGet
	case (f.Instrs[i].Op == wasm.OpLocalSet || f.Instrs[i].Op == wasm.OpLocalTee) &&
		prev != wasm.OpLocalGet && prev != wasm.OpCall && prev != wasm.OpCallIndirect &&
		int(f.Info[i].Height) >= int(f.Info[i-1].Height)-1 && f.Info[i].Height > 0:
		return beforeFusedSet
	case f.Instrs[i].Op == wasm.OpBrIf && (prev >= wasm.OpI32Eqz && prev <= wasm.OpF64Ge):
		return beforeFusedSet
	}
	return plainPoint
}

// inLoop reports whether the instruction at file offset off of function fn
// is inside a loop (at any depth).
func inLoop(mod *wasm.Module, fn, off uint32) bool {
	if int(fn) >= len(mod.Funcs) {
		return false
	}
	f := mod.Funcs[fn]
	i, ok := f.InstrAt(off)
	if !ok {
		return false
	}
	for b := f.Info[i].Block; b >= 0; b = f.Blocks[b].Parent {
		if f.Blocks[b].Kind == wasm.LabelLoop {
			return true
		}
	}
	return false
}

// spread picks at most n evenly spaced elements of s, first and last
// included.
func spread(s []uint64, n int) []uint64 {
	if len(s) <= n {
		return s
	}
	out := make([]uint64, 0, n)
	for i := range n {
		out = append(out, s[i*(len(s)-1)/(n-1)])
	}
	return out
}

func sortedUnique(s []uint64) []uint64 {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// Spread returns n counters evenly spaced in [1, total), for checks whose
// cost grows with the counter.
func Spread(total uint64, n int) []uint64 {
	var out []uint64
	for i := 1; i <= n; i++ {
		out = append(out, total*uint64(i)/uint64(n+1))
	}
	return sortedUnique(out)
}
