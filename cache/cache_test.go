package cache

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// origin is a real HTTP origin whose handler tests swap, behind a real
// reverse proxy, behind the cache, behind a real server.
type origin struct {
	hits    atomic.Int64
	mu      sync.Mutex
	handler http.HandlerFunc
	lastReq *http.Request
}

func (o *origin) set(h http.HandlerFunc) {
	o.mu.Lock()
	o.handler = h
	o.mu.Unlock()
}

func (o *origin) last() *http.Request {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.lastReq
}

type fixture struct {
	t      *testing.T
	c      *Cache
	clock  *clock
	origin *origin
	front  *httptest.Server
}

func newFixture(t *testing.T, opts Options, rules Rules) *fixture {
	t.Helper()
	o := &origin{}
	osrv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		o.hits.Add(1)
		o.mu.Lock()
		h := o.handler
		o.lastReq = r
		o.mu.Unlock()
		h(rw, r)
	}))
	t.Cleanup(osrv.Close)
	ou, _ := url.Parse(osrv.URL)
	proxy := httputil.NewSingleHostReverseProxy(ou)
	proxy.ErrorLog = nil
	clk := &clock{t: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	opts.Now = clk.now
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(c.Handler(proxy, rules))
	t.Cleanup(func() { front.Close(); c.Close() })
	return &fixture{t: t, c: c, clock: clk, origin: o, front: front}
}

type result struct {
	status int
	cache  string
	age    string
	body   string
	header http.Header
}

func (f *fixture) do(method, path string, hdr ...string) result {
	f.t.Helper()
	req, _ := http.NewRequest(method, f.front.URL+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return result{resp.StatusCode, resp.Header.Get(StatusHeader), resp.Header.Get("Age"), string(b), resp.Header}
}

func (f *fixture) expect(r result, status int, cache, body string) {
	f.t.Helper()
	if r.status != status || r.cache != cache || r.body != body {
		f.t.Fatalf("got %d %s %.40q, want %d %s %.40q", r.status, r.cache, r.body, status, cache, body)
	}
}

// counter answers with a body naming how many times the origin was hit.
func (f *fixture) counter(cc string, extra ...string) {
	f.origin.set(func(rw http.ResponseWriter, r *http.Request) {
		if cc != "" {
			rw.Header().Set("Cache-Control", cc)
		}
		for i := 0; i+1 < len(extra); i += 2 {
			rw.Header().Add(extra[i], extra[i+1])
		}
		fmt.Fprintf(rw, "v%d", f.origin.hits.Load())
	})
}

func TestMissThenHit(t *testing.T) {
	f := newFixture(t, Options{}, Rules{})
	f.counter("max-age=60", "Cache-Tag", "a,b")
	r := f.do("GET", "/x")
	f.expect(r, 200, StatusMiss, "v1")
	if r.header.Get("Cache-Tag") != "" {
		t.Error("Cache-Tag reached the client")
	}
	f.clock.advance(10 * time.Second)
	r = f.do("GET", "/x")
	f.expect(r, 200, StatusHit, "v1")
	if r.age != "10" {
		t.Errorf("Age = %q, want 10", r.age)
	}
	f.expect(f.do("HEAD", "/x"), 200, StatusHit, "")
	f.expect(f.do("GET", "/x?q=1"), 200, StatusMiss, "v2")
	f.clock.advance(51 * time.Second)
	f.expect(f.do("GET", "/x"), 200, StatusExpired, "v3")
	f.expect(f.do("GET", "/x"), 200, StatusHit, "v3")
}

func TestNotStored(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cc    string
		extra []string
		req   []string
	}{
		{"no-store", "no-store, max-age=60", nil, nil},
		{"private", "private, max-age=60", nil, nil},
		{"set-cookie", "max-age=60", []string{"Set-Cookie", "s=1"}, nil},
		{"vary-star", "max-age=60", []string{"Vary", "*"}, nil},
		{"no-freshness", "", nil, nil},
		{"authorization", "max-age=60", nil, []string{"Authorization", "Bearer x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Options{}, Rules{})
			f.counter(tc.cc, tc.extra...)
			f.expect(f.do("GET", "/", tc.req...), 200, StatusDynamic, "v1")
			f.expect(f.do("GET", "/", tc.req...), 200, StatusDynamic, "v2")
		})
	}
}

