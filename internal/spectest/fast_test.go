package spectest

import (
	"testing"

	_ "github.com/wdb-dev/wdb/engines/fast"
	_ "github.com/wdb-dev/wdb/engines/standard"
)

func TestFast(t *testing.T) { Run(t, mustEngine("fast")) }
