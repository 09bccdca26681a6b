// node:buffer. Buffer is a Uint8Array subclass; the byte work is plain
// JavaScript over TextEncoder/TextDecoder and atob/btoa, which run in Go.
"use strict";
const {
  invalidArgType, outOfRange, bufferOutOfBounds, unknownEncoding, invalidArgValue, validateNumber,
} = require("internal/errors");

const kMaxLength = 2 ** 32;
const kStringMaxLength = 2 ** 29 - 24;
const INSPECT_MAX_BYTES = 50;
const customInspect = Symbol.for("nodejs.util.inspect.custom");

const utf8Encoder = new TextEncoder();
// Node keeps a byte order mark in decoded text; TextDecoder drops it
// unless told not to.
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });

// FastBuffer is the class every Buffer really is; Buffer itself is a
// function so that old code can call Buffer(...) or
// Buffer.call(this), and so that `new Buffer(arrayBuffer, offset,
// length)` (which Uint8Array methods use through Symbol.species) works.
class FastBuffer extends Uint8Array {}

function Buffer(arg, encodingOrOffset, length) {
  if (typeof arg === "number") {
    if (typeof encodingOrOffset === "string") throw invalidArgType("string", "of type string", arg);
    return Buffer.alloc(arg);
  }
  return Buffer.from(arg, encodingOrOffset, length);
}
Buffer.prototype = FastBuffer.prototype;
Object.defineProperty(FastBuffer.prototype, "constructor", { value: Buffer, writable: true, configurable: true });
Object.setPrototypeOf(Buffer, Uint8Array);

const wrap = (u8) => new FastBuffer(u8.buffer, u8.byteOffset, u8.byteLength);

// ---- encodings ----

function normalizeEncoding(enc) {
  if (enc === undefined || enc === null || enc === "") return "utf8";
  const e = String(enc).toLowerCase();
  switch (e) {
    case "utf8": case "utf-8": return "utf8";
    case "hex": return "hex";
    case "base64": return "base64";
    case "base64url": return "base64url";
    case "latin1": case "binary": return "latin1";
    case "ascii": return "ascii";
    case "ucs2": case "ucs-2": case "utf16le": case "utf-16le": return "utf16le";
  }
  return undefined;
}

function encodingOf(enc) {
  const e = normalizeEncoding(enc);
  if (e === undefined) throw unknownEncoding(enc);
  return e;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_VALUE[B64.charCodeAt(i)] = i;
B64_VALUE[0x2d] = 62; // '-' (base64url), accepted in either encoding as Node does
B64_VALUE[0x5f] = 63; // '_'
const STRICT_B64 = /^[A-Za-z0-9+/]*={0,2}$/;

const HEX = [];
for (let i = 0; i < 256; i++) HEX.push((i < 16 ? "0" : "") + i.toString(16));
const hexValue = (c) => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1);

// decodeBase64 is Node's lenient decoder: both alphabets, characters
// outside them skipped, stops at the first "=", a trailing lone
// character dropped.
function decodeBase64(str) {
  if (str.length % 4 === 0 && STRICT_B64.test(str)) {
    const bin = atob(str);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  const out = new Uint8Array((str.length * 3) >>> 2);
  let n = 0, acc = 0, bits = 0;
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    if (c === 0x3d) break;
    const v = c < 128 ? B64_VALUE[c] : -1;
    if (v < 0) continue;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, n);
}

function latin1String(bytes, start, end) {
  let s = "";
  for (let i = start; i < end; i += 8192) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + 8192)));
  }
  return s;
}

function encodeBase64(bytes, start, end, url) {
  const s = btoa(latin1String(bytes, start, end));
  if (!url) return s;
  return s.replace(/=+$/, "").replace(/[+/]/g, (c) => (c === "+" ? "-" : "_"));
}

