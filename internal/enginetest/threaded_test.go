package enginetest_test

import (
	"testing"

	"github.com/wdb-dev/wdb/internal/enginetest"

	_ "github.com/wdb-dev/wdb/engines/threaded"
)

// TestThreaded checks the threaded engine on its own: wazero's results,
// checkpoint round trips threaded→threaded, steps against runs to a
// counter.
func TestThreaded(t *testing.T) { enginetest.Suite(t, engine(t, "threaded")) }

// TestStandardThreaded checks checkpoints standard→threaded and
// threaded→standard and compares step traces.
func TestStandardThreaded(t *testing.T) {
	enginetest.CrossSuite(t, engine(t, "standard"), engine(t, "threaded"))
}

// TestFastThreaded checks checkpoints fast→threaded and threaded→fast and
// compares step traces.
func TestFastThreaded(t *testing.T) {
	enginetest.CrossSuite(t, engine(t, "fast"), engine(t, "threaded"))
}

// TestStandardThreadedStops compares the stops of the standard and the
// threaded engine: breakpoints (every third instruction of a function, so
// folded and fused boundaries included), runs to a return depth,
// interrupts requested before a Run.
func TestStandardThreadedStops(t *testing.T) {
	compareStops(t, engine(t, "standard"), engine(t, "threaded"))
}

// TestThreadedSharedProgram runs machines of one compiled program at the
// same time: functions are translated on their first call, whichever
// machine makes it.
func TestThreadedSharedProgram(t *testing.T) {
	e := engine(t, "threaded")
	for _, p := range enginetest.Programs() {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			enginetest.SharedProgram(t, e, p)
		})
	}
}
