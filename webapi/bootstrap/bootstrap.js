// bootstrap.js runs first in every VM. It creates the private object that the
// Web API scripts share (`globalThis.__verge`) and the helpers they use to
// define globals. The last prelude script (finish.js) deletes the global, so
// worker code never sees the ops or the internals.
(function () {
  "use strict";
  const loaders = new Map(); // lazy area -> its loader (see lazy)
  const verge = {
    // ops: Go functions, filled in by the engine before any script runs
    // (verge.ops.name(...args)). Missing ops are undefined.
    ops: globalThis.__verge_ops || {},
    // internals: what one Web API file shares with another (never exposed).
    internals: Object.create(null),
    // expose defines globals the way WebIDL does: writable, configurable,
    // not enumerable.
    expose(obj) {
      for (const key of Object.keys(obj)) {
        Object.defineProperty(globalThis, key, {
          value: obj[key], writable: true, configurable: true, enumerable: false,
        });
      }
    },
    // privateState makes a store of internal state for objects, with
    // WeakMap's get and set (set once per object). QuickJS keeps a dead
    // WeakMap entry and its value until the next cycle collection, so a
    // Request or Response kept there made ~700 bytes of garbage that only
    // a full GC frees; a private field goes with its object.
    privateState() {
      class Base {
        constructor(o) { return o; }
      }
      let get;
      class Stamp extends Base {
        #state;
        constructor(o, state) {
          super(o);
          this.#state = state;
        }
        static {
          get = (o) => (o !== null && typeof o === "object" && #state in o ? o.#state : undefined);
        }
      }
      return { get, set: (o, state) => void new Stamp(o, state) };
    },
    // exposeGetter defines an accessor global (for example `crypto`).
    exposeGetter(name, get) {
      Object.defineProperty(globalThis, name, { get, configurable: true, enumerable: true });
    },
    // lazy defines the globals of an area that loads on first touch
    // (engine.Extension.Lazy): reading one runs the area's scripts, which
    // define them all. A global that worker code replaced or deleted
    // before that stays as the worker left it.
    // load loads a lazy area now, for an area whose code needs another's
    // internals (formdata needs blob's); it does nothing for an area that
    // is loaded already or not lazy.
    load(area) {
      loaders.get(area)?.();
    },
    lazy(area, names) {
      let loaded = false;
      const getters = new Map();
      const load = () => {
        if (loaded) return;
        loaded = true;
        loaders.delete(area);
        const kept = [];
        for (const name of names) {
          const d = Object.getOwnPropertyDescriptor(globalThis, name);
          if (d !== undefined && d.get === getters.get(name)) delete globalThis[name];
          else kept.push([name, d]);
        }
        Object.defineProperty(globalThis, "__verge", { value: verge, configurable: true });
        try {
          verge.ops.load_extension(area);
        } finally {
          delete globalThis.__verge;
          for (const [name, d] of kept) {
            if (d === undefined) delete globalThis[name];
            else Object.defineProperty(globalThis, name, d);
          }
        }
      };
      loaders.set(area, load);
      for (const name of names) {
        const get = () => { load(); return globalThis[name]; };
        getters.set(name, get);
        Object.defineProperty(globalThis, name, {
          get,
          set(value) { Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false }); },
          configurable: true, enumerable: false,
        });
      }
    },
  };
  delete globalThis.__verge_ops;
  Object.defineProperty(globalThis, "__verge", { value: verge, configurable: true, writable: false, enumerable: false });
})();