// encode turns a string into bytes in an encoding (already normalized).
function encode(str, enc) {
  switch (enc) {
    case "utf8": return utf8Encoder.encode(str);
    case "hex": {
      const out = new Uint8Array(str.length >>> 1);
      let i = 0;
      for (; i < out.length; i++) {
        const hi = hexValue(str.charCodeAt(2 * i)), lo = hexValue(str.charCodeAt(2 * i + 1));
        if (hi < 0 || lo < 0) break;
        out[i] = (hi << 4) | lo;
      }
      return out.subarray(0, i);
    }
    case "base64": case "base64url": return decodeBase64(str);
    case "latin1": case "ascii": {
      const out = new Uint8Array(str.length);
      for (let i = 0; i < str.length; i++) out[i] = str.charCodeAt(i);
      return out;
    }
    case "utf16le": {
      const out = new Uint8Array(str.length * 2);
      for (let i = 0; i < str.length; i++) {
        const c = str.charCodeAt(i);
        out[2 * i] = c & 0xff;
        out[2 * i + 1] = c >>> 8;
      }
      return out;
    }
  }
  throw unknownEncoding(enc);
}

// decode turns bytes[start:end] into a string in an encoding.
function decode(bytes, enc, start, end) {
  switch (enc) {
    case "utf8": return utf8Decoder.decode(bytes.subarray(start, end));
    case "hex": {
      let s = "";
      for (let i = start; i < end; i++) s += HEX[bytes[i]];
      return s;
    }
    case "base64": return encodeBase64(bytes, start, end, false);
    case "base64url": return encodeBase64(bytes, start, end, true);
    case "latin1": return latin1String(bytes, start, end);
    case "ascii": {
      let s = "";
      for (let i = start; i < end; i += 8192) {
        const chunk = Array.from(bytes.subarray(i, Math.min(end, i + 8192)), (b) => b & 0x7f);
        s += String.fromCharCode.apply(null, chunk);
      }
      return s;
    }
    case "utf16le": {
      let s = "";
      for (let i = start; i + 1 < end; i += 2) s += String.fromCharCode(bytes[i] | (bytes[i + 1] << 8));
      return s;
    }
  }
  throw unknownEncoding(enc);
}

function byteLengthOf(str, enc) {
  switch (enc) {
    case "utf8": {
      let n = 0;
      for (let i = 0; i < str.length; i++) {
        const c = str.charCodeAt(i);
        if (c < 0x80) n += 1;
        else if (c < 0x800) n += 2;
        else if (c >= 0xd800 && c <= 0xdbff && i + 1 < str.length && (str.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n += 4; i++; }
        else n += 3;
      }
      return n;
    }
    case "hex": return str.length >>> 1;
    case "base64": case "base64url": {
      let n = str.length;
      if (n > 0 && str.charCodeAt(n - 1) === 0x3d) n--;
      if (n > 1 && str.charCodeAt(n - 1) === 0x3d) n--;
      return (n * 3) >>> 2;
    }
    case "utf16le": return str.length * 2;
  }
  return str.length;
}

// ---- construction ----

function validateSize(size) {
  validateNumber(size, "size");
  if (!(size >= 0 && size <= kMaxLength)) throw outOfRange("size", `>= 0 && <= ${kMaxLength}`, size);
}

Buffer.alloc = function alloc(size, fill, encoding) {
  validateSize(size);
  const buf = new FastBuffer(size);
  if (fill !== undefined && fill !== 0 && size > 0) buf.fill(fill, encoding);
  return buf;
};

Buffer.allocUnsafe = function allocUnsafe(size) {
  validateSize(size);
  return new FastBuffer(size);
};

Buffer.allocUnsafeSlow = Buffer.allocUnsafe;

const fromTypeError = (value) =>
  invalidArgType("The first argument", "of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object", value);

function isAnyArrayBuffer(v) {
  return v instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer);
}

Buffer.from = function from(value, encodingOrOffset, length) {
  if (typeof value === "string") {
    const enc = typeof encodingOrOffset === "string" && encodingOrOffset !== "" ? encodingOf(encodingOrOffset) : "utf8";
    return wrap(encode(value, enc));
  }
  if (typeof value === "object" && value !== null) {
    if (isAnyArrayBuffer(value)) return fromArrayBuffer(value, encodingOrOffset, length);
    if (value instanceof Uint8Array) {
      const buf = new FastBuffer(value.length);
      buf.set(value);
      return buf;
    }
    const prim = value.valueOf && value.valueOf();
    if (prim != null && prim !== value && (typeof prim === "string" || typeof prim === "object")) {
      return Buffer.from(prim, encodingOrOffset, length);
    }
    if (ArrayBuffer.isView(value) || Array.isArray(value) || typeof value.length === "number") {
      return wrap(new Uint8Array(Array.isArray(value) || ArrayBuffer.isView(value) ? value : Array.from(value)));
    }
    if (value.type === "Buffer" && Array.isArray(value.data)) return wrap(new Uint8Array(value.data));
    if (typeof value[Symbol.toPrimitive] === "function") {
      const p = value[Symbol.toPrimitive]("string");
      if (typeof p === "string") return Buffer.from(p, encodingOrOffset);
    }
  }
  throw fromTypeError(value);
};

