package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/BurntSushi/toml"
)

// parser checks a decoded verge.toml against its schema, collecting every
// problem rather than stopping at the first.
type parser struct {
	src  string
	dir  string // absolute
	file string // for messages
	errs []*Error
}

func newParser(data []byte, dir, file string) *parser {
	return &parser{src: string(data), dir: dir, file: file}
}

// parse returns the Config, or nil after a TOML syntax error. Schema
// problems are in p.errs.
func (p *parser) parse() *Config {
	var doc map[string]any
	if _, err := toml.Decode(p.src, &doc); err != nil {
		e := &Error{Msg: err.Error(), Err: err}
		var pe toml.ParseError
		if errors.As(err, &pe) {
			e.Line, e.Key, e.Msg = pe.Position.Line, pe.LastKey, pe.Message
		}
		e.Msg = "invalid TOML: " + e.Msg
		p.errs = append(p.errs, e)
		return nil
	}
	c := &Config{Dir: p.dir, Vars: map[string]string{}, JSONVars: map[string]bool{},
		Dev: Dev{Port: DefaultDevPort, Host: DefaultDevHost}}
	for _, k := range sortedKeys(doc) {
		v := doc[k]
		switch k {
		case "name":
			if s, ok := p.str(k, v); ok {
				if !validName(s) {
					p.errorf(k, "must be 1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit, got %q", s)
				}
				c.Name = s
			}
		case "main":
			if s, ok := p.str(k, v); ok {
				switch {
				case strings.TrimSpace(s) == "":
					p.errorf(k, "must name the worker's entry file, e.g. main = \"src/index.ts\"")
				case strings.ContainsRune(s, 0):
					p.errorf(k, "must be a file path, got %q", s)
				default:
					c.Main = p.path(s)
				}
			}
		case "build":
			if s, ok := p.str(k, v); ok {
				if strings.TrimSpace(s) == "" || strings.ContainsRune(s, 0) {
					p.errorf(k, "must be a shell command that writes main, e.g. build = \"GOOS=wasip1 GOARCH=wasm go build -o app.wasm ./\"")
				}
				c.Build = s
			}
		case "compatibility_date":
			c.CompatibilityDate = p.date(k, v)
		case "compatibility_flags":
			c.CompatibilityFlags = p.strings(k, v)
		case "route":
			if _, both := doc["routes"]; both {
				p.errorf(k, "set either route or routes, not both")
			}
			if r, ok := p.route(k, v); ok {
				c.Routes = append([]Route{r}, c.Routes...)
			}
		case "routes":
			c.Routes = append(c.Routes, p.routes(k, v)...)
		case "vars":
			p.vars(c, v)
		case "kv_namespaces":
			c.KVNamespaces = p.kvNamespaces(k, v)
		case "ratelimits":
			c.RateLimits = p.rateLimits(k, v, c.KVNamespaces) // sorted keys: kv_namespaces came first
		case "limits":
			c.Limits = p.limits(k, v)
		case "origin":
			if s, ok := p.str(k, v); ok {
				p.origin(k, s)
				c.Origin = s
			}
		case "fetch_allow":
			for i, h := range p.strings(k, v) {
				hh := strings.TrimPrefix(h, "*.")
				if msg := checkHost(hh); msg != "" || strings.Contains(hh, "*") {
					p.errorf(indexKey(k, i), "must be a host name or \"*.\" and a domain, got %q", h)
					continue
				}
				c.FetchAllow = append(c.FetchAllow, strings.ToLower(h))
			}
		case "dev":
			p.dev(c, v)
		case "geo":
			c.Geo = p.geo(k, v)
		case "flags":
			c.FlagsBinding = p.flags(k, v)
		default:
			p.unknownKey("", k)
		}
	}
	if _, ok := doc["main"]; !ok {
		hint := `the worker's entry file, e.g. main = "src/index.ts"`
		for _, t := range sortedKeys(doc) {
			if m, ok := doc[t].(map[string]any); ok {
				if _, ok := m["main"]; ok {
					hint = fmt.Sprintf("there is a main under [%s]: keys after a [table] header belong to that table, so move it above the first [table]", t)
					break
				}
			}
		}
		p.errs = append(p.errs, &Error{Key: "main", Msg: "required (" + hint + ")"})
	}
	if c.Name == "" {
		c.Name = nameFromDir(p.dir)
	}
	if c.Build != "" && c.Main != "" && !strings.HasSuffix(c.Main, ".wasm") {
		p.errorf("build", "only builds a WebAssembly main (main = \"app.wasm\"); verge bundles JavaScript and TypeScript itself")
	}
	for _, kv := range c.KVNamespaces {
		if _, ok := c.Vars[kv.Binding]; ok {
			p.errorf("vars."+kv.Binding, "%q is also a KV namespace binding; vars and bindings share env", kv.Binding)
		}
	}
	for _, rl := range c.RateLimits {
		if _, ok := c.Vars[rl.Binding]; ok {
			p.errorf("vars."+rl.Binding, "%q is also a rate limiter binding; vars and bindings share env", rl.Binding)
		}
	}
	if _, ok := c.Vars[c.FlagsBinding]; ok && c.FlagsBinding != "" {
		p.errorf("vars."+c.FlagsBinding, "%q is also the flags binding; vars and bindings share env", c.FlagsBinding)
	}
	return c
}