func TestAuthorizationWithPublic(t *testing.T) {
	f := newFixture(t, Options{}, Rules{})
	f.counter("public, max-age=60")
	f.expect(f.do("GET", "/", "Authorization", "Bearer x"), 200, StatusMiss, "v1")
	f.expect(f.do("GET", "/", "Authorization", "Bearer y"), 200, StatusHit, "v1")
}

func TestFreshnessSources(t *testing.T) {
	f := newFixture(t, Options{}, Rules{})
	// s-maxage wins over max-age for a shared cache.
	f.counter("max-age=1, s-maxage=100")
	f.do("GET", "/s")
	f.clock.advance(50 * time.Second)
	f.expect(f.do("GET", "/s"), 200, StatusHit, "v1")

	// Expires minus Date.
	f.origin.set(func(rw http.ResponseWriter, r *http.Request) {
		now := f.clock.now()
		rw.Header().Set("Date", now.Format(http.TimeFormat))
		rw.Header().Set("Expires", now.Add(30*time.Second).Format(http.TimeFormat))
		io.WriteString(rw, "expires")
	})
	f.expect(f.do("GET", "/e"), 200, StatusMiss, "expires")
	f.clock.advance(20 * time.Second)
	f.expect(f.do("GET", "/e"), 200, StatusHit, "expires")
	f.clock.advance(20 * time.Second)
	f.expect(f.do("GET", "/e"), 200, StatusExpired, "expires")

	// Heuristic: 10% of the time since Last-Modified.
	f.origin.set(func(rw http.ResponseWriter, r *http.Request) {
		now := f.clock.now()
		rw.Header().Set("Date", now.Format(http.TimeFormat))
		rw.Header().Set("Last-Modified", now.Add(-1000*time.Second).Format(http.TimeFormat))
		io.WriteString(rw, "heuristic")
	})
	f.expect(f.do("GET", "/h"), 200, StatusMiss, "heuristic")
	f.clock.advance(90 * time.Second)
	f.expect(f.do("GET", "/h"), 200, StatusHit, "heuristic")
}

func TestAgeFromUpstream(t *testing.T) {
	f := newFixture(t, Options{}, Rules{})
	f.counter("max-age=60", "Age", "50")
	f.do("GET", "/")
	r := f.do("GET", "/")
	f.expect(r, 200, StatusHit, "v1")
	if r.age != "50" {
		t.Errorf("Age = %q, want 50", r.age)
	}
	f.clock.advance(11 * time.Second)
	f.expect(f.do("GET", "/"), 200, StatusExpired, "v2")
}

func TestRevalidateETag(t *testing.T) {
	f := newFixture(t, Options{}, Rules{})
	f.origin.set(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Cache-Control", "max-age=10")
		rw.Header().Set("ETag", `"v1"`)
		rw.Header().Set("X-Gen", fmt.Sprint(f.origin.hits.Load()))
		if r.Header.Get("If-None-Match") == `"v1"` {
			rw.WriteHeader(http.StatusNotModified)
			return
		}
		io.WriteString(rw, "body-v1")
	})
	f.expect(f.do("GET", "/"), 200, StatusMiss, "body-v1")
	f.clock.advance(11 * time.Second)
	r := f.do("GET", "/")
	f.expect(r, 200, StatusRevalidated, "body-v1")
	if r.header.Get("X-Gen") != "2" {
		t.Errorf("304's header fields not merged: X-Gen = %q", r.header.Get("X-Gen"))
	}
	if f.origin.last().Header.Get("If-None-Match") != `"v1"` {
		t.Error("revalidation did not send If-None-Match")
	}
	// The refreshed entry is fresh again.
	f.expect(f.do("GET", "/"), 200, StatusHit, "body-v1")
	// The client's own conditional request is answered by the cache.
	r = f.do("GET", "/", "If-None-Match", `"v1"`)
	if r.status != http.StatusNotModified || r.cache != StatusHit {
		t.Errorf("conditional hit: %d %s", r.status, r.cache)
	}
	if f.origin.hits.Load() != 2 {
		t.Errorf("origin hits = %d, want 2", f.origin.hits.Load())
	}
}

