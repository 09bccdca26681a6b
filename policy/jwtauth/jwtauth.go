package jwtauth

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/verge-edge/verge/policy"
)

// Options are the constructor's dependencies.
type Options struct {
	// HTTPClient fetches the JWKS. Nil means a client with a 10 s timeout.
	HTTPClient *http.Client
	// Logger receives JWKS problems (Warn) and refusals (Debug). Nil
	// discards.
	Logger *slog.Logger
	// Now is the clock for exp, nbf, iat and the on-demand refresh rate
	// limit. Nil means time.Now.
	Now func() time.Time
}

// Auth is a configured JWT policy.
type Auth struct {
	s   *settings
	v   *verifier
	log *slog.Logger
}

var _ policy.Policy = (*Auth)(nil)

// New validates cfg, loads its keys and, with jwks_url, fetches the key
// set (bounded by ctx) and starts refreshing it in the background until
// Close. A JWKS that cannot be fetched at start is not an error: it is
// logged and fetched again when a token needs it.
func New(ctx context.Context, cfg Config, opts Options) (*Auth, error) {
	s, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: fetchTimeout}
	}
	static, err := loadStaticKeys(&cfg, s)
	if err != nil {
		return nil, err
	}
	v := &verifier{s: s, static: static, now: opts.Now}
	if s.jwksURL != "" {
		v.remote = newJWKSSource(s.jwksURL, opts.HTTPClient, opts.Logger, opts.Now)
		v.remote.start(ctx, s.jwksRefresh)
	}
	return &Auth{s: s, v: v, log: opts.Logger}, nil
}

// Close stops the background JWKS refresh. The handler keeps working with
// the keys it has.
func (a *Auth) Close() error {
	if a.v.remote != nil {
		a.v.remote.close()
	}
	return nil
}

// loadStaticKeys parses keys and secret. Every key must fit one of the
// allowed algorithms: a key that can never verify anything is a mistake
// better reported at load time than as 401s.
func loadStaticKeys(cfg *Config, s *settings) (*keySet, error) {
	var keys []*verifyKey
	for i, text := range cfg.Keys {
		set, err := parseKeyMaterial(text)
		if err != nil {
			return nil, fmt.Errorf("jwt.keys[%d]: %w", i, err)
		}
		ks, skipped := exportKeys(set, true)
		if len(skipped) > 0 {
			return nil, fmt.Errorf("jwt.keys[%d]: %s", i, skipped[0])
		}
		for _, k := range ks {
			if !s.fitsAny(k) {
				return nil, fmt.Errorf("jwt.keys[%d]: %s key fits none of jwt.algorithms", i, kindOf(k.raw))
			}
		}
		keys = append(keys, ks...)
	}
	if cfg.Secret != "" {
		keys = append(keys, &verifyKey{raw: []byte(cfg.Secret)})
	}
	return newKeySet(keys), nil
}

func (s *settings) fitsAny(k *verifyKey) bool {
	for _, a := range s.algs {
		if k.fits(a) {
			return true
		}
	}
	return false
}
