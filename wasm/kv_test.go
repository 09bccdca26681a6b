package wasm

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/verge-edge/verge/kv"
)

// memKV is a KV in memory, with package kv's validation of keys and TTLs.
type memKV struct {
	mu   sync.Mutex
	data map[string][]byte // namespace id + "/" + key
	gets int
}

func (m *memKV) Get(_ context.Context, ns, key string) ([]byte, json.RawMessage, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gets++
	v, ok := m.data[ns+"/"+key]
	return v, nil, ok, nil
}

func (m *memKV) Put(_ context.Context, ns, key string, value []byte, opts kv.PutOptions) error {
	if key == "" {
		return kv.ErrInvalidKey
	}
	if opts.ExpirationTTL != 0 && opts.ExpirationTTL.Seconds() < kv.MinTTL {
		return kv.ErrInvalidExpiration
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.data == nil {
		m.data = map[string][]byte{}
	}
	m.data[ns+"/"+key] = value
	return nil
}

func (m *memKV) Delete(_ context.Context, ns, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.data, ns+"/"+key)
	return nil
}

func (m *memKV) List(_ context.Context, ns string, opts kv.ListOptions) (kv.ListResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	res := kv.ListResult{ListComplete: true}
	for k := range m.data {
		if name, ok := strings.CutPrefix(k, ns+"/"); ok && strings.HasPrefix(name, opts.Prefix) {
			res.Keys = append(res.Keys, kv.KeyInfo{Name: name})
		}
	}
	slices.SortFunc(res.Keys, func(a, b kv.KeyInfo) int { return strings.Compare(a.Name, b.Name) })
	return res, nil
}

// get returns the read count and the value stored under id/key.
func (m *memKV) get(k string) (int, []byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.data[k]
	return m.gets, v, ok
}

// TestReactorKV drives the kv_* functions through the SDK's verge.KV: only
// bound namespaces are reachable, by binding name.
func TestReactorKV(t *testing.T) {
	store := &memKV{}
	x := compileReactor(t, "app", Options{KV: store, KVNamespaces: map[string]string{"CONFIG": "cfg-id", "OTHER": "other-id"},
		Logger: new(logBuffer).logger()})
	do := func(method, path, body string) (int, string) {
		t.Helper()
		w := serveReactor(x, httptest.NewRequest(method, path, strings.NewReader(body)))
		return w.Code, w.Body.String()
	}
	check := func(method, path, body string, status int, want string) {
		t.Helper()
		if code, got := do(method, path, body); code != status || !strings.Contains(got, want) {
			t.Errorf("%s %s: %d %q, want %d with %q", method, path, code, got, status, want)
		}
	}
	check("GET", "/kv/CONFIG/greeting", "", 404, "missing")
	check("PUT", "/kv/CONFIG/greeting", "hola", 204, "")
	check("GET", "/kv/CONFIG/greeting", "", 200, "hola")
	// The binding names a namespace id; another binding is another one.
	if _, v, _ := store.get("cfg-id/greeting"); string(v) != "hola" {
		t.Errorf("stored under cfg-id: %q", v)
	}
	check("GET", "/kv/OTHER/greeting", "", 404, "missing")
	check("PUT", "/kv/CONFIG/greet2", "x", 204, "")
	check("GET", "/kv/CONFIG?prefix=greet", "", 200, `{"keys":[{"name":"greet2"},{"name":"greeting"}],"list_complete":true}`)
	check("DELETE", "/kv/CONFIG/greeting", "", 204, "")
	check("GET", "/kv/CONFIG/greeting", "", 404, "missing")

	// An unbound name is not found, whatever namespaces exist.
	check("GET", "/kv/cfg-id/greet2", "", 404, "missing")
	check("PUT", "/kv/NOPE/k", "v", 500, "not in verge.toml's [[kv_namespaces]]")
	check("PUT", "/kv/CONFIG/k?ttl=10", "v", 500, "TTL (under 60 s)")
	check("PUT", "/kv/CONFIG/k?ttl=120", "v", 204, "")

	// A value larger than the SDK's first buffer takes two kv_get calls
	// but one read of the store.
	big := strings.Repeat("0123456789", 10_000)
	check("PUT", "/kv/CONFIG/big", big, 204, "")
	before, _, _ := store.get("")
	if code, got := do("GET", "/kv/CONFIG/big", ""); code != 200 || got != big {
		t.Errorf("big value: %d, %d bytes", code, len(got))
	}
	if n, _, _ := store.get(""); n-before != 1 {
		t.Errorf("%d store reads for one large value, want 1", n-before)
	}
}

// TestReactorWithoutKV: with no store, KV calls report that the host has
// none.
func TestReactorWithoutKV(t *testing.T) {
	x := compileReactor(t, "app", Options{KVNamespaces: map[string]string{"CONFIG": "cfg"}})
	w := serveReactor(x, httptest.NewRequest("PUT", "/kv/CONFIG/k", strings.NewReader("v")))
	if w.Code != http.StatusInternalServerError || !strings.Contains(w.Body.String(), "the host has no KV store") {
		t.Errorf("%d %q", w.Code, w.Body)
	}
}