// flags reads [flags]: the binding that exposes the edge's feature flags
// and experiment variants to the worker.
func (p *parser) flags(key string, v any) string {
	t, ok := p.table(key, v)
	if !ok {
		return ""
	}
	var binding string
	for _, k := range sortedKeys(t) {
		switch k {
		case "binding":
			if s, ok := p.str(joinKey(key, k), t[k]); ok {
				if !isIdentifier(s) {
					p.errorf(joinKey(key, k), "must be a JavaScript identifier, got %q", s)
				}
				binding = s
			}
		default:
			p.unknownKey(key, k)
		}
	}
	if binding == "" {
		p.errorf(key, `needs binding, e.g. [flags] binding = "FLAGS"`)
	}
	return binding
}

// checkFiles checks that the files the config names exist (Load only).
func (p *parser) checkFiles(c *Config) {
	check := func(key, path string) {
		st, err := os.Stat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			p.errs = append(p.errs, &Error{Key: key, Msg: fmt.Sprintf("no such file: %s", path), Err: err})
		case err != nil:
			p.errs = append(p.errs, &Error{Key: key, Msg: err.Error(), Err: err})
		case st.IsDir():
			p.errorf(key, "%s is a folder, not a file", path)
		}
	}
	if c.Main != "" && c.Build == "" { // else the build makes it
		check("main", c.Main)
	}
	for i, db := range c.Geo.DBs {
		key := "geo.db"
		if len(c.Geo.DBs) > 1 {
			key = indexKey(key, i)
		}
		check(key, db)
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// path resolves a path in the file against its folder.
func (p *parser) path(s string) string {
	if filepath.IsAbs(s) {
		return filepath.Clean(s)
	}
	return filepath.Join(p.dir, s)
}

func (p *parser) str(key string, v any) (string, bool) {
	s, ok := v.(string)
	if !ok {
		p.errorf(key, "must be a string, got %s", describe(v))
	}
	return s, ok
}

func (p *parser) table(key string, v any) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		p.errorf(key, "must be a table, got %s", describe(v))
	}
	return m, ok
}

// array returns the elements of an array, inline or of tables.
func (p *parser) array(key string, v any) ([]any, bool) {
	switch a := v.(type) {
	case []any:
		return a, true
	case []map[string]any:
		out := make([]any, len(a))
		for i, m := range a {
			out[i] = m
		}
		return out, true
	}
	p.errorf(key, "must be an array, got %s", describe(v))
	return nil, false
}

func (p *parser) strings(key string, v any) []string {
	a, ok := p.array(key, v)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(a))
	for i, e := range a {
		if s, ok := p.str(indexKey(key, i), e); ok {
			out = append(out, s)
		}
	}
	return out
}

// date reads a "YYYY-MM-DD" string or a TOML local date.
func (p *parser) date(key string, v any) string {
	switch d := v.(type) {
	case string:
		if _, err := time.Parse(time.DateOnly, d); err == nil {
			return d
		}
	case time.Time:
		if d.Location().String() == "date-local" { // a TOML local date (2026-01-01, unquoted)
			return d.Format(time.DateOnly)
		}
	}
	p.errorf(key, `must be a date such as "2026-01-01", got %s`, describe(v))
	return ""
}

// validName reports whether s is a valid worker name.
func validName(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] == '-' || s[0] == '_' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// nameFromDir makes a worker name from a folder's name.
func nameFromDir(dir string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(filepath.Base(dir)) {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '_' {
			b.WriteRune(r)
		} else if !strings.HasSuffix(b.String(), "-") {
			b.WriteByte('-')
		}
	}
	name := strings.Trim(b.String(), "-_")
	if len(name) > 63 {
		name = strings.Trim(name[:63], "-_")
	}
	if !validName(name) {
		return DefaultName
	}
	return name
}

