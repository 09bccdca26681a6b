import { importJWK, jwtVerify, errors } from "jose";

let key;
export default {
  async fetch(request, env) {
    key ??= await importJWK(JSON.parse(env.PUBLIC_JWK), "RS256");
    const token = (request.headers.get("authorization") || "").replace(/^Bearer /, "");
    try {
      const { payload, protectedHeader } = await jwtVerify(token, key, { issuer: "verge-test" });
      return Response.json({ ok: true, sub: payload.sub, alg: protectedHeader.alg });
    } catch (e) {
      const code = e instanceof errors.JOSEError ? e.code : "UNKNOWN";
      return Response.json({ ok: false, code, message: e.message }, { status: 401 });
    }
  },
};
