package wasm

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad checks that Load never panics, that its errors are *Error, and
// that the analysis of what it accepts is consistent; in 1.0 mode too,
// where what loads must also load as 2.0.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.wasm")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	// A few spec modules, when the suite is at hand.
	if out, err := goListWazero(); err == nil {
		dir := filepath.Join(out, "internal", "integration_test", "spectest", "v2", "testdata")
		for _, name := range []string{"block.0.wasm", "br_table.0.wasm", "elem.0.wasm", "binary.40.wasm", "unreached-valid.1.wasm", "custom.1.wasm"} {
			if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var loaded [2]bool
		for i, features := range []Features{Features1, Features2} {
			m, err := LoadFeatures(b, features)
			if err != nil {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("%v: error %T: %v", features, err, err)
				}
				_ = e.Error()
				continue
			}
			loaded[i] = true
			checkAnalysis(t, m)
		}
		if loaded[0] && !loaded[1] {
			t.Fatal("loads as 1.0 but not as 2.0")
		}
	})
}

// checkAnalysis checks invariants of a loaded module's analysis.
func checkAnalysis(t *testing.T, m *Module) {
	for _, f := range m.Funcs[m.NumImportedFuncs:] {
		if len(f.Info) != len(f.Instrs) || len(f.Instrs) == 0 || f.Instrs[len(f.Instrs)-1].Op != OpEnd {
			t.Fatalf("%s: %d instructions, %d infos", f.DisplayName(), len(f.Instrs), len(f.Info))
		}
		for i := range f.Instrs {
			info := f.Info[i]
			if int(info.Height) > f.MaxHeight {
				t.Fatalf("%s: height %d above MaxHeight %d", f.DisplayName(), info.Height, f.MaxHeight)
			}
			types := f.StackTypes(i) // walks Top through Height nodes
			if !info.Unreachable {
				for _, ty := range types {
					if ty == Unknown {
						t.Fatalf("%s: unknown operand at reachable instruction %d", f.DisplayName(), i)
					}
				}
			}
			labels := f.Labels(i)
			if labels[0] != 0 {
				t.Fatalf("%s: outermost label is %d", f.DisplayName(), labels[0])
			}
			b := f.Blocks[info.Block]
			if b.Kind != LabelFunc && (i < b.Start || i > b.End) {
				t.Fatalf("%s: instruction %d outside its block %+v", f.DisplayName(), i, b)
			}
		}
	}
}

// TestMutatedSpecModules loads truncated and altered copies of part of the
// spec suite's modules: Load must not panic, and what it accepts must have
// a consistent analysis. (FuzzLoad explores further.)
func TestMutatedSpecModules(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	files, err := filepath.Glob(filepath.Join(specDir(t), "v2", "testdata", "*.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for k := 0; k < len(files); k += 10 {
		b, err := os.ReadFile(files[k])
		if err != nil || len(b) > 3000 {
			continue
		}
		for i := 8; i < len(b); i++ {
			for _, c := range [][]byte{b[:i], with(b, i, 0x00), with(b, i, 0xff), with(b, i, 0x80), with(b, i, 0x0b)} {
				n++
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Fatalf("%s, changed at %d: panic: %v", filepath.Base(files[k]), i, r)
						}
					}()
					if m, err := Load(c); err == nil {
						checkAnalysis(t, m)
					}
				}()
			}
		}
	}
	t.Logf("%d modules loaded", n)
}

// with returns a copy of b with b[i] = c.
func with(b []byte, i int, c byte) []byte {
	out := append([]byte(nil), b...)
	out[i] = c
	return out
}
