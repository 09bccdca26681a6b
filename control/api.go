package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/verge-edge/verge/deploy"
	"github.com/verge-edge/verge/secrets"
)

// Config configures the API.
type Config struct {
	// Hub returns a connection that reaches the hub (the hub's own, or the
	// embedded one of verge serve, started on first use).
	Hub func(ctx context.Context) (*nats.Conn, error)
	// Deploys returns the deployment store.
	Deploys func(ctx context.Context) (*deploy.Store, error)
	// KV serves /kv/...; nil leaves it out.
	KV KVStore
	// Secrets seals secret values for the PoPs (verge control); nil
	// leaves the secrets calls out (verge serve keeps its own).
	Secrets *secrets.Keyring
	// RootToken holds every scope. With Open set and no RootToken, every
	// caller does (a loopback-only verge serve without an admin token).
	RootToken string
	Open      bool
	Log       *slog.Logger
}

// API is the control plane's HTTP handler.
type API struct {
	cfg Config
	mux *http.ServeMux

	mu     sync.Mutex
	tokens *tokens
	audit  *audit
	pops   *pops
}

// route is one call of the API; the table makes both the mux and the
// OpenAPI description, so the two cannot drift apart.
type route struct {
	method, path, scope, summary string
	handle                       func(a *API, rw http.ResponseWriter, r *http.Request, tok *Token) error
}

var routes = []route{
	{"GET", "/v1/workers", ScopeRead, "List deployed workers with their versions and split", (*API).listWorkers},
	{"GET", "/v1/workers/{name}", ScopeRead, "A worker's deployment record", (*API).getWorker},
	{"POST", "/v1/workers/{name}/versions", ScopeDeploy, "Upload an artifact (verge deploy) as a new version; query: percent, message", (*API).upload},
	{"PUT", "/v1/workers/{name}/split", ScopeDeploy, "Set the traffic split: [{version, percent}]", (*API).setSplit},
	{"POST", "/v1/workers/{name}/promote", ScopeDeploy, "Give the newest version of the split all traffic", (*API).promote},
	{"POST", "/v1/workers/{name}/rollback", ScopeDeploy, "Serve one version alone: {version} (default: the previous one)", (*API).rollback},
	{"DELETE", "/v1/workers/{name}", ScopeDeploy, "Remove a worker from every PoP", (*API).deleteWorker},
	{"GET", "/v1/kv/namespaces", ScopeKV, "List KV namespaces", (*API).listNamespaces},
	{"POST", "/v1/kv/namespaces", ScopeKV, "Create a KV namespace: {name}", (*API).createNamespace},
	{"GET", "/v1/secrets/{worker}", ScopeSecrets, "A worker's secret names (never values)", (*API).listSecrets},
	{"PUT", "/v1/secrets/{worker}/{name}", ScopeSecrets, "Set a secret; the body is the value", (*API).putSecret},
	{"DELETE", "/v1/secrets/{worker}/{name}", ScopeSecrets, "Delete a secret", (*API).deleteSecret},
	{"GET", "/v1/tail", ScopeRead, "Stream live events from every PoP as JSON lines; query: worker, status, method, search, sampling", (*API).tail},
	{"GET", "/v1/pops", ScopeRead, "PoPs with location, health, versions served, last heartbeat and request rate", (*API).listPoPs},
	{"GET", "/v1/tokens", ScopeAdmin, "List API tokens (names and scopes)", (*API).listTokens},
	{"POST", "/v1/tokens", ScopeAdmin, "Create a token: {name, scopes}; the secret is shown once", (*API).createToken},
	{"DELETE", "/v1/tokens/{name}", ScopeAdmin, "Revoke a token", (*API).revokeToken},
	{"GET", "/v1/audit", ScopeAdmin, "The latest changes, newest last; query: limit", (*API).listAudit},
}

// New returns the API.
func New(cfg Config) *API {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	a := &API{cfg: cfg, mux: http.NewServeMux()}
	for _, rt := range routes {
		h := func(rw http.ResponseWriter, r *http.Request) {
			tok, ok := a.authorize(rw, r, rt.scope)
			if !ok {
				return
			}
			if err := rt.handle(a, rw, r, tok); err != nil {
				a.fail(rw, err)
			}
		}
		a.mux.HandleFunc(rt.method+" "+rt.path, h)
		if p, ok := strings.CutPrefix(rt.path, "/v1/secrets/"); ok {
			// The node admin API's paths, so `verge secret --admin`
			// works against the control plane too.
			a.mux.HandleFunc(rt.method+" /secrets/"+p, h)
		}
	}
	a.mux.HandleFunc("GET /v1/openapi.json", func(rw http.ResponseWriter, r *http.Request) {
		writeJSON(rw, http.StatusOK, openAPI())
	})
	if cfg.KV != nil {
		kvMux := http.NewServeMux()
		MountKV(kvMux, cfg.KV)
		a.mux.HandleFunc("/kv/", func(rw http.ResponseWriter, r *http.Request) {
			if _, ok := a.authorize(rw, r, ScopeKV); ok {
				kvMux.ServeHTTP(rw, r)
			}
		})
	}
	return a
}

