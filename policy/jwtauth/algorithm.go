package jwtauth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"fmt"
	"slices"
	"strings"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// keyKind is the kind of key an algorithm verifies with. Tying each
// algorithm to one kind is what defeats algorithm confusion: an HS256
// token can never be checked against an RSA public key's bytes, because
// an RSA key is not an HMAC key, whatever the token's header says.
type keyKind int

const (
	kindRSA keyKind = iota + 1
	kindEC
	kindEd25519
	kindHMAC
)

func (k keyKind) String() string {
	switch k {
	case kindRSA:
		return "RSA"
	case kindEC:
		return "EC"
	case kindEd25519:
		return "Ed25519"
	case kindHMAC:
		return "HMAC"
	}
	return "unknown"
}

// algorithm is one allowed signature algorithm with its verifier.
type algorithm struct {
	name     string
	kind     keyKind
	curve    elliptic.Curve // kindEC: the one curve the algorithm is defined on
	minBytes int            // kindHMAC: RFC 7518 3.2, at least the hash size
	verifier jws.Verifier2
}

var algorithmTable = map[string]algorithm{
	"RS256":   {kind: kindRSA},
	"RS384":   {kind: kindRSA},
	"RS512":   {kind: kindRSA},
	"PS256":   {kind: kindRSA},
	"PS384":   {kind: kindRSA},
	"PS512":   {kind: kindRSA},
	"ES256":   {kind: kindEC, curve: elliptic.P256()},
	"ES384":   {kind: kindEC, curve: elliptic.P384()},
	"ES512":   {kind: kindEC, curve: elliptic.P521()},
	"EdDSA":   {kind: kindEd25519},
	"Ed25519": {kind: kindEd25519},
	"HS256":   {kind: kindHMAC, minBytes: 32},
	"HS384":   {kind: kindHMAC, minBytes: 48},
	"HS512":   {kind: kindHMAC, minBytes: 64},
}

var hmacAlgorithms = []string{"HS256", "HS384", "HS512"}

func newAlgorithm(name string) (*algorithm, error) {
	spec, ok := algorithmTable[name]
	if !ok {
		known := make([]string, 0, len(algorithmTable))
		for n := range algorithmTable {
			known = append(known, n)
		}
		slices.Sort(known)
		return nil, fmt.Errorf("unknown algorithm %q (known: %s)", name, strings.Join(known, ", "))
	}
	ja, ok := jwa.LookupSignatureAlgorithm(name)
	if !ok {
		return nil, fmt.Errorf("algorithm %q is not registered with jwx", name)
	}
	v, err := jws.VerifierFor(ja)
	if err != nil {
		return nil, fmt.Errorf("algorithm %q: %w", name, err)
	}
	spec.name = name
	spec.verifier = v
	return &spec, nil
}

// fits reports whether raw, an exported public key, can verify a.
func (a *algorithm) fits(raw any) bool {
	switch k := raw.(type) {
	case *rsa.PublicKey:
		return a.kind == kindRSA
	case *ecdsa.PublicKey:
		return a.kind == kindEC && k.Curve != nil && k.Curve.Params().Name == a.curve.Params().Name
	case ed25519.PublicKey:
		return a.kind == kindEd25519
	case []byte:
		return a.kind == kindHMAC && len(k) >= a.minBytes
	}
	return false
}

// kindOf returns the kind of an exported key, or 0 for an unusable one.
func kindOf(raw any) keyKind {
	switch raw.(type) {
	case *rsa.PublicKey:
		return kindRSA
	case *ecdsa.PublicKey:
		return kindEC
	case ed25519.PublicKey:
		return kindEd25519
	case []byte:
		return kindHMAC
	}
	return 0
}
