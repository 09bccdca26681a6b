package jwtauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

const (
	// maxTokenSize bounds the token we are willing to decode and verify.
	maxTokenSize = 16 << 10
	// maxKeysTried bounds the signature checks one token can cost us. Only
	// a token without a kid, facing a large key set, comes near it.
	maxKeysTried = 8
)

// b64 decodes JWS segments. Strict refuses non-zero padding bits, so one
// token has exactly one encoding.
var b64 = base64.RawURLEncoding.Strict()

// authError is why a request was refused. desc is a fixed phrase, safe
// for the WWW-Authenticate quoted-string and the response body; detail is
// for the log only, as it can hold attacker-chosen text.
type authError struct {
	code   string // RFC 6750 error code; "" when no token was sent
	desc   string
	detail error
}

func (e *authError) Error() string {
	if e.detail != nil {
		return e.desc + ": " + e.detail.Error()
	}
	return e.desc
}

func invalid(desc string, detail error) *authError {
	return &authError{code: "invalid_token", desc: desc, detail: detail}
}

// verifier checks tokens against the configured keys and claim rules.
type verifier struct {
	s      *settings
	static *keySet
	remote *jwksSource // nil without jwks_url
	now    func() time.Time
}

// verify checks token and returns its claims.
func (v *verifier) verify(ctx context.Context, token string) (map[string]any, *authError) {
	if len(token) > maxTokenSize {
		return nil, invalid("token too large", nil)
	}
	hdrEnd := strings.IndexByte(token, '.')
	if hdrEnd < 0 {
		return nil, invalid("malformed token", errors.New("no '.'"))
	}
	sigStart := strings.IndexByte(token[hdrEnd+1:], '.') + hdrEnd + 1
	if sigStart == hdrEnd || strings.IndexByte(token[sigStart+1:], '.') >= 0 {
		return nil, invalid("malformed token", errors.New("not three segments"))
	}
	hdr, err := parseHeader(token[:hdrEnd])
	if err != nil {
		return nil, invalid("malformed token", err)
	}
	alg := v.s.algs[hdr.alg]
	if alg == nil {
		return nil, invalid("algorithm not allowed", fmt.Errorf("alg %q", hdr.alg))
	}
	if hdr.crit || hdr.b64 {
		// RFC 7515 4.1.11: a "crit" extension we do not implement makes
		// the token invalid; "b64" (RFC 7797) is not for JWTs.
		return nil, invalid("unsupported token header", nil)
	}
	sig, err := b64.DecodeString(token[sigStart+1:])
	if err != nil {
		return nil, invalid("malformed token", fmt.Errorf("signature: %w", err))
	}
	if err := v.checkSignature(ctx, alg, hdr.kid, []byte(token[:sigStart]), sig); err != nil {
		return nil, err
	}
	payload, err := b64.DecodeString(token[hdrEnd+1 : sigStart])
	if err != nil {
		return nil, invalid("malformed token", fmt.Errorf("payload: %w", err))
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil || claims == nil {
		return nil, invalid("malformed claims", err)
	}
	if err := v.checkClaims(claims); err != nil {
		return nil, err
	}
	return claims, nil
}

// checkSignature verifies sig over input with the keys that fit alg and
// kid. When that fails and the JWKS lacks the token's kid, the JWKS is
// refreshed (rate-limited) and its keys tried again: the issuer may have
// rotated to a key we have not seen yet.
func (v *verifier) checkSignature(ctx context.Context, alg *algorithm, kid string, input, sig []byte) *authError {
	var buf [4]*verifyKey
	var remote *keySet
	if v.remote != nil {
		remote = v.remote.current()
	}
	keys := v.static.candidates(buf[:0], kid, alg)
	keys = remote.candidates(keys, kid, alg)
	err := tryKeys(alg, kid, keys, input, sig)
	if err == nil || v.remote == nil || !remote.lacks(kid) {
		return err
	}
	v.remote.refreshOnDemand(ctx)
	fresh := v.remote.current()
	if fresh == remote {
		// Nothing new (rate-limited or failed): spare the second round.
		return err
	}
	keys = fresh.candidates(buf[:0], kid, alg)
	if len(keys) == 0 {
		return err
	}
	return tryKeys(alg, kid, keys, input, sig)
}

// tryKeys reports whether one of keys verifies sig over input.
func tryKeys(alg *algorithm, kid string, keys []*verifyKey, input, sig []byte) *authError {
	if len(keys) == 0 {
		return invalid("unknown signing key", fmt.Errorf("kid %q alg %s", kid, alg.name))
	}
	if len(keys) > maxKeysTried {
		return invalid("ambiguous signing key", fmt.Errorf("kid %q alg %s fits %d keys; the token needs a kid", kid, alg.name, len(keys)))
	}
	for _, k := range keys {
		if alg.verifier.Verify(k.raw, input, sig) == nil {
			return nil
		}
	}
	return invalid("invalid signature", fmt.Errorf("kid %q alg %s, %d keys tried", kid, alg.name, len(keys)))
}

type header struct {
	alg, kid  string
	crit, b64 bool
}

// parseHeader decodes the protected header. It decodes into a map, not a
// struct, because encoding/json matches struct fields case-insensitively:
// {"alg":"RS256","ALG":"x"} must not mean something different to us than
// to the issuer.
func parseHeader(seg string) (header, error) {
	var h header
	raw, err := b64.DecodeString(seg)
	if err != nil {
		return h, fmt.Errorf("header: %w", err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return h, fmt.Errorf("header: %w", err)
	}
	if err := json.Unmarshal(m["alg"], &h.alg); err != nil {
		return h, fmt.Errorf(`header "alg": %w`, err)
	}
	if k, ok := m["kid"]; ok {
		if err := json.Unmarshal(k, &h.kid); err != nil {
			return h, fmt.Errorf(`header "kid": %w`, err)
		}
	}
	_, h.crit = m["crit"]
	_, h.b64 = m["b64"]
	return h, nil
}

// checkClaims applies the time, issuer, audience and required-claim rules
// to claims whose signature has been verified.
func (v *verifier) checkClaims(claims map[string]any) *authError {
	now := v.now()
	skew := v.s.skew
	if exp, ok, err := numericDate(claims, "exp"); err != nil {
		return invalid("malformed claims", err)
	} else if ok && !now.Add(-skew).Before(exp) {
		return invalid("token expired", nil)
	}
	if nbf, ok, err := numericDate(claims, "nbf"); err != nil {
		return invalid("malformed claims", err)
	} else if ok && now.Add(skew).Before(nbf) {
		return invalid("token not yet valid", nil)
	}
	if iat, ok, err := numericDate(claims, "iat"); err != nil {
		return invalid("malformed claims", err)
	} else if ok && now.Add(skew).Before(iat) {
		return invalid("token issued in the future", nil)
	}
	if len(v.s.issuers) > 0 {
		iss, _ := claims["iss"].(string)
		if !slices.Contains(v.s.issuers, iss) {
			return invalid("issuer not accepted", fmt.Errorf("iss %q", iss))
		}
	}
	if len(v.s.audiences) > 0 && !audienceAccepted(claims["aud"], v.s.audiences) {
		return invalid("audience not accepted", nil)
	}
	for _, name := range v.s.requiredClaims {
		if claims[name] == nil {
			return invalid("required claim missing", fmt.Errorf("claim %q", name))
		}
	}
	return nil
}

// numericDate reads an RFC 7519 NumericDate (seconds since the epoch,
// possibly fractional).
func numericDate(claims map[string]any, name string) (time.Time, bool, error) {
	v, ok := claims[name]
	if !ok {
		return time.Time{}, false, nil
	}
	f, isNum := v.(float64)
	// Bounding the value keeps the conversion below from overflowing.
	if !isNum || f < 0 || f > 1<<40 {
		return time.Time{}, false, fmt.Errorf("claim %q is not a NumericDate", name)
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)), true, nil
}

// audienceAccepted reports whether aud, a string or an array of strings
// (RFC 7519 4.1.3), holds one of want.
func audienceAccepted(aud any, want []string) bool {
	switch a := aud.(type) {
	case string:
		return slices.Contains(want, a)
	case []any:
		for _, e := range a {
			if s, ok := e.(string); ok && slices.Contains(want, s) {
				return true
			}
		}
	}
	return false
}
