// Package urlpattern implements the URLPattern web API.
//
// The specification is available at https://urlpattern.spec.whatwg.org/.
//
// This is a copy of github.com/dunglas/go-urlpattern v1.0.0 (BSD 3-Clause,
// see LICENSE) with Verge's changes, each marked "Verge:":
//   - match results keep groups in the order of the pattern and report groups
//     that did not participate as undefined, as the specification says
//     (including an optional group that RE2 matched to the empty string,
//     which JavaScript's regular expressions leave undefined);
//   - a special scheme's default port is dropped only when the protocol
//     pattern is that scheme as written, as the specification says;
//   - New, Exec and Test take the base URL as *string, since an empty base
//     URL is given (and invalid) rather than absent;
//   - Test and TestInit run the regular expressions without building a
//     result, and ParseURL lets the embedder parse their string input;
//   - canonicalized pathnames percent-encode "^", as the current URL
//     Standard does.
//
// Regular expressions are Go's (RE2): the "v" flag's set operations,
// lookaround and backreferences inside regexp groups are not supported
// (such patterns fail to compile), and matching is linear-time.
package urlpattern

import (
	"errors"
	"regexp"
	"strings"

	"github.com/nlnwa/whatwg-url/url"
)

var (
	ErrNoBaseURL             = errors.New("relative URL and no baseURL provided")
	ErrUnexpectedEmptyString = errors.New("unexpected empty string")
)

// Init-processing mode per https://urlpattern.spec.whatwg.org/#process-a-urlpatterninit.
const (
	initTypePattern = "pattern"
	initTypeURL     = "url"
)

// https://url.spec.whatwg.org/#special-scheme
var specialSchemeSet = map[string]struct{}{
	"ftp":   {},
	"http":  {},
	"https": {},
	"ws":    {},
	"wss":   {},
}

type URLPatternResult struct {
	Inputs     []string
	InitInputs []*URLPatternInit

	Protocol URLPatternComponentResult
	Username URLPatternComponentResult
	Password URLPatternComponentResult
	Hostname URLPatternComponentResult
	Port     URLPatternComponentResult
	Pathname URLPatternComponentResult
	Search   URLPatternComponentResult
	Hash     URLPatternComponentResult
}

type URLPatternComponentResult struct {
	Input  string
	Groups []Group
}

// Group is one named group of a component match (Verge).
type Group struct {
	Name  string
	Value string
	// Undefined is set when the group did not participate in the match.
	Undefined bool
}

// https://urlpattern.spec.whatwg.org/#url-pattern-struct
type URLPattern struct {
	protocol *component
	username *component
	password *component
	hostname *component
	port     *component
	pathname *component
	search   *component
	hash     *component
}

// https://urlpattern.spec.whatwg.org/#dom-urlpattern-protocol
func (u *URLPattern) Protocol() string {
	return u.protocol.patternString
}

// https://urlpattern.spec.whatwg.org/#dom-urlpattern-username
func (u *URLPattern) Username() string {
	return u.username.patternString
}

// https://urlpattern.spec.whatwg.org/#dom-urlpattern-password
func (u *URLPattern) Password() string {
	return u.password.patternString
}

// https://urlpattern.spec.whatwg.org/#dom-urlpattern-hostname
func (u *URLPattern) Hostname() string {
	return u.hostname.patternString
}

// https://urlpattern.spec.whatwg.org/#dom-urlpattern-port
func (u *URLPattern) Port() string {
	return u.port.patternString
}

// https://urlpattern.spec.whatwg.org/#dom-urlpattern-pathname
func (u *URLPattern) Pathname() string {
	return u.pathname.patternString
}

// https://urlpattern.spec.whatwg.org/#dom-urlpattern-search
func (u *URLPattern) Search() string {
	return u.search.patternString
}

// https://urlpattern.spec.whatwg.org/#dom-urlpattern-hash
func (u *URLPattern) Hash() string {
	return u.hash.patternString
}

// https://urlpattern.spec.whatwg.org/#component
type component struct {
	patternString     string
	regularExpression *regexp.Regexp
	groupNameList     []string
	hasRegexpGroups   bool
	emptyIsUndefined  []bool // Verge: per group, see compileComponent
}

// https://urlpattern.spec.whatwg.org/#protocol-component-matches-a-special-scheme
func (c *component) protocolComponentMatchesSpecialScheme() bool {
	for scheme := range specialSchemeSet {
		if c.regularExpression.MatchString(scheme) {
			return true
		}
	}

	return false
}

