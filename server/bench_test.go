package server

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"slices"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// BenchmarkPolicies measures what each policy adds to a proxied request
// through the real server (loopback client, server and origin, one
// connection), so the costs read as ratios of the bare route.
//
//	go test -run '^$' -bench Policies ./server/
func BenchmarkPolicies(b *testing.B) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer origin.Close()
	const secret = "0123456789abcdef0123456789abcdef"
	tok, err := jws.Sign([]byte(fmt.Sprintf(`{"sub":"u1","exp":%d}`, time.Now().Add(time.Hour).Unix())), jws.WithKey(jwa.HS256(), []byte(secret)))
	if err != nil {
		b.Fatal(err)
	}
	policies := []struct{ name, toml string }{
		{"none", ""},
		{"geo_access", "[routes.geo_access]\ndeny_countries = [\"KP\", \"IR\"]\n"},
		{"waf_managed", "[routes.waf]\nmanaged = [\"path-traversal\", \"injection\", \"bad-bots\"]\n"},
		{"waf_3_rules", "[[routes.waf.rules]]\nname = \"a\"\nexpr = 'path.startsWith(\"/admin\") && !ip_in(ip, [\"10.0.0.0/8\"])'\naction = \"block\"\n" +
			"[[routes.waf.rules]]\nname = \"b\"\nexpr = 'headers[\"x-api-key\"] == \"bad\"'\naction = \"block\"\n" +
			"[[routes.waf.rules]]\nname = \"c\"\nexpr = 'country == \"KP\" || query[\"debug\"] == \"1\"'\naction = \"block\"\n"},
		{"rate_limit", "[routes.rate_limit]\nrequests = 1000000000\nperiod = \"1h\"\n"},
		{"jwt_hs256", "[routes.jwt]\nsecret = \"" + secret + "\"\nalgorithms = [\"HS256\"]\n"},
		{"experiment", "[[routes.experiments]]\nname = \"x\"\nsticky = \"ip\"\n[[routes.experiments.variants]]\nname = \"a\"\nweight = 1\n[[routes.experiments.variants]]\nname = \"b\"\nweight = 1\n"},
		{"transform", "[routes.transform.request_headers]\nset = { \"X-Client-Ip\" = \"{client_ip}\" }\n[routes.transform.response_headers]\nremove = [\"Server\"]\n"},
	}
	all := ""
	for _, p := range policies {
		all += p.toml
	}
	policies = append(policies, struct{ name, toml string }{"all", all})
	// All routes run side by side and requests alternate between them,
	// so the machine's drift (it is noisy) falls on every route alike.
	type target struct {
		name   string
		req    *http.Request
		client *http.Client
		total  time.Duration
	}
	var targets []*target
	for _, p := range policies {
		n := startNode(b, map[string]string{"node.toml": "[listen]\nhttp = \"127.0.0.1:0\"\n[origins.o]\nurl = \"" + origin.URL +
			"\"\n[[routes]]\npattern = \"*/*\"\norigin = \"o\"\n" + p.toml})
		req, _ := http.NewRequest("GET", n.http+"/page?q=1", nil)
		req.Header.Set("Authorization", "Bearer "+string(tok))
		req.Header.Set("User-Agent", "bench")
		targets = append(targets, &target{name: p.name, req: req, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}})
	}
	for b.Loop() {
		for _, t := range targets {
			start := time.Now()
			resp, err := t.client.Do(t.req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			t.total += time.Since(start)
			if resp.StatusCode != 200 {
				b.Fatalf("%s: status %d", t.name, resp.StatusCode)
			}
		}
	}
	for _, t := range targets {
		b.ReportMetric(float64(t.total.Microseconds())/float64(b.N), t.name+"-µs/req")
	}
}

// BenchmarkEdgeLatency measures the latency the edge layer adds: requests
// alternate between the origin directly and the origin through verge serve
// (route matching, geo lookup, client IP headers, proxying), one at a time
// on kept-alive connections, and the percentiles of both are reported.
//
//	go test -run '^$' -bench EdgeLatency -benchtime 20000x ./server/
func BenchmarkEdgeLatency(b *testing.B) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer origin.Close()
	n := startNode(b, map[string]string{"node.toml": "[listen]\nhttp = \"127.0.0.1:0\"\n[geo]\ndb = [\"" + writeCityDB(b) +
		"\"]\n[origins.o]\nurl = \"" + origin.URL + "\"\n[[routes]]\npattern = \"*/*\"\norigin = \"o\"\n"})
	// As verge serve does (set GOGC=100 to see the default's tail).
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	TuneGC(n.srv.state.Load().cfg)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	get := func(url string) time.Duration {
		start := time.Now()
		resp, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return time.Since(start)
	}
	var direct, edge []time.Duration
	for b.Loop() {
		direct = append(direct, get(origin.URL+"/page"))
		edge = append(edge, get(n.http+"/page"))
	}
	pct := func(d []time.Duration, p float64) float64 {
		s := slices.Clone(d)
		slices.Sort(s)
		return float64(s[int(p*float64(len(s)-1))].Microseconds())
	}
	b.ReportMetric(pct(direct, 0.5), "direct-p50-µs")
	b.ReportMetric(pct(direct, 0.99), "direct-p99-µs")
	b.ReportMetric(pct(edge, 0.5), "edge-p50-µs")
	b.ReportMetric(pct(edge, 0.99), "edge-p99-µs")
	b.ReportMetric(pct(edge, 0.99)-pct(direct, 0.99), "added-p99-µs")
}
