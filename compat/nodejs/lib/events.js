// node:events: EventEmitter. A constructor function rather than a class,
// so that pre-ES2015 code can call EventEmitter.call(this).
"use strict";
const { withCode, validateFunction, validateNumber, outOfRange } = require("internal/errors");

const kEvents = Symbol("events");
const kMax = Symbol("maxListeners");
const kWarned = Symbol("warned");
const errorMonitor = Symbol("events.errorMonitor");
let defaultMaxListeners = 10;

function EventEmitter(opts) {
  EventEmitter.init.call(this, opts);
}

EventEmitter.init = function init() {
  if (this[kEvents] === undefined || this[kEvents] === Object.getPrototypeOf(this)[kEvents]) {
    this[kEvents] = Object.create(null);
  }
  this[kMax] = this[kMax] || undefined;
};

function events(ee) {
  if (ee[kEvents] === undefined) ee[kEvents] = Object.create(null);
  return ee[kEvents];
}

function listenerFn(l) {
  return typeof l.listener === "function" && l.once ? l.listener : l;
}

Object.defineProperty(EventEmitter, "defaultMaxListeners", {
  enumerable: true,
  get() { return defaultMaxListeners; },
  set(n) {
    if (typeof n !== "number" || n < 0 || Number.isNaN(n)) throw outOfRange("defaultMaxListeners", "a non-negative number", n);
    defaultMaxListeners = n;
  },
});

EventEmitter.errorMonitor = errorMonitor;
EventEmitter.captureRejections = false;

const proto = EventEmitter.prototype;

proto.setMaxListeners = function setMaxListeners(n) {
  if (typeof n !== "number" || n < 0 || Number.isNaN(n)) throw outOfRange("n", "a non-negative number", n);
  this[kMax] = n;
  return this;
};

proto.getMaxListeners = function getMaxListeners() {
  return this[kMax] === undefined ? defaultMaxListeners : this[kMax];
};

function addListener(target, type, listener, prepend) {
  validateFunction(listener, "listener");
  const evs = events(target);
  if (evs.newListener !== undefined) {
    target.emit("newListener", type, listenerFn(listener));
  }
  const list = evs[type];
  if (list === undefined) evs[type] = [listener];
  else if (prepend) list.unshift(listener);
  else list.push(listener);
  const max = target.getMaxListeners();
  const count = evs[type].length;
  if (max > 0 && count > max && !evs[type][kWarned]) {
    evs[type][kWarned] = true;
    const name = (target.constructor && target.constructor.name) || "EventEmitter";
    console.warn(`MaxListenersExceededWarning: Possible EventEmitter memory leak detected. ${count} ${String(type)} listeners added to [${name}]. Use emitter.setMaxListeners() to increase limit`);
  }
  return target;
}

proto.addListener = function addListener_(type, listener) {
  return addListener(this, type, listener, false);
};
proto.on = proto.addListener;
proto.prependListener = function prependListener(type, listener) {
  return addListener(this, type, listener, true);
};

function onceWrapper(target, type, listener) {
  const state = { fired: false, target, type, listener };
  const wrapped = function (...args) {
    if (state.fired) return undefined;
    state.fired = true;
    target.removeListener(type, wrapped);
    return listener.apply(target, args);
  };
  wrapped.listener = listener;
  wrapped.once = true;
  return wrapped;
}

proto.once = function once(type, listener) {
  validateFunction(listener, "listener");
  return this.on(type, onceWrapper(this, type, listener));
};
proto.prependOnceListener = function prependOnceListener(type, listener) {
  validateFunction(listener, "listener");
  return this.prependListener(type, onceWrapper(this, type, listener));
};

proto.removeListener = function removeListener(type, listener) {
  validateFunction(listener, "listener");
  const evs = events(this);
  const list = evs[type];
  if (list === undefined) return this;
  for (let i = list.length - 1; i >= 0; i--) {
    if (list[i] === listener || list[i].listener === listener) {
      const removed = list[i];
      if (list.length === 1) delete evs[type];
      else {
        // Copy: an emit in progress keeps its own snapshot.
        const next = list.slice();
        next.splice(i, 1);
        evs[type] = next;
      }
      if (evs.removeListener !== undefined) this.emit("removeListener", type, listenerFn(removed));
      break;
    }
  }
  return this;
};
proto.off = proto.removeListener;

proto.removeAllListeners = function removeAllListeners(type) {
  const evs = events(this);
  if (evs.removeListener === undefined) {
    if (arguments.length === 0) this[kEvents] = Object.create(null);
    else delete evs[type];
    return this;
  }
  if (arguments.length === 0) {
    for (const key of Reflect.ownKeys(evs)) {
      if (key !== "removeListener") this.removeAllListeners(key);
    }
    this.removeAllListeners("removeListener");
    this[kEvents] = Object.create(null);
    return this;
  }
  const list = evs[type];
  if (list !== undefined) {
    for (let i = list.length - 1; i >= 0; i--) this.removeListener(type, list[i]);
  }
  return this;
};

proto.emit = function emit(type, ...args) {
  const evs = events(this);
  if (type === "error") {
    if (evs[errorMonitor] !== undefined) this.emit(errorMonitor, ...args);
    if (evs.error === undefined) {
      const er = args[0];
      if (er instanceof Error) throw er;
      let shown;
      try { shown = typeof er === "string" ? `'${er}'` : String(er); } catch { shown = typeof er; }
      const err = withCode(new Error(`Unhandled error. (${shown})`), "ERR_UNHANDLED_ERROR");
      err.context = er;
      throw err;
    }
  }
  const list = evs[type];
  if (list === undefined) return false;
  const snapshot = list.slice();
  for (const l of snapshot) l.apply(this, args);
  return true;
};

proto.listenerCount = function listenerCount(type, listener) {
  const list = events(this)[type];
  if (list === undefined) return 0;
  if (listener === undefined) return list.length;
  return list.filter((l) => l === listener || l.listener === listener).length;
};

proto.listeners = function listeners(type) {
  const list = events(this)[type];
  return list === undefined ? [] : list.map(listenerFn);
};

proto.rawListeners = function rawListeners(type) {
  const list = events(this)[type];
  return list === undefined ? [] : list.slice();
};

proto.eventNames = function eventNames() {
  return Reflect.ownKeys(events(this));
};

EventEmitter.listenerCount = function listenerCount(emitter, type) {
  return emitter.listenerCount(type);
};

// once(emitter, name) resolves with the event's arguments, or rejects
// when 'error' comes first.
EventEmitter.once = function once(emitter, name, options) {
  return new Promise((resolve, reject) => {
    const signal = options && options.signal;
    if (signal && signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onError = (err) => {
      emitter.removeListener(name, onEvent);
      reject(err);
    };
    const onEvent = (...args) => {
      if (name !== "error") emitter.removeListener("error", onError);
      resolve(args);
    };
    emitter.once(name, onEvent);
    if (name !== "error") emitter.once("error", onError);
    if (signal) {
      signal.addEventListener("abort", () => {
        emitter.removeListener(name, onEvent);
        emitter.removeListener("error", onError);
        reject(signal.reason);
      }, { once: true });
    }
  });
};

EventEmitter.getEventListeners = function getEventListeners(emitter, name) {
  return emitter.listeners(name);
};

EventEmitter.setMaxListeners = function setMaxListeners(n = defaultMaxListeners, ...targets) {
  validateNumber(n, "n");
  if (targets.length === 0) defaultMaxListeners = n;
  else for (const t of targets) t.setMaxListeners(n);
};

EventEmitter.EventEmitter = EventEmitter;
EventEmitter.usingDomains = false;

module.exports = EventEmitter;
