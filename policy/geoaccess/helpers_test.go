package geoaccess

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/verge-edge/verge/edgeinfo"
	"github.com/verge-edge/verge/geo"
)

// places is the test's geo database.
var places = mapLocator{
	"192.0.2.1":      {Country: "US", Continent: "NA", ASN: 64500},
	"192.0.2.2":      {Country: "DE", Continent: "EU", ASN: 64501},
	"192.0.2.3":      {Country: "RU", Continent: "EU", ASN: 64502},
	"192.0.2.4":      {Country: "JP", Continent: "AS", ASN: 64503},
	"192.0.2.5":      {Country: "T1"},                  // a Tor exit
	"192.0.2.6":      {Country: "XX"},                  // said "unknown"
	"192.0.2.7":      {Country: "DE", Continent: "EU"}, // no ASN data
	"2001:db8:de::1": {Country: "DE", Continent: "EU", ASN: 64501},
	"2001:db8:a5::1": {Country: "JP", Continent: "AS", ASN: 64503},
	// Anything else (10.0.0.1, 2001:db8::1) is not in the data.
}

type mapLocator map[string]geo.Location

func (m mapLocator) Lookup(ip netip.Addr) (geo.Location, bool) {
	loc, ok := m[ip.String()]
	return loc, ok
}

// front does what the PoP front does before the policies run: it puts
// the client's address and location in edgeinfo.
func front(loc geo.Locator, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := &edgeinfo.Info{}
		if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
			info.ClientIP = ap.Addr().Unmap()
			info.Location, _ = loc.Lookup(info.ClientIP)
		}
		next.ServeHTTP(w, r.WithContext(edgeinfo.With(r.Context(), info)))
	})
}

// edge is a Policy behind the test front, in front of a handler that
// answers 200 "origin".
type edge struct{ h http.Handler }

func newEdge(t *testing.T, cfg Config) *edge {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &edge{front(places, p.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("origin"))
	})))}
}

// get sends a request from ip (v4 or v6) and returns the response.
func (e *edge) get(ip string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "http://example.com/", nil)
	r.RemoteAddr = netip.AddrPortFrom(netip.MustParseAddr(ip), 40000).String()
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// want checks which clients get through: ips maps an address to true
// when it must reach the origin.
func (e *edge) want(t *testing.T, ips map[string]bool) {
	t.Helper()
	for ip, admitted := range ips {
		w := e.get(ip)
		if got := w.Code == http.StatusOK; got != admitted {
			t.Errorf("%s (%+v): status %d, want admitted=%v", ip, places[ip], w.Code, admitted)
		}
		if admitted && w.Body.String() != "origin" {
			t.Errorf("%s: body %q, want the origin's", ip, w.Body)
		}
	}
}
