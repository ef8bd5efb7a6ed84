module github.com/wdb-dev/wdb

go 1.26.0

require (
	github.com/creack/pty v1.1.24
	github.com/google/go-dap v0.12.0
	github.com/peterh/liner v1.2.3
	github.com/tetratelabs/wabin v0.0.0-20230304001439-f6f874872834
	github.com/tetratelabs/wazero v1.12.0
	golang.org/x/sys v0.50.0
	golang.org/x/term v0.48.0
)

require (
	github.com/clipperhouse/uax29/v2 v2.7.0 // indirect
	github.com/mattn/go-runewidth v0.0.31 // indirect
)
