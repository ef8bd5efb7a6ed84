package threaded

import (
	"fmt"
	"math"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

func init() { engines.Register(Engine{}) }

// Engine is the threaded-operation interpreter.
type Engine struct{}

func (Engine) Name() string { return "threaded" }

// program is a compiled module. Functions are translated on their first
// call (by whichever machine makes it), so Compile itself does little.
type program struct {
	mod     *wasm.Module
	opts    engines.Options
	funcs   []*function
	typeIDs []uint32 // canonical signature of each type
	maxLen  int      // the longest function, in instructions
}

// Compile prepares m for instantiation. Nothing is translated yet.
func (Engine) Compile(m *wasm.Module, opts engines.Options) (engines.Program, error) {
	if opts.MaxCallDepth <= 0 {
		opts.MaxCallDepth = engines.DefaultMaxCallDepth
	}
	p := &program{mod: m, opts: opts, typeIDs: engines.CanonicalTypes(m.Types)}
	if len(m.Memories) > 1 {
		return nil, fmt.Errorf("threaded: %d memories: only one is supported", len(m.Memories))
	}
	p.funcs = make([]*function, len(m.Funcs))
	for i, d := range m.Funcs {
		f := &function{prog: p, index: uint32(i), def: d, imported: d.Import != nil,
			typeID: p.typeIDs[d.TypeIndex], numParams: len(d.Type.Params), numResults: len(d.Type.Results)}
		if !f.imported {
			if d.Info == nil || len(d.Info) != len(d.Instrs) {
				return nil, fmt.Errorf("threaded: %s has no analysis (load the module with wasm.Load)", d.DisplayName())
			}
			p.maxLen = max(p.maxLen, len(d.Instrs))
		}
		p.funcs[i] = f
	}
	return p, nil
}

func (p *program) Module() *wasm.Module { return p.mod }

// Instantiate creates an instance in store (engines.Instance.Init).
func (p *program) Instantiate(store *engines.Store, imports []engines.Extern) (engines.Machine, error) {
	m := &machine{
		prog:    p,
		funcs:   p.funcs,
		fastTab: make([]*variant, len(p.funcs)),
		stack:   make([]uint64, initialStackSlots),
		frames:  make([]frame, min(16, p.opts.MaxCallDepth)),
	}
	for i := range m.fastTab {
		m.fastTab[i] = untranslated
	}
	m.active = m.fastTab
	m.FastLimit.Store(math.MaxInt64)
	m.setFrame(0)
	if err := m.Init(m, store, p.mod, imports, p.opts); err != nil {
		return nil, err
	}
	m.ReloadMemory()
	return m, nil
}
