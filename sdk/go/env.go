package verge

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
)

// Env returns the value of the host-provided variable or secret name, or ""
// when it is not set. The same variables are in the WASI environment
// (os.Getenv); Env asks the host directly.
func Env(name string) string {
	v, _ := LookupEnv(name)
	return v
}

// LookupEnv is Env that also reports whether name is set.
func LookupEnv(name string) (string, bool) {
	b, code := get(func(buf []byte) int32 { return hostEnvGet(name, buf) })
	return string(b), code == 0
}

// Log sends msg to the host's log at level. Unlike writing to os.Stderr,
// each call is one log record with its level.
func Log(level slog.Level, msg string) {
	hostLogMsg(int32(level), msg)
}

// NewLogHandler returns a slog.Handler that formats records as
// slog.TextHandler does, without time and level (the host's log adds
// them), and sends each to the host's log at its level.
func NewLogHandler(opts *slog.HandlerOptions) slog.Handler {
	var o slog.HandlerOptions
	if opts != nil {
		o = *opts
	}
	replace := o.ReplaceAttr
	o.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey) {
			return slog.Attr{}
		}
		if replace != nil {
			return replace(groups, a)
		}
		return a
	}
	w := &levelWriter{}
	return &logHandler{Handler: slog.NewTextHandler(w, &o), w: w}
}

type logHandler struct {
	slog.Handler
	w *levelWriter
}

func (h *logHandler) Handle(ctx context.Context, r slog.Record) error {
	// TextHandler makes one Write per record; the lock pairs it with its
	// level.
	h.w.mu.Lock()
	defer h.w.mu.Unlock()
	h.w.level = r.Level
	return h.Handler.Handle(ctx, r)
}

func (h *logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logHandler{Handler: h.Handler.WithAttrs(attrs), w: h.w}
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	return &logHandler{Handler: h.Handler.WithGroup(name), w: h.w}
}

type levelWriter struct {
	mu    sync.Mutex
	level slog.Level
}

func (w *levelWriter) Write(p []byte) (int, error) {
	hostLogMsg(int32(w.level), string(bytes.TrimSuffix(p, []byte("\n"))))
	return len(p), nil
}

// Location is what the host knows about where a request comes from; empty
// fields are unknown.
type Location struct {
	Colo           string // the PoP that took the request
	Country        string // ISO 3166-1 alpha-2 code
	CountryName    string
	City           string
	Continent      string // AF, AN, AS, EU, NA, OC or SA
	Region         string
	RegionCode     string // ISO 3166-2 code without the country prefix
	PostalCode     string
	MetroCode      string
	Latitude       string // decimal degrees
	Longitude      string
	Timezone       string // IANA time zone
	ASN            int
	ASOrganization string
}

// Geo returns the client's location for r, a request given to the handler
// by Serve. It asks the host on each call; it returns a zero Location for
// other requests and after the handler returned.
func Geo(r *http.Request) Location {
	req, ok := r.Context().Value(reqKey{}).(uint32)
	if !ok {
		return Location{}
	}
	var loc Location
	for _, f := range []struct {
		key string
		dst *string
	}{
		{"colo", &loc.Colo},
		{"geo.country", &loc.Country},
		{"geo.country_name", &loc.CountryName},
		{"geo.city", &loc.City},
		{"geo.continent", &loc.Continent},
		{"geo.region", &loc.Region},
		{"geo.region_code", &loc.RegionCode},
		{"geo.postal_code", &loc.PostalCode},
		{"geo.metro_code", &loc.MetroCode},
		{"geo.latitude", &loc.Latitude},
		{"geo.longitude", &loc.Longitude},
		{"geo.timezone", &loc.Timezone},
		{"geo.as_organization", &loc.ASOrganization},
	} {
		*f.dst, _ = info(req, f.key)
	}
	if s, ok := info(req, "geo.asn"); ok {
		loc.ASN, _ = strconv.Atoi(s)
	}
	return loc
}
