// node:crypto, the part Lambda@Edge handlers use: createHash and
// createHmac (md5, sha1, sha224, sha256, sha384, sha512), randomBytes,
// randomUUID, randomInt, timingSafeEqual, getHashes, and webcrypto/subtle
// (the Web Crypto API the runtime has); checked against node's output
// (testdata/cases/crypto.js).
// Ciphers, keys, sign/verify and the KDFs are not here: importing them
// gives undefined, and crypto.subtle does those things.
"use strict";
const { invalidArgType, outOfRange, withCode } = require("internal/errors");

const buffer = () => require("node:buffer").Buffer;

// The digests are computed by the runtime, synchronously (see
// webapi/crypto): Web Crypto's are asynchronous, and in JavaScript on this
// engine SHA-256 ran at ~2.5 ms per KiB.
const HASH = Symbol.for("verge.nodejs.hash");
const NAMES = new Set(["md5", "sha1", "sha224", "sha256", "sha384", "sha512"]);
const ALIASES = { "rsa-md5": "md5", "rsa-sha1": "sha1", "rsa-sha224": "sha224", "rsa-sha256": "sha256", "rsa-sha384": "sha384", "rsa-sha512": "sha512", "sha-1": "sha1", "sha-256": "sha256", "sha-384": "sha384", "sha-512": "sha512" };

// digestOf returns Node's canonical name of a digest algorithm, or
// undefined; Node's names are case-insensitive.
function digestOf(algorithm) {
  if (typeof algorithm !== "string") return undefined;
  const name = algorithm.toLowerCase();
  const canonical = ALIASES[name] || name;
  return NAMES.has(canonical) ? canonical : undefined;
}

function compute(name, data, key) {
  const hash = globalThis.crypto && globalThis.crypto[HASH];
  if (typeof hash !== "function") throw new Error("node:crypto needs the runtime's global crypto, which this worker replaced");
  return new Uint8Array(hash(name, data, key));
}

// ---- inputs and outputs ----

function toBytes(data, encoding, argName) {
  if (typeof data === "string") return buffer().from(data, encoding || "utf8");
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw invalidArgType(argName, "of type string or an instance of Buffer, TypedArray, or DataView", data);
}