func TestRevalidateLastModifiedAndNoCache(t *testing.T) {
	f := newFixture(t, Options{}, Rules{})
	lm := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Format(http.TimeFormat)
	f.origin.set(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Cache-Control", "no-cache")
		rw.Header().Set("Last-Modified", lm)
		if r.Header.Get("If-Modified-Since") == lm {
			rw.WriteHeader(http.StatusNotModified)
			return
		}
		io.WriteString(rw, "page")
	})
	f.expect(f.do("GET", "/"), 200, StatusMiss, "page")
	// no-cache: every use is revalidated, and the body comes from the cache.
	f.expect(f.do("GET", "/"), 200, StatusRevalidated, "page")
	f.expect(f.do("GET", "/"), 200, StatusRevalidated, "page")
	if f.origin.hits.Load() != 3 {
		t.Errorf("origin hits = %d, want 3", f.origin.hits.Load())
	}
}

func TestRangeFromCache(t *testing.T) {
	f := newFixture(t, Options{}, Rules{})
	f.counter("max-age=60")
	f.do("GET", "/r")
	r := f.do("GET", "/r", "Range", "bytes=1-1")
	if r.status != http.StatusPartialContent || r.body != "1" || r.cache != StatusHit {
		t.Errorf("range hit: %d %q %s", r.status, r.body, r.cache)
	}
	// A range miss is passed on and not stored.
	r = f.do("GET", "/other", "Range", "bytes=0-0")
	if r.cache != StatusBypass {
		t.Errorf("range miss: %s", r.cache)
	}
}

func TestVary(t *testing.T) {
	f := newFixture(t, Options{}, Rules{})
	f.origin.set(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Cache-Control", "max-age=60")
		rw.Header().Set("Vary", "Accept-Language, Accept-Encoding")
		fmt.Fprintf(rw, "%s-%d", r.Header.Get("Accept-Language"), f.origin.hits.Load())
	})
	f.expect(f.do("GET", "/", "Accept-Language", "en"), 200, StatusMiss, "en-1")
	f.expect(f.do("GET", "/", "Accept-Language", "fr"), 200, StatusMiss, "fr-2")
	f.expect(f.do("GET", "/", "Accept-Language", "en"), 200, StatusHit, "en-1")
	f.expect(f.do("GET", "/", "Accept-Language", "fr"), 200, StatusHit, "fr-2")
	// Equivalent Accept-Encoding values share an entry.
	f.expect(f.do("GET", "/", "Accept-Language", "de", "Accept-Encoding", "gzip, deflate"), 200, StatusMiss, "de-3")
	f.expect(f.do("GET", "/", "Accept-Language", "de", "Accept-Encoding", "deflate, gzip;q=0.8"), 200, StatusHit, "de-3")
}

