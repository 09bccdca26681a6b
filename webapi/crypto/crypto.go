// Package crypto implements the crypto global: getRandomValues,
// randomUUID and crypto.subtle (WebCrypto). The classes and argument
// normalization are JavaScript; every cryptographic operation runs in Go
// (crypto/...), on key material that never enters the JS heap unless it
// is exported.
package crypto

import (
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	_ "embed"
	"encoding/json"
	"hash"
	"math/big"

	"github.com/google/uuid"

	"github.com/verge-edge/verge/engine"
)

//go:embed crypto.js
var source string

// Extension returns the crypto Web API.
func Extension() engine.Extension {
	return engine.Extension{
		Name:    "crypto",
		Scripts: []engine.Script{{Name: "ext:crypto/crypto.js", Source: source}},
		// Loaded on first touch: most workers never use it (engine.Extension).
		Lazy: []string{"crypto", "Crypto", "SubtleCrypto", "CryptoKey"},
		Ops: map[string]engine.Op{
			"crypto_random":    opRandom,
			"crypto_uuid":      opUUID,
			"crypto_digest":    opDigest,
			"crypto_import":    opImport,
			"crypto_export":    opExport,
			"crypto_generate":  opGenerate,
			"crypto_sign":      opSign,
			"crypto_verify":    opVerify,
			"crypto_encrypt":   opEncrypt,
			"crypto_decrypt":   opDecrypt,
			"crypto_derive":    opDerive,
			"crypto_release":   opRelease,
			"crypto_node_hash": opNodeHash,
		},
	}
}

func notSupported(f string, a ...any) error { return engine.DOMException("NotSupportedError", f, a...) }
func dataError(f string, a ...any) error    { return engine.DOMException("DataError", f, a...) }
func invalidAccess(f string, a ...any) error {
	return engine.DOMException("InvalidAccessError", f, a...)
}
func operationError(f string, a ...any) error {
	return engine.DOMException("OperationError", f, a...)
}

func hashOf(name string) (func() hash.Hash, crypto.Hash, error) {
	switch name {
	case "SHA-1":
		return sha1.New, crypto.SHA1, nil
	case "SHA-256":
		return sha256.New, crypto.SHA256, nil
	case "SHA-384":
		return sha512.New384, crypto.SHA384, nil
	case "SHA-512":
		return sha512.New, crypto.SHA512, nil
	}
	return nil, 0, notSupported("unrecognized hash %q", name)
}

func opRandom(c *engine.Call) (engine.Value, error) {
	b, err := c.View(0)
	if err != nil {
		return engine.Value{}, err
	}
	if len(b) > 65536 {
		return engine.Value{}, engine.DOMException("QuotaExceededError", "getRandomValues: %d bytes requested, the maximum is 65536", len(b))
	}
	rand.Read(b) // writes into the JS array's memory
	return c.VM.Undefined(), nil
}

func opUUID(c *engine.Call) (engine.Value, error) {
	return c.VM.NewString(uuid.NewString()), nil
}

func opDigest(c *engine.Call) (engine.Value, error) {
	name, err := c.String(0)
	if err != nil {
		return engine.Value{}, err
	}
	data, err := c.View(1)
	if err != nil {
		return engine.Value{}, err
	}
	h, _, err := hashOf(name)
	if err != nil {
		return engine.Value{}, err
	}
	d := h()
	d.Write(data)
	return c.VM.NewBytes(d.Sum(nil)), nil
}

// nodeHashes are the digests of node:crypto's createHash and createHmac,
// by Node's (lowercase) names.
var nodeHashes = map[string]func() hash.Hash{
	"md5": md5.New, "sha1": sha1.New, "sha224": sha256.New224, "sha256": sha256.New,
	"sha384": sha512.New384, "sha512": sha512.New,
}

