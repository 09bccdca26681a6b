package server

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/verge-edge/verge/bundle"
	"github.com/verge-edge/verge/compat/vercel"
	"github.com/verge-edge/verge/config"
	"github.com/verge-edge/verge/control"
	"github.com/verge-edge/verge/deploy"
	"github.com/verge-edge/verge/edgeinfo"
)

// kvBackend is the node's Workers KV: embedded (verge serve) or reached
// through the PoP's leaf (verge pop).
type kvBackend interface {
	control.KVStore
	Close() error
}

// VersionKeyHeader picks the version of a worker under a gradual rollout:
// clients sending the same key get the same version. Without it the
// client's IP is the key.
const VersionKeyHeader = "Verge-Version-Key"

// deployments is the node's link to the control plane's deployments.
type deployments struct {
	mu      sync.Mutex
	watcher *deploy.Watcher
	store   *deploy.Store // verge serve only: the embedded control plane
	first   chan struct{} // closed at the first set applied
	once    sync.Once
}

// resumeDeployments starts watching deployments when the node has a
// cluster, or when an embedded one holds data from an earlier run; other
// nodes start it on their first deploy (DeployStore), so that serving a
// project folder starts no NATS server. It waits for the first set, so a
// restarted PoP serves its workers from its first request.
func (s *Server) resumeDeployments(cfg *NodeConfig) error {
	if s.opts.Cluster == nil {
		if _, err := os.Stat(cfg.KV.Dir); err != nil {
			return nil
		}
	}
	_, err := s.watchDeployments(context.Background())
	return err
}

// watchDeployments starts the watcher once and waits for its first set.
func (s *Server) watchDeployments(ctx context.Context) (*deploy.Watcher, error) {
	d := &s.deploys
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.watcher != nil {
		return d.watcher, nil
	}
	conn := s.opts.Cluster
	if conn == nil {
		local, err := s.embedded.Local(ctx)
		if err != nil {
			return nil, err
		}
		conn = local.Leaf.Conn()
	}
	d.first = make(chan struct{})
	w, err := deploy.Watch(ctx, deploy.WatchConfig{
		Conn:     conn,
		Dir:      s.state.Load().cfg.Deploy.Dir,
		OnChange: s.applyDeployments,
		Log:      s.log,
	})
	if err != nil {
		return nil, err
	}
	select {
	case <-d.first:
	case <-time.After(10 * time.Second):
		s.log.Warn("deployments not loaded after 10s; serving without them meanwhile")
	}
	d.watcher = w
	return w, nil
}

// DeployStore returns the embedded control plane's deployment store
// (verge serve), starting it on first use.
func (s *Server) DeployStore(ctx context.Context) (*deploy.Store, error) {
	if s.embedded == nil {
		return nil, errors.New("this node is a PoP: deploy through the control plane")
	}
	if _, err := s.watchDeployments(ctx); err != nil {
		return nil, err
	}
	d := &s.deploys
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.store == nil {
		local, err := s.embedded.Local(ctx)
		if err != nil {
			return nil, err
		}
		if d.store, err = deploy.OpenStore(ctx, local.Hub.Conn()); err != nil {
			return nil, err
		}
	}
	return d.store, nil
}

// applyDeployments switches the node to a new set of deployed workers,
// once they are loaded and warm.
func (s *Server) applyDeployments(set deploy.Set) {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	cur := s.state.Load()
	st, err := s.build(cur.cfg, set, cur)
	if err != nil {
		s.log.Error("deployments not applied; serving the previous ones", "err", err)
		return
	}
	s.swap(cur, st)
	s.log.Info("deployments applied", "workers", len(set))
	s.deploys.once.Do(func() { close(s.deploys.first) })
}

// deployedWorker is a deployed worker as one state serves it.
type deployedWorker struct {
	versions []*project
	shares   []int // percent of traffic per version
	handler  http.Handler
}

// addDeployed loads the deployed workers into st and returns their
// routes. A worker that fails to load keeps what prev served for it, or
// is left out: one bad deploy never takes the others down.
func (s *Server) addDeployed(st *state, byName map[string]*project, origins map[string]*origin, prev *state) ([]route, error) {
	st.workers = map[string]*deployedWorker{}
	names := make([]string, 0, len(st.deployed))
	for name := range st.deployed {
		names = append(names, name)
	}
	slices.Sort(names)
	var routes []route
	for _, name := range names {
		w, err := s.loadDeployed(st, st.deployed[name], origins)
		if err != nil {
			if prev == nil || prev.workers[name] == nil {
				s.log.Error("deployed worker failed to load; not serving it", "worker", name, "err", err)
				continue
			}
			s.log.Error("deployed worker failed to load; serving its previous version", "worker", name, "err", err)
			w = prev.workers[name]
		}
		st.workers[name] = w
		st.projects = append(st.projects, w.versions...)
		main, best := w.versions[0], w.shares[0]
		for i, pr := range w.versions {
			if w.shares[i] > best {
				main, best = pr, w.shares[i]
			}
		}
		if byName[name] != nil {
			s.log.Warn("a deployed worker has the name of a project in node.toml; the deployed one serves its routes", "worker", name)
		}
		byName[name] = main
		if info, _ := s.pool.Info(main.spec.ID); info.Style == "lambda-edge" {
			continue // runs where a route's [routes.lambda_edge] names it
		}
		patterns := []string{name + "." + st.cfg.WorkersDomain + "/*"}
		if len(main.cfg.Routes) > 0 {
			patterns = patterns[:0]
			for _, r := range main.cfg.Routes {
				patterns = append(patterns, r.Pattern)
			}
		}
		for _, ps := range patterns {
			p, err := parsePattern(ps)
			if err != nil {
				return nil, fmt.Errorf("%s: route: %w", name, err)
			}
			routes = append(routes, route{p, w.handler})
		}
	}
	return routes, nil
}

