// node:querystring: parse and stringify as Node's, including its lenient
// decoding of malformed percent-escapes.
"use strict";
const { withCode } = require("internal/errors");

const hexValue = (c) => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1);

// unescapeBuffer decodes the %XX escapes that are well formed and keeps
// everything else as it is; with decodeSpaces, "+" is a space.
function unescapeBuffer(s, decodeSpaces) {
  const { Buffer } = require("node:buffer");
  const bytes = Buffer.from(String(s), "utf8");
  const out = Buffer.allocUnsafe(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === 0x25 && i + 2 < bytes.length && hexValue(bytes[i + 1]) >= 0 && hexValue(bytes[i + 2]) >= 0) {
      out[n++] = hexValue(bytes[i + 1]) * 16 + hexValue(bytes[i + 2]);
      i += 2;
    } else if (c === 0x2b && decodeSpaces) {
      out[n++] = 0x20;
    } else {
      out[n++] = c;
    }
  }
  return out.subarray(0, n);
}

function qsUnescape(s, decodeSpaces) {
  try {
    return decodeURIComponent(s);
  } catch {
    return exports.unescapeBuffer(s, decodeSpaces).toString();
  }
}

function qsEscape(str) {
  if (typeof str !== "string") {
    if (typeof str === "object") str = String(str);
    else str += "";
  }
  try {
    return encodeURIComponent(str);
  } catch (e) {
    throw withCode(new URIError("URI malformed"), "ERR_INVALID_URI");
  }
}

function stringifyPrimitive(v) {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return "" + v;
  if (typeof v === "bigint") return "" + v;
  if (typeof v === "boolean") return v ? "true" : "false";
  return "";
}

function encodeValue(v, encode) {
  if (typeof v === "string") return v.length ? encode(v) : "";
  if (typeof v === "number" && Number.isFinite(v)) return Math.abs(v) < 1e21 ? "" + v : encode("" + v);
  if (typeof v === "bigint") return "" + v;
  if (typeof v === "boolean") return v ? "true" : "false";
  return "";
}

function stringify(obj, sep, eq, options) {
  sep = sep || "&";
  eq = eq || "=";
  let encode = qsEscape;
  if (options && typeof options.encodeURIComponent === "function") encode = options.encodeURIComponent;
  if (obj === null || typeof obj !== "object") return "";
  const parts = [];
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    const ks = encode(stringifyPrimitive(k)) + eq;
    if (Array.isArray(v)) {
      for (const item of v) parts.push(ks + encodeValue(item, encode));
    } else {
      parts.push(ks + encodeValue(v, encode));
    }
  }
  return parts.join(sep);
}

function parse(qs, sep, eq, options) {
  const obj = Object.create(null);
  if (typeof qs !== "string" || qs.length === 0) return obj;
  sep = sep ? String(sep) : "&";
  eq = eq ? String(eq) : "=";
  let maxKeys = 1000;
  if (options && typeof options.maxKeys === "number") maxKeys = options.maxKeys;
  const pairs = maxKeys > 0 ? splitLimited(qs, sep, maxKeys) : qs.split(sep);
  let decode = qsUnescape;
  if (options && typeof options.decodeURIComponent === "function") decode = options.decodeURIComponent;
  const decodeOne = (s) => {
    if (s.indexOf("+") >= 0) s = s.replace(/\+/g, " ");
    if (s.indexOf("%") < 0) return s;
    try {
      return decode(s);
    } catch {
      return qsUnescape(s, true);
    }
  };
  for (const pair of pairs) {
    if (pair.length === 0) continue;
    const at = pair.indexOf(eq);
    const k = decodeOne(at >= 0 ? pair.slice(0, at) : pair);
    const v = at >= 0 ? decodeOne(pair.slice(at + eq.length)) : "";
    if (k.length === 0 && v.length === 0 && at < 0) continue;
    const cur = obj[k];
    if (cur === undefined) obj[k] = v;
    else if (Array.isArray(cur)) cur.push(v);
    else obj[k] = [cur, v];
  }
  return obj;
}

// splitLimited splits at sep into at most max pieces, dropping the rest.
function splitLimited(s, sep, max) {
  const out = [];
  let from = 0;
  while (out.length < max) {
    const at = s.indexOf(sep, from);
    if (at < 0) {
      out.push(s.slice(from));
      break;
    }
    out.push(s.slice(from, at));
    from = at + sep.length;
  }
  return out;
}

exports.unescapeBuffer = unescapeBuffer;
exports.unescape = qsUnescape;
exports.escape = qsEscape;
exports.stringify = stringify;
exports.encode = stringify;
exports.parse = parse;
exports.decode = parse;