// https://urlpattern.spec.whatwg.org/#url-pattern-create
//
// Verge: baseURL is nil when no base URL was given (the empty string is a
// base URL, and an invalid one).
func New(input string, baseURL *string, options *Options) (*URLPattern, error) {
	init, err := parseConstructorString(input)
	if err != nil {
		return nil, err
	}

	if baseURL == nil && init.Protocol == nil {
		return nil, ErrNoBaseURL
	}

	if baseURL != nil {
		b := *baseURL
		init.BaseURL = &b
	}

	return init.New(options)
}

// https://urlpattern.spec.whatwg.org/#url-pattern-create
func (init *URLPatternInit) New(opt *Options) (*URLPattern, error) {
	if opt == nil {
		opt = &Options{}
	}

	processedInit, err := init.process(initTypePattern, nil, nil, nil, nil, nil, nil, nil, nil)
	if err != nil {
		return nil, err
	}

	star := "*"
	if processedInit.Protocol == nil {
		processedInit.Protocol = &star
	}
	if processedInit.Username == nil {
		processedInit.Username = &star
	}
	if processedInit.Password == nil {
		processedInit.Password = &star
	}
	if processedInit.Hostname == nil {
		processedInit.Hostname = &star
	}
	if processedInit.Port == nil {
		processedInit.Port = &star
	}
	if processedInit.Pathname == nil {
		processedInit.Pathname = &star
	}
	if processedInit.Search == nil {
		processedInit.Search = &star
	}
	if processedInit.Hash == nil {
		processedInit.Hash = &star
	}

	var emptyString string
	// Only clear the port when the protocol is a WHATWG special scheme; the
	// exported DefaultPorts map is user-extendable, so keying off it alone
	// would quietly apply the behaviour to arbitrary user-added protocols.
	//
	// Verge: the specification compares the protocol pattern as given
	// (upstream lowercased it first), as workerd and the reference polyfill
	// do: {protocol: "HTTPS", port: "443"} keeps its port.
	if _, isSpecial := specialSchemeSet[*processedInit.Protocol]; isSpecial {
		if dp, ok := DefaultPorts[*processedInit.Protocol]; ok && *processedInit.Port == dp {
			processedInit.Port = &emptyString
		}
	}

	defaultOptions := options{}

	urlPattern := &URLPattern{}
	urlPattern.protocol, err = compileComponent(*processedInit.Protocol, canonicalizeProtocol, defaultOptions)
	if err != nil {
		return nil, err
	}
	urlPattern.username, err = compileComponent(*processedInit.Username, canonicalizeUsername, defaultOptions)
	if err != nil {
		return nil, err
	}

	urlPattern.password, err = compileComponent(*processedInit.Password, canonicalizePassword, defaultOptions)
	if err != nil {
		return nil, err
	}

	// If the result running hostname pattern is an IPv6 address given processedInit["hostname"] is true, then set urlPattern’s hostname component to the result of compiling a component given processedInit["hostname"], canonicalize an IPv6 hostname, and hostname options.

	protocolMatchesSpecialScheme := urlPattern.protocol.protocolComponentMatchesSpecialScheme()

	hostnameOptions := options{delimiterCodePoint: '.'}
	switch {
	case hostnamePatternIsIPv6Address(*processedInit.Hostname):
		urlPattern.hostname, err = compileComponent(*processedInit.Hostname, canonicalizeIPv6Hostname, hostnameOptions)
	case protocolMatchesSpecialScheme || *processedInit.Protocol == "*":
		urlPattern.hostname, err = compileComponent(*processedInit.Hostname, canonicalizeDomainName, hostnameOptions)
	default:
		urlPattern.hostname, err = compileComponent(*processedInit.Hostname, func(s string) (string, error) { return canonicalizeHostname(s, "") }, hostnameOptions)
	}
	if err != nil {
		return nil, err
	}

	urlPattern.port, err = compileComponent(*processedInit.Port, func(s string) (string, error) { return canonicalizePort(s, "") }, defaultOptions)
	if err != nil {
		return nil, err
	}

	compileOptions := defaultOptions
	compileOptions.ignoreCase = opt.IgnoreCase

	pathnameOptions := options{'/', '/', false}

	if protocolMatchesSpecialScheme {
		pathCompileOptions := pathnameOptions
		pathCompileOptions.ignoreCase = opt.IgnoreCase

		urlPattern.pathname, err = compileComponent(*processedInit.Pathname, canonicalizePathname, pathCompileOptions)
		if err != nil {
			return nil, err
		}
	} else {
		urlPattern.pathname, err = compileComponent(*processedInit.Pathname, canonicalizeOpaquePathname, compileOptions)
		if err != nil {
			return nil, err
		}
	}

	urlPattern.search, err = compileComponent(*processedInit.Search, canonicalizeSearch, compileOptions)
	if err != nil {
		return nil, err
	}

	urlPattern.hash, err = compileComponent(*processedInit.Hash, canonicalizeHash, compileOptions)
	if err != nil {
		return nil, err
	}

	return urlPattern, nil
}

