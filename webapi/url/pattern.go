package url

import (
	"math"

	"github.com/verge-edge/verge/engine"
	"github.com/verge-edge/verge/webapi/url/internal/urlpattern"
)

func init() {
	// test() and exec() parse their string input as URL does.
	urlpattern.ParseURL = func(input string, base *string) ([8]string, bool) {
		href, ok := parse(input, base)
		if !ok {
			return [8]string{}, false
		}
		return components(href), true
	}
}

// pattern is a compiled URLPattern in the VM's resource table.
type pattern struct{ p *urlpattern.URLPattern }

// Input kinds of urlpattern_new and urlpattern_exec.
const (
	inputString = 0 // (string, baseURL?)
	inputInit   = 1 // (protocol?, username?, password?, hostname?, port?, pathname?, search?, hash?, baseURL?)
)

// initArgs reads a URLPatternInit from nine consecutive arguments, each a
// string or undefined.
func initArgs(c *engine.Call, op string, from int) (*urlpattern.URLPatternInit, error) {
	var f [9]*string
	for i := range f {
		s, err := optStringArg(c, op, from+i)
		if err != nil {
			return nil, err
		}
		f[i] = s
	}
	return &urlpattern.URLPatternInit{
		Protocol: f[0], Username: f[1], Password: f[2], Hostname: f[3], Port: f[4],
		Pathname: f[5], Search: f[6], Hash: f[7], BaseURL: f[8],
	}, nil
}

// opPatternNew: (inputString, ignoreCase, pattern, baseURL?) or
// (inputInit, ignoreCase, ...nine init members) -> [id, protocol, username,
// password, hostname, port, pathname, search, hash, hasRegExpGroups].
// An invalid pattern is a TypeError.
func opPatternNew(c *engine.Call) (engine.Value, error) {
	const op = "urlpattern_new"
	kind, err := intArg(c, op, 0, inputString, inputInit)
	if err != nil {
		return engine.Value{}, err
	}
	opts := &urlpattern.Options{IgnoreCase: c.Bool(1)}
	var p *urlpattern.URLPattern
	if kind == inputString {
		input, err := stringArg(c, op, 2)
		if err != nil {
			return engine.Value{}, err
		}
		base, err := optStringArg(c, op, 3)
		if err != nil {
			return engine.Value{}, err
		}
		p, err = urlpattern.New(input, base, opts)
		if err != nil {
			return engine.Value{}, engine.TypeError("Invalid URLPattern: %v", err)
		}
	} else {
		init, err := initArgs(c, op, 2)
		if err != nil {
			return engine.Value{}, err
		}
		p, err = init.New(opts)
		if err != nil {
			return engine.Value{}, engine.TypeError("Invalid URLPattern: %v", err)
		}
	}
	vm := c.VM
	id := vm.AddResource(&pattern{p})
	return vm.NewArray(
		vm.NewInt(int64(id)),
		vm.NewString(p.Protocol()), vm.NewString(p.Username()), vm.NewString(p.Password()),
		vm.NewString(p.Hostname()), vm.NewString(p.Port()), vm.NewString(p.Pathname()),
		vm.NewString(p.Search()), vm.NewString(p.Hash()),
		vm.NewBool(p.HasRegexpGroups()),
	)
}

// patternArg returns the compiled pattern whose resource id is argument i.
func patternArg(c *engine.Call, op string, i int) (*urlpattern.URLPattern, error) {
	id, err := intArg(c, op, i, 1, math.MaxInt32)
	if err != nil {
		return nil, err
	}
	r, ok := c.VM.Resource(int(id))
	p, isPattern := r.(*pattern)
	if !ok || !isPattern {
		return nil, engine.TypeError("%s: no URLPattern %d", op, id)
	}
	return p.p, nil
}

// opPatternExec: (id, exec, inputString, input, baseURL?) or (id, exec,
// inputInit, ...nine init members). With exec false it returns whether the
// input matches; with exec true null or, for each of the eight components
// in order, its input, its number of groups and each group's name and value
// (undefined for a group that did not participate), all in one flat array.
func opPatternExec(c *engine.Call) (engine.Value, error) {
	const op = "urlpattern_exec"
	p, err := patternArg(c, op, 0)
	if err != nil {
		return engine.Value{}, err
	}
	exec := c.Bool(1)
	kind, err := intArg(c, op, 2, inputString, inputInit)
	if err != nil {
		return engine.Value{}, err
	}
	var r *urlpattern.URLPatternResult
	if kind == inputString {
		input, err := stringArg(c, op, 3)
		if err != nil {
			return engine.Value{}, err
		}
		base, err := optStringArg(c, op, 4)
		if err != nil {
			return engine.Value{}, err
		}
		if !exec {
			return c.VM.NewBool(p.Test(input, base)), nil
		}
		r = p.Exec(input, base)
	} else {
		init, err := initArgs(c, op, 3)
		if err != nil {
			return engine.Value{}, err
		}
		if !exec {
			return c.VM.NewBool(p.TestInit(init)), nil
		}
		r = p.ExecInit(init)
	}
	if r == nil {
		return c.VM.Null(), nil
	}
	return resultValue(c.VM, r)
}

// resultValue flattens a match result for opPatternExec.
func resultValue(vm *engine.VM, r *urlpattern.URLPatternResult) (engine.Value, error) {
	comps := [8]*urlpattern.URLPatternComponentResult{
		&r.Protocol, &r.Username, &r.Password, &r.Hostname, &r.Port, &r.Pathname, &r.Search, &r.Hash,
	}
	n := 0
	for _, cr := range comps {
		n += 2 + 2*len(cr.Groups)
	}
	items := make([]engine.Value, 0, n)
	for _, cr := range comps {
		items = append(items, vm.NewString(cr.Input), vm.NewInt(int64(len(cr.Groups))))
		for _, g := range cr.Groups {
			v := vm.Undefined()
			if !g.Undefined {
				v = vm.NewString(g.Value)
			}
			items = append(items, vm.NewString(g.Name), v)
		}
	}
	return vm.NewArray(items...)
}

// opPatternFree: (id) releases a compiled pattern (from a
// FinalizationRegistry once its URLPattern is garbage).
func opPatternFree(c *engine.Call) (engine.Value, error) {
	if _, err := patternArg(c, "urlpattern_free", 0); err != nil {
		return engine.Value{}, err
	}
	id, _ := c.Int(0)
	c.VM.CloseResource(int(id))
	return c.VM.Undefined(), nil
}
