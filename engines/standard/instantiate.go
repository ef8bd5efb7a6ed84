package standard

import "github.com/wdb-dev/wdb/engines"

// Instantiate creates the instance in store (engines.Instance.Init checks
// the imports and applies the active segments) and the machine's own
// tables of code.
func (p *program) Instantiate(store *engines.Store, imports []engines.Extern) (engines.Machine, error) {
	m := &machine{
		prog:     p,
		funcs:    p.funcs,
		fastCode: make([][]op, len(p.funcs)),
		stepCode: make([][]op, len(p.funcs)),
		stack:    make([]slot, initialStackSlots),
		maxDepth: p.opts.MaxCallDepth,
	}
	for i, fn := range p.funcs {
		m.fastCode[i] = fn.code
		m.stepCode[i] = p.stepCode[:len(fn.code)]
	}
	m.active = m.fastCode
	if err := m.Init(m, store, p.mod, imports, p.opts); err != nil {
		return nil, err
	}
	return m, nil
}
