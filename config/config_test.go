package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	c, err := Parse([]byte(`
name = "shop"
main = "src/index.ts"
compatibility_date = "2026-01-01"
routes = ["shop.example.com/*", { pattern = "api.example.com/*", zone_name = "example.com" }]
origin = "http://127.0.0.1:9000"
[vars]
GREETING = "hi"
RETRIES = 3
DEBUG = true
[[kv_namespaces]]
binding = "CACHE"
id = "abc"
[limits]
cpu_ms = 20
memory_mb = 64
[dev]
port = 9999
[geo]
db = "geo/city.mmdb"
`), "/proj")
	if err != nil {
		t.Fatal(err)
	}
	if c.Main != filepath.Join("/proj", "src/index.ts") || c.Name != "shop" || len(c.Routes) != 2 || c.Routes[1].ZoneName != "example.com" {
		t.Errorf("config %+v", c)
	}
	if c.Vars["GREETING"] != "hi" || c.Vars["RETRIES"] != "3" || c.Vars["DEBUG"] != "true" {
		t.Errorf("vars %v", c.Vars)
	}
	if c.Limits.CPUMs != 20 || c.Limits.MemoryMB != 64 || c.Dev.Port != 9999 || c.Geo.DB != "/proj/geo/city.mmdb" || c.KVNamespaces[0].Binding != "CACHE" {
		t.Errorf("config %+v", c)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ toml, want string }{
		{`name = "x"`, "main: required"},
		{"main = \"a.js\"\n[limits]\ncpu_ms = -5", "limits.cpu_ms: must be a positive integer"},
		{"main = \"a.js\"\nmian = 1", `mian: unknown key (did you mean "main"?)`},
		{"main = \"a.js\"\n[limits]\ncpu = 5", `limits.cpu: unknown key`},
		{"main = \"a.js\"\norigin = \"ftp://x\"", "origin: must be an http(s) URL"},
		{"main = \"a.js\"\nroutes = [1]", "routes[0]: must be a string"},
		{"main = \"a.js\"\n[vars]\nA = [1]", "vars.A: must be a string"},
		{"main = \"a.js\"\nname = ", "line 2"},
		{"main = \"a.js\"\n[dev]\nport = 70000", "dev.port"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.toml), "/p")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.toml, err, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("main = \"a.js\"\n[vars]\nA = 1"))
	f.Add([]byte("routes = [{pattern = 1}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "/p")
		if err == nil && c.Main == "" {
			t.Fatal("accepted a config without main")
		}
	})
}
