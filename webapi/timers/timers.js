// Timers: setTimeout, setInterval, clearTimeout, clearInterval and
// queueMicrotask. The schedule lives in Go (the VM's event loop); callbacks
// stay here, keyed by id, so no JS function crosses into Go.
(function (verge) {
  "use strict";
  const { ops } = verge;
  const callbacks = new Map(); // id -> {fn, args, repeat, ms}
  let nextId = 0;

  function fire(id) {
    const t = callbacks.get(id);
    if (!t) return;
    if (t.repeat) {
      t.goId = ops.timer_start(t.ms, id);
    } else {
      callbacks.delete(id);
    }
    if (typeof t.fn === "function") {
      Reflect.apply(t.fn, globalThis, t.args);
    } else {
      // A string callback would be eval; workers forbid eval of strings.
      throw new TypeError("setTimeout/setInterval callback must be a function");
    }
  }
  ops.timer_init(fire);

  function schedule(fn, ms, args, repeat) {
    ms = Number(ms);
    if (!(ms >= 0) || !Number.isFinite(ms)) ms = 0;
    if (ms > 2147483647) ms = 0; // as browsers: overflow means 0
    if (repeat && ms < 1) ms = 1;
    const id = ++nextId;
    const t = { fn, args, repeat, ms, goId: 0 };
    callbacks.set(id, t);
    t.goId = ops.timer_start(ms, id);
    return id;
  }
  function clear(id) {
    const t = callbacks.get(Number(id));
    if (!t) return;
    callbacks.delete(Number(id));
    ops.timer_cancel(t.goId);
  }

  verge.expose({
    setTimeout(fn, ms = 0, ...args) { return schedule(fn, ms, args, false); },
    setInterval(fn, ms = 0, ...args) { return schedule(fn, ms, args, true); },
    clearTimeout(id) { clear(id); },
    clearInterval(id) { clear(id); },
    queueMicrotask(fn) {
      if (typeof fn !== "function") throw new TypeError("queueMicrotask: callback is not a function");
      Promise.resolve().then(() => fn());
    },
  });
})(globalThis.__verge);