function concat(chunks) {
  const n = chunks.reduce((s, c) => s + c.length, 0);
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

function output(bytes, encoding) {
  const b = buffer().from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return encoding === undefined || encoding === "buffer" || !buffer().isEncoding(encoding) ? b : b.toString(encoding);
}

const finalized = () => withCode(new Error("Digest already called"), "ERR_CRYPTO_HASH_FINALIZED");

// ---- Hash and Hmac ----

// Input collects what update() is given, copied (a Buffer the caller
// reuses must not change the digest), until the digest takes it once.
class Input {
  #chunks = [];
  #done = false;
  add(data, inputEncoding) {
    if (this.#done) throw finalized();
    this.#chunks.push(toBytes(data, inputEncoding, "data").slice());
  }
  take() {
    if (this.#done) throw finalized();
    this.#done = true;
    return concat(this.#chunks);
  }
  copy() {
    if (this.#done) throw finalized();
    const c = new Input();
    c.#chunks = this.#chunks.slice();
    return c;
  }
}

class Hash {
  #name;
  #input = new Input();
  constructor(algorithm, _options) {
    const name = digestOf(algorithm);
    if (name === undefined) {
      if (typeof algorithm !== "string") throw invalidArgType("algorithm", "of type string", algorithm);
      throw new Error("Digest method not supported");
    }
    this.#name = name;
  }
  update(data, inputEncoding) {
    this.#input.add(data, inputEncoding);
    return this;
  }
  digest(outputEncoding) {
    return output(compute(this.#name, this.#input.take()), outputEncoding);
  }
  copy() {
    const c = new Hash(this.#name);
    c.#input = this.#input.copy();
    return c;
  }
}

class Hmac {
  #name;
  #key;
  #input = new Input();
  constructor(algorithm, key) {
    const name = digestOf(algorithm);
    if (typeof algorithm !== "string") throw invalidArgType("hmac", "of type string", algorithm);
    if (key === undefined || key === null || (typeof key !== "string" && !ArrayBuffer.isView(key) && !(key instanceof ArrayBuffer))) {
      throw invalidArgType("key", "of type string or an instance of ArrayBuffer, Buffer, TypedArray, DataView, KeyObject, or CryptoKey", key);
    }
    if (name === undefined) throw withCode(new TypeError(`Invalid digest: ${algorithm}`), "ERR_CRYPTO_INVALID_DIGEST");
    this.#name = name;
    this.#key = (key instanceof ArrayBuffer ? new Uint8Array(key) : toBytes(key, "utf8", "key")).slice();
  }
  update(data, inputEncoding) {
    this.#input.add(data, inputEncoding);
    return this;
  }
  digest(outputEncoding) {
    return output(compute(this.#name, this.#input.take(), this.#key), outputEncoding);
  }
}

// ---- randomness and the rest ----

function randomBytes(size, callback) {
  if (typeof size !== "number") throw invalidArgType("size", "of type number", size);
  if (!(size >= 0 && size <= 2147483647)) throw outOfRange("size", ">= 0 && <= 2147483647", size);
  const out = buffer().alloc(size);
  for (let at = 0; at < size; at += 65536) globalThis.crypto.getRandomValues(out.subarray(at, Math.min(size, at + 65536)));
  if (typeof callback === "function") {
    queueMicrotask(() => callback(null, out));
    return undefined;
  }
  return out;
}

function randomInt(min, max, callback) {
  if (max === undefined || typeof max === "function") { callback = max; max = min; min = 0; }
  if (!Number.isSafeInteger(min)) throw invalidArgType("min", "a safe integer", min);
  if (!Number.isSafeInteger(max)) throw invalidArgType("max", "a safe integer", max);
  if (max <= min) throw outOfRange("max", `greater than the value of "min" (${min})`, max);
  const range = max - min;
  if (range > 2 ** 48) throw outOfRange("max - min", `<= ${2 ** 48}`, range);
  // Rejection sampling over 48 random bits: no modulo bias.
  const limit = 2 ** 48 - (2 ** 48 % range);
  let x;
  do {
    const b = randomBytes(6);
    x = b.reduce((n, byte) => n * 256 + byte, 0);
  } while (x >= limit);
  const n = min + (x % range);
  if (typeof callback === "function") {
    queueMicrotask(() => callback(null, n));
    return undefined;
  }
  return n;
}

function timingSafeEqual(a, b) {
  if (!ArrayBuffer.isView(a) && !(a instanceof ArrayBuffer)) throw invalidArgType("buf1", "an instance of ArrayBuffer, Buffer, TypedArray, or DataView", a);
  if (!ArrayBuffer.isView(b) && !(b instanceof ArrayBuffer)) throw invalidArgType("buf2", "an instance of ArrayBuffer, Buffer, TypedArray, or DataView", b);
  const x = a instanceof ArrayBuffer ? new Uint8Array(a) : new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  if (x.length !== y.length) throw withCode(new RangeError("Input buffers must have the same byte length"), "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH");
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

module.exports = {
  createHash: (algorithm, options) => new Hash(algorithm, options),
  createHmac: (algorithm, key) => new Hmac(algorithm, key),
  Hash,
  Hmac,
  getHashes: () => ["RSA-MD5", "RSA-SHA1", "RSA-SHA224", "RSA-SHA256", "RSA-SHA384", "RSA-SHA512", "md5", "sha1", "sha224", "sha256", "sha384", "sha512"],
  randomBytes,
  randomInt,
  randomUUID: () => globalThis.crypto.randomUUID(),
  getRandomValues: (array) => globalThis.crypto.getRandomValues(array),
  timingSafeEqual,
  get webcrypto() { return globalThis.crypto; },
  get subtle() { return globalThis.crypto.subtle; },
};