func (a *API) ServeHTTP(rw http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(rw, r) }

// Handles reports whether path belongs to the API, for a server that
// mounts it next to other handlers.
func Handles(path string) bool { return strings.HasPrefix(path, "/v1/") }

// httpError is an error with its status.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &httpError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

func (a *API) fail(rw http.ResponseWriter, err error) {
	status := http.StatusBadRequest
	var he *httpError
	switch {
	case errors.As(err, &he):
		status = he.status
	case errors.Is(err, deploy.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrNoResponders), errors.Is(err, nats.ErrTimeout):
		status = http.StatusServiceUnavailable
		err = fmt.Errorf("the hub is unreachable: %w", err)
	}
	writeJSON(rw, status, map[string]any{"success": false, "error": err.Error()})
}

// state opens the hub-side stores on first use.
func (a *API) state(ctx context.Context) (*tokens, *audit, *pops, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tokens != nil {
		return a.tokens, a.audit, a.pops, nil
	}
	conn, err := a.cfg.Hub(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	t, err := openTokens(ctx, conn, a.cfg.RootToken)
	if err != nil {
		return nil, nil, nil, err
	}
	au, err := openAudit(ctx, conn)
	if err != nil {
		return nil, nil, nil, err
	}
	p, err := OpenPoPs(ctx, conn)
	if err != nil {
		return nil, nil, nil, err
	}
	a.tokens, a.audit, a.pops = t, au, p
	return t, au, p, nil
}

// authorize finds the caller's token and checks its scope.
func (a *API) authorize(rw http.ResponseWriter, r *http.Request, scope string) (*Token, bool) {
	secret, hasBearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if a.cfg.Open && a.cfg.RootToken == "" {
		return &Token{Name: "local", Scopes: allScopes}, true
	}
	if !hasBearer || secret == "" {
		rw.Header().Set("WWW-Authenticate", `Bearer realm="verge"`)
		writeJSON(rw, http.StatusUnauthorized, map[string]any{"success": false, "error": "an API token is required (verge login)"})
		return nil, false
	}
	var tok *Token
	if secret == a.cfg.RootToken {
		tok = &Token{Name: "root", Scopes: allScopes}
	} else {
		t, _, _, err := a.state(r.Context())
		if err == nil {
			tok, err = t.lookup(r.Context(), secret)
		}
		if err != nil {
			a.fail(rw, err)
			return nil, false
		}
	}
	if tok == nil {
		rw.Header().Set("WWW-Authenticate", `Bearer realm="verge", error="invalid_token"`)
		writeJSON(rw, http.StatusUnauthorized, map[string]any{"success": false, "error": "unknown API token"})
		return nil, false
	}
	if !tok.has(scope) {
		writeJSON(rw, http.StatusForbidden, map[string]any{"success": false, "error": fmt.Sprintf("token %q lacks the %q scope", tok.Name, scope)})
		return nil, false
	}
	return tok, true
}

// record writes a change to the audit log. A change that cannot be
// audited still happened, so a failure is logged, not returned.
func (a *API) record(r *http.Request, tok *Token, action, target, detail string) {
	_, au, _, err := a.state(r.Context())
	if err == nil {
		err = au.append(r.Context(), Entry{Time: time.Now().UTC(), Token: tok.Name, Action: action, Target: target, Detail: detail, Remote: r.RemoteAddr})
	}
	if err != nil {
		a.cfg.Log.Error("audit log write failed", "action", action, "target", target, "err", err)
	}
}

func (a *API) store(ctx context.Context) (*deploy.Store, error) { return a.cfg.Deploys(ctx) }

func (a *API) listWorkers(rw http.ResponseWriter, r *http.Request, _ *Token) error {
	st, err := a.store(r.Context())
	if err != nil {
		return err
	}
	ws, err := st.List(r.Context())
	if err != nil {
		return err
	}
	if ws == nil {
		ws = []*deploy.Worker{}
	}
	writeJSON(rw, http.StatusOK, ws)
	return nil
}

func (a *API) getWorker(rw http.ResponseWriter, r *http.Request, _ *Token) error {
	st, err := a.store(r.Context())
	if err != nil {
		return err
	}
	w, err := st.Get(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(rw, http.StatusOK, w)
	return nil
}

func (a *API) upload(rw http.ResponseWriter, r *http.Request, tok *Token) error {
	q := r.URL.Query()
	percent := 100
	if p := q.Get("percent"); p != "" {
		var err error
		if percent, err = strconv.Atoi(p); err != nil || percent < 1 || percent > 100 {
			return badRequest("percent: %q is not a whole number within 1-100", p)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, deploy.MaxArtifact))
	if err != nil {
		return &httpError{http.StatusRequestEntityTooLarge, fmt.Sprintf("artifact: %v (the limit is %d bytes)", err, deploy.MaxArtifact)}
	}
	st, err := a.store(r.Context())
	if err != nil {
		return err
	}
	name := r.PathValue("name")
	w, v, err := st.Upload(r.Context(), body, deploy.UploadOptions{Percent: percent, Message: q.Get("message"), By: tok.Name, Name: name})
	if err != nil {
		return err
	}
	a.record(r, tok, "deploy", name, fmt.Sprintf("version %d (%s) at %d%%", v.Number, v.Digest[:12], percent))
	writeJSON(rw, http.StatusCreated, map[string]any{"success": true, "version": v, "worker": w})
	return nil
}

func (a *API) setSplit(rw http.ResponseWriter, r *http.Request, tok *Token) error {
	var split []deploy.Split
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&split); err != nil {
		return badRequest("split body: %v", err)
	}
	return a.change(rw, r, tok, "split", fmt.Sprint(split), func(st *deploy.Store, name string) (*deploy.Worker, error) {
		return st.SetSplit(r.Context(), name, split)
	})
}

func (a *API) promote(rw http.ResponseWriter, r *http.Request, tok *Token) error {
	return a.change(rw, r, tok, "promote", "", func(st *deploy.Store, name string) (*deploy.Worker, error) {
		return st.Promote(r.Context(), name)
	})
}

func (a *API) rollback(rw http.ResponseWriter, r *http.Request, tok *Token) error {
	var body struct {
		Version int `json:"version"`
	}
	if r.ContentLength != 0 {
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil && !errors.Is(err, io.EOF) {
			return badRequest("rollback body: %v", err)
		}
	}
	return a.change(rw, r, tok, "rollback", fmt.Sprintf("to version %d", body.Version), func(st *deploy.Store, name string) (*deploy.Worker, error) {
		return st.Rollback(r.Context(), name, body.Version)
	})
}

// change runs one change to a worker's record and audits it.
func (a *API) change(rw http.ResponseWriter, r *http.Request, tok *Token, action, detail string, do func(*deploy.Store, string) (*deploy.Worker, error)) error {
	st, err := a.store(r.Context())
	if err != nil {
		return err
	}
	name := r.PathValue("name")
	w, err := do(st, name)
	if err != nil {
		return err
	}
	a.record(r, tok, action, name, fmt.Sprintf("%s; split %v", detail, w.Split))
	writeJSON(rw, http.StatusOK, map[string]any{"success": true, "worker": w})
	return nil
}

func (a *API) deleteWorker(rw http.ResponseWriter, r *http.Request, tok *Token) error {
	st, err := a.store(r.Context())
	if err != nil {
		return err
	}
	name := r.PathValue("name")
	if err := st.Delete(r.Context(), name); err != nil {
		return err
	}
	a.record(r, tok, "delete", name, "")
	writeJSON(rw, http.StatusOK, map[string]any{"success": true})
	return nil
}

func (a *API) kv() (KVStore, error) {
	if a.cfg.KV == nil {
		return nil, &httpError{http.StatusNotFound, "this node has no KV"}
	}
	return a.cfg.KV, nil
}

func (a *API) listNamespaces(rw http.ResponseWriter, r *http.Request, _ *Token) error {
	store, err := a.kv()
	if err != nil {
		return err
	}
	list, err := store.ListNamespaces(r.Context())
	if err != nil {
		return err
	}
	writeJSON(rw, http.StatusOK, list)
	return nil
}

func (a *API) createNamespace(rw http.ResponseWriter, r *http.Request, tok *Token) error {
	var body struct {
		Name string `json:"name"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil {
		return badRequest("namespace body: %v", err)
	}
	store, err := a.kv()
	if err != nil {
		return err
	}
	if err := store.Create(r.Context(), body.Name); err != nil {
		return err
	}
	a.record(r, tok, "kv.namespace.create", body.Name, "")
	writeJSON(rw, http.StatusCreated, map[string]any{"success": true, "id": body.Name})
	return nil
}

func (a *API) keyring() (*secrets.Keyring, error) {
	if a.cfg.Secrets == nil {
		return nil, &httpError{http.StatusNotFound, "this node keeps secrets in its admin API (/secrets/...)"}
	}
	return a.cfg.Secrets, nil
}

func (a *API) listSecrets(rw http.ResponseWriter, r *http.Request, _ *Token) error {
	if _, err := a.keyring(); err != nil {
		return err
	}
	st, err := a.store(r.Context())
	if err != nil {
		return err
	}
	names, err := st.SecretNames(r.Context(), r.PathValue("worker"))
	if err != nil {
		return err
	}
	writeJSON(rw, http.StatusOK, map[string]any{"success": true, "names": names})
	return nil
}

func (a *API) putSecret(rw http.ResponseWriter, r *http.Request, tok *Token) error {
	ring, err := a.keyring()
	if err != nil {
		return err
	}
	worker, name := r.PathValue("worker"), r.PathValue("name")
	value, err := io.ReadAll(io.LimitReader(r.Body, secrets.MaxValue+1))
	if err != nil {
		return badRequest("secret body: %v", err)
	}
	sealed, err := ring.Seal(worker, name, string(value))
	if err != nil {
		return badRequest("%v", err)
	}
	st, err := a.store(r.Context())
	if err != nil {
		return err
	}
	if err := st.PutSecret(r.Context(), worker, name, sealed); err != nil {
		return err
	}
	a.record(r, tok, "secret.put", worker+"."+name, "")
	writeJSON(rw, http.StatusOK, map[string]any{"success": true})
	return nil
}

func (a *API) deleteSecret(rw http.ResponseWriter, r *http.Request, tok *Token) error {
	if _, err := a.keyring(); err != nil {
		return err
	}
	worker, name := r.PathValue("worker"), r.PathValue("name")
	if err := secrets.CheckName(worker, name); err != nil {
		return badRequest("%v", err)
	}
	st, err := a.store(r.Context())
	if err != nil {
		return err
	}
	if err := st.DeleteSecret(r.Context(), worker, name); err != nil {
		return err
	}
	a.record(r, tok, "secret.delete", worker+"."+name, "")
	writeJSON(rw, http.StatusOK, map[string]any{"success": true})
	return nil
}

func (a *API) listPoPs(rw http.ResponseWriter, r *http.Request, _ *Token) error {
	_, _, p, err := a.state(r.Context())
	if err != nil {
		return err
	}
	list, err := p.List(r.Context())
	if err != nil {
		return err
	}
	writeJSON(rw, http.StatusOK, list)
	return nil
}

func (a *API) listTokens(rw http.ResponseWriter, r *http.Request, _ *Token) error {
	t, _, _, err := a.state(r.Context())
	if err != nil {
		return err
	}
	list, err := t.list(r.Context())
	if err != nil {
		return err
	}
	if list == nil {
		list = []Token{}
	}
	writeJSON(rw, http.StatusOK, list)
	return nil
}

func (a *API) createToken(rw http.ResponseWriter, r *http.Request, tok *Token) error {
	var body struct {
		Name   string   `json:"name"`
		Scopes []string `json:"scopes"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil {
		return badRequest("token body: %v", err)
	}
	t, _, _, err := a.state(r.Context())
	if err != nil {
		return err
	}
	secret, created, err := t.create(r.Context(), body.Name, body.Scopes)
	if err != nil {
		return badRequest("%v", err)
	}
	a.record(r, tok, "token.create", body.Name, strings.Join(created.Scopes, ","))
	writeJSON(rw, http.StatusCreated, map[string]any{"success": true, "token": secret, "name": created.Name, "scopes": created.Scopes})
	return nil
}

func (a *API) revokeToken(rw http.ResponseWriter, r *http.Request, tok *Token) error {
	t, _, _, err := a.state(r.Context())
	if err != nil {
		return err
	}
	name := r.PathValue("name")
	ok, err := t.revoke(r.Context(), name)
	if err != nil {
		return err
	}
	if !ok {
		return &httpError{http.StatusNotFound, fmt.Sprintf("no token named %q", name)}
	}
	a.record(r, tok, "token.revoke", name, "")
	writeJSON(rw, http.StatusOK, map[string]any{"success": true})
	return nil
}

func (a *API) listAudit(rw http.ResponseWriter, r *http.Request, _ *Token) error {
	limit := 100
	if l := r.URL.Query().Get("limit"); l != "" {
		var err error
		if limit, err = strconv.Atoi(l); err != nil || limit < 1 || limit > 10000 {
			return badRequest("limit: %q is not within 1-10000", l)
		}
	}
	_, au, _, err := a.state(r.Context())
	if err != nil {
		return err
	}
	entries, err := au.last(r.Context(), limit)
	if err != nil {
		return err
	}
	writeJSON(rw, http.StatusOK, entries)
	return nil
}

func writeJSON(rw http.ResponseWriter, status int, v any) {
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(status)
	json.NewEncoder(rw).Encode(v)
}

func (a *API) tail(rw http.ResponseWriter, r *http.Request, _ *Token) error {
	TailHandler(a.cfg.Hub).ServeHTTP(rw, r)
	return nil
}
