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

// countersPerProgram is how many counters Counters picks.
const countersPerProgram = 120

// Counters chooses the counters at which to checkpoint p: countersPerProgram
// of those a CounterScan of its first scanSteps instructions finds (see
// Pick). It runs p on e to find them. All are below the run's final
// counter, sorted, without duplicates.
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
	return scan.Pick(total, countersPerProgram, 0)
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

// Pick returns at most n counters below total, sorted, without
// duplicates. It takes them from the kinds in turn, so that even a small n
// has one of each: calls of imported functions and the boundaries right
// after them, fused and folded boundaries, calls, returns, loops, the
// deepest point and the one after it, counters evenly spread over the run
// (at 1/2, 1/4, 3/4, 1/8, ... of it), random ones, and the first three and
// last three. Within a kind the order is shuffled, so that the first few
// taken sample the whole run. The random choices follow seed: two seeds
// give two samples.
func (s *CounterScan) Pick(total uint64, n int, seed uint64) []uint64 {
	if total == 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(1, seed))
	shuffled := func(k []uint64) []uint64 {
		k = slices.Clone(k)
		rng.Shuffle(len(k), func(i, j int) { k[i], k[j] = k[j], k[i] })
		return k
	}
	var even, random []uint64
	for i := range uint64(n) {
		even = append(even, uint64(float64(total)*vanDerCorput(i+1)))
		random = append(random, rng.Uint64N(total))
	}
	kinds := [][]uint64{
		shuffled(s.hostCalls), shuffled(s.fused), shuffled(s.folded),
		shuffled(s.calls), shuffled(s.returns), shuffled(s.loops),
		{s.deepest, s.deepest + 1}, even, random,
		{0, total - 1, 1, total - 2, 2, total - 3}, // those past the start wrap round and are dropped
	}
	seen := map[uint64]bool{}
	var out []uint64
	for i := 0; len(out) < n; i++ {
		more := false
		for _, k := range kinds {
			if i >= len(k) {
				continue
			}
			more = true
			if c := k[i]; c < total && !seen[c] && len(out) < n {
				seen[c] = true
				out = append(out, c)
			}
		}
		if !more {
			break
		}
	}
	slices.Sort(out)
	return out
}

// vanDerCorput returns the i-th element of the van der Corput sequence in
// base 2 (1/2, 1/4, 3/4, 1/8, 5/8, ...): every prefix is evenly spread
// over [0, 1).
func vanDerCorput(i uint64) float64 {
	x, f := 0.0, 0.5
	for ; i > 0; i >>= 1 {
		if i&1 != 0 {
			x += f
		}
		f /= 2
	}
	return x
}

// HostCallSites returns the file offsets of the calls of imported
// functions in mod: breakpoints there stop a run at every host call.
func HostCallSites(mod *wasm.Module) []uint32 {
	var out []uint32
	for _, f := range mod.Funcs[mod.NumImportedFuncs:] {
		for _, in := range f.Instrs {
			if in.Op == wasm.OpCall && in.A < mod.NumImportedFuncs {
				out = append(out, in.Offset)
			}
		}
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
