package snapshot

import (
	"cmp"
	"fmt"
	"slices"
)

// Equal reports whether s and o hold the same state; when they do not, the
// string describes the first difference (see Diff).
func (s *Snapshot) Equal(o *Snapshot) (bool, string) {
	d := Diff(s, o)
	return d == "", d
}

// Diff returns the first difference between the states a and b as one line
// of text ("frame 1 (func 3), stack value 2: i32:5 vs i32:6"), or "" when
// they are the same. It is meant for tests that compare engines, so it
// compares the state, not the representation: a nil page equals a page of
// zeros, nil equals empty, a memory's or table's Max counts only with
// HasMax, dropped segments and open files are sets, the module is compared
// by hash (when both hashes are set), and the host's Monotonic clock
// reading, which differs between any two runs, is not compared.
func Diff(a, b *Snapshot) string {
	if a == nil || b == nil {
		if a == b {
			return ""
		}
		return fmt.Sprintf("snapshot: %s vs %s", nilOr(a == nil, "present"), nilOr(b == nil, "present"))
	}
	var zero [32]byte
	if a.ModuleHash != zero && b.ModuleHash != zero && a.ModuleHash != b.ModuleHash {
		return fmt.Sprintf("module: %s vs %s", shortHash(a.ModuleHash), shortHash(b.ModuleHash))
	}
	if a.Counter != b.Counter {
		return fmt.Sprintf("counter: %d vs %d", a.Counter, b.Counter)
	}
	if d := diffFrames(a.Frames, b.Frames); d != "" {
		return d
	}
	if d := diffValues("global", a.Globals, b.Globals); d != "" {
		return d
	}
	if len(a.Memories) != len(b.Memories) {
		return fmt.Sprintf("memories: %d vs %d", len(a.Memories), len(b.Memories))
	}
	for i := range a.Memories {
		if d := diffMemory(&a.Memories[i], &b.Memories[i]); d != "" {
			return fmt.Sprintf("memory %d: %s", i, d)
		}
	}
	if len(a.Tables) != len(b.Tables) {
		return fmt.Sprintf("tables: %d vs %d", len(a.Tables), len(b.Tables))
	}
	for i := range a.Tables {
		ta, tb := &a.Tables[i], &b.Tables[i]
		switch {
		case ta.Type != tb.Type:
			return fmt.Sprintf("table %d: type %v vs %v", i, ta.Type, tb.Type)
		case ta.HasMax != tb.HasMax || ta.HasMax && ta.Max != tb.Max:
			return fmt.Sprintf("table %d: maximum %s vs %s", i, limit(ta.Max, ta.HasMax), limit(tb.Max, tb.HasMax))
		}
		if d := diffValues("element", ta.Elems, tb.Elems); d != "" {
			return fmt.Sprintf("table %d, %s", i, d)
		}
	}
	if d := diffSet("dropped data segments", a.DroppedData, b.DroppedData); d != "" {
		return d
	}
	if d := diffSet("dropped element segments", a.DroppedElem, b.DroppedElem); d != "" {
		return d
	}
	return diffHost(a.Host, b.Host)
}

func nilOr(isNil bool, s string) string {
	if isNil {
		return "nil"
	}
	return s
}

func limit(max uint32, hasMax bool) string {
	if !hasMax {
		return "none"
	}
	return fmt.Sprint(max)
}

func diffFrames(a, b []Frame) string {
	if len(a) != len(b) {
		return fmt.Sprintf("frames: %d vs %d", len(a), len(b))
	}
	for i := range a {
		fa, fb := &a[i], &b[i]
		if fa.Func != fb.Func {
			return fmt.Sprintf("frame %d: func %d vs %d", i, fa.Func, fb.Func)
		}
		where := fmt.Sprintf("frame %d (func %d)", i, fa.Func)
		if fa.PC != fb.PC {
			return fmt.Sprintf("%s: pc 0x%x vs 0x%x", where, fa.PC, fb.PC)
		}
		if d := diffValues("local", fa.Locals, fb.Locals); d != "" {
			return where + ", " + d
		}
		if d := diffValues("stack value", fa.Stack, fb.Stack); d != "" {
			return where + ", " + d
		}
		if len(fa.Labels) != len(fb.Labels) {
			return fmt.Sprintf("%s: labels: %d vs %d", where, len(fa.Labels), len(fb.Labels))
		}
		for j := range fa.Labels {
			if fa.Labels[j] != fb.Labels[j] {
				return fmt.Sprintf("%s, label %d: %s vs %s", where, j, fa.Labels[j], fb.Labels[j])
			}
		}
	}
	return ""
}

