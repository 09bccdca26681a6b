package engine

import (
	"encoding/json"
	"fmt"

	lib "modernc.org/libquickjs"
)

// Prelude is the runtime's JavaScript (the Web APIs) compiled to bytecode
// once per process, plus the ops it calls. Every VM evaluates it at birth,
// which is much faster than parsing the sources again.
type Prelude struct {
	compiled []compiledScript
	lazy     map[string][]compiledScript // by extension name (see Extension.Lazy)
	ops      map[string]Op
}

// loadOp is the op with which bootstrap's verge.lazy loads an extension.
const loadOp = "load_extension"

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
		var scripts []compiledScript
		for _, s := range ext.Scripts {
			code, err := vm.Compile(s.Source, s.Name)
			if err != nil {
				return nil, fmt.Errorf("engine: compiling %s: %w", s.Name, err)
			}
			scripts = append(scripts, compiledScript{s.Name, code})
		}
		if len(ext.Lazy) == 0 {
			p.compiled = append(p.compiled, scripts...)
			continue
		}
		if p.lazy == nil {
			p.lazy = map[string][]compiledScript{}
			if _, dup := p.ops[loadOp]; dup {
				return nil, fmt.Errorf("engine: op %q is the engine's", loadOp)
			}
			p.ops[loadOp] = p.load
		}
		if _, dup := p.lazy[ext.Name]; dup {
			return nil, fmt.Errorf("engine: lazy extension %q defined twice", ext.Name)
		}
		p.lazy[ext.Name] = scripts
		// In its place in the load order: the accessors that load it.
		args, err := json.Marshal([]any{ext.Name, ext.Lazy})
		if err != nil {
			return nil, err
		}
		name := "ext:" + ext.Name + "/lazy.js"
		code, err := vm.Compile("globalThis.__verge.lazy(..."+string(args)+");", name)
		if err != nil {
			return nil, fmt.Errorf("engine: compiling %s: %w", name, err)
		}
		p.compiled = append(p.compiled, compiledScript{name, code})
	}
	return p, nil
}

// load is the op load_extension(name): it runs the scripts of a lazy
// extension in the calling VM (bootstrap's verge.lazy calls it once).
func (p *Prelude) load(c *Call) (Value, error) {
	name, err := c.String(0)
	if err != nil {
		return Value{}, err
	}
	scripts, ok := p.lazy[name]
	if !ok {
		return Value{}, fmt.Errorf("engine: no lazy extension %q", name)
	}
	for _, s := range scripts {
		v, err := c.VM.EvalBytecode(s.code)
		if err != nil {
			return Value{}, fmt.Errorf("engine: loading %s: %w", s.name, err)
		}
		v.Free()
	}
	return c.VM.Undefined(), nil
}

// Ops returns the names of the prelude's ops.
func (p *Prelude) Ops() []string {
	names := make([]string, 0, len(p.ops))
	for n := range p.ops {
		names = append(names, n)
	}
	return names
}