function fromArrayBuffer(ab, byteOffset, length) {
  if (byteOffset === undefined) byteOffset = 0;
  else {
    byteOffset = +byteOffset;
    if (Number.isNaN(byteOffset)) byteOffset = 0;
  }
  const max = ab.byteLength - byteOffset;
  if (max < 0) throw bufferOutOfBounds("offset");
  if (length === undefined) length = max;
  else {
    length = +length;
    if (length > 0) {
      if (length > max) throw bufferOutOfBounds("length");
    } else length = 0;
  }
  return new FastBuffer(ab, byteOffset, length);
}

Buffer.of = function of(...items) {
  return wrap(new Uint8Array(items));
};

Buffer.isBuffer = function isBuffer(b) {
  return b instanceof Buffer;
};

Buffer.isEncoding = function isEncoding(enc) {
  return typeof enc === "string" && enc.length !== 0 && normalizeEncoding(enc) !== undefined;
};

Buffer.byteLength = function byteLength(string, encoding) {
  if (typeof string !== "string") {
    if (ArrayBuffer.isView(string) || isAnyArrayBuffer(string)) return string.byteLength;
    throw invalidArgType("string", "of type string or an instance of Buffer or ArrayBuffer", string);
  }
  return byteLengthOf(string, normalizeEncoding(encoding) || "utf8");
};

Buffer.concat = function concat(list, totalLength) {
  if (!Array.isArray(list)) throw invalidArgType("list", "an instance of Array", list);
  if (list.length === 0) return new FastBuffer(0);
  if (totalLength === undefined) {
    totalLength = 0;
    for (let i = 0; i < list.length; i++) {
      if (!(list[i] instanceof Uint8Array)) throw invalidArgType(`list[${i}]`, "an instance of Buffer or Uint8Array", list[i]);
      totalLength += list[i].length;
    }
  } else {
    validateNumber(totalLength, "length");
    if (!(totalLength >= 0)) throw outOfRange("length", `>= 0 && <= ${kMaxLength}`, totalLength);
    totalLength = Math.trunc(totalLength);
  }
  const out = new FastBuffer(totalLength);
  let pos = 0;
  for (let i = 0; i < list.length && pos < totalLength; i++) {
    const b = list[i];
    if (!(b instanceof Uint8Array)) throw invalidArgType(`list[${i}]`, "an instance of Buffer or Uint8Array", b);
    const n = Math.min(b.length, totalLength - pos);
    out.set(n === b.length ? b : b.subarray(0, n), pos);
    pos += n;
  }
  return out;
};

function compareBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

Buffer.compare = function compare(buf1, buf2) {
  if (!(buf1 instanceof Uint8Array)) throw invalidArgType("buf1", "an instance of Buffer or Uint8Array", buf1);
  if (!(buf2 instanceof Uint8Array)) throw invalidArgType("buf2", "an instance of Buffer or Uint8Array", buf2);
  return compareBytes(buf1, buf2);
};

Buffer.poolSize = 8192;

// ---- methods ----

const proto = Buffer.prototype;

function method(name, fn) {
  Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true, enumerable: false });
}

method("toString", function toString(encoding, start, end) {
  const len = this.length;
  if (arguments.length === 0) return utf8Decoder.decode(this);
  const enc = encoding === undefined ? "utf8" : encodingOf(encoding);
  if (start === undefined || start <= 0) start = 0;
  else if (start >= len) return "";
  else start = Math.trunc(start) || 0;
  if (end === undefined || end > len) end = len;
  else end = Math.trunc(end) || 0;
  if (end <= start) return "";
  return decode(this, enc, start, end);
});
method("toLocaleString", proto.toString);

method("toJSON", function toJSON() {
  return { type: "Buffer", data: Array.from(this) };
});

method("equals", function equals(otherBuffer) {
  if (!(otherBuffer instanceof Uint8Array)) throw invalidArgType("otherBuffer", "an instance of Buffer or Uint8Array", otherBuffer);
  return this === otherBuffer || compareBytes(this, otherBuffer) === 0;
});

