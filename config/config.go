// Package config reads a project's verge.toml. Its shape follows
// wrangler.toml where it can. Load validates everything and names the
// offending key in every error; it must not start or contact anything.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// FileName is the config file a project folder holds.
const FileName = "verge.toml"

// Config is a parsed verge.toml.
type Config struct {
	Name              string
	Main              string // absolute path of the entry
	Dir               string // folder of verge.toml
	CompatibilityDate string
	Routes            []Route
	Vars              map[string]string
	KVNamespaces      []KVNamespace
	Limits            Limits
	Origin            string
	Dev               Dev
	Geo               Geo
}

// Route is a route pattern such as "example.com/*".
type Route struct {
	Pattern  string
	ZoneName string
}

// KVNamespace binds a KV namespace to env.<Binding>.
type KVNamespace struct{ Binding, ID string }

// Limits are per-worker limits; zero means the runtime default.
type Limits struct {
	CPUMs       int
	MemoryMB    int
	Subrequests int
	WallMs      int
}

// Dev configures verge dev.
type Dev struct {
	Port int
	Host string
}

// Geo configures request.cf lookups.
type Geo struct{ DB string }

// raw mirrors the TOML; values whose type varies are decoded as any.
type raw struct {
	Name              string         `toml:"name"`
	Main              string         `toml:"main"`
	CompatibilityDate string         `toml:"compatibility_date"`
	Routes            []any          `toml:"routes"`
	Route             string         `toml:"route"`
	Vars              map[string]any `toml:"vars"`
	KVNamespaces      []struct {
		Binding string `toml:"binding"`
		ID      string `toml:"id"`
	} `toml:"kv_namespaces"`
	Limits struct {
		CPUMs       *int64 `toml:"cpu_ms"`
		MemoryMB    *int64 `toml:"memory_mb"`
		Subrequests *int64 `toml:"subrequests"`
		WallMs      *int64 `toml:"wall_ms"`
	} `toml:"limits"`
	Origin string `toml:"origin"`
	Dev    struct {
		Port int64  `toml:"port"`
		IP   string `toml:"ip"`
		Host string `toml:"host"`
	} `toml:"dev"`
	Geo struct {
		DB string `toml:"db"`
	} `toml:"geo"`
}

var knownKeys = []string{
	"name", "main", "compatibility_date", "routes", "route", "vars", "kv_namespaces", "limits",
	"limits.cpu_ms", "limits.memory_mb", "limits.subrequests", "limits.wall_ms", "origin",
	"dev", "dev.port", "dev.ip", "dev.host", "geo", "geo.db", "kv_namespaces.binding", "kv_namespaces.id",
}

// Load reads verge.toml from path, which may be the file or its folder.
func Load(path string) (*Config, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, FileName)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cfg, err := Parse(data, filepath.Dir(abs))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return cfg, nil
}

// Parse parses verge.toml contents; dir resolves relative paths.
func Parse(data []byte, dir string) (*Config, error) {
	var r raw
	md, err := toml.Decode(string(data), &r)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("line %d: %s", pe.Position.Line, pe.Message)
		}
		return nil, err
	}
	var und []string
	for _, k := range md.Undecoded() {
		// Route tables are decoded by hand below.
		if s := k.String(); !strings.HasPrefix(s, "routes.") {
			und = append(und, s)
		}
	}
	if len(und) > 0 {
		key := und[0]
		if strings.HasPrefix(key, "vars.") {
			// [vars] is free-form; a nested table is the problem.
			return nil, fmt.Errorf("%s: vars must be strings, numbers or booleans", key)
		}
		return nil, fmt.Errorf("%s: unknown key%s", key, suggest(key))
	}
	c := &Config{Name: r.Name, Dir: dir, CompatibilityDate: r.CompatibilityDate, Origin: r.Origin, Vars: map[string]string{}}
	if r.Main == "" {
		return nil, errors.New("main: required (the worker's entry file, e.g. main = \"src/index.ts\")")
	}
	c.Main = r.Main
	if !filepath.IsAbs(c.Main) {
		c.Main = filepath.Join(dir, c.Main)
	}
	if c.Name == "" {
		c.Name = filepath.Base(dir)
	}
	if r.Route != "" {
		c.Routes = append(c.Routes, Route{Pattern: r.Route})
	}
	for i, rt := range r.Routes {
		switch v := rt.(type) {
		case string:
			c.Routes = append(c.Routes, Route{Pattern: v})
		case map[string]any:
			p, _ := v["pattern"].(string)
			if p == "" {
				return nil, fmt.Errorf("routes[%d].pattern: required", i)
			}
			z, _ := v["zone_name"].(string)
			c.Routes = append(c.Routes, Route{Pattern: p, ZoneName: z})
		default:
			return nil, fmt.Errorf("routes[%d]: must be a string or a table with pattern, got %T", i, rt)
		}
	}
	for k, v := range r.Vars {
		switch v := v.(type) {
		case string:
			c.Vars[k] = v
		case int64:
			c.Vars[k] = strconv.FormatInt(v, 10)
		case float64:
			c.Vars[k] = strconv.FormatFloat(v, 'g', -1, 64)
		case bool:
			c.Vars[k] = strconv.FormatBool(v)
		default:
			return nil, fmt.Errorf("vars.%s: must be a string, number or boolean, got %T", k, v)
		}
	}
	for i, kv := range r.KVNamespaces {
		if kv.Binding == "" {
			return nil, fmt.Errorf("kv_namespaces[%d].binding: required", i)
		}
		c.KVNamespaces = append(c.KVNamespaces, KVNamespace{Binding: kv.Binding, ID: kv.ID})
	}
	lim := []struct {
		name string
		v    *int64
		dst  *int
		max  int64
	}{
		{"limits.cpu_ms", r.Limits.CPUMs, &c.Limits.CPUMs, 300000},
		{"limits.memory_mb", r.Limits.MemoryMB, &c.Limits.MemoryMB, 4096},
		{"limits.subrequests", r.Limits.Subrequests, &c.Limits.Subrequests, 100000},
		{"limits.wall_ms", r.Limits.WallMs, &c.Limits.WallMs, 3600000},
	}
	for _, l := range lim {
		if l.v == nil {
			continue
		}
		if *l.v <= 0 || *l.v > l.max {
			return nil, fmt.Errorf("%s: must be a positive integer up to %d, got %d", l.name, l.max, *l.v)
		}
		*l.dst = int(*l.v)
	}
	if c.Origin != "" {
		u, err := url.Parse(c.Origin)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("origin: must be an http(s) URL, got %q", c.Origin)
		}
	}
	if r.Dev.Port < 0 || r.Dev.Port > 65535 {
		return nil, fmt.Errorf("dev.port: must be 0-65535, got %d", r.Dev.Port)
	}
	c.Dev = Dev{Port: int(r.Dev.Port), Host: r.Dev.Host}
	if c.Dev.Host == "" {
		c.Dev.Host = r.Dev.IP
	}
	c.Geo.DB = r.Geo.DB
	if c.Geo.DB != "" && !filepath.IsAbs(c.Geo.DB) {
		c.Geo.DB = filepath.Join(dir, c.Geo.DB)
	}
	return c, nil
}

// suggest names the closest known key, for typos.
func suggest(key string) string {
	best, bestD := "", 4
	for _, k := range knownKeys {
		if d := distance(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein distance.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
