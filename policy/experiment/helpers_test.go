package experiment

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/verge-edge/verge/edgeinfo"
	"github.com/verge-edge/verge/geo"
)

// seen is what the echo handler reports about the request it received.
type seen struct {
	Variants map[string]string  `json:"variants"`
	Header   http.Header        `json:"header"`
	Chosen   map[string]Variant `json:"chosen"` // from Experiments.Variant
}

// front stands in for the PoP front: it fills edgeinfo from test headers
// (X-Test-Ip, X-Test-Country, X-Test-Claims as JSON).
func front(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := &edgeinfo.Info{Colo: "EZE"}
		if ip := r.Header.Get("X-Test-Ip"); ip != "" {
			info.ClientIP = netip.MustParseAddr(ip)
		}
		info.Location = geo.Location{Country: r.Header.Get("X-Test-Country")}
		if c := r.Header.Get("X-Test-Claims"); c != "" {
			if err := json.Unmarshal([]byte(c), &info.Claims); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
		}
		h.ServeHTTP(w, r.WithContext(edgeinfo.With(r.Context(), info)))
	})
}

// echo answers with what it saw, including each experiment's Variant.
func echo(e *Experiments, names ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := seen{Variants: edgeinfo.From(r.Context()).Variants, Header: r.Header, Chosen: map[string]Variant{}}
		for _, n := range names {
			if v, ok := e.Variant(r, n); ok {
				s.Chosen[n] = v
			}
		}
		json.NewEncoder(w).Encode(s)
	})
}

// serve starts a 127.0.0.1 server: front, then cfg's policy, then echo.
func serve(t testing.TB, cfg Config) (*httptest.Server, *Experiments) {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var names []string
	for _, x := range cfg.Experiments {
		names = append(names, x.Name)
	}
	srv := httptest.NewServer(front(e.Wrap(echo(e, names...))))
	t.Cleanup(srv.Close)
	return srv, e
}

// get sends a GET with headers ("Name: value") and decodes what the echo
// handler saw.
func get(t testing.TB, client *http.Client, srv *httptest.Server, headers ...string) (*http.Response, seen) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		req.Header.Add(name, strings.TrimSpace(value))
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var s seen
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, &s); err != nil {
		t.Fatalf("%v in %q", err, body)
	}
	return resp, s
}

func ptr[T any](v T) *T { return &v }

// threeWay is an experiment split 50/30/20.
func threeWay(sticky string) Experiment {
	return Experiment{
		Name:   "checkout",
		Sticky: sticky,
		Variants: []Variant{
			{Name: "control", Weight: 50},
			{Name: "blue", Weight: 30, Origin: "blue-origin"},
			{Name: "green", Weight: 20, PathPrefix: "/green"},
		},
	}
}
