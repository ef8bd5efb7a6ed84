// Command ticker prints a numbered line, then sleeps, a given number of
// times (default 100, 25 ms apart): a program that runs long enough to be
// signalled, mostly asleep in poll_oneoff, with output that does not
// depend on time.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

func main() {
	n := 100
	if len(os.Args) > 1 {
		var err error
		if n, err = strconv.Atoi(os.Args[1]); err != nil {
			fmt.Fprintln(os.Stderr, "ticker:", err)
			os.Exit(2)
		}
	}
	sum := 0
	for i := range n {
		sum += i * i
		fmt.Printf("tick %d sum %d\n", i, sum)
		time.Sleep(25 * time.Millisecond)
	}
	fmt.Println("done")
}