// opNodeHash is crypto_node_hash(name, data, key): the digest of data, or
// with key (not undefined) its HMAC, computed synchronously as Node's
// createHash and createHmac are (compat/nodejs reaches it; see crypto.js).
// The digests of md5 and sha224 are not Web Crypto's, hence an op of its
// own.
func opNodeHash(c *engine.Call) (engine.Value, error) {
	name, err := c.String(0)
	if err != nil {
		return engine.Value{}, err
	}
	newHash, ok := nodeHashes[name]
	if !ok {
		return engine.Value{}, engine.TypeError("Digest method not supported")
	}
	data, err := c.View(1)
	if err != nil {
		return engine.Value{}, err
	}
	var h hash.Hash
	if c.Arg(2).IsUndefined() {
		h = newHash()
	} else {
		key, err := c.View(2)
		if err != nil {
			return engine.Value{}, err
		}
		h = hmac.New(newHash, key)
	}
	h.Write(data)
	return c.VM.NewBytes(h.Sum(nil)), nil
}

// params reads the normalized algorithm object JS passes.
type params struct {
	v engine.Value
}

func (p params) str(name string) string {
	x, err := p.v.Get(name)
	if err != nil {
		return ""
	}
	defer x.Free()
	if x.IsNullish() {
		return ""
	}
	s, _ := x.String()
	return s
}

func (p params) int(name string) int {
	x, err := p.v.Get(name)
	if err != nil {
		return 0
	}
	defer x.Free()
	n, _ := x.Int()
	return int(n)
}

func (p params) bytes(name string) ([]byte, bool) {
	x, err := p.v.Get(name)
	if err != nil {
		return nil, false
	}
	defer x.Free()
	if x.IsNullish() {
		return nil, false
	}
	b, err := x.Bytes()
	return b, err == nil
}

func keyOf(c *engine.Call, i int) (*key, error) {
	id, err := c.Int(i)
	if err != nil {
		return nil, err
	}
	r, ok := c.VM.Resource(int(id))
	k, ok2 := r.(*key)
	if !ok || !ok2 {
		return nil, invalidAccess("the CryptoKey is no longer valid")
	}
	return k, nil
}

// keyResult is {id, type, curve, modulusLength, publicExponent} for JS.
func keyResult(vm *engine.VM, k *key) engine.Value {
	o := vm.NewObject()
	o.Set("id", vm.NewInt(int64(vm.AddResource(k))))
	o.Set("type", vm.NewString(k.typ))
	if k.rsaPub != nil {
		o.Set("modulusLength", vm.NewInt(int64(k.rsaPub.N.BitLen())))
		u8, _ := vm.NewUint8Array(big.NewInt(int64(k.rsaPub.E)).Bytes())
		o.Set("publicExponent", u8)
	}
	if k.secret != nil {
		o.Set("length", vm.NewInt(int64(len(k.secret)*8)))
	}
	return o
}

// opImport: (format, data (bytes or JWK JSON), params) -> keyResult.
func opImport(c *engine.Call) (engine.Value, error) {
	format, err := c.String(0)
	if err != nil {
		return engine.Value{}, err
	}
	p := params{c.Arg(2)}
	alg, hash, curve := p.str("name"), p.str("hash"), p.str("namedCurve")
	var k *key
	switch format {
	case "jwk":
		s, err := c.String(1)
		if err != nil {
			return engine.Value{}, err
		}
		k, err = importJWK([]byte(s), alg, hash, curve)
		if err != nil {
			return engine.Value{}, err
		}
	case "raw":
		data, err := c.Bytes(1)
		if err != nil {
			return engine.Value{}, err
		}
		switch alg {
		case "HMAC", "PBKDF2", "HKDF":
			if len(data) == 0 && alg == "HMAC" {
				return engine.Value{}, dataError("HMAC key data must not be empty")
			}
			k = &key{typ: "secret", alg: alg, hash: hash, secret: data}
		case "AES-GCM", "AES-CBC", "AES-CTR", "AES-KW":
			if n := len(data); n != 16 && n != 24 && n != 32 {
				return engine.Value{}, dataError("AES key data must be 128, 192 or 256 bits, got %d", n*8)
			}
			k = &key{typ: "secret", alg: alg, secret: data}
		case "ECDSA", "ECDH":
			cv, err := curveOf(curve)
			if err != nil {
				return engine.Value{}, err
			}
			pub, err := ecdsa.ParseUncompressedPublicKey(cv, data)
			if err != nil {
				return engine.Value{}, dataError("invalid EC public key data")
			}
			k = &key{typ: "public", alg: alg, curve: curve, ecPub: pub}
		case "Ed25519":
			if len(data) != ed25519.PublicKeySize {
				return engine.Value{}, dataError("Ed25519 public key must be 32 bytes")
			}
			k = &key{typ: "public", alg: alg, edPub: ed25519.PublicKey(data)}
		default:
			return engine.Value{}, notSupported("raw import is not supported for %s", alg)
		}
	case "spki", "pkcs8":
		data, err := c.Bytes(1)
		if err != nil {
			return engine.Value{}, err
		}
		if k, err = importDER(format, data, alg, hash, curve); err != nil {
			return engine.Value{}, err
		}
	default:
		return engine.Value{}, notSupported("unknown key format %q", format)
	}
	return keyResult(c.VM, k), nil
}

