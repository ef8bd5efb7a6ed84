package enginetest_test

import (
	"testing"

	"github.com/wdb-dev/wdb/internal/enginetest"

	// Every engine imported here joins the matrix.
	_ "github.com/wdb-dev/wdb/engines/fast"
	_ "github.com/wdb-dev/wdb/engines/standard"
)

// TestMatrix checks checkpoints between every ordered pair of registered
// engines (each with itself included): subtests "A-to-B/program".
func TestMatrix(t *testing.T) { enginetest.Matrix(t) }

// TestTraces compares every engine's step traces with the standard
// engine's: subtests "engine/program".
func TestTraces(t *testing.T) { enginetest.Traces(t) }

// TestStops compares every engine's breakpoints, return-depth runs and
// interrupts with the standard engine's: subtests "engine/program".
func TestStops(t *testing.T) { enginetest.Stops(t) }