// TestKeyHeaders: a route's key headers split the cache as if the
// responses varied on them, alongside the responses' own Vary, and a purge
// by URL removes every variant.
func TestKeyHeaders(t *testing.T) {
	f := newFixture(t, Options{}, Rules{KeyHeaders: []string{"x-verge-experiment-checkout"}})
	f.origin.set(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Cache-Control", "max-age=60")
		rw.Header().Set("Vary", "Accept-Language")
		fmt.Fprintf(rw, "%s/%s-%d", r.Header.Get("X-Verge-Experiment-Checkout"), r.Header.Get("Accept-Language"), f.origin.hits.Load())
	})
	const exp = "X-Verge-Experiment-Checkout"
	f.expect(f.do("GET", "/", exp, "control"), 200, StatusMiss, "control/-1")
	f.expect(f.do("GET", "/", exp, "new"), 200, StatusMiss, "new/-2")
	f.expect(f.do("GET", "/", exp, "control"), 200, StatusHit, "control/-1")
	f.expect(f.do("GET", "/", exp, "new"), 200, StatusHit, "new/-2")
	f.expect(f.do("GET", "/", exp, "new", "Accept-Language", "fr"), 200, StatusMiss, "new/fr-3")
	f.expect(f.do("GET", "/", exp, "new", "Accept-Language", "fr"), 200, StatusHit, "new/fr-3")
	if n, err := f.c.Purge(Purge{Files: []string{f.front.URL + "/"}}); err != nil || n != 3 {
		t.Fatalf("purged %d entries (%v), want 3", n, err)
	}
	f.expect(f.do("GET", "/", exp, "control"), 200, StatusMiss, "control/-4")
}

func TestStaleWhileRevalidate(t *testing.T) {
	f := newFixture(t, Options{}, Rules{})
	f.counter("max-age=10, stale-while-revalidate=30")
	f.do("GET", "/")
	f.clock.advance(15 * time.Second)
	f.expect(f.do("GET", "/"), 200, StatusUpdating, "v1")
	f.c.Close() // the background revalidation has stored v2
	f.expect(f.do("GET", "/"), 200, StatusHit, "v2")
	// Past the window the client waits for the origin.
	f.clock.advance(50 * time.Second)
	f.expect(f.do("GET", "/"), 200, StatusExpired, "v3")
}

func TestStaleIfError(t *testing.T) {
	f := newFixture(t, Options{}, Rules{})
	f.counter("max-age=10, stale-if-error=60")
	f.do("GET", "/")
	f.clock.advance(20 * time.Second)
	f.origin.set(func(rw http.ResponseWriter, r *http.Request) {
		http.Error(rw, "down", http.StatusServiceUnavailable)
	})
	f.expect(f.do("GET", "/"), 200, StatusStale, "v1")
	f.clock.advance(60 * time.Second)
	f.expect(f.do("GET", "/"), 503, StatusDynamic, "down\n")

	// must-revalidate forbids serving stale content.
	g := newFixture(t, Options{}, Rules{})
	g.counter("max-age=10, stale-if-error=60, must-revalidate")
	g.do("GET", "/")
	g.clock.advance(20 * time.Second)
	g.origin.set(func(rw http.ResponseWriter, r *http.Request) {
		http.Error(rw, "down", http.StatusServiceUnavailable)
	})
	g.expect(g.do("GET", "/"), 503, StatusDynamic, "down\n")
}

func TestStaleIfOriginUnreachable(t *testing.T) {
	// The origin goes away entirely: the proxy answers 502 itself.
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := dead.Addr().String()
	dead.Close()
	f := newFixture(t, Options{}, Rules{})
	f.counter("max-age=10, stale-if-error=60")
	f.do("GET", "/")
	f.clock.advance(20 * time.Second)
	u, _ := url.Parse("http://" + addr)
	f.front.Config.Handler = f.c.Handler(httputil.NewSingleHostReverseProxy(u), Rules{})
	f.expect(f.do("GET", "/"), 200, StatusStale, "v1")
}

