package wasm

import "strings"

// Features are the proposals WebAssembly 2.0 added to 1.0, which a module
// may be loaded with or without (LoadFeatures). Features1 and Features2 are
// the combinations wdb is tested with; a feature's checks follow the 2.0
// spec, without modelling the intermediate states of the proposals.
type Features uint32

const (
	// MultiValue: several results for functions and blocks, and block
	// types given by a type index.
	MultiValue Features = 1 << iota
	// SignExtension: i32.extend8_s and the other sign-extension operators.
	SignExtension
	// SaturatingConversions: the non-trapping float-to-int conversions
	// (0xFC 0-7).
	SaturatingConversions
	// BulkMemory: memory.copy, memory.fill, memory.init, data.drop,
	// table.init, table.copy, elem.drop, passive segments and the data
	// count section; and instantiation writes the segments in order,
	// trapping at the first that does not fit (without it, all segments are
	// checked before any is written, as in 1.0).
	BulkMemory
	// ReferenceTypes: funcref and externref as value types, ref.null,
	// ref.is_null, ref.func, the table instructions, several tables,
	// call_indirect's table index, typed select, and the typing of
	// br_table in dead code against the bottom type.
	ReferenceTypes
)

const (
	// Features1 is WebAssembly 1.0 (the MVP and the import and export of
	// mutable globals): none of the features above.
	Features1 Features = 0
	// Features2 is WebAssembly 2.0 without SIMD: all of them.
	Features2 = MultiValue | SignExtension | SaturatingConversions | BulkMemory | ReferenceTypes
)

var featureNames = []struct {
	f    Features
	name string
}{
	{MultiValue, "multi-value"},
	{SignExtension, "sign extension"},
	{SaturatingConversions, "non-trapping float-to-int conversions"},
	{BulkMemory, "bulk memory"},
	{ReferenceTypes, "reference types"},
}

// Has reports whether f includes all of g.
func (f Features) Has(g Features) bool { return f&g == g }

// String lists the features by name, e.g. "multi-value|bulk memory".
func (f Features) String() string {
	var names []string
	for _, n := range featureNames {
		if f.Has(n.f) {
			names = append(names, n.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "|")
}

// notEnabled is the note an error about a disabled feature ends with:
// " (bulk memory: not enabled)".
func notEnabled(f Features) string { return " (" + f.String() + ": not enabled)" }

// opcodeFeature returns the feature instruction op needs beyond 1.0, or 0.
func opcodeFeature(op Opcode) Features {
	switch {
	case op >= OpI32Extend8S && op <= OpI64Extend32S:
		return SignExtension
	case op >= OpI32TruncSatF32S && op <= OpI64TruncSatF64U:
		return SaturatingConversions
	case op >= OpMemoryInit && op <= OpTableCopy:
		return BulkMemory
	case op == OpSelectT, op == OpTableGet, op == OpTableSet,
		op >= OpRefNull && op <= OpRefFunc, op >= OpTableGrow && op <= OpTableFill:
		return ReferenceTypes
	}
	return 0
}