// opExport: (id, format) -> ArrayBuffer, or a JWK JSON string.
func opExport(c *engine.Call) (engine.Value, error) {
	k, err := keyOf(c, 0)
	if err != nil {
		return engine.Value{}, err
	}
	format, err := c.String(1)
	if err != nil {
		return engine.Value{}, err
	}
	switch format {
	case "raw":
		switch {
		case k.secret != nil:
			return c.VM.NewBytes(k.secret), nil
		case k.typ == "public" && k.ecPub != nil:
			pt, err := k.ecPub.Bytes()
			if err != nil {
				return engine.Value{}, operationError("%v", err)
			}
			return c.VM.NewBytes(pt), nil
		case k.typ == "public" && k.edPub != nil:
			return c.VM.NewBytes(k.edPub), nil
		}
		return engine.Value{}, invalidAccess("this key cannot be exported as raw")
	case "jwk":
		j, err := exportJWK(k)
		if err != nil {
			return engine.Value{}, err
		}
		b, _ := json.Marshal(j)
		return c.VM.NewString(string(b)), nil
	case "spki", "pkcs8":
		der, err := exportDER(k, format)
		if err != nil {
			return engine.Value{}, err
		}
		return c.VM.NewBytes(der), nil
	}
	return engine.Value{}, notSupported("unknown key format %q", format)
}

// opGenerate: (params) -> Promise<keyResult | {publicKey, privateKey}>.
// It runs on its own goroutine: RSA key generation takes a while.
func opGenerate(c *engine.Call) (engine.Value, error) {
	p := params{c.Arg(0)}
	alg, hash, curve := p.str("name"), p.str("hash"), p.str("namedCurve")
	bits, length := p.int("modulusLength"), p.int("length")
	exp := 65537
	if e, ok := p.bytes("publicExponent"); ok {
		exp = int(new(big.Int).SetBytes(e).Int64())
	}
	return c.Async(func(ctx context.Context) engine.Completion {
		var pair [2]*key
		var secret *key
		var err error
		switch alg {
		case "HMAC":
			if length == 0 {
				h, _, herr := hashOf(hash)
				if herr != nil {
					err = herr
					break
				}
				length = h().BlockSize() * 8
			}
			b := make([]byte, (length+7)/8)
			rand.Read(b)
			secret = &key{typ: "secret", alg: alg, hash: hash, secret: b}
		case "AES-GCM", "AES-CBC", "AES-CTR", "AES-KW":
			if length != 128 && length != 192 && length != 256 {
				err = engine.DOMException("OperationError", "AES key length must be 128, 192 or 256")
				break
			}
			b := make([]byte, length/8)
			rand.Read(b)
			secret = &key{typ: "secret", alg: alg, secret: b}
		case "RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP":
			if bits < 1024 || bits > 8192 || exp != 65537 {
				err = operationError("RSA keys need modulusLength 1024-8192 and publicExponent 65537")
				break
			}
			var r *rsa.PrivateKey
			if r, err = rsa.GenerateKey(rand.Reader, bits); err == nil {
				pair = [2]*key{{typ: "public", alg: alg, hash: hash, rsaPub: &r.PublicKey}, {typ: "private", alg: alg, hash: hash, rsa: r, rsaPub: &r.PublicKey}}
			}
		case "ECDSA", "ECDH":
			var cv elliptic.Curve
			if cv, err = curveOf(curve); err == nil {
				var e *ecdsa.PrivateKey
				if e, err = ecdsa.GenerateKey(cv, rand.Reader); err == nil {
					pair = [2]*key{{typ: "public", alg: alg, curve: curve, ecPub: &e.PublicKey}, {typ: "private", alg: alg, curve: curve, ec: e, ecPub: &e.PublicKey}}
				}
			}
		case "Ed25519":
			pub, priv, gerr := ed25519.GenerateKey(rand.Reader)
			err = gerr
			pair = [2]*key{{typ: "public", alg: alg, edPub: pub}, {typ: "private", alg: alg, ed: priv}}
		default:
			err = notSupported("generateKey is not supported for %s", alg)
		}
		return func(vm *engine.VM) (engine.Value, error) {
			if err != nil {
				return engine.Value{}, err
			}
			if secret != nil {
				return keyResult(vm, secret), nil
			}
			o := vm.NewObject()
			o.Set("publicKey", keyResult(vm, pair[0]))
			o.Set("privateKey", keyResult(vm, pair[1]))
			return o, nil
		}
	})
}

