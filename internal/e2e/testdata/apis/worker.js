// One worker that exercises every Web API, route by route. Each route
// returns JSON of observed behaviour; apis_test.go asserts it.
const enc = new TextEncoder();
const dec = new TextDecoder();

async function errName(fn) {
  try { await fn(); return "no error"; } catch (e) { return e.name; }
}

const routes = {
  async "/request"(req) {
    const r = new Request("https://example.com/a?b=1", { method: "post", headers: { "X-A": "1" }, body: "hi" });
    const clone = r.clone();
    return {
      method: r.method, url: r.url, header: r.headers.get("x-a"),
      text: await r.text(), bodyUsed: r.bodyUsed, cloneText: await clone.text(),
      usedAgain: await errName(() => r.text()),
      getWithBody: await errName(() => new Request("https://x/", { method: "GET", body: "x" })),
      badUrl: await errName(() => new Request("not a url")),
      incoming: { method: req.method, hasCf: typeof req.cf === "object", path: new URL(req.url).pathname },
    };
  },
  async "/response"() {
    const j = Response.json({ a: 1 }, { status: 201 });
    const redir = Response.redirect("https://example.com/x", 302);
    const err = Response.error();
    return {
      json: await j.json(), status: j.status, ctype: j.headers.get("content-type"),
      redirect: [redir.status, redir.headers.get("location")],
      error: [err.type, err.status],
      badStatus: await errName(() => new Response("", { status: 99 })),
      badRedirect: await errName(() => Response.redirect("https://x/", 200)),
      immutable: await errName(() => redir.headers.set("x", "y")),
      bytes: Array.from(new Uint8Array(await new Response(new Uint8Array([1, 2, 3])).arrayBuffer())),
      blob: await (await new Response("blobby").blob()).text(),
      ok: [new Response("", { status: 204 }).ok, new Response("", { status: 404 }).ok],
    };
  },
  async "/headers"() {
    const h = new Headers([["Set-Cookie", "a=1"], ["set-cookie", "b=2"], ["X-B", " two "], ["x-a", "1"]]);
    h.append("x-a", "2");
    return {
      entries: [...h], cookies: h.getSetCookie(), xa: h.get("X-A"), trimmed: h.get("x-b"),
      badName: await errName(() => new Headers({ "bad name": "x" })),
      badValue: await errName(() => h.set("x", "a\nb")),
    };
  },
  async "/url"() {
    const u = new URL("../c?x=1&y=%20#h", "https://user:pw@EXAMPLE.com:443/a/b");
    u.searchParams.append("z", "a b");
    const p = new URLSearchParams("a=1&b=2&a=3");
    return {
      href: u.href, host: u.host, origin: u.origin, pathname: u.pathname, search: u.search,
      all: p.getAll("a"), str: p.toString(), idn: new URL("https://bücher.example/").hostname,
      invalid: await errName(() => new URL("http://[::1")), canParse: URL.canParse("nope"),
      pattern: new URLPattern({ pathname: "/users/:id" }).exec("https://x.com/users/42")?.pathname.groups,
    };
  },
  async "/encoding"() {
    return {
      encoded: Array.from(enc.encode("€")), decoded: dec.decode(new Uint8Array([0xe2, 0x82, 0xac])),
      btoa: btoa("verge"), atob: atob("dmVyZ2U="), badAtob: await errName(() => atob("*")),
    };
  },
  async "/streams"() {
    const rs = new ReadableStream({ start(c) { c.enqueue("a"); c.enqueue("b"); c.close(); } });
    const upper = new TransformStream({ transform(chunk, c) { c.enqueue(chunk.toUpperCase()); } });
    const out = [];
    for await (const chunk of rs.pipeThrough(upper)) out.push(chunk);
    const gz = new Response("hello hello hello").body.pipeThrough(new CompressionStream("gzip"));
    const back = await new Response(gz.pipeThrough(new DecompressionStream("gzip"))).text();
    const [t1, t2] = new ReadableStream({ start(c) { c.enqueue(1); c.close(); } }).tee();
    const text = await new Response(new ReadableStream({ start(c) { c.enqueue(enc.encode("x")); c.close(); } }).pipeThrough(new TextDecoderStream())).text().catch(e => e.name);
    return { out, back, tee: [(await t1.getReader().read()).value, (await t2.getReader().read()).value], text,
      locked: await errName(() => { const s = new ReadableStream(); s.getReader(); s.getReader(); }) };
  },
  async "/crypto"() {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode("abc")));
    const hmac = await crypto.subtle.importKey("raw", enc.encode("key"), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    const sig = await crypto.subtle.sign("HMAC", hmac, enc.encode("msg"));
    const aes = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"]);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, aes, enc.encode("secret"));
    const pt = dec.decode(await crypto.subtle.decrypt({ name: "AES-GCM", iv }, aes, ct));
    const ec = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
    const ecSig = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, ec.privateKey, enc.encode("m"));
    return {
      digest: Array.from(digest.slice(0, 4)), hmacLen: sig.byteLength,
      hmacOk: await crypto.subtle.verify("HMAC", hmac, sig, enc.encode("msg")), pt,
      ecdsa: await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, ec.publicKey, ecSig, enc.encode("m")),
      uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()),
      wrongUsage: await errName(() => crypto.subtle.encrypt({ name: "AES-GCM", iv }, hmac, enc.encode("x"))),
      tooBig: await errName(() => crypto.getRandomValues(new Uint8Array(65537))),
      badJwk: await errName(() => crypto.subtle.importKey("jwk", { kty: "oct" }, { name: "HMAC", hash: "SHA-256" }, false, ["sign"])),
    };
  },
  async "/events"() {
    const target = new EventTarget();
    const seen = [];
    target.addEventListener("ping", (e) => seen.push(e.type), { once: true });
    target.dispatchEvent(new Event("ping"));
    target.dispatchEvent(new Event("ping"));
    const ac = new AbortController();
    ac.abort();
    const timeout = AbortSignal.timeout(5);
    await new Promise((r) => setTimeout(r, 20));
    const d = new DOMException("m", "NotFoundError");
    return { seen, aborted: ac.signal.aborted, reason: ac.signal.reason.name, timeout: timeout.reason?.name, dom: [d.name, d.code] };
  },
  async "/blob-formdata"() {
    const b = new Blob(["ab", new Uint8Array([99])], { type: "Text/Plain" });
    const fd = new FormData();
    fd.append("name", "verge");
    fd.append("file", new Blob(["content"]), "f.txt");
    const parsed = await new Response(fd).formData();
    const urlenc = await new Request("https://x/", { method: "POST", body: new URLSearchParams("a=1&b=2") }).formData();
    const file = parsed.get("file");
    return { text: await b.text(), type: b.type, size: b.size, slice: await b.slice(-2).text(),
      name: parsed.get("name"), file: [file.name, await file.text()], urlenc: urlenc.get("b") };
  },
  async "/misc"() {
    const clone = structuredClone({ d: new Date(0), m: new Map([[1, 2]]), a: [1, { b: 2 }] });
    let ticks = 0;
    await new Promise((r) => { const id = setInterval(() => { if (++ticks === 3) { clearInterval(id); r(); } }, 1); });
    const micro = [];
    queueMicrotask(() => micro.push("m"));
    await null;
    return { clone: [clone.d instanceof Date, clone.m.get(1), clone.a[1].b], ticks, micro,
      cloneFn: await errName(() => structuredClone(() => 1)) };
  },
  async "/stream-response"() {
    let i = 0;
    return new Response(new ReadableStream({
      async pull(c) {
        if (i === 3) return c.close();
        await new Promise((r) => setTimeout(r, 5));
        c.enqueue(enc.encode(`chunk${i++};`));
      },
    }), { headers: { "content-type": "text/plain" } });
  },
  async "/echo-body"(req) {
    const body = new Uint8Array(await req.arrayBuffer());
    let sum = 0;
    for (const b of body) sum = (sum + b) % 65521;
    return { length: body.length, sum, ctype: req.headers.get("content-type") };
  },
  async "/subrequest"(req, env) {
    const r = await fetch(env.ORIGIN + "/hello?from=worker", { headers: { "x-from": "verge" } });
    const blocked = await errName(() => fetch("http://127.0.0.2:1/"));
    return { status: r.status, body: await r.text(), header: r.headers.get("x-origin"), blocked };
  },
};

export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    const route = routes[path];
    if (!route) return new Response("no route " + path, { status: 404 });
    const out = await route(request, env);
    return out instanceof Response ? out : Response.json(out);
  },
};
