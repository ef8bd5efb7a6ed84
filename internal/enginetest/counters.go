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

// Counters chooses the counters at which to checkpoint p: 0, 1 and 2; the
// first instructions of called functions; the instructions right after
// returns; instructions inside loops; boundaries right after a local.get
// and between an instruction that pushes a result and its local.set or
// local.tee (points a register engine folds or fuses); the deepest point of the call stack;
// the last three instructions before the end; 50 evenly spaced counters;
// and 20 random ones (fixed seed). It runs p on e to find them (the
// structural ones within the first scanSteps instructions). All are below
// the run's final counter, sorted, without duplicates.
func Counters(t testing.TB, e engines.Engine, p Program) []uint64 {
	t.Helper()
	total := RunToEnd(t, e, p).Counter
	if total == 0 {
		return nil
	}
	out := []uint64{0, 1, 2, total - 1, total - 2, total - 3}

	var calls, returns, loops, folded, fused []uint64
	deepest, maxDepth := uint64(0), 0
	m := Start(t, e, p)
	mod := p.Module(t)
	depth := m.Depth()
	for step := 0; step < scanSteps; step++ {
		if Step(t, m).Kind == engines.Done {
			break
		}
		c := m.Counter()
		d := m.Depth()
		switch {
		case d > depth:
			calls = append(calls, c)
		case d < depth:
			returns = append(returns, c)
		}
		if d > maxDepth {
			maxDepth, deepest = d, c
		}
		if fn, off, ok := m.PC(); ok {
			if inLoop(mod, fn, off) {
				loops = append(loops, c)
			}
			switch registerPoint(mod, fn, off) {
			case afterLocalGet:
				folded = append(folded, c)
			case beforeFusedSet:
				fused = append(fused, c)
			}
		}
		depth = d
	}
	out = append(out, deepest, deepest+1)
	out = append(out, spread(calls, 8)...)
	out = append(out, spread(returns, 8)...)
	out = append(out, spread(loops, 8)...)
	out = append(out, spread(folded, 8)...)
	out = append(out, spread(fused, 8)...)

	for i := range uint64(50) {
		out = append(out, total*i/50)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
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
)

// registerPoint classifies the boundary before the instruction at file
// offset off of function fn.
func registerPoint(mod *wasm.Module, fn, off uint32) int {
	if int(fn) >= len(mod.Funcs) {
		return plainPoint
	}
	f := mod.Funcs[fn]
	i, ok := f.InstrAt(off)
	if !ok || i == 0 {
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
