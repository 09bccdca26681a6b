// The Workers KV binding: env.MY_KV.get/getWithMetadata/put/delete/list,
// with Cloudflare's value types and options. The store is the node's KV
// (package kv), reached through Go ops.
(function (verge) {
  "use strict";
  const { ops, internals } = verge;
  const token = Symbol("kv");
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const TYPES = ["text", "json", "arrayBuffer", "stream"];

  const readType = (options) => {
    const type = options === undefined || options === null ? "text"
      : typeof options === "string" ? options : (options.type === undefined ? "text" : options.type);
    if (!TYPES.includes(type)) {
      throw new TypeError(`Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".`);
    }
    return type;
  };
  const checkKey = (key) => {
    if (key === undefined) throw new TypeError("Failed to execute 'get' on 'KvNamespace': parameter 1 is not of type 'string'.");
    return String(key);
  };
  // buf is a fresh ArrayBuffer from Go.
  const convert = (buf, type) => {
    switch (type) {
      case "text": return decoder.decode(buf);
      case "json": return JSON.parse(decoder.decode(buf));
      case "arrayBuffer": return buf;
      case "stream": return new Response(buf).body;
    }
  };
  const toBytes = async (value) => {
    if (typeof value === "string") return encoder.encode(value);
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    if (value instanceof ReadableStream) return new Uint8Array(await new Response(value).arrayBuffer());
    throw new TypeError("KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.");
  };

  class KvNamespace {
    #ns;
    constructor(key, config) {
      if (key !== token) throw new TypeError("Illegal constructor");
      this.#ns = String(config.namespace);
    }

    async get(key, options) {
      const type = readType(options);
      const r = await ops.kv_get(this.#ns, checkKey(key));
      return r === null ? null : convert(r.value, type);
    }

    async getWithMetadata(key, options) {
      const type = readType(options);
      const r = await ops.kv_get(this.#ns, checkKey(key));
      if (r === null) return { value: null, metadata: null, cacheStatus: null };
      return { value: convert(r.value, type), metadata: r.metadata === "" ? null : JSON.parse(r.metadata), cacheStatus: null };
    }

    async put(key, value, options) {
      key = checkKey(key);
      const o = options || {};
      const bytes = await toBytes(value);
      const metadata = o.metadata === undefined || o.metadata === null ? "" : JSON.stringify(o.metadata);
      await ops.kv_put(this.#ns, key, bytes, Number(o.expiration || 0), Number(o.expirationTtl || 0), metadata);
    }

    async delete(key) {
      await ops.kv_delete(this.#ns, checkKey(key));
    }

    async list(options) {
      const o = options || {};
      const r = JSON.parse(await ops.kv_list(this.#ns, o.prefix == null ? "" : String(o.prefix),
        o.limit == null ? 0 : Number(o.limit), o.cursor == null ? "" : String(o.cursor)));
      const out = { keys: r.keys || [], list_complete: r.list_complete, cacheStatus: null };
      if (!r.list_complete) out.cursor = r.cursor;
      return out;
    }

    get [Symbol.toStringTag]() { return "KvNamespace"; }
  }

  (internals.bindings ??= Object.create(null)).kv = (config) => new KvNamespace(token, config);
})(globalThis.__verge);
