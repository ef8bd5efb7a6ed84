package spectest

import (
	"testing"

	// The suite's files ship inside this module; importing it keeps it in
	// go.mod (go mod tidy) for `go list -m` to find.
	_ "github.com/tetratelabs/wazero"
)

func TestModules(t *testing.T) { CheckModules(t) }
