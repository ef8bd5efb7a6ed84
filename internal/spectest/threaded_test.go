package spectest

import (
	"testing"

	_ "github.com/wdb-dev/wdb/engines/threaded"
)

func TestThreaded(t *testing.T) { Run(t, mustEngine("threaded")) }
