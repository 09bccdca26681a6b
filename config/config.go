package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// FileName is the name of the config file in a project folder.
const FileName = "verge.toml"

// Defaults applied by Load and Parse when the file leaves a key out.
const (
	DefaultDevPort = 8787        // [dev] port: wrangler dev's port
	DefaultDevHost = "127.0.0.1" // [dev] ip/host: loopback only
	DefaultName    = "worker"    // name, when the folder's name gives nothing usable
)

// Upper bounds on [limits], to catch typos (cpu_ms = 50000000) at load time.
// The runtime applies its own defaults for limits left out.
const (
	MaxCPUMs       = 300_000   // 5 minutes, Cloudflare's paid maximum
	MaxMemoryMB    = 4096      // 4 GiB per isolate
	MaxSubrequests = 10_000    // Cloudflare's paid maximum
	MaxWallMs      = 3_600_000 // 1 hour
	MaxStartupMs   = 60_000    // 1 minute
	MaxBodyMB      = 1 << 20   // 1 TiB: bodies stream, so this only bounds the arithmetic
)

// Config is a parsed and validated verge.toml.
type Config struct {
	// Name is the worker's name: lowercase letters, digits, '-' and '_',
	// at most 63 characters. Without name, it is made from the folder's
	// name (lowercased, other characters replaced by '-').
	Name string
	// Main is the absolute path of the entry file (main, resolved against
	// Dir).
	Main string
	// Dir is the absolute folder holding verge.toml; relative paths in the
	// file are resolved against it.
	Dir string
	// Build is build: a shell command run in Dir that writes Main, such
	// as "GOOS=wasip1 GOARCH=wasm go build -o app.wasm ./", or "". Only a
	// WebAssembly main is built this way (JavaScript and TypeScript are
	// bundled by Verge); verge serve runs it at every load, verge dev at
	// start and on every change in the folder. Load does not require Main
	// to exist when Build is set: the build makes it.
	Build string
	// CompatibilityDate is compatibility_date, "YYYY-MM-DD", or "". It is
	// stored for the runtime; nothing interprets it yet.
	CompatibilityDate string
	// CompatibilityFlags is compatibility_flags. "nodejs_compat" turns on
	// Node.js compatibility (see NodeCompat); other flags are stored and
	// not interpreted yet.
	CompatibilityFlags []string
	// Routes are route and routes, in file order.
	Routes []Route
	// Vars is [vars], each value as text. A TOML string is kept as is; a
	// number, boolean, array or table is written as JSON ("3", "true",
	// `{"a":1}`) and its name is in JSONVars. Wrangler uploads such vars as
	// JSON bindings, so that env.RETRIES is the number 3: a runtime that
	// mimics it JSON-parses the vars named in JSONVars. Dates are refused
	// (quote them).
	Vars map[string]string
	// JSONVars names the vars of Vars that were not TOML strings.
	JSONVars map[string]bool
	// KVNamespaces are [[kv_namespaces]], in file order.
	KVNamespaces []KVNamespace
	// RateLimits are [[ratelimits]]: rate limiter bindings, in file order.
	RateLimits []RateLimit
	// Limits are [limits]; zero means the runtime's default.
	Limits Limits
	// Origin is the http(s) URL requests go to when no worker handles
	// them, or "".
	Origin string
	// FetchAllow is fetch_allow: when set, the only hosts fetch() may
	// reach ("api.example.com", or "*.example.com" for its subdomains),
	// besides the worker's own origin. Unset, any public host.
	FetchAllow []string
	// Dev configures verge dev.
	Dev Dev
	// Geo configures geolocation for request.cf.
	Geo Geo
	// FlagsBinding is [flags] binding: the env name of the binding that
	// reads the feature flags and experiment variants the edge evaluated
	// for a request (node.toml's [[routes.flags]] and
	// [[routes.experiments]]), or "".
	FlagsBinding string
}

// Route is a route pattern such as "shop.example.com/*", with the zone it
// belongs to when given as a table.
type Route struct {
	Pattern      string
	ZoneName     string // zone_name
	ZoneID       string // zone_id
	CustomDomain bool   // custom_domain
}

