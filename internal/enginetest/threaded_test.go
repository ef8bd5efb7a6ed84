package enginetest_test

import (
	"testing"

	"github.com/wdb-dev/wdb/internal/enginetest"

	_ "github.com/wdb-dev/wdb/engines/threaded"
)

// TestThreaded checks the threaded engine on its own: wazero's results,
// chopped runs, steps against runs to a counter. TestMatrix, TestTraces
// and TestStops check it against the other engines.
func TestThreaded(t *testing.T) { enginetest.Suite(t, engine(t, "threaded")) }

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