func TestCollapsing(t *testing.T) {
	f := newFixture(t, Options{}, Rules{})
	release := make(chan struct{})
	f.origin.set(func(rw http.ResponseWriter, r *http.Request) {
		<-release
		rw.Header().Set("Cache-Control", "max-age=60")
		io.WriteString(rw, "once")
	})
	const n = 20
	var wg sync.WaitGroup
	bodies := make(chan string, n)
	for range n {
		wg.Go(func() {
			resp, err := http.Get(f.front.URL + "/slow")
			if err != nil {
				t.Error(err)
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			bodies <- string(b)
		})
	}
	// Let the leader reach the origin, then release it; requests that
	// arrive later find the stored response, so the count is exact.
	for f.origin.hits.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	close(bodies)
	for b := range bodies {
		if b != "once" {
			t.Errorf("body %q", b)
		}
	}
	if h := f.origin.hits.Load(); h != 1 {
		t.Errorf("origin hits = %d, want 1", h)
	}
}

func TestCollapsedUncacheable(t *testing.T) {
	// Waiters for a response that cannot be shared fetch their own.
	f := newFixture(t, Options{}, Rules{})
	release := make(chan struct{})
	f.origin.set(func(rw http.ResponseWriter, r *http.Request) {
		if f.origin.hits.Load() == 1 {
			<-release
		}
		rw.Header().Set("Cache-Control", "private")
		io.WriteString(rw, "mine")
	})
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			resp, err := http.Get(f.front.URL + "/p")
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})
	}
	for f.origin.hits.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	if h := f.origin.hits.Load(); h != 5 {
		t.Errorf("origin hits = %d, want 5", h)
	}
}

func TestPurge(t *testing.T) {
	f := newFixture(t, Options{}, Rules{})
	f.origin.set(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Cache-Control", "max-age=600")
		rw.Header().Set("Cache-Tag", "path-"+strings.Trim(r.URL.Path, "/")[:1]+", All")
		io.WriteString(rw, r.URL.Path)
	})
	host := strings.TrimPrefix(f.front.URL, "http://")
	fill := func() {
		for _, p := range []string{"/a/1", "/a/2", "/b/1"} {
			f.do("GET", p)
		}
	}
	cached := func() (n int) {
		for _, p := range []string{"/a/1", "/a/2", "/b/1"} {
			if f.do("GET", p).cache == StatusHit {
				n++
			}
		}
		return n
	}
	fill()
	if n, _ := f.c.Purge(Purge{Files: []string{f.front.URL + "/a/1"}}); n != 1 {
		t.Errorf("purge file removed %d", n)
	}
	if c := cached(); c != 2 {
		t.Errorf("after file purge %d cached, want 2", c)
	}
	fill()
	if n, _ := f.c.Purge(Purge{Prefixes: []string{f.front.URL + "/a/"}}); n != 2 {
		t.Errorf("purge prefix removed %d", n)
	}
	fill()
	if n, _ := f.c.Purge(Purge{Tags: []string{"PATH-b"}}); n != 1 {
		t.Errorf("purge tag removed %d", n)
	}
	fill()
	if n, _ := f.c.Purge(Purge{Tags: []string{"all"}}); n != 3 {
		t.Errorf("purge common tag removed %d", n)
	}
	fill()
	if n, _ := f.c.Purge(Purge{Hosts: []string{host}}); n != 3 {
		t.Errorf("purge host removed %d", n)
	}
	fill()
	if n, _ := f.c.Purge(Purge{Everything: true}); n != 3 {
		t.Errorf("purge everything removed %d", n)
	}
	if _, err := f.c.Purge(Purge{}); err == nil {
		t.Error("empty purge accepted")
	}
	if _, err := f.c.Purge(Purge{Files: []string{"not a url"}}); err == nil {
		t.Error("bad URL accepted")
	}
}

func TestUnsafeMethodInvalidates(t *testing.T) {
	f := newFixture(t, Options{}, Rules{})
	f.counter("max-age=60")
	f.do("GET", "/item")
	f.expect(f.do("GET", "/item"), 200, StatusHit, "v1")
	f.expect(f.do("POST", "/item"), 200, StatusDynamic, "v2")
	f.expect(f.do("GET", "/item"), 200, StatusMiss, "v3")
}

