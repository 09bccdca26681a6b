// Deep equality for assert.deepEqual / deepStrictEqual and
// util.isDeepStrictEqual, following Node's documented rules.
"use strict";
const types = require("internal/types");

const tag = (v) => Object.prototype.toString.call(v);

function ownKeys(v, strict) {
  const keys = Object.keys(v);
  if (!strict) return keys;
  for (const s of Object.getOwnPropertySymbols(v)) {
    if (Object.prototype.propertyIsEnumerable.call(v, s)) keys.push(s);
  }
  return keys;
}

function primitiveEqual(a, b, strict) {
  if (strict) return Object.is(a, b);
  // Loose: ==, and NaN equals NaN.
  return a == b || (a !== a && b !== b); // eslint-disable-line eqeqeq
}

function isDeepEqual(a, b, strict, memo) {
  if (a === b) return a !== 0 || !strict || Object.is(a, b);
  const ta = typeof a, tb = typeof b;
  if (ta !== "object" || tb !== "object" || a === null || b === null) {
    if ((ta === "object" && a !== null) || (tb === "object" && b !== null)) return false;
    if (ta === "function" || tb === "function") return false;
    return primitiveEqual(a, b, strict);
  }
  if (strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (tag(a) !== tag(b)) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (types.isDate(a)) {
    if (!types.isDate(b) || a.getTime() !== b.getTime()) return false;
  } else if (a instanceof RegExp) {
    if (!(b instanceof RegExp) || a.source !== b.source || a.flags !== b.flags || a.lastIndex !== b.lastIndex) return false;
  } else if (a instanceof Error) {
    if (!(b instanceof Error) || a.message !== b.message || a.name !== b.name) return false;
  } else if (ArrayBuffer.isView(a)) {
    if (!ArrayBuffer.isView(b)) return false;
    if (types.isTypedArray(a) && !strict && !(a instanceof Float32Array) && !(a instanceof Float64Array)) {
      if (!bytesEqual(a, b)) return false;
    } else if (a.length !== b.length || a.byteLength !== b.byteLength) return false;
    else if (types.isTypedArray(a)) {
      for (let i = 0; i < a.length; i++) if (!primitiveEqual(a[i], b[i], strict)) return false;
    } else if (!bytesEqual(a, b)) return false;
  } else if (types.isAnyArrayBuffer(a)) {
    if (!types.isAnyArrayBuffer(b) || !bytesEqual(new Uint8Array(a), new Uint8Array(b))) return false;
  } else if (types.isBoxedPrimitive(a)) {
    if (!types.isBoxedPrimitive(b) || !Object.is(a.valueOf(), b.valueOf())) return false;
  }

  if (memo === undefined) memo = { a: new Map(), b: new Map() };
  const seenA = memo.a.get(a);
  if (seenA !== undefined) {
    const seenB = memo.b.get(b);
    if (seenB !== undefined) return seenA === seenB;
  }
  const id = memo.a.size;
  memo.a.set(a, id);
  memo.b.set(b, id);
  const result = compareContents(a, b, strict, memo);
  memo.a.delete(a);
  memo.b.delete(b);
  return result;
}

function bytesEqual(a, b) {
  const x = new Uint8Array(a.buffer || a, a.byteOffset || 0, a.byteLength);
  const y = new Uint8Array(b.buffer || b, b.byteOffset || 0, b.byteLength);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function compareContents(a, b, strict, memo) {
  let ka = ownKeys(a, strict), kb = ownKeys(b, strict);
  if (ArrayBuffer.isView(a)) {
    ka = ka.filter((k) => typeof k !== "string" || !/^\d+$/.test(k));
    kb = kb.filter((k) => typeof k !== "string" || !/^\d+$/.test(k));
  }
  if (ka.length !== kb.length) return false;
  if (Array.isArray(a) && a.length !== b.length) return false;
  for (const k of ka) {
    if (!Object.prototype.propertyIsEnumerable.call(b, k)) return false;
  }
  for (const k of ka) {
    if (!isDeepEqual(a[k], b[k], strict, memo)) return false;
  }
  if (types.isSet(a)) {
    if (!types.isSet(b) || a.size !== b.size) return false;
    return setEqual(a, b, strict, memo);
  }
  if (types.isMap(a)) {
    if (!types.isMap(b) || a.size !== b.size) return false;
    return mapEqual(a, b, strict, memo);
  }
  return true;
}

function setEqual(a, b, strict, memo) {
  const pending = [];
  for (const v of a) {
    if (b.has(v)) continue;
    if (typeof v === "object" && v !== null) pending.push(v);
    else if (strict) return false;
    else pending.push(v);
  }
  if (pending.length === 0) return true;
  const candidates = [];
  for (const v of b) if (!a.has(v)) candidates.push(v);
  for (const v of pending) {
    const i = candidates.findIndex((c) => isDeepEqual(v, c, strict, memo));
    if (i < 0) return false;
    candidates.splice(i, 1);
  }
  return true;
}

function mapEqual(a, b, strict, memo) {
  const pending = [];
  for (const [k, v] of a) {
    if (b.has(k)) {
      if (!isDeepEqual(v, b.get(k), strict, memo)) return false;
    } else if (typeof k === "object" && k !== null || !strict) pending.push([k, v]);
    else return false;
  }
  if (pending.length === 0) return true;
  const candidates = [];
  for (const [k, v] of b) if (!a.has(k)) candidates.push([k, v]);
  for (const [k, v] of pending) {
    const i = candidates.findIndex(([ck, cv]) => isDeepEqual(k, ck, strict, memo) && isDeepEqual(v, cv, strict, memo));
    if (i < 0) return false;
    candidates.splice(i, 1);
  }
  return true;
}

module.exports = { isDeepEqual: (a, b, strict) => isDeepEqual(a, b, strict) };
