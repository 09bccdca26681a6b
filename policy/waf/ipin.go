package waf

import (
	"fmt"
	"net/netip"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"cel.dev/cel-go/interpreter"
)

const ipInName = "ip_in"

// ipInFunction declares ip_in(string, string) and
// ip_in(string, list(string)). These bindings serve calls whose ranges
// are only known during evaluation; ipInConstants replaces the others.
func ipInFunction() cel.EnvOption {
	return cel.Function(ipInName,
		cel.Overload("ip_in_string_string", []*cel.Type{cel.StringType, cel.StringType}, cel.BoolType,
			cel.BinaryBinding(ipInDynamic)),
		cel.Overload("ip_in_string_list_string", []*cel.Type{cel.StringType, cel.ListType(cel.StringType)}, cel.BoolType,
			cel.BinaryBinding(ipInDynamic)),
	)
}

func ipInDynamic(ip, ranges ref.Val) ref.Val {
	prefixes, err := parseRanges(ranges)
	if err != nil {
		return types.WrapErr(err)
	}
	return ipIn(ip, prefixes)
}

// ipIn is the result of ip_in for an evaluated first argument.
func ipIn(ip ref.Val, prefixes []netip.Prefix) ref.Val {
	s, ok := ip.(types.String)
	if !ok {
		return types.MaybeNoSuchOverloadErr(ip)
	}
	addr, err := netip.ParseAddr(string(s))
	if err != nil {
		// Not an address: in no range. The empty ip of a request no
		// front placed must not make every rule that asks fail.
		return types.False
	}
	addr = addr.Unmap().WithZone("")
	for _, p := range prefixes {
		if p.Contains(addr) {
			return types.True
		}
	}
	return types.False
}

// parseRanges reads ip_in's second argument, a string or a list of
// strings.
func parseRanges(v ref.Val) ([]netip.Prefix, error) {
	switch v := v.(type) {
	case types.String:
		p, err := parseRange(string(v))
		if err != nil {
			return nil, err
		}
		return []netip.Prefix{p}, nil
	case traits.Lister:
		n, _ := v.Size().(types.Int)
		prefixes := make([]netip.Prefix, 0, n)
		for it := v.Iterator(); it.HasNext() == types.True; {
			s, ok := it.Next().(types.String)
			if !ok {
				return nil, fmt.Errorf("%s: ranges must be strings", ipInName)
			}
			p, err := parseRange(string(s))
			if err != nil {
				return nil, err
			}
			prefixes = append(prefixes, p)
		}
		return prefixes, nil
	}
	return nil, fmt.Errorf("%s: want a range or a list of ranges, got %s", ipInName, v.Type().TypeName())
}

// parseRange parses a CIDR range, or a single address as the range of
// just that address.
func parseRange(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%s: %q is not a CIDR range: %w", ipInName, s, err)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%s: %q is neither a CIDR range nor an address: %w", ipInName, s, err)
	}
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// ipInConstants is a program decorator that replaces each ip_in call
// whose ranges are constants (a string, or a list literal of strings,
// which CEL's optimizer has folded into one constant by the time the call
// is planned) with one holding the parsed ranges: they are parsed once,
// at load time, where a malformed range is an error in the configuration
// rather than in every request.
func ipInConstants(i interpreter.InterpretableV2) (interpreter.InterpretableV2, error) {
	call, ok := i.(interpreter.InterpretableCall)
	if !ok || call.Function() != ipInName || len(call.Args()) != 2 {
		return i, nil
	}
	ranges, ok := call.Args()[1].(interpreter.InterpretableConst)
	if !ok {
		return i, nil
	}
	prefixes, err := parseRanges(ranges.Value())
	if err != nil {
		return nil, err
	}
	return &ipInConst{InterpretableCall: call, ip: call.Args()[0], prefixes: prefixes}, nil
}

// ipInConst is an ip_in call with constant ranges. It keeps the call it
// replaces for ID, Function, OverloadID and Args.
type ipInConst struct {
	interpreter.InterpretableCall
	ip       interpreter.InterpretableV2
	prefixes []netip.Prefix
}

func (c *ipInConst) Eval(a interpreter.Activation) ref.Val {
	return c.result(c.ip.Eval(a))
}

func (c *ipInConst) Exec(f *interpreter.ExecutionFrame) ref.Val {
	return c.result(c.ip.Exec(f))
}

func (c *ipInConst) result(ip ref.Val) ref.Val {
	if types.IsUnknownOrError(ip) {
		return ip
	}
	return ipIn(ip, c.prefixes)
}
