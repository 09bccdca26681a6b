package jwtauth

import (
	"crypto"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// verifyKey is one key ready for signature checks: exported once when it
// is loaded, so no request pays for JWK conversion.
type verifyKey struct {
	kid string
	alg string // the JWK's "alg": when set, the key verifies only that algorithm
	raw any    // *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey or []byte
}

func (k *verifyKey) fits(a *algorithm) bool {
	return (k.alg == "" || k.alg == a.name) && a.fits(k.raw)
}

// keySet indexes keys by kid. It is immutable once built, so readers need
// no lock.
type keySet struct {
	byKid map[string][]*verifyKey
	noKid []*verifyKey // match a token with any kid
	all   []*verifyKey
}

func newKeySet(keys []*verifyKey) *keySet {
	s := &keySet{byKid: make(map[string][]*verifyKey), all: keys}
	for _, k := range keys {
		if k.kid == "" {
			s.noKid = append(s.noKid, k)
		} else {
			s.byKid[k.kid] = append(s.byKid[k.kid], k)
		}
	}
	return s
}

// candidates appends the keys that may have signed a token with kid and
// alg. A token without a kid is tried against every key that fits; a key
// without a kid (a PEM key, say) is tried whatever the token's kid.
func (s *keySet) candidates(dst []*verifyKey, kid string, a *algorithm) []*verifyKey {
	if s == nil {
		return dst
	}
	from := s.all
	if kid != "" {
		from = s.byKid[kid]
	}
	for _, k := range from {
		if k.fits(a) {
			dst = append(dst, k)
		}
	}
	if kid != "" {
		for _, k := range s.noKid {
			if k.fits(a) {
				dst = append(dst, k)
			}
		}
	}
	return dst
}

// lacks reports whether a token with kid may be signed by a key that s
// does not have: its kid is not in s, or s has no keys at all.
func (s *keySet) lacks(kid string) bool {
	if s == nil || len(s.all) == 0 {
		return true
	}
	return kid != "" && s.byKid[kid] == nil
}

// parseKeyMaterial reads one entry of keys: PEM (public keys, certificates)
// or JWK / JWK Set JSON.
func parseKeyMaterial(text string) (jwk.Set, error) {
	text = strings.TrimSpace(text)
	if strings.HasPrefix(text, "-----BEGIN") {
		return jwk.Parse([]byte(text), jwk.WithPEM(true))
	}
	if strings.HasPrefix(text, "{") {
		return jwk.Parse([]byte(text))
	}
	return nil, errors.New("neither PEM nor JWK JSON")
}

// exportKeys turns a JWK set into verification keys, skipping (with a
// reason) the ones that cannot verify signatures. Symmetric keys are
// kept only when allowSecret: a secret served from a JWKS URL is a secret
// anyone who can reach the URL could sign with.
func exportKeys(set jwk.Set, allowSecret bool) (keys []*verifyKey, skipped []string) {
	for i := range set.Len() {
		key, _ := set.Key(i)
		kid, _ := key.KeyID()
		name := fmt.Sprintf("key %d", i)
		if kid != "" {
			name = fmt.Sprintf("key %q", kid)
		}
		k, err := exportKey(key, allowSecret)
		if err != nil {
			skipped = append(skipped, name+": "+err.Error())
			continue
		}
		keys = append(keys, k)
	}
	return keys, skipped
}

func exportKey(key jwk.Key, allowSecret bool) (*verifyKey, error) {
	if uk, ok := key.(jwk.UnsupportedKey); ok {
		return nil, fmt.Errorf("unsupported key type %q", uk.KeyType().String())
	}
	if use, ok := key.KeyUsage(); ok && use != "" && use != string(jwk.ForSignature) {
		return nil, fmt.Errorf("use is %q, not %q", use, jwk.ForSignature)
	}
	if ops, ok := key.KeyOps(); ok && len(ops) > 0 && !slices.Contains(ops, jwk.KeyOpVerify) {
		return nil, errors.New(`key_ops lacks "verify"`)
	}
	var raw any
	if err := jwk.Export(key, &raw); err != nil {
		return nil, err
	}
	// A private key verifies with its public half; keeping only that
	// keeps the private material out of the verifier.
	if priv, ok := raw.(crypto.Signer); ok {
		raw = priv.Public()
	}
	switch kindOf(raw) {
	case 0:
		return nil, fmt.Errorf("unsupported key %T", raw)
	case kindHMAC:
		if !allowSecret {
			return nil, errors.New("symmetric keys are not accepted from a JWKS URL")
		}
	}
	k := &verifyKey{raw: raw}
	k.kid, _ = key.KeyID()
	if alg, ok := key.Algorithm(); ok {
		k.alg = alg.String()
	}
	return k, nil
}
