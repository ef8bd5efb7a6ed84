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

// TestStandardFast checks checkpoints standard→fast and fast→standard and
// compares step traces.
func TestStandardFast(t *testing.T) {
	enginetest.CrossSuite(t, engine(t, "standard"), engine(t, "fast"))
}