function rangeArg(value, name, def, max) {
  if (value === undefined) return def;
  validateNumber(value, name);
  if (!Number.isInteger(value)) throw outOfRange(name, "an integer", value);
  if (value < 0 || value > max) throw outOfRange(name, `>= 0 && <= ${max}`, value);
  return value;
}

method("compare", function compare(target, targetStart, targetEnd, sourceStart, sourceEnd) {
  if (!(target instanceof Uint8Array)) throw invalidArgType("target", "an instance of Buffer or Uint8Array", target);
  targetStart = rangeArg(targetStart, "targetStart", 0, target.length);
  targetEnd = rangeArg(targetEnd, "targetEnd", target.length, target.length);
  sourceStart = rangeArg(sourceStart, "sourceStart", 0, this.length);
  sourceEnd = rangeArg(sourceEnd, "sourceEnd", this.length, this.length);
  if (sourceStart >= sourceEnd) return targetStart >= targetEnd ? 0 : -1;
  if (targetStart >= targetEnd) return 1;
  return compareBytes(this.subarray(sourceStart, sourceEnd), target.subarray(targetStart, targetEnd));
});

// slice is a view, as in Node (unlike Uint8Array's copy).
method("slice", function slice(start, end) {
  return this.subarray(start, end);
});

method("copy", function copy(target, targetStart, sourceStart, sourceEnd) {
  if (!(target instanceof Uint8Array)) throw invalidArgType("target", "an instance of Buffer or Uint8Array", target);
  targetStart = targetStart === undefined ? 0 : Math.trunc(+targetStart) || 0;
  sourceStart = sourceStart === undefined ? 0 : Math.trunc(+sourceStart) || 0;
  sourceEnd = sourceEnd === undefined ? this.length : Math.trunc(+sourceEnd) || 0;
  if (targetStart < 0) throw outOfRange("targetStart", ">= 0", targetStart);
  if (sourceStart < 0 || sourceStart > this.length) throw outOfRange("sourceStart", `>= 0 && <= ${this.length}`, sourceStart);
  if (sourceEnd < 0) throw outOfRange("sourceEnd", ">= 0", sourceEnd);
  if (sourceEnd > this.length) sourceEnd = this.length;
  if (targetStart >= target.length || sourceStart >= sourceEnd) return 0;
  const n = Math.min(sourceEnd - sourceStart, target.length - targetStart);
  target.set(this.subarray(sourceStart, sourceStart + n), targetStart);
  return n;
});

method("write", function write(string, offset, length, encoding) {
  if (typeof string !== "string") throw invalidArgType("argument", "of type string", string);
  if (offset === undefined) {
    offset = 0;
    length = this.length;
  } else if (length === undefined && typeof offset === "string") {
    encoding = offset;
    offset = 0;
    length = this.length;
  } else {
    validateNumber(offset, "offset");
    if (!Number.isInteger(offset)) throw outOfRange("offset", "an integer", offset);
    if (offset < 0 || offset > this.length) throw outOfRange("offset", `>= 0 && <= ${this.length}`, offset);
    const remaining = this.length - offset;
    if (length === undefined) length = remaining;
    else if (typeof length === "string") {
      encoding = length;
      length = remaining;
    } else {
      validateNumber(length, "length");
      if (!Number.isInteger(length)) throw outOfRange("length", "an integer", length);
      if (length < 0 || length > this.length) throw outOfRange("length", `>= 0 && <= ${this.length}`, length);
      if (length > remaining) length = remaining;
    }
  }
  const enc = encodingOf(encoding);
  let bytes = encode(string, enc);
  if (bytes.length > length) {
    let n = length;
    if (enc === "utf8") {
      // Only whole characters: back off to the start of a cut sequence.
      while (n > 0 && (bytes[n] & 0xc0) === 0x80) n--;
    } else if (enc === "utf16le") {
      n -= n % 2;
    }
    bytes = bytes.subarray(0, n);
  }
  this.set(bytes, offset);
  return bytes.length;
});

