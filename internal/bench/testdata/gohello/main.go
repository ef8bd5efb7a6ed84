// Command gohello is the Go hello world that BenchmarkGoHello builds for
// wasip1: about 2.5 MB of WebAssembly, most of it Go's runtime.
package main

import "fmt"

func main() {
	fmt.Println("hello, world")
}
