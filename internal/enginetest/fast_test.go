package enginetest_test

import (
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/internal/enginetest"

	_ "github.com/wdb-dev/wdb/engines/fast"
)

func engine(t *testing.T, name string) engines.Engine {
	t.Helper()
	e, err := engines.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestFast checks the fast engine on its own: wazero's results, checkpoint
// round trips fast→fast, steps against runs to a counter.
func TestFast(t *testing.T) { enginetest.Suite(t, engine(t, "fast")) }

// TestFastSharedProgram runs machines of one compiled program at the same
// time: the fast engine translates each function on its first call,
// whichever machine makes it.
func TestFastSharedProgram(t *testing.T) {
	e := engine(t, "fast")
	for _, p := range enginetest.Programs() {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			enginetest.SharedProgram(t, e, p)
		})
	}
}
