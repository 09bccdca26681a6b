// The Cache API of Cloudflare Workers: caches.default and
// caches.open(name), each with match, put and delete. The store is the
// PoP's HTTP cache, reached through Go ops.
(function (verge) {
  "use strict";
  const { ops, internals } = verge;
  const H = internals.headers;
  const token = Symbol("cache");

  const toRequest = (r) => (r instanceof Request ? r : new Request(r));
  const flatJSON = (h) => JSON.stringify(H.toFlat(h));
  const nullBodyStatus = (s) => s === 101 || s === 204 || s === 205 || s === 304;

  class Cache {
    #name;
    constructor(key, name) {
      if (key !== token) throw new TypeError("Illegal constructor");
      this.#name = name;
    }

    async match(request, options) {
      const req = toRequest(request);
      const ignoreMethod = !!(options && options.ignoreMethod);
      const r = await ops.cache_match(this.#name, req.method, req.url, flatJSON(req.headers), ignoreMethod);
      if (r === null) return undefined;
      const flat = JSON.parse(r.headers);
      const pairs = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
      return new Response(nullBodyStatus(r.status) ? null : r.body, { status: r.status, headers: pairs });
    }

    async put(request, response) {
      const req = toRequest(request);
      if (!(response instanceof Response)) {
        throw new TypeError("Failed to execute 'put' on 'Cache': parameter 2 is not of type 'Response'.");
      }
      if (req.method !== "GET") throw new TypeError("Cannot cache response to non-GET request.");
      if (response.status === 206) {
        throw new TypeError("Cannot cache response to a range request (206 Partial Content).");
      }
      const vary = response.headers.get("vary");
      if (vary !== null && vary.split(",").some((v) => v.trim() === "*")) {
        throw new TypeError("Cannot cache response with 'Vary: *' header.");
      }
      if (response.bodyUsed) {
        throw new TypeError("Body has already been used. It can only be used once. Use tee() first if you need to read it twice.");
      }
      const body = new Uint8Array(await response.arrayBuffer());
      await ops.cache_put(this.#name, req.url, flatJSON(req.headers), response.status, flatJSON(response.headers), body);
    }

    async delete(request, options) {
      const req = toRequest(request);
      const ignoreMethod = !!(options && options.ignoreMethod);
      return ops.cache_delete(this.#name, req.method, req.url, ignoreMethod);
    }

    get [Symbol.toStringTag]() { return "Cache"; }
  }

  class CacheStorage {
    #default = new Cache(token, "");
    #named = new Map();
    constructor(key) {
      if (key !== token) throw new TypeError("Illegal constructor");
    }
    get default() { return this.#default; }
    async open(name) {
      name = String(name);
      if (name === "") throw new TypeError("Cache name must not be empty.");
      if (name.length > 1024) throw new TypeError("Cache name is too long.");
      let c = this.#named.get(name);
      if (c === undefined) {
        c = new Cache(token, name);
        this.#named.set(name, c);
      }
      return c;
    }
    get [Symbol.toStringTag]() { return "CacheStorage"; }
  }

  Object.defineProperty(globalThis, "caches", {
    value: new CacheStorage(token), writable: true, enumerable: false, configurable: true,
  });
  globalThis.Cache = Cache;
  globalThis.CacheStorage = CacheStorage;
})(globalThis.__verge);
