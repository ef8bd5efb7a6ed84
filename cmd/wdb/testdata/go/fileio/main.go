// Command fileio works on files in the directory named by its argument:
// it reads input.txt, creates, appends to, seeks in, truncates, renames and
// removes files, makes a directory and lists it. It prints what it finds
// but never a path of the host, so its output is the same natively (given
// a host directory) and under WASI (given the preopened guest directory).
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: fileio DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	path := func(name string) string { return filepath.Join(dir, name) }

	// Read the given input, line by line.
	in, err := os.Open(path("input.txt"))
	check(err)
	sc := bufio.NewScanner(in)
	lines, bytes := 0, 0
	var longest string
	for sc.Scan() {
		lines++
		bytes += len(sc.Text())
		if len(sc.Text()) > len(longest) {
			longest = sc.Text()
		}
	}
	check(sc.Err())
	check(in.Close())
	fmt.Printf("input: %d lines, %d bytes, longest %q\n", lines, bytes, longest)

	// Create a file through a buffered writer, read it back.
	f, err := os.Create(path("squares.txt"))
	check(err)
	w := bufio.NewWriter(f)
	for i := 1; i <= 300; i++ {
		fmt.Fprintf(w, "%d %d\n", i, i*i)
	}
	check(w.Flush())
	check(f.Close())
	b, err := os.ReadFile(path("squares.txt"))
	check(err)
	sum := 0
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var n, sq int
		_, err := fmt.Sscanf(line, "%d %d", &n, &sq)
		check(err)
		sum += sq
	}
	fmt.Printf("squares.txt: %d bytes, sum of squares %d\n", len(b), sum)

	// Append, reopening the file each time: the host must append at the
	// end whatever the descriptor's offset.
	for i := range 3 {
		f, err := os.OpenFile(path("log.txt"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		check(err)
		_, err = fmt.Fprintf(f, "entry %d\n", i)
		check(err)
		check(f.Close())
	}
	b, err = os.ReadFile(path("log.txt"))
	check(err)
	fmt.Printf("log.txt: %q\n", b)

	// Overwrite in the middle, read at an offset, seek relative to the end.
	f, err = os.OpenFile(path("squares.txt"), os.O_RDWR, 0)
	check(err)
	_, err = f.Seek(4, io.SeekStart)
	check(err)
	_, err = f.Write([]byte("X"))
	check(err)
	buf := make([]byte, 8)
	n, err := f.ReadAt(buf, 0)
	check(err)
	fmt.Printf("after overwrite: %q\n", buf[:n])
	end, err := f.Seek(-6, io.SeekEnd)
	check(err)
	n, err = f.Read(buf)
	check(err)
	fmt.Printf("6 bytes before the end, at offset %d: %q\n", end, buf[:n])
	check(f.Truncate(20))
	info, err := f.Stat()
	check(err)
	fmt.Printf("truncated: size %d, regular %v\n", info.Size(), info.Mode().IsRegular())
	check(f.Close())

	// A directory with files, listed, renamed into, removed from.
	check(os.Mkdir(path("sub"), 0o755))
	for _, name := range []string{"b.txt", "a.txt", "c.txt"} {
		check(os.WriteFile(path("sub/"+name), []byte("file "+name+"\n"), 0o644))
	}
	check(os.Rename(path("sub/a.txt"), path("sub/z.txt")))
	check(os.Remove(path("sub/b.txt")))
	list("sub", path("sub"))
	list(".", dir)

	// Errors the program can tell apart.
	_, err = os.Stat(path("sub/a.txt"))
	fmt.Println("renamed file gone:", errors.Is(err, fs.ErrNotExist))
	err = os.Mkdir(path("sub"), 0o755)
	fmt.Println("mkdir again exists:", errors.Is(err, fs.ErrExist))
	err = os.Remove(path("sub"))
	fmt.Println("remove non-empty directory fails:", err != nil)
	_, err = os.ReadFile(path("sub"))
	fmt.Println("reading a directory fails:", err != nil)
}

func list(label, dir string) {
	entries, err := os.ReadDir(dir)
	check(err)
	var names []string
	for _, e := range entries {
		info, err := e.Info()
		check(err)
		if e.IsDir() {
			names = append(names, e.Name()+"/")
		} else {
			names = append(names, fmt.Sprintf("%s(%d)", e.Name(), info.Size()))
		}
	}
	fmt.Printf("%s: %s\n", label, strings.Join(names, " "))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "fileio:", err)
		os.Exit(1)
	}
}
