// The WebAssembly namespace of the JS API (https://webassembly.github.io/spec/js-api/)
// over Go ops; wazero compiles and runs the code (see doc.go for what differs
// from browsers and workerd).
(function (verge) {
  "use strict";
  const { ops } = verge;

  function errorClass(name) {
    const C = class extends Error {};
    Object.defineProperty(C, "name", { value: name });
    Object.defineProperty(C.prototype, "name", { value: name, writable: true, configurable: true });
    return C;
  }
  const CompileError = errorClass("CompileError");
  const LinkError = errorClass("LinkError");
  const RuntimeError = errorClass("RuntimeError");
  const errorClasses = { __proto__: null, CompileError, LinkError, RuntimeError };

  // pending holds what an import threw while WebAssembly ran. Go unwinds
  // the guest and fails the call with WebAssemblyImportThrew; the export
  // call then rethrows the value itself, as the JS API specifies.
  let pending = null;

  // translate turns an op's error into what the JS API throws.
  function translate(e) {
    if (e !== null && typeof e === "object") {
      if (e.name === "WebAssemblyImportThrew" && pending !== null) {
        const p = pending;
        pending = null;
        return p.value;
      }
      const C = errorClasses[e.name];
      if (C !== undefined && !(e instanceof C)) return new C(e.message);
    }
    return e;
  }

  function wrapImport(f) {
    return (...args) => {
      try {
        return f(...args);
      } catch (e) {
        pending = { value: e };
        throw e;
      }
    };
  }

  // constructing carries Go's data into the constructors of objects that
  // Verge creates itself (a shipped Module, an instance's exports).
  let constructing = null;
  function internal(C, data) {
    constructing = data;
    try {
      return new C();
    } finally {
      constructing = null;
    }
  }
  function takeInternal() {
    const data = constructing;
    constructing = null;
    return data;
  }

  // Go resources (compiled modules, instances) come with a handle: an
  // object whose collection releases the resource at once, so memory the
  // script dropped can be reclaimed by running the collector.
  let moduleId, moduleInfo;
  class Module {
    #id;
    #handle;
    #info = null;
    constructor(bytes) {
      let r;
      if (constructing !== null && constructing.shipped !== undefined) {
        r = takeInternal().shipped;
      } else {
        if (arguments.length < 1) throw new TypeError("WebAssembly.Module(): Argument 0 must be a buffer source");
        try {
          r = ops.wasm_compile(bytes);
        } catch (e) {
          throw translate(e);
        }
      }
      [this.#id, this.#handle] = r;
    }
    static exports(module) {
      return moduleInfo(module).exports.map(({ name, kind }) => ({ name, kind }));
    }
    static imports(module) {
      return moduleInfo(module).imports.map(({ module, name, kind }) => ({ module, name, kind }));
    }
    static customSections(module, sectionName) {
      const id = moduleId(module);
      if (arguments.length < 2) throw new TypeError("WebAssembly.Module.customSections(): Argument 1 is required");
      return ops.wasm_custom_sections(id, String(sectionName));
    }
    static {
      moduleId = (m) => {
        if (m === null || typeof m !== "object" || !(#id in m)) throw new TypeError("Argument 0 must be a WebAssembly.Module");
        return m.#id;
      };
      moduleInfo = (m) => {
        moduleId(m);
        return (m.#info ??= ops.wasm_module_info(m.#id));
      };
    }
  }

  // readImports looks up every import, in order, as the JS API's "read the
  // imports" does, and returns the functions, what Go needs for the other
  // imports (see opInstantiate) and the Memory and Global objects imported,
  // which the instance's exports reuse.
  function readImports(imports, importObject) {
    if (importObject === undefined) {
      if (imports.length > 0) throw new TypeError("WebAssembly.Instance(): Imports argument must be present and must be an object");
    } else if (importObject === null || typeof importObject !== "object") {
      throw new TypeError("WebAssembly.Instance(): Argument 1 must be an object");
    }
    const fns = [], others = [], globals = [];
    let memory;
    imports.forEach(({ module, name, kind, type, mutable }, i) => {
      const ns = importObject[module];
      if (ns === null || (typeof ns !== "object" && typeof ns !== "function")) {
        throw new TypeError(`WebAssembly.Instance(): Import #${i} "${module}": module is not an object or function`);
      }
      const v = ns[name];
      const fail = (msg) => new LinkError(`WebAssembly.Instance(): Import #${i} "${module}" "${name}": ${msg}`);
      switch (kind) {
        case "function":
          if (typeof v !== "function") throw fail("function import requires a callable");
          fns.push(wrapImport(v));
          break;
        case "memory":
          if (!isMemory(v)) throw fail("memory import must be a WebAssembly.Memory object");
          others.push(memoryId(v));
          memory = v;
          break;
        case "global": {
          let g = v;
          if (!isGlobal(v)) {
            if (mutable) throw fail("imported mutable global must be a WebAssembly.Global object");
            if (!((typeof v === "number" && numberTypes.has(type)) || (typeof v === "bigint" && type === "i64"))) {
              throw fail(valueTypes[type]
                ? "global import must be a number, valid Wasm reference, or WebAssembly.Global object"
                : `importing a global of type ${type} is not supported by Verge`);
            }
            g = new Global({ value: type }, v);
          }
          others.push(globalRef(g));
          globals.push(g);
          break;
        }
        case "table":
          if (!(v instanceof Table)) throw fail("table import requires a WebAssembly.Table");
          throw fail("importing a table is not supported by Verge");
        default:
          throw fail(`importing a ${kind} is not supported by Verge`);
      }
    });
    return { fns, others, memory, globals };
  }

  function exportedFunction(handle, d, fns) {
    const slot = d.slot;
    // An arrow function: exported functions are not constructors.
    const f = (...args) => {
      try {
        return ops.wasm_call(handle.id, slot, fns, ...args);
      } catch (e) {
        throw translate(e);
      }
    };
    Object.defineProperty(f, "name", { value: String(d.index) });
    Object.defineProperty(f, "length", { value: d.params });
    return f;
  }

  class Instance {
    #handle;
    #exports;
    constructor(module, importObject) {
      const id = moduleId(module);
      const imported = readImports(moduleInfo(module).imports, importObject);
      const fns = imported.fns;
      let r, keep;
      try {
        [r, keep] = ops.wasm_instantiate(id, fns, imported.others);
      } catch (e) {
        throw translate(e);
      }
      // The Instance and everything exported from it hold the handle.
      const handle = { id: r.id, keep };
      this.#handle = handle;
      const exports = Object.create(null);
      const funcs = [], globals = [];
      let memory = imported.memory;
      for (const d of r.exports) {
        switch (d.kind) {
          case "function":
            exports[d.name] = funcs[d.slot] ??= exportedFunction(handle, d, fns);
            break;
          case "memory":
            // An imported memory is exported as the same object.
            exports[d.name] = memory ??= internal(Memory, { handle });
            break;
          case "global":
            exports[d.name] = globals[d.slot] ??= d.index < imported.globals.length
              ? imported.globals[d.index]
              : internal(Global, { handle, slot: d.slot, mutable: d.mutable === true });
            break;
          case "table":
            exports[d.name] = internal(Table, { handle });
            break;
        }
      }
      this.#exports = Object.freeze(exports);
    }
    get exports() {
      if (!(#exports in this)) throw new TypeError("Illegal invocation");
      return this.#exports;
    }
  }

  // enforceRange is WebIDL's [EnforceRange] unsigned long, with V8's
  // messages.
  function enforceRange(v, what) {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new TypeError(`${what} must be convertible to a valid number`);
    if (n < 0) throw new TypeError(`${what} must be non-negative`);
    if (n > 0xffffffff) throw new TypeError(`${what} must be in the unsigned long range`);
    return Math.trunc(n);
  }

  // limits reads the initial and maximum of a Memory or Table descriptor.
  function limits(descriptor, what, upper) {
    const property = (name) => {
      const v = descriptor[name];
      if (v === undefined) return undefined;
      const n = enforceRange(v, `${what}: Property '${name}'`);
      if (n > upper) throw new RangeError(`${what}: Property '${name}': value ${n} is above the upper bound ${upper}`);
      return n;
    };
    const initial = property("initial");
    if (initial === undefined) throw new TypeError(`${what}: Property 'initial' is required`);
    const maximum = property("maximum");
    if (maximum !== undefined && maximum < initial) {
      throw new RangeError(`${what}: Property 'maximum': value ${maximum} is below the lower bound ${initial}`);
    }
    return [initial, maximum];
  }

  // A Memory refers to its Go resource: the instance that defines the
  // memory, or the memory a Memory made by the script owns.
  let isMemory, memoryId;
  class Memory {
    #handle;
    constructor(descriptor) {
      if (constructing !== null && constructing.handle !== undefined) {
        this.#handle = takeInternal().handle;
        return;
      }
      if (descriptor === null || typeof descriptor !== "object") {
        throw new TypeError("WebAssembly.Memory(): Argument 0 must be a memory descriptor");
      }
      const [initial, maximum] = limits(descriptor, "WebAssembly.Memory()", 65536);
      if (descriptor.shared) {
        if (maximum === undefined) throw new TypeError("WebAssembly.Memory(): If shared is true, maximum property should be defined.");
        throw new TypeError("WebAssembly.Memory(): shared memories are not supported by Verge");
      }
      try {
        const [id, keep] = ops.wasm_memory_new(initial, maximum ?? -1);
        this.#handle = { id, keep };
      } catch (e) {
        throw translate(e);
      }
    }
    get buffer() {
      if (!(#handle in this)) throw new TypeError("Illegal invocation");
      try {
        return ops.wasm_memory_buffer(this.#handle.id);
      } catch (e) {
        throw translate(e);
      }
    }
    grow(delta) {
      if (!(#handle in this)) throw new TypeError("Illegal invocation");
      const pages = enforceRange(delta, "WebAssembly.Memory.grow(): Argument 0");
      try {
        return ops.wasm_memory_grow(this.#handle.id, pages);
      } catch (e) {
        throw translate(e);
      }
    }
    static {
      isMemory = (v) => v !== null && typeof v === "object" && #handle in v;
      memoryId = (v) => v.#handle.id;
    }
  }

  // The value types a Global may have; Verge supports the number types.
  const valueTypes = { __proto__: null, i32: true, i64: true, f32: true, f64: true, v128: false, externref: false, anyfunc: false, funcref: false };
  const numberTypes = new Set(["i32", "f32", "f64"]);

  // A Global refers to a global slot of its Go resource: an instance's
  // exported global, or the global a Global made by the script owns.
  let isGlobal, globalRef;
  class Global {
    #handle;
    #slot;
    #mutable;
    constructor(descriptor, v) {
      if (constructing !== null && constructing.slot !== undefined) {
        const { handle, slot, mutable } = takeInternal();
        this.#handle = handle;
        this.#slot = slot;
        this.#mutable = mutable;
        return;
      }
      if (descriptor === null || typeof descriptor !== "object") {
        throw new TypeError("WebAssembly.Global(): Argument 0 must be a global descriptor");
      }
      const mutable = Boolean(descriptor.mutable);
      const type = String(descriptor.value);
      if (valueTypes[type] === undefined || type === "v128") {
        throw new TypeError("WebAssembly.Global(): Descriptor property 'value' must be a WebAssembly type");
      }
      if (!valueTypes[type]) throw new TypeError(`WebAssembly.Global(): globals of type ${type} are not supported by Verge`);
      try {
        const [id, keep] = ops.wasm_global_new(type, mutable, v);
        this.#handle = { id, keep };
      } catch (e) {
        throw translate(e);
      }
      this.#slot = 0;
      this.#mutable = mutable;
    }
    get value() {
      if (!(#handle in this)) throw new TypeError("Illegal invocation");
      try {
        return ops.wasm_global_get(this.#handle.id, this.#slot);
      } catch (e) {
        throw translate(e);
      }
    }
    set value(v) {
      if (!(#handle in this)) throw new TypeError("Illegal invocation");
      if (!this.#mutable) throw new TypeError("set WebAssembly.Global.value: Can't set the value of an immutable global.");
      try {
        ops.wasm_global_set(this.#handle.id, this.#slot, v);
      } catch (e) {
        throw translate(e);
      }
    }
    valueOf() {
      return this.value;
    }
    static {
      isGlobal = (v) => v !== null && typeof v === "object" && #handle in v;
      globalRef = (v) => [v.#handle.id, v.#slot];
    }
  }

  // Tables are exported as objects so that instance.exports lists every
  // export, but Verge cannot read, change or make them (see doc.go).
  class Table {
    #handle;
    constructor() {
      if (constructing === null || constructing.handle === undefined) {
        throw new TypeError("WebAssembly.Table(): Verge makes Table objects only for an instance's exports (the constructor, used to make imports, is not supported)");
      }
      this.#handle = takeInternal().handle;
    }
    get length() {
      throw new TypeError("WebAssembly.Table is not supported by Verge");
    }
    get() {
      throw new TypeError("WebAssembly.Table is not supported by Verge");
    }
    set() {
      throw new TypeError("WebAssembly.Table is not supported by Verge");
    }
    grow() {
      throw new TypeError("WebAssembly.Table is not supported by Verge");
    }
  }

  for (const [C, name] of [[Module, "Module"], [Instance, "Instance"], [Memory, "Memory"], [Global, "Global"], [Table, "Table"]]) {
    Object.defineProperty(C.prototype, Symbol.toStringTag, { value: "WebAssembly." + name, configurable: true });
  }

  function isModule(v) {
    try {
      moduleId(v);
      return true;
    } catch {
      return false;
    }
  }

  const WebAssembly = {
    Module, Instance, Memory, Table, Global, CompileError, LinkError, RuntimeError,
    validate(bytes) {
      if (arguments.length < 1) throw new TypeError("WebAssembly.validate(): Argument 0 must be a buffer source");
      return ops.wasm_validate(bytes);
    },
    async compile(bytes) {
      return new Module(bytes);
    },
    // instantiate(module, imports) gives an Instance; instantiate(bytes,
    // imports) gives { module, instance }.
    async instantiate(source, importObject) {
      if (isModule(source)) return new Instance(source, importObject);
      const module = new Module(source);
      return { module, instance: new Instance(module, importObject) };
    },
  };
  Object.defineProperty(WebAssembly, Symbol.toStringTag, { value: "WebAssembly", configurable: true });
  verge.expose({ WebAssembly });

  // __verge_wasm is what a bundle's `import mod from "./x.wasm"` compiles to
  // (see package bundle): the Module of a .wasm file shipped with the worker.
  Object.defineProperty(globalThis, "__verge_wasm", {
    value: (name, hash) => internal(Module, { shipped: ops.wasm_shipped(String(name), String(hash)) }),
    configurable: false, writable: false, enumerable: false,
  });
})(globalThis.__verge);
