// gowasi exercises the WASI host from Go's wasip1 port: arguments and
// environment, file I/O in the directory named by its argument (append,
// read, mkdir, readdir, rename, stat), an attempt to escape it,
// goroutines, sleeping, and an exit status. Its output is the same on
// every correct host.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

func main() {
	fmt.Println("args:", os.Args[1:])
	fmt.Println("env:", os.Getenv("GREETING"))
	dir := os.Args[1]
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("alpha\n"), 0o644); err != nil {
		fmt.Println("write:", err)
		os.Exit(3)
	}
	f, err := os.OpenFile(filepath.Join(dir, "a.txt"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(3)
	}
	f.WriteString("beta\n")
	f.Close()
	b, err := os.ReadFile(filepath.Join(dir, "a.txt"))
	fmt.Printf("read: %q %v\n", b, err)
	fmt.Println("mkdir:", os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	fmt.Println("create:", os.WriteFile(filepath.Join(dir, "sub", "z"), nil, 0o644))
	entries, err := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	fmt.Println("readdir:", strings.Join(names, ","), err)
	fmt.Println("rename:", os.Rename(filepath.Join(dir, "a.txt"), filepath.Join(dir, "sub", "b.txt")))
	st, err := os.Stat(filepath.Join(dir, "sub", "b.txt"))
	fmt.Println("stat:", st.Size(), st.Mode().IsRegular(), err)
	_, err = os.Open(filepath.Join(dir, "..", "..", "etc", "passwd"))
	fmt.Println("escape refused:", err != nil)

	var wg sync.WaitGroup
	squares := make([]int, 8)
	for i := range squares {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(8-i) * time.Millisecond)
			squares[i] = i * i
		}()
	}
	wg.Wait()
	fmt.Println("goroutines:", squares)
	start := time.Now()
	time.Sleep(5 * time.Millisecond)
	fmt.Println("slept:", time.Since(start) >= 5*time.Millisecond)
	os.Exit(7)
}
