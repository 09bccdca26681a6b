package control

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/verge-edge/verge/cluster"
)

// Scopes a token may hold.
const (
	ScopeRead    = "read"    // list workers, versions, PoPs
	ScopeDeploy  = "deploy"  // deploy, roll out, roll back, delete
	ScopeKV      = "kv"      // read and write KV
	ScopeSecrets = "secrets" // write secrets
	ScopeAdmin   = "admin"   // tokens and the audit log
)

var allScopes = []string{ScopeRead, ScopeDeploy, ScopeKV, ScopeSecrets, ScopeAdmin}

var tokenName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

const tokensBucket = "verge_tokens"

// Token is a stored API token; the secret itself is kept only as a hash.
type Token struct {
	Name    string    `json:"name"`
	Scopes  []string  `json:"scopes"`
	Created time.Time `json:"created"`
}

// has reports whether the token holds scope.
func (t *Token) has(scope string) bool { return slices.Contains(t.Scopes, scope) }

// tokens are the API tokens, at the hub.
type tokens struct {
	kv   jetstream.KeyValue
	root string // the root token's secret
}

func openTokens(ctx context.Context, conn *nats.Conn, root string) (*tokens, error) {
	js, err := jetstream.NewWithDomain(conn, cluster.HubDomain)
	if err != nil {
		return nil, err
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: tokensBucket, History: 1, Storage: jetstream.FileStorage})
	if err != nil {
		return nil, fmt.Errorf("control: tokens: %w", err)
	}
	return &tokens{kv: kv, root: root}, nil
}

func hashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// NewSecret makes a token secret.
func NewSecret() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "verge_" + hex.EncodeToString(b), nil
}

// lookup returns the token whose secret is given.
func (t *tokens) lookup(ctx context.Context, secret string) (*Token, error) {
	if t.root != "" && secret == t.root {
		return &Token{Name: "root", Scopes: allScopes}, nil
	}
	if t.kv == nil {
		return nil, nil
	}
	e, err := t.kv.Get(ctx, hashToken(secret))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var tok Token
	if err := json.Unmarshal(e.Value(), &tok); err != nil {
		return nil, err
	}
	return &tok, nil
}

func (t *tokens) create(ctx context.Context, name string, scopes []string) (string, *Token, error) {
	if !tokenName.MatchString(name) || name == "root" {
		return "", nil, fmt.Errorf("invalid token name %q (want [A-Za-z0-9_.-]{1,64}, not root)", name)
	}
	if len(scopes) == 0 {
		return "", nil, errors.New("a token needs at least one scope")
	}
	for _, s := range scopes {
		if !slices.Contains(allScopes, s) {
			return "", nil, fmt.Errorf("unknown scope %q (want one of %v)", s, allScopes)
		}
	}
	list, err := t.list(ctx)
	if err != nil {
		return "", nil, err
	}
	for _, tok := range list {
		if tok.Name == name {
			return "", nil, fmt.Errorf("a token named %q exists", name)
		}
	}
	secret, err := NewSecret()
	if err != nil {
		return "", nil, err
	}
	tok := &Token{Name: name, Scopes: slices.Compact(slices.Sorted(slices.Values(scopes))), Created: time.Now().UTC()}
	b, _ := json.Marshal(tok)
	if _, err := t.kv.Create(ctx, hashToken(secret), b); err != nil {
		return "", nil, err
	}
	return secret, tok, nil
}

func (t *tokens) list(ctx context.Context) ([]Token, error) {
	var out []Token
	keys, err := t.kv.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	for k := range keys.Keys() {
		e, err := t.kv.Get(ctx, k)
		if err != nil {
			continue // deleted meanwhile
		}
		var tok Token
		if json.Unmarshal(e.Value(), &tok) == nil {
			out = append(out, tok)
		}
	}
	slices.SortFunc(out, func(a, b Token) int {
		if a.Name < b.Name {
			return -1
		}
		return 1
	})
	return out, nil
}

// revoke deletes the token named name.
func (t *tokens) revoke(ctx context.Context, name string) (bool, error) {
	keys, err := t.kv.ListKeys(ctx)
	if err != nil {
		return false, err
	}
	for k := range keys.Keys() {
		e, err := t.kv.Get(ctx, k)
		if err != nil {
			continue
		}
		var tok Token
		if json.Unmarshal(e.Value(), &tok) == nil && tok.Name == name {
			return true, t.kv.Delete(ctx, k)
		}
	}
	return false, nil
}
