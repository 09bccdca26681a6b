// URLSearchParams and the application/x-www-form-urlencoded parser and
// serializer (URL Standard §5 and §6.2). Parsing is in Go
// (url_form_parse); everything else is JavaScript.
//
// internals.url = { parseUrlEncoded, serializeUrlEncoded, ... } for fetch,
// FormData and URL.
(function (verge) {
  "use strict";
  const { ops, internals } = verge;
  const IteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));

  function requireArgs(n, given, what) {
    if (given < n) {
      throw new TypeError(`Failed to execute '${what}' on 'URLSearchParams': ${n} argument${n > 1 ? "s" : ""} required, but only ${given} present.`);
    }
  }

  // toUSV is WebIDL's USVString conversion: String() with lone surrogates
  // replaced by U+FFFD.
  function toUSV(v) {
    const s = typeof v === "string" ? v : String(v);
    return s.isWellFormed() ? s : s.toWellFormed();
  }

  // parseFlat(string) -> [name, value, name, value, ...], the
  // application/x-www-form-urlencoded parser. Go does it: one op call is
  // cheaper than splitting and decoding in the interpreter.
  function parseFlat(input) {
    return input === "" ? [] : ops.url_form_parse(input);
  }

  // parseUrlEncoded(string) -> [[name, value], ...]
  function parseUrlEncoded(input) {
    const flat = parseFlat(toUSV(input));
    const out = [];
    for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
    return out;
  }

  // The urlencoded percent-encode set leaves only ASCII alphanumerics and
  // *-._ alone; encodeURIComponent also leaves !'()~, and the serializer
  // writes a space as "+".
  const FIXUP = /[!'()~]|%20/g;
  const NEEDS_FIXUP = /[!'()~]|%20/;
  const FIXES = { "!": "%21", "'": "%27", "(": "%28", ")": "%29", "~": "%7E", "%20": "+" };
  const fix = (m) => FIXES[m];

  // serializeFlat serializes a flat list of USVStrings.
  function serializeFlat(list) {
    let out = "";
    for (let i = 0; i < list.length; i += 2) {
      out += (i === 0 ? "" : "&") + encodeURIComponent(list[i]) + "=" + encodeURIComponent(list[i + 1]);
    }
    return NEEDS_FIXUP.test(out) ? out.replace(FIXUP, fix) : out;
  }

  // serializeUrlEncoded([[name, value], ...]) -> string
  function serializeUrlEncoded(pairs) {
    const list = [];
    for (let i = 0; i < pairs.length; i++) list.push(toUSV(pairs[i][0]), toUSV(pairs[i][1]));
    return serializeFlat(list);
  }

  // Constructs the searchParams object of a URL (see createLinked).
  const LINKED = Symbol("linked");

  let newIterator, listOf, createLinked, resetLinked;

  class URLSearchParams {
    // The list, flat: name, value, name, value, ...
    #list = [];
    // #update(serialized) is the URL's query update hook, or null.
    #update = null;

    constructor(init = "") {
      if (init === LINKED) return;
      if (init !== null && (typeof init === "object" || typeof init === "function")) {
        const method = init[Symbol.iterator];
        if (method === URLSearchParams.prototype[Symbol.iterator] && #list in init) {
          this.#list = init.#list.slice();
        } else if (method !== undefined && method !== null) {
          // sequence<sequence<USVString>>
          if (typeof method !== "function") throw new TypeError("Failed to construct 'URLSearchParams': The object must have a callable @@iterator property.");
          const list = [];
          for (const pair of { [Symbol.iterator]: () => method.call(init) }) {
            if (pair === null || (typeof pair !== "object" && typeof pair !== "function") || typeof pair[Symbol.iterator] !== "function") {
              throw new TypeError("Failed to construct 'URLSearchParams': The provided value cannot be converted to a sequence.");
            }
            const items = [];
            for (const x of pair) items.push(toUSV(x));
            if (items.length !== 2) {
              throw new TypeError("Failed to construct 'URLSearchParams': Sequence initializer must only contain pair elements");
            }
            list.push(items[0], items[1]);
          }
          this.#list = list;
        } else {
          // record<USVString, USVString>: own enumerable keys in order; keys
          // that become equal after conversion keep the first position and
          // the last value.
          const list = [];
          const seen = new Map();
          for (const key of Reflect.ownKeys(init)) {
            const desc = Reflect.getOwnPropertyDescriptor(init, key);
            if (desc === undefined || !desc.enumerable) continue;
            if (typeof key === "symbol") throw new TypeError("Failed to construct 'URLSearchParams': Cannot convert a Symbol value to a string");
            const name = toUSV(key);
            const value = toUSV(init[key]);
            const at = seen.get(name);
            if (at === undefined) {
              seen.set(name, list.length);
              list.push(name, value);
            } else {
              list[at + 1] = value;
            }
          }
          this.#list = list;
        }
      } else {
        let s = toUSV(init);
        if (s.charCodeAt(0) === 63 /* ? */) s = s.slice(1);
        this.#list = parseFlat(s);
      }
    }

    #changed() {
      if (this.#update !== null) this.#update(serializeFlat(this.#list));
    }

    get size() { return this.#list.length / 2; }

    append(name, value) {
      requireArgs(2, arguments.length, "append");
      this.#list.push(toUSV(name), toUSV(value));
      this.#changed();
    }

    delete(name, value = undefined) {
      requireArgs(1, arguments.length, "delete");
      const list = this.#list;
      name = toUSV(name);
      if (value !== undefined) value = toUSV(value);
      const out = [];
      for (let i = 0; i < list.length; i += 2) {
        if (list[i] !== name || (value !== undefined && list[i + 1] !== value)) out.push(list[i], list[i + 1]);
      }
      this.#list = out;
      this.#changed();
    }

    get(name) {
      requireArgs(1, arguments.length, "get");
      const list = this.#list;
      name = toUSV(name);
      for (let i = 0; i < list.length; i += 2) if (list[i] === name) return list[i + 1];
      return null;
    }

    getAll(name) {
      requireArgs(1, arguments.length, "getAll");
      const list = this.#list;
      name = toUSV(name);
      const out = [];
      for (let i = 0; i < list.length; i += 2) if (list[i] === name) out.push(list[i + 1]);
      return out;
    }

    has(name, value = undefined) {
      requireArgs(1, arguments.length, "has");
      const list = this.#list;
      name = toUSV(name);
      if (value !== undefined) value = toUSV(value);
      for (let i = 0; i < list.length; i += 2) {
        if (list[i] === name && (value === undefined || list[i + 1] === value)) return true;
      }
      return false;
    }

    set(name, value) {
      requireArgs(2, arguments.length, "set");
      name = toUSV(name);
      value = toUSV(value);
      const list = this.#list;
      let i = 0;
      while (i < list.length && list[i] !== name) i += 2;
      if (i === list.length) {
        list.push(name, value);
      } else {
        list[i + 1] = value;
        // Remove the later pairs with this name.
        let j = i + 2;
        for (let k = i + 2; k < list.length; k += 2) {
          if (list[k] !== name) { list[j] = list[k]; list[j + 1] = list[k + 1]; j += 2; }
        }
        list.length = j;
      }
      this.#changed();
    }

    sort() {
      // Array.prototype.sort is stable; < compares UTF-16 code units.
      const list = this.#list;
      const pairs = [];
      for (let i = 0; i < list.length; i += 2) pairs.push([list[i], list[i + 1]]);
      pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      for (let i = 0; i < pairs.length; i++) { list[2 * i] = pairs[i][0]; list[2 * i + 1] = pairs[i][1]; }
      this.#changed();
    }

    entries() { return newIterator(this.#list && this, "key+value"); }
    keys() { return newIterator(this.#list && this, "key"); }
    values() { return newIterator(this.#list && this, "value"); }

    forEach(callback, thisArg = undefined) {
      requireArgs(1, arguments.length, "forEach");
      if (typeof callback !== "function") {
        throw new TypeError("Failed to execute 'forEach' on 'URLSearchParams': The callback provided as parameter 1 is not a function.");
      }
      // The list is live: pairs appended by the callback are visited.
      for (let i = 0; i < this.#list.length; i += 2) {
        const list = this.#list;
        callback.call(thisArg, list[i + 1], list[i], this);
      }
    }

    toString() { return serializeFlat(this.#list); }

    static {
      listOf = (p) => p.#list;
      // createLinked(query, update): the searchParams object of a URL.
      createLinked = (query, update) => {
        const p = new URLSearchParams(LINKED);
        p.#list = parseFlat(query);
        p.#update = update;
        return p;
      };
      // resetLinked(params, query): the URL's query changed.
      resetLinked = (p, query) => { p.#list = parseFlat(query); };
    }
  }

  Object.defineProperty(URLSearchParams.prototype, Symbol.iterator, {
    value: URLSearchParams.prototype.entries, writable: true, configurable: true, enumerable: false,
  });
  Object.defineProperty(URLSearchParams.prototype, Symbol.toStringTag, { value: "URLSearchParams", configurable: true });

  // The WebIDL pair iterator: it walks the live list by index.
  class URLSearchParamsIterator {
    #params; #kind; #index = 0;
    constructor(params, kind) { this.#params = params; this.#kind = kind; }
    next() {
      if (!(#params in this)) throw new TypeError("Illegal invocation");
      const list = listOf(this.#params);
      const i = 2 * this.#index;
      if (i >= list.length) return { value: undefined, done: true };
      this.#index++;
      const kind = this.#kind;
      return { value: kind === "key" ? list[i] : kind === "value" ? list[i + 1] : [list[i], list[i + 1]], done: false };
    }
    static {
      newIterator = (params, kind) => new URLSearchParamsIterator(params, kind);
    }
  }
  Object.setPrototypeOf(URLSearchParamsIterator.prototype, IteratorPrototype);
  delete URLSearchParamsIterator.prototype.constructor;
  Object.defineProperty(URLSearchParamsIterator.prototype, Symbol.toStringTag, { value: "URLSearchParams Iterator", configurable: true });

  // WebIDL: attributes and operations (and static operations) are
  // enumerable.
  function enumerable(obj) {
    for (const key of Object.getOwnPropertyNames(obj)) {
      if (key === "constructor" || key === "prototype" || key === "length" || key === "name") continue;
      Object.defineProperty(obj, key, { enumerable: true });
    }
  }
  enumerable(URLSearchParams.prototype);
  enumerable(URLSearchParamsIterator.prototype);

  (internals.platformPrototypes ??= new WeakSet()).add(URLSearchParams.prototype);
  verge.expose({ URLSearchParams });
  internals.url = {
    // parseUrlEncoded(string) -> [[name, value], ...]
    parseUrlEncoded,
    // serializeUrlEncoded([[name, value], ...]) -> string
    serializeUrlEncoded,
    // For url.js: toUSV(value), enumerable(prototype), and a URL's linked
    // searchParams: createLinked(query, update(serialized)) -> params,
    // resetLinked(params, query).
    toUSV,
    enumerable,
    createLinked,
    resetLinked,
  };
})(globalThis.__verge);
