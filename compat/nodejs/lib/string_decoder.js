// node:string_decoder: decodes a byte stream chunk by chunk without
// splitting multi-byte characters (UTF-8, UTF-16LE) or base64 groups.
"use strict";
const { Buffer } = require("node:buffer");
const { unknownEncoding, invalidArgType } = require("internal/errors");

const kState = Symbol("state");

function normalize(enc) {
  const e = enc === undefined || enc === null || enc === "" ? "utf8" : String(enc).toLowerCase();
  switch (e) {
    case "utf8": case "utf-8": return "utf8";
    case "ucs2": case "ucs-2": case "utf16le": case "utf-16le": return "utf16le";
    case "latin1": case "binary": return "latin1";
    case "base64": case "base64url": case "hex": case "ascii": return e;
  }
  throw unknownEncoding(enc);
}

function toBytes(buf) {
  if (typeof buf === "string") return Buffer.from(buf);
  if (ArrayBuffer.isView(buf)) return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  throw invalidArgType("buf", "an instance of Buffer, TypedArray, or DataView", buf);
}

function StringDecoder(encoding) {
  if (!(this instanceof StringDecoder)) return new StringDecoder(encoding);
  const enc = normalize(encoding);
  this.encoding = enc;
  this[kState] = {
    utf8: enc === "utf8" ? new TextDecoder("utf-8", { ignoreBOM: true }) : null,
    pending: Buffer.alloc(0),
  };
}

// groupSize is how many bytes decode as a unit (the rest waits for the
// next write).
function groupSize(enc) {
  return enc === "utf16le" ? 2 : enc === "base64" || enc === "base64url" ? 3 : 1;
}

StringDecoder.prototype.write = function write(buf) {
  if (typeof buf === "string") return buf;
  const st = this[kState];
  let bytes = toBytes(buf);
  if (st.utf8) return st.utf8.decode(bytes, { stream: true });
  let prefix = "";
  if (this.encoding === "utf16le" && st.pending.length === 1 && bytes.length > 0) {
    // A code unit completed by this chunk's first byte goes out as it is,
    // even a high surrogate (Node holds one back only when the chunk
    // itself ends with it).
    prefix = String.fromCharCode(st.pending[0] | (bytes[0] << 8));
    st.pending = Buffer.alloc(0);
    bytes = bytes.subarray(1);
  }
  let all = st.pending.length ? Buffer.concat([st.pending, bytes]) : bytes;
  const size = groupSize(this.encoding);
  let cut = all.length - (all.length % size);
  // A UTF-16 high surrogate waits for its pair.
  if (this.encoding === "utf16le" && cut >= 2) {
    const last = all[cut - 2] | (all[cut - 1] << 8);
    if (last >= 0xd800 && last <= 0xdbff) cut -= 2;
  }
  st.pending = Buffer.from(all.subarray(cut));
  return prefix + all.toString(this.encoding, 0, cut);
};

StringDecoder.prototype.end = function end(buf) {
  let out = buf === undefined ? "" : this.write(buf);
  const st = this[kState];
  if (st.utf8) {
    out += st.utf8.decode();
    return out;
  }
  if (st.pending.length) {
    out += st.pending.toString(this.encoding);
    st.pending = Buffer.alloc(0);
  }
  return out;
};

StringDecoder.prototype.text = function text(buf, offset) {
  return this.write(toBytes(buf).subarray(offset));
};

module.exports = { StringDecoder };
