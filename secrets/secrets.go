// Package secrets keeps workers' secrets encrypted at rest: AES-256-GCM
// with a node key created on first use, each value bound to its worker and
// name (as additional data), so a value copied into another worker's file
// or under another name does not decrypt. Values are only ever returned to
// the runtime (Values), never listed.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"sync"
)

// MaxValue bounds one secret, as Cloudflare's 5 KB for env values.
const MaxValue = 5 << 10

var (
	nameRe   = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]{0,127}$`)
	workerRe = regexp.MustCompile(`^[a-z0-9_-]{1,63}$`)
)

// Store is the secrets kept in a folder. It is safe for concurrent use.
type Store struct {
	dir  string
	mu   sync.Mutex
	ring *Keyring
}

// Keyring seals and opens secret values with one key. The control plane
// and its PoPs share one (verge control's pop.creds), so values travel and
// rest encrypted.
type Keyring struct{ gcm cipher.AEAD }

// NewKeyring returns the keyring of a 32-byte key.
func NewKeyring(key []byte) (*Keyring, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secrets: the key is %d bytes, not 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	return &Keyring{gcm: gcm}, nil
}

// Seal encrypts worker's secret name, bound to both.
func (k *Keyring) Seal(worker, name, value string) (string, error) {
	if err := check(worker, name); err != nil {
		return "", err
	}
	if len(value) > MaxValue {
		return "", fmt.Errorf("secrets: %s is %d bytes; the limit is %d", name, len(value), MaxValue)
	}
	nonce := make([]byte, k.gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secrets: %w", err)
	}
	return base64.StdEncoding.EncodeToString(k.gcm.Seal(nonce, nonce, []byte(value), additional(worker, name))), nil
}

// Open decrypts what Seal made for the same worker and name.
func (k *Keyring) Open(worker, name, sealed string) (string, error) {
	ct, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(ct) < k.gcm.NonceSize() {
		return "", fmt.Errorf("secrets: %s of %s is corrupt", name, worker)
	}
	pt, err := k.gcm.Open(nil, ct[:k.gcm.NonceSize()], ct[k.gcm.NonceSize():], additional(worker, name))
	if err != nil {
		return "", fmt.Errorf("secrets: %s of %s does not decrypt (wrong key, or moved from another worker)", name, worker)
	}
	return string(pt), nil
}

// OpenAll decrypts a worker's sealed secrets.
func (k *Keyring) OpenAll(worker string, sealed map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(sealed))
	for name, v := range sealed {
		pt, err := k.Open(worker, name, v)
		if err != nil {
			return nil, err
		}
		out[name] = pt
	}
	return out, nil
}

// CheckName validates a worker name and a secret name.
func CheckName(worker, name string) error { return check(worker, name) }

// Open returns the store in dir, creating the folder and its key (mode
// 0600) on first use.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	keyPath := filepath.Join(dir, "key")
	key, err := os.ReadFile(keyPath)
	if errors.Is(err, os.ErrNotExist) {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("secrets: %w", err)
		}
		if err := writeFile(keyPath, key); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("secrets: %s is not a 32-byte key", keyPath)
	}
	ring, err := NewKeyring(key)
	if err != nil {
		return nil, err
	}
	return &Store{dir: dir, ring: ring}, nil
}

// Put sets worker's secret name to value.
func (s *Store) Put(worker, name, value string) error {
	v, err := s.ring.Seal(worker, name, value)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sealed, err := s.load(worker)
	if err != nil {
		return err
	}
	sealed[name] = v
	return s.save(worker, sealed)
}

// Delete removes worker's secret name; a missing one is an error.
func (s *Store) Delete(worker, name string) error {
	if err := check(worker, name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sealed, err := s.load(worker)
	if err != nil {
		return err
	}
	if _, ok := sealed[name]; !ok {
		return fmt.Errorf("secrets: %s has no secret %s", worker, name)
	}
	delete(sealed, name)
	return s.save(worker, sealed)
}

// Names lists worker's secrets, sorted; never their values.
func (s *Store) Names(worker string) ([]string, error) {
	if !workerRe.MatchString(worker) {
		return nil, fmt.Errorf("secrets: %q is not a worker name", worker)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sealed, err := s.load(worker)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(sealed))
	for n := range sealed {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// Values decrypts worker's secrets for the runtime.
func (s *Store) Values(worker string) (map[string]string, error) {
	if !workerRe.MatchString(worker) {
		return nil, fmt.Errorf("secrets: %q is not a worker name", worker)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sealed, err := s.load(worker)
	if err != nil {
		return nil, err
	}
	return s.ring.OpenAll(worker, sealed)
}

func check(worker, name string) error {
	if !workerRe.MatchString(worker) {
		return fmt.Errorf("secrets: %q is not a worker name", worker)
	}
	if !nameRe.MatchString(name) {
		return fmt.Errorf("secrets: %q is not a valid secret name (a JavaScript identifier)", name)
	}
	return nil
}

func additional(worker, name string) []byte { return []byte(worker + "\x00" + name) }

func (s *Store) path(worker string) string { return filepath.Join(s.dir, worker+".json") }

func (s *Store) load(worker string) (map[string]string, error) {
	b, err := os.ReadFile(s.path(worker))
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("secrets: %s: %w", s.path(worker), err)
	}
	return m, nil
}

func (s *Store) save(worker string, sealed map[string]string) error {
	b, err := json.MarshalIndent(sealed, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(s.path(worker), b)
}

// writeFile replaces path atomically with mode 0600, so a crash leaves
// the old file or the new one, never half of one.
func writeFile(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("secrets: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err == nil {
		_, err = tmp.Write(b)
		if err == nil {
			err = tmp.Sync()
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), path)
		}
		if err == nil {
			return nil
		}
	}
	tmp.Close()
	return fmt.Errorf("secrets: writing %s: %w", path, err)
}
