// Event, EventTarget, CustomEvent, ErrorEvent and PromiseRejectionEvent
// (DOM Standard §2), for targets that are not nodes: an event's path is its
// target alone, so there is no capture or bubble phase beyond AT_TARGET
// (capture listeners still run first, as the spec's two invoke passes do).
//
// The global scope is an EventTarget too (addEventListener,
// removeEventListener and dispatchEvent are globals, with globalThis as the
// target), so the runtime can dispatch fetch, scheduled and
// unhandledrejection events through internals.events.
(function (verge) {
  "use strict";
  const { internals } = verge;
  const DOMException = globalThis.DOMException;

  const NONE = 0, CAPTURING_PHASE = 1, AT_TARGET = 2, BUBBLING_PHASE = 3;

  // Event.timeStamp: workerd reports 0 (its clocks only move with I/O, a
  // Spectre mitigation), and reading the clock here would cost more than the
  // rest of the constructor. A runtime with a high-resolution clock can set
  // internals.hrtime to a function returning milliseconds since its time
  // origin.
  const now = () => (typeof internals.hrtime === "function" ? internals.hrtime() : 0);

  // Reports an exception thrown by a listener, the way an uncaught
  // exception is reported, without stopping the dispatch.
  function reportError(e) {
    if (typeof internals.reportError === "function") {
      try { internals.reportError(e); return; } catch { /* fall through */ }
    }
    try { globalThis.console?.error?.("Uncaught", e); } catch { /* nothing left to do */ }
  }

  function requireArgs(n, given, what) {
    if (given < n) {
      throw new TypeError(`Failed to ${what}: ${n} argument${n > 1 ? "s" : ""} required, but only ${given} present.`);
    }
  }

  // dictionary(init, what): WebIDL dictionary conversion's first step.
  function dictionary(init, what) {
    if (init === undefined || init === null) return {};
    if (typeof init !== "object" && typeof init !== "function") {
      throw new TypeError(`Failed to ${what}: The provided value is not of type '${what.includes("Event") ? "EventInit" : "dictionary"}'.`);
    }
    return init;
  }

  // Platform prototypes that structuredClone must refuse (unless it knows how
  // to clone them). Other Web API areas add theirs.
  const platformPrototypes = (internals.platformPrototypes ??= new WeakSet());

  // ---------------------------------------------------------------- Event

  class Event {
    // All of an event's state lives in one private record, which the
    // dispatch algorithm (and internals) reach through stateOf().
    #s;

    constructor(type, eventInitDict = undefined) {
      requireArgs(1, arguments.length, "construct 'Event'");
      type = `${type}`; // WebIDL converts the arguments in order
      const init = dictionary(eventInitDict, "construct 'Event'");
      this.#s = {
        type,
        bubbles: !!init.bubbles,
        cancelable: !!init.cancelable,
        composed: !!init.composed,
        target: null,
        currentTarget: null,
        eventPhase: NONE,
        timeStamp: now(),
        isTrusted: false,
        initialized: true,
        dispatching: false,
        stopPropagation: false,
        stopImmediate: false,
        canceled: false,
        inPassive: false,
      };
    }

    static stateOf(e) { return e !== null && typeof e === "object" && #s in e ? e.#s : undefined; }

    get type() { return state(this).type; }
    get target() { return state(this).target; }
    get srcElement() { return state(this).target; }
    get currentTarget() { return state(this).currentTarget; }
    get eventPhase() { return state(this).eventPhase; }
    get bubbles() { return state(this).bubbles; }
    get cancelable() { return state(this).cancelable; }
    get composed() { return state(this).composed; }
    get defaultPrevented() { return state(this).canceled; }
    get isTrusted() { return state(this).isTrusted; }
    get timeStamp() { return state(this).timeStamp; }

    get returnValue() { return !state(this).canceled; }
    set returnValue(v) {
      const s = state(this);
      if (!v) cancel(s);
    }
    get cancelBubble() { return state(this).stopPropagation; }
    set cancelBubble(v) {
      const s = state(this);
      if (v) s.stopPropagation = true;
    }

    composedPath() {
      const s = state(this);
      return s.dispatching && s.currentTarget !== null ? [s.currentTarget] : [];
    }
    stopPropagation() { state(this).stopPropagation = true; }
    stopImmediatePropagation() {
      const s = state(this);
      s.stopPropagation = true;
      s.stopImmediate = true;
    }
    preventDefault() { cancel(state(this)); }

    initEvent(type, bubbles = false, cancelable = false) {
      const s = state(this);
      requireArgs(1, arguments.length, "execute 'initEvent' on 'Event'");
      if (s.dispatching) return;
      s.initialized = true;
      s.stopPropagation = s.stopImmediate = s.canceled = false;
      s.isTrusted = false;
      s.target = null;
      s.type = `${type}`;
      s.bubbles = !!bubbles;
      s.cancelable = !!cancelable;
    }
  }
  const stateOf = Event.stateOf;
  delete Event.stateOf;

  function state(e) {
    const s = stateOf(e);
    if (s === undefined) throw new TypeError("Illegal invocation");
    return s;
  }
  function cancel(s) {
    if (s.cancelable && !s.inPassive) s.canceled = true;
  }

  for (const [k, v] of Object.entries({ NONE, CAPTURING_PHASE, AT_TARGET, BUBBLING_PHASE })) {
    Object.defineProperty(Event, k, { value: v, enumerable: true });
    Object.defineProperty(Event.prototype, k, { value: v, enumerable: true });
  }
  Object.defineProperty(Event.prototype, Symbol.toStringTag, { value: "Event", configurable: true });
  platformPrototypes.add(Event.prototype);

  // defineTag sets a subclass's Symbol.toStringTag.
  function defineTag(cls, name) {
    Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: name, configurable: true });
  }

  // ---------------------------------------------------------------- subclasses

  class CustomEvent extends Event {
    #detail;
    constructor(type, eventInitDict = undefined) {
      requireArgs(1, arguments.length, "construct 'CustomEvent'");
      const init = dictionary(eventInitDict, "construct 'CustomEvent'");
      super(type, init);
      this.#detail = init.detail === undefined ? null : init.detail;
    }
    get detail() {
      if (!(#detail in this)) throw new TypeError("Illegal invocation");
      return this.#detail;
    }
    initCustomEvent(type, bubbles = false, cancelable = false, detail = null) {
      if (!(#detail in this)) throw new TypeError("Illegal invocation");
      requireArgs(1, arguments.length, "execute 'initCustomEvent' on 'CustomEvent'");
      if (state(this).dispatching) return;
      this.initEvent(type, bubbles, cancelable);
      this.#detail = detail;
    }
  }
  defineTag(CustomEvent, "CustomEvent");

  class ErrorEvent extends Event {
    #message; #filename; #lineno; #colno; #error;
    constructor(type, eventInitDict = undefined) {
      requireArgs(1, arguments.length, "construct 'ErrorEvent'");
      const init = dictionary(eventInitDict, "construct 'ErrorEvent'");
      super(type, init);
      // Dictionary members in lexicographic order: colno, error, filename,
      // lineno, message.
      this.#colno = init.colno === undefined ? 0 : (Number(init.colno) >>> 0);
      this.#error = init.error === undefined ? null : init.error;
      this.#filename = init.filename === undefined ? "" : String(init.filename);
      this.#lineno = init.lineno === undefined ? 0 : (Number(init.lineno) >>> 0);
      this.#message = init.message === undefined ? "" : String(init.message);
    }
    static #check(e) { if (!(#message in e)) throw new TypeError("Illegal invocation"); }
    get message() { ErrorEvent.#check(this); return this.#message; }
    get filename() { ErrorEvent.#check(this); return this.#filename; }
    get lineno() { ErrorEvent.#check(this); return this.#lineno; }
    get colno() { ErrorEvent.#check(this); return this.#colno; }
    get error() { ErrorEvent.#check(this); return this.#error; }
  }
  defineTag(ErrorEvent, "ErrorEvent");

  class PromiseRejectionEvent extends Event {
    #promise; #reason;
    constructor(type, eventInitDict) {
      requireArgs(2, arguments.length, "construct 'PromiseRejectionEvent'");
      if (eventInitDict === null || (typeof eventInitDict !== "object" && typeof eventInitDict !== "function")) {
        throw new TypeError("Failed to construct 'PromiseRejectionEvent': The provided value is not of type 'PromiseRejectionEventInit'.");
      }
      const init = eventInitDict;
      super(type, init);
      const promise = init.promise;
      if (promise === undefined) {
        throw new TypeError("Failed to construct 'PromiseRejectionEvent': required member promise is undefined.");
      }
      if (promise === null || (typeof promise !== "object" && typeof promise !== "function")) {
        throw new TypeError("Failed to construct 'PromiseRejectionEvent': member promise is not an object.");
      }
      this.#promise = promise;
      this.#reason = init.reason;
    }
    get promise() {
      if (!(#promise in this)) throw new TypeError("Illegal invocation");
      return this.#promise;
    }
    get reason() {
      if (!(#promise in this)) throw new TypeError("Illegal invocation");
      return this.#reason;
    }
  }
  defineTag(PromiseRejectionEvent, "PromiseRejectionEvent");

  // ---------------------------------------------------------------- EventTarget

  // A target's state: listeners (type -> listener records), the event
  // handler attributes (type -> {value, listener}) and a watcher told when
  // listener counts change. It lives in a #field, not a WeakMap: QuickJS's
  // WeakMap does not collect a key that its value reaches (listeners often
  // close over their target), while a cycle through a #field is collected.
  const newTargetState = () => ({ listeners: new Map(), handlers: null, watcher: null });
  // The global scope is an EventTarget too (as WorkerGlobalScope is).
  const globalState = newTargetState();
  let stateOfTarget; // (x) -> state | undefined

  class EventTarget {
    #t = newTargetState();

    static {
      stateOfTarget = (x) => {
        if (x !== null && typeof x === "object" && #t in x) return x.#t;
        return x === globalThis ? globalState : undefined;
      };
    }

    addEventListener(type, callback, options = undefined) {
      const target = this ?? globalThis;
      const ts = targetState(target);
      requireArgs(2, arguments.length, "execute 'addEventListener' on 'EventTarget'");
      type = `${type}`;
      callback = toCallback(callback, "addEventListener");
      let capture = false, once = false, passive = false, signal;
      if (options !== null && (typeof options === "object" || typeof options === "function")) {
        capture = !!options.capture;
        once = !!options.once;
        passive = !!options.passive;
        signal = options.signal;
        if (signal !== undefined && !internals.abort?.isSignal(signal)) {
          throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': member signal is not of type 'AbortSignal'.");
        }
      } else {
        capture = !!options;
      }
      if (signal !== undefined && signal.aborted) return;
      if (callback === null) return;
      const list = ts.listeners.get(type);
      if (list !== undefined) {
        for (let i = 0; i < list.length; i++) {
          if (list[i].callback === callback && list[i].capture === capture) return;
        }
      }
      const l = { callback, capture, once, passive, removed: false, unfollow: null };
      addListener(target, ts, type, l);
      if (signal !== undefined) {
        l.unfollow = internals.abort.addAlgorithm(signal, () => removeListener(target, type, l));
      }
    }

    removeEventListener(type, callback, options = undefined) {
      const target = this ?? globalThis;
      const ts = targetState(target);
      requireArgs(2, arguments.length, "execute 'removeEventListener' on 'EventTarget'");
      type = `${type}`;
      callback = toCallback(callback, "removeEventListener");
      const capture = options !== null && (typeof options === "object" || typeof options === "function") ? !!options.capture : !!options;
      if (callback === null) return;
      const list = ts.listeners.get(type);
      if (list === undefined) return;
      for (let i = 0; i < list.length; i++) {
        const l = list[i];
        if (l.callback === callback && l.capture === capture) {
          removeListener(target, type, l);
          return;
        }
      }
    }

    dispatchEvent(event) {
      const target = this ?? globalThis;
      targetState(target);
      requireArgs(1, arguments.length, "execute 'dispatchEvent' on 'EventTarget'");
      const s = stateOf(event);
      if (s === undefined) {
        throw new TypeError("Failed to execute 'dispatchEvent' on 'EventTarget': parameter 1 is not of type 'Event'.");
      }
      if (s.dispatching || !s.initialized) {
        throw new DOMException("The event is already being dispatched.", "InvalidStateError");
      }
      s.isTrusted = false;
      return dispatch(target, event, s);
    }
  }
  defineTag(EventTarget, "EventTarget");
  platformPrototypes.add(EventTarget.prototype);

  function targetState(t) {
    const ts = stateOfTarget(t);
    if (ts === undefined) throw new TypeError("Illegal invocation");
    return ts;
  }

  // toCallback converts to the nullable EventListener callback interface:
  // a function or any object (its handleEvent is looked up at dispatch).
  function toCallback(cb, method) {
    if (cb === undefined || cb === null) return null;
    if (typeof cb !== "function" && typeof cb !== "object") {
      throw new TypeError(`Failed to execute '${method}' on 'EventTarget': parameter 2 is not of type 'EventListener'.`);
    }
    return cb;
  }

  function addListener(target, ts, type, l) {
    let list = ts.listeners.get(type);
    if (list === undefined) ts.listeners.set(type, (list = []));
    list.push(l);
    if (ts.watcher !== null) ts.watcher(target, type, list.length);
  }

  function removeListener(target, type, l) {
    if (l.removed) return;
    l.removed = true;
    if (l.unfollow !== null) {
      l.unfollow();
      l.unfollow = null;
    }
    const ts = stateOfTarget(target);
    const list = ts?.listeners.get(type);
    if (list === undefined) return;
    const i = list.indexOf(l);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) ts.listeners.delete(type);
    if (ts.watcher !== null) ts.watcher(target, type, list.length);
  }

  // dispatch runs the DOM "dispatch" algorithm for a target whose event path
  // is only itself. Returns false when the event was canceled. observe, if
  // given, sees the state before the propagation flags are cleared.
  function dispatch(target, event, s, observe = undefined) {
    const ts = stateOfTarget(target);
    s.dispatching = true;
    s.target = target;
    s.currentTarget = target;
    s.eventPhase = AT_TARGET;
    try {
      if (ts.listeners.has(s.type)) {
        invoke(target, event, s, ts.listeners, true);
        invoke(target, event, s, ts.listeners, false);
      }
      if (observe !== undefined) observe(s);
    } finally {
      s.eventPhase = NONE;
      s.currentTarget = null;
      s.dispatching = false;
      s.stopPropagation = false;
      s.stopImmediate = false;
    }
    return !s.canceled;
  }

  function invoke(target, event, s, listeners, capturePass) {
    if (s.stopPropagation) return;
    const list = listeners.get(s.type);
    if (list === undefined) return;
    // The listeners registered when this pass starts; removed ones are
    // skipped, added ones wait for the next dispatch.
    const snapshot = list.slice();
    for (let i = 0; i < snapshot.length; i++) {
      const l = snapshot[i];
      if (l.removed || l.capture !== capturePass) continue;
      if (l.once) removeListener(target, s.type, l);
      if (l.passive) s.inPassive = true;
      try {
        const cb = l.callback;
        if (typeof cb === "function") {
          Reflect.apply(cb, s.currentTarget, [event]);
        } else {
          const handleEvent = cb.handleEvent;
          if (typeof handleEvent !== "function") {
            throw new TypeError("The listener object has no handleEvent method.");
          }
          Reflect.apply(handleEvent, cb, [event]);
        }
      } catch (e) {
        reportError(e);
      }
      s.inPassive = false;
      if (s.stopImmediate) return;
    }
  }

  // ---------------------------------------------------------------- event handler attributes

  // defineEventHandler(proto, type) defines proto.on<type> as an HTML event
  // handler IDL attribute: the listener is registered when the attribute is
  // first set to an object, keeps its place when replaced, and is removed
  // when set to null. A handler returning false cancels the event.
  function defineEventHandler(proto, type) {
    Object.defineProperty(proto, "on" + type, {
      configurable: true,
      enumerable: true,
      get() {
        const ts = targetState(this ?? globalThis);
        return ts.handlers?.get(type)?.value ?? null;
      },
      set(v) {
        const target = this ?? globalThis;
        const ts = targetState(target);
        const value = v !== null && (typeof v === "object" || typeof v === "function") ? v : null;
        const h = ts.handlers?.get(type);
        if (value === null) {
          if (h !== undefined) {
            ts.handlers.delete(type);
            removeListener(target, type, h.listener);
          }
          return;
        }
        if (h !== undefined) {
          h.value = value;
          return;
        }
        const entry = { value, listener: null };
        const callback = function (event) {
          const f = entry.value;
          if (typeof f !== "function") return;
          const r = Reflect.apply(f, this, [event]);
          if (r === false) cancel(state(event));
        };
        entry.listener = { callback, capture: false, once: false, passive: false, removed: false, unfollow: null };
        (ts.handlers ??= new Map()).set(type, entry);
        addListener(target, ts, type, entry.listener);
      },
    });
  }

  // ---------------------------------------------------------------- globals

  // The global functions are EventTarget.prototype's own (as on a
  // WorkerGlobalScope); called without a receiver they use the global.
  const proto = EventTarget.prototype;
  const globalMethods = {
    addEventListener: proto.addEventListener,
    removeEventListener: proto.removeEventListener,
    dispatchEvent: proto.dispatchEvent,
  };

  verge.expose({ Event, EventTarget, CustomEvent, ErrorEvent, PromiseRejectionEvent });
  verge.expose(globalMethods);

  internals.events = {
    Event,
    EventTarget,
    // isEvent(x) / isEventTarget(x): brand checks.
    isEvent: (x) => stateOf(x) !== undefined,
    isEventTarget: (x) => stateOfTarget(x) !== undefined,
    // dispatch(target, event, {trusted}) runs the DOM dispatch algorithm and
    // returns the flags listeners left: {notCanceled, canceled,
    // stopPropagation, stopImmediatePropagation}. It throws
    // InvalidStateError when the event is being dispatched already.
    dispatch(target, event, options = undefined) {
      const s = state(event);
      if (stateOfTarget(target) === undefined) throw new TypeError("dispatch: not an EventTarget");
      if (s.dispatching || !s.initialized) {
        throw new DOMException("The event is already being dispatched.", "InvalidStateError");
      }
      s.isTrusted = !!options?.trusted;
      let stopPropagation = false, stopImmediatePropagation = false;
      const notCanceled = dispatch(target, event, s, (st) => {
        stopPropagation = st.stopPropagation;
        stopImmediatePropagation = st.stopImmediate;
      });
      return { notCanceled, canceled: !notCanceled, stopPropagation, stopImmediatePropagation };
    },
    // setTrusted(event, bool): isTrusted for an event the runtime creates.
    setTrusted(event, v) { state(event).isTrusted = !!v; },
    // flags(event): a copy of the event's dispatch flags.
    flags(event) {
      const s = state(event);
      return {
        dispatching: s.dispatching, canceled: s.canceled, stopPropagation: s.stopPropagation,
        stopImmediatePropagation: s.stopImmediate, isTrusted: s.isTrusted,
      };
    },
    // listenerCount(target, type) and hasListeners(target, type).
    listenerCount(target, type) { return stateOfTarget(target)?.listeners.get(`${type}`)?.length ?? 0; },
    hasListeners(target, type) { return (stateOfTarget(target)?.listeners.get(`${type}`)?.length ?? 0) > 0; },
    // watchListeners(target, fn): fn(target, type, count) runs when the
    // number of listeners of a type changes on target (one per target).
    watchListeners(target, fn) { targetState(target).watcher = fn; },
    // defineEventHandler(proto, type): proto.on<type> attribute.
    defineEventHandler,
    // reportError(e): how listener exceptions are reported.
    reportError,
    // requireArgs(n, given, what) and dictionary(init, what): WebIDL helpers.
    requireArgs,
    dictionary,
  };

})(globalThis.__verge);
