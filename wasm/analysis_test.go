package wasm

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func loadFile(t *testing.T, name string) *Module {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func funcNamed(t *testing.T, m *Module, name string) *Func {
	t.Helper()
	for _, f := range m.Funcs {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no function %s", name)
	return nil
}

// listing shows the analysis of every instruction: index, offset,
// instruction, the operand types before it, the innermost block, and "dead"
// for unreachable code.
func listing(f *Func) string {
	var sb strings.Builder
	for i, in := range f.Instrs {
		info := f.Info[i]
		fmt.Fprintf(&sb, "%2d %04x %-13s %-22s b%d", i, in.Offset, in.Op, fmt.Sprint(f.StackTypes(i)), info.Block)
		if info.Unreachable {
			sb.WriteString(" dead")
		}
		sb.WriteString("\n")
	}
	return sb.String()
}

func blockListing(f *Func) string {
	var sb strings.Builder
	for i, b := range f.Blocks {
		fmt.Fprintf(&sb, "%d %s start=%d else=%d end=%d type=%v height=%d parent=%d\n",
			i, b.Kind, b.Start, b.Else, b.End, b.Type.String(), b.Height, b.Parent)
	}
	return sb.String()
}

// analysisGolden is the expected analysis of testdata/analysis.wat's
// functions, checked by hand against the spec's validation algorithm.
var analysisGolden = map[string]string{
	"shapes": `
== shapes max=3
 0 003f f32.const     []                     b0
 1 0044 i32.const     [f32]                  b0
 2 0046 i64.const     [f32 i32]              b0
 3 0048 block         [f32 i32 i64]          b0
 4 004a drop          [f32 i32 i64]          b1
 5 004b drop          [f32 i32]              b1
 6 004c i64.const     [f32]                  b1
 7 004e i32.const     [f32 i64]              b1
 8 0050 end           [f32 i64 i32]          b1
 9 0051 drop          [f32 i64 i32]          b0
10 0052 drop          [f32 i64]              b0
11 0053 drop          [f32]                  b0
12 0054 loop          []                     b0
13 0056 local.get     []                     b2
14 0058 if            [i32]                  b2
15 005a local.get     []                     b3
16 005c i32.const     [i32]                  b3
17 005e i32.sub       [i32 i32]              b3
18 005f local.set     [i32]                  b3
19 0061 br            []                     b3
20 0063 else          []                     b3 dead
21 0064 i32.const     []                     b3
22 0066 end           [i32]                  b3
23 0067 end           [i32]                  b2
24 0068 end           [i32]                  b0
0 func start=-1 else=-1 end=24 type=[] -> [i32] height=0 parent=-1
1 block start=3 else=-1 end=8 type=[i32 i64] -> [i64 i32] height=1 parent=0
2 loop start=12 else=-1 end=23 type=[] -> [i32] height=0 parent=0
3 if start=14 else=20 end=22 type=[] -> [i32] height=0 parent=2
`,
	"dead": `
== dead max=1
 0 006b block         []                     b0
 1 006d block         []                     b1
 2 006f local.get     []                     b2
 3 0071 br_table      [i32]                  b2
 4 0076 end           []                     b2 dead
 5 0077 i32.const     []                     b1
 6 0079 return        [i32]                  b1
 7 007a i32.const     []                     b1 dead
 8 007c block         [i32]                  b1 dead
 9 007e nop           [i32]                  b3 dead
10 007f end           [i32]                  b3 dead
11 0080 select        [i32]                  b1 dead
12 0081 i32.eqz       [unknown]              b1 dead
13 0082 drop          [i32]                  b1 dead
14 0083 end           []                     b1 dead
15 0084 block         []                     b0
16 0086 unreachable   []                     b4
17 0087 end           []                     b4 dead
18 0088 i32.const     []                     b0 dead
19 008a end           [i32]                  b0 dead
0 func start=-1 else=-1 end=19 type=[] -> [i32] height=0 parent=-1
1 block start=0 else=-1 end=14 type=[] -> [] height=0 parent=0
2 block start=1 else=-1 end=4 type=[] -> [] height=0 parent=1
3 block start=8 else=-1 end=10 type=[] -> [] height=1 parent=1
4 block start=15 else=-1 end=17 type=[] -> [] height=0 parent=0
`,
	"loopparam": `
== loopparam max=3
 0 008d i32.const     []                     b0
 1 008f loop          [i32]                  b0
 2 0091 i32.const     [i32]                  b1
 3 0093 i32.add       [i32 i32]              b1
 4 0094 local.get     [i32]                  b1
 5 0096 i32.const     [i32 i32]              b1
 6 0098 i32.sub       [i32 i32 i32]          b1
 7 0099 local.tee     [i32 i32]              b1
 8 009b br_if         [i32 i32]              b1
 9 009d end           [i32]                  b1
10 009e local.get     [i32]                  b0
11 00a0 if            [i32 i32]              b0
12 00a2 i32.const     [i32]                  b2
13 00a5 i32.add       [i32 i32]              b2
14 00a6 end           [i32]                  b2
15 00a7 end           [i32]                  b0
0 func start=-1 else=-1 end=15 type=[] -> [i32] height=0 parent=-1
1 loop start=1 else=-1 end=9 type=[i32] -> [i32] height=0 parent=0
2 if start=11 else=-1 end=14 type=[i32] -> [i32] height=0 parent=0
`,
	"calls": `
== calls max=2
 0 00aa i32.const     []                     b0
 1 00ac call_indirect [i32]                  b0
 2 00af call          [i32]                  b0
 3 00b1 i32.add       [i32 i32]              b0
 4 00b2 end           [i32]                  b0
0 func start=-1 else=-1 end=4 type=[] -> [i32] height=0 parent=-1
`,
}

func TestAnalysisListing(t *testing.T) {
	m := loadFile(t, "testdata/analysis.wasm")
	for name, want := range analysisGolden {
		f := funcNamed(t, m, name)
		got := fmt.Sprintf("== %s max=%d\n%s%s", name, f.MaxHeight, listing(f), blockListing(f))
		if strings.TrimSpace(got) != strings.TrimSpace(want) {
			t.Errorf("analysis of %s:\n%s\nwant:\n%s", name, got, want)
		}
	}
}

func TestLabelsAndTargets(t *testing.T) {
	m := loadFile(t, "testdata/analysis.wasm")

	shapes := funcNamed(t, m, "shapes")
	// br 1 at index 19 (inside if, inside loop) goes back into the loop.
	if got := shapes.Labels(19); fmt.Sprint(got) != "[0 2 3]" {
		t.Errorf("Labels(19) = %v, want [0 2 3]", got)
	}
	loop := shapes.LabelTarget(19, shapes.Instrs[19].A)
	if loop.Kind != LabelLoop || loop.Continuation() != 13 || loop.Arity() != 0 {
		t.Errorf("br 1 targets %+v (continuation %d)", *loop, loop.Continuation())
	}
	// block/loop/if/else/end carry their Blocks index; the final end 0.
	for i, want := range map[int]uint32{3: 1, 8: 1, 12: 2, 14: 3, 20: 3, 22: 3, 23: 2, 24: 0} {
		if a := shapes.Instrs[i].A; a != want {
			t.Errorf("shapes: %s at %d: A = %d, want %d", shapes.Instrs[i].Op, i, a, want)
		}
	}
	if got := shapes.LabelTarget(24, 0); got != &shapes.Blocks[0] || got.Continuation() != len(shapes.Instrs) {
		t.Errorf("function label: %+v", *got)
	}

	dead := funcNamed(t, m, "dead")
	bt := dead.Instrs[3]
	if bt.Op != OpBrTable || fmt.Sprint(dead.BrTable[bt.A:bt.A+bt.B]) != "[1 0 1]" {
		t.Fatalf("br_table: %+v, BrTable %v", bt, dead.BrTable)
	}
	for depth, cont := range map[uint32]int{0: 5, 1: 15} {
		if got := dead.LabelTarget(3, depth).Continuation(); got != cont {
			t.Errorf("br_table depth %d continues at %d, want %d", depth, got, cont)
		}
	}

	lp := funcNamed(t, m, "loopparam")
	if l := lp.LabelTarget(8, 0); l.Kind != LabelLoop || l.Arity() != 1 || l.Continuation() != 2 {
		t.Errorf("br_if to a loop with a parameter: %+v", *l)
	}
}

func TestFuncLayout(t *testing.T) {
	m := loadFile(t, "testdata/analysis.wasm")
	f := funcNamed(t, m, "shapes")
	// wasm-objdump: "00003c func[1] <shapes>:" (the local declarations),
	// final end at 0x68.
	if f.Index != 1 || f.BodyOffset != 0x3c || f.BodyEnd != 0x69 {
		t.Errorf("shapes: index %d, body %#x..%#x", f.Index, f.BodyOffset, f.BodyEnd)
	}
	if fmt.Sprint(f.Locals) != "[f64]" || f.NumLocals() != 2 || f.LocalType(1) != F64 || f.LocalNames[0] != "p" {
		t.Errorf("shapes locals: %v %v", f.Locals, f.LocalNames)
	}
	if f.Type.String() != "[i32] -> [i32]" || f.TypeIndex != 2 {
		t.Errorf("shapes type %d %v", f.TypeIndex, f.Type)
	}
	if i, ok := f.InstrAt(0x61); !ok || f.Instrs[i].Op != OpBr {
		t.Errorf("InstrAt(0x61) = %d, %v", i, ok)
	}
	if _, ok := f.InstrAt(0x62); ok {
		t.Error("InstrAt(0x62) found an instruction inside br's immediate")
	}
	if g, ok := m.FuncAt(0x61); !ok || g != f {
		t.Errorf("FuncAt(0x61) = %v", g)
	}
	if _, ok := m.FuncAt(0x10); ok {
		t.Error("FuncAt(0x10) found a function in the type section")
	}
	if m.CodeSectionOffset != 0x35 {
		t.Errorf("CodeSectionOffset = %#x", m.CodeSectionOffset)
	}
	if len(m.Elems) != 1 || len(m.Elems[0].Items) != 2 || m.Elems[0].Items[1] != (ConstExpr{Op: OpRefFunc, Value: 0}) ||
		m.Elems[0].Offset != (ConstExpr{Op: OpI32Const, Value: 0}) {
		t.Errorf("elems: %+v", m.Elems)
	}
	if len(m.Tables) != 1 || m.Tables[0] != (TableType{Elem: FuncRef, Limits: Limits{Min: 2}}) {
		t.Errorf("tables: %+v", m.Tables)
	}
	if m.Start != -1 || m.DataCount != -1 {
		t.Errorf("start %d, data count %d", m.Start, m.DataCount)
	}
}
