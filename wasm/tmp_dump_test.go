package wasm

import (
	"fmt"
	"os"
	"testing"
	"time"
)

func TestTmpStats(t *testing.T) {
	b, _ := os.ReadFile("/tmp/hello.wasm")
	t0 := time.Now()
	m, err := Load(b)
	fmt.Println(time.Since(t0))
	if err != nil {
		t.Fatal(err)
	}
	var instrs, nodes, blocks, code, maxh int
	for _, f := range m.Funcs[m.NumImportedFuncs:] {
		instrs += len(f.Instrs)
		nodes += len(f.TypeNodes)
		blocks += len(f.Blocks)
		code += int(f.BodyEnd - f.BodyOffset)
		maxh = max(maxh, f.MaxHeight)
	}
	fmt.Println("funcs", len(m.Funcs), "instrs", instrs, "nodes", nodes, "blocks", blocks, "code", code, "datas", len(m.Datas), "maxh", maxh)
}
