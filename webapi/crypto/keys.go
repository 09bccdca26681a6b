package crypto

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
)

// key is a CryptoKey's material. JavaScript holds its resource id; the
// attributes the spec exposes (type, extractable, algorithm, usages) live
// on the JS object.
type key struct {
	typ    string // "secret", "public", "private"
	alg    string // normalized algorithm name
	hash   string // for HMAC, RSA
	curve  string // for EC
	secret []byte
	rsa    *rsa.PrivateKey
	rsaPub *rsa.PublicKey
	ec     *ecdsa.PrivateKey
	ecPub  *ecdsa.PublicKey
	ed     ed25519.PrivateKey
	edPub  ed25519.PublicKey
}

func curveOf(name string) (elliptic.Curve, error) {
	switch name {
	case "P-256":
		return elliptic.P256(), nil
	case "P-384":
		return elliptic.P384(), nil
	case "P-521":
		return elliptic.P521(), nil
	}
	return nil, notSupported("unsupported namedCurve %q", name)
}

// coordSize is the byte length of a coordinate (and scalar) on c.
func coordSize(c elliptic.Curve) int { return (c.Params().BitSize + 7) / 8 }

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func unb64(s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, dataError("invalid base64url in JWK")
	}
	return b, nil
}

type jwk struct {
	Kty    string   `json:"kty"`
	Alg    string   `json:"alg,omitempty"`
	Crv    string   `json:"crv,omitempty"`
	K      string   `json:"k,omitempty"`
	N      string   `json:"n,omitempty"`
	E      string   `json:"e,omitempty"`
	D      string   `json:"d,omitempty"`
	P      string   `json:"p,omitempty"`
	Q      string   `json:"q,omitempty"`
	DP     string   `json:"dp,omitempty"`
	DQ     string   `json:"dq,omitempty"`
	QI     string   `json:"qi,omitempty"`
	X      string   `json:"x,omitempty"`
	Y      string   `json:"y,omitempty"`
	Ext    *bool    `json:"ext,omitempty"`
	KeyOps []string `json:"key_ops,omitempty"`
	Use    string   `json:"use,omitempty"`
}

func bigOf(s string) (*big.Int, error) {
	b, err := unb64(s)
	if err != nil {
		return nil, err
	}
	return new(big.Int).SetBytes(b), nil
}

// jwkAlg is the JWK "alg" for a key.
func jwkAlg(k *key) string {
	bits := map[string]string{"SHA-1": "1", "SHA-256": "256", "SHA-384": "384", "SHA-512": "512"}[k.hash]
	switch k.alg {
	case "HMAC":
		return "HS" + bits
	case "RSASSA-PKCS1-v1_5":
		return "RS" + bits
	case "RSA-PSS":
		return "PS" + bits
	case "RSA-OAEP":
		if bits == "1" {
			return "RSA-OAEP"
		}
		return "RSA-OAEP-" + bits
	case "AES-GCM", "AES-CBC", "AES-CTR", "AES-KW":
		mode := map[string]string{"AES-GCM": "GCM", "AES-CBC": "CBC", "AES-CTR": "CTR", "AES-KW": "KW"}[k.alg]
		return fmt.Sprintf("A%d%s", len(k.secret)*8, mode)
	case "Ed25519":
		return "EdDSA"
	}
	return ""
}

