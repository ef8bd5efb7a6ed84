package debugger

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/wdb-dev/wdb/wasi"
)

// FuzzCommands runs arbitrary command lines in a fresh session on a small
// program: every line must end in output or an error, never a panic or a
// hang (the program ends after a few thousand instructions, so every move
// ends). Lines that would write files (checkpoint) are left out.
//
//	go test ./debugger -run '^$' -fuzz FuzzCommands -fuzztime 2m
func FuzzCommands(f *testing.F) {
	for _, c := range Commands() {
		for _, line := range strings.Split(c.Help, "\n") {
			if ex, ok := strings.CutPrefix(strings.TrimSpace(line), "(wdb) "); ok {
				f.Add(ex)
			}
		}
		f.Add(c.Name)
	}
	f.Add("b run if $0 == 3 hits >2\nc\nrc\nrs 5\np $top\nwatch $calls\nc\nrc\nset $calls = 7\nswitch-engine threaded\nfinish")
	f.Add("x $sp 4 w\np/x mem[0x10] + 1\ndis run\nlist\ngoto 100\ngoto 0\ntimeline\ninfo")
	f.Add("display $0\ndisplay/x $top\nb run\nwatch mem[0x10] if $0 > 1\ndisable 2\nc\nenable\nrc\nundisplay 1\nwhatis $0\nptype (int)$0\nc")
	mod := loadModule(f, "wat/memory.wasm")
	f.Fuzz(func(t *testing.T, script string) {
		s, err := New(Config{Path: "memory.wasm", Module: mod, Engine: "fast", Invoke: "run", Args: []string{"3"},
			WASI: wasi.Config{Stdout: io.Discard, Stderr: io.Discard}})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		in := NewInterpreter(s, io.Discard)
		for _, line := range strings.Split(script, "\n") {
			if word, _, _ := strings.Cut(strings.TrimSpace(line), " "); len(word) >= 2 && strings.HasPrefix("checkpoint", word) {
				continue
			}
			if err := in.Exec(line); errors.Is(err, ErrQuit) {
				return
			}
		}
	})
}
