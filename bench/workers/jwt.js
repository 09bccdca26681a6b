// JWT verify: RS256 with crypto.subtle, key and token generated at startup
// so the benchmark needs no files.
const enc = new TextEncoder();
const b64url = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const b64urlDecode = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4)), (c) => c.charCodeAt(0));
const alg = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
let setup;
async function init() {
  const pair = await crypto.subtle.generateKey({ ...alg, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, true, ["sign", "verify"]);
  const head = b64url(enc.encode(JSON.stringify({ alg: "RS256", typ: "JWT" })));
  const body = b64url(enc.encode(JSON.stringify({ sub: "user-1", exp: 4102444800 })));
  const sig = b64url(await crypto.subtle.sign(alg, pair.privateKey, enc.encode(head + "." + body)));
  return { key: pair.publicKey, token: `${head}.${body}.${sig}` };
}
export default {
  async fetch(request) {
    setup ??= init();
    const { key, token } = await setup;
    const [h, p, s] = token.split(".");
    const ok = await crypto.subtle.verify(alg, key, b64urlDecode(s), enc.encode(h + "." + p));
    const claims = JSON.parse(new TextDecoder().decode(b64urlDecode(p)));
    return new Response(ok ? "valid " + claims.sub : "invalid", { status: ok ? 200 : 401 });
  },
};
