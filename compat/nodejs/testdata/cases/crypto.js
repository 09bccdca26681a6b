// node:crypto: hashes, HMACs, randomness, timingSafeEqual.
import crypto from "node:crypto";
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from "crypto";
import { Buffer } from "node:buffer";

const err = (f) => {
  try {
    const v = f();
    return ["ok", Buffer.isBuffer(v) ? v.toString("hex") : v];
  } catch (e) {
    return [e.name, e.code || null, e.message];
  }
};

const inputs = ["", "abc", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "a".repeat(55), "a".repeat(56), "a".repeat(64), "a".repeat(111), "a".repeat(112), "a".repeat(128), "a".repeat(1000), "héllo wörld ✓"];
const algorithms = ["md5", "sha1", "sha224", "sha256", "sha384", "sha512", "SHA256", "RSA-SHA1", "sha-256", "RSA-MD5", "SHA-512"];

export default function run() {
  const digests = {};
  for (const a of algorithms) digests[a] = inputs.map((s) => createHash(a).update(s).digest("hex"));
  const hmacs = {};
  for (const a of algorithms.slice(0, 6)) {
    hmacs[a] = [
      createHmac(a, "key").update("The quick brown fox jumps over the lazy dog").digest("hex"),
      createHmac(a, "").update("").digest("base64"),
      createHmac(a, "k".repeat(200)).update("long key").digest("hex"),
      createHmac(a, Buffer.from("0b".repeat(20), "hex")).update("Hi There").digest("hex"),
    ];
  }
  const multi = createHash("sha256");
  multi.update("ab");
  const copy = multi.copy();
  multi.update(Buffer.from("c"));
  copy.update(new Uint8Array([0x63, 0x64]));
  const bytes = randomBytes(40);
  return {
    digests,
    hmacs,
    encodings: [
      createHash("sha256").update("abc").digest("base64"),
      createHash("sha256").update("abc").digest("base64url"),
      createHash("md5").update("abc").digest("latin1").length,
      createHash("sha1").update("abc").digest().toString("hex"),
      Buffer.isBuffer(createHash("sha1").update("abc").digest()),
      createHash("sha256").update("616263", "hex").digest("hex"),
      createHash("sha256").update("YWJj", "base64").digest("hex"),
      createHash("sha256").update(new DataView(new Uint8Array([97, 98, 99]).buffer)).digest("hex"),
    ],
    chained: [multi.digest("hex"), copy.digest("hex")],
    errors: [
      err(() => createHash("foo")),
      err(() => { const h = createHash("sha256"); h.digest(); return h.digest(); }),
      err(() => { const h = createHash("sha256"); h.digest(); return h.update("a"); }),
      err(() => createHash("sha256").update(5)),
      err(() => createHmac("sha256")),
      err(() => createHmac("nope", "k")),
      err(() => randomBytes(-1)),
      err(() => timingSafeEqual(Buffer.from("a"), Buffer.from("ab"))),
    ],
    timingSafeEqual: [timingSafeEqual(Buffer.from("abc"), Buffer.from("abc")), timingSafeEqual(Buffer.from("abc"), Buffer.from("abd")), timingSafeEqual(new Uint8Array(0), new Uint8Array(0))],
    random: [bytes.length, Buffer.isBuffer(bytes), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(randomUUID()), randomBytes(0).length, randomBytes(70000).length],
    randomInt: Array.from({ length: 50 }, () => crypto.randomInt(3, 7)).every((n) => Number.isInteger(n) && n >= 3 && n < 7),
    hashes: ["md5", "sha1", "sha256", "sha512"].every((h) => crypto.getHashes().includes(h)),
    webcrypto: [crypto.webcrypto === globalThis.crypto, crypto.subtle === globalThis.crypto.subtle, typeof crypto.createHash],
  };
}
