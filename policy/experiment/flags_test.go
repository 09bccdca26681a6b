package experiment

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
)

func TestFlagRules(t *testing.T) {
	srv, e := serve(t, Config{Flags: []Flag{
		{Name: "by_country", Default: "default", Rules: []FlagRule{
			{Countries: []string{"ar", "UY"}, Value: "south"},
			{Countries: []string{"DE"}, Value: "de"},
		}},
		{Name: "by_claim", Default: int64(0), Rules: []FlagRule{
			{Claim: "role", ClaimValue: "admin", Value: int64(2)},
			{Claim: "roles", ClaimValue: "editor", Value: int64(3)}, // array claim
			{Claim: "beta", Value: int64(1)},                        // present and truthy
		}},
		{Name: "all_conditions", Default: false, Rules: []FlagRule{
			{Countries: []string{"AR"}, Claim: "beta", Value: true},
		}},
		{Name: "nobody", Default: false, Sticky: "header:X-User", Rules: []FlagRule{{Percentage: ptr(0.0), Value: true}}},
		{Name: "everybody", Default: false, Sticky: "header:X-User", Rules: []FlagRule{{Percentage: ptr(100.0), Value: true}}},
		{Name: "table", Default: map[string]any{"color": "gris", "size": int64(1)}, Rules: []FlagRule{
			{Countries: []string{"JP"}, Value: map[string]any{"color": "灰色", "size": int64(2)}},
		}},
	}})

	tests := []struct {
		headers []string
		want    map[string]any
	}{
		{nil, map[string]any{"by_country": "default", "by_claim": 0.0, "all_conditions": false}},
		{[]string{"X-Test-Country: AR"}, map[string]any{"by_country": "south", "all_conditions": false}},
		{[]string{"X-Test-Country: uy"}, map[string]any{"by_country": "south"}},
		{[]string{"X-Test-Country: DE"}, map[string]any{"by_country": "de"}},
		{[]string{`X-Test-Claims: {"role":"admin","beta":true}`}, map[string]any{"by_claim": 2.0}}, // first match wins
		{[]string{`X-Test-Claims: {"role":"user","roles":["x","editor"]}`}, map[string]any{"by_claim": 3.0}},
		{[]string{`X-Test-Claims: {"beta":"yes"}`}, map[string]any{"by_claim": 1.0}},
		{[]string{`X-Test-Claims: {"beta":false}`}, map[string]any{"by_claim": 0.0}},
		{[]string{`X-Test-Claims: {"beta":true}`, "X-Test-Country: AR"}, map[string]any{"all_conditions": true}},
		{[]string{`X-Test-Claims: {"beta":true}`, "X-Test-Country: UY"}, map[string]any{"all_conditions": false}},
		{[]string{"X-User: u1"}, map[string]any{"nobody": false, "everybody": true}},
		{nil, map[string]any{"everybody": false}}, // no key: percentage never matches
		{[]string{"X-Test-Country: JP"}, map[string]any{"table": map[string]any{"color": "灰色", "size": 2.0}}},
	}
	for _, tt := range tests {
		_, s := get(t, srv.Client(), srv, tt.headers...)
		raw := s.Header.Get("X-Verge-Flags")
		var got map[string]any
		if err := json.Unmarshal([]byte(raw), &got); err != nil {
			t.Fatalf("%v: header %q: %v", tt.headers, raw, err)
		}
		for name, want := range tt.want {
			if !reflect.DeepEqual(got[name], want) {
				t.Errorf("%v: %s = %#v, want %#v", tt.headers, name, got[name], want)
			}
		}
		for i := 0; i < len(raw); i++ {
			if raw[i] >= 0x80 {
				t.Fatalf("flags header is not ASCII: %q", raw)
			}
		}
	}

	// Evaluate gives the same values, with TOML's own types.
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	got := e.Flags().Evaluate(r)
	if got["by_claim"] != int64(0) || got["by_country"] != "default" || len(got) != 6 {
		t.Errorf("Evaluate: %#v", got)
	}
	got["table"].(map[string]any)["color"] = "changed"
	if again := e.Flags().Evaluate(r); again["table"].(map[string]any)["color"] != "gris" {
		t.Error("changing Evaluate's result changed the configuration")
	}
}

