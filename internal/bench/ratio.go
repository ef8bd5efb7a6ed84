// Package bench holds the benchmarks that compare wdb's engines with
// wazero's interpreter on the compute kernels of testdata/bench, and the
// code that turns their output into a table of speed-ups
// (docs/performance.md says how to run both).
package bench

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
)

// Baseline is the sub-benchmark name of wazero's interpreter, the engine
// every speed-up is measured against.
const Baseline = "wazero-interp"

// Results holds the ns/op samples of BenchmarkPrograms by program and then
// by engine.
type Results map[string]map[string][]float64

// benchLine matches "BenchmarkPrograms/fib/standard-2   30   38123456 ns/op ...".
var benchLine = regexp.MustCompile(`^BenchmarkPrograms/([^/\s]+)/([^\s]+?)(?:-\d+)?\s+\d+\s+([0-9.]+) ns/op`)

// Parse reads `go test -bench` output and collects the samples of
// BenchmarkPrograms (one per line; -count repeats them). Other lines are
// ignored.
func Parse(r io.Reader) (Results, error) {
	res := Results{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		ns, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			return nil, fmt.Errorf("bad ns/op in %q: %v", sc.Text(), err)
		}
		if res[m[1]] == nil {
			res[m[1]] = map[string][]float64{}
		}
		res[m[1]][m[2]] = append(res[m[1]][m[2]], ns)
	}
	return res, sc.Err()
}

// Table writes a Markdown table: for each program, the median time per
// run of the baseline and of each engine, and each engine's speed-up (the
// baseline's median divided by the engine's), then the geometric mean of
// the speed-ups over the programs that both ran, and the same mean
// computed from the fastest runs (on a loaded machine the fastest runs are
// the least disturbed).
func (res Results) Table(w io.Writer) error {
	programs := sortedKeys(res)
	var engines []string
	for _, p := range programs {
		for e := range res[p] {
			if e != Baseline && !slices.Contains(engines, e) {
				engines = append(engines, e)
			}
		}
	}
	slices.Sort(engines)
	if len(programs) == 0 || len(engines) == 0 {
		return fmt.Errorf("no BenchmarkPrograms results with an engine besides %s", Baseline)
	}

	header := "| program | " + Baseline + " (ms) |"
	rule := "|---|---:|"
	for _, e := range engines {
		header += fmt.Sprintf(" %s (ms) | %s speed-up |", e, e)
		rule += "---:|---:|"
	}
	fmt.Fprintln(w, header)
	fmt.Fprintln(w, rule)
	for _, p := range programs {
		base, ok := median(res[p][Baseline])
		row := fmt.Sprintf("| %s | %s |", p, ms(base, ok))
		for _, e := range engines {
			t, eok := median(res[p][e])
			speedup := "–"
			if ok && eok && t > 0 {
				speedup = fmt.Sprintf("%.2f×", base/t)
			}
			row += fmt.Sprintf(" %s | %s |", ms(t, eok), speedup)
		}
		fmt.Fprintln(w, row)
	}
	for _, stat := range []struct {
		name, format string
		f            func([]float64) (float64, bool)
	}{
		{"**geometric mean**", "**%.2f×**", median},
		{"geometric mean of the fastest runs", "%.2f×", fastest},
	} {
		row := "| " + stat.name + " | |"
		for _, e := range engines {
			g := "–"
			if m, n := res.geoMean(e, stat.f); n > 0 {
				g = fmt.Sprintf(stat.format, m)
			}
			row += " | " + g + " |"
		}
		fmt.Fprintln(w, row)
	}
	return nil
}

// GeoMean returns the geometric mean of engine's speed-ups over the
// baseline (from median times), and the number of programs it covers.
func (res Results) GeoMean(engine string) (float64, int) { return res.geoMean(engine, median) }

func (res Results) geoMean(engine string, stat func([]float64) (float64, bool)) (float64, int) {
	sum, n := 0.0, 0
	for _, p := range sortedKeys(res) {
		base, ok := stat(res[p][Baseline])
		t, eok := stat(res[p][engine])
		if ok && eok && t > 0 {
			sum += math.Log(base / t)
			n++
		}
	}
	if n == 0 {
		return 0, 0
	}
	return math.Exp(sum / float64(n)), n
}

func fastest(s []float64) (float64, bool) {
	if len(s) == 0 {
		return 0, false
	}
	return slices.Min(s), true
}

func median(s []float64) (float64, bool) {
	if len(s) == 0 {
		return 0, false
	}
	s = slices.Clone(s)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}

func ms(ns float64, ok bool) string {
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%.1f", ns/1e6)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
