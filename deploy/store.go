package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/verge-edge/verge/cluster"
	"github.com/verge-edge/verge/config"
)

// ErrNotFound is returned for a worker that has no record.
var ErrNotFound = errors.New("no such worker")

// Store writes deployments: the control plane's side. It works on any
// connection that reaches the hub (the hub's own, or a PoP's leaf).
type Store struct {
	kv      jetstream.KeyValue
	secrets jetstream.KeyValue
	objs    jetstream.ObjectStore
	now     func() time.Time
}

// OpenStore creates the buckets at the hub when needed.
func OpenStore(ctx context.Context, conn *nats.Conn) (*Store, error) {
	js, err := jetstream.NewWithDomain(conn, cluster.HubDomain)
	if err != nil {
		return nil, fmt.Errorf("deploy: %w", err)
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      DeploymentsBucket,
		Description: "Verge worker deployments",
		History:     1,
		Storage:     jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("deploy: bucket %s: %w", DeploymentsBucket, err)
	}
	objs, err := js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket:      ArtifactsBucket,
		Description: "Verge worker artifacts by SHA-256",
		Storage:     jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("deploy: bucket %s: %w", ArtifactsBucket, err)
	}
	secrets, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      SecretsBucket,
		Description: "Verge worker secrets, sealed",
		History:     1,
		Storage:     jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("deploy: bucket %s: %w", SecretsBucket, err)
	}
	return &Store{kv: kv, secrets: secrets, objs: objs, now: time.Now}, nil
}

// UploadOptions describe a new version.
type UploadOptions struct {
	// Percent is the new version's share of traffic; the rest stays with
	// the version serving now. 0 means 100.
	Percent int
	Message string
	By      string
	// Name, when set, must be the artifact's worker name.
	Name string
}

// Upload stores a new version of the worker named in the artifact and
// starts serving it (to opts.Percent of clients). The artifact is checked
// by unpacking it before anything is written.
func (s *Store) Upload(ctx context.Context, artifact []byte, opts UploadOptions) (*Worker, Version, error) {
	if opts.Percent == 0 {
		opts.Percent = 100
	}
	if opts.Percent < 1 || opts.Percent > 100 {
		return nil, Version{}, fmt.Errorf("deploy: percent %d is not within 1-100", opts.Percent)
	}
	man, err := check(artifact)
	if err != nil {
		return nil, Version{}, err
	}
	if opts.Name != "" && opts.Name != man.Name {
		return nil, Version{}, fmt.Errorf("deploy: the artifact is worker %q, not %q", man.Name, opts.Name)
	}
	digest := Digest(artifact)
	if _, err := s.objs.GetInfo(ctx, digest); errors.Is(err, jetstream.ErrObjectNotFound) {
		if _, err := s.objs.Put(ctx, jetstream.ObjectMeta{Name: digest}, bytes.NewReader(artifact)); err != nil {
			return nil, Version{}, fmt.Errorf("deploy: storing the artifact: %w", err)
		}
	} else if err != nil {
		return nil, Version{}, fmt.Errorf("deploy: %w", err)
	}
	var v Version
	w, err := s.update(ctx, man.Name, true, func(w *Worker) error {
		v = Version{Number: w.Latest().Number + 1, Digest: digest, Size: int64(len(artifact)), Created: s.now().UTC(), Message: opts.Message, By: opts.By}
		w.Versions = append(w.Versions, v)
		if opts.Percent == 100 || len(w.Split) == 0 {
			w.Split = []Split{{v.Number, 100}}
		} else {
			w.Split = []Split{{v.Number, opts.Percent}, {w.Serving(), 100 - opts.Percent}}
		}
		return nil
	})
	return w, v, err
}

