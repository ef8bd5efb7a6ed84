package debuginfo

import (
	"debug/dwarf"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Values of source variables, formatted as C: integers in decimal, chars
// with their character, enums by their enumerator, pointers in hex (a
// char * also with its string; the callers show the type), structs as {field = value, ...} and arrays
// as {v, v, ...} up to MaxElems elements.

// MaxElems is how many array elements a value shows; MaxString how many
// bytes of a C string.
const (
	MaxElems  = 100
	MaxString = 200
)

// MemReader reads n bytes of memory 0 at addr.
type MemReader func(addr, n uint32) ([]byte, error)

// Underlying strips typedefs and qualifiers.
func Underlying(t dwarf.Type) dwarf.Type {
	for range 100 {
		switch u := t.(type) {
		case *dwarf.TypedefType:
			t = u.Type
		case *dwarf.QualType:
			t = u.Type
		default:
			return t
		}
	}
	return t
}

// TypeName writes a type as C declares it: "int", "struct point",
// "char *", "int [4]".
func TypeName(t dwarf.Type) string {
	switch u := t.(type) {
	case nil:
		return "void"
	case *dwarf.PtrType:
		inner := TypeName(u.Type)
		if strings.HasSuffix(inner, "*") {
			return inner + "*" // char **, not char * *
		}
		return inner + " *"
	case *dwarf.ArrayType:
		// int m[2][3] is an array of 2 arrays of 3: "int [2][3]".
		dims := ""
		var elem dwarf.Type = u
		for a, ok := elem.(*dwarf.ArrayType); ok; a, ok = elem.(*dwarf.ArrayType) {
			n := strconv.FormatInt(a.Count, 10)
			if a.Count < 0 {
				n = ""
			}
			dims += "[" + n + "]"
			elem = a.Type
		}
		return TypeName(elem) + " " + dims
	case *dwarf.QualType:
		return u.Qual + " " + TypeName(u.Type)
	case *dwarf.VoidType:
		return "void"
	case *dwarf.EnumType:
		return "enum " + u.EnumName
	}
	return t.String()
}

// Size is the byte size of a value of type t (0 when unknown).
func Size(t dwarf.Type) uint32 {
	if t == nil {
		return 0
	}
	u := Underlying(t)
	if p, ok := u.(*dwarf.PtrType); ok && p.ByteSize <= 0 {
		return 4 // wasm32
	}
	if n := u.Size(); n > 0 && n < 1<<31 {
		return uint32(n)
	}
	return 0
}

// Scalar returns the WebAssembly view of a scalar type: a memory type
// name of wdb's expressions (i8 ... u64, f32, f64). Pointers and enums
// are integers; structs and arrays are not scalars.
func Scalar(t dwarf.Type) (string, bool) {
	u := Underlying(t)
	size := Size(u)
	switch u := u.(type) {
	case *dwarf.FloatType:
		switch size {
		case 4:
			return "f32", true
		case 8:
			return "f64", true
		}
		return "", false
	case *dwarf.IntType, *dwarf.CharType:
		return intName("i", size)
	case *dwarf.UintType, *dwarf.UcharType, *dwarf.BoolType, *dwarf.PtrType:
		return intName("u", size)
	case *dwarf.EnumType:
		for _, v := range u.Val {
			if v.Val < 0 {
				return intName("i", size)
			}
		}
		return intName("u", size)
	}
	return "", false
}

func intName(prefix string, size uint32) (string, bool) {
	switch size {
	case 1, 2, 4, 8:
		return prefix + strconv.Itoa(int(size*8)), true
	}
	return "", false
}

// bits reads a little-endian integer of len(b) <= 8 bytes.
func bits(b []byte) uint64 {
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

func signExtend(v uint64, size int) int64 {
	if size >= 8 || size <= 0 {
		return int64(v)
	}
	shift := 64 - 8*size
	return int64(v<<shift) >> shift
}

// Format writes the value of type t held in b. mem reads the strings of
// char pointers (nil: no strings).
func Format(t dwarf.Type, b []byte, mem MemReader) string {
	var sb strings.Builder
	format(&sb, t, b, mem, 0)
	return sb.String()
}

func isChar(t dwarf.Type) bool {
	switch u := Underlying(t).(type) {
	case *dwarf.CharType, *dwarf.UcharType:
		return true
	case *dwarf.IntType:
		return u.ByteSize == 1 && strings.Contains(u.Name, "char")
	case *dwarf.UintType:
		return u.ByteSize == 1 && strings.Contains(u.Name, "char")
	}
	return false
}

func format(sb *strings.Builder, t dwarf.Type, b []byte, mem MemReader, depth int) {
	if depth > 8 {
		sb.WriteString("{...}")
		return
	}
	u := Underlying(t)
	size := int(Size(u))
	if u == nil || size > len(b) {
		fmt.Fprintf(sb, "<%d bytes of %s>", len(b), TypeName(t))
		return
	}
	b = b[:size]
	switch u := u.(type) {
	case *dwarf.BoolType:
		sb.WriteString(strconv.FormatBool(bits(b) != 0))
	case *dwarf.CharType, *dwarf.IntType:
		v := signExtend(bits(b), size)
		sb.WriteString(strconv.FormatInt(v, 10))
		if isChar(u) {
			sb.WriteString(" " + quoteChar(byte(v)))
		}
	case *dwarf.UcharType, *dwarf.UintType:
		sb.WriteString(strconv.FormatUint(bits(b), 10))
		if isChar(u) {
			sb.WriteString(" " + quoteChar(b[0]))
		}
	case *dwarf.FloatType:
		switch size {
		case 4:
			sb.WriteString(strconv.FormatFloat(float64(math.Float32frombits(binary.LittleEndian.Uint32(b))), 'g', -1, 32))
		case 8:
			sb.WriteString(strconv.FormatFloat(math.Float64frombits(binary.LittleEndian.Uint64(b)), 'g', -1, 64))
		default:
			fmt.Fprintf(sb, "<%d-byte float>", size)
		}
	case *dwarf.EnumType:
		v := signExtend(bits(b), size)
		for _, e := range u.Val {
			if e.Val == v {
				sb.WriteString(e.Name)
				return
			}
		}
		fmt.Fprintf(sb, "%d", v)
	case *dwarf.PtrType:
		a := uint32(bits(b))
		if isChar(u.Type) && mem != nil && a != 0 {
			fmt.Fprintf(sb, "0x%x %s", a, cString(mem, a))
			return
		}
		fmt.Fprintf(sb, "0x%x", a)
	case *dwarf.StructType:
		sb.WriteString("{")
		for i, m := range Members(t, b) {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(m.Name + " = ")
			format(sb, m.Type, m.Bytes, mem, depth+1)
		}
		sb.WriteString("}")
	case *dwarf.ArrayType:
		if isChar(u.Type) && Size(u.Type) == 1 {
			n := len(b)
			for i, c := range b {
				if c == 0 {
					n = i
					break
				}
			}
			sb.WriteString(quote(b[:min(n, MaxString)], n > MaxString))
			return
		}
		sb.WriteString("{")
		ms := Members(t, b)
		for i, m := range ms {
			if i > 0 {
				sb.WriteString(", ")
			}
			format(sb, m.Type, m.Bytes, mem, depth+1)
		}
		if u.Count > int64(len(ms)) {
			sb.WriteString(", ...")
		}
		sb.WriteString("}")
	default:
		fmt.Fprintf(sb, "<%s>", TypeName(t))
	}
}

// quoteChar writes a char as C would: 'a', '\n', '\xc8'.
func quoteChar(c byte) string {
	if c < 0x80 {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("'\\x%02x'", c)
}

// cString reads the NUL-terminated string at a, up to MaxString bytes.
func cString(mem MemReader, a uint32) string {
	var s []byte
	for len(s) < MaxString {
		c, err := mem(a+uint32(len(s)), 1)
		if err != nil {
			return fmt.Sprintf("<cannot read memory at 0x%x>", a+uint32(len(s)))
		}
		if c[0] == 0 {
			return quote(s, false)
		}
		s = append(s, c[0])
	}
	return quote(s, true)
}

func quote(s []byte, more bool) string {
	q := strconv.QuoteToASCII(string(s))
	if more {
		q += "..."
	}
	return q
}

// Member is a field of a struct or an element of an array.
type Member struct {
	Name  string // field name, or "[i]"
	Type  dwarf.Type
	Bytes []byte
}

// Members returns the fields of a struct or union value, or the first
// MaxElems elements of an array value; nil for other types. Bit fields
// are not decoded: they show their containing bytes.
func Members(t dwarf.Type, b []byte) []Member {
	var out []Member
	switch u := Underlying(t).(type) {
	case *dwarf.StructType:
		for _, f := range u.Field {
			size := int64(Size(f.Type))
			if f.ByteOffset < 0 || f.ByteOffset+size > int64(len(b)) {
				continue
			}
			out = append(out, Member{Name: f.Name, Type: f.Type, Bytes: b[f.ByteOffset : f.ByteOffset+size]})
		}
	case *dwarf.ArrayType:
		size := int64(Size(u.Type))
		if size == 0 {
			return nil
		}
		for i := int64(0); i < u.Count && i < MaxElems && (i+1)*size <= int64(len(b)); i++ {
			out = append(out, Member{Name: "[" + strconv.FormatInt(i, 10) + "]", Type: u.Type, Bytes: b[i*size : (i+1)*size]})
		}
	}
	return out
}

// Definition writes type t as C declares it, for ptype: a struct, union
// or enum (through typedefs and qualifiers) with its members, one per
// line; any other type by its name.
func Definition(t dwarf.Type) string {
	switch u := Underlying(t).(type) {
	case *dwarf.StructType:
		if u.Incomplete {
			return TypeName(u) + " {...} (incomplete: declared only)"
		}
		var sb strings.Builder
		sb.WriteString(u.Kind)
		if u.StructName != "" {
			sb.WriteString(" " + u.StructName)
		}
		sb.WriteString(" {\n")
		for _, f := range u.Field {
			sb.WriteString("    " + declare(f.Type, f.Name))
			if f.BitSize > 0 {
				sb.WriteString(" : " + strconv.FormatInt(f.BitSize, 10))
			}
			sb.WriteString(";\n")
		}
		sb.WriteString("}")
		return sb.String()
	case *dwarf.EnumType:
		vals := make([]string, len(u.Val))
		for i, v := range u.Val {
			vals[i] = v.Name + " = " + strconv.FormatInt(v.Val, 10)
		}
		name := "enum"
		if u.EnumName != "" {
			name += " " + u.EnumName
		}
		return name + " {" + strings.Join(vals, ", ") + "}"
	case *dwarf.PtrType:
		switch Underlying(u.Type).(type) {
		case *dwarf.StructType, *dwarf.EnumType:
			return Definition(u.Type) + " *"
		}
	}
	return TypeName(t)
}

// declare is the C declaration of name with type t: "int x", "char *s",
// "int a[3]", "struct point pts[3]".
func declare(t dwarf.Type, name string) string {
	if a, ok := t.(*dwarf.ArrayType); ok {
		n := ""
		if a.Count >= 0 {
			n = strconv.FormatInt(a.Count, 10)
		}
		return declare(a.Type, name+"["+n+"]")
	}
	tn := TypeName(t)
	if strings.HasSuffix(tn, "*") {
		return tn + name
	}
	return tn + " " + name
}