// https://urlpattern.spec.whatwg.org/#dom-urlpattern-exec
func (u *URLPattern) ExecInit(input *URLPatternInit) *URLPatternResult {
	c, ok := processInit(input)
	if !ok {
		return nil
	}

	r := u.match(c)
	if r != nil {
		r.InitInputs = []*URLPatternInit{input}
	}

	return r
}

// processInit applies an init dictionary for test() and exec(): the eight
// component values, or false when processing fails.
func processInit(input *URLPatternInit) ([8]string, bool) {
	var protocol, username, password, hostname, port, pathname, search, hash string
	r, err := input.process(initTypeURL, &protocol, &username, &password, &hostname, &port, &pathname, &search, &hash)
	if err != nil {
		return [8]string{}, false
	}
	return [8]string{*r.Protocol, *r.Username, *r.Password, *r.Hostname, *r.Port, *r.Pathname, *r.Search, *r.Hash}, true
}

// https://urlpattern.spec.whatwg.org/#dom-urlpattern-exec
//
// Verge: baseURLString is nil when no base URL was given.
func (u *URLPattern) Exec(input string, baseURLString *string) *URLPatternResult {
	c, ok := ParseURL(input, baseURLString)
	if !ok {
		return nil
	}

	r := u.match(c)
	if r != nil {
		r.Inputs = []string{input}
		if baseURLString != nil {
			r.Inputs = append(r.Inputs, *baseURLString)
		}
	}

	return r
}

// ParseURL parses the string input of test() and exec() against an
// optional base URL into the eight component values (protocol without ":",
// search without "?", hash without "#"). Verge: a variable, so that the
// embedder can use its own conforming, faster URL parser.
var ParseURL = parseInputURL

func parseInputURL(input string, baseURLString *string) ([8]string, bool) {
	var baseURL *url.Url
	if baseURLString != nil {
		b, err := urlParser.Parse(*baseURLString)
		if err != nil {
			return [8]string{}, false
		}
		baseURL = b
	}

	ur, err := urlParser.BasicParser(input, baseURL, nil, url.NoState)
	if err != nil {
		return [8]string{}, false
	}

	return [8]string{
		ur.Scheme(), ur.Username(), ur.Password(), ur.Hostname(),
		ur.Port(), ur.Pathname(), ur.Query(), ur.Fragment(),
	}, true
}

// https://urlpattern.spec.whatwg.org/#url-pattern-match
func (u *URLPattern) match(values [8]string) *URLPatternResult {
	comps := u.components()
	var idx [8][]int
	for i, c := range comps {
		idx[i] = c.regularExpression.FindStringSubmatchIndex(values[i])
		if idx[i] == nil {
			return nil
		}
	}

	result := &URLPatternResult{}
	out := [8]*URLPatternComponentResult{
		&result.Protocol, &result.Username, &result.Password, &result.Hostname,
		&result.Port, &result.Pathname, &result.Search, &result.Hash,
	}
	for i, c := range comps {
		*out[i] = createComponentMatchResult(c, values[i], idx[i])
	}

	return result
}

// matches reports whether the eight component values match, without
// building a result.
func (u *URLPattern) matches(values [8]string) bool {
	for i, c := range u.components() {
		if !c.regularExpression.MatchString(values[i]) {
			return false
		}
	}
	return true
}

func (u *URLPattern) components() [8]*component {
	return [8]*component{u.protocol, u.username, u.password, u.hostname, u.port, u.pathname, u.search, u.hash}
}

// https://urlpattern.spec.whatwg.org/#dom-urlpattern-test
func (u *URLPattern) Test(input string, baseURL *string) bool {
	c, ok := ParseURL(input, baseURL)
	return ok && u.matches(c)
}

// https://urlpattern.spec.whatwg.org/#dom-urlpattern-test
func (u *URLPattern) TestInit(input *URLPatternInit) bool {
	c, ok := processInit(input)
	return ok && u.matches(c)
}

// https://urlpattern.spec.whatwg.org/#url-pattern-has-regexp-groups
func (u *URLPattern) HasRegexpGroups() bool {
	return u.protocol.hasRegexpGroups ||
		u.username.hasRegexpGroups ||
		u.password.hasRegexpGroups ||
		u.hostname.hasRegexpGroups ||
		u.port.hasRegexpGroups ||
		u.pathname.hasRegexpGroups ||
		u.search.hasRegexpGroups ||
		u.hash.hasRegexpGroups
}