func (l Label) String() string {
	return fmt.Sprintf("{%v arity %d height %d start 0x%x cont 0x%x}", l.Kind, l.Arity, l.Height, l.Start, l.Cont)
}

// diffValues compares two vectors; what names one element.
func diffValues(what string, a, b []Value) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%ss: %d vs %d", what, len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			return fmt.Sprintf("%s %d: %v vs %v", what, i, a[i], b[i])
		}
	}
	return ""
}

func diffMemory(a, b *Memory) string {
	switch {
	case a.Size != b.Size:
		return fmt.Sprintf("size %d vs %d pages", a.Size, b.Size)
	case a.HasMax != b.HasMax || a.HasMax && a.Max != b.Max:
		return fmt.Sprintf("maximum %s vs %s", limit(a.Max, a.HasMax), limit(b.Max, b.HasMax))
	case len(a.Pages) != len(b.Pages):
		return fmt.Sprintf("%d vs %d page entries", len(a.Pages), len(b.Pages))
	}
	for p := range a.Pages {
		pa, pb := pageOrZero(a.Pages[p]), pageOrZero(b.Pages[p])
		n := min(len(pa), len(pb))
		for i := range n {
			if pa[i] != pb[i] {
				return fmt.Sprintf("byte 0x%x: 0x%02x vs 0x%02x", p*PageSize+i, pa[i], pb[i])
			}
		}
		if len(pa) != len(pb) {
			return fmt.Sprintf("page %d: %d vs %d bytes", p, len(pa), len(pb))
		}
	}
	return ""
}

func pageOrZero(p []byte) []byte {
	if p == nil {
		return zeroPage[:]
	}
	return p
}

func diffSet(what string, a, b []uint32) string {
	sa, sb := sortedSet(a), sortedSet(b)
	if !slices.Equal(sa, sb) {
		return fmt.Sprintf("%s: %v vs %v", what, sa, sb)
	}
	return ""
}

func sortedSet(s []uint32) []uint32 {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

func diffHost(a, b *Host) string {
	if a == nil || b == nil {
		if a == b {
			return ""
		}
		return fmt.Sprintf("host: %s vs %s", nilOr(a == nil, "present"), nilOr(b == nil, "present"))
	}
	switch {
	case !slices.Equal(a.Args, b.Args):
		return fmt.Sprintf("host args: %q vs %q", a.Args, b.Args)
	case !slices.Equal(a.Env, b.Env):
		return fmt.Sprintf("host env: %q vs %q", a.Env, b.Env)
	case len(a.Files) != len(b.Files):
		return fmt.Sprintf("host files: %d vs %d", len(a.Files), len(b.Files))
	}
	// The same descriptors in another order are the same state.
	fa, fb := sortedFiles(a.Files), sortedFiles(b.Files)
	for i := range fa {
		if fa[i] != fb[i] {
			return fmt.Sprintf("host file fd %d: %+v vs %+v", fa[i].FD, fa[i], fb[i])
		}
	}
	switch {
	case a.LogPosition != b.LogPosition:
		return fmt.Sprintf("host log position: %d vs %d", a.LogPosition, b.LogPosition)
	case a.Exited != b.Exited:
		return fmt.Sprintf("host exited: %v vs %v", a.Exited, b.Exited)
	case a.ExitCode != b.ExitCode:
		return fmt.Sprintf("host exit code: %d vs %d", a.ExitCode, b.ExitCode)
	}
	return ""
}

func sortedFiles(fs []File) []File {
	fs = slices.Clone(fs)
	slices.SortStableFunc(fs, func(x, y File) int { return cmp.Compare(x.FD, y.FD) })
	return fs
}
