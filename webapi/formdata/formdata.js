// FormData (XMLHttpRequest Standard §5) and the codecs fetch's Body mixin
// needs: multipart/form-data serialization (HTML §4.10.21.8) and parsing
// (RFC 7578), and the application/x-www-form-urlencoded parser (URL §5.1).
(function (verge) {
  "use strict";
  const { internals } = verge;
  verge.load("blob");
  const utf8 = internals.utf8;
  const { File, isBlob, isFile, bytesOf, createFile, toUSVString } = internals.blob;
  const requireArgs = internals.events?.requireArgs ?? ((n, given, what) => {
    if (given < n) throw new TypeError(`Failed to ${what}: ${n} argument${n > 1 ? "s" : ""} required, but only ${given} present.`);
  });
  const IteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));

  // makeEntry is "create an entry" for a value already converted.
  function makeEntry(name, value, filename) {
    if (typeof value === "string") return [name, value];
    if (!isFile(value)) {
      return [name, createFile(bytesOf(value), filename ?? "blob", value.type, Date.now())];
    }
    if (filename !== undefined) {
      return [name, createFile(bytesOf(value), filename, value.type, value.lastModified)];
    }
    return [name, value];
  }

  // convertArgs applies the WebIDL overloads of append() and set():
  // (USVString name, USVString value) and
  // (USVString name, Blob value, optional USVString filename).
  function convertArgs(method, argc, name, value, filename) {
    requireArgs(2, argc, `execute '${method}' on 'FormData'`);
    name = toUSVString(name);
    if (argc >= 3) {
      if (!isBlob(value)) {
        throw new TypeError(`Failed to execute '${method}' on 'FormData': parameter 2 is not of type 'Blob'.`);
      }
      return makeEntry(name, value, filename === undefined ? undefined : toUSVString(filename));
    }
    if (isBlob(value)) return makeEntry(name, value, undefined);
    return [name, toUSVString(value)];
  }

  let entriesOf; // (fd) -> the live entry list

  class FormData {
    #list = [];

    constructor(form = undefined, submitter = undefined) {
      if (form !== undefined) {
        throw new TypeError("Failed to construct 'FormData': parameter 1 is not of type 'HTMLFormElement'.");
      }
    }

    static {
      entriesOf = (x) => (x !== null && typeof x === "object" && #list in x ? x.#list : undefined);
    }

    append(name, value, filename = undefined) {
      const list = check(this);
      list.push(convertArgs("append", arguments.length, name, value, filename));
    }

    delete(name) {
      const list = check(this);
      requireArgs(1, arguments.length, "execute 'delete' on 'FormData'");
      name = toUSVString(name);
      let j = 0;
      for (let i = 0; i < list.length; i++) if (list[i][0] !== name) list[j++] = list[i];
      list.length = j;
    }

    get(name) {
      const list = check(this);
      requireArgs(1, arguments.length, "execute 'get' on 'FormData'");
      name = toUSVString(name);
      for (let i = 0; i < list.length; i++) if (list[i][0] === name) return list[i][1];
      return null;
    }

    getAll(name) {
      const list = check(this);
      requireArgs(1, arguments.length, "execute 'getAll' on 'FormData'");
      name = toUSVString(name);
      const out = [];
      for (let i = 0; i < list.length; i++) if (list[i][0] === name) out.push(list[i][1]);
      return out;
    }

    has(name) {
      const list = check(this);
      requireArgs(1, arguments.length, "execute 'has' on 'FormData'");
      name = toUSVString(name);
      for (let i = 0; i < list.length; i++) if (list[i][0] === name) return true;
      return false;
    }

    set(name, value, filename = undefined) {
      const list = check(this);
      const entry = convertArgs("set", arguments.length, name, value, filename);
      name = entry[0];
      const first = list.findIndex((e) => e[0] === name);
      if (first < 0) {
        list.push(entry);
        return;
      }
      list[first] = entry;
      let j = first + 1;
      for (let i = first + 1; i < list.length; i++) if (list[i][0] !== name) list[j++] = list[i];
      list.length = j;
    }

    forEach(callback, thisArg = undefined) {
      const list = check(this);
      requireArgs(1, arguments.length, "execute 'forEach' on 'FormData'");
      if (typeof callback !== "function") {
        throw new TypeError("Failed to execute 'forEach' on 'FormData': The callback provided as parameter 1 is not a function.");
      }
      for (let i = 0; i < list.length; i++) {
        Reflect.apply(callback, thisArg, [list[i][1], list[i][0], this]);
      }
    }

    entries() { check(this); return newIterator(this, "key+value"); }
    keys() { check(this); return newIterator(this, "key"); }
    values() { check(this); return newIterator(this, "value"); }
  }

  function check(fd) {
    const list = entriesOf(fd);
    if (list === undefined) throw new TypeError("Illegal invocation");
    return list;
  }

  Object.defineProperty(FormData.prototype, Symbol.iterator, {
    value: FormData.prototype.entries, writable: true, configurable: true, enumerable: false,
  });
  Object.defineProperty(FormData.prototype, Symbol.toStringTag, { value: "FormData", configurable: true });
  internals.platformPrototypes?.add(FormData.prototype);

  // The WebIDL iterator: it walks the live entry list by index.
  let newIterator;
  class FormDataIterator {
    #fd; #kind; #index = 0;
    constructor(fd, kind) { this.#fd = fd; this.#kind = kind; }
    next() {
      if (!(#fd in this)) throw new TypeError("Illegal invocation");
      const list = entriesOf(this.#fd);
      if (this.#index >= list.length) return { value: undefined, done: true };
      const [k, v] = list[this.#index++];
      const value = this.#kind === "key" ? k : this.#kind === "value" ? v : [k, v];
      return { value, done: false };
    }
    static {
      newIterator = (fd, kind) => new FormDataIterator(fd, kind);
    }
  }
  Object.setPrototypeOf(FormDataIterator.prototype, IteratorPrototype);
  delete FormDataIterator.prototype.constructor;
  Object.defineProperty(FormDataIterator.prototype, Symbol.toStringTag, { value: "FormData Iterator", configurable: true });
  Object.defineProperty(FormDataIterator.prototype, "next", { enumerable: true });

  // ------------------------------------------------------------- multipart/form-data: serialize

  const CRLF = new Uint8Array([13, 10]);

  // normalizeNewlines: a CR not followed by LF and an LF not preceded by CR
  // become CRLF (the HTML spec's multipart/form-data encoding, for names and
  // string values).
  const normalizeNewlines = (s) => (/[\r\n]/.test(s) ? s.replace(/\r\n|\r|\n/g, "\r\n") : s);
  // escapeQuoted: the HTML spec's escaping of names and filenames inside
  // the Content-Disposition quoted strings.
  const escapeQuoted = (s) => (/[\r\n"]/.test(s) ? s.replace(/\n/g, "%0A").replace(/\r/g, "%0D").replace(/"/g, "%22") : s);

  function randomBoundary() {
    const bytes = new Uint8Array(16);
    const crypto = globalThis.crypto;
    let filled = false;
    if (typeof crypto?.getRandomValues === "function") {
      try { crypto.getRandomValues(bytes); filled = true; } catch { /* fall back */ }
    }
    if (!filled) for (let i = 0; i < 16; i++) bytes[i] = (Math.random() * 256) | 0;
    let s = "";
    for (let i = 0; i < 16; i++) s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return s;
  }

  // serializeMultipart(fd) -> {body: Uint8Array, contentType}
  function serializeMultipart(fd, boundary = randomBoundary()) {
    const list = check(fd);
    const chunks = [];
    let text = "";
    let total = 0;
    const flush = () => {
      if (text === "") return;
      const b = utf8.encode(text);
      chunks.push(b);
      total += b.length;
      text = "";
    };
    for (const [name, value] of list) {
      text += `--${boundary}\r\nContent-Disposition: form-data; name="${escapeQuoted(normalizeNewlines(name))}"`;
      if (typeof value === "string") {
        text += `\r\n\r\n${normalizeNewlines(value)}\r\n`;
      } else {
        const type = value.type === "" ? "application/octet-stream" : value.type;
        text += `; filename="${escapeQuoted(value.name)}"\r\nContent-Type: ${type}\r\n\r\n`;
        flush();
        const b = bytesOf(value);
        chunks.push(b, CRLF);
        total += b.length + 2;
      }
    }
    text += `--${boundary}--\r\n`;
    flush();
    const body = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      body.set(c, off);
      off += c.length;
    }
    return { body, contentType: `multipart/form-data; boundary=${boundary}` };
  }

  // ------------------------------------------------------------- multipart/form-data: parse

  function bad(why) {
    return new TypeError(`Failed to parse body as FormData: ${why}`);
  }

  // parseHeaderParams splits a Content-Type (or Content-Disposition) value
  // into its first token (lowercased) and parameters (names lowercased,
  // quoted values unquoted). Returns null when it is malformed.
  function parseHeaderParams(value) {
    let i = 0;
    const n = value.length;
    const semi = value.indexOf(";");
    const head = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
    const params = new Map();
    if (semi < 0) return { head, params };
    i = semi + 1;
    while (i < n) {
      while (i < n && (value[i] === " " || value[i] === "\t" || value[i] === ";")) i++;
      if (i >= n) break;
      let eq = i;
      while (eq < n && value[eq] !== "=" && value[eq] !== ";") eq++;
      const key = value.slice(i, eq).trim().toLowerCase();
      if (eq >= n || value[eq] === ";") {
        i = eq; // a parameter without a value: ignore it
        continue;
      }
      i = eq + 1;
      while (i < n && (value[i] === " " || value[i] === "\t")) i++;
      let v = "";
      if (value[i] === '"') {
        i++;
        let closed = false;
        while (i < n) {
          const c = value[i];
          if (c === "\\" && value[i + 1] === '"') {
            v += '"';
            i += 2;
          } else if (c === '"') {
            i++;
            closed = true;
            break;
          } else {
            v += c;
            i++;
          }
        }
        if (!closed) return null;
        while (i < n && value[i] !== ";") i++;
      } else {
        const end = value.indexOf(";", i);
        v = (end < 0 ? value.slice(i) : value.slice(i, end)).trim();
        i = end < 0 ? n : end;
      }
      if (key !== "" && !params.has(key)) params.set(key, v);
    }
    return { head, params };
  }

  const unescapeQuoted = (s) => (s.includes("%") ? s.replace(/%(0a|0d|22)/gi, (m, h) => String.fromCharCode(parseInt(h, 16))) : s);

  // RFC 5987 ext-value (filename*=UTF-8''...).
  function decodeExtValue(v) {
    const m = /^([\w!#$%&+^`{}~-]*)'[^']*'(.*)$/.exec(v);
    if (m === null) return null;
    const charset = m[1].toLowerCase();
    const bytes = percentDecode(utf8.encode(m[2]));
    if (charset === "utf-8") return utf8.decode(bytes);
    if (charset === "iso-8859-1" || charset === "us-ascii") return String.fromCharCode(...bytes);
    return null;
  }

  // makeSearch(needle) returns (hay, from) -> the index of needle in hay at
  // or after from, or -1 (Boyer-Moore-Horspool).
  function makeSearch(needle) {
    const m = needle.length;
    const skip = new Int32Array(256).fill(m);
    for (let i = 0; i < m - 1; i++) skip[needle[i]] = m - 1 - i;
    const last = needle[m - 1];
    return (hay, from) => {
      const n = hay.length;
      let i = from;
      while (i + m <= n) {
        const c = hay[i + m - 1];
        if (c === last) {
          let j = m - 2;
          while (j >= 0 && hay[i + j] === needle[j]) j--;
          if (j < 0) return i;
        }
        i += skip[c];
      }
      return -1;
    };
  }

  function getBoundary(contentType) {
    const p = parseHeaderParams(String(contentType));
    if (p === null || p.head !== "multipart/form-data") throw bad("the Content-Type is not multipart/form-data");
    const boundary = p.params.get("boundary");
    if (boundary === undefined || boundary === "") throw bad("the Content-Type has no boundary");
    if (boundary.length > 200 || /[^\x20-\x7e]/.test(boundary)) throw bad("invalid boundary");
    return boundary;
  }

  // parseMultipart(bytes, contentType) -> FormData. Malformed input throws
  // TypeError; every step moves forward, so it always ends.
  function parseMultipart(input, contentType) {
    const bytes = toBytes(input);
    const boundary = getBoundary(contentType);
    const dash = utf8.encode("--" + boundary);
    const delim = utf8.encode("\r\n--" + boundary);
    const findDelim = makeSearch(delim);
    const fd = new FormData();
    const list = entriesOf(fd);
    const n = bytes.length;

    // The first delimiter: at the start, or after a preamble ending in CRLF.
    let pos;
    if (startsWith(bytes, 0, dash)) {
      pos = dash.length;
    } else {
      const at = findDelim(bytes, 0);
      if (at < 0) throw bad("no boundary found");
      pos = at + delim.length;
    }
    for (;;) {
      // After a delimiter: "--" ends the body, otherwise optional transport
      // padding and CRLF start a part.
      if (bytes[pos] === 45 && bytes[pos + 1] === 45) return fd;
      while (pos < n && (bytes[pos] === 32 || bytes[pos] === 9)) pos++;
      if (bytes[pos] === 13 && bytes[pos + 1] === 10) pos += 2;
      else throw bad("malformed boundary line");

      // Headers, up to an empty line.
      let name, filename, type;
      let sawDisposition = false;
      for (;;) {
        const eol = indexOfCRLF(bytes, pos);
        if (eol < 0) throw bad("unterminated part headers");
        if (eol === pos) {
          pos += 2;
          break;
        }
        const line = utf8.decode(bytes.subarray(pos, eol));
        pos = eol + 2;
        const colon = line.indexOf(":");
        if (colon <= 0) throw bad("malformed part header");
        const hname = line.slice(0, colon).trim().toLowerCase();
        const hvalue = line.slice(colon + 1).trim();
        if (hname === "content-disposition") {
          const p = parseHeaderParams(hvalue);
          if (p === null || p.head !== "form-data") throw bad("invalid Content-Disposition");
          sawDisposition = true;
          const nm = p.params.get("name");
          if (nm === undefined) throw bad("a part has no name");
          name = unescapeQuoted(nm);
          const star = p.params.get("filename*");
          const ext = star === undefined ? null : decodeExtValue(star);
          const fn = p.params.get("filename");
          if (ext !== null) filename = ext;
          else if (fn !== undefined) filename = unescapeQuoted(fn);
        } else if (hname === "content-type") {
          type = hvalue;
        }
      }
      if (!sawDisposition) throw bad("a part has no Content-Disposition");

      // The content, up to the next delimiter.
      const end = findDelim(bytes, pos);
      if (end < 0) throw bad("missing closing boundary");
      const content = bytes.subarray(pos, end);
      if (filename !== undefined) {
        list.push([name, createFile(content.slice(), filename, type === undefined ? "text/plain" : type, Date.now())]);
      } else {
        list.push([name, utf8.decode(content)]);
      }
      pos = end + delim.length;
      if (pos > n) throw bad("missing closing boundary");
    }
  }

  function startsWith(bytes, at, prefix) {
    if (at + prefix.length > bytes.length) return false;
    for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
    return true;
  }

  function indexOfCRLF(bytes, from) {
    for (let i = bytes.indexOf(13, from); i >= 0; i = bytes.indexOf(13, i + 1)) {
      if (bytes[i + 1] === 10) return i;
    }
    return -1;
  }

  function toBytes(input) {
    if (input instanceof Uint8Array) return input;
    if (input instanceof ArrayBuffer) return new Uint8Array(input);
    if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    if (typeof input === "string") return utf8.encode(input);
    throw new TypeError("expected bytes or a string");
  }

  // ------------------------------------------------------------- application/x-www-form-urlencoded

  function hexVal(c) {
    if (c >= 48 && c <= 57) return c - 48;
    if (c >= 65 && c <= 70) return c - 55;
    if (c >= 97 && c <= 102) return c - 87;
    return -1;
  }

  // percentDecode (URL §1.3) on bytes; also turns "+" into space when plus.
  function percentDecode(b, plus = false) {
    let hasEscape = false;
    for (let i = 0; i < b.length; i++) {
      if (b[i] === 37 || (plus && b[i] === 43)) { hasEscape = true; break; }
    }
    if (!hasEscape) return b;
    const out = new Uint8Array(b.length);
    let j = 0;
    for (let i = 0; i < b.length; i++) {
      const c = b[i];
      if (c === 37 && i + 2 < b.length) {
        const h = hexVal(b[i + 1]), l = hexVal(b[i + 2]);
        if (h >= 0 && l >= 0) {
          out[j++] = (h << 4) | l;
          i += 2;
          continue;
        }
      }
      out[j++] = plus && c === 43 ? 32 : c;
    }
    return out.subarray(0, j);
  }

  // parseUrlEncodedPairs(stringOrBytes) -> [[name, value], ...]
  function parseUrlEncodedPairs(input) {
    const bytes = toBytes(input);
    const out = [];
    let start = 0;
    const n = bytes.length;
    while (start <= n) {
      let amp = bytes.indexOf(38, start);
      if (amp < 0) amp = n;
      if (amp > start) {
        const seq = bytes.subarray(start, amp);
        const eq = seq.indexOf(61);
        const name = eq < 0 ? seq : seq.subarray(0, eq);
        const value = eq < 0 ? seq.subarray(seq.length) : seq.subarray(eq + 1);
        out.push([utf8.decode(percentDecode(name, true)), utf8.decode(percentDecode(value, true))]);
      }
      start = amp + 1;
    }
    return out;
  }

  function parseUrlEncoded(input) {
    const fd = new FormData();
    const list = entriesOf(fd);
    for (const e of parseUrlEncodedPairs(input)) list.push(e);
    return fd;
  }

  verge.expose({ FormData });
  internals.formdata = {
    FormData,
    // isFormData(x): brand check.
    isFormData: (x) => entriesOf(x) !== undefined,
    // entries(fd) -> a copy of the entry list: [[name, string | File], ...].
    entries: (fd) => check(fd).map((e) => [e[0], e[1]]),
    // append(fd, name, value): appends an entry with no conversion (value
    // must be a string or a File).
    append(fd, name, value) { check(fd).push([name, value]); },
    // serializeMultipart(fd, boundary?) -> {body: Uint8Array, contentType}.
    serializeMultipart,
    // parseMultipart(bytes | string, contentType) -> FormData, TypeError on
    // malformed input.
    parseMultipart,
    // parseUrlEncoded(string | bytes) -> FormData;
    // parseUrlEncodedPairs(string | bytes) -> [[name, value], ...].
    parseUrlEncoded,
    parseUrlEncodedPairs,
    // percentDecode(bytes, plusAsSpace?) -> bytes.
    percentDecode,
  };
})(globalThis.__verge);
