package threaded

import (
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// dump writes a variant's operations, for reading (go test -run TestDump
// -dump=file.wasm).
func dumpVariant(v *variant) string {
	var b strings.Builder
	for k, in := range v.code {
		name := runtime.FuncForPC(reflect.ValueOf(in.fn).Pointer()).Name()
		name = name[strings.LastIndex(name, ".")+1:]
		fmt.Fprintf(&b, "%4d  w%-4d %-22s a=%d b=%d c=%d/%d\n", k, v.wasmOf[k], name, in.a, in.b, int32(in.c), in.c>>32)
	}
	return b.String()
}

func TestDump(t *testing.T) {
	file := os.Getenv("DUMP")
	if file == "" {
		t.Skip("DUMP=file.wasm")
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := wasm.Load(b)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := Engine{}.Compile(mod, engines.Options{})
	for _, f := range p.(*program).funcs {
		if f.imported {
			continue
		}
		if err := f.translated(); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("== %s: locals %d consts %v temps at %d\n%s", f.def.DisplayName(), f.numLocals, f.consts, f.tempBase, dumpVariant(f.fast))
		fmt.Printf("pos %v\n", f.fast.pos)
		if os.Getenv("DUMP_PRECISE") != "" {
			p := f.preciseVariant()
			fmt.Printf("-- precise\n%spos %v\n", dumpVariant(p), p.pos)
			sm := f.stackMap()
			for i := range f.def.Instrs {
				fmt.Printf("map %d: %v\n", i, sm.entries[sm.start[i]:sm.start[i+1]])
			}
		}
	}
}