func importJWK(data []byte, alg, hash, curve string) (*key, error) {
	var j jwk
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, dataError("invalid JWK: %v", err)
	}
	k := &key{alg: alg, hash: hash, curve: curve}
	switch alg {
	case "HMAC", "AES-GCM", "AES-CBC", "AES-CTR", "AES-KW", "PBKDF2", "HKDF":
		if j.Kty != "oct" {
			return nil, dataError("JWK kty must be \"oct\" for %s", alg)
		}
		if j.K == "" {
			return nil, dataError("JWK is missing \"k\"")
		}
		s, err := unb64(j.K)
		if err != nil {
			return nil, err
		}
		k.typ, k.secret = "secret", s
	case "RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP":
		if j.Kty != "RSA" {
			return nil, dataError("JWK kty must be \"RSA\" for %s", alg)
		}
		n, err := bigOf(j.N)
		if err != nil {
			return nil, err
		}
		e, err := bigOf(j.E)
		if err != nil {
			return nil, err
		}
		if n.Sign() == 0 || !e.IsInt64() || e.Int64() < 3 {
			return nil, dataError("invalid RSA JWK")
		}
		pub := &rsa.PublicKey{N: n, E: int(e.Int64())}
		if j.D == "" {
			k.typ, k.rsaPub = "public", pub
			break
		}
		d, err := bigOf(j.D)
		if err != nil {
			return nil, err
		}
		p, err1 := bigOf(j.P)
		q, err2 := bigOf(j.Q)
		if err1 != nil || err2 != nil {
			return nil, dataError("invalid RSA private JWK")
		}
		priv := &rsa.PrivateKey{PublicKey: *pub, D: d, Primes: []*big.Int{p, q}}
		if err := priv.Validate(); err != nil {
			return nil, dataError("invalid RSA private key: %v", err)
		}
		priv.Precompute()
		k.typ, k.rsa, k.rsaPub = "private", priv, pub
	case "ECDSA", "ECDH":
		if j.Kty != "EC" {
			return nil, dataError("JWK kty must be \"EC\" for %s", alg)
		}
		if j.Crv != curve {
			return nil, dataError("JWK crv %q does not match namedCurve %q", j.Crv, curve)
		}
		c, err := curveOf(curve)
		if err != nil {
			return nil, err
		}
		x, err1 := unb64(j.X)
		y, err2 := unb64(j.Y)
		size := coordSize(c)
		if err1 != nil || err2 != nil || len(x) != size || len(y) != size {
			return nil, dataError("invalid EC JWK coordinates")
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(c, append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, dataError("EC point is not on the curve")
		}
		if j.D == "" {
			k.typ, k.ecPub = "public", pub
			break
		}
		d, err := unb64(j.D)
		if err != nil || len(d) != size {
			return nil, dataError("invalid EC JWK d")
		}
		priv, err := ecdsa.ParseRawPrivateKey(c, d)
		if err != nil || !priv.PublicKey.Equal(pub) {
			return nil, dataError("invalid EC private key")
		}
		k.typ, k.ec, k.ecPub = "private", priv, pub
	case "Ed25519":
		if j.Kty != "OKP" || j.Crv != "Ed25519" {
			return nil, dataError("JWK must be kty OKP, crv Ed25519")
		}
		x, err := unb64(j.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			return nil, dataError("invalid Ed25519 public key")
		}
		k.typ, k.edPub = "public", ed25519.PublicKey(x)
		if j.D != "" {
			d, err := unb64(j.D)
			if err != nil || len(d) != ed25519.SeedSize {
				return nil, dataError("invalid Ed25519 private key")
			}
			k.typ, k.ed = "private", ed25519.NewKeyFromSeed(d)
		}
	default:
		return nil, notSupported("JWK import is not supported for %s", alg)
	}
	if j.Alg != "" && k.alg != "ECDSA" && k.alg != "ECDH" && k.alg != "PBKDF2" && k.alg != "HKDF" {
		if want := jwkAlg(k); want != "" && j.Alg != want {
			return nil, dataError("JWK alg %q does not match the algorithm (expected %q)", j.Alg, want)
		}
	}
	return k, nil
}

