package debuginfo

import (
	"debug/dwarf"
	"strings"
	"testing"
)

// The spellings C (C17 6.7.2) makes equivalent name one type.
func TestBaseTypeName(t *testing.T) {
	for want, spellings := range map[string][]string{
		"int":                {"int", "signed", "signed int"},
		"unsigned int":       {"unsigned", "unsigned int"},
		"char":               {"char"},
		"signed char":        {"signed char"},
		"unsigned char":      {"unsigned char"},
		"short":              {"short", "short int", "signed short", "signed short int"},
		"unsigned short":     {"unsigned short", "unsigned short int"},
		"long":               {"long", "long int", "signed long"},
		"unsigned long":      {"unsigned long", "unsigned long int"},
		"long long":          {"long long", "long long int", "signed long long int"},
		"unsigned long long": {"unsigned long long", "unsigned long long int"},
		"_Bool":              {"_Bool", "bool"},
		"float":              {"float"},
		"double":             {"double"},
		"long double":        {"long double"},
		"void":               {"void"},
	} {
		for _, s := range spellings {
			got, err := BaseTypeName(strings.Fields(s))
			if err != nil || got != want {
				t.Errorf("%q: %q %v, want %q", s, got, err, want)
			}
			if bt := BaseType(got); bt == nil {
				t.Errorf("no base type %q", got)
			}
		}
	}
	for _, s := range []string{"signed unsigned", "unsigned unsigned", "unsigned float", "short long", "long long long", "char int", "unsigned void", "int int"} {
		if got, err := BaseTypeName(strings.Fields(s)); err == nil {
			t.Errorf("%q: %q, want an error", s, got)
		}
	}
	// wasm32's sizes (clang's wasm32 target: long and pointers are 4 bytes).
	for name, size := range map[string]uint32{"char": 1, "short": 2, "int": 4, "long": 4, "long long": 8, "float": 4, "double": 8, "_Bool": 1} {
		if got := Size(BaseType(name)); got != size {
			t.Errorf("sizeof(%s) = %d, want %d", name, got, size)
		}
	}
	if got := Size(PointerTo(BaseType("double"))); got != 4 {
		t.Errorf("sizeof(double *) = %d", got)
	}
}

// vars.c's types, found by their C names, are as the source declares them.
func TestTypeLookup(t *testing.T) {
	m, _ := lines(t, "../testdata/wasi/vars.wasm")
	v, err := ReadVars(m)
	if err != nil || v == nil {
		t.Fatalf("ReadVars: %v %v", v, err)
	}
	for name, want := range map[string]string{
		"struct list":  "struct list { int v; struct list *next; }",
		"struct point": "struct point { int x; short y; double w; }",
		"enum color":   "enum color {RED = 0, GREEN = 5, BLUE = 6}",
		"int":          "int",
		"double":       "double",
	} {
		typ, err := v.Type(0, name)
		if err != nil || typ == nil {
			t.Errorf("Type(%s): %v %v", name, typ, err)
			continue
		}
		if got := strings.Join(strings.Fields(Definition(typ)), " "); got != want {
			t.Errorf("Type(%s) = %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"struct nope", "list", "point", "enum list"} {
		if typ, err := v.Type(0, name); typ != nil || err != nil {
			t.Errorf("Type(%s) = %v %v, want none", name, typ, err)
		}
	}
	if _, ok := BaseType("unsigned char").(*dwarf.UcharType); !ok {
		t.Errorf("unsigned char is not a DWARF unsigned char")
	}
}