func (p *parser) routes(key string, v any) []Route {
	a, ok := p.array(key, v)
	if !ok {
		return nil
	}
	var out []Route
	seen := map[string]int{}
	for i, e := range a {
		k := indexKey(key, i)
		r, ok := p.route(k, e)
		if !ok {
			continue
		}
		if j, dup := seen[r.Pattern]; dup {
			p.errorf(k, "%q is already routes[%d]", r.Pattern, j)
			continue
		}
		seen[r.Pattern] = i
		out = append(out, r)
	}
	return out
}

// route reads a route: a pattern string or a table with pattern.
func (p *parser) route(key string, v any) (Route, bool) {
	var r Route
	switch v := v.(type) {
	case string:
		r.Pattern = v
	case map[string]any:
		for _, k := range sortedKeys(v) {
			kk := joinKey(key, k)
			switch k {
			case "pattern":
				r.Pattern, _ = p.str(kk, v[k])
			case "zone_name":
				r.ZoneName, _ = p.str(kk, v[k])
			case "zone_id":
				r.ZoneID, _ = p.str(kk, v[k])
			case "custom_domain":
				b, ok := v[k].(bool)
				if !ok {
					p.errorf(kk, "must be true or false, got %s", describe(v[k]))
				}
				r.CustomDomain = b
			default:
				p.unknownKeyIn("routes", key, k)
			}
		}
		if _, ok := v["pattern"]; !ok {
			p.errorf(joinKey(key, "pattern"), `required (e.g. { pattern = "example.com/*", zone_name = "example.com" })`)
			return r, false
		}
	default:
		p.errorf(key, `must be a pattern such as "example.com/*" or a table { pattern = "...", zone_name = "..." }, got %s`, describe(v))
		return r, false
	}
	if r.Pattern == "" || strings.IndexFunc(r.Pattern, unicode.IsSpace) >= 0 || strings.IndexFunc(r.Pattern, unicode.IsControl) >= 0 {
		k := key
		if _, isTable := v.(map[string]any); isTable {
			k = joinKey(key, "pattern")
		}
		p.errorf(k, `must be a non-empty pattern without spaces, such as "example.com/*", got %q`, r.Pattern)
		return r, false
	}
	return r, true
}

// unknownKeyIn reports an unknown key of an element (key) of an array of
// tables whose valid keys are those of schema table.
func (p *parser) unknownKeyIn(schema, key, k string) {
	p.errorf(joinKey(key, k), "unknown key%s", suggest(schema, k))
}

func (p *parser) vars(c *Config, v any) {
	m, ok := p.table("vars", v)
	if !ok {
		return
	}
	for _, name := range sortedKeys(m) {
		key := joinKey("vars", name)
		if name == "" {
			p.errorf(key, "a var needs a name")
			continue
		}
		switch val := m[name].(type) {
		case string:
			c.Vars[name] = val
		default:
			j, err := jsonValue(val)
			if err != nil {
				p.errorf(key, "%v", err)
				continue
			}
			b, err := json.Marshal(j)
			if err != nil {
				p.errorf(key, "cannot be written as JSON: %v", err)
				continue
			}
			c.Vars[name] = string(b)
			c.JSONVars[name] = true
		}
	}
}

// jsonValue converts a decoded TOML value to one encoding/json writes as
// JavaScript's JSON.stringify would, refusing what JSON cannot hold.
func jsonValue(v any) (any, error) {
	switch v := v.(type) {
	case string, bool, int64:
		return v, nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("must be a finite number (JSON has no %v), got %s", v, describe(v))
		}
		return v, nil
	case time.Time:
		return nil, fmt.Errorf("a var cannot hold a TOML %s; quote it to pass a string", describe(v))
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			j, err := jsonValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = j
		}
		return out, nil
	case []map[string]any:
		out := make([]any, len(v))
		for i, e := range v {
			j, err := jsonValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = j
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			j, err := jsonValue(e)
			if err != nil {
				return nil, err
			}
			out[k] = j
		}
		return out, nil
	}
	return nil, fmt.Errorf("must be a string, number, boolean, array or table, got %s", describe(v))
}

