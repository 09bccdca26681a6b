// crypto, Crypto, SubtleCrypto, CryptoKey. Argument normalization follows
// the WebCrypto spec; the work is done by Go ops. A CryptoKey holds the id
// of its Go key; the key is freed when the CryptoKey is collected.
(function (verge) {
  "use strict";
  const { ops } = verge;

  const NAMES = ["RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP", "ECDSA", "ECDH", "AES-CTR", "AES-CBC", "AES-GCM", "AES-KW",
    "HMAC", "SHA-1", "SHA-256", "SHA-384", "SHA-512", "HKDF", "PBKDF2", "Ed25519", "X25519"];
  const CANON = new Map(NAMES.map((n) => [n.toUpperCase(), n]));
  CANON.set("NODE-ED25519", "Ed25519");

  function canonName(name) {
    const n = CANON.get(String(name).toUpperCase());
    if (!n) throw new DOMException(`Unrecognized algorithm name "${name}"`, "NotSupportedError");
    return n;
  }
  function normalize(alg) {
    if (typeof alg === "string") return { name: canonName(alg) };
    if (alg === null || typeof alg !== "object") throw new TypeError("Algorithm must be a string or an object with a name");
    if (alg.name === undefined) throw new TypeError("Algorithm: name is required");
    const out = { ...alg, name: canonName(alg.name) };
    if (out.hash !== undefined) out.hash = normalize(out.hash).name;
    for (const k of ["iv", "salt", "info", "label", "counter", "additionalData", "publicExponent"]) {
      if (out[k] !== undefined) out[k] = bytes(out[k], k);
    }
    return out;
  }
  function bytes(x, what = "data") {
    if (x instanceof ArrayBuffer) return new Uint8Array(x);
    if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    throw new TypeError(`${what} must be an ArrayBuffer or ArrayBufferView`);
  }
  const hashAlg = (h) => ({ name: h });

  const registry = typeof FinalizationRegistry === "function" ? new FinalizationRegistry((id) => ops.crypto_release(id)) : null;
  const KEY = Symbol("key");
  const idOf = verge.privateState();

  class CryptoKey {
    #type; #extractable; #algorithm; #usages;
    constructor(key, res, algorithm, extractable, usages) {
      if (key !== KEY) throw new TypeError("Illegal constructor");
      this.#type = res.type;
      this.#extractable = Boolean(extractable);
      this.#algorithm = Object.freeze(algorithm);
      this.#usages = usages;
      idOf.set(this, res.id);
      registry?.register(this, res.id);
    }
    get type() { return this.#type; }
    get extractable() { return this.#extractable; }
    get algorithm() { return this.#algorithm; }
    get usages() { return [...this.#usages]; }
    get [Symbol.toStringTag]() { return "CryptoKey"; }
  }
  function keyId(key) {
    const id = idOf.get(key);
    if (id === undefined) throw new TypeError("Expected a CryptoKey");
    return id;
  }

  const USAGES = {
    "RSASSA-PKCS1-v1_5": { public: ["verify"], private: ["sign"] },
    "RSA-PSS": { public: ["verify"], private: ["sign"] },
    "RSA-OAEP": { public: ["encrypt", "wrapKey"], private: ["decrypt", "unwrapKey"] },
    ECDSA: { public: ["verify"], private: ["sign"] },
    ECDH: { public: [], private: ["deriveKey", "deriveBits"] },
    Ed25519: { public: ["verify"], private: ["sign"] },
    HMAC: { secret: ["sign", "verify"] },
    "AES-GCM": { secret: ["encrypt", "decrypt", "wrapKey", "unwrapKey"] },
    "AES-CBC": { secret: ["encrypt", "decrypt", "wrapKey", "unwrapKey"] },
    "AES-CTR": { secret: ["encrypt", "decrypt", "wrapKey", "unwrapKey"] },
    "AES-KW": { secret: ["wrapKey", "unwrapKey"] },
    PBKDF2: { secret: ["deriveKey", "deriveBits"] },
    HKDF: { secret: ["deriveKey", "deriveBits"] },
  };
  function checkUsages(alg, type, usages) {
    const allowed = USAGES[alg]?.[type] ?? [];
    for (const u of usages) {
      if (!allowed.includes(u)) throw new DOMException(`Unsupported key usage for a ${alg} ${type} key: ${u}`, "SyntaxError");
    }
  }

  function keyAlgorithm(norm, res) {
    const a = { name: norm.name };
    if (norm.hash) a.hash = hashAlg(norm.hash);
    if (norm.namedCurve) a.namedCurve = norm.namedCurve;
    if (res.modulusLength) { a.modulusLength = res.modulusLength; a.publicExponent = res.publicExponent; }
    if (/^AES-/.test(norm.name) || norm.name === "HMAC") a.length = res.length;
    return a;
  }

  function makeKey(norm, res, extractable, usages) {
    const allowed = USAGES[norm.name]?.[res.type] ?? [];
    const own = usages.filter((u) => allowed.includes(u));
    return new CryptoKey(KEY, res, keyAlgorithm(norm, res), res.type === "public" ? true : extractable, own);
  }

  function need(key, alg, usage) {
    keyId(key);
    if (key.algorithm.name !== alg) throw new DOMException(`The key is for ${key.algorithm.name}, not ${alg}`, "InvalidAccessError");
    if (!key.usages.includes(usage)) throw new DOMException(`The key does not allow ${usage}`, "InvalidAccessError");
  }

  // Every SubtleCrypto method returns a promise, also for argument errors.
  const async = (fn) => function (...args) {
    try { return Promise.resolve(fn.apply(this, args)); } catch (e) { return Promise.reject(e); }
  };

  function keyParams(key, norm) {
    // The op needs hash/curve from the key when the call doesn't repeat them.
    return { ...norm, hash: norm.hash ?? key.algorithm.hash?.name, namedCurve: key.algorithm.namedCurve };
  }

  // ECDH's params.public is a CryptoKey; the op needs its id.
  function withPeer(norm) {
    if (norm.name !== "ECDH") return norm;
    return { ...norm, publicId: keyId(norm.public) };
  }
  const ecdhBits = (key) => ({ "P-256": 256, "P-384": 384, "P-521": 528 })[key.algorithm.namedCurve];

  // crypt encrypts (encrypt, wrapKey) or decrypts (decrypt, unwrapKey).
  function crypt(algorithm, key, data, usage) {
    const norm = normalize(algorithm);
    need(key, norm.name, usage);
    const op = usage === "encrypt" || usage === "wrapKey" ? ops.crypto_encrypt : ops.crypto_decrypt;
    return op(keyId(key), keyParams(key, norm), bytes(data));
  }

  class SubtleCrypto {
    constructor(k) { if (k !== KEY) throw new TypeError("Illegal constructor"); }
    get [Symbol.toStringTag]() { return "SubtleCrypto"; }
  }
  Object.assign(SubtleCrypto.prototype, {
    digest: async(function (algorithm, data) {
      const { name } = normalize(algorithm);
      if (!/^SHA-/.test(name)) throw new DOMException(`${name} is not a digest algorithm`, "NotSupportedError");
      return ops.crypto_digest(name, bytes(data));
    }),
    importKey: async(function (format, keyData, algorithm, extractable, usages) {
      const norm = normalize(algorithm);
      usages = [...usages];
      let data;
      if (format === "jwk") {
        if (keyData === null || typeof keyData !== "object" || ArrayBuffer.isView(keyData)) throw new TypeError("JWK key data must be an object");
        if (keyData.ext === false && extractable) throw new DOMException("JWK ext is false but extractable was requested", "DataError");
        data = JSON.stringify(keyData);
      } else if (["raw", "spki", "pkcs8"].includes(format)) {
        data = bytes(keyData, "keyData");
      } else {
        throw new TypeError(`Invalid key format: ${format}`);
      }
      const res = ops.crypto_import(String(format), data, norm);
      checkUsages(norm.name, res.type, usages);
      if (res.type !== "public" && usages.length === 0) throw new DOMException("Usages cannot be empty when creating a key.", "SyntaxError");
      return makeKey(norm, res, extractable, usages);
    }),
    exportKey: async(function (format, key) {
      keyId(key);
      if (!key.extractable) throw new DOMException("The key is not extractable", "InvalidAccessError");
      const out = ops.crypto_export(keyId(key), String(format));
      if (format !== "jwk") return out;
      const jwk = JSON.parse(out);
      jwk.key_ops = key.usages;
      jwk.ext = key.extractable;
      return jwk;
    }),
    generateKey: async(async function (algorithm, extractable, usages) {
      const norm = normalize(algorithm);
      usages = [...usages];
      const res = await ops.crypto_generate(norm);
      if (res.id !== undefined) {
        checkUsages(norm.name, "secret", usages);
        if (usages.length === 0) throw new DOMException("Usages cannot be empty when creating a key.", "SyntaxError");
        return makeKey(norm, res, extractable, usages);
      }
      const all = [...(USAGES[norm.name]?.public ?? []), ...(USAGES[norm.name]?.private ?? [])];
      for (const u of usages) if (!all.includes(u)) throw new DOMException(`Unsupported key usage: ${u}`, "SyntaxError");
      const priv = makeKey(norm, res.privateKey, extractable, usages);
      if (priv.usages.length === 0) throw new DOMException("Usages cannot be empty when creating a key.", "SyntaxError");
      return { publicKey: makeKey(norm, res.publicKey, true, usages), privateKey: priv };
    }),
    sign: async(function (algorithm, key, data) {
      const norm = normalize(algorithm);
      need(key, norm.name, "sign");
      return ops.crypto_sign(keyId(key), keyParams(key, norm), bytes(data));
    }),
    verify: async(function (algorithm, key, signature, data) {
      const norm = normalize(algorithm);
      need(key, norm.name, "verify");
      return ops.crypto_verify(keyId(key), keyParams(key, norm), bytes(signature, "signature"), bytes(data));
    }),
    encrypt: async(function (algorithm, key, data) { return crypt(algorithm, key, data, "encrypt"); }),
    decrypt: async(function (algorithm, key, data) { return crypt(algorithm, key, data, "decrypt"); }),
    deriveBits: async(function (algorithm, key, length) {
      const norm = normalize(algorithm);
      need(key, norm.name, "deriveBits");
      return ops.crypto_derive(keyId(key), withPeer(norm), length == null ? ecdhBits(key) : Number(length));
    }),
    deriveKey: async(async function (algorithm, key, derivedAlg, extractable, usages) {
      const norm = normalize(algorithm);
      need(key, norm.name, "deriveKey");
      const target = normalize(derivedAlg);
      let length = target.length;
      if (target.name === "HMAC" && !length) length = { "SHA-1": 512, "SHA-256": 512, "SHA-384": 1024, "SHA-512": 1024 }[target.hash];
      if (!length) throw new TypeError("deriveKey: the derived key algorithm needs a length");
      const bits = ops.crypto_derive(keyId(key), withPeer(norm), length);
      return this.importKey("raw", bits, derivedAlg, extractable, usages);
    }),
    wrapKey: async(async function (format, key, wrappingKey, wrapAlgorithm) {
      let data = await this.exportKey(format, key);
      if (format === "jwk") data = new TextEncoder().encode(JSON.stringify(data));
      return crypt(wrapAlgorithm, wrappingKey, data, "wrapKey");
    }),
    unwrapKey: async(async function (format, wrapped, unwrappingKey, unwrapAlgorithm, keyAlgorithm, extractable, usages) {
      let data = crypt(unwrapAlgorithm, unwrappingKey, wrapped, "unwrapKey");
      if (format === "jwk") data = JSON.parse(new TextDecoder().decode(data));
      return this.importKey(format, data, keyAlgorithm, extractable, usages);
    }),
  });

  const subtle = new SubtleCrypto(KEY);
  class Crypto {
    constructor(k) { if (k !== KEY) throw new TypeError("Illegal constructor"); }
    get subtle() { return subtle; }
    getRandomValues(array) {
      if (!ArrayBuffer.isView(array) || array instanceof DataView || array instanceof Float32Array || array instanceof Float64Array) {
        throw new DOMException("getRandomValues: the argument must be an integer typed array", "TypeMismatchError");
      }
      ops.crypto_random(array);
      return array;
    }
    randomUUID() { return ops.crypto_uuid(); }
    get [Symbol.toStringTag]() { return "Crypto"; }
  }
  const crypto = new Crypto(KEY);
  // node:crypto's createHash and createHmac are synchronous, Web Crypto's
  // digests are not: compat/nodejs reaches a synchronous one here, under a
  // symbol (hidden from enumeration; it computes nothing a worker could not).
  Object.defineProperty(crypto, Symbol.for("verge.nodejs.hash"), {
    value: (name, data, key) => ops.crypto_node_hash(name, bytes(data), key === undefined ? undefined : bytes(key)),
  });
  verge.expose({ Crypto, SubtleCrypto, CryptoKey });
  Object.defineProperty(globalThis, "crypto", { value: crypto, writable: true, configurable: true, enumerable: false });
})(globalThis.__verge);
