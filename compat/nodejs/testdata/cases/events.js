// node:events: EventEmitter and its 'error' rules.
import EventEmitter, { once, EventEmitter as Named } from "node:events";
import events from "events";

const err = (f) => {
  try {
    return ["ok", f()];
  } catch (e) {
    return [e.name, e.code || null, e.message];
  }
};

export default async function run() {
  const log = [];
  const e = new EventEmitter();
  const a = (x) => log.push("a" + x);
  const b = (x) => log.push("b" + x);
  e.on("newListener", (name) => log.push("new:" + String(name)));
  e.on("x", a);
  e.once("x", b);
  e.prependListener("x", (x) => log.push("p" + x));
  e.prependOnceListener("x", (x) => log.push("po" + x));
  log.push(e.listenerCount("x"), e.listeners("x").length, e.rawListeners("x").length);
  log.push(e.emit("x", 1), e.emit("x", 2), e.emit("nothing"));
  e.off("x", a);
  log.push(e.listenerCount("x"), e.eventNames().map(String));
  e.removeAllListeners("x");
  log.push(e.listenerCount("x"), e.eventNames().map(String));
  // Removing inside emit does not skip the next listener.
  const f = new EventEmitter();
  const one = () => { log.push("one"); f.off("y", two); };
  const two = () => log.push("two");
  f.on("y", one);
  f.on("y", two);
  f.emit("y");
  f.emit("y");
  // this is the emitter; arguments pass through.
  f.on("args", function (...xs) { log.push(this === f, xs.length); });
  f.emit("args", 1, 2, 3);
  const removed = [];
  f.on("removeListener", (name) => removed.push(name));
  f.removeAllListeners();
  log.push(removed);
  // Subclassing and the old constructor call.
  class Sub extends EventEmitter {}
  function Old() { EventEmitter.call(this); }
  Object.setPrototypeOf(Old.prototype, EventEmitter.prototype);
  const o = new Old();
  o.on("z", () => log.push("old"));
  o.emit("z");
  log.push(new Sub() instanceof EventEmitter, Named === EventEmitter, events === EventEmitter, EventEmitter.defaultMaxListeners, new EventEmitter().getMaxListeners(), new EventEmitter().setMaxListeners(3).getMaxListeners());
  // once() as a promise.
  const g = new EventEmitter();
  setTimeout(() => g.emit("ready", 42, "x"), 1);
  log.push(await once(g, "ready"));
  const h = new EventEmitter();
  setTimeout(() => h.emit("error", new Error("failed")), 1);
  log.push(await once(h, "ready").catch((x) => "rejected " + x.message));
  // Symbols as event names.
  const s = Symbol("s");
  g.on(s, () => log.push("symbol"));
  g.emit(s);
  return {
    log,
    errors: {
      unhandledError: err(() => new EventEmitter().emit("error", new TypeError("bad"))),
      unhandledString: err(() => new EventEmitter().emit("error", "oops")),
      unhandledNothing: err(() => new EventEmitter().emit("error")),
      handled: err(() => { const x = new EventEmitter(); x.on("error", () => {}); return x.emit("error", new Error("fine")); }),
      notAFunction: err(() => new EventEmitter().on("x", 1)),
      monitor: (() => { const x = new EventEmitter(); const seen = []; x.on(EventEmitter.errorMonitor, (m) => seen.push(m.message)); try { x.emit("error", new Error("m")); } catch {} return seen; })(),
    },
  };
}
