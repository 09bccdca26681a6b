// Headers (Fetch Standard §5.2). A Headers object is created for every
// request, so it is kept cheap: a Map from lowercased name to the combined
// value (values of repeated headers joined with ", ", which is what get()
// and iteration return anyway), and Set-Cookie values in their own list,
// never combined. Headers built by the host (internals.headers.fromFlat)
// keep the flat list until something reads them, so a worker that passes a
// request through never pays for the Map. Iteration order ("sort and
// combine") is cached until the next change.
(function (verge) {
  "use strict";
  const { internals } = verge;
  const IteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));

  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  const BAD_VALUE = /[\0\r\n\u0100-\uffff]/;
  const EDGE_WS = /^[\t\n\r ]+|[\t\n\r ]+$/g;
  const GUARDS = new Set(["none", "request", "request-no-cors", "response", "immutable"]);

  function requireArgs(n, given, method) {
    if (given < n) {
      throw new TypeError(`Failed to execute '${method}' on 'Headers': ${n} argument${n > 1 ? "s" : ""} required, but only ${given} present.`);
    }
  }

  // byteString is WebIDL's ByteString conversion's ToString step (throws
  // for symbols); code units over 0xFF are rejected by the name and value
  // checks that always follow.
  const byteString = (v) => (typeof v === "string" ? v : `${v}`);

  // Valid names seen lately -> their lowercase form (most requests use the
  // same few dozen names).
  const nameCache = new Map();

  function normalizeName(name) {
    if (typeof name !== "string") name = `${name}`;
    let lower = nameCache.get(name);
    if (lower !== undefined) return lower;
    if (!TOKEN.test(name)) throw new TypeError(`Invalid header name: "${name}"`);
    lower = name.toLowerCase();
    if (nameCache.size >= 512) nameCache.clear();
    nameCache.set(name, lower);
    return lower;
  }

  // Short values seen lately that are valid as they are.
  const valueCache = new Set();

  // normalizeValue strips leading and trailing HTTP whitespace and rejects
  // NUL, CR, LF and code points above U+00FF.
  function normalizeValue(value) {
    if (typeof value !== "string") value = `${value}`;
    if (value.length <= 64 && valueCache.has(value)) return value;
    const n = value.length;
    if (n > 0) {
      const a = value.charCodeAt(0), b = value.charCodeAt(n - 1);
      if (a === 32 || a === 9 || a === 10 || a === 13 || b === 32 || b === 9 || b === 10 || b === 13) {
        value = value.replace(EDGE_WS, "");
      }
      if (BAD_VALUE.test(value)) throw new TypeError(`Invalid header value: "${value}"`);
      if (value.length === n && n <= 64) {
        if (valueCache.size >= 512) valueCache.clear();
        valueCache.add(value);
      }
    }
    return value;
  }

  let S; // (h) -> the private state, or undefined

  class Headers {
    // map: lowercased name -> combined value (never "set-cookie"), or null
    //   while empty or while flat holds the list
    // flat: [name, value, ...] from the host, not yet read (names lowercase)
    // cookies: Set-Cookie values, or null
    // sorted: cached [[name, value], ...] for iteration, or null
    // scans: lookups done by scanning flat (after a few, it is materialized)
    #s = { map: null, flat: null, cookies: null, guard: "none", sorted: null, scans: 0 };

    constructor(init = undefined) {
      if (init !== undefined) fill(this.#s, init, "construct 'Headers'");
    }

    static {
      S = (h) => (h !== null && typeof h === "object" && #s in h ? h.#s : undefined);
    }

    append(name, value) {
      const s = state(this);
      requireArgs(2, arguments.length, "append");
      name = normalizeName(name);
      value = normalizeValue(value);
      checkGuard(s);
      append(s, name, value);
    }

    delete(name) {
      const s = state(this);
      requireArgs(1, arguments.length, "delete");
      name = normalizeName(name);
      checkGuard(s);
      if (name === "set-cookie") {
        if (s.cookies === null) return;
        s.cookies = null;
      } else if (s.map === null || !s.map.delete(name)) {
        return;
      }
      s.sorted = null;
    }

    get(name) {
      const s = raw(this);
      requireArgs(1, arguments.length, "get");
      return getValue(s, normalizeName(name));
    }

    getSetCookie() {
      const s = state(this);
      return s.cookies === null ? [] : s.cookies.slice();
    }

    // getAll is workerd's older, non-standard form of getSetCookie().
    getAll(name) {
      const s = state(this);
      requireArgs(1, arguments.length, "getAll");
      name = normalizeName(name);
      if (name !== "set-cookie") {
        throw new TypeError('getAll() can only be used with the header name "Set-Cookie".');
      }
      return s.cookies === null ? [] : s.cookies.slice();
    }

    has(name) {
      const s = raw(this);
      requireArgs(1, arguments.length, "has");
      return hasName(s, normalizeName(name));
    }

    set(name, value) {
      const s = state(this);
      requireArgs(2, arguments.length, "set");
      name = normalizeName(name);
      value = normalizeValue(value);
      checkGuard(s);
      if (name === "set-cookie") s.cookies = [value];
      else (s.map ??= new Map()).set(name, value);
      s.sorted = null;
    }

    forEach(callback, thisArg = undefined) {
      const s = state(this);
      requireArgs(1, arguments.length, "forEach");
      if (typeof callback !== "function") {
        throw new TypeError("Failed to execute 'forEach' on 'Headers': The callback provided as parameter 1 is not a function.");
      }
      for (let i = 0; ; i++) {
        const pairs = sorted(s);
        if (i >= pairs.length) break;
        Reflect.apply(callback, thisArg, [pairs[i][1], pairs[i][0], this]);
      }
    }

    entries() { return newIterator(this, state(this), "key+value"); }
    keys() { return newIterator(this, state(this), "key"); }
    values() { return newIterator(this, state(this), "value"); }
  }

  // raw returns h's state as it is; state moves the flat list (if any) into
  // the map first.
  function raw(h) {
    const s = S(h);
    if (s === undefined) throw new TypeError("Illegal invocation");
    return s;
  }

  function state(h) {
    const s = S(h);
    if (s === undefined) throw new TypeError("Illegal invocation");
    if (s.flat !== null) materialize(s);
    return s;
  }

  // flatOf returns s.flat as an array: the host may deliver it as one
  // string, names and values separated by NUL (which no header contains),
  // because one string is far cheaper to make from Go than an array of them.
  function flatOf(s) {
    let flat = s.flat;
    if (typeof flat === "string") flat = s.flat = flat.split("\0");
    return flat;
  }

  function materialize(s) {
    const flat = flatOf(s);
    s.flat = null;
    for (let i = 0; i + 1 < flat.length; i += 2) append(s, flat[i], flat[i + 1]);
  }

  // getValue and hasName read a name (lowercased) without materializing a
  // flat list: a linear scan is cheaper for the few lookups most workers do.
  function getValue(s, name) {
    if (s.flat !== null && ++s.scans > 4) materialize(s);
    if (s.flat !== null) {
      const flat = flatOf(s);
      let v = null;
      for (let i = 0; i + 1 < flat.length; i += 2) {
        if (flat[i] === name) v = v === null ? flat[i + 1] : v + ", " + flat[i + 1];
      }
      return v;
    }
    if (name === "set-cookie") return s.cookies === null ? null : s.cookies.join(", ");
    const v = s.map === null ? undefined : s.map.get(name);
    return v === undefined ? null : v;
  }

  function hasName(s, name) {
    if (s.flat !== null && ++s.scans > 4) materialize(s);
    if (s.flat !== null) {
      const flat = flatOf(s);
      for (let i = 0; i < flat.length; i += 2) if (flat[i] === name) return true;
      return false;
    }
    if (name === "set-cookie") return s.cookies !== null;
    return s.map !== null && s.map.has(name);
  }

  // EMPTY stands for the map of empty headers in reads.
  const EMPTY = new Map();
  const readMap = (s) => (s.map === null ? EMPTY : s.map);

  function checkGuard(s) {
    if (s.guard === "immutable") throw new TypeError("Can't modify immutable headers.");
  }

  function append(s, name, value) {
    if (name === "set-cookie") {
      if (s.cookies === null) s.cookies = [value];
      else s.cookies.push(value);
    } else {
      const map = (s.map ??= new Map());
      const old = map.get(name);
      map.set(name, old === undefined ? value : old + ", " + value);
    }
    s.sorted = null;
  }

  // sorted is "sort and combine": names in order, Set-Cookie values apart.
  function sorted(s) {
    if (s.sorted !== null) return s.sorted;
    if (s.flat !== null) materialize(s);
    const map = readMap(s);
    const names = Array.from(map.keys());
    if (s.cookies !== null) names.push("set-cookie");
    names.sort();
    const out = [];
    for (const name of names) {
      if (name === "set-cookie") {
        for (const c of s.cookies) out.push([name, c]);
      } else {
        out.push([name, map.get(name)]);
      }
    }
    s.sorted = out;
    return out;
  }

  // fill is the Fetch "fill" algorithm: HeadersInit is a sequence of pairs
  // or a record. Another Headers object is copied directly.
  function fill(s, init, what) {
    if (init === null || (typeof init !== "object" && typeof init !== "function")) {
      throw new TypeError(`Failed to ${what}: The provided value is not of type '(record<ByteString, ByteString> or sequence<sequence<ByteString>>)'.`);
    }
    const other = S(init);
    if (other !== undefined && init[Symbol.iterator] === Headers.prototype.entries) {
      checkGuard(s);
      if (other.flat !== null) materialize(other);
      if (other.map !== null) {
        if (s.map === null && s.flat === null) s.map = new Map(other.map);
        else for (const e of other.map) append(s, e[0], e[1]);
      }
      if (other.cookies !== null) for (const c of other.cookies) append(s, "set-cookie", c);
      s.sorted = null;
      return;
    }
    const method = init[Symbol.iterator];
    if (method !== undefined && method !== null) {
      if (typeof method !== "function") throw new TypeError(`Failed to ${what}: The object must have a callable @@iterator property.`);
      // Convert everything first (WebIDL), then append.
      const pairs = [];
      for (const pair of { [Symbol.iterator]: () => Reflect.apply(method, init, []) }) {
        if (pair === null || (typeof pair !== "object" && typeof pair !== "function") || typeof pair[Symbol.iterator] !== "function") {
          throw new TypeError(`Failed to ${what}: The provided value cannot be converted to a sequence.`);
        }
        const items = [];
        for (const x of pair) items.push(byteString(x));
        if (items.length !== 2) {
          throw new TypeError(`Failed to ${what}: Invalid value: expected a name/value pair of length 2, got ${items.length}.`);
        }
        pairs.push(items);
      }
      for (const p of pairs) {
        const n = normalizeName(p[0]);
        const v = normalizeValue(p[1]);
        checkGuard(s);
        append(s, n, v);
      }
      return;
    }
    // record<ByteString, ByteString>: own enumerable keys (an enumerable
    // symbol key cannot become a ByteString).
    const keys = Object.keys(init);
    for (const sym of Object.getOwnPropertySymbols(init)) {
      if (Object.prototype.propertyIsEnumerable.call(init, sym)) {
        throw new TypeError(`Failed to ${what}: Cannot convert a Symbol value to a string.`);
      }
    }
    const values = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) values[i] = byteString(init[keys[i]]);
    for (let i = 0; i < keys.length; i++) {
      const n = normalizeName(keys[i]);
      const v = normalizeValue(values[i]);
      checkGuard(s);
      append(s, n, v);
    }
  }

  Object.defineProperty(Headers.prototype, Symbol.iterator, {
    value: Headers.prototype.entries, writable: true, configurable: true, enumerable: false,
  });
  Object.defineProperty(Headers.prototype, Symbol.toStringTag, { value: "Headers", configurable: true });
  internals.platformPrototypes?.add(Headers.prototype);

  // The WebIDL pair iterator: it re-reads the (cached) sorted list at each
  // step, so changes during iteration are seen, as the spec says.
  let newIterator;
  class HeadersIterator {
    #s; #kind; #index = 0;
    constructor(s, kind) { this.#s = s; this.#kind = kind; }
    next() {
      if (!(#s in this)) throw new TypeError("Illegal invocation");
      const pairs = sorted(this.#s);
      if (this.#index >= pairs.length) return { value: undefined, done: true };
      const p = pairs[this.#index++];
      return { value: this.#kind === "key" ? p[0] : this.#kind === "value" ? p[1] : [p[0], p[1]], done: false };
    }
    static {
      newIterator = (h, s, kind) => new HeadersIterator(s, kind);
    }
  }
  Object.setPrototypeOf(HeadersIterator.prototype, IteratorPrototype);
  delete HeadersIterator.prototype.constructor;
  Object.defineProperty(HeadersIterator.prototype, Symbol.toStringTag, { value: "Headers Iterator", configurable: true });
  Object.defineProperty(HeadersIterator.prototype, "next", { enumerable: true });

  // ------------------------------------------------------------- internals


  function checkGuardName(g) {
    if (!GUARDS.has(g)) throw new TypeError(`unknown headers guard "${g}"`);
    return g;
  }

  // fromFlat and fromList trust their input unless validate is true: names
  // must be lowercased tokens and values valid header values (what the host
  // delivers). fromFlat keeps the array (it must not change afterwards), or
  // the string "name\0value\0name\0value...", and reads it only when
  // needed.
  function fromFlat(flat, guard = "none", validate = false) {
    const h = new Headers();
    const s = S(h);
    if (validate) {
      if (typeof flat === "string") flat = flat === "" ? [] : flat.split("\0");
      for (let i = 0; i + 1 < flat.length; i += 2) append(s, normalizeName(flat[i]), normalizeValue(flat[i + 1]));
    } else if (flat.length > 0) {
      s.flat = flat;
    }
    s.guard = checkGuardName(guard);
    return h;
  }

  function fromList(pairs, guard = "none", validate = false) {
    const h = new Headers();
    const s = S(h);
    for (const p of pairs) {
      if (validate) append(s, normalizeName(p[0]), normalizeValue(p[1]));
      else append(s, String(p[0]), String(p[1]));
    }
    s.guard = checkGuardName(guard);
    return h;
  }

  verge.expose({ Headers });
  internals.headers = {
    Headers,
    // isHeaders(x): brand check.
    isHeaders: (x) => S(x) !== undefined,
    // fromList([[name, value], ...], guard?, validate?) -> Headers;
    // fromFlat([name, value, name, value, ...] or "name\0value\0...",
    // guard?, validate?) -> Headers (the cheapest shapes to build from Go).
    fromList,
    fromFlat,
    // create(init, guard?) -> new Headers(init) with that guard (the guard
    // is set after filling, so "immutable" headers can be built this way).
    create(init, guard = "none") {
      const h = new Headers();
      const s = S(h);
      if (init !== undefined) fill(s, init, "construct 'Headers'");
      s.guard = checkGuardName(guard);
      return h;
    },
    // fill(h, init): the Fetch "fill" algorithm (validates, honours the
    // guard), for Request/Response constructors.
    fill(h, init) { fill(state(h), init, "construct 'Headers'"); },
    // toList(h) -> [[lowercased name, value], ...] in insertion order of
    // the names, repeated headers combined with ", " except Set-Cookie,
    // whose values come one per pair, last.
    toList(h) {
      const s = state(h);
      const out = [];
      for (const e of readMap(s)) out.push([e[0], e[1]]);
      if (s.cookies !== null) for (const c of s.cookies) out.push(["set-cookie", c]);
      return out;
    },
    // toFlat(h) -> [name, value, name, value, ...], same order as toList,
    // or, for headers untouched since fromFlat, that very array: callers
    // must not modify the result.
    toFlat(h) {
      const s0 = S(h);
      if (s0 !== undefined && s0.flat !== null) return flatOf(s0); // untouched since fromFlat
      const s = state(h);
      const out = [];
      for (const e of readMap(s)) out.push(e[0], e[1]);
      if (s.cookies !== null) for (const c of s.cookies) out.push("set-cookie", c);
      return out;
    },
    // sortedList(h) -> what iteration yields (sort and combine), a copy.
    sortedList(h) { return sorted(state(h)).map((p) => [p[0], p[1]]); },
    // getGuard(h) / setGuard(h, guard): "none", "request",
    // "request-no-cors", "response" or "immutable". Only "immutable" is
    // enforced: like workerd, Verge has no forbidden header names.
    getGuard(h) { return state(h).guard; },
    setGuard(h, guard) { state(h).guard = checkGuardName(guard); },
    // clone(h, guard?) -> a copy (guard defaults to h's).
    clone(h, guard = undefined) {
      const s = state(h);
      const c = new Headers();
      const cs = S(c);
      cs.map = s.map === null ? null : new Map(s.map);
      cs.cookies = s.cookies === null ? null : s.cookies.slice();
      cs.guard = guard === undefined ? s.guard : checkGuardName(guard);
      return c;
    },
    // get(h, lname), has(h, lname), set(h, lname, value), append(h, lname,
    // value), delete(h, lname): no validation and no guard, for names the
    // caller knows are lowercased tokens and values known to be valid
    // (fetch setting Content-Type, say).
    get(h, name) { return getValue(raw(h), name); },
    has(h, name) { return hasName(raw(h), name); },
    set(h, name, value) {
      const s = state(h);
      if (name === "set-cookie") s.cookies = [value];
      else (s.map ??= new Map()).set(name, value);
      s.sorted = null;
    },
    append(h, name, value) { append(state(h), name, value); },
    delete(h, name) {
      const s = state(h);
      if (name === "set-cookie") s.cookies = null;
      else if (s.map !== null) s.map.delete(name);
      s.sorted = null;
    },
    // validName(name) / normalizeValue(value): the checks the public
    // methods apply (normalizeValue throws TypeError when invalid).
    validName: (name) => TOKEN.test(name),
    normalizeValue,
  };
})(globalThis.__verge);
