// Service-worker events: ExtendableEvent, FetchEvent and ScheduledEvent, the
// scaffolding for workers written as addEventListener("fetch", ...). The
// runtime creates and dispatches them through internals.events; user code
// cannot construct FetchEvent or ScheduledEvent (as in workerd).
(function (verge) {
  "use strict";
  const { internals } = verge;
  const { Event, flags, setTrusted, requireArgs, dictionary } = internals.events;
  const DOMException = globalThis.DOMException;
  const KEY = Symbol("internal");

  class ExtendableEvent extends Event {
    #lifetime = [];  // promises passed to waitUntil
    #onWaitUntil;    // the runtime's hook, if it created the event

    constructor(type, eventInitDict = undefined) {
      requireArgs(1, arguments.length, "construct 'ExtendableEvent'");
      super(type, dictionary(eventInitDict, "construct 'ExtendableEvent'"));
    }

    waitUntil(promise) {
      if (!(#lifetime in this)) throw new TypeError("Illegal invocation");
      requireArgs(1, arguments.length, "execute 'waitUntil' on 'ExtendableEvent'");
      if (!flags(this).isTrusted) {
        throw new DOMException("waitUntil() can only be called on events created by the runtime.", "InvalidStateError");
      }
      const p = Promise.resolve(promise);
      // As ctx.waitUntil in workerd, this keeps working after the dispatch
      // returned (for example from a respondWith continuation).
      if (this.#onWaitUntil !== undefined) this.#onWaitUntil(p);
      else this.#lifetime.push(p);
    }

    static setHook(e, fn) { e.#onWaitUntil = fn; }
    static lifetime(e) { return e.#lifetime; }
  }
  const setWaitUntilHook = ExtendableEvent.setHook;
  const lifetimePromises = ExtendableEvent.lifetime;
  delete ExtendableEvent.setHook;
  delete ExtendableEvent.lifetime;
  Object.defineProperty(ExtendableEvent.prototype, Symbol.toStringTag, { value: "ExtendableEvent", configurable: true });

  class FetchEvent extends ExtendableEvent {
    #request;
    #response;          // the promise given to respondWith
    #respondWithCalled = false;
    #passThrough = false;
    #onPassThrough;

    constructor(key, type, request) {
      if (key !== KEY) throw new TypeError("Illegal constructor");
      super(type, { cancelable: true });
      this.#request = request;
    }

    get request() {
      if (!(#request in this)) throw new TypeError("Illegal invocation");
      return this.#request;
    }

    respondWith(response) {
      if (!(#request in this)) throw new TypeError("Illegal invocation");
      requireArgs(1, arguments.length, "execute 'respondWith' on 'FetchEvent'");
      const f = flags(this);
      if (!f.dispatching) {
        throw new DOMException("FetchEvent.respondWith() must be called synchronously from within the event listener.", "InvalidStateError");
      }
      if (this.#respondWithCalled) {
        throw new DOMException("FetchEvent.respondWith() has already been called; it can only be called once.", "InvalidStateError");
      }
      this.#respondWithCalled = true;
      this.#response = Promise.resolve(response);
      // Service Workers §4.6.4 step 6: later listeners do not run.
      this.stopImmediatePropagation();
    }

    passThroughOnException() {
      if (!(#request in this)) throw new TypeError("Illegal invocation");
      this.#passThrough = true;
      if (this.#onPassThrough !== undefined) this.#onPassThrough();
    }

    static init(e, hooks) {
      if (typeof hooks?.passThroughOnException === "function") e.#onPassThrough = hooks.passThroughOnException;
    }
    static result(e) {
      return {
        respondWithCalled: e.#respondWithCalled,
        response: e.#response,
        passThroughOnException: e.#passThrough,
        waitUntil: lifetimePromises(e).slice(),
      };
    }
  }
  const initFetchEvent = FetchEvent.init;
  const fetchEventResult = FetchEvent.result;
  delete FetchEvent.init;
  delete FetchEvent.result;
  Object.defineProperty(FetchEvent.prototype, Symbol.toStringTag, { value: "FetchEvent", configurable: true });

  class ScheduledEvent extends ExtendableEvent {
    #scheduledTime;
    #cron;
    #noRetry = false;
    constructor(key, scheduledTime, cron) {
      if (key !== KEY) throw new TypeError("Illegal constructor");
      super("scheduled");
      this.#scheduledTime = scheduledTime;
      this.#cron = cron;
    }
    get scheduledTime() {
      if (!(#cron in this)) throw new TypeError("Illegal invocation");
      return this.#scheduledTime;
    }
    get cron() {
      if (!(#cron in this)) throw new TypeError("Illegal invocation");
      return this.#cron;
    }
    noRetry() {
      if (!(#cron in this)) throw new TypeError("Illegal invocation");
      this.#noRetry = true;
    }
    static noRetryOf(e) { return e.#noRetry; }
  }
  const noRetryOf = ScheduledEvent.noRetryOf;
  delete ScheduledEvent.noRetryOf;
  Object.defineProperty(ScheduledEvent.prototype, Symbol.toStringTag, { value: "ScheduledEvent", configurable: true });

  function applyHooks(e, hooks) {
    setTrusted(e, true);
    if (typeof hooks?.waitUntil === "function") setWaitUntilHook(e, hooks.waitUntil);
  }

  verge.expose({ ExtendableEvent, FetchEvent, ScheduledEvent });
  Object.assign(internals.events, {
    ExtendableEvent,
    FetchEvent,
    ScheduledEvent,
    // newFetchEvent(request, hooks?) creates a trusted, cancelable "fetch"
    // event. hooks.waitUntil(promise) and hooks.passThroughOnException()
    // are called as the worker calls those methods (without hooks.waitUntil
    // the promises are collected for fetchEventResult).
    newFetchEvent(request, hooks = undefined) {
      const e = new FetchEvent(KEY, "fetch", request);
      applyHooks(e, hooks);
      initFetchEvent(e, hooks);
      return e;
    },
    // fetchEventResult(e) -> {respondWithCalled, response (a Promise or
    // undefined), passThroughOnException, waitUntil: [promises]}.
    fetchEventResult,
    // newScheduledEvent(scheduledTime, cron, hooks?) creates a trusted
    // "scheduled" event; scheduledEventResult(e) -> {noRetry, waitUntil}.
    newScheduledEvent(scheduledTime, cron, hooks = undefined) {
      const e = new ScheduledEvent(KEY, Number(scheduledTime), String(cron ?? ""));
      applyHooks(e, hooks);
      return e;
    },
    scheduledEventResult(e) {
      return { noRetry: noRetryOf(e), waitUntil: lifetimePromises(e).slice() };
    },
  });
})(globalThis.__verge);
