package geoaccess

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/verge-edge/verge/geo"
)

func TestAllowCountries(t *testing.T) {
	newEdge(t, Config{AllowCountries: []string{"us", "DE"}}).want(t, map[string]bool{
		"192.0.2.1": true,  // US
		"192.0.2.2": true,  // DE
		"192.0.2.3": false, // RU
		"192.0.2.5": false, // Tor
	})
}

func TestDenyCountries(t *testing.T) {
	newEdge(t, Config{DenyCountries: []string{"RU", "t1"}}).want(t, map[string]bool{
		"192.0.2.1": true,
		"192.0.2.3": false,
		"192.0.2.5": false,
		"192.0.2.4": true,
	})
}

func TestAllowContinents(t *testing.T) {
	newEdge(t, Config{AllowContinents: []string{"EU"}}).want(t, map[string]bool{
		"192.0.2.2": true,
		"192.0.2.3": true,
		"192.0.2.1": false,
		"192.0.2.4": false,
	})
}

func TestDenyContinents(t *testing.T) {
	newEdge(t, Config{DenyContinents: []string{"as", "NA"}}).want(t, map[string]bool{
		"192.0.2.1": false,
		"192.0.2.4": false,
		"192.0.2.2": true,
	})
}

func TestAllowASNs(t *testing.T) {
	newEdge(t, Config{AllowASNs: []int{64501}}).want(t, map[string]bool{
		"192.0.2.2": true,
		"192.0.2.1": false,
		"192.0.2.3": false,
	})
}

func TestDenyASNs(t *testing.T) {
	newEdge(t, Config{DenyASNs: []int{64500, 64503}}).want(t, map[string]bool{
		"192.0.2.1": false,
		"192.0.2.4": false,
		"192.0.2.2": true,
	})
}

// TestAnyRefusalWins combines kinds: Europe, but not Russia nor one
// network.
func TestAnyRefusalWins(t *testing.T) {
	newEdge(t, Config{
		AllowContinents: []string{"EU"},
		DenyCountries:   []string{"RU"},
		DenyASNs:        []int{64501},
	}).want(t, map[string]bool{
		"192.0.2.7": true,  // DE, EU, no ASN
		"192.0.2.2": false, // DE, EU, but AS64501
		"192.0.2.3": false, // RU
		"192.0.2.1": false, // US, not EU
	})
}

func TestIPv6Client(t *testing.T) {
	newEdge(t, Config{AllowCountries: []string{"DE"}, Unknown: "deny"}).want(t, map[string]bool{
		"2001:db8:de::1": true,
		"2001:db8:a5::1": false,
		"2001:db8::1":    false, // not in the data
	})
	newEdge(t, Config{DenyASNs: []int{64503}}).want(t, map[string]bool{
		"2001:db8:de::1": true,
		"2001:db8:a5::1": false,
		"2001:db8::1":    true,
	})
}

func TestUnknownAllow(t *testing.T) {
	// The default: lists do not apply to what the data does not say.
	newEdge(t, Config{AllowCountries: []string{"US"}}).want(t, map[string]bool{
		"10.0.0.1":  true,  // not in the data
		"192.0.2.6": true,  // "XX"
		"192.0.2.2": false, // DE
	})
	newEdge(t, Config{AllowASNs: []int{64500}, Unknown: "allow"}).want(t, map[string]bool{
		"192.0.2.7": true, // no ASN data
		"192.0.2.2": false,
	})
	newEdge(t, Config{DenyContinents: []string{"EU"}}).want(t, map[string]bool{
		"10.0.0.1":  true,
		"192.0.2.5": true, // Tor: a country, no continent
	})
}

func TestUnknownDeny(t *testing.T) {
	newEdge(t, Config{AllowCountries: []string{"US"}, Unknown: "deny"}).want(t, map[string]bool{
		"10.0.0.1":  false,
		"192.0.2.6": false,
		"192.0.2.1": true,
	})
	// Deny lists too: an unplaced client is refused, a placed one that
	// does not match is not.
	newEdge(t, Config{DenyASNs: []int{64503}, Unknown: "deny"}).want(t, map[string]bool{
		"192.0.2.7": false, // DE without ASN data
		"10.0.0.1":  false,
		"192.0.2.2": true,
	})
}

func TestListingXX(t *testing.T) {
	// Naming "XX" matches it whatever unknown says.
	newEdge(t, Config{DenyCountries: []string{"XX"}}).want(t, map[string]bool{
		"192.0.2.6": false,
		"10.0.0.1":  true, // no country at all: unknown = allow
		"192.0.2.1": true,
	})
	newEdge(t, Config{AllowCountries: []string{"US", "xx"}, Unknown: "deny"}).want(t, map[string]bool{
		"192.0.2.6": true,
		"10.0.0.1":  false,
	})
}

func TestWithoutEdgeinfo(t *testing.T) {
	for unknown, want := range map[string]int{"allow": http.StatusOK, "deny": http.StatusForbidden} {
		p, err := New(Config{AllowCountries: []string{"US"}, Unknown: unknown})
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		p.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		if w.Code != want {
			t.Errorf("unknown = %s, no edgeinfo: status %d, want %d", unknown, w.Code, want)
		}
	}
}

func TestDefaultRefusal(t *testing.T) {
	w := newEdge(t, Config{DenyCountries: []string{"RU"}}).get("192.0.2.3")
	if w.Code != http.StatusForbidden || w.Body.String() != defaultBody {
		t.Errorf("got %d %q", w.Code, w.Body)
	}
	for k, v := range map[string]string{
		"Content-Type":           "text/plain; charset=utf-8",
		"Content-Length":         strconv.Itoa(len(defaultBody)),
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
	} {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
}

func TestCustomRefusal(t *testing.T) {
	w := newEdge(t, Config{
		DenyCountries: []string{"RU"},
		Status:        http.StatusUnavailableForLegalReasons,
		Body:          `{"error":"unavailable for legal reasons"}`,
		ContentType:   "application/json",
	}).get("192.0.2.3")
	if w.Code != http.StatusUnavailableForLegalReasons || w.Body.String() != `{"error":"unavailable for legal reasons"}` {
		t.Errorf("got %d %q", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
}

func TestAllows(t *testing.T) {
	p, err := New(Config{AllowCountries: []string{"AR"}})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Allows(geo.Location{Country: "AR"}) || p.Allows(geo.Location{Country: "UY"}) || !p.Allows(geo.Location{}) {
		t.Error("Allows disagrees with allow_countries = [\"AR\"]")
	}
}