func (p *parser) kvNamespaces(key string, v any) []KVNamespace {
	a, ok := p.array(key, v)
	if !ok {
		return nil
	}
	var out []KVNamespace
	seen := map[string]bool{}
	for i, e := range a {
		k := indexKey(key, i)
		m, ok := p.table(k, e)
		if !ok {
			continue
		}
		var kv KVNamespace
		for _, f := range sortedKeys(m) {
			fk := joinKey(k, f)
			switch f {
			case "binding":
				kv.Binding, _ = p.str(fk, m[f])
			case "id":
				if s, ok := p.str(fk, m[f]); ok {
					if s == "" {
						p.errorf(fk, "must not be empty (leave it out to use the binding's name)")
					}
					kv.ID = s
				}
			case "preview_id":
				kv.PreviewID, _ = p.str(fk, m[f])
			default:
				p.unknownKeyIn("kv_namespaces", k, f)
			}
		}
		bk := joinKey(k, "binding")
		if _, ok := m["binding"]; !ok {
			p.errorf(bk, `required: the name the worker uses, as in env.CACHE (binding = "CACHE")`)
			continue
		}
		if !isIdentifier(kv.Binding) {
			p.errorf(bk, "must be a JavaScript identifier such as \"CACHE\", got %q", kv.Binding)
			continue
		}
		if seen[kv.Binding] {
			p.errorf(bk, "%q is bound twice", kv.Binding)
			continue
		}
		seen[kv.Binding] = true
		if kv.ID == "" {
			kv.ID = kv.Binding
		}
		out = append(out, kv)
	}
	return out
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r == '$' || unicode.IsLetter(r) || i > 0 && unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

// MaxRateLimitPeriod bounds [[ratelimits]] simple.period, in seconds.
const MaxRateLimitPeriod = 86_400

func (p *parser) rateLimits(key string, v any, kvs []KVNamespace) []RateLimit {
	a, ok := p.array(key, v)
	if !ok {
		return nil
	}
	var out []RateLimit
	seen := map[string]bool{}
	for i, e := range a {
		k := indexKey(key, i)
		m, ok := p.table(k, e)
		if !ok {
			continue
		}
		var rl RateLimit
		valid := true
		for _, f := range sortedKeys(m) {
			fk := joinKey(k, f)
			switch f {
			case "name":
				rl.Binding, _ = p.str(fk, m[f])
			case "namespace_id":
				switch id := m[f].(type) {
				case string:
					rl.NamespaceID = id
				case int64: // wrangler's examples quote it; a bare number means the same
					rl.NamespaceID = fmt.Sprint(id)
				default:
					p.errorf(fk, "must be a string such as \"1001\"")
				}
			case "simple":
				st, ok := p.table(fk, m[f])
				if !ok {
					continue
				}
				for _, g := range sortedKeys(st) {
					gk := joinKey(fk, g)
					n, isInt := st[g].(int64)
					switch g {
					case "limit":
						rl.Limit = int(n)
						if !isInt || n < 1 || n > 1_000_000_000 {
							p.errorf(gk, "must be a whole number of requests from 1, got %v", st[g])
							valid = false
						}
					case "period":
						rl.Period = int(n)
						if !isInt || n < 1 || n > MaxRateLimitPeriod {
							p.errorf(gk, "must be a whole number of seconds from 1 to %d, got %v", MaxRateLimitPeriod, st[g])
							valid = false
						}
					default:
						p.unknownKeyIn("ratelimits.simple", fk, g)
						valid = false
					}
				}
			default:
				p.unknownKeyIn("ratelimits", k, f)
			}
		}
		nk := joinKey(k, "name")
		switch {
		case !valid:
			continue
		case !isIdentifier(rl.Binding):
			p.errorf(nk, "must be a JavaScript identifier such as \"MY_LIMITER\", got %q", rl.Binding)
			continue
		case seen[rl.Binding]:
			p.errorf(nk, "%q is bound twice", rl.Binding)
			continue
		case rl.NamespaceID == "":
			p.errorf(joinKey(k, "namespace_id"), "required: limiters with the same id share counters")
			continue
		case rl.Limit == 0 || rl.Period == 0:
			p.errorf(joinKey(k, "simple"), "required: simple = { limit = 100, period = 60 }")
			continue
		case slices.ContainsFunc(kvs, func(kv KVNamespace) bool { return kv.Binding == rl.Binding }):
			p.errorf(nk, "%q is also a KV namespace binding", rl.Binding)
			continue
		}
		seen[rl.Binding] = true
		out = append(out, rl)
	}
	return out
}

func (p *parser) limits(key string, v any) Limits {
	var l Limits
	m, ok := p.table(key, v)
	if !ok {
		return l
	}
	for _, k := range sortedKeys(m) {
		var dst *int
		var limit int
		switch k {
		case "cpu_ms":
			dst, limit = &l.CPUMs, MaxCPUMs
		case "memory_mb":
			dst, limit = &l.MemoryMB, MaxMemoryMB
		case "subrequests":
			dst, limit = &l.Subrequests, MaxSubrequests
		case "wall_ms":
			dst, limit = &l.WallMs, MaxWallMs
		case "startup_ms":
			dst, limit = &l.StartupMs, MaxStartupMs
		case "request_body_mb":
			dst, limit = &l.RequestBodyMB, MaxBodyMB
		case "response_body_mb":
			dst, limit = &l.ResponseBodyMB, MaxBodyMB
		default:
			p.unknownKey(key, k)
			continue
		}
		kk := joinKey(key, k)
		n, isInt := m[k].(int64)
		switch {
		case !isInt || n <= 0:
			p.errorf(kk, "must be a positive integer, got %s", describe(m[k]))
		case n > int64(limit):
			p.errorf(kk, "must be at most %d, got %d", limit, n)
		default:
			*dst = int(n)
		}
	}
	return l
}

func (p *parser) origin(key, s string) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		p.errorf(key, "must be an http(s) URL such as \"https://origin.example.com\": %v", err)
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.Opaque != "":
		p.errorf(key, "must be an http(s) URL such as \"https://origin.example.com\", got %q", s)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		p.errorf(key, "must not have a query or fragment, got %q", s)
	}
}

