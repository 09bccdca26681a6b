// TextEncoder, TextDecoder, atob, btoa. The byte work is in Go ops.
(function (verge) {
  "use strict";
  const { ops } = verge;

  const LABELS = new Map();
  for (const [enc, labels] of Object.entries({
    "utf-8": ["unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"],
    "utf-16le": ["csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16", "utf-16le"],
    "utf-16be": ["unicodefffe", "utf-16be"],
    "windows-1252": ["ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1", "iso-ir-100", "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1", "us-ascii", "windows-1252", "x-cp1252"],
  })) for (const l of labels) LABELS.set(l, enc);

  function toBytes(input) {
    if (input === undefined) return new Uint8Array(0);
    if (input instanceof ArrayBuffer) return new Uint8Array(input);
    if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    if (typeof SharedArrayBuffer !== "undefined" && input instanceof SharedArrayBuffer) return new Uint8Array(input);
    throw new TypeError("The \"input\" argument must be an instance of ArrayBuffer or ArrayBufferView");
  }

  class TextEncoder {
    get encoding() { return "utf-8"; }
    encode(input = "") {
      return new Uint8Array(ops.utf8_encode(String(input)));
    }
    encodeInto(source, destination) {
      if (!(destination instanceof Uint8Array)) throw new TypeError("encodeInto: destination must be a Uint8Array");
      source = String(source);
      let read = 0, written = 0;
      const cap = destination.length;
      for (let i = 0; i < source.length; ) {
        let cp = source.codePointAt(i);
        const units = cp > 0xffff ? 2 : 1;
        if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
        const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        if (written + n > cap) break;
        if (n === 1) destination[written] = cp;
        else if (n === 2) { destination[written] = 0xc0 | (cp >> 6); destination[written + 1] = 0x80 | (cp & 63); }
        else if (n === 3) { destination[written] = 0xe0 | (cp >> 12); destination[written + 1] = 0x80 | ((cp >> 6) & 63); destination[written + 2] = 0x80 | (cp & 63); }
        else { destination[written] = 0xf0 | (cp >> 18); destination[written + 1] = 0x80 | ((cp >> 12) & 63); destination[written + 2] = 0x80 | ((cp >> 6) & 63); destination[written + 3] = 0x80 | (cp & 63); }
        written += n;
        read += units;
        i += units;
      }
      return { read, written };
    }
    get [Symbol.toStringTag]() { return "TextEncoder"; }
  }

  class TextDecoder {
    #encoding; #fatal; #ignoreBOM; #pending = null; #bomSeen = false;
    constructor(label = "utf-8", options = {}) {
      const enc = LABELS.get(String(label).trim().toLowerCase());
      if (!enc) throw new RangeError(`The "${label}" encoding is not supported`);
      this.#encoding = enc;
      this.#fatal = Boolean(options?.fatal);
      this.#ignoreBOM = Boolean(options?.ignoreBOM);
    }
    get encoding() { return this.#encoding; }
    get fatal() { return this.#fatal; }
    get ignoreBOM() { return this.#ignoreBOM; }
    decode(input, options = {}) {
      if (!(this instanceof TextDecoder)) throw new TypeError("Illegal invocation");
      let bytes = toBytes(input);
      const stream = Boolean(options?.stream);
      if (this.#pending) {
        const joined = new Uint8Array(this.#pending.length + bytes.length);
        joined.set(this.#pending); joined.set(bytes, this.#pending.length);
        bytes = joined; this.#pending = null;
      }
      let out;
      if (this.#encoding === "utf-8") {
        const [s, tail] = ops.utf8_decode(bytes, this.#fatal, stream);
        if (tail) this.#pending = bytes.slice(bytes.length - tail);
        out = s;
      } else {
        if (stream && this.#encoding !== "windows-1252" && bytes.length % 2) {
          this.#pending = bytes.slice(bytes.length - 1);
          bytes = bytes.subarray(0, bytes.length - 1);
        }
        out = ops.text_decode(this.#encoding, bytes, this.#fatal);
      }
      if (!this.#ignoreBOM && !this.#bomSeen && out.length) {
        if (out.charCodeAt(0) === 0xfeff && this.#encoding !== "windows-1252") out = out.slice(1);
        this.#bomSeen = true;
      }
      if (!stream) { this.#bomSeen = false; this.#pending = null; }
      return out;
    }
    get [Symbol.toStringTag]() { return "TextDecoder"; }
  }

  verge.expose({
    TextEncoder,
    TextDecoder,
    btoa(data) {
      if (arguments.length === 0) throw new TypeError("btoa: 1 argument required, but only 0 present.");
      return ops.base64_encode(String(data));
    },
    atob(data) {
      if (arguments.length === 0) throw new TypeError("atob: 1 argument required, but only 0 present.");
      return ops.base64_decode(String(data));
    },
  });
  verge.internals.encoding = { toBytes, encode: (s) => new Uint8Array(ops.utf8_encode(String(s))), decode: (b) => ops.utf8_decode(b, false, false)[0] };
})(globalThis.__verge);
