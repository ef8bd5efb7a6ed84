package debuginfo

import (
	"debug/dwarf"
	"fmt"
	"strings"
)

// C's base types on wasm32, for casts and sizeof in expressions when a
// module's DWARF does not declare them (a unit only describes the types it
// uses): char is signed, long and pointers are 4 bytes.

// BaseTypeName is the name DWARF (clang) gives the base type that the C
// type specifiers words spell ("unsigned" is "unsigned int", "long int"
// is "long", "bool" is "_Bool"), or an error naming what is wrong.
func BaseTypeName(words []string) (string, error) {
	spelled := strings.Join(words, " ")
	n := map[string]int{}
	for i, w := range words {
		if w == "bool" {
			w = "_Bool"
		}
		n[w]++
		words[i] = w
	}
	sign := ""
	switch {
	case n["signed"] > 0 && n["unsigned"] > 0, n["signed"] > 1, n["unsigned"] > 1:
		return "", fmt.Errorf("%q is not a C type", spelled)
	case n["unsigned"] == 1:
		sign = "unsigned "
	}
	core := len(words) - n["signed"] - n["unsigned"]
	only := func(w string, count int) bool { return n[w] == count && core == count }
	var name string
	switch {
	case core == 0 || only("int", 1):
		name = "int"
	case only("char", 1):
		name = "char"
		if n["signed"] == 1 {
			sign = "signed "
		}
	case only("short", 1) || n["short"] == 1 && n["int"] == 1 && core == 2:
		name = "short"
	case only("long", 1) || n["long"] == 1 && n["int"] == 1 && core == 2:
		name = "long"
	case only("long", 2) || n["long"] == 2 && n["int"] == 1 && core == 3:
		name = "long long"
	case sign == "" && n["signed"] == 0:
		switch {
		case only("float", 1), only("double", 1), only("_Bool", 1), only("void", 1):
			return words[0], nil
		case n["long"] == 1 && n["double"] == 1 && core == 2:
			return "long double", nil
		}
		fallthrough
	default:
		return "", fmt.Errorf("%q is not a C type", spelled)
	}
	if name == "int" && sign == "unsigned " {
		return "unsigned int", nil
	}
	return sign + name, nil
}

// BaseType is the wasm32 C base type of a name BaseTypeName gives.
func BaseType(name string) dwarf.Type {
	basic := func(size int64) dwarf.BasicType {
		return dwarf.BasicType{CommonType: dwarf.CommonType{ByteSize: size, Name: name}}
	}
	switch name {
	case "void":
		return &dwarf.VoidType{}
	case "_Bool":
		return &dwarf.BoolType{BasicType: basic(1)}
	case "char", "signed char":
		return &dwarf.CharType{BasicType: basic(1)}
	case "unsigned char":
		return &dwarf.UcharType{BasicType: basic(1)}
	case "short":
		return &dwarf.IntType{BasicType: basic(2)}
	case "unsigned short":
		return &dwarf.UintType{BasicType: basic(2)}
	case "int", "long":
		return &dwarf.IntType{BasicType: basic(4)}
	case "unsigned int", "unsigned long":
		return &dwarf.UintType{BasicType: basic(4)}
	case "long long":
		return &dwarf.IntType{BasicType: basic(8)}
	case "unsigned long long":
		return &dwarf.UintType{BasicType: basic(8)}
	case "float":
		return &dwarf.FloatType{BasicType: basic(4)}
	case "double":
		return &dwarf.FloatType{BasicType: basic(8)}
	case "long double":
		return &dwarf.FloatType{BasicType: basic(16)}
	}
	return nil
}

// PointerTo is the wasm32 type "t *".
func PointerTo(t dwarf.Type) *dwarf.PtrType {
	return &dwarf.PtrType{CommonType: dwarf.CommonType{ByteSize: 4}, Type: t}
}
