// URL (URL Standard §6.1). Parsing and the setters run in Go (url_parse,
// url_set); a URL object keeps its serialization (which is ASCII) and the
// offsets of its components in it, and slices a component out when read.
(function (verge) {
  "use strict";
  const { ops, internals } = verge;
  const { enumerable, createLinked, resetLinked } = internals.url;

  // Setter numbers of url_set.
  const PROTOCOL = 0, USERNAME = 1, PASSWORD = 2, HOST = 3, HOSTNAME = 4, PORT = 5, PATHNAME = 6, SEARCH = 7, HASH = 8;

  // Constructs a URL from an href the parser produced.
  const INTERNAL = Symbol("internal");

  // The ops write a URL's component offsets here (see offsets in url.go):
  // [0] end of the scheme's ":", [1, 2) username, [3, 4) password,
  // [5, 6) hostname, [6, 7) ":" and port (host is [5, 7)), [8, 9) path,
  // [9, 10) "?" and query, [10, end) "#" and fragment.
  const OFF = new Int32Array(11);
  const BUF = OFF.buffer; // ops take the ArrayBuffer, which they reach faster
  const take = () => [OFF[0], OFF[1], OFF[2], OFF[3], OFF[4], OFF[5], OFF[6], OFF[7], OFF[8], OFF[9], OFF[10]];

  function urlArgs(given, what) {
    if (given < 1) throw new TypeError(`Failed to ${what}: 1 argument required, but only 0 present.`);
  }

  // set runs setter `which` in Go on a URL's record.
  function set(s, which, value) {
    s.href = ops.url_set(s.href, which, value, BUF);
    s.p = take();
  }

  // updateQuery is a URL's searchParams object's update steps.
  function updateQuery(s, serialized) {
    if (serialized === "") {
      // The query becomes null: the search setter with "" does that.
      set(s, SEARCH, "");
      return;
    }
    const p = s.p, h = s.href;
    s.href = h.slice(0, p[9]) + "?" + serialized + h.slice(p[10]);
    p[10] = p[9] + 1 + serialized.length;
  }

  class URL {
    // #s is {href, p}: the serialization and the offsets of its
    // components. It is a record of its own so that the searchParams
    // object's update hook can hold it without holding the URL: a URL and
    // its searchParams pointing at each other would be a cycle that only a
    // full GC frees.
    #s;
    #params = null; // the searchParams object, created on first use

    constructor(url, base = undefined) {
      if (url === INTERNAL) {
        // From an href the ops just produced, with its offsets in OFF.
        this.#s = { href: base, p: take() };
        return;
      }
      urlArgs(arguments.length, "construct 'URL'");
      const href = ops.url_parse(String(url), base === undefined ? undefined : String(base), BUF);
      if (href === null) throw new TypeError("Invalid URL string.");
      this.#s = { href, p: take() };
    }

    static canParse(url, base = undefined) {
      urlArgs(arguments.length, "execute 'canParse' on 'URL'");
      return ops.url_parse(String(url), base === undefined ? undefined : String(base));
    }

    static parse(url, base = undefined) {
      urlArgs(arguments.length, "execute 'parse' on 'URL'");
      const href = ops.url_parse(String(url), base === undefined ? undefined : String(base), BUF);
      return href === null ? null : new URL(INTERNAL, href);
    }

    #set(which, value) { set(this.#s, which, value); }

    #query() {
      const { href, p } = this.#s;
      return p[10] > p[9] ? href.slice(p[9] + 1, p[10]) : "";
    }

    get href() { return this.#s.href; }
    set href(value) {
      const href = ops.url_parse(String(value), undefined, BUF);
      if (href === null) throw new TypeError("Invalid URL string.");
      this.#s.href = href;
      this.#s.p = take();
      if (this.#params !== null) resetLinked(this.#params, this.#query());
    }

    get origin() {
      const p = this.#s.p, h = this.#s.href;
      const scheme = h.slice(0, p[0] - 1);
      switch (scheme) {
        case "http": case "https": case "ws": case "wss": case "ftp":
          return scheme + "://" + h.slice(p[5], p[7]);
        case "blob": {
          // The origin of the URL in the path, if it is http(s).
          const inner = ops.url_parse(h.slice(p[8], p[9]), undefined, BUF);
          if (inner !== null && (inner.startsWith("http:") || inner.startsWith("https:"))) {
            return new URL(INTERNAL, inner).origin;
          }
        }
      }
      return "null";
    }

    get protocol() { return this.#s.href.slice(0, this.#s.p[0]); }
    set protocol(value) { this.#set(PROTOCOL, String(value)); }

    get username() { const p = this.#s.p; return this.#s.href.slice(p[1], p[2]); }
    set username(value) { this.#set(USERNAME, String(value)); }

    get password() { const p = this.#s.p; return this.#s.href.slice(p[3], p[4]); }
    set password(value) { this.#set(PASSWORD, String(value)); }

    get host() { const p = this.#s.p; return this.#s.href.slice(p[5], p[7]); }
    set host(value) { this.#set(HOST, String(value)); }

    get hostname() { const p = this.#s.p; return this.#s.href.slice(p[5], p[6]); }
    set hostname(value) { this.#set(HOSTNAME, String(value)); }

    get port() { const p = this.#s.p; return p[7] > p[6] ? this.#s.href.slice(p[6] + 1, p[7]) : ""; }
    set port(value) { this.#set(PORT, String(value)); }

    get pathname() { const p = this.#s.p; return this.#s.href.slice(p[8], p[9]); }
    set pathname(value) { this.#set(PATHNAME, String(value)); }

    get search() { const p = this.#s.p; return p[10] - p[9] > 1 ? this.#s.href.slice(p[9], p[10]) : ""; }
    set search(value) {
      this.#set(SEARCH, String(value));
      if (this.#params !== null) resetLinked(this.#params, this.#query());
    }

    get searchParams() {
      const s = this.#s;
      return this.#params ??= createLinked(this.#query(), (serialized) => updateQuery(s, serialized));
    }

    get hash() { const p = this.#s.p; return this.#s.href.length - p[10] > 1 ? this.#s.href.slice(p[10]) : ""; }
    set hash(value) { this.#set(HASH, String(value)); }

    toString() { return this.#s.href; }
    toJSON() { return this.#s.href; }
  }

  Object.defineProperty(URL.prototype, Symbol.toStringTag, { value: "URL", configurable: true });
  enumerable(URL.prototype);
  enumerable(URL);
  (internals.platformPrototypes ??= new WeakSet()).add(URL.prototype);
  verge.expose({ URL });
  internals.url.URL = URL;
})(globalThis.__verge);
