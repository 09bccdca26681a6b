package waf

import (
	"net"
	"net/http"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"

	"github.com/verge-edge/verge/edgeinfo"
)

// variable is the index of a rule variable in activation.vals.
type variable int

const (
	varMethod variable = iota
	varPath
	varQuery
	varURL
	varHost
	varHeaders
	varCookies
	varUserAgent
	varIP
	varCountry
	varContinent
	varCity
	varRegion
	varRegionCode
	varASN
	varClaims
	numVars
)

// variables declares the rule variables to CEL. lookupVariable and
// activation.resolve must agree with it.
func variables() []cel.EnvOption {
	str, strMapT := cel.StringType, cel.MapType(cel.StringType, cel.StringType)
	return []cel.EnvOption{
		cel.Variable("method", str),
		cel.Variable("path", str),
		cel.Variable("query", strMapT),
		cel.Variable("url", str),
		cel.Variable("host", str),
		cel.Variable("headers", strMapT),
		cel.Variable("cookies", strMapT),
		cel.Variable("user_agent", str),
		cel.Variable("ip", str),
		cel.Variable("country", str),
		cel.Variable("continent", str),
		cel.Variable("city", str),
		cel.Variable("region", str),
		cel.Variable("region_code", str),
		cel.Variable("asn", cel.IntType),
		cel.Variable("claims", cel.MapType(cel.StringType, cel.DynType)),
	}
}

func lookupVariable(name string) (variable, bool) {
	switch name {
	case "method":
		return varMethod, true
	case "path":
		return varPath, true
	case "query":
		return varQuery, true
	case "url":
		return varURL, true
	case "host":
		return varHost, true
	case "headers":
		return varHeaders, true
	case "cookies":
		return varCookies, true
	case "user_agent":
		return varUserAgent, true
	case "ip":
		return varIP, true
	case "country":
		return varCountry, true
	case "continent":
		return varContinent, true
	case "city":
		return varCity, true
	case "region":
		return varRegion, true
	case "region_code":
		return varRegionCode, true
	case "asn":
		return varASN, true
	case "claims":
		return varClaims, true
	}
	return 0, false
}

// activation supplies the rule variables for one request. A variable is
// computed the first time a rule reads it and kept for the rules after,
// so a request pays only for what its rules read; headers, query and
// cookies are views that look a key up only when a rule asks for it. It
// belongs to one request and is not safe for concurrent use.
type activation struct {
	r    *http.Request
	info *edgeinfo.Info // never nil
	vals [numVars]ref.Val
	// ownHeader is set once r is a copy with a header of our own.
	ownHeader bool
}

var _ interpreter.Activation = (*activation)(nil)

func newActivation(r *http.Request) *activation {
	info := edgeinfo.From(r.Context())
	if info == nil {
		// No front placed the client (a unit test, say): every client
		// field is unknown.
		info = &edgeinfo.Info{}
	}
	return &activation{r: r, info: info}
}

// ResolveName implements interpreter.Activation.
func (a *activation) ResolveName(name string) (any, bool) {
	v, ok := lookupVariable(name)
	if !ok {
		return nil, false
	}
	if a.vals[v] == nil {
		a.vals[v] = a.resolve(v)
	}
	return a.vals[v], true
}

// Parent implements interpreter.Activation.
func (a *activation) Parent() interpreter.Activation { return nil }

func (a *activation) resolve(v variable) ref.Val {
	r, loc := a.r, &a.info.Location
	switch v {
	case varMethod:
		return types.String(r.Method)
	case varPath:
		return types.String(r.URL.Path)
	case varQuery:
		return strMap{querySource(r.URL.RawQuery)}
	case varURL:
		return types.String(requestURL(r))
	case varHost:
		return types.String(hostname(r.Host))
	case varHeaders:
		return strMap{headerSource{h: r.Header, host: r.Host}}
	case varCookies:
		return strMap{cookieSource(r.Header["Cookie"])}
	case varUserAgent:
		return types.String(r.UserAgent())
	case varIP:
		if !a.info.ClientIP.IsValid() {
			return types.String("")
		}
		return types.String(a.info.ClientIP.Unmap().String())
	case varCountry:
		return types.String(loc.Country)
	case varContinent:
		return types.String(loc.Continent)
	case varCity:
		return types.String(loc.City)
	case varRegion:
		return types.String(loc.Region)
	case varRegionCode:
		return types.String(loc.RegionCode)
	case varASN:
		return types.Int(loc.ASN)
	case varClaims:
		claims := a.info.Claims
		if claims == nil {
			claims = map[string]any{}
		}
		return types.NewStringInterfaceMap(types.DefaultTypeAdapter, claims)
	}
	// Unreachable while variables and resolve agree; an error rather
	// than a panic so that a slip costs one rule, not the request.
	return types.NewErr("waf: variable %d has no value", v)
}

// setHeader sets a request header for the rules after this one and the
// stages after the WAF. The header is copied first, once: net/http asks
// handlers not to change the request they were given, and the stages in
// front of the WAF must not see the change.
func (a *activation) setHeader(name, value string) {
	if !a.ownHeader {
		r2 := new(http.Request)
		*r2 = *a.r
		r2.Header = a.r.Header.Clone()
		if r2.Header == nil {
			r2.Header = make(http.Header)
		}
		a.r, a.ownHeader = r2, true
	}
	a.r.Header[name] = []string{value}
	// Forget what was read from the old header (headers, cookies,
	// user_agent); the rest is recomputed cheaply if it is read again.
	a.vals = [numVars]ref.Val{}
}

// requestURL is the URL the client asked for, still percent-encoded.
func requestURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}

// hostname is host without its port or an IPv6 address's brackets, in
// lower case.
func hostname(host string) string {
	if strings.IndexByte(host, ':') >= 0 {
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		} else {
			host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		}
	}
	return strings.ToLower(host)
}