// KVNamespace binds a KV namespace to env.<Binding>.
type KVNamespace struct {
	Binding   string // a JavaScript identifier
	ID        string // the namespace's id; defaults to Binding
	PreviewID string // preview_id, for wrangler compatibility; may be ""
}

// RateLimit binds a rate limiter to env.<Binding>, with Cloudflare's
// shape:
//
//	[[ratelimits]]
//	name = "MY_LIMITER"
//	namespace_id = "1001"
//	simple = { limit = 100, period = 60 }
//
// Cloudflare allows a period of 10 or 60 seconds; any whole number of
// seconds up to a day works here.
type RateLimit struct {
	Binding     string // name: a JavaScript identifier
	NamespaceID string // namespace_id: limiters with one id share counters
	Limit       int    // simple.limit: requests per period
	Period      int    // simple.period: seconds
}

// Limits are per-request worker limits from [limits]; zero means the
// runtime's default (worker.DefaultCPU and friends).
type Limits struct {
	CPUMs          int // cpu_ms: CPU time per request, in milliseconds
	MemoryMB       int // memory_mb: memory per isolate, in MiB
	Subrequests    int // subrequests: fetch() calls per request
	WallMs         int // wall_ms: wall time per request, in milliseconds
	StartupMs      int // startup_ms: CPU time of the script's top level, in milliseconds
	RequestBodyMB  int // request_body_mb: request body size, in MiB
	ResponseBodyMB int // response_body_mb: response body size, in MiB
}

// Dev configures verge dev from [dev].
type Dev struct {
	Port int    // port; DefaultDevPort when left out
	Host string // ip or host: the address to listen on; DefaultDevHost when left out
}

// Geo configures request.cf geolocation from [geo].
type Geo struct {
	// DB is the first database of DBs, or "" when none is configured.
	DB string
	// DBs are the absolute paths of the .mmdb files of db (a string or an
	// array): a City database and, optionally, an ASN one, to be combined
	// with geo.Merge in this order.
	DBs []string
}

// Load reads, parses and validates a verge.toml. path is the file or the
// folder holding it. Beyond Parse, Load checks that main and the geo
// databases exist. Errors from the file are *Error values whose File is
// path as given.
func Load(path string) (*Config, error) {
	file := path
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		file = filepath.Join(path, FileName)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && file != path {
			return nil, fmt.Errorf("config: no %s in %s: %w", FileName, path, err)
		}
		return nil, fmt.Errorf("config: %w", err)
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	p := newParser(data, filepath.Dir(abs), file)
	c := p.parse()
	if c != nil {
		p.checkFiles(c)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// Parse parses and validates the contents of a verge.toml whose folder is
// dir (made absolute if it is not); relative paths resolve against it. It
// reads no files. Errors are *Error values whose File is "verge.toml".
func Parse(data []byte, dir string) (*Config, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	p := newParser(data, abs, FileName)
	c := p.parse()
	if err := p.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// LoadEntry loads what verge dev and verge serve accept as a worker: a
// folder with a verge.toml (default ".") or a single worker file, which
// gets a config named after it.
func LoadEntry(entry string) (*Config, error) {
	if entry == "" {
		entry = "."
	}
	st, err := os.Stat(entry)
	if err != nil {
		return nil, fmt.Errorf("entry: %w", err)
	}
	if st.IsDir() {
		return Load(entry)
	}
	abs, err := filepath.Abs(entry)
	if err != nil {
		return nil, err
	}
	name := strings.TrimSuffix(filepath.Base(abs), filepath.Ext(abs))
	return &Config{Name: name, Main: abs, Dir: filepath.Dir(abs)}, nil
}

// NodeCompat reports whether compatibility_flags has "nodejs_compat":
// the worker may import Verge's Node.js built-in modules (node:buffer,
// node:events, ...) and has the globals Buffer and process.
func (c *Config) NodeCompat() bool {
	return slices.Contains(c.CompatibilityFlags, "nodejs_compat")
}
