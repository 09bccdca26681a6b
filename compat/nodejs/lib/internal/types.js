// util.types: brand checks by what JavaScript can see from inside.
"use strict";

const tag = (v) => Object.prototype.toString.call(v).slice(8, -1);
const TypedArray = Object.getPrototypeOf(Uint8Array);
const typedArrayTag = Object.getOwnPropertyDescriptor(TypedArray.prototype, Symbol.toStringTag).get;
const AsyncFunction = (async function () {}).constructor;
const GeneratorFunction = function* () {}.constructor;
const AsyncGeneratorFunction = async function* () {}.constructor;

const brand = (method) => (v) => {
  if (v === null || typeof v !== "object") return false;
  try {
    method.call(v);
    return true;
  } catch {
    return false;
  }
};

const isTypedArray = (v) => typedArrayTag.call(v) !== undefined;
const typedIs = (name) => (v) => typedArrayTag.call(v) === name;

module.exports = {
  isDate: brand(Date.prototype.getTime),
  isRegExp: (v) => v instanceof RegExp || tag(v) === "RegExp",
  isMap: brand(Object.getOwnPropertyDescriptor(Map.prototype, "size").get),
  isSet: brand(Object.getOwnPropertyDescriptor(Set.prototype, "size").get),
  isWeakMap: (v) => v instanceof WeakMap,
  isWeakSet: (v) => v instanceof WeakSet,
  isPromise: (v) => v instanceof Promise,
  isProxy: () => false,
  isArrayBuffer: brand(Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength").get),
  isSharedArrayBuffer: (v) => typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer,
  isAnyArrayBuffer: (v) => v instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer),
  isArrayBufferView: (v) => ArrayBuffer.isView(v),
  isDataView: (v) => v instanceof DataView,
  isTypedArray,
  isUint8Array: typedIs("Uint8Array"),
  isUint8ClampedArray: typedIs("Uint8ClampedArray"),
  isUint16Array: typedIs("Uint16Array"),
  isUint32Array: typedIs("Uint32Array"),
  isInt8Array: typedIs("Int8Array"),
  isInt16Array: typedIs("Int16Array"),
  isInt32Array: typedIs("Int32Array"),
  isFloat32Array: typedIs("Float32Array"),
  isFloat64Array: typedIs("Float64Array"),
  isBigInt64Array: typedIs("BigInt64Array"),
  isBigUint64Array: typedIs("BigUint64Array"),
  isAsyncFunction: (v) => v instanceof AsyncFunction || v instanceof AsyncGeneratorFunction,
  isGeneratorFunction: (v) => v instanceof GeneratorFunction || v instanceof AsyncGeneratorFunction,
  isGeneratorObject: (v) => tag(v) === "Generator",
  isNativeError: (v) => v instanceof Error,
  isBoxedPrimitive: (v) => v instanceof Number || v instanceof String || v instanceof Boolean || v instanceof BigInt || v instanceof Symbol,
  isNumberObject: (v) => v instanceof Number,
  isStringObject: (v) => v instanceof String,
  isBooleanObject: (v) => v instanceof Boolean,
  isBigIntObject: (v) => v instanceof BigInt,
  isSymbolObject: (v) => v instanceof Symbol,
  isMapIterator: (v) => tag(v) === "Map Iterator",
  isSetIterator: (v) => tag(v) === "Set Iterator",
  isArgumentsObject: (v) => tag(v) === "Arguments",
  isModuleNamespaceObject: (v) => tag(v) === "Module",
  isWeakRef: (v) => typeof WeakRef !== "undefined" && v instanceof WeakRef,
};
