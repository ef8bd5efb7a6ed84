package bench

import (
	"flag"
	"os"
	"strings"
	"testing"
)

// -bench-output names a file of `go test -bench` output to summarise:
//
//	go test ./internal/bench -run TestRatioTable -count 1 -v -bench-output=$PWD/bench.txt
var benchOutput = flag.String("bench-output", "", "print the speed-up table of this `go test -bench` output")

// TestRatioTable prints the table of speed-ups for the file given with
// -bench-output; without it, there is nothing to do.
func TestRatioTable(t *testing.T) {
	if *benchOutput == "" {
		t.Skip("no -bench-output file given")
	}
	f, err := os.Open(*benchOutput)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Table(os.Stdout); err != nil {
		t.Fatal(err)
	}
}

func TestParseAndTable(t *testing.T) {
	const output = `goos: linux
goarch: amd64
pkg: github.com/wdb-dev/wdb/internal/bench
BenchmarkPrograms/fib/standard-2         	      30	  20000000 ns/op	    1024 B/op	       3 allocs/op
BenchmarkPrograms/fib/standard-2         	      30	  30000000 ns/op
BenchmarkPrograms/fib/standard-2         	      30	  25000000 ns/op
BenchmarkPrograms/fib/wazero-interp-2    	      20	  50000000 ns/op
BenchmarkPrograms/sieve/standard         	      30	  10000000 ns/op
BenchmarkPrograms/sieve/wazero-interp    	      20	  40000000 ns/op
PASS
`
	res, err := Parse(strings.NewReader(output))
	if err != nil {
		t.Fatal(err)
	}
	if got := res["fib"]["standard"]; len(got) != 3 {
		t.Fatalf("fib/standard samples = %v, want 3", got)
	}
	// Medians: fib 50/25 = 2x, sieve 40/10 = 4x; geometric mean sqrt(8).
	g, n := res.GeoMean("standard")
	if n != 2 || g < 2.828 || g > 2.829 {
		t.Fatalf("GeoMean = %v over %d programs, want 2.828 over 2", g, n)
	}
	var out strings.Builder
	if err := res.Table(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| fib | 50.0 | 25.0 | 2.00× |", "| sieve | 40.0 | 10.0 | 4.00× |", "**2.83×**"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}
