package engine

import (
	"fmt"

	lib "modernc.org/libquickjs"
)

// Prelude is the runtime's JavaScript (the Web APIs) compiled to bytecode
// once per process, plus the ops it calls. Every VM evaluates it at birth,
// which is much faster than parsing the sources again.
type Prelude struct {
	compiled []compiledScript
	ops      map[string]Op
}

type compiledScript struct {
	name string
	code []byte
}

// NewPrelude compiles the extensions' scripts, in order.
func NewPrelude(exts ...Extension) (*Prelude, error) {
	p := &Prelude{ops: map[string]Op{}}
	vm, err := New(Options{})
	if err != nil {
		return nil, err
	}
	defer vm.Close()
	// The prelude's source text (kept for Function.prototype.toString) is
	// not needed in every VM; its line tables are kept so that stack
	// frames inside the runtime still name file:line.
	lib.XJS_SetStripInfo(vm.tls, vm.rt, lib.MJS_STRIP_SOURCE)
	for _, ext := range exts {
		for name, op := range ext.Ops {
			if _, dup := p.ops[name]; dup {
				return nil, fmt.Errorf("engine: op %q defined twice (extension %s)", name, ext.Name)
			}
			p.ops[name] = op
		}
		for _, s := range ext.Scripts {
			code, err := vm.Compile(s.Source, s.Name)
			if err != nil {
				return nil, fmt.Errorf("engine: compiling %s: %w", s.Name, err)
			}
			p.compiled = append(p.compiled, compiledScript{s.Name, code})
		}
	}
	return p, nil
}

// Ops returns the names of the prelude's ops.
func (p *Prelude) Ops() []string {
	names := make([]string, 0, len(p.ops))
	for n := range p.ops {
		names = append(names, n)
	}
	return names
}