func exportJWK(k *key) (*jwk, error) {
	j := &jwk{Alg: jwkAlg(k)}
	switch {
	case k.secret != nil:
		j.Kty, j.K = "oct", b64(k.secret)
	case k.rsaPub != nil:
		j.Kty, j.N, j.E = "RSA", b64(k.rsaPub.N.Bytes()), b64(big.NewInt(int64(k.rsaPub.E)).Bytes())
		if k.rsa != nil {
			r := k.rsa
			j.D, j.P, j.Q = b64(r.D.Bytes()), b64(r.Primes[0].Bytes()), b64(r.Primes[1].Bytes())
			j.DP, j.DQ, j.QI = b64(r.Precomputed.Dp.Bytes()), b64(r.Precomputed.Dq.Bytes()), b64(r.Precomputed.Qinv.Bytes())
		}
	case k.ecPub != nil:
		pt, err := k.ecPub.Bytes()
		if err != nil {
			return nil, operationError("%v", err)
		}
		size := (len(pt) - 1) / 2
		j.Kty, j.Crv = "EC", k.curve
		j.X, j.Y = b64(pt[1:1+size]), b64(pt[1+size:])
		if k.ec != nil {
			d, err := k.ec.Bytes()
			if err != nil {
				return nil, operationError("%v", err)
			}
			j.D = b64(d)
		}
	case k.edPub != nil || k.ed != nil:
		j.Kty, j.Crv = "OKP", "Ed25519"
		if k.ed != nil {
			j.X, j.D = b64(k.ed.Public().(ed25519.PublicKey)), b64(k.ed.Seed())
		} else {
			j.X = b64(k.edPub)
		}
	default:
		return nil, notSupported("cannot export this key as JWK")
	}
	return j, nil
}

func importDER(format string, der []byte, alg, hash, curve string) (*key, error) {
	k := &key{alg: alg, hash: hash, curve: curve}
	var parsed any
	var err error
	if format == "spki" {
		parsed, err = x509.ParsePKIXPublicKey(der)
	} else {
		parsed, err = x509.ParsePKCS8PrivateKey(der)
	}
	if err != nil {
		return nil, dataError("invalid %s key data: %v", format, err)
	}
	switch p := parsed.(type) {
	case *rsa.PublicKey:
		k.typ, k.rsaPub = "public", p
	case *rsa.PrivateKey:
		k.typ, k.rsa, k.rsaPub = "private", p, &p.PublicKey
	case *ecdsa.PublicKey:
		k.typ, k.ecPub = "public", p
	case *ecdsa.PrivateKey:
		k.typ, k.ec, k.ecPub = "private", p, &p.PublicKey
	case ed25519.PublicKey:
		k.typ, k.edPub = "public", p
	case ed25519.PrivateKey:
		k.typ, k.ed = "private", p
	case *ecdh.PublicKey, *ecdh.PrivateKey:
		return nil, notSupported("X25519 keys are not supported yet")
	default:
		return nil, dataError("unsupported key type %T", parsed)
	}
	family := map[string]string{"RSASSA-PKCS1-v1_5": "rsa", "RSA-PSS": "rsa", "RSA-OAEP": "rsa", "ECDSA": "ec", "ECDH": "ec", "Ed25519": "ed"}[alg]
	got := "rsa"
	if k.ecPub != nil {
		got = "ec"
		if name := k.ecPub.Curve.Params().Name; name != curve {
			return nil, dataError("key curve %s does not match namedCurve %s", name, curve)
		}
	} else if k.edPub != nil || k.ed != nil {
		got = "ed"
	}
	if family != got {
		return nil, dataError("the key data is not a %s key", alg)
	}
	return k, nil
}

func exportDER(k *key, format string) ([]byte, error) {
	var v any
	switch {
	case format == "spki" && k.typ == "public":
		switch {
		case k.rsaPub != nil:
			v = k.rsaPub
		case k.ecPub != nil:
			v = k.ecPub
		case k.edPub != nil:
			v = k.edPub
		}
		return x509.MarshalPKIXPublicKey(v)
	case format == "pkcs8" && k.typ == "private":
		switch {
		case k.rsa != nil:
			v = k.rsa
		case k.ec != nil:
			v = k.ec
		case k.ed != nil:
			v = k.ed
		}
		return x509.MarshalPKCS8PrivateKey(v)
	}
	return nil, invalidAccess("a %s key cannot be exported as %s", k.typ, format)
}
