package spectest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/wdb-dev/wdb/wasm"
)

// CheckModules runs the loader alone over the suite's binary modules:
// every module the suite instantiates (or expects to fail only at link or
// instantiation time) must load, with a consistent analysis, and every
// binary module of assert_malformed / assert_invalid must be rejected with
// the matching error kind. Rejections for another reason than the suite's
// are logged (go test -v), not failed: messages differ between
// implementations.
func CheckModules(t *testing.T) {
	t.Helper()
	fs, err := files()
	if err != nil {
		t.Fatal(err)
	}
	tallies := map[string]*tally{}
	otherReasons := map[string]int{}
	for _, f := range fs {
		t.Run(f.id(), func(t *testing.T) {
			s, err := f.load()
			if err != nil {
				t.Fatal(err)
			}
			c := &moduleChecker{file: f, rep: reporter{t: t, prefix: "loader"}}
			for i := range s.Commands {
				c.check(&s.Commands[i])
			}
			c.rep.flush()
			if tallies[f.edition] == nil {
				tallies[f.edition] = &tally{}
			}
			tallies[f.edition].add(c.tally)
			otherReasons[f.edition] += c.otherReason
			t.Logf("%s: %v; %d rejected with another message", f.id(), c.tally, c.otherReason)
		})
	}
	fmt.Printf("%s\n", summary("loader", tallies))
	for _, ed := range editions {
		if n := otherReasons[ed]; n > 0 {
			t.Logf("%s: %d modules rejected with a message other than the suite's (see go test -v)", ed, n)
		}
	}
}

type moduleChecker struct {
	file        suiteFile
	tally       tally
	rep         reporter
	otherReason int
}

func (c *moduleChecker) check(cmd *command) {
	if cmd.Filename == "" {
		return
	}
	fail := func(format string, args ...any) {
		c.tally.failed++
		c.rep.fail(fmt.Sprintf("%s:%d: %s: %s", c.file.id(), cmd.Line, describe(cmd), fmt.Sprintf(format, args...)))
	}
	if cmd.ModuleType == "text" {
		c.tally.skip(reasonText, 1)
		return
	}
	data, err := os.ReadFile(filepath.Join(c.file.dir, cmd.Filename))
	if err != nil {
		fail("%v", err)
		return
	}
	m, err := loadRecovered(data, c.file.features())
	if isUnsupported(err) {
		c.tally.skip(reasonSIMD, 1)
		return
	}
	switch cmd.Type {
	case "assert_malformed", "assert_invalid":
		want := wasm.Malformed
		if cmd.Type == "assert_invalid" {
			want = wasm.Invalid
		}
		var we *wasm.Error
		switch {
		case err == nil:
			fail("loaded, want error %q", cmd.Text)
		case !errors.As(err, &we):
			fail("error %q is not a *wasm.Error", err)
		case we.Kind != want:
			fail("got %v, want a %s error %q", err, kindName(want), cmd.Text)
		default:
			c.tally.passed++
			if !messageMatches(we.Msg, cmd.Text) {
				c.otherReason++
				c.rep.t.Logf("%s:%d: %s: rejected with %q", c.file.id(), cmd.Line, describe(cmd), we.Msg)
			}
		}
	default: // module, assert_unlinkable, assert_uninstantiable, assert_trap
		if err != nil {
			fail("%v", err)
			return
		}
		if err := checkAnalysis(m); err != nil {
			fail("analysis: %v", err)
			return
		}
		c.tally.passed++
	}
}

func kindName(k wasm.ErrorKind) string {
	if k == wasm.Invalid {
		return "invalid"
	}
	return "malformed"
}

// loadRecovered is wasm.LoadFeatures with a panic turned into an error.
func loadRecovered(data []byte, f wasm.Features) (m *wasm.Module, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in wasm.LoadFeatures: %v", p)
		}
	}()
	return wasm.LoadFeatures(data, f)
}

// checkAnalysis checks the invariants of a loaded module that the engines
// rely on.
func checkAnalysis(m *wasm.Module) error {
	if int(m.NumImportedFuncs) > len(m.Funcs) {
		return fmt.Errorf("%d imported functions but %d functions", m.NumImportedFuncs, len(m.Funcs))
	}
	if m.Start >= int64(len(m.Funcs)) {
		return fmt.Errorf("start function %d out of range", m.Start)
	}
	for i, f := range m.Funcs {
		if f == nil || f.Type == nil {
			return fmt.Errorf("func[%d] is nil or has no type", i)
		}
		if f.Index != uint32(i) {
			return fmt.Errorf("func[%d] has Index %d", i, f.Index)
		}
		if uint32(i) < m.NumImportedFuncs {
			if f.Import == nil {
				return fmt.Errorf("func[%d] is imported but has no Import", i)
			}
			continue
		}
		if err := checkFunc(f); err != nil {
			return fmt.Errorf("func[%d]: %v", i, err)
		}
	}
	return nil
}

func checkFunc(f *wasm.Func) error {
	n := len(f.Instrs)
	switch {
	case n == 0:
		return errors.New("no instructions")
	case len(f.Info) != n:
		return fmt.Errorf("%d instructions but %d Info entries", n, len(f.Info))
	case f.Instrs[n-1].Op != wasm.OpEnd:
		return fmt.Errorf("last instruction is %v, not end", f.Instrs[n-1].Op)
	case len(f.Blocks) == 0 || f.Blocks[0].Kind != wasm.LabelFunc:
		return errors.New("Blocks[0] is not the function body")
	case f.Instrs[0].Offset <= f.BodyOffset || f.Instrs[n-1].Offset >= f.BodyEnd:
		return fmt.Errorf("instructions [0x%x, 0x%x] outside the body [0x%x, 0x%x)",
			f.Instrs[0].Offset, f.Instrs[n-1].Offset, f.BodyOffset, f.BodyEnd)
	}
	for i := 1; i < n; i++ {
		if f.Instrs[i].Offset <= f.Instrs[i-1].Offset {
			return fmt.Errorf("instruction %d at offset 0x%x does not follow 0x%x", i, f.Instrs[i].Offset, f.Instrs[i-1].Offset)
		}
	}
	return nil
}