// https://urlpattern.spec.whatwg.org/#create-a-component-match-result
//
// Verge: groups keep the order of the group name list, and a group that did
// not participate in the match is Undefined (upstream reported both as "",
// and dropped the groups of a wildcard that matched the empty string).
func createComponentMatchResult(component *component, input string, loc []int) URLPatternComponentResult {
	result := URLPatternComponentResult{Input: input}
	if len(component.groupNameList) == 0 {
		return result
	}

	result.Groups = make([]Group, len(component.groupNameList))
	for i, name := range component.groupNameList {
		g := Group{Name: name, Undefined: true}
		if 2*i+3 < len(loc) && loc[2*i+2] >= 0 && !(loc[2*i+2] == loc[2*i+3] && component.emptyIsUndefined[i]) {
			g.Value = input[loc[2*i+2]:loc[2*i+3]]
			g.Undefined = false
		}
		result.Groups[i] = g
	}

	return result
}

type Options struct {
	IgnoreCase bool
}

// https://urlpattern.spec.whatwg.org/#dictdef-urlpatterninit
type URLPatternInit struct {
	Protocol *string
	Username *string
	Password *string
	Hostname *string
	Port     *string
	Pathname *string
	Search   *string
	Hash     *string

	BaseURL *string
}

// https://urlpattern.spec.whatwg.org/#process-a-urlpatterninit
func (init *URLPatternInit) process(iType string, protocol, username, password, hostname, port, pathname, search, hash *string) (*URLPatternInit, error) {
	result := &URLPatternInit{protocol, username, password, hostname, port, pathname, search, hash, nil}

	var (
		baseURL *url.Url
		err     error
	)
	if init.BaseURL != nil {
		baseURL, err = url.Parse(*init.BaseURL)
		if err != nil {
			return nil, err
		}

		if init.Protocol == nil {
			p := processBaseURLString(baseURL.Scheme(), iType)
			result.Protocol = &p
		}

		// TODO: the end of this block can be simplified, but let's be as close as possible from the standard algorithm for now

		if iType != initTypePattern && init.Protocol == nil && init.Hostname == nil && init.Port == nil && init.Username == nil {
			u := processBaseURLString(baseURL.Username(), iType)
			result.Username = &u
		}

		if iType != initTypePattern && init.Protocol == nil && init.Hostname == nil && init.Port == nil && init.Username == nil && init.Password == nil {
			password := baseURL.Password()
			p := processBaseURLString(password, iType)
			result.Password = &p
		}

		if init.Protocol == nil && init.Hostname == nil {
			baseHost := baseURL.Hostname()
			h := processBaseURLString(baseHost, iType)
			result.Hostname = &h
		}

		if init.Protocol == nil && init.Hostname == nil && init.Port == nil {
			p := baseURL.Port()
			result.Port = &p
		}

		if init.Protocol == nil && init.Hostname == nil && init.Port == nil && init.Pathname == nil {
			p := processBaseURLString(baseURL.Pathname(), iType)
			result.Pathname = &p
		}

		if init.Protocol == nil && init.Hostname == nil && init.Port == nil && init.Pathname == nil && init.Search == nil {
			s := processBaseURLString(baseURL.Query(), iType)
			result.Search = &s
		}

		if init.Protocol == nil && init.Hostname == nil && init.Port == nil && init.Pathname == nil && init.Search == nil && init.Hash == nil {
			h := processBaseURLString(baseURL.Fragment(), iType)
			result.Hash = &h
		}
	}

	if init.Protocol != nil {
		p, err := processProtocolForInit(*init.Protocol, iType)
		if err != nil {
			return nil, err
		}

		result.Protocol = &p
	}

	if init.Username != nil {
		u, err := processUsernameForInit(*init.Username, iType)
		if err != nil {
			return nil, err
		}

		result.Username = &u
	}

	if init.Password != nil {
		p, err := processPasswordForInit(*init.Password, iType)
		if err != nil {
			return nil, err
		}

		result.Password = &p
	}

	var proto string
	if result.Protocol == nil {
		proto = ""
	} else {
		proto = *result.Protocol
	}

	if init.Hostname != nil {
		h, err := processHostnameForInit(*init.Hostname, proto, iType)
		if err != nil {
			return nil, err
		}

		result.Hostname = &h
	}

	if init.Port != nil {
		p, err := processPortForInit(*init.Port, proto, iType)
		if err != nil {
			return nil, err
		}

		result.Port = &p
	}

	if init.Pathname != nil {
		result.Pathname = init.Pathname

		// TODO: according to the spec, we should check that he path is opaque, but it's illogical and breaks the tests
		if baseURL != nil && !baseURL.OpaquePath() && !isAbsolutePathname(*result.Pathname, iType) {
			baseURLPath := processBaseURLString(baseURL.Pathname(), iType)

			slashIndex := strings.LastIndex(baseURLPath, "/")
			if slashIndex != -1 {
				newPathname := baseURLPath[0:slashIndex+1] + *result.Pathname
				result.Pathname = &newPathname
			}
		}

		p, err := processPathnameForInit(*result.Pathname, proto, iType)
		if err != nil {
			return nil, err
		}

		result.Pathname = &p
	}

	if init.Search != nil {
		s, err := processSearchForInit(*init.Search, iType)
		if err != nil {
			return nil, err
		}

		result.Search = &s
	}

	if init.Hash != nil {
		h, err := processHashForInit(*init.Hash, iType)
		if err != nil {
			return nil, err
		}

		result.Hash = &h
	}

	return result, nil
}