func digestFor(hashName string, data []byte) ([]byte, crypto.Hash, error) {
	h, ch, err := hashOf(hashName)
	if err != nil {
		return nil, 0, err
	}
	d := h()
	d.Write(data)
	return d.Sum(nil), ch, nil
}

// sign: (id, params, data) -> ArrayBuffer.
func opSign(c *engine.Call) (engine.Value, error) {
	k, err := keyOf(c, 0)
	if err != nil {
		return engine.Value{}, err
	}
	p := params{c.Arg(1)}
	data, err := c.View(2)
	if err != nil {
		return engine.Value{}, err
	}
	var sig []byte
	switch k.alg {
	case "HMAC":
		h, _, err := hashOf(k.hash)
		if err != nil {
			return engine.Value{}, err
		}
		m := hmac.New(h, k.secret)
		m.Write(data)
		sig = m.Sum(nil)
	case "RSASSA-PKCS1-v1_5", "RSA-PSS":
		sum, ch, err := digestFor(k.hash, data)
		if err != nil {
			return engine.Value{}, err
		}
		if k.alg == "RSA-PSS" {
			sig, err = rsa.SignPSS(rand.Reader, k.rsa, ch, sum, &rsa.PSSOptions{SaltLength: p.int("saltLength"), Hash: ch})
		} else {
			sig, err = rsa.SignPKCS1v15(rand.Reader, k.rsa, ch, sum)
		}
		if err != nil {
			return engine.Value{}, operationError("%v", err)
		}
	case "ECDSA":
		sum, _, err := digestFor(p.str("hash"), data)
		if err != nil {
			return engine.Value{}, err
		}
		r, s, err := ecdsa.Sign(rand.Reader, k.ec, sum)
		if err != nil {
			return engine.Value{}, operationError("%v", err)
		}
		size := coordSize(k.ec.Curve)
		sig = append(r.FillBytes(make([]byte, size)), s.FillBytes(make([]byte, size))...)
	case "Ed25519":
		sig = ed25519.Sign(k.ed, data)
	default:
		return engine.Value{}, invalidAccess("%s keys cannot sign", k.alg)
	}
	return c.VM.NewBytes(sig), nil
}

// verify: (id, params, signature, data) -> boolean.
func opVerify(c *engine.Call) (engine.Value, error) {
	k, err := keyOf(c, 0)
	if err != nil {
		return engine.Value{}, err
	}
	p := params{c.Arg(1)}
	sig, err := c.Bytes(2)
	if err != nil {
		return engine.Value{}, err
	}
	data, err := c.View(3)
	if err != nil {
		return engine.Value{}, err
	}
	ok := false
	switch k.alg {
	case "HMAC":
		h, _, err := hashOf(k.hash)
		if err != nil {
			return engine.Value{}, err
		}
		m := hmac.New(h, k.secret)
		m.Write(data)
		ok = hmac.Equal(m.Sum(nil), sig)
	case "RSASSA-PKCS1-v1_5", "RSA-PSS":
		sum, ch, err := digestFor(k.hash, data)
		if err != nil {
			return engine.Value{}, err
		}
		if k.alg == "RSA-PSS" {
			ok = rsa.VerifyPSS(k.rsaPub, ch, sum, sig, &rsa.PSSOptions{SaltLength: p.int("saltLength"), Hash: ch}) == nil
		} else {
			ok = rsa.VerifyPKCS1v15(k.rsaPub, ch, sum, sig) == nil
		}
	case "ECDSA":
		sum, _, err := digestFor(p.str("hash"), data)
		if err != nil {
			return engine.Value{}, err
		}
		size := coordSize(k.ecPub.Curve)
		if len(sig) == 2*size {
			r, s := new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
			ok = ecdsa.Verify(k.ecPub, sum, r, s)
		}
	case "Ed25519":
		pub := k.edPub
		if pub == nil {
			pub = k.ed.Public().(ed25519.PublicKey)
		}
		ok = ed25519.Verify(pub, data, sig)
	default:
		return engine.Value{}, invalidAccess("%s keys cannot verify", k.alg)
	}
	return c.VM.NewBool(ok), nil
}

