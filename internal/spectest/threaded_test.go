package spectest

import (
	"testing"

	_ "github.com/wdb-dev/wdb/engines/threaded"
)

func TestThreaded(t *testing.T) { Run(t, mustEngine("threaded")) }

// TestThreadedTraces steps the exported functions of a sample of spec
// modules on the standard and the threaded engine side by side
// (traceTest).
func TestThreadedTraces(t *testing.T) {
	traceTest(t, mustEngine("standard"), mustEngine("threaded"))
}