// check unpacks an artifact into a temporary folder to validate it.
func check(artifact []byte) (*Manifest, error) {
	tmp, err := os.MkdirTemp("", "verge-check-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "a")
	man, err := Unpack(artifact, dir)
	if err != nil {
		return nil, err
	}
	if err := CheckName(man.Name); err != nil {
		return nil, fmt.Errorf("deploy: %w", err)
	}
	// A PoP would refuse an invalid config at load; refuse it here, with
	// the key and line, before it is anyone's current version.
	cfg, err := config.Load(filepath.Join(dir, config.FileName))
	if err != nil {
		return nil, fmt.Errorf("deploy: %w", err)
	}
	if cfg.Name != man.Name {
		return nil, fmt.Errorf("deploy: verge.toml names %q but the artifact %q", cfg.Name, man.Name)
	}
	return man, nil
}

// SetSplit sets which versions serve the worker's traffic.
func (s *Store) SetSplit(ctx context.Context, name string, split []Split) (*Worker, error) {
	return s.update(ctx, name, false, func(w *Worker) error {
		if err := w.checkSplit(split); err != nil {
			return err
		}
		w.Split = slices.Clone(split)
		return nil
	})
}

// Rollback serves version n alone. n = 0 means: during a gradual rollout,
// the version that served before it (aborting it); otherwise the newest
// version older than the one serving now.
func (s *Store) Rollback(ctx context.Context, name string, n int) (*Worker, error) {
	return s.update(ctx, name, false, func(w *Worker) error {
		if n == 0 && len(w.Split) > 1 {
			// During a rollout: abort it, back to the oldest version of
			// the split (the one serving before).
			n = w.Split[0].Version
			for _, sp := range w.Split {
				n = min(n, sp.Version)
			}
		}
		if n == 0 {
			cur := w.Serving()
			for _, v := range w.Versions {
				if v.Number < cur {
					n = v.Number
				}
			}
			if n == 0 {
				return fmt.Errorf("%s: no version older than %d to roll back to", name, cur)
			}
		}
		split := []Split{{n, 100}}
		if err := w.checkSplit(split); err != nil {
			return err
		}
		w.Split = split
		return nil
	})
}

// Promote gives the newest version of the split all the traffic, ending a
// gradual rollout.
func (s *Store) Promote(ctx context.Context, name string) (*Worker, error) {
	return s.update(ctx, name, false, func(w *Worker) error {
		newest := 0
		for _, sp := range w.Split {
			newest = max(newest, sp.Version)
		}
		w.Split = []Split{{newest, 100}}
		return nil
	})
}

// Delete removes the worker from every PoP. Its artifacts stay in the
// Object Store (another worker may share one).
func (s *Store) Delete(ctx context.Context, name string) error {
	if _, err := s.Get(ctx, name); err != nil {
		return err
	}
	if err := s.kv.Delete(ctx, name); err != nil {
		return fmt.Errorf("deploy: deleting %s: %w", name, err)
	}
	return nil
}

// Get returns a worker's record.
func (s *Store) Get(ctx context.Context, name string) (*Worker, error) {
	w, _, err := s.get(ctx, name)
	return w, err
}

// List returns every worker's record, by name.
func (s *Store) List(ctx context.Context) ([]*Worker, error) {
	keys, err := s.kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("deploy: %w", err)
	}
	var out []*Worker
	for k := range keys.Keys() {
		w, err := s.Get(ctx, k)
		if errors.Is(err, ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	slices.SortFunc(out, func(a, b *Worker) int {
		if a.Name < b.Name {
			return -1
		}
		return 1
	})
	return out, nil
}

// Artifact returns an artifact by digest.
func (s *Store) Artifact(ctx context.Context, digest string) ([]byte, error) {
	b, err := s.objs.GetBytes(ctx, digest)
	if err != nil {
		return nil, fmt.Errorf("deploy: artifact %s: %w", digest, err)
	}
	return b, nil
}

func (s *Store) get(ctx context.Context, name string) (*Worker, uint64, error) {
	if err := CheckName(name); err != nil {
		return nil, 0, fmt.Errorf("deploy: %w", err)
	}
	e, err := s.kv.Get(ctx, name)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, fmt.Errorf("deploy: %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("deploy: %s: %w", name, err)
	}
	var w Worker
	if err := json.Unmarshal(e.Value(), &w); err != nil {
		return nil, 0, fmt.Errorf("deploy: %s: bad record: %w", name, err)
	}
	return &w, e.Revision(), nil
}

// update applies change to a worker's record with optimistic concurrency:
// two deploys of one worker at once both land, one after the other.
func (s *Store) update(ctx context.Context, name string, create bool, change func(*Worker) error) (*Worker, error) {
	for {
		w, rev, err := s.get(ctx, name)
		if errors.Is(err, ErrNotFound) && create {
			w = &Worker{Name: name}
		} else if err != nil {
			return nil, err
		}
		if err := change(w); err != nil {
			return nil, fmt.Errorf("deploy: %w", err)
		}
		w.trim()
		w.Updated = s.now().UTC()
		b, err := json.Marshal(w)
		if err != nil {
			return nil, err
		}
		if rev == 0 {
			_, err = s.kv.Create(ctx, name, b)
		} else {
			_, err = s.kv.Update(ctx, name, b, rev)
		}
		if err == nil {
			return w, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !isWrongSequence(err) {
			return nil, fmt.Errorf("deploy: %s: %w", name, err)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

// isWrongSequence is Update's error when another writer got there first.
func isWrongSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}

// SecretNames lists a worker's secrets, sorted; never their values.
func (s *Store) SecretNames(ctx context.Context, worker string) ([]string, error) {
	sealed, _, err := s.sealed(ctx, worker)
	if err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(sealed)), nil
}

// PutSecret stores a sealed secret value for a worker; every PoP gives it
// to the worker's next load.
func (s *Store) PutSecret(ctx context.Context, worker, name, sealed string) error {
	return s.updateSecrets(ctx, worker, func(m map[string]string) error {
		m[name] = sealed
		return nil
	})
}

// DeleteSecret removes a worker's secret; a missing one is an error.
func (s *Store) DeleteSecret(ctx context.Context, worker, name string) error {
	return s.updateSecrets(ctx, worker, func(m map[string]string) error {
		if _, ok := m[name]; !ok {
			return fmt.Errorf("%s has no secret %s: %w", worker, name, ErrNotFound)
		}
		delete(m, name)
		return nil
	})
}

func (s *Store) sealed(ctx context.Context, worker string) (map[string]string, uint64, error) {
	if err := CheckName(worker); err != nil {
		return nil, 0, fmt.Errorf("deploy: %w", err)
	}
	e, err := s.secrets.Get(ctx, worker)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return map[string]string{}, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("deploy: secrets of %s: %w", worker, err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(e.Value(), &m); err != nil {
		return nil, 0, fmt.Errorf("deploy: secrets of %s: %w", worker, err)
	}
	return m, e.Revision(), nil
}

func (s *Store) updateSecrets(ctx context.Context, worker string, change func(map[string]string) error) error {
	for {
		m, rev, err := s.sealed(ctx, worker)
		if err != nil {
			return err
		}
		if err := change(m); err != nil {
			return fmt.Errorf("deploy: %w", err)
		}
		b, _ := json.Marshal(m)
		if rev == 0 {
			_, err = s.secrets.Create(ctx, worker, b)
		} else {
			_, err = s.secrets.Update(ctx, worker, b, rev)
		}
		if err == nil {
			return nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !isWrongSequence(err) {
			return fmt.Errorf("deploy: secrets of %s: %w", worker, err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}
