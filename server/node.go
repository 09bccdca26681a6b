package server

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/verge-edge/verge/policy/experiment"
	"github.com/verge-edge/verge/policy/geoaccess"
	"github.com/verge-edge/verge/policy/jwtauth"
	"github.com/verge-edge/verge/policy/ratelimit"
	"github.com/verge-edge/verge/policy/transform"
	"github.com/verge-edge/verge/policy/waf"
)

// NodeConfig is node.toml: one PoP's listeners, workers, origins and
// routes. Workers are project folders with their own verge.toml, whose
// routes and origin they bring; [[routes]] here adds routes to origins
// without a worker.
type NodeConfig struct {
	// Colo is the PoP's code, request.cf.colo (default "LOC").
	Colo   string       `toml:"colo"`
	Listen ListenConfig `toml:"listen"`
	Geo    GeoConfig    `toml:"geo"`
	Hosts  HostsConfig  `toml:"hosts"`
	// Projects are folders holding a verge.toml, relative to node.toml.
	Projects []string                `toml:"projects"`
	Origins  map[string]OriginConfig `toml:"origins"`
	Routes   []RouteConfig           `toml:"routes"`
	// NotFound is the status for hosts no route matches (default 404).
	NotFound int           `toml:"not_found_status"`
	Cache    CacheConfig   `toml:"cache"`
	Admin    AdminConfig   `toml:"admin"`
	KV       KVConfig      `toml:"kv"`
	Secrets  SecretsConfig `toml:"secrets"`
	Deploy   DeployConfig  `toml:"deploy"`
	Wasm     WasmConfig    `toml:"wasm"`
	// WorkersDomain serves each deployed worker that has no routes at
	// NAME.WORKERS_DOMAIN (Cloudflare's workers.dev); default
	// "verge.localhost", which resolves to loopback.
	WorkersDomain string `toml:"workers_domain"`

	dir string
}

// ListenConfig are the node's listeners.
type ListenConfig struct {
	HTTP  string `toml:"http"`  // e.g. "0.0.0.0:80"
	HTTPS string `toml:"https"` // e.g. "0.0.0.0:443"
	Cert  string `toml:"cert"`  // PEM files for HTTPS
	Key   string `toml:"key"`
	// SelfSigned makes a development certificate when no cert is given.
	SelfSigned bool `toml:"self_signed"`
	// HeaderTimeout bounds reading a request's header (default 10s), so
	// clients that send it slowly (slowloris) are cut off.
	HeaderTimeout duration `toml:"header_timeout"`
	// IdleTimeout closes keep-alive connections idle this long (default
	// 120s).
	IdleTimeout duration `toml:"idle_timeout"`
	// MaxBodyMB bounds request bodies (default 100, Cloudflare's Free and
	// Pro limit); larger ones get 413.
	MaxBodyMB int64 `toml:"max_body_mb"`
}

// GeoConfig configures client addresses and geolocation.
type GeoConfig struct {
	// DB are .mmdb files (a City database, then optionally an ASN one).
	DB []string `toml:"db"`
	// TrustedProxies are CIDRs whose X-Forwarded-For is believed.
	TrustedProxies []string `toml:"trusted_proxies"`
	trusted        []netip.Prefix
}

// HostsConfig configures the isolate hosts.
type HostsConfig struct {
	Count          int    `toml:"count"` // default: one per CPU
	MemoryBudgetMB int    `toml:"memory_budget_mb"`
	User           string `toml:"user"` // when root (default nobody)
}

// OriginConfig is a named origin.
type OriginConfig struct {
	URL string `toml:"url"`
	// Timeout bounds the wait for response headers (default 30s).
	Timeout duration `toml:"timeout"`
	// HostHeader is the Host sent to the origin: "" keeps the client's,
	// "origin" uses the origin URL's host, anything else is sent as is.
	HostHeader string `toml:"host_header"`
	// InsecureSkipVerify accepts any TLS certificate (testing only).
	InsecureSkipVerify bool `toml:"insecure_skip_verify"`
	// HealthCheck is a path probed with GET every HealthInterval (default
	// 5s); two failures in a row (an error or a 5xx) mark the origin down
	// and one success up again.
	HealthCheck    string   `toml:"health_check"`
	HealthInterval duration `toml:"health_interval"`
	// Fallback names the origin that takes the traffic while this one is
	// down.
	Fallback string `toml:"fallback"`
	// GeoHeaders are the geolocation header sets sent to the origin:
	// "cloudflare" (CF-IPCountry), "vercel" (x-vercel-ip-*), "cloudfront"
	// (CloudFront-Viewer-*).
	GeoHeaders []string `toml:"geo_headers"`
	u          *url.URL
}

