// Fetch: Request, Response, the Body mixin and fetch(). Bodies built from
// bytes stay bytes until someone asks for `body`; bodies from the host
// (incoming requests, subrequest responses) are Go resources read in
// chunks; `body` is a byte ReadableStream made on first access.
(function (verge) {
  "use strict";
  const { ops, internals } = verge;
  const H = internals.headers;
  const utf8 = internals.encoding;

  const used = () => new TypeError("Body has already been used. It can only be used once. Use tee() first if you need to read it twice.");

  // A body source: null, {bytes: Uint8Array}, {rid}, or {stream}.
  class BodyState {
    constructor(source, length) {
      this.source = source;
      this.stream = null;
      this.used = false;
      this.length = length;
    }
  }

  function isStream(x) { return typeof ReadableStream === "function" && x instanceof ReadableStream; }

  // Streams over a Go body remember it, so that a body passed on untouched
  // (new Response(upstream.body), the proxy pattern) goes out from Go
  // without a trip through JavaScript per chunk (see takeRid).
  const ridStreams = verge.privateState();

  function streamFromRid(rid) {
    const tag = { rid, touched: false };
    const stream = new ReadableStream({
      type: "bytes",
      async pull(c) {
        if (tag.touched === "taken") { c.error(used()); return; }
        tag.touched = true;
        const chunk = await ops.body_read(rid);
        if (chunk === null) { c.close(); ops.body_close(rid); return; }
        c.enqueue(new Uint8Array(chunk));
      },
      cancel() { if (tag.touched !== "taken") ops.body_close(rid); },
    });
    ridStreams.set(stream, tag);
    return stream;
  }

  // takeRid returns the Go body behind a stream made by streamFromRid that
  // nobody has read from, which the caller then owns; the stream itself
  // fails if read later. Otherwise it returns undefined.
  function takeRid(stream) {
    const tag = ridStreams.get(stream);
    if (!tag || tag.touched || stream.locked || disturbed(stream)) return undefined;
    tag.touched = "taken";
    return tag.rid;
  }

  function streamFromBytes(bytes) {
    return new ReadableStream({
      type: "bytes",
      start(c) { if (bytes.byteLength) c.enqueue(bytes.slice()); c.close(); },
    });
  }

  // extractBody turns a BodyInit into a source and its default content type.
  function extractBody(init) {
    if (init === null || init === undefined) return [null, null];
    if (typeof init === "string") return [{ bytes: utf8.encode(init) }, "text/plain;charset=UTF-8"];
    if (init instanceof ArrayBuffer) return [{ bytes: new Uint8Array(init.slice(0)) }, null];
    if (ArrayBuffer.isView(init)) return [{ bytes: new Uint8Array(init.buffer.slice(init.byteOffset, init.byteOffset + init.byteLength)) }, null];
    if (internals.blob?.isBlob(init)) return [{ bytes: internals.blob.bytesOf(init) }, init.type || null];
    if (internals.formdata?.isFormData(init)) {
      const { body, contentType } = internals.formdata.serializeMultipart(init);
      return [{ bytes: body }, contentType];
    }
    if (typeof URLSearchParams === "function" && init instanceof URLSearchParams) {
      return [{ bytes: utf8.encode(init.toString()) }, "application/x-www-form-urlencoded;charset=UTF-8"];
    }
    if (isStream(init)) {
      if (init.locked) throw new TypeError("The ReadableStream is locked or disturbed.");
      const rid = takeRid(init);
      return [rid !== undefined ? { rid } : { stream: init }, null];
    }
    return [{ bytes: utf8.encode(String(init)) }, "text/plain;charset=UTF-8"];
  }

  const states = verge.privateState();
  const stateOf = (o) => {
    const s = states.get(o);
    if (!s) throw new TypeError("Illegal invocation");
    return s;
  };

  function getBody(st) {
    if (!st.body.source) return null;
    if (!st.body.stream) {
      const src = st.body.source;
      st.body.stream = src.stream || (src.rid !== undefined ? streamFromRid(src.rid) : streamFromBytes(src.bytes));
      st.body.source = { stream: st.body.stream };
    }
    return st.body.stream;
  }

  function disturbed(stream) {
    return internals.streams?.isDisturbed ? internals.streams.isDisturbed(stream) : false;
  }

  async function readStream(stream) {
    if (internals.streams?.readAll) return internals.streams.readAll(stream);
    const reader = stream.getReader();
    const chunks = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!ArrayBuffer.isView(value) && !(value instanceof ArrayBuffer)) throw new TypeError("This ReadableStream did not return bytes.");
      const u = value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      chunks.push(u);
      total += u.byteLength;
    }
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) { out.set(c, off); off += c.byteLength; }
    return out;
  }

  // consume reads the whole body as bytes, once.
  // With own, the caller gets bytes it may keep and change (a bytes body
  // may share its array with a Blob or be read again by a clone).
  async function consume(obj, own = false) {
    const st = stateOf(obj);
    const b = st.body;
    if (b.used || (b.stream && (b.stream.locked || disturbed(b.stream)))) throw used();
    b.used = true;
    const src = b.source;
    if (!src) return new Uint8Array(0);
    if (src.bytes) return own ? src.bytes.slice() : src.bytes;
    if (src.rid !== undefined) {
      const ab = await ops.body_read_all(src.rid);
      return new Uint8Array(ab);
    }
    return readStream(src.stream);
  }

  function contentType(obj) { return stateOf(obj).headers.get("content-type") || ""; }

  const BodyMixin = {
    get body() { return getBody(stateOf(this)); },
    get bodyUsed() {
      const b = stateOf(this).body;
      return b.used || (b.stream !== null && disturbed(b.stream));
    },
    async arrayBuffer() {
      const u = await consume(this, true);
      return u.byteOffset === 0 && u.byteLength === u.buffer.byteLength ? u.buffer : u.slice().buffer;
    },
    async bytes() { return new Uint8Array(await this.arrayBuffer()); },
    async text() { return utf8.decode(await consume(this)); },
    async json() { return JSON.parse(utf8.decode(await consume(this))); },
    async blob() {
      const bytes = await consume(this, true);
      verge.load("blob");
      return internals.blob.create(bytes, contentType(this));
    },
    async formData() {
      const ct = contentType(this);
      const bytes = await consume(this);
      verge.load("formdata");
      const essence = ct.split(";")[0].trim().toLowerCase();
      if (essence === "multipart/form-data") return internals.formdata.parseMultipart(bytes, ct);
      if (essence === "application/x-www-form-urlencoded") return internals.formdata.parseUrlEncoded(bytes);
      throw new TypeError(`Unrecognized Content-Type header value. FormData can only parse the following MIME types: multipart/form-data, application/x-www-form-urlencoded`);
    },
  };
  function mixBody(cls) {
    for (const key of Object.keys(BodyMixin)) {
      Object.defineProperty(cls.prototype, key, Object.getOwnPropertyDescriptor(BodyMixin, key));
    }
  }

  // tee a body for clone().
  function cloneBody(b) {
    if (b.used || (b.stream && b.stream.locked)) throw new TypeError("Body has already been used; cannot clone it.");
    if (!b.source) return new BodyState(null);
    if (b.source.bytes) return new BodyState({ bytes: b.source.bytes }, b.length);
    const stream = b.stream || (b.source.stream ?? streamFromRid(b.source.rid));
    const [a, c] = stream.tee();
    b.stream = a;
    b.source = { stream: a };
    return new BodyState({ stream: c }, b.length);
  }

  const METHODS = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]);
  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  function normalizeMethod(m) {
    m = String(m);
    if (!TOKEN.test(m)) throw new TypeError(`Invalid HTTP method: ${m}`);
    const up = m.toUpperCase();
    if (METHODS.has(up)) return up;
    if (up === "CONNECT" || up === "TRACE" || up === "TRACK") throw new TypeError(`Forbidden HTTP method: ${m}`);
    return m;
  }

  function parseURL(input) {
    try { return new URL(input).href; } catch { throw new TypeError(`Invalid URL: ${input}`); }
  }

  class Request {
    constructor(input, init = {}) {
      if (init === null || (typeof init !== "object" && typeof init !== "function")) init = {};
      let st;
      const fromRequest = input instanceof Request;
      if (fromRequest) {
        const src = stateOf(input);
        st = { method: src.method, url: src.url, headers: null, redirect: src.redirect, signal: src.signal, cf: src.cf, body: null };
        if (init.body === undefined && src.body.source) {
          if (src.body.used || (src.body.stream && src.body.stream.locked)) throw used();
          st.body = src.body;
          src.body = new BodyState(null);
          src.body.used = true;
        }
      } else {
        st = { method: "GET", url: parseURL(String(input)), headers: null, redirect: "follow", signal: null, cf: undefined, body: null };
      }
      if (init.method !== undefined) st.method = normalizeMethod(init.method);
      if (init.redirect !== undefined) {
        const r = String(init.redirect);
        if (r !== "follow" && r !== "manual" && r !== "error") throw new TypeError(`Invalid redirect value: ${r}`);
        st.redirect = r;
      }
      if (init.signal !== undefined) st.signal = init.signal;
      if (init.cf !== undefined) st.cf = init.cf;
      st.headers = H.create(init.headers !== undefined ? init.headers : (fromRequest ? input.headers : undefined), "request");
      if (init.body !== undefined && init.body !== null) {
        if (st.method === "GET" || st.method === "HEAD") throw new TypeError("Request with a GET or HEAD method cannot have a body.");
        const [source, type] = extractBody(init.body);
        st.body = new BodyState(source);
        if (type && !st.headers.has("content-type")) H.set(st.headers, "content-type", type);
      } else if (!st.body) {
        st.body = new BodyState(null);
      }
      states.set(this, st);
    }
    get method() { return stateOf(this).method; }
    get url() { return stateOf(this).url; }
    get headers() { return stateOf(this).headers; }
    get redirect() { return stateOf(this).redirect; }
    get signal() {
      const st = stateOf(this);
      // Made on first use: most requests never look at their signal.
      if (st.signal === null && internals.abort) st.signal = internals.abort.newSignal();
      return st.signal;
    }
    get cf() {
      const st = stateOf(this);
      // An incoming request.cf arrives as JSON and is parsed on first
      // use: most workers never read it.
      if (st.cfJSON !== undefined) {
        st.cf = JSON.parse(st.cfJSON);
        st.cfJSON = undefined;
      }
      return st.cf;
    }
    get fetcher() { return null; }
    get integrity() { return ""; }
    get keepalive() { return false; }
    clone() {
      const st = stateOf(this);
      const r = Object.create(Request.prototype);
      states.set(r, { ...st, headers: H.clone(st.headers, "request"), body: cloneBody(st.body) });
      return r;
    }
    get [Symbol.toStringTag]() { return "Request"; }
  }
  mixBody(Request);

  function validateStatus(status) {
    status = Number(status);
    if (!Number.isInteger(status) || status < 200 || status > 599) throw new RangeError(`Responses may only be constructed with status codes in the range 200 to 599, inclusive.`);
    return status;
  }
  const NULL_BODY = new Set([101, 204, 205, 304]);
  const EMPTY = Object.freeze([]);
  // A regular expression literal makes a new RegExp each time it runs.
  const BAD_REASON = /[^\t\x20-\x7e\x80-\xff]/;

  class Response {
    constructor(body = null, init = {}) {
      if (init === null || typeof init !== "object") init = {};
      const status = init.status === undefined ? 200 : validateStatus(init.status);
      const statusText = init.statusText === undefined ? "" : String(init.statusText);
      if (statusText !== "" && BAD_REASON.test(statusText)) throw new TypeError("Invalid statusText");
      let source = null, type = null;
      if (body !== null && body !== undefined) {
        [source, type] = extractBody(body);
        // As workerd: an empty body is allowed with a null-body status.
        if (NULL_BODY.has(status) && !(source?.bytes && source.bytes.byteLength === 0)) throw new TypeError(`Response with null body status (${status}) cannot have a body.`);
      }
      let headers;
      if (init.headers === undefined) {
        // The common `new Response(text)`: the default content type stays
        // a flat list until something reads the headers.
        headers = H.fromFlat(type ? ["content-type", type] : EMPTY, "response");
      } else {
        headers = H.create(init.headers, "response");
        if (type && !headers.has("content-type")) H.set(headers, "content-type", type);
      }
      states.set(this, { status, statusText, headers, body: new BodyState(source), type: "default", url: "", redirected: false, webSocket: init.webSocket ?? null });
    }
    static json(data, init = {}) {
      const text = JSON.stringify(data);
      if (text === undefined) throw new TypeError("The data is not JSON serializable");
      const r = new Response(text, init);
      H.set(stateOf(r).headers, "content-type", "application/json");
      return r;
    }
    static redirect(url, status = 302) {
      status = Number(status);
      if (![301, 302, 303, 307, 308].includes(status)) throw new RangeError(`Invalid redirect status: ${status}`);
      const r = new Response(null, { status, headers: { location: parseURL(url) } });
      H.setGuard(stateOf(r).headers, "immutable");
      return r;
    }
    static error() {
      const r = new Response(null, { status: 200 });
      const st = stateOf(r);
      st.status = 0;
      st.type = "error";
      H.setGuard(st.headers, "immutable");
      return r;
    }
    get status() { return stateOf(this).status; }
    get statusText() { return stateOf(this).statusText; }
    get ok() { const s = stateOf(this).status; return s >= 200 && s <= 299; }
    get headers() { return stateOf(this).headers; }
    get type() { return stateOf(this).type; }
    get url() { return stateOf(this).url; }
    get redirected() { return stateOf(this).redirected; }
    get webSocket() { return stateOf(this).webSocket; }
    get cf() { return undefined; }
    clone() {
      const st = stateOf(this);
      const r = Object.create(Response.prototype);
      states.set(r, { ...st, headers: H.clone(st.headers, H.getGuard(st.headers)), body: cloneBody(st.body) });
      return r;
    }
    get [Symbol.toStringTag]() { return "Response"; }
  }
  mixBody(Response);

  // The host's view of requests and responses.
  // cf is request.cf, or its JSON text (a string) to be parsed lazily.
  function newIncoming(method, url, flat, rid, cf) {
    const r = Object.create(Request.prototype);
    const lazy = typeof cf === "string";
    states.set(r, {
      method, url, redirect: "manual", cf: lazy ? undefined : cf, cfJSON: lazy ? cf : undefined, signal: null,
      headers: H.fromFlat(flat, "request"),
      body: new BodyState(rid ? { rid } : null),
    });
    return r;
  }

  // responseParts tells Go how to write a Response: [status, flat headers,
  // bytes or null, a pump that streams chunks to Go or null, the Go body
  // to copy out or 0].
  function responseParts(resp) {
    if (!(resp instanceof Response)) throw new TypeError("The handler did not return a Response.");
    const st = stateOf(resp);
    if (st.type === "error") return [500, EMPTY, utf8.encode("Response.error() was returned"), null, 0];
    const b = st.body;
    if (b.used || (b.stream && b.stream.locked)) throw used();
    let bytes = null, stream = null, rid = 0;
    if (b.source?.bytes) { bytes = b.source.bytes; b.used = true; }
    else if (b.source?.rid !== undefined) { rid = b.source.rid; b.used = true; }
    else if (b.source?.stream) {
      stream = b.source.stream;
      const taken = takeRid(stream);
      if (taken !== undefined) { rid = taken; stream = null; b.used = true; }
    }
    return [st.status, H.toFlat(st.headers), bytes, stream ? (wid) => pump(stream, wid) : null, rid];
  }

  // pump writes the stream out chunk by chunk; each write is awaited, so a
  // slow client slows its stream (backpressure), not the VM.
  async function pump(stream, wid) {
    const reader = stream.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        if (!(value instanceof ArrayBuffer) && !ArrayBuffer.isView(value)) {
          throw new TypeError("This ReadableStream did not return bytes.");
        }
        await ops.body_write(wid, value);
      }
    } catch (e) {
      reader.cancel(e).catch(() => {});
      throw e;
    }
  }

  async function fetch(input, init = undefined) {
    const req = new Request(input, init);
    const st = stateOf(req);
    const signal = st.signal; // only one the caller gave
    if (signal?.aborted) throw signal.reason;
    const proto = st.url.slice(0, st.url.indexOf(":"));
    if (proto !== "http" && proto !== "https") throw new TypeError(`Fetch API cannot load: ${st.url}`);
    let body = null;
    if (st.body.source) body = await consume(req);
    const id = ops.fetch_start(st.method, st.url, H.toFlat(st.headers), body, st.redirect);
    let onAbort = null;
    if (signal) {
      onAbort = () => ops.fetch_cancel(id);
      signal.addEventListener?.("abort", onAbort, { once: true });
    }
    let res;
    try {
      res = await ops.fetch_wait(id);
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      throw e;
    } finally {
      if (onAbort) signal.removeEventListener?.("abort", onAbort);
    }
    const r = Object.create(Response.prototype);
    states.set(r, {
      status: res.status, statusText: res.statusText, headers: H.fromFlat(res.headers, "response"),
      body: new BodyState(res.rid ? { rid: res.rid } : null), type: "basic", url: res.url, redirected: res.redirected, webSocket: null,
    });
    return r;
  }

  ops.fetch_register(newIncoming, responseParts);
  verge.expose({ Request, Response, fetch });
  internals.fetch = { Request, Response, extractBody, consume, newIncoming, responseParts };
})(globalThis.__verge);
