// A JWT gateway: verifies an RS256 bearer token with crypto.subtle against
// the public key in env.JWT_PUBLIC_JWK, and forwards valid requests to
// env.ORIGIN with the token's subject in x-user-id. Anything else is 401.
const enc = new TextEncoder();

function b64urlDecode(s) {
  s = s.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(s + "===".slice((s.length + 3) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

let keyPromise;
function publicKey(env) {
  keyPromise ??= crypto.subtle.importKey(
    "jwk", JSON.parse(env.JWT_PUBLIC_JWK),
    { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]);
  return keyPromise;
}

async function verify(token, env) {
  const parts = token.split(".");
  if (parts.length !== 3) throw new Error("malformed token");
  const header = JSON.parse(new TextDecoder().decode(b64urlDecode(parts[0])));
  if (header.alg !== "RS256") throw new Error("unexpected alg " + header.alg);
  const ok = await crypto.subtle.verify("RSASSA-PKCS1-v1_5", await publicKey(env),
    b64urlDecode(parts[2]), enc.encode(parts[0] + "." + parts[1]));
  if (!ok) throw new Error("bad signature");
  const claims = JSON.parse(new TextDecoder().decode(b64urlDecode(parts[1])));
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp === "number" && claims.exp < now) throw new Error("token expired");
  if (typeof claims.nbf === "number" && claims.nbf > now) throw new Error("token not yet valid");
  return claims;
}

function unauthorized(reason) {
  return new Response(JSON.stringify({ error: "unauthorized", reason }), {
    status: 401,
    headers: { "content-type": "application/json", "www-authenticate": 'Bearer realm="verge"' },
  });
}

export default {
  async fetch(request, env) {
    const auth = request.headers.get("authorization") || "";
    const m = /^Bearer\s+(.+)$/i.exec(auth);
    if (!m) return unauthorized("missing bearer token");
    let claims;
    try {
      claims = await verify(m[1], env);
    } catch (e) {
      return unauthorized(e.message);
    }
    const url = new URL(request.url);
    const upstream = new URL(url.pathname + url.search, env.ORIGIN);
    const headers = new Headers(request.headers);
    headers.delete("authorization");
    headers.set("x-user-id", String(claims.sub ?? ""));
    return fetch(upstream, { method: request.method, headers, body: request.body, redirect: "manual" });
  },
};