// RouteConfig sends a host+path pattern to an origin or to a worker (a
// project's name), with the route's cache settings. With both, the worker
// runs as Vercel-style middleware in front of the origin.
type RouteConfig struct {
	Pattern string `toml:"pattern"`
	Origin  string `toml:"origin"`
	// Worker names a project; its own origin then serves its fetch(request).
	Worker string            `toml:"worker"`
	Cache  *RouteCacheConfig `toml:"cache"`
	// Policies, run in front of the cache in the order of package
	// policy: geo access, WAF, rate limit, JWT, experiments, transform.
	GeoAccess *geoaccess.Config `toml:"geo_access"`
	WAF       *waf.Config       `toml:"waf"`
	RateLimit *ratelimit.Config `toml:"rate_limit"`
	// JWT requires a valid bearer token (policy/jwtauth).
	JWT *jwtauth.Config `toml:"jwt"`
	// Experiments, Flags and FlagsHeader are policy/experiment's Config:
	// [[routes.experiments]] and [[routes.flags]].
	Experiments []experiment.Experiment `toml:"experiments"`
	Flags       []experiment.Flag       `toml:"flags"`
	FlagsHeader string                  `toml:"flags_header"`
	Transform   *transform.Config       `toml:"transform"`
	// LambdaEdge runs Lambda@Edge handlers at CloudFront's trigger points.
	LambdaEdge *LambdaEdgeConfig `toml:"lambda_edge"`
}

// CacheConfig sizes the node's HTTP cache. Changing it needs a restart.
type CacheConfig struct {
	MemoryMB    int64  `toml:"memory_mb"`     // default 256
	DiskDir     string `toml:"disk_dir"`      // enables the disk tier
	DiskMB      int64  `toml:"disk_mb"`       // default 10240
	MaxObjectMB int64  `toml:"max_object_mb"` // default 512
}

// RouteCacheConfig turns the cache on for a route.
type RouteCacheConfig struct {
	// Enabled defaults to true when the table is present.
	Enabled *bool `toml:"enabled"`
	// TTL overrides the origin's freshness lifetime ("Edge Cache TTL").
	TTL         duration `toml:"ttl"`
	IgnoreQuery bool     `toml:"ignore_query"`
}

// KVConfig is where the node keeps Workers KV (an embedded NATS hub and
// leaf, started when a worker first uses KV). Changing it needs a restart.
type KVConfig struct {
	// Dir holds the data (default ".verge/kv" next to node.toml).
	Dir string `toml:"dir"`
}

// SecretsConfig is where the node keeps workers' secrets, encrypted (see
// package secrets). Changing it needs a restart.
type SecretsConfig struct {
	// Dir holds the key and the encrypted values (default ".verge/secrets"
	// next to node.toml).
	Dir string `toml:"dir"`
}

// DeployConfig is where a PoP keeps the artifacts of deployed workers, so
// it serves them after a restart while the hub is away.
type DeployConfig struct {
	// Dir defaults to ".verge/deployments" next to node.toml.
	Dir string `toml:"dir"`
}

// WasmConfig is where the node keeps WebAssembly handlers' compiled
// machine code (wazero's file compilation cache), so that a restart or a
// redeploy of the same module skips compiling it (a Go guest takes ~1 s).
type WasmConfig struct {
	// CacheDir defaults to ".verge/wasm-cache" next to node.toml.
	CacheDir string `toml:"cache_dir"`
}

// AdminConfig is the node's admin API (cache purge and stats).
type AdminConfig struct {
	// Listen is the admin address, e.g. "127.0.0.1:9901"; "" disables it.
	Listen string `toml:"listen"`
	// Token, when set, is required as "Authorization: Bearer TOKEN". A
	// listener beyond loopback must have one.
	Token string `toml:"token"`
}

type duration struct{ time.Duration }

