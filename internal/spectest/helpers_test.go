package spectest

import "github.com/wdb-dev/wdb/engines"

// mustEngine returns the registered engine called name; its package must
// be imported (for its init) by the test file that asks for it.
func mustEngine(name string) engines.Engine {
	e, err := engines.Get(name)
	if err != nil {
		panic(err)
	}
	return e
}