method("fill", function fill(value, offset, end, encoding) {
  if (typeof offset === "string") {
    encoding = offset;
    offset = 0;
    end = this.length;
  } else if (typeof end === "string") {
    encoding = end;
    end = this.length;
  }
  offset = rangeArg(offset, "offset", 0, this.length);
  end = rangeArg(end, "end", this.length, this.length);
  if (end <= offset) return this;
  if (typeof value === "number" || typeof value === "boolean") {
    Uint8Array.prototype.fill.call(this, Number(value) & 255, offset, end);
    return this;
  }
  let bytes;
  if (typeof value === "string") {
    const enc = encodingOf(encoding);
    if (value.length === 1 && enc === "utf8" && value.charCodeAt(0) < 128) {
      Uint8Array.prototype.fill.call(this, value.charCodeAt(0), offset, end);
      return this;
    }
    bytes = encode(value, enc);
    if (bytes.length === 0) {
      if (value.length === 0) {
        Uint8Array.prototype.fill.call(this, 0, offset, end);
        return this;
      }
      throw invalidArgValue("value", value);
    }
  } else if (value instanceof Uint8Array) {
    bytes = value;
    if (bytes.length === 0) throw invalidArgValue("value", value);
  } else {
    Uint8Array.prototype.fill.call(this, Number(value) & 255, offset, end);
    return this;
  }
  for (let i = offset; i < end; i += bytes.length) {
    this.set(bytes.subarray(0, Math.min(bytes.length, end - i)), i);
  }
  return this;
});

function indexOf(buf, value, byteOffset, encoding, forward) {
  if (typeof byteOffset === "string") {
    encoding = byteOffset;
    byteOffset = undefined;
  } else if (byteOffset > 0x7fffffff) byteOffset = 0x7fffffff;
  else if (byteOffset < -0x80000000) byteOffset = -0x80000000;
  byteOffset = +byteOffset;
  const len = buf.length;
  if (Number.isNaN(byteOffset)) byteOffset = forward ? 0 : len;
  byteOffset = Math.trunc(byteOffset);
  if (byteOffset < 0) byteOffset += len;
  let needle;
  if (typeof value === "number") needle = [value >>> 0 & 255];
  else if (typeof value === "string") needle = encode(value, encodingOf(encoding));
  else if (value instanceof Uint8Array) needle = value;
  else throw invalidArgType("value", "one of type number or string or an instance of Buffer or Uint8Array", value);
  const n = needle.length;
  if (forward) {
    if (byteOffset < 0) byteOffset = 0;
    if (n === 0) return byteOffset < len ? byteOffset : len;
    for (let i = byteOffset; i + n <= len; i++) {
      let j = 0;
      while (j < n && buf[i + j] === needle[j]) j++;
      if (j === n) return i;
    }
    return -1;
  }
  if (byteOffset < 0) return -1;
  if (n === 0) return byteOffset < len ? byteOffset : len;
  for (let i = Math.min(byteOffset, len - n); i >= 0; i--) {
    let j = 0;
    while (j < n && buf[i + j] === needle[j]) j++;
    if (j === n) return i;
  }
  return -1;
}

method("indexOf", function (value, byteOffset, encoding) {
  return indexOf(this, value, byteOffset, encoding, true);
});
method("lastIndexOf", function (value, byteOffset, encoding) {
  return indexOf(this, value, byteOffset, encoding, false);
});
method("includes", function includes(value, byteOffset, encoding) {
  return indexOf(this, value, byteOffset, encoding, true) !== -1;
});

function swap(buf, size) {
  if (buf.length % size !== 0) throw Object.assign(new RangeError(`Buffer size must be a multiple of ${size * 8}-bits`), { code: "ERR_INVALID_BUFFER_SIZE" });
  for (let i = 0; i < buf.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = buf[a];
      buf[a] = buf[b];
      buf[b] = t;
    }
  }
  return buf;
}
method("swap16", function swap16() { return swap(this, 2); });
method("swap32", function swap32() { return swap(this, 4); });
method("swap64", function swap64() { return swap(this, 8); });

method(customInspect, function inspect() {
  const n = Math.min(this.length, INSPECT_MAX_BYTES);
  let s = "";
  for (let i = 0; i < n; i++) s += (i ? " " : "") + HEX[this[i]];
  const rest = this.length - n;
  if (rest > 0) s += ` ... ${rest} more byte${rest > 1 ? "s" : ""}`;
  return `<Buffer${s ? " " + s : ""}>`;
});

// ---- numbers ----

