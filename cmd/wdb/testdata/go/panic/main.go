// Command panic prints a little, recovers from one runtime panic, then dies
// of another: the runtime prints the panic on stderr, runs the deferred
// calls, and exits with status 2.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("starting with", len(os.Args)-1, "arguments")
	defer fmt.Println("deferred call runs while panicking")
	fmt.Println("recovered:", assignToNilMap())
	var table []int
	fmt.Println(lookup(table, len(os.Args)+5))
	fmt.Println("not reached")
}

func assignToNilMap() (r any) {
	defer func() { r = recover() }()
	var m map[string]int
	m["answer"] = 42
	return nil
}

func lookup(table []int, i int) int {
	return table[i]
}
