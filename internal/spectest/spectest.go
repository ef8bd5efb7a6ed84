// Package spectest runs the WebAssembly specification test suite against
// wdb's engines and its loader.
//
// The suite is read in its wast2json form (a .json file of commands per
// .wast script, next to the .wasm modules it names), as shipped inside the
// Go module github.com/tetratelabs/wazero under
// internal/integration_test/spectest/{v1,v2}/testdata. Every command of
// every v1 file and of every v2 file except simd_*.json is run; a module
// that uses SIMD elsewhere is skipped, and so are the commands that need it.
// Modules in the text format (assert_malformed with module_type "text") are
// skipped: wdb loads binary modules only. The modules of v1 are loaded as
// WebAssembly 1.0 (wasm.Features1), so that wdb meets 1.0's expectations
// where 2.0 changed them; those of v2 as 2.0.
//
// Set WDB_SPECTEST_DIR to use another copy of the suite (a directory
// holding v1/testdata and v2/testdata), and WDB_SPECTEST_REPORT to a file
// path to have every failure written there, one a line.
package spectest

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/wdb-dev/wdb/wasm"
)

// The two editions of the suite, in the order they are run and reported.
var editions = []string{"v1", "v2"}

// Skip reasons, with the short labels used in the summary line.
const (
	reasonText = "text format: wdb loads binary modules only"
	reasonSIMD = "SIMD"
)

var skipLabels = []struct{ reason, label string }{
	{reasonText, "text format"},
	{reasonSIMD, "SIMD"},
}

// maxErrorsPerFile bounds the failures reported through t.Errorf for one
// file; the rest are counted (and written to WDB_SPECTEST_REPORT).
const maxErrorsPerFile = 40

// script is one .json file of the suite.
type script struct {
	SourceFilename string    `json:"source_filename"`
	Commands       []command `json:"commands"`
}

// command is one command of a script. Which fields are set depends on Type.
type command struct {
	Type       string      `json:"type"`
	Line       int         `json:"line"`
	Name       string      `json:"name"`     // module, register: the module's $name
	Filename   string      `json:"filename"` // module and the assert_* that take one
	As         string      `json:"as"`       // register
	Action     action      `json:"action"`
	Expected   []jsonValue `json:"expected"`
	Text       string      `json:"text"`        // the expected error
	ModuleType string      `json:"module_type"` // "binary" or "text"
}

// action is an invoke or a get.
type action struct {
	Type   string      `json:"type"`
	Module string      `json:"module"`
	Field  string      `json:"field"`
	Args   []jsonValue `json:"args"`
}

// jsonValue is a typed value as wast2json writes it. Value is a string for
// scalars and references, an array of strings for v128, absent when any
// value of the type is accepted.
type jsonValue struct {
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// suiteFile is one script to run, e.g. v2/testdata/address.json.
type suiteFile struct {
	edition string // "v1" or "v2"
	dir     string // the directory of the .json and its .wasm files
	name    string // the .json file name
}

// id names the file in subtests and reports: "v2/address.json".
func (f suiteFile) id() string { return f.edition + "/" + f.name }

// features are those the edition's modules are loaded with.
func (f suiteFile) features() wasm.Features {
	if f.edition == "v1" {
		return wasm.Features1
	}
	return wasm.Features2
}

func (f suiteFile) load() (*script, error) {
	data, err := os.ReadFile(filepath.Join(f.dir, f.name))
	if err != nil {
		return nil, err
	}
	var s script
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%s: %v", f.id(), err)
	}
	return &s, nil
}

var (
	suiteOnce  sync.Once
	suiteFiles []suiteFile
	suiteErr   error
)

