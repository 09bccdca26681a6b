// node:util: format, inspect (basic shapes), promisify, types.
import util, { format, inspect, promisify, types, TextEncoder as TE, TextDecoder as TD } from "node:util";
import { Buffer } from "node:buffer";

export default async function run() {
  class Point { constructor() { this.x = 1; this.y = 2; } }
  const circular = { name: "c" };
  circular.self = circular;
  const cbAdd = (a, b, cb) => setTimeout(() => cb(null, a + b), 0);
  const cbFail = (cb) => cb(new Error("nope"));
  function withCustom() {}
  withCustom[promisify.custom] = () => Promise.resolve("custom");
  return {
    format: [
      format("%s is %d years and %i days", "Bob", 42.5, 3.9),
      format("%s", { a: 1 }), format("%s", [1, [2]]), format("%s", null), format("%s", undefined), format("%s", 5n), format("%s", -0),
      format("%d", "12"), format("%d", "x"), format("%i", "12.9"), format("%f", "1.5e2"), format("%j", { a: [1] }), format("%j", circular),
      format("%O", { a: { b: { c: { d: 1 } } } }), format("%%s %s", "x"), format("%s"), format("a", "b", 3, { c: 1 }),
      format("%c%s", "color: red", "styled"), format(1, 2), format("%x %s", 1), format("100%"),
    ],
    inspect: [
      inspect("str"), inspect("it's"), inspect('both \' and "'), inspect(42), inspect(-0), inspect(10n), inspect(null), inspect(undefined), inspect(true), inspect(Symbol("s")),
      inspect([1, 2, 3]), inspect([]), inspect({}), inspect({ a: 1, "b-c": "x", [Symbol("k")]: 2 }), inspect({ a: { b: { c: { d: 1 } } } }), inspect({ a: { b: { c: {} } } }), inspect({ a: { b: {} } }), inspect([[[[1]]]]), inspect({ x: [{ y: [1] }] }),
      inspect(new Map([["k", 1]])), inspect(new Set([1, "a"])), inspect(new Point()), inspect(Object.create(null)), inspect(circular),
      inspect(function named() {}), inspect(() => {}), inspect(class Foo {}), inspect(async function af() {}),
      inspect(new Date(0)), inspect(/x+/g), inspect([1, , 3]), inspect(new Uint8Array([1, 2])), inspect(Buffer.from("hi")), inspect(Buffer.alloc(60)),
      inspect({ [inspect.custom]: () => "CUSTOM" }), inspect({ s: "a\nb" }), inspect("a\nb"), inspect([undefined, null]),
      inspect({ long1: "aaaaaaaaaaaaaaaaaaaa", long2: "bbbbbbbbbbbbbbbbbbbb", long3: "cccccccccccccccccccc", long4: "dddd" }),
      inspect({ a: 1 }, { depth: 0 }), inspect({ a: { b: 1 } }, { depth: 0 }), inspect([[[[1]]]]), inspect(Promise.resolve(1)).startsWith("Promise {"),
    ],
    promisify: [
      await promisify(cbAdd)(2, 3),
      await promisify(cbFail)().catch((e) => "rejected: " + e.message),
      await promisify(withCustom)(),
      typeof promisify.custom,
    ],
    callbackify: await new Promise((resolve) => util.callbackify(async (x) => x * 2)(21, (err, v) => resolve([err, v]))),
    types: [
      types.isDate(new Date()), types.isDate({}), types.isRegExp(/x/), types.isPromise(Promise.resolve()), types.isMap(new Map()), types.isSet(new Set()),
      types.isTypedArray(new Int8Array()), types.isTypedArray([]), types.isUint8Array(Buffer.alloc(1)), types.isUint8Array(new Int8Array()),
      types.isArrayBuffer(new ArrayBuffer(1)), types.isAnyArrayBuffer(new ArrayBuffer(1)), types.isArrayBufferView(new DataView(new ArrayBuffer(1))),
      types.isAsyncFunction(async () => {}), types.isAsyncFunction(() => {}), types.isGeneratorFunction(function* () {}), types.isNativeError(new TypeError()),
      types.isBoxedPrimitive(Object(1)), types.isBoxedPrimitive(1), types.isWeakMap(new WeakMap()), types.isDataView(new DataView(new ArrayBuffer(1))),
    ],
    misc: [
      util.isDeepStrictEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }), util.isDeepStrictEqual([1], ["1"]), util.isArray([]),
      TE === TextEncoder, TD === TextDecoder, new TE().encode("é").length,
      (() => { function A() {} function B() {} util.inherits(A, B); return [new A() instanceof B, A.super_ === B]; })(),
      typeof util.deprecate(() => 1, "old")(), util.inspect.custom === Symbol.for("nodejs.util.inspect.custom"),
    ],
  };
}