func (d *duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// LoadNode reads and validates node.toml.
func LoadNode(path string) (*NodeConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("node config: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	return ParseNode(data, filepath.Dir(abs), path)
}

// ParseNode parses node.toml; dir resolves relative paths, name labels
// errors.
func ParseNode(data []byte, dir, name string) (*NodeConfig, error) {
	var c NodeConfig
	md, err := toml.Decode(string(data), &c)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			if pe.LastKey != "" {
				return nil, fmt.Errorf("%s:%d: %s: %s", name, pe.Position.Line, pe.LastKey, pe.Message)
			}
			return nil, fmt.Errorf("%s:%d: %s", name, pe.Position.Line, pe.Message)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		sort.Strings(keys)
		return nil, fmt.Errorf("%s: unknown key %s", name, strings.Join(keys, ", "))
	}
	c.dir = dir
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &c, nil
}

func (c *NodeConfig) validate() error {
	if c.Colo == "" {
		c.Colo = "LOC"
	}
	if c.NotFound == 0 {
		c.NotFound = 404
	}
	if c.NotFound < 400 || c.NotFound > 599 {
		return fmt.Errorf("not_found_status: %d is not an HTTP error status", c.NotFound)
	}
	if c.Listen.HTTP == "" && c.Listen.HTTPS == "" {
		return errors.New("listen: give http or https (for example http = \"127.0.0.1:8080\")")
	}
	if c.Listen.HTTPS != "" && c.Listen.Cert == "" && !c.Listen.SelfSigned {
		return errors.New("listen: https needs cert and key, or self_signed = true")
	}
	if (c.Listen.Cert == "") != (c.Listen.Key == "") {
		return errors.New("listen: cert and key go together")
	}
	c.Listen.Cert, c.Listen.Key = c.abs(c.Listen.Cert), c.abs(c.Listen.Key)
	if c.Listen.HeaderTimeout.Duration < 0 || c.Listen.IdleTimeout.Duration < 0 || c.Listen.MaxBodyMB < 0 {
		return errors.New("listen: timeouts and max_body_mb must not be negative")
	}
	if c.Listen.HeaderTimeout.Duration == 0 {
		c.Listen.HeaderTimeout.Duration = 10 * time.Second
	}
	if c.Listen.IdleTimeout.Duration == 0 {
		c.Listen.IdleTimeout.Duration = 120 * time.Second
	}
	if c.Listen.MaxBodyMB == 0 {
		c.Listen.MaxBodyMB = 100
	}
	for i, p := range c.Projects {
		c.Projects[i] = c.abs(p)
	}
	for i, db := range c.Geo.DB {
		c.Geo.DB[i] = c.abs(db)
	}
	for _, s := range c.Geo.TrustedProxies {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return fmt.Errorf("geo.trusted_proxies: %q is not a CIDR or address", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		c.Geo.trusted = append(c.Geo.trusted, p.Masked())
	}
	for name, o := range c.Origins {
		u, err := url.Parse(o.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("origins.%s.url: %q is not an http(s) URL", name, o.URL)
		}
		o.u = u
		if o.Timeout.Duration <= 0 {
			o.Timeout.Duration = 30 * time.Second
		}
		if o.HealthInterval.Duration <= 0 {
			o.HealthInterval.Duration = 5 * time.Second
		}
		for _, g := range o.GeoHeaders {
			if g != "cloudflare" && g != "vercel" && g != "cloudfront" {
				return fmt.Errorf("origins.%s.geo_headers: %q is not one of cloudflare, vercel, cloudfront", name, g)
			}
		}
		if o.HealthCheck != "" && !strings.HasPrefix(o.HealthCheck, "/") {
			return fmt.Errorf("origins.%s.health_check: %q must be a path starting with /", name, o.HealthCheck)
		}
		c.Origins[name] = o
	}
	for name, o := range c.Origins {
		if o.Fallback == "" {
			continue
		}
		if _, ok := c.Origins[o.Fallback]; !ok || o.Fallback == name {
			return fmt.Errorf("origins.%s.fallback: no other origin named %q", name, o.Fallback)
		}
	}
	for i, r := range c.Routes {
		if _, err := parsePattern(r.Pattern); err != nil {
			return fmt.Errorf("routes[%d].pattern: %w", i, err)
		}
		// A worker is checked against the projects' names once they are
		// loaded; with an origin too, it runs as middleware in front of it.
		if r.Worker == "" || r.Origin != "" {
			if _, ok := c.Origins[r.Origin]; !ok {
				return fmt.Errorf("routes[%d].origin: no origin named %q in [origins]", i, r.Origin)
			}
		}
		if r.Cache != nil && r.Cache.TTL.Duration < 0 {
			return fmt.Errorf("routes[%d].cache.ttl: must not be negative", i)
		}
	}
	if c.Cache.MemoryMB < 0 || c.Cache.DiskMB < 0 || c.Cache.MaxObjectMB < 0 {
		return errors.New("cache: sizes must not be negative")
	}
	c.Cache.DiskDir = c.abs(c.Cache.DiskDir)
	if c.KV.Dir == "" {
		c.KV.Dir = filepath.Join(".verge", "kv")
	}
	c.KV.Dir = c.abs(c.KV.Dir)
	if c.Secrets.Dir == "" {
		c.Secrets.Dir = filepath.Join(".verge", "secrets")
	}
	c.Secrets.Dir = c.abs(c.Secrets.Dir)
	if c.Deploy.Dir == "" {
		c.Deploy.Dir = filepath.Join(".verge", "deployments")
	}
	c.Deploy.Dir = c.abs(c.Deploy.Dir)
	if c.Wasm.CacheDir == "" {
		c.Wasm.CacheDir = filepath.Join(".verge", "wasm-cache")
	}
	c.Wasm.CacheDir = c.abs(c.Wasm.CacheDir)
	if c.WorkersDomain == "" {
		c.WorkersDomain = "verge.localhost"
	}
	if _, err := parsePattern("x." + c.WorkersDomain + "/*"); err != nil || strings.ContainsAny(c.WorkersDomain, "*/") {
		return fmt.Errorf("workers_domain: %q is not a domain name", c.WorkersDomain)
	}
	if c.Admin.Listen != "" {
		host, _, err := net.SplitHostPort(c.Admin.Listen)
		if err != nil {
			return fmt.Errorf("admin.listen: %w", err)
		}
		ip, _ := netip.ParseAddr(host)
		if c.Admin.Token == "" && !(ip.IsValid() && ip.IsLoopback()) && host != "localhost" {
			return fmt.Errorf("admin.listen: %s is not loopback: set admin.token", c.Admin.Listen)
		}
	}
	return nil
}

func (c *NodeConfig) abs(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.dir, p)
}
