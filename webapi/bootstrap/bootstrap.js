// bootstrap.js runs first in every VM. It creates the private object that the
// Web API scripts share (`globalThis.__verge`) and the helpers they use to
// define globals. The last prelude script (finish.js) deletes the global, so
// worker code never sees the ops or the internals.
(function () {
  "use strict";
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
    // exposeGetter defines an accessor global (for example `crypto`).
    exposeGetter(name, get) {
      Object.defineProperty(globalThis, name, { get, configurable: true, enumerable: true });
    },
  };
  delete globalThis.__verge_ops;
  Object.defineProperty(globalThis, "__verge", { value: verge, configurable: true, writable: false, enumerable: false });
})();
