// structuredClone (HTML §2.7): StructuredSerializeWithTransfer and
// StructuredDeserializeWithTransfer done in one walk, since both sides are
// in the same VM. Identity (shared references and cycles) is kept through
// a memory Map from original to copy.
(function (verge) {
  "use strict";
  const { internals, ops } = verge;
  const DOMException = globalThis.DOMException;
  const domexception = internals.domexception;
  const platformPrototypes = (internals.platformPrototypes ??= new WeakSet());

  const objectToString = Object.prototype.toString;
  const getProto = Object.getPrototypeOf;
  const ObjectPrototype = Object.prototype;
  const TypedArray = getProto(Uint8Array);
  const typedArrayTag = Object.getOwnPropertyDescriptor(TypedArray.prototype, Symbol.toStringTag).get;
  const abByteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength").get;
  const abDetached = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "detached")?.get;
  const abResizable = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "resizable")?.get;
  const abMaxByteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "maxByteLength")?.get;
  const abSlice = ArrayBuffer.prototype.slice;
  const abTransfer = ArrayBuffer.prototype.transfer;
  const SAB = typeof SharedArrayBuffer === "function" ? SharedArrayBuffer : undefined;
  const sabByteLength = SAB && Object.getOwnPropertyDescriptor(SAB.prototype, "byteLength").get;
  const dvBuffer = Object.getOwnPropertyDescriptor(DataView.prototype, "buffer").get;
  const dvOffset = Object.getOwnPropertyDescriptor(DataView.prototype, "byteOffset").get;
  const dvLength = Object.getOwnPropertyDescriptor(DataView.prototype, "byteLength").get;
  const taBuffer = Object.getOwnPropertyDescriptor(TypedArray.prototype, "buffer").get;
  const taOffset = Object.getOwnPropertyDescriptor(TypedArray.prototype, "byteOffset").get;
  const taLength = Object.getOwnPropertyDescriptor(TypedArray.prototype, "length").get;
  const dateValue = Date.prototype.valueOf;
  const regexpSource = Object.getOwnPropertyDescriptor(RegExp.prototype, "source").get;
  const regexpFlags = Object.getOwnPropertyDescriptor(RegExp.prototype, "flags").get;
  const mapEntries = Map.prototype.entries;
  const mapSize = Object.getOwnPropertyDescriptor(Map.prototype, "size").get;
  const setValues = Set.prototype.values;
  const setSize = Object.getOwnPropertyDescriptor(Set.prototype, "size").get;
  const booleanValue = Boolean.prototype.valueOf;
  const numberValue = Number.prototype.valueOf;
  const stringValue = String.prototype.valueOf;
  const bigintValue = typeof BigInt === "function" ? BigInt.prototype.valueOf : undefined;
  const TYPED_ARRAYS = Object.create(null);
  for (const C of [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
    Float32Array, Float64Array, globalThis.BigInt64Array, globalThis.BigUint64Array, globalThis.Float16Array]) {
    if (typeof C === "function") TYPED_ARRAYS[C.name] = C;
  }
  const hasOwn = Object.prototype.hasOwnProperty;
  const ERROR_NAMES = new Set(["Error", "EvalError", "RangeError", "ReferenceError", "SyntaxError", "TypeError", "URIError"]);
  const ERROR_CTORS = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };
  // Objects with internal slots that cannot be serialized.
  const UNCLONABLE_TAGS = new Set([
    "WeakMap", "WeakSet", "WeakRef", "FinalizationRegistry", "Promise", "Generator", "AsyncGenerator",
    "Array Iterator", "Map Iterator", "Set Iterator", "String Iterator", "RegExp String Iterator",
    "Iterator Helper", "Arguments", "Module",
  ]);

  // dataCloneError: a DOMException, or an Error named DataCloneError in a
  // VM without the events area.
  function dataCloneError(message) {
    if (typeof DOMException === "function") return new DOMException(message, "DataCloneError");
    const e = new Error(message);
    e.name = "DataCloneError";
    return e;
  }

  function cloneError(what) {
    return dataCloneError(`${what} could not be cloned.`);
  }

  // describe: a short, safe rendering of a value for error messages.
  function describe(v) {
    try {
      if (typeof v === "symbol") return v.toString();
      if (typeof v === "function") {
        const s = Function.prototype.toString.call(v);
        return s.length > 60 ? s.slice(0, 57) + "..." : s;
      }
      const ctor = v?.constructor?.name;
      return typeof ctor === "string" && ctor !== "" ? `#<${ctor}>` : "#<Object>";
    } catch {
      return "#<Object>";
    }
  }

  // brand runs a brand-checking getter; false when v lacks the slot.
  function brand(getter, v) {
    try {
      getter.call(v);
      return true;
    } catch {
      return false;
    }
  }

  function isDetached(ab) {
    if (abDetached !== undefined) return abDetached.call(ab);
    return false;
  }

  function copyArrayBuffer(ab) {
    if (isDetached(ab)) throw cloneError("An ArrayBuffer is detached and");
    if (abResizable !== undefined && abResizable.call(ab)) {
      const len = abByteLength.call(ab);
      const out = new ArrayBuffer(len, { maxByteLength: abMaxByteLength.call(ab) });
      new Uint8Array(out).set(new Uint8Array(ab, 0, len));
      return out;
    }
    return abSlice.call(ab, 0);
  }

  // detach detaches a transferred ArrayBuffer.
  function detach(ab) {
    if (typeof ops.detach_buffer === "function") ops.detach_buffer(ab);
    else abTransfer.call(ab);
  }

  function clone(value, memory) {
    const type = typeof value;
    if (type !== "object" && type !== "function") {
      if (type === "symbol") throw cloneError(describe(value));
      return value; // undefined, null, boolean, number, bigint, string
    }
    if (value === null) return null;
    if (type === "function") throw cloneError(describe(value));
    const seen = memory.get(value);
    if (seen !== undefined) return seen;

    const proto = getProto(value);
    // Fast paths: plain objects and arrays.
    if (proto === ObjectPrototype) {
      const tag = objectToString.call(value);
      if (tag === "[object Object]") return clonePlain(value, {}, memory);
    } else if (Array.isArray(value) && proto === Array.prototype) {
      return clonePlain(value, new Array(value.length), memory);
    }

    // Typed arrays and DataViews ([[ViewedArrayBuffer]]).
    if (ArrayBuffer.isView(value)) {
      const name = typedArrayTag.call(value);
      if (name !== undefined) {
        const buffer = cloneBuffer(taBuffer.call(value), memory);
        const out = new TYPED_ARRAYS[name](buffer, taOffset.call(value), taLength.call(value));
        memory.set(value, out);
        return out;
      }
      const buffer = cloneBuffer(dvBuffer.call(value), memory);
      const out = new DataView(buffer, dvOffset.call(value), dvLength.call(value));
      memory.set(value, out);
      return out;
    }

    // Platform objects.
    // Blob loads lazily, maybe after this area: look it up each time.
    const blob = internals.blob;
    if (blob !== undefined && blob.isBlob(value)) {
      const bytes = blob.bytesOf(value);
      const out = blob.isFile(value)
        ? blob.createFile(bytes, value.name, value.type, value.lastModified)
        : blob.create(bytes, value.type);
      memory.set(value, out);
      return out;
    }
    if (domexception !== undefined && domexception.is(value)) {
      const { name, message } = domexception.parts(value);
      const out = new DOMException(message, name);
      copyStack(value, out);
      memory.set(value, out);
      return out;
    }

    const tag = objectToString.call(value).slice(8, -1);
    switch (tag) {
      case "ArrayBuffer":
        if (brand(abByteLength, value)) return cloneBuffer(value, memory);
        break;
      case "SharedArrayBuffer":
        if (SAB !== undefined && brand(sabByteLength, value)) {
          // Shared memory stays shared: the clone is the same buffer.
          memory.set(value, value);
          return value;
        }
        break;
      case "Boolean":
        if (brand(booleanValue, value)) return remember(value, Object(booleanValue.call(value)), memory);
        break;
      case "Number":
        if (brand(numberValue, value)) return remember(value, Object(numberValue.call(value)), memory);
        break;
      case "String":
        if (brand(stringValue, value)) return remember(value, Object(stringValue.call(value)), memory);
        break;
      case "BigInt":
        if (bigintValue !== undefined && brand(bigintValue, value)) return remember(value, Object(bigintValue.call(value)), memory);
        break;
      case "Date":
        if (brand(dateValue, value)) return remember(value, new Date(dateValue.call(value)), memory);
        break;
      case "RegExp":
        if (brand(regexpSource, value) && proto !== null) {
          return remember(value, new RegExp(regexpSource.call(value), regexpFlags.call(value)), memory);
        }
        break;
      case "Map":
        if (brand(mapSize, value)) {
          const out = new Map();
          memory.set(value, out);
          // Serialize a snapshot of the entries, then their contents.
          const entries = Array.from(mapEntries.call(value));
          for (const [k, v] of entries) out.set(clone(k, memory), clone(v, memory));
          return out;
        }
        break;
      case "Set":
        if (brand(setSize, value)) {
          const out = new Set();
          memory.set(value, out);
          const values = Array.from(setValues.call(value));
          for (const v of values) out.add(clone(v, memory));
          return out;
        }
        break;
      case "Error":
        return cloneErrorObject(value, memory);
      case "Array":
        if (Array.isArray(value)) return clonePlain(value, new Array(value.length), memory);
        break;
    }
    if (UNCLONABLE_TAGS.has(tag)) throw cloneError(describe(value));
    // A platform object that is not serializable (Headers, Request,
    // ReadableStream, AbortSignal, ...).
    for (let p = proto; p !== null; p = getProto(p)) {
      if (platformPrototypes.has(p)) throw cloneError(describe(value));
    }
    return clonePlain(value, {}, memory);
  }

  function remember(from, to, memory) {
    memory.set(from, to);
    return to;
  }

  function cloneBuffer(ab, memory) {
    const seen = memory.get(ab);
    if (seen !== undefined) return seen;
    if (SAB !== undefined && brand(sabByteLength, ab)) {
      memory.set(ab, ab);
      return ab;
    }
    const out = copyArrayBuffer(ab);
    memory.set(ab, out);
    return out;
  }

  // clonePlain copies own enumerable string-keyed properties (for arrays,
  // the index properties and any others), taking the keys first as
  // EnumerableOwnProperties does.
  function clonePlain(value, out, memory) {
    memory.set(value, out);
    const keys = Object.keys(value);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (!hasOwn.call(value, k)) continue; // a getter deleted it
      const v = clone(value[k], memory);
      if (k === "__proto__") Object.defineProperty(out, k, { value: v, writable: true, enumerable: true, configurable: true });
      else out[k] = v;
    }
    return out;
  }

  function cloneErrorObject(value, memory) {
    let name = value.name;
    name = ERROR_NAMES.has(name) ? name : "Error";
    const msgDesc = Reflect.getOwnPropertyDescriptor(value, "message");
    const message = msgDesc !== undefined && "value" in msgDesc ? String(msgDesc.value) : undefined;
    const Ctor = ERROR_CTORS[name];
    const out = message === undefined ? new Ctor() : new Ctor(message);
    memory.set(value, out);
    copyStack(value, out);
    const causeDesc = Reflect.getOwnPropertyDescriptor(value, "cause");
    if (causeDesc !== undefined && "value" in causeDesc) {
      Object.defineProperty(out, "cause", { value: clone(causeDesc.value, memory), writable: true, enumerable: false, configurable: true });
    }
    return out;
  }

  function copyStack(from, to) {
    const desc = Reflect.getOwnPropertyDescriptor(from, "stack");
    if (desc !== undefined && "value" in desc && typeof desc.value === "string") {
      Object.defineProperty(to, "stack", { value: desc.value, writable: true, enumerable: false, configurable: true });
    }
  }

  // structuredClone(value, {transfer}) -> the clone.
  function structuredCloneImpl(value, transfer) {
    const memory = new Map();
    const buffers = [];
    for (let i = 0; i < transfer.length; i++) {
      const t = transfer[i];
      if (!brand(abByteLength, t)) {
        throw dataCloneError(`Value at index ${i} does not have a transferable type.`);
      }
      if (memory.has(t)) {
        throw dataCloneError(`ArrayBuffer at index ${i} is a duplicate of an earlier ArrayBuffer. Duplicates are not allowed in a transfer list.`);
      }
      if (isDetached(t)) {
        throw dataCloneError(`ArrayBuffer at index ${i} is already detached.`);
      }
      // The clone gets the contents; the original is detached only once
      // the whole value has been cloned (a failure detaches nothing).
      memory.set(t, copyArrayBuffer(t));
      buffers.push(t);
    }
    const out = clone(value, memory);
    for (const t of buffers) detach(t);
    return out;
  }

  // A method, so that it has no prototype property and cannot be new-ed,
  // like the WebIDL operation.
  const { structuredClone } = {
    structuredClone(value, options = undefined) {
      if (arguments.length < 1) {
        throw new TypeError("Failed to execute 'structuredClone': 1 argument required, but only 0 present.");
      }
      let transfer = [];
      if (options !== undefined && options !== null) {
        if (typeof options !== "object" && typeof options !== "function") {
          throw new TypeError("Failed to execute 'structuredClone': The provided value is not of type 'StructuredSerializeOptions'.");
        }
        const t = options.transfer;
        if (t !== undefined) {
          if (t === null || typeof t !== "object" || typeof t[Symbol.iterator] !== "function") {
            throw new TypeError("Failed to execute 'structuredClone': The provided value cannot be converted to a sequence.");
          }
          transfer = [];
          for (const x of t) {
            if (x === null || (typeof x !== "object" && typeof x !== "function")) {
              throw new TypeError("Failed to execute 'structuredClone': Failed to convert value to 'object'.");
            }
            transfer.push(x);
          }
        }
      }
      return structuredCloneImpl(value, transfer);
    },
  };

  verge.expose({ structuredClone });
  internals.structuredclone = {
    // clone(value, transfer = []) is structuredClone without the argument
    // conversion.
    clone: (value, transfer = []) => structuredCloneImpl(value, transfer),
  };
})(globalThis.__verge);