func TestFlagPercentage(t *testing.T) {
	e, err := New(Config{Flags: []Flag{
		{Name: "rollout", Default: false, Sticky: "header:X-User", Rules: []FlagRule{{Percentage: ptr(30.0), Value: true}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	fl := e.Flags()
	on := map[int]bool{}
	for i := range 10000 {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("X-User", fmt.Sprint("user-", i))
		on[i] = fl.Evaluate(r)["rollout"] == true
	}
	n := 0
	for _, v := range on {
		if v {
			n++
		}
	}
	if n < 2700 || n > 3300 {
		t.Errorf("30%%: %d of 10000 keys, want 3000 ± 300", n)
	}

	// Raising the percentage only adds keys.
	if err := fl.Set([]Flag{
		{Name: "rollout", Default: false, Sticky: "header:X-User", Rules: []FlagRule{{Percentage: ptr(60.0), Value: true}}},
	}); err != nil {
		t.Fatal(err)
	}
	m := 0
	for i := range 10000 {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("X-User", fmt.Sprint("user-", i))
		now := fl.Evaluate(r)["rollout"] == true
		if on[i] && !now {
			t.Fatalf("user-%d dropped out when the rollout grew", i)
		}
		if now {
			m++
		}
	}
	if m < 5700 || m > 6300 {
		t.Errorf("60%%: %d of 10000 keys", m)
	}
}

func TestFlagStickyKinds(t *testing.T) {
	for _, sticky := range []string{"", "ip", "claim:sub", "header:X-User", "cookie:session"} {
		e, err := New(Config{Flags: []Flag{{Name: "f", Default: false, Sticky: sticky,
			Rules: []FlagRule{{Percentage: ptr(50.0), Value: true}}}}})
		if err != nil {
			t.Fatalf("%q: %v", sticky, err)
		}
		srv := httptest.NewServer(front(e.Wrap(echo(e))))
		on := 0
		for i := range 200 {
			hs := []string{
				fmt.Sprintf("X-Test-Ip: 198.51.100.%d", i), fmt.Sprintf(`X-Test-Claims: {"sub":"s%d"}`, i),
				fmt.Sprintf("X-User: u%d", i), fmt.Sprintf("Cookie: session=c%d", i),
			}
			_, a := get(t, srv.Client(), srv, hs...)
			_, b := get(t, srv.Client(), srv, hs...)
			if a.Header.Get("X-Verge-Flags") != b.Header.Get("X-Verge-Flags") {
				t.Errorf("%q: key %d flipped", sticky, i)
			}
			if a.Header.Get("X-Verge-Flags") == `{"f":true}` {
				on++
			}
		}
		srv.Close()
		if on < 60 || on > 140 {
			t.Errorf("%q: %d of 200 on at 50%%", sticky, on)
		}
	}
}

// TestFlagsSetLive replaces the flags while requests run (go test -race):
// every request sees one generation whole, never a mix.
func TestFlagsSetLive(t *testing.T) {
	gen := func(n int64) []Flag {
		return []Flag{
			{Name: "a", Default: n},
			{Name: "b", Default: n, Rules: []FlagRule{{Countries: []string{"AR"}, Value: n * 10}}},
		}
	}
	srv, e := serve(t, Config{Flags: gen(0), FlagsHeader: "X-Flags"})
	client := srv.Client()

	var stop atomic.Bool
	var wg sync.WaitGroup
	var sets atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := int64(1); !stop.Load(); n++ {
			if err := e.Flags().Set(gen(n % 2)); err != nil {
				t.Error(err)
				return
			}
			sets.Add(1)
		}
	}()
	valid := map[string]bool{`{"a":0,"b":0}`: true, `{"a":1,"b":10}`: true}
	seenGen := map[string]bool{}
	var mu sync.Mutex
	var readers sync.WaitGroup
	for range 4 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for range 100 {
				_, s := get(t, client, srv, "X-Test-Country: AR")
				h := s.Header.Get("X-Flags")
				if !valid[h] {
					t.Errorf("flags header %q mixes generations", h)
				}
				mu.Lock()
				seenGen[h] = true
				mu.Unlock()
			}
		}()
	}
	readers.Wait()
	stop.Store(true)
	wg.Wait()
	if sets.Load() < 2 {
		t.Errorf("only %d Sets ran", sets.Load())
	}
	t.Logf("%d Sets during 400 requests; generations seen: %v", sets.Load(), seenGen)

	// A bad configuration is refused and the flags in use stay.
	if err := e.Flags().Set(gen(7)); err != nil {
		t.Fatal(err)
	}
	err := e.Flags().Set([]Flag{{Name: "a", Default: true, Rules: []FlagRule{{Percentage: ptr(101.0), Value: true}}}})
	if err == nil || err.Error() != "flags[0].rules[0].percentage: 101 is out of range 0-100" {
		t.Errorf("bad Set: %v", err)
	}
	if got := e.Flags().Evaluate(httptest.NewRequest(http.MethodGet, "/", nil)); got["a"] != int64(7) {
		t.Errorf("after a bad Set: %v", got)
	}
}
