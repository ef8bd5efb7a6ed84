package spectest

import "strconv"

// wdb implements WebAssembly 2.0. A few commands of the v1 suite expect
// what 2.0 changed; they are skipped, each for the reason given here.
// (The v2 suite holds the 2.0 expectation for each of them.)
const reasonChanged = "changed in 2.0"

var changedIn2 = map[string]string{
	// Multi-value: function types may have several results.
	"v1/func.json:493": "multi-value",
	"v1/func.json:497": "multi-value",
	"v1/type.json:53":  "multi-value",
	"v1/type.json:57":  "multi-value",

	// Reference types: a module may have several tables.
	"v1/imports.json:310": "multiple tables",
	"v1/imports.json:314": "multiple tables",
	"v1/imports.json:318": "multiple tables",

	// Reference types: call_indirect's reserved zero byte is a table
	// index, so a 1 there is an unknown table (invalid), not malformed.
	"v1/binary.json:50": "call_indirect table index",

	// Reference types: br_table in unreachable code may target labels of
	// different types (v2 unreached-valid.wast, "meet-bottom").
	"v1/unreached-invalid.json:539": "br_table over the bottom type",

	// Bulk memory: segments are no longer checked before instantiation;
	// those written before the failing one stay written.
	"v1/linking.json:236": "segments written before a failing one persist",
	"v1/linking.json:248": "segments written before a failing one persist",
	"v1/linking.json:342": "segments written before a failing one persist",
	"v1/linking.json:354": "segments written before a failing one persist",
}

// renamedIn2 maps v1 error texts to the 2.0 text of the same failure:
// bulk memory turned the link-time segment checks into traps during
// instantiation.
var renamedIn2 = map[string]string{
	"data segment does not fit":     "out of bounds memory access",
	"elements segment does not fit": "out of bounds table access",
}

// changed returns the skip for a v1 command whose expectation 2.0
// changed, or nil.
func changed(f suiteFile, c *command) error {
	if f.edition != "v1" {
		return nil
	}
	if _, ok := changedIn2[f.id()+":"+strconv.Itoa(c.Line)]; ok {
		return &skipError{reasonChanged}
	}
	return nil
}
