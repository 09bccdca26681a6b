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
  // only Verge creates (a shipped Module, an instance's exports).
  let constructing = null;
  function internal(C, data) {
    constructing = data;
    try {
      return new C();
    } finally {
      constructing = null;
    }
  }
  function takeInternal(what) {
    const data = constructing;
    if (data === null) {
      throw new TypeError(`WebAssembly.${what}(): Verge makes ${what} objects only for an instance's exports (the constructor, used to make imports, is not supported)`);
    }
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
        r = takeInternal("Module").shipped;
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

  // readImports looks up every import, in order, and returns the functions.
  function readImports(imports, importObject) {
    if (importObject === undefined) {
      if (imports.length > 0) throw new TypeError("WebAssembly.Instance(): Imports argument must be present and must be an object");
    } else if (importObject === null || typeof importObject !== "object") {
      throw new TypeError("WebAssembly.Instance(): Argument 1 must be an object");
    }
    const fns = [];
    imports.forEach(({ module, name, kind }, i) => {
      const ns = importObject[module];
      if (ns === null || (typeof ns !== "object" && typeof ns !== "function")) {
        throw new TypeError(`WebAssembly.Instance(): Import #${i} "${module}": module is not an object or function`);
      }
      const v = ns[name];
      if (kind !== "function") {
        throw new LinkError(`WebAssembly.Instance(): Import #${i} "${module}" "${name}": importing a ${kind} is not supported by Verge`);
      }
      if (typeof v !== "function") {
        throw new LinkError(`WebAssembly.Instance(): Import #${i} "${module}" "${name}": function import requires a callable`);
      }
      fns.push(wrapImport(v));
    });
    return fns;
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
      const fns = readImports(moduleInfo(module).imports, importObject);
      let r, keep;
      try {
        [r, keep] = ops.wasm_instantiate(id, fns);
      } catch (e) {
        throw translate(e);
      }
      // The Instance and everything exported from it hold the handle.
      const handle = { id: r.id, keep };
      this.#handle = handle;
      const exports = Object.create(null);
      const funcs = [], globals = [];
      let memory;
      for (const d of r.exports) {
        switch (d.kind) {
          case "function":
            exports[d.name] = funcs[d.slot] ??= exportedFunction(handle, d, fns);
            break;
          case "memory":
            exports[d.name] = memory ??= internal(Memory, { handle });
            break;
          case "global":
            exports[d.name] = globals[d.slot] ??= internal(Global, { handle, d });
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

  // enforceRange is WebIDL's [EnforceRange] unsigned long.
  function enforceRange(v, what) {
    const n = Number(v);
    if (!Number.isFinite(n) || Math.trunc(n) < 0 || Math.trunc(n) > 0xffffffff) {
      throw new TypeError(`${what} must be an integer between 0 and 2^32-1`);
    }
    return Math.trunc(n);
  }

  class Memory {
    #handle;
    constructor() {
      this.#handle = takeInternal("Memory").handle;
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
  }

  class Global {
    #handle;
    #slot;
    #mutable;
    constructor() {
      const { handle, d } = takeInternal("Global");
      this.#handle = handle;
      this.#slot = d.slot;
      this.#mutable = d.mutable === true;
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
      if (!this.#mutable) throw new TypeError("WebAssembly.Global: cannot set the value of an immutable global");
      try {
        ops.wasm_global_set(this.#handle.id, this.#slot, v);
      } catch (e) {
        throw translate(e);
      }
    }
    valueOf() {
      return this.value;
    }
  }

  // Tables are exported as objects so that instance.exports lists every
  // export, but Verge cannot read or change them yet.
  class Table {
    #handle;
    constructor() {
      this.#handle = takeInternal("Table").handle;
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