func (p *parser) dev(c *Config, v any) {
	m, ok := p.table("dev", v)
	if !ok {
		return
	}
	var ip, host string
	for _, k := range sortedKeys(m) {
		kk := joinKey("dev", k)
		switch k {
		case "port":
			n, isInt := m[k].(int64)
			if !isInt || n < 1 || n > 65535 {
				p.errorf(kk, "must be a port number from 1 to 65535, got %s", describe(m[k]))
				continue
			}
			c.Dev.Port = int(n)
		case "ip", "host":
			s, ok := p.str(kk, m[k])
			if !ok {
				continue
			}
			if msg := checkHost(s); msg != "" {
				p.errorf(kk, "%s, got %q", msg, s)
				continue
			}
			if k == "ip" {
				ip = s
			} else {
				host = s
			}
		default:
			p.unknownKey("dev", k)
		}
	}
	if ip != "" && host != "" && ip != host {
		p.errorf("dev.host", "conflicts with dev.ip (%q); both set the address verge dev listens on, so set one", ip)
	}
	if h := cmpOr(host, ip); h != "" {
		c.Dev.Host = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// checkHost returns what is wrong with a listen address, or "".
func checkHost(s string) string {
	h := strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if net.ParseIP(h) != nil {
		return ""
	}
	if _, _, err := net.SplitHostPort(s); err == nil {
		return "must be an IP address or host name without a port (set dev.port)"
	}
	if h == "" || len(h) > 253 {
		return "must be an IP address or host name"
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return "must be an IP address or host name"
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return "must be an IP address or host name"
			}
		}
	}
	return ""
}

func (p *parser) geo(key string, v any) Geo {
	var g Geo
	m, ok := p.table(key, v)
	if !ok {
		return g
	}
	for _, k := range sortedKeys(m) {
		kk := joinKey(key, k)
		if k != "db" {
			p.unknownKey(key, k)
			continue
		}
		var dbs []string
		switch db := m[k].(type) {
		case string:
			dbs = []string{db}
		case []any:
			dbs = p.strings(kk, db)
		default:
			p.errorf(kk, `must be the path of an .mmdb file, or an array of them, got %s`, describe(db))
			continue
		}
		for i, db := range dbs {
			if strings.TrimSpace(db) == "" || strings.ContainsRune(db, 0) {
				ik := kk
				if _, isArray := m[k].([]any); isArray {
					ik = indexKey(kk, i)
				}
				p.errorf(ik, "must be the path of an .mmdb file, got %q", db)
				continue
			}
			g.DBs = append(g.DBs, p.path(db))
		}
	}
	if len(g.DBs) > 0 {
		g.DB = g.DBs[0]
	}
	return g
}
