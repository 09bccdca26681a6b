package waf

import (
	"errors"
	"fmt"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/ext"
)

// newEnv returns the CEL environment rules are checked and planned in.
func newEnv() (*cel.Env, error) {
	opts := append(variables(), ipInFunction(), ext.Strings())
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, fmt.Errorf("waf: CEL environment: %w", err)
	}
	return env, nil
}

// compile parses, type-checks and plans one rule's expression, and
// reports whether it reads the claims variable.
func compile(env *cel.Env, expr string) (prg cel.Program, claims bool, err error) {
	if strings.TrimSpace(expr) == "" {
		return nil, false, errors.New("expr is missing")
	}
	ast, iss := env.Compile(expr)
	if err := iss.Err(); err != nil {
		return nil, false, err
	}
	if t := ast.OutputType(); !t.IsExactType(cel.BoolType) {
		return nil, false, fmt.Errorf("must return bool, returns %s", t)
	}
	for _, ref := range ast.NativeRep().ReferenceMap() {
		if ref.Name == "claims" {
			claims = true
		}
	}
	prg, err = env.Program(ast,
		// OptOptimize folds constant lists and precompiles constant
		// regular expressions (a malformed one fails here, at load
		// time); ipInConstants does the same for ip_in's ranges.
		cel.EvalOptions(cel.OptOptimize),
		cel.CustomDecoratorV2(ipInConstants),
	)
	if err != nil {
		return nil, false, err
	}
	return prg, claims, nil
}
