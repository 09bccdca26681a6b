// AbortController and AbortSignal (DOM Standard §3.1-3.2), on EventTarget.
(function (verge) {
  "use strict";
  const { internals } = verge;
  const { EventTarget, Event, dispatch, watchListeners, defineEventHandler, reportError, requireArgs } = internals.events;
  const DOMException = globalThis.DOMException;
  // Captured now: user code may replace the global later.
  const setTimeoutRef = globalThis.setTimeout;
  const KEY = Symbol("internal");
  const MAX_TIMER = 2147483647;

  // Dependent signals (from AbortSignal.any) that something waits on: an
  // "abort" listener or an abort algorithm. Their sources reach them only
  // through WeakRefs, so this set keeps them alive until they abort or lose
  // their last listener (DOM §3.2.7 garbage collection rules).
  const persistent = new Set();

  class AbortSignal extends EventTarget {
    #aborted = false;
    #reason = undefined;
    #algorithms = null;  // Set of functions, run once on abort
    #dependent = false;
    #sources = null;     // Set of source signals (for AbortSignal.any)
    #dependents = null;  // Set of WeakRefs to dependent signals
    #listening = false;  // has "abort" listeners (for dependent signals)
    #sweepAt = 64;       // #dependents size that triggers a sweep

    constructor(key) {
      if (key !== KEY) throw new TypeError("Illegal constructor");
      super();
    }

    static abort(reason = undefined) {
      const s = new AbortSignal(KEY);
      s.#aborted = true;
      s.#reason = reason === undefined ? abortError() : reason;
      return s;
    }

    static timeout(milliseconds) {
      requireArgs(1, arguments.length, "execute 'timeout' on 'AbortSignal'");
      const ms = enforceRange(milliseconds);
      const s = new AbortSignal(KEY);
      const fire = (left) => {
        if (left > MAX_TIMER) {
          setTimeoutRef(() => fire(left - MAX_TIMER), MAX_TIMER);
          return;
        }
        setTimeoutRef(() => {
          signalAbort(s, new DOMException("The operation was aborted due to timeout", "TimeoutError"));
        }, left);
      };
      fire(ms);
      return s;
    }

    static any(signals) {
      requireArgs(1, arguments.length, "execute 'any' on 'AbortSignal'");
      if (signals === null || typeof signals !== "object" || typeof signals[Symbol.iterator] !== "function") {
        throw new TypeError("Failed to execute 'any' on 'AbortSignal': The provided value cannot be converted to a sequence.");
      }
      const list = [];
      for (const s of signals) {
        if (!isSignal(s)) {
          throw new TypeError("Failed to execute 'any' on 'AbortSignal': Failed to convert value to 'AbortSignal'.");
        }
        list.push(s);
      }
      return any(list);
    }

    get aborted() {
      if (!(#aborted in this)) throw new TypeError("Illegal invocation");
      return this.#aborted;
    }

    get reason() {
      if (!(#aborted in this)) throw new TypeError("Illegal invocation");
      return this.#reason;
    }

    throwIfAborted() {
      if (!(#aborted in this)) throw new TypeError("Illegal invocation");
      if (this.#aborted) throw this.#reason;
    }

    // ------------------------------------------------ internal (static, removed below)

    static isSignal(x) { return x !== null && typeof x === "object" && #aborted in x; }

    static create() { return new AbortSignal(KEY); }

    static addAlgorithm(s, fn) {
      if (s.#aborted) return () => {};
      (s.#algorithms ??= new Set()).add(fn);
      s.#updatePersistence();
      // Each call adds a distinct entry, even for the same function.
      return () => {
        if (s.#algorithms !== null && s.#algorithms.delete(fn)) s.#updatePersistence();
      };
    }

    static signalAbort(s, reason) {
      if (s.#aborted) return;
      s.#aborted = true;
      s.#reason = reason === undefined ? abortError() : reason;
      const toAbort = [];
      if (s.#dependents !== null) {
        for (const ref of s.#dependents) {
          const d = ref.deref();
          if (d !== undefined && !d.#aborted) {
            d.#aborted = true;
            d.#reason = s.#reason;
            toAbort.push(d);
          }
        }
        s.#dependents = null;
      }
      s.#runAbortSteps();
      for (const d of toAbort) d.#runAbortSteps();
    }

    static dependent(list) {
      const result = new AbortSignal(KEY);
      for (const s of list) {
        if (s.#aborted) {
          result.#aborted = true;
          result.#reason = s.#reason;
          return result;
        }
      }
      result.#dependent = true;
      result.#sources = new Set();
      const ref = new WeakRef(result);
      for (const s of list) {
        if (!s.#dependent) {
          result.#addSource(s, ref);
        } else {
          for (const src of s.#sources) result.#addSource(src, ref);
        }
      }
      watchListeners(result, watchAbortListeners);
      return result;
    }

    static watch(s, type, count) {
      if (type !== "abort") return;
      s.#listening = count > 0;
      s.#updatePersistence();
    }

    #addSource(src, ref) {
      if (this.#sources.has(src)) return;
      this.#sources.add(src);
      const deps = (src.#dependents ??= new Set());
      deps.add(ref);
      // Drop the WeakRefs of collected dependents now and then (amortized:
      // after a sweep, the next one waits until the set doubles).
      if (deps.size >= src.#sweepAt) {
        for (const r of deps) if (r.deref() === undefined) deps.delete(r);
        src.#sweepAt = Math.max(64, deps.size * 2);
      }
    }

    #updatePersistence() {
      if (!this.#dependent) return;
      if (!this.#aborted && (this.#listening || (this.#algorithms !== null && this.#algorithms.size > 0))) {
        persistent.add(this);
      } else {
        persistent.delete(this);
      }
    }

    #runAbortSteps() {
      const algorithms = this.#algorithms;
      this.#algorithms = null;
      if (algorithms !== null) {
        for (const fn of algorithms) {
          try { fn(this.#reason); } catch (e) { reportError(e); }
        }
      }
      if (this.#sources !== null) {
        // Drop the now useless WeakRefs from our sources.
        this.#sources = null;
      }
      persistent.delete(this);
      const e = new Event("abort");
      dispatch(this, e, { trusted: true });
    }
  }

  const isSignal = AbortSignal.isSignal;
  const createSignal = AbortSignal.create;
  const addAlgorithm = AbortSignal.addAlgorithm;
  const signalAbort = AbortSignal.signalAbort;
  const any = AbortSignal.dependent;
  const watchAbortListeners = AbortSignal.watch;
  for (const k of ["isSignal", "create", "addAlgorithm", "signalAbort", "dependent", "watch"]) delete AbortSignal[k];

  function abortError() {
    return new DOMException("The operation was aborted", "AbortError");
  }

  // [EnforceRange] unsigned long long
  function enforceRange(v) {
    const n = Number(v);
    if (!Number.isFinite(n)) {
      throw new TypeError("Failed to execute 'timeout' on 'AbortSignal': Value is not a finite number.");
    }
    const t = Math.trunc(n);
    if (t < 0 || t > Number.MAX_SAFE_INTEGER) {
      throw new TypeError("Failed to execute 'timeout' on 'AbortSignal': Value is outside the 'unsigned long long' value range.");
    }
    return t;
  }

  Object.defineProperty(AbortSignal.prototype, Symbol.toStringTag, { value: "AbortSignal", configurable: true });
  defineEventHandler(AbortSignal.prototype, "abort");
  internals.platformPrototypes.add(AbortSignal.prototype);

  class AbortController {
    #signal;
    constructor() {
      this.#signal = createSignal();
    }
    get signal() {
      if (!(#signal in this)) throw new TypeError("Illegal invocation");
      return this.#signal;
    }
    abort(reason = undefined) {
      if (!(#signal in this)) throw new TypeError("Illegal invocation");
      signalAbort(this.#signal, reason);
    }
  }
  Object.defineProperty(AbortController.prototype, Symbol.toStringTag, { value: "AbortController", configurable: true });
  internals.platformPrototypes.add(AbortController.prototype);

  verge.expose({ AbortController, AbortSignal });
  internals.abort = {
    AbortSignal,
    AbortController,
    // isSignal(x): x is an AbortSignal (brand check).
    isSignal,
    // newSignal(): a signal that only internals can abort (for example a
    // Request's signal, aborted when the client goes away).
    newSignal: createSignal,
    // signalAbort(signal, reason?): aborts it (reason defaults to an
    // AbortError DOMException), its dependents, runs its algorithms and
    // fires "abort".
    signalAbort,
    // addAlgorithm(signal, fn): fn(reason) runs when signal aborts, before
    // the abort event. Returns a function that removes it again (call it
    // when the operation finishes, so the signal can be collected).
    addAlgorithm,
    // any(signals): AbortSignal.any without argument conversion; any([s])
    // makes a signal that follows s (Request.signal).
    any,
  };
})(globalThis.__verge);