// https://urlpattern.spec.whatwg.org/#process-a-base-url-string
func processBaseURLString(input, uType string) string {
	if uType != initTypePattern {
		return input
	}

	return escapePatternString(input)
}

// https://urlpattern.spec.whatwg.org/#process-protocol-for-init
func processProtocolForInit(value, pType string) (string, error) {
	strippedValue := strings.TrimSuffix(value, ":")

	if pType == initTypePattern {
		return strippedValue, nil
	}

	return canonicalizeProtocol(strippedValue)
}

// https://urlpattern.spec.whatwg.org/#process-username-for-init
func processUsernameForInit(value, uType string) (string, error) {
	if uType == initTypePattern {
		return value, nil
	}

	return canonicalizeUsername(value)
}

// https://urlpattern.spec.whatwg.org/#process-password-for-init
func processPasswordForInit(value, uType string) (string, error) {
	if uType == initTypePattern {
		return value, nil
	}

	return canonicalizePassword(value)
}

// https://urlpattern.spec.whatwg.org/#process-hostname-for-init
func processHostnameForInit(value, protocolValue, uType string) (string, error) {
	if uType == initTypePattern {
		return value, nil
	}

	if protocolValue == "" {
		return canonicalizeDomainName(value)
	}

	if _, ok := specialSchemeSet[protocolValue]; ok {
		return canonicalizeDomainName(value)
	}

	return canonicalizeHostname(value, protocolValue)
}

// https://urlpattern.spec.whatwg.org/#process-port-for-init
func processPortForInit(portValue, protocolValue, pType string) (string, error) {
	if pType == initTypePattern {
		return portValue, nil
	}

	return canonicalizePort(portValue, protocolValue)
}

// https://urlpattern.spec.whatwg.org/#process-pathname-for-init
func processPathnameForInit(pathnameValue, protocolValue, ptype string) (string, error) {
	if ptype == initTypePattern {
		return pathnameValue, nil
	}

	if protocolValue == "" {
		return canonicalizePathname(pathnameValue)
	}

	if _, ok := specialSchemeSet[protocolValue]; ok {
		return canonicalizePathname(pathnameValue)
	}

	return canonicalizeOpaquePathname(pathnameValue)
}

// https://urlpattern.spec.whatwg.org/#process-search-for-init
func processSearchForInit(value, sType string) (string, error) {
	strippedValue := strings.TrimPrefix(value, "?")

	if sType == initTypePattern {
		return strippedValue, nil
	}

	return canonicalizeSearch(strippedValue)
}

// https://urlpattern.spec.whatwg.org/#process-hash-for-init
func processHashForInit(value, hType string) (string, error) {
	strippedValue := strings.TrimPrefix(value, "#")

	if hType == initTypePattern {
		return strippedValue, nil
	}

	return canonicalizeHash(strippedValue)
}

// https://urlpattern.spec.whatwg.org/#is-an-absolute-pathname
func isAbsolutePathname(input, pType string) bool {
	if input == "" {
		return false
	}

	if input[0] == '/' {
		return true
	}

	if pType == initTypeURL {
		return false
	}

	return strings.HasPrefix(input, "\\/") || strings.HasPrefix(input, "{/")
}

// https://urlpattern.spec.whatwg.org/#hostname-pattern-is-an-ipv6-address
func hostnamePatternIsIPv6Address(input string) bool {
	if len(input) < 2 {
		return false
	}

	i := []rune(input)

	if i[0] == '[' {
		return true
	}
	if i[0] == '{' && i[1] == '[' {
		return true
	}
	if i[0] == '\\' && i[1] == '[' {
		return true
	}

	return false
}