func TestRouteTTL(t *testing.T) {
	f := newFixture(t, Options{}, Rules{TTL: time.Minute, IgnoreQuery: true})
	f.counter("")
	f.expect(f.do("GET", "/?a=1"), 200, StatusMiss, "v1")
	f.expect(f.do("GET", "/?a=2"), 200, StatusHit, "v1")
	f.clock.advance(61 * time.Second)
	f.expect(f.do("GET", "/"), 200, StatusExpired, "v2")
	f.counter("no-store")
	f.expect(f.do("GET", "/ns"), 200, StatusDynamic, "v3")
}

func TestTornBodyNotStored(t *testing.T) {
	f := newFixture(t, Options{}, Rules{})
	f.origin.set(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Cache-Control", "max-age=60")
		rw.Header().Set("Content-Length", "100")
		rw.WriteHeader(200)
		io.WriteString(rw, "only half")
		rw.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // cut the connection
	})
	resp, err := http.Get(f.front.URL + "/torn")
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Fatal("torn body reached the client whole")
	}
	f.counter("max-age=60")
	f.expect(f.do("GET", "/torn"), 200, StatusMiss, "v2")
}

func TestLargeObjectPassesThrough(t *testing.T) {
	f := newFixture(t, Options{MaxObjectBytes: 1000}, Rules{})
	big := strings.Repeat("x", 5000)
	f.origin.set(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Cache-Control", "max-age=60")
		if r.URL.Query().Get("chunked") == "" {
			rw.Header().Set("Content-Length", "5000")
		}
		io.WriteString(rw, big)
	})
	// With a Content-Length the cache knows at once; a chunked body is
	// found too big on the way.
	f.expect(f.do("GET", "/big"), 200, StatusDynamic, big)
	f.expect(f.do("GET", "/big?chunked=1"), 200, StatusMiss, big)
	for _, p := range []string{"/big", "/big?chunked=1"} {
		if r := f.do("GET", p); r.cache == StatusHit || r.body != big {
			t.Errorf("%s: %s, %d bytes", p, r.cache, len(r.body))
		}
	}
}

func TestMemoryBoundAndDiskTier(t *testing.T) {
	dir := t.TempDir()
	f := newFixture(t, Options{MemoryBytes: 64 << 10, DiskDir: dir, DiskBytes: 1 << 20}, Rules{})
	body := strings.Repeat("d", 4<<10)
	f.origin.set(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Cache-Control", "max-age=600")
		rw.Header().Set("Cache-Tag", "disk")
		io.WriteString(rw, r.URL.Path+body)
	})
	for i := range 40 {
		f.do("GET", fmt.Sprintf("/%d", i))
	}
	st := f.c.Stats()
	if st.MemoryBytes > 64<<10 || st.DiskEntries == 0 {
		t.Fatalf("stats %+v: memory over bound or nothing spilled", st)
	}
	// Every entry is still served, from one tier or the other.
	for i := range 40 {
		p := fmt.Sprintf("/%d", i)
		f.expect(f.do("GET", p), 200, StatusHit, p+body)
	}
	// The disk tier survives a restart.
	c2, err := New(Options{DiskDir: dir, DiskBytes: 1 << 20, Now: f.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	if st := c2.Stats(); st.DiskEntries == 0 {
		t.Fatal("disk tier empty after reopen")
	}
	// A corrupt file is dropped, not served.
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	os.WriteFile(files[0], []byte("garbage"), 0o600)
	c3, err := New(Options{DiskDir: dir, DiskBytes: 1 << 20, Now: f.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c3.Stats().DiskEntries, len(files)-1; got != want {
		t.Errorf("after corruption %d entries, want %d", got, want)
	}
	if n, _ := c3.Purge(Purge{Tags: []string{"disk"}}); n != len(files)-1 {
		t.Errorf("purge by tag on disk removed %d", n)
	}
}