// loadDeployed loads the versions of one deployed worker.
func (s *Server) loadDeployed(st *state, d deploy.Deployed, origins map[string]*origin) (*deployedWorker, error) {
	w := &deployedWorker{}
	var hs []http.Handler
	for _, sp := range d.Worker.Split {
		if sp.Percent == 0 {
			continue
		}
		pr, err := s.loadProject(d.Dirs[sp.Version], d.Secrets)
		if err != nil {
			return nil, fmt.Errorf("version %d: %w", sp.Version, err)
		}
		if pr.cfg.Name != d.Worker.Name {
			return nil, fmt.Errorf("version %d is named %q", sp.Version, pr.cfg.Name)
		}
		pr.version = sp.Version
		if pr.wasm != nil {
			prevClose := st.close
			st.close = func() { pr.wasm.Close(context.Background()); prevClose() }
		}
		h, err := s.projectHandler(pr, st.cfg.Colo, origins)
		if err != nil {
			return nil, err
		}
		w.versions = append(w.versions, pr)
		w.shares = append(w.shares, sp.Percent)
		hs = append(hs, h)
	}
	if len(hs) == 0 {
		return nil, errors.New("no version serves traffic")
	}
	w.handler = hs[0]
	if len(hs) > 1 {
		w.handler = &splitHandler{name: d.Worker.Name, shares: w.shares, handlers: hs}
	}
	return w, nil
}

// projectHandler is what serves a loaded project's routes.
func (s *Server) projectHandler(pr *project, colo string, origins map[string]*origin) (http.Handler, error) {
	h := pr.handler(s, colo)
	if vercel.IsMiddlewareEntry(pr.cfg.Main) && pr.cfg.Origin != "" {
		// Vercel's convention: middleware.ts runs in front of the
		// project's origin.
		u, _ := url.Parse(pr.cfg.Origin) // validated by config
		o := newOrigin(pr.cfg.Name, u, OriginConfig{}, s.log)
		var err error
		if h, err = s.middleware(pr, h, o, origins); err != nil {
			return nil, fmt.Errorf("%s: %w", pr.cfg.Name, err)
		}
	}
	return h, nil
}

// buildCode bundles a project's main, or reads it as built when the
// folder is a deployed artifact.
func buildCode(cfg *config.Config) (*bundle.Result, error) {
	man, err := deploy.ReadManifest(cfg.Dir)
	if err != nil {
		res, err := bundle.Build(bundle.Options{Entry: cfg.Main, Sourcemap: true, NodeCompat: cfg.NodeCompat()})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.Name, err)
		}
		return res, nil
	}
	code, err := os.ReadFile(filepath.Join(cfg.Dir, man.Main))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.Name, err)
	}
	res := &bundle.Result{Code: code}
	if man.SourceMap != "" {
		if res.SourceMap, err = os.ReadFile(filepath.Join(cfg.Dir, man.SourceMap)); err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.Name, err)
		}
	}
	for module, f := range man.Wasm {
		code, err := os.ReadFile(filepath.Join(cfg.Dir, f))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.Name, err)
		}
		if res.Wasm == nil {
			res.Wasm = map[string][]byte{}
		}
		res.Wasm[module] = code
	}
	return res, nil
}

// splitHandler sends each client to one version of a worker under a
// gradual rollout, by a hash of the worker's name and the client's key,
// so a client keeps its version as long as the split stays.
type splitHandler struct {
	name     string
	shares   []int
	handlers []http.Handler
}

func (h *splitHandler) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	key := r.Header.Get(VersionKeyHeader)
	if key == "" {
		if info := edgeinfo.From(r.Context()); info != nil && info.ClientIP.IsValid() {
			key = info.ClientIP.String()
		} else {
			key = r.RemoteAddr
		}
	}
	// SHA-256, not FNV: FNV's low bits follow sequential keys ("1",
	// "2"...) in steps, which skews a percentage split.
	sum := sha256.Sum256([]byte(h.name + "\x00" + key))
	n := int(binary.BigEndian.Uint64(sum[:8]) % 100)
	for i, share := range h.shares {
		if n < share || i == len(h.shares)-1 {
			h.handlers[i].ServeHTTP(rw, r)
			return
		}
		n -= share
	}
}

// Requests is how many requests the node has served since it started.
func (s *Server) Requests() uint64 { return s.requests.Load() }

// Serving returns the split of each deployed worker as the node serves it
// now.
func (s *Server) Serving() map[string][]deploy.Split {
	out := map[string][]deploy.Split{}
	st := s.state.Load()
	for name, w := range st.workers {
		for i, pr := range w.versions {
			out[name] = append(out[name], deploy.Split{Version: pr.version, Percent: w.shares[i]})
		}
	}
	return out
}

// addDeployedSecrets opens the control plane's secrets of a worker into
// its vars.
func (s *Server) addDeployedSecrets(cfg *config.Config, sealed map[string]string) error {
	if len(sealed) == 0 {
		return nil
	}
	if s.opts.Secrets == nil {
		return fmt.Errorf("%s has secrets but this node has no secrets key", cfg.Name)
	}
	vals, err := s.opts.Secrets.OpenAll(cfg.Name, sealed)
	if err != nil {
		return err
	}
	return mergeSecrets(cfg, vals)
}