// checkOffset validates where a size-byte value starts, as Node does:
// a number, an integer, inside the buffer.
function checkOffset(buf, offset, size) {
  validateNumber(offset, "offset");
  const max = buf.length - size;
  if (Math.floor(offset) !== offset) throw outOfRange("offset", "an integer", offset);
  if (!(offset >= 0 && offset <= max)) {
    if (max < 0) throw bufferOutOfBounds();
    throw outOfRange("offset", `>= 0 and <= ${max}`, offset);
  }
}

function checkValue(value, min, max) {
  if (value > max || value < min) throw outOfRange("value", `>= ${min} and <= ${max}`, value);
}

function defineInt(size, signed) {
  const bits = size * 8;
  const min = signed ? -(2 ** (bits - 1)) : 0;
  const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  const name = (signed ? "Int" : "UInt") + bits;
  const read = (buf, offset, le) => {
    let v = 0;
    for (let i = 0; i < size; i++) v = v * 256 + buf[offset + (le ? size - 1 - i : i)];
    if (signed && v > max) v -= 2 ** bits;
    return v;
  };
  const write = (buf, value, offset, le) => {
    value = +value;
    validateNumber(offset, "offset");
    checkValue(value, min, max);
    checkOffset(buf, offset, size);
    let v = Math.trunc(value) || 0;
    if (v < 0) v += 2 ** bits;
    for (let i = 0; i < size; i++) {
      buf[offset + (le ? i : size - 1 - i)] = v % 256;
      v = Math.floor(v / 256);
    }
    return offset + size;
  };
  const suffixes = size === 1 ? [""] : ["LE", "BE"];
  for (const suffix of suffixes) {
    const le = suffix !== "BE";
    const r = {
      [`read${name}${suffix}`](offset = 0) {
        checkOffset(this, offset, size);
        return read(this, offset, le);
      },
    }[`read${name}${suffix}`];
    const w = {
      [`write${name}${suffix}`](value, offset = 0) {
        return write(this, value, offset, le);
      },
    }[`write${name}${suffix}`];
    method(`read${name}${suffix}`, r);
    method(`write${name}${suffix}`, w);
    if (!signed) {
      method(`readUint${bits}${suffix}`, r);
      method(`writeUint${bits}${suffix}`, w);
    }
  }
}
for (const size of [1, 2, 4]) {
  defineInt(size, false);
  defineInt(size, true);
}

// Floats and 64-bit integers go through a DataView.
function defineView(name, size, get, set, bigint) {
  for (const suffix of ["LE", "BE"]) {
    const le = suffix === "LE";
    method(`read${name}${suffix}`, function (offset = 0) {
      checkOffset(this, offset, size);
      return new DataView(this.buffer, this.byteOffset, this.byteLength)[get](offset, le);
    });
    method(`write${name}${suffix}`, function (value, offset = 0) {
      if (bigint && typeof value !== "bigint") throw invalidArgType("value", "of type bigint", value);
      checkOffset(this, offset, size);
      new DataView(this.buffer, this.byteOffset, this.byteLength)[set](offset, bigint ? value : +value, le);
      return offset + size;
    });
  }
}
defineView("Float", 4, "getFloat32", "setFloat32", false);
defineView("Double", 8, "getFloat64", "setFloat64", false);
defineView("BigUInt64", 8, "getBigUint64", "setBigUint64", true);
defineView("BigInt64", 8, "getBigInt64", "setBigInt64", true);
for (const suffix of ["LE", "BE"]) {
  method(`readBigUint64${suffix}`, proto[`readBigUInt64${suffix}`]);
  method(`writeBigUint64${suffix}`, proto[`writeBigUInt64${suffix}`]);
}

// ---- module ----

function SlowBuffer(size) {
  return Buffer.allocUnsafeSlow(size);
}

function isUtf8(input) {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(input);
    return true;
  } catch {
    return false;
  }
}

function isAscii(input) {
  const b = input instanceof ArrayBuffer ? new Uint8Array(input) : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  for (let i = 0; i < b.length; i++) if (b[i] > 127) return false;
  return true;
}

module.exports = {
  Buffer,
  SlowBuffer,
  kMaxLength,
  kStringMaxLength,
  constants: { MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH: kStringMaxLength },
  INSPECT_MAX_BYTES,
  atob: globalThis.atob,
  btoa: globalThis.btoa,
  Blob: globalThis.Blob,
  File: globalThis.File,
  isUtf8,
  isAscii,
};
