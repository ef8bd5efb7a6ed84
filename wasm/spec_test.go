package wasm

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// specDir returns the directory of the spec test suite's JSON and .wasm
// files inside the wazero module, or skips the test.
func specDir(t testing.TB) string {
	t.Helper()
	dir, err := goListWazero()
	if err != nil {
		t.Skipf("wazero module not found: %v", err)
	}
	return filepath.Join(dir, "internal", "integration_test", "spectest")
}

// goListWazero returns the directory of the wazero module.
func goListWazero() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/tetratelabs/wazero").Output()
	dir := strings.TrimSpace(string(out))
	if err == nil && dir == "" {
		err = errors.New("empty directory")
	}
	return dir, err
}

type specCommand struct {
	Type       string `json:"type"`
	Line       int    `json:"line"`
	Filename   string `json:"filename"`
	ModuleType string `json:"module_type"`
	Text       string `json:"text"`
}

// specFiles lists the JSON files of v1 and v2, SIMD included only if simd.
func specFiles(t testing.TB, simd bool) []string {
	dir := specDir(t)
	var files []string
	for _, v := range []string{"v1", "v2"} {
		fs, err := filepath.Glob(filepath.Join(dir, v, "testdata", "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if simd || !strings.HasPrefix(filepath.Base(f), "simd") {
				files = append(files, f)
			}
		}
	}
	if len(files) == 0 {
		t.Skip("no spec test files")
	}
	return files
}

func readSpec(t testing.TB, file string) []specCommand {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var j struct {
		Commands []specCommand `json:"commands"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return j.Commands
}

// TestSpecModules loads every binary module of the suite, those of v1 as
// WebAssembly 1.0 (Features1), those of v2 as 2.0.
func TestSpecModules(t *testing.T) {
	var loaded, unsupported, checked, rejected, textSkipped, simdModules, simdUnsupported, textMismatch int
	for _, file := range specFiles(t, true) {
		version := filepath.Base(filepath.Dir(filepath.Dir(file)))
		simd := strings.HasPrefix(filepath.Base(file), "simd")
		for _, c := range readSpec(t, file) {
			if c.Filename == "" {
				continue
			}
			where := version + "/" + filepath.Base(file) + ":" + itoa(uint64(c.Line)) + " (" + c.Filename + ")"
			switch c.Type {
			case "module", "assert_invalid", "assert_malformed", "assert_unlinkable", "assert_uninstantiable", "assert_trap":
			default:
				continue
			}
			if c.ModuleType == "text" {
				if c.Type == "assert_malformed" && !simd {
					textSkipped++
				}
				continue
			}
			b, err := os.ReadFile(filepath.Join(filepath.Dir(file), c.Filename))
			if err != nil {
				t.Errorf("%s: %v", where, err)
				continue
			}
			features := Features2
			if version == "v1" {
				features = Features1
			}
			_, lerr := LoadFeatures(b, features)
			var e *Error
			if lerr != nil && !errors.As(lerr, &e) {
				t.Errorf("%s: error is %T, not *wasm.Error: %v", where, lerr, lerr)
				continue
			}
			if simd {
				// SIMD is out of scope: valid modules must load or be
				// reported unsupported, the others only not crash Load.
				if c.Type == "module" {
					simdModules++
					if lerr != nil && e.Kind == Unsupported {
						simdUnsupported++
					} else if lerr != nil {
						t.Errorf("%s: valid SIMD module rejected: %v", where, lerr)
					}
				}
				continue
			}
			switch c.Type {
			case "module", "assert_unlinkable", "assert_uninstantiable", "assert_trap":
				if c.Type == "assert_trap" && c.Filename == "" {
					continue
				}
				switch {
				case lerr == nil:
					loaded++
				case e.Kind == Unsupported:
					unsupported++
				default:
					t.Errorf("%s: valid module rejected: %v", where, lerr)
				}
			case "assert_invalid", "assert_malformed":
				want := Invalid
				if c.Type == "assert_malformed" {
					want = Malformed
				}
				checked++
				switch {
				case lerr == nil:
					t.Errorf("%s: %s module (%q) accepted", where, c.Type, c.Text)
				case e.Kind != want:
					t.Errorf("%s: %s (%q): got %v", where, c.Type, c.Text, lerr)
				default:
					rejected++
					// The 1.0 suite's wording differs in places.
					if version == "v2" && !strings.Contains(e.Msg, c.Text) {
						textMismatch++
						if os.Getenv("WDB_SPEC_TEXT") != "" {
							t.Logf("%s: %s: want %q, got %q", where, c.Type, c.Text, e.Msg)
						}
					}
				}
			}
		}
	}
	if unsupported > 0 {
		t.Errorf("%d valid modules reported unsupported", unsupported)
	}
	t.Logf("valid modules: %d loaded, %d unsupported; SIMD modules: %d, of which %d unsupported", loaded, unsupported, simdModules, simdUnsupported)
	t.Logf("invalid and malformed binary modules: %d checked, %d rejected with the right kind, %d of the 2.0 suite's with a message not containing the spec's text (WDB_SPEC_TEXT=1 lists them)", checked, rejected, textMismatch)
	t.Logf("skipped: %d text-format assert_malformed (text format: wdb loads binary modules only)", textSkipped)
}
