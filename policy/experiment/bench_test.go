package experiment

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/verge-edge/verge/edgeinfo"
	"github.com/verge-edge/verge/geo"
)

// BenchmarkWrap runs a returning client (cookie honored) through two
// experiments and three flags.
func BenchmarkWrap(b *testing.B) {
	e, err := New(Config{
		Experiments: []Experiment{threeWay(""), {Name: "search", Sticky: "ip", Variants: []Variant{{Name: "a", Weight: 1}, {Name: "b", Weight: 1}}}},
		Flags: []Flag{
			{Name: "beta", Default: false, Rules: []FlagRule{{Claim: "beta", Value: true}, {Percentage: ptr(10.0), Value: true}}},
			{Name: "banner", Default: "none", Rules: []FlagRule{{Countries: []string{"DE", "FR"}, Value: "consent"}}},
			{Name: "limit", Default: int64(10)},
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	h := e.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Cookie", "verge-exp-checkout=ABCDEFGHIJKLMNOPQRSTUVWXYZ.blue")
	// One Info reused: the benchmark is one goroutine, and Wrap only
	// overwrites the same Variants entries.
	info := &edgeinfo.Info{ClientIP: netip.MustParseAddr("203.0.113.7"), Location: geo.Location{Country: "AR"}}
	r = r.WithContext(edgeinfo.With(r.Context(), info))
	w := &sink{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
	if w.h.Get("Set-Cookie") != "" {
		b.Fatal("a returning client was given a cookie")
	}
}

// sink is a minimal ResponseWriter, so the benchmark measures the policy.
type sink struct{ h http.Header }

func (s *sink) Header() http.Header         { return s.h }
func (s *sink) Write(b []byte) (int, error) { return len(b), nil }
func (s *sink) WriteHeader(int)             {}
