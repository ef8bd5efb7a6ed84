package fast

import "github.com/wdb-dev/wdb/engines"

// Instantiate creates the instance in store (engines.Instance.Init checks
// the imports and applies the active segments) and the machine's table of
// active variants.
func (p *program) Instantiate(store *engines.Store, imports []engines.Extern) (engines.Machine, error) {
	m := &machine{
		prog:       p,
		funcs:      p.funcs,
		fastActive: make([]*variant, len(p.funcs)),
		stack:      make([]uint32, initialStackCells),
		frames:     make([]frame, 16),
		maxDepth:   p.opts.MaxCallDepth,
	}
	// Nothing is translated for this machine yet: the first call of each
	// function translates it (if no other machine did) and patches the
	// table (enter).
	for i := range m.fastActive {
		m.fastActive[i] = untranslated
	}
	m.active = m.fastActive

	if err := m.Init(m, store, p.mod, imports, p.opts); err != nil {
		return nil, err
	}
	return m, nil
}