// files lists the scripts of the suite, v1 first, each edition sorted.
func files() ([]suiteFile, error) {
	suiteOnce.Do(func() {
		root, err := suiteRoot()
		if err != nil {
			suiteErr = err
			return
		}
		for _, ed := range editions {
			dir := filepath.Join(root, ed, "testdata")
			names, err := filepath.Glob(filepath.Join(dir, "*.json"))
			if err != nil || len(names) == 0 {
				suiteErr = fmt.Errorf("no spec test scripts in %s", dir)
				return
			}
			sort.Strings(names)
			for _, n := range names {
				base := filepath.Base(n)
				if strings.HasPrefix(base, "simd_") {
					continue
				}
				suiteFiles = append(suiteFiles, suiteFile{edition: ed, dir: dir, name: base})
			}
		}
	})
	return suiteFiles, suiteErr
}

// suiteRoot finds the directory holding v1/ and v2/: WDB_SPECTEST_DIR, or
// the copy inside the wazero module that go.mod requires.
func suiteRoot() (string, error) {
	if dir := os.Getenv("WDB_SPECTEST_DIR"); dir != "" {
		return dir, nil
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/tetratelabs/wazero").Output()
	if err != nil {
		msg := err.Error()
		if ee, ok := err.(*exec.ExitError); ok {
			msg = strings.TrimSpace(string(ee.Stderr))
		}
		return "", fmt.Errorf("locating the spec test suite (go list -m github.com/tetratelabs/wazero): %s", msg)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", fmt.Errorf("the wazero module is not downloaded (run go mod download github.com/tetratelabs/wazero)")
	}
	return filepath.Join(dir, "internal", "integration_test", "spectest"), nil
}

// tally counts the outcomes of commands.
type tally struct {
	passed, failed int
	skipped        map[string]int // by reason
}

func (t *tally) add(o tally) {
	t.passed += o.passed
	t.failed += o.failed
	for r, n := range o.skipped {
		t.skip(r, n)
	}
}

func (t *tally) skip(reason string, n int) {
	if t.skipped == nil {
		t.skipped = map[string]int{}
	}
	t.skipped[reason] += n
}

func (t tally) String() string {
	total := 0
	var parts []string
	for _, l := range skipLabels {
		total += t.skipped[l.reason]
		parts = append(parts, fmt.Sprintf("%d %s", t.skipped[l.reason], l.label))
	}
	var other []string
	for r, n := range t.skipped {
		if !isLabelled(r) {
			total += n
			other = append(other, fmt.Sprintf("%d %s", n, r))
		}
	}
	sort.Strings(other)
	parts = append(parts, other...)
	return fmt.Sprintf("%d passed, %d failed, %d skipped (%s)", t.passed, t.failed, total, strings.Join(parts, ", "))
}

func isLabelled(reason string) bool {
	for _, l := range skipLabels {
		if l.reason == reason {
			return true
		}
	}
	return false
}

// summary formats the tallies of all editions on one line.
func summary(what string, tallies map[string]*tally) string {
	var parts []string
	for _, ed := range editions {
		if t := tallies[ed]; t != nil {
			parts = append(parts, ed+" "+t.String())
		}
	}
	return fmt.Sprintf("spectest %s: %s", what, strings.Join(parts, " | "))
}

// reporter hands failures to t.Errorf, up to a limit per file, and to the
// report file named by WDB_SPECTEST_REPORT.
type reporter struct {
	t      testing.TB
	prefix string // engine name, written before each line of the report
	shown  int
	hidden int
}

var reportMu sync.Mutex

func (r *reporter) fail(msg string) {
	r.t.Helper()
	if r.shown < maxErrorsPerFile {
		r.shown++
		r.t.Error(msg)
	} else {
		r.hidden++
	}
	if path := os.Getenv("WDB_SPECTEST_REPORT"); path != "" {
		reportMu.Lock()
		defer reportMu.Unlock()
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			r.t.Fatalf("WDB_SPECTEST_REPORT: %v", err)
		}
		defer f.Close()
		fmt.Fprintf(f, "%s %s\n", r.prefix, strings.ReplaceAll(msg, "\n", "\n\t"))
	}
}

func (r *reporter) flush() {
	if r.hidden > 0 {
		r.t.Errorf("... and %d more failures (set WDB_SPECTEST_REPORT=file to list them all)", r.hidden)
	}
}
