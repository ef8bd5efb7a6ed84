package wasm

import (
	"debug/dwarf"
	"errors"
	"fmt"
	"strings"
)

// DWARF returns the module's DWARF data, read from its .debug_* custom
// sections (the first of each name counts), or nil and nil when it has no
// .debug_info. Addresses in it are relative to CodeSectionOffset. Damaged
// DWARF gives an error naming the section; debug/dwarf can panic on bad
// input, which is recovered into an error too. Each call builds a new
// dwarf.Data: callers keep what they need.
func (m *Module) DWARF() (d *dwarf.Data, err error) {
	sections := map[string][]byte{}
	for _, c := range m.Customs {
		if strings.HasPrefix(c.Name, ".debug_") {
			if _, dup := sections[c.Name]; !dup {
				sections[c.Name] = c.Data
			}
		}
	}
	if sections[".debug_info"] == nil {
		return nil, nil
	}
	section := ".debug_info"
	defer func() {
		if r := recover(); r != nil {
			d, err = nil, fmt.Errorf("damaged DWARF in %s: %v", section, r)
		}
	}()
	d, err = dwarf.New(sections[".debug_abbrev"], sections[".debug_aranges"], sections[".debug_frame"],
		sections[".debug_info"], sections[".debug_line"], sections[".debug_pubnames"],
		sections[".debug_ranges"], sections[".debug_str"])
	if err != nil {
		return nil, dwarfError(".debug_info", err)
	}
	for _, name := range []string{".debug_addr", ".debug_line_str", ".debug_str_offsets", ".debug_rnglists"} {
		if s := sections[name]; s != nil {
			section = name
			if err := d.AddSection(name, s); err != nil {
				return nil, dwarfError(name, err)
			}
		}
	}
	return d, nil
}

// dwarfError names the section of a debug/dwarf error (its messages name
// a section only sometimes).
func dwarfError(section string, err error) error {
	var de dwarf.DecodeError
	if errors.As(err, &de) && de.Name != "" {
		return fmt.Errorf("damaged DWARF in %s: %w", de.Name, err)
	}
	return fmt.Errorf("damaged DWARF in %s: %w", section, err)
}