func aesCipher(k *key) (cipher.Block, error) {
	b, err := aes.NewCipher(k.secret)
	if err != nil {
		return nil, operationError("%v", err)
	}
	return b, nil
}

func opEncrypt(c *engine.Call) (engine.Value, error) { return crypt(c, true) }
func opDecrypt(c *engine.Call) (engine.Value, error) { return crypt(c, false) }

// crypt: (id, params, data) -> ArrayBuffer.
func crypt(c *engine.Call, encrypt bool) (engine.Value, error) {
	k, err := keyOf(c, 0)
	if err != nil {
		return engine.Value{}, err
	}
	p := params{c.Arg(1)}
	data, err := c.Bytes(2)
	if err != nil {
		return engine.Value{}, err
	}
	var out []byte
	switch k.alg {
	case "AES-GCM":
		block, err := aesCipher(k)
		if err != nil {
			return engine.Value{}, err
		}
		iv, _ := p.bytes("iv")
		tagLen := p.int("tagLength")
		if tagLen == 0 {
			tagLen = 128
		}
		if len(iv) == 0 {
			return engine.Value{}, operationError("AES-GCM needs an iv")
		}
		gcm, err := cipher.NewGCMWithNonceSize(block, len(iv))
		if err == nil && tagLen != 128 {
			gcm, err = cipher.NewGCMWithTagSize(block, tagLen/8)
		}
		if err != nil {
			return engine.Value{}, operationError("%v", err)
		}
		aad, _ := p.bytes("additionalData")
		if encrypt {
			out = gcm.Seal(nil, iv, data, aad)
		} else if out, err = gcm.Open(nil, iv, data, aad); err != nil {
			return engine.Value{}, operationError("The operation failed for an operation-specific reason: decryption failed")
		}
	case "AES-CBC":
		block, err := aesCipher(k)
		if err != nil {
			return engine.Value{}, err
		}
		iv, _ := p.bytes("iv")
		if len(iv) != aes.BlockSize {
			return engine.Value{}, operationError("AES-CBC iv must be 16 bytes")
		}
		if encrypt {
			pad := aes.BlockSize - len(data)%aes.BlockSize
			buf := append(data, make([]byte, pad)...)
			for i := len(data); i < len(buf); i++ {
				buf[i] = byte(pad)
			}
			out = make([]byte, len(buf))
			cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, buf)
		} else {
			if len(data) == 0 || len(data)%aes.BlockSize != 0 {
				return engine.Value{}, operationError("AES-CBC data is not a multiple of the block size")
			}
			out = make([]byte, len(data))
			cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, data)
			pad := int(out[len(out)-1])
			if pad == 0 || pad > aes.BlockSize {
				return engine.Value{}, operationError("bad padding")
			}
			for _, b := range out[len(out)-pad:] {
				if int(b) != pad {
					return engine.Value{}, operationError("bad padding")
				}
			}
			out = out[:len(out)-pad]
		}
	case "AES-CTR":
		block, err := aesCipher(k)
		if err != nil {
			return engine.Value{}, err
		}
		counter, _ := p.bytes("counter")
		if len(counter) != aes.BlockSize {
			return engine.Value{}, operationError("AES-CTR counter must be 16 bytes")
		}
		out = make([]byte, len(data))
		cipher.NewCTR(block, counter).XORKeyStream(out, data)
	case "AES-KW":
		if encrypt {
			out, err = aesKeyWrap(k.secret, data)
		} else {
			out, err = aesKeyUnwrap(k.secret, data)
		}
		if err != nil {
			return engine.Value{}, err
		}
	case "RSA-OAEP":
		h, _, err := hashOf(k.hash)
		if err != nil {
			return engine.Value{}, err
		}
		label, _ := p.bytes("label")
		if encrypt {
			out, err = rsa.EncryptOAEP(h(), rand.Reader, k.rsaPub, data, label)
		} else {
			out, err = rsa.DecryptOAEP(h(), rand.Reader, k.rsa, data, label)
		}
		if err != nil {
			return engine.Value{}, operationError("%v", err)
		}
	default:
		return engine.Value{}, invalidAccess("%s keys cannot encrypt or decrypt", k.alg)
	}
	return c.VM.NewBytes(out), nil
}

