package spectest

import (
	"testing"

	_ "github.com/wdb-dev/wdb/engines/standard"
)

func TestStandard(t *testing.T) { Run(t, mustEngine("standard")) }
