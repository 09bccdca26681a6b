package control_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/verge-edge/verge/cluster"
	"github.com/verge-edge/verge/control"
	"github.com/verge-edge/verge/deploy"
	"github.com/verge-edge/verge/kv"
)

type apiTest struct {
	t    *testing.T
	srv  *httptest.Server
	root string
}

func newAPI(t *testing.T) *apiTest {
	t.Helper()
	ctx := context.Background()
	local, err := cluster.StartLocal(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { local.Close() })
	store, err := deploy.OpenStore(ctx, local.Hub.Conn())
	if err != nil {
		t.Fatal(err)
	}
	root, _ := control.NewSecret()
	api := control.New(control.Config{
		Hub:       func(context.Context) (*nats.Conn, error) { return local.Hub.Conn(), nil },
		Deploys:   func(context.Context) (*deploy.Store, error) { return store, nil },
		KV:        kv.NewNamespaces(local.Hub.Conn(), nil),
		RootToken: root,
	})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return &apiTest{t: t, srv: srv, root: root}
}

func (a *apiTest) call(token, method, path string, body []byte) (int, string) {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.srv.URL+path, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (a *apiTest) token(name string, scopes ...string) string {
	a.t.Helper()
	body, _ := json.Marshal(map[string]any{"name": name, "scopes": scopes})
	status, out := a.call(a.root, "POST", "/v1/tokens", body)
	if status != http.StatusCreated {
		a.t.Fatalf("create token: %d %s", status, out)
	}
	var res struct{ Token string }
	json.Unmarshal([]byte(out), &res)
	return res.Token
}

func artifact(t *testing.T, name string) []byte {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "verge.toml"), []byte("name = \""+name+"\"\nmain = \"w.js\"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "w.js"), []byte("export default { fetch() { return new Response('x') } }"), 0o644)
	_, art, err := deploy.Pack(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return art
}

func TestScopes(t *testing.T) {
	a := newAPI(t)
	reader := a.token("ci-read", control.ScopeRead)
	deployer := a.token("ci-deploy", control.ScopeDeploy, control.ScopeRead)
	art := artifact(t, "shop")

	for _, c := range []struct {
		token, method, path string
		body                []byte
		want                int
	}{
		{"", "GET", "/v1/workers", nil, http.StatusUnauthorized},
		{"verge_nope", "GET", "/v1/workers", nil, http.StatusUnauthorized},
		{reader, "GET", "/v1/workers", nil, http.StatusOK},
		{reader, "POST", "/v1/workers/shop/versions", art, http.StatusForbidden},
		{deployer, "POST", "/v1/workers/shop/versions", art, http.StatusCreated},
		{deployer, "POST", "/v1/workers/other/versions", art, http.StatusBadRequest}, // the artifact is "shop"
		{deployer, "POST", "/v1/workers/shop/versions?percent=0", art, http.StatusBadRequest},
		{deployer, "POST", "/v1/workers/shop/versions", []byte("junk"), http.StatusBadRequest},
		{deployer, "GET", "/v1/tokens", nil, http.StatusForbidden},
		{deployer, "GET", "/v1/audit", nil, http.StatusForbidden},
		{deployer, "PUT", "/kv/namespaces/ns/values/k", []byte("v"), http.StatusForbidden},
		{reader, "GET", "/v1/workers/nope", nil, http.StatusNotFound},
		{reader, "GET", "/v1/workers/BAD NAME", nil, http.StatusBadRequest},
		{deployer, "PUT", "/v1/workers/shop/split", []byte(`[{"version":1,"percent":60}]`), http.StatusBadRequest},
		{deployer, "PUT", "/v1/workers/shop/split", []byte(`not json`), http.StatusBadRequest},
		{deployer, "POST", "/v1/workers/shop/rollback", nil, http.StatusBadRequest}, // no older version
		{a.root, "PUT", "/kv/namespaces/ns/values/k", []byte("v"), http.StatusOK},
		{deployer, "POST", "/v1/workers/shop/versions", make([]byte, deploy.MaxArtifact+1), http.StatusRequestEntityTooLarge},
		{"", "GET", "/v1/openapi.json", nil, http.StatusOK},
	} {
		if status, body := a.call(c.token, c.method, c.path, c.body); status != c.want {
			t.Errorf("%s %s with %.12s: %d, want %d: %s", c.method, c.path, c.token, status, c.want, body)
		}
	}

	// Revoked tokens stop working.
	if status, _ := a.call(a.root, "DELETE", "/v1/tokens/ci-read", nil); status != http.StatusOK {
		t.Fatalf("revoke: %d", status)
	}
	if status, _ := a.call(reader, "GET", "/v1/workers", nil); status != http.StatusUnauthorized {
		t.Errorf("revoked token: %d", status)
	}
	for _, bad := range []string{`{"name":"x","scopes":["everything"]}`, `{"name":"root","scopes":["read"]}`, `{"name":"ci-deploy","scopes":["read"]}`, `{"name":"y","scopes":[]}`} {
		if status, body := a.call(a.root, "POST", "/v1/tokens", []byte(bad)); status != http.StatusBadRequest {
			t.Errorf("token %s: %d %s", bad, status, body)
		}
	}
	_, list := a.call(a.root, "GET", "/v1/tokens", nil)
	if !strings.Contains(list, "ci-deploy") || strings.Contains(list, "ci-read") || strings.Contains(list, deployer) {
		t.Errorf("token list: %s", list)
	}

	// The audit log names who did what.
	_, audit := a.call(a.root, "GET", "/v1/audit", nil)
	var entries []control.Entry
	if err := json.Unmarshal([]byte(audit), &entries); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Token+" "+e.Action+" "+e.Target)
	}
	want := []string{"root token.create ci-read", "root token.create ci-deploy", "ci-deploy deploy shop", "root token.revoke ci-read"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestOpenAPI: the description lists every call with its scope.
func TestOpenAPI(t *testing.T) {
	a := newAPI(t)
	_, body := a.call("", "GET", "/v1/openapi.json", nil)
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			id, _ := op["operationId"].(string)
			if ids[id] {
				t.Errorf("operationId %q twice", id)
			}
			ids[id] = true
			if op["x-verge-scope"] == "" {
				t.Errorf("%s %s has no scope", method, path)
			}
		}
	}
	for _, want := range []string{"/v1/workers", "/v1/workers/{name}/versions", "/v1/workers/{name}/rollback", "/v1/pops", "/v1/tokens", "/v1/audit"} {
		if doc.Paths[want] == nil {
			t.Errorf("no %s", want)
		}
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
}
