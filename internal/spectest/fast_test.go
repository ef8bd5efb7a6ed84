package spectest

import (
	"testing"

	_ "github.com/wdb-dev/wdb/engines/fast"
)

func TestFast(t *testing.T) { Run(t, mustEngine("fast")) }
