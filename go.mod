module github.com/wdb-dev/wdb

go 1.26.0

require (
	github.com/tetratelabs/wabin v0.0.0-20230304001439-f6f874872834
	github.com/tetratelabs/wazero v1.12.0
	golang.org/x/sys v0.48.0
)
