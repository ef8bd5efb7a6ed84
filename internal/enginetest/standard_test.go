package enginetest_test

import (
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/internal/enginetest"

	_ "github.com/wdb-dev/wdb/engines/standard"
)

func standard(t *testing.T) engines.Engine {
	t.Helper()
	e, err := engines.Get("standard")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestStandard checks the standard engine on its own: wazero's results,
// checkpoint round trips, steps against runs to a counter.
func TestStandard(t *testing.T) { enginetest.Suite(t, standard(t)) }

// TestStandardSharedProgram runs machines of one compiled program at the
// same time.
func TestStandardSharedProgram(t *testing.T) {
	e := standard(t)
	for _, p := range enginetest.Programs() {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			enginetest.SharedProgram(t, e, p)
		})
	}
}