// opDerive: (id, params, lengthBits) -> ArrayBuffer (deriveBits).
func opDerive(c *engine.Call) (engine.Value, error) {
	k, err := keyOf(c, 0)
	if err != nil {
		return engine.Value{}, err
	}
	p := params{c.Arg(1)}
	bits, err := c.Int(2)
	if err != nil {
		return engine.Value{}, err
	}
	if bits <= 0 || bits%8 != 0 || bits > 1<<16 {
		return engine.Value{}, operationError("length must be a positive multiple of 8")
	}
	n := int(bits / 8)
	var out []byte
	switch k.alg {
	case "PBKDF2":
		h, _, err := hashOf(p.str("hash"))
		if err != nil {
			return engine.Value{}, err
		}
		salt, _ := p.bytes("salt")
		iter := p.int("iterations")
		if iter <= 0 {
			return engine.Value{}, operationError("iterations must be positive")
		}
		if out, err = pbkdf2.Key(h, string(k.secret), salt, iter, n); err != nil {
			return engine.Value{}, operationError("%v", err)
		}
	case "HKDF":
		h, _, err := hashOf(p.str("hash"))
		if err != nil {
			return engine.Value{}, err
		}
		salt, _ := p.bytes("salt")
		info, _ := p.bytes("info")
		if out, err = hkdf.Key(h, k.secret, salt, string(info), n); err != nil {
			return engine.Value{}, operationError("%v", err)
		}
	case "ECDH":
		if k.ec == nil {
			return engine.Value{}, invalidAccess("ECDH needs a private key")
		}
		pub, err := peerKey(c.VM, p)
		if err != nil {
			return engine.Value{}, err
		}
		if pub.alg != "ECDH" || pub.ecPub == nil || pub.curve != k.curve {
			return engine.Value{}, invalidAccess("the public key must be an ECDH key on %s", k.curve)
		}
		priv, err1 := k.ec.ECDH()
		pk, err2 := pub.ecPub.ECDH()
		if err1 != nil || err2 != nil {
			return engine.Value{}, operationError("invalid ECDH key")
		}
		secret, err := priv.ECDH(pk)
		if err != nil {
			return engine.Value{}, operationError("%v", err)
		}
		if n > len(secret) {
			return engine.Value{}, operationError("length is longer than the shared secret")
		}
		out = secret[:n]
	default:
		return engine.Value{}, invalidAccess("%s keys cannot derive bits", k.alg)
	}
	return c.VM.NewBytes(out), nil
}

// peerKey finds the Go key of params.public, a CryptoKey whose id the JS
// side put in params.publicId.
func peerKey(vm *engine.VM, p params) (*key, error) {
	id := p.int("publicId")
	r, ok := vm.Resource(id)
	k, ok2 := r.(*key)
	if !ok || !ok2 {
		return nil, engine.TypeError("ECDH: public must be a CryptoKey")
	}
	return k, nil
}

func opRelease(c *engine.Call) (engine.Value, error) {
	id, err := c.Int(0)
	if err != nil {
		return engine.Value{}, err
	}
	if r, ok := c.VM.Resource(int(id)); ok {
		if _, isKey := r.(*key); isKey {
			c.VM.CloseResource(int(id))
		}
	}
	return c.VM.Undefined(), nil
}
