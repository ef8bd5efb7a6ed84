package wasm

// Encodings that later proposals give a meaning. They are malformed in
// Wasm 2.0, which wdb implements, and are reported so; the error message
// names the feature, since such a module is more likely new than damaged.

var opcodeProposals = map[byte]string{
	0x06: "exception handling", 0x07: "exception handling", 0x08: "exception handling",
	0x09: "exception handling", 0x0a: "exception handling", 0x18: "exception handling",
	0x19: "exception handling", 0x1f: "exception handling",
	0x12: "tail calls", 0x13: "tail calls",
	0x14: "typed function references", 0x15: "typed function references",
	0xd3: "typed function references", 0xd4: "typed function references",
	0xd5: "typed function references", 0xd6: "typed function references",
	0xfb: "garbage collection",
	0xfe: "threads",
}

var valTypeProposals = map[byte]string{
	0x69: "exception handling (exnref)",
	0x63: "typed function references", 0x64: "typed function references",
	0x6e: "garbage collection", 0x6d: "garbage collection", 0x6c: "garbage collection",
	0x6b: "garbage collection", 0x6a: "garbage collection", 0x71: "garbage collection",
	0x72: "garbage collection", 0x73: "garbage collection", 0x74: "garbage collection",
}

// proposal returns " (feature, not supported)" for an encoding a later
// proposal uses, or "".
func proposal(table map[byte]string, c byte) string {
	if name, ok := table[c]; ok {
		return " (" + name + ": not supported)"
	}
	return ""
}

// limitsProposal names the proposal a limits flag comes from.
func limitsProposal(flag byte) string {
	switch {
	case flag == 2 || flag == 3:
		return " (shared memory, threads: not supported)"
	case flag >= 4 && flag <= 7:
		return " (memory64: not supported)"
	}
	return ""
}

// sectionProposal names the proposal a section id comes from.
func sectionProposal(id byte) string {
	if id == 13 {
		return " (tag section, exception handling: not supported)"
	}
	return ""
}
