// Blob and File (W3C File API). A Blob's bytes are one Uint8Array that is
// never written after construction, so slice() and internal copies (File
// from Blob, structuredClone, FormData) share it without copying.
(function (verge) {
  "use strict";
  const { internals } = verge;
  const utf8 = internals.utf8;
  const requireArgs = internals.events?.requireArgs ?? ((n, given, what) => {
    if (given < n) throw new TypeError(`Failed to ${what}: ${n} argument${n > 1 ? "s" : ""} required, but only ${given} present.`);
  });
  const INIT = Symbol("init");
  const EMPTY = new Uint8Array(0);

  // normalizeType: a type with characters outside U+0020-U+007E is ignored;
  // otherwise it is lowercased.
  function normalizeType(t) {
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c < 0x20 || c > 0x7e) return "";
    }
    return t.toLowerCase();
  }

  function toUSVString(v) {
    const s = `${v}`; // throws TypeError for symbols, as WebIDL does
    return s.isWellFormed() ? s : s.toWellFormed();
  }

  // viewBytes returns a view on a BufferSource's bytes (no copy), or
  // undefined when v is not a BufferSource.
  function viewBytes(v) {
    if (v instanceof ArrayBuffer) return new Uint8Array(v);
    if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    if (typeof SharedArrayBuffer === "function" && v instanceof SharedArrayBuffer) return new Uint8Array(v);
    return undefined;
  }

  // processParts joins the parts collectParts returned (Blobs, buffer
  // sources and strings) into one Uint8Array.
  function processParts(parts, endings) {
    if (parts === undefined || parts.length === 0) return EMPTY;
    const chunks = [];
    let total = 0;
    let fresh = false; // whether a lone chunk is ours already (no copy needed)
    for (const part of parts) {
      let b;
      if (typeof part === "string") {
        b = utf8.encode(endings === "native" ? part.replace(/\r\n?/g, "\n") : part);
        fresh = true;
      } else if ((b = blobBytes(part)) !== undefined) {
        fresh = true; // shared and immutable
      } else {
        b = viewBytes(part);
        fresh = false;
      }
      if (b.length === 0) continue;
      chunks.push(b);
      total += b.length;
    }
    if (chunks.length === 0) return EMPTY;
    if (chunks.length === 1) return fresh ? chunks[0] : chunks[0].slice();
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }

  function bagOptions(options, what) {
    if (options === undefined || options === null) return { endings: "transparent", type: "", bag: {} };
    if (typeof options !== "object" && typeof options !== "function") {
      throw new TypeError(`Failed to ${what}: The provided value is not of type 'BlobPropertyBag'.`);
    }
    let endings = "transparent";
    if (options.endings !== undefined) {
      endings = `${options.endings}`;
      if (endings !== "transparent" && endings !== "native") {
        throw new TypeError(`Failed to ${what}: The provided value '${endings}' is not a valid enum value of type EndingType.`);
      }
    }
    const type = options.type === undefined ? "" : normalizeType(`${options.type}`);
    return { endings, type, bag: options };
  }

  // WebIDL [Clamp] long long: NaN -> 0, clamp, round half to even.
  function clampLongLong(v) {
    let n = Number(v);
    if (Number.isNaN(n)) return 0;
    const max = Number.MAX_SAFE_INTEGER;
    if (n > max) return max;
    if (n < -max) return -max;
    const f = Math.floor(n);
    const d = n - f;
    if (d < 0.5) return f;
    if (d > 0.5) return f + 1;
    return f % 2 === 0 ? f : f + 1;
  }

  let blobBytes; // (x) -> Uint8Array | undefined

  class Blob {
    #bytes;
    #type;

    constructor(blobParts = undefined, options = undefined) {
      if (blobParts === INIT) {
        // internal construction (File, internals.blob.create)
        this.#bytes = options.bytes;
        this.#type = options.type;
        return;
      }
      // WebIDL converts argument 1 (the parts) before argument 2.
      const what = "construct 'Blob'";
      const parts = collectParts(blobParts, what);
      const o = bagOptions(options, what);
      this.#bytes = processParts(parts, o.endings);
      this.#type = o.type;
    }

    static {
      blobBytes = (x) => (#bytes in x ? x.#bytes : undefined);
    }

    get size() {
      if (!(#bytes in this)) throw new TypeError("Illegal invocation");
      return this.#bytes.length;
    }

    get type() {
      if (!(#bytes in this)) throw new TypeError("Illegal invocation");
      return this.#type;
    }

    slice(start = undefined, end = undefined, contentType = undefined) {
      if (!(#bytes in this)) throw new TypeError("Illegal invocation");
      const size = this.#bytes.length;
      let from = start === undefined ? 0 : clampLongLong(start);
      let to = end === undefined ? size : clampLongLong(end);
      from = from < 0 ? Math.max(size + from, 0) : Math.min(from, size);
      to = to < 0 ? Math.max(size + to, 0) : Math.min(to, size);
      const type = contentType === undefined ? "" : normalizeType(`${contentType}`);
      const span = Math.max(to - from, 0);
      return new Blob(INIT, { bytes: this.#bytes.subarray(from, from + span), type });
    }

    async text() {
      if (!(#bytes in this)) throw new TypeError("Illegal invocation");
      return utf8.decodeStripBOM(this.#bytes);
    }

    async arrayBuffer() {
      if (!(#bytes in this)) throw new TypeError("Illegal invocation");
      return this.#bytes.slice().buffer;
    }

    async bytes() {
      if (!(#bytes in this)) throw new TypeError("Illegal invocation");
      return this.#bytes.slice();
    }

    stream() {
      if (!(#bytes in this)) throw new TypeError("Illegal invocation");
      return bytesToStream(this.#bytes);
    }
  }

  // collectParts is the sequence<BlobPart> conversion: it iterates and
  // converts values that are neither Blobs nor buffer sources to strings.
  function collectParts(blobParts, what) {
    if (blobParts === undefined) return undefined;
    if (blobParts === null || (typeof blobParts !== "object" && typeof blobParts !== "function") || typeof blobParts[Symbol.iterator] !== "function") {
      throw new TypeError(`Failed to ${what}: The provided value cannot be converted to a sequence.`);
    }
    const out = [];
    for (const part of blobParts) {
      if (part !== null && typeof part === "object" && (blobBytes(part) !== undefined || viewBytes(part) !== undefined)) {
        out.push(part);
      } else {
        out.push(toUSVString(part));
      }
    }
    return out;
  }

  function bytesToStream(bytes) {
    const copy = bytes.slice();
    const streams = internals.streams;
    if (typeof streams?.fromBytes === "function") return streams.fromBytes(copy);
    const RS = globalThis.ReadableStream;
    if (typeof RS !== "function") throw new TypeError("Blob.stream(): ReadableStream is not available");
    return new RS({
      type: "bytes",
      start(controller) {
        if (copy.length > 0) controller.enqueue(copy);
        controller.close();
      },
    });
  }

  Object.defineProperty(Blob.prototype, Symbol.toStringTag, { value: "Blob", configurable: true });

  class File extends Blob {
    #name;
    #lastModified;

    constructor(fileBits, fileName, options = undefined) {
      if (fileBits === INIT) {
        super(INIT, fileName);
        this.#name = fileName.name;
        this.#lastModified = fileName.lastModified;
        return;
      }
      const what = "construct 'File'";
      requireArgs(2, arguments.length, what);
      const parts = collectParts(fileBits, what);
      const name = toUSVString(fileName);
      const o = bagOptions(options, what);
      let lastModified;
      if (o.bag.lastModified === undefined) {
        lastModified = Date.now();
      } else {
        const n = Number(o.bag.lastModified);
        lastModified = Number.isFinite(n) ? Math.trunc(n) : 0;
      }
      super(INIT, { bytes: processParts(parts, o.endings), type: o.type });
      this.#name = name;
      this.#lastModified = lastModified;
    }

    get name() {
      if (!(#name in this)) throw new TypeError("Illegal invocation");
      return this.#name;
    }

    get lastModified() {
      if (!(#name in this)) throw new TypeError("Illegal invocation");
      return this.#lastModified;
    }

    static isFile(x) { return x !== null && typeof x === "object" && #name in x; }
  }
  const isFile = File.isFile;
  delete File.isFile;
  Object.defineProperty(File.prototype, Symbol.toStringTag, { value: "File", configurable: true });

  const isBlob = (x) => x !== null && typeof x === "object" && blobBytes(x) !== undefined;

  verge.expose({ Blob, File });
  internals.blob = {
    Blob,
    File,
    isBlob,
    isFile,
    // bytesOf(blob) -> its Uint8Array, shared: callers must not write to it.
    bytesOf(blob) {
      const b = isBlob(blob) ? blobBytes(blob) : undefined;
      if (b === undefined) throw new TypeError("not a Blob");
      return b;
    },
    // create(bytes, type?) -> Blob that owns bytes (a Uint8Array the caller
    // must not write to afterwards). type is normalized.
    create(bytes, type = "") {
      return new Blob(INIT, { bytes, type: normalizeType(String(type)) });
    },
    // createFile(bytes, name, type?, lastModified?) -> File, same ownership.
    createFile(bytes, name, type = "", lastModified = Date.now()) {
      return new File(INIT, { bytes, type: normalizeType(String(type)), name: String(name), lastModified });
    },
    // normalizeType(t): the File API's type rule ("" when invalid, else
    // lowercased).
    normalizeType,
    // toUSVString(v): WebIDL USVString conversion.
    toUSVString,
  };
})(globalThis.__verge);
