// worker.js: the runtime side of a worker. It finds the handler a bundle
// defines (Workers modules, service worker, Vercel Edge, Lambda@Edge) and
// dispatches events to it. Go calls the functions registered with
// worker_register; worker code never sees them.
(function (verge) {
  "use strict";
  const { ops, internals } = verge;
  // Service-worker style: the global object is an EventTarget (see
  // webapi/events); FetchEvent comes from there too.
  const events = internals.events;

  // ExecutionContext: ctx.waitUntil and ctx.passThroughOnException.
  class ExecutionContext {
    #state;
    constructor(state) { this.#state = state; }
    waitUntil(promise) {
      if (!(this instanceof ExecutionContext)) throw new TypeError("Illegal invocation");
      this.#state.waitUntil.push(Promise.resolve(promise));
    }
    passThroughOnException() {
      if (!(this instanceof ExecutionContext)) throw new TypeError("Illegal invocation");
      this.#state.passThrough = true;
    }
    get props() { return {}; }
    get [Symbol.toStringTag]() { return "ExecutionContext"; }
  }
  verge.expose({ ExecutionContext });

  let style = null; // "modules" | "service-worker" | "vercel" | "lambda-edge"
  let entry = null;

  // init runs once after the bundle is evaluated: it finds the handler.
  function init() {
    const mod = globalThis.__verge_entry;
    globalThis.__verge_entry = undefined; // a var: not deletable
    const def = mod && mod.default;
    if (def && typeof def === "object" && typeof def.fetch === "function") {
      style = "modules"; entry = def;
    } else if (typeof def === "function" && def.prototype && typeof def.prototype.fetch === "function") {
      style = "modules"; entry = new def();
    } else if (typeof def === "function") {
      style = "vercel"; entry = def;
    } else if (mod && typeof mod.middleware === "function") {
      style = "vercel"; entry = mod.middleware; // Vercel's named middleware export
    } else if (events.hasListeners(globalThis, "fetch")) {
      style = "service-worker";
    } else if (mod && typeof mod.handler === "function") {
      style = "lambda-edge"; entry = mod;
    } else if (def && typeof def === "object") {
      throw new TypeError("The worker's default export has no fetch() handler. Export `default { async fetch(request, env, ctx) { ... } }`.");
    } else {
      throw new TypeError("No fetch handler found. Export `default { fetch(request, env, ctx) { ... } }`, call `addEventListener('fetch', event => event.respondWith(...))`, or `export default function handler(request) { ... }`.");
    }
    // The module's `config` export (Vercel's matcher) goes to the front,
    // which decides which requests reach a middleware.
    let config;
    try { config = mod && mod.config !== undefined ? JSON.stringify(mod.config) : undefined; } catch { config = undefined; }
    return JSON.stringify({ style, config });
  }

  // A Vercel middleware that returns nothing lets the request continue,
  // as NextResponse.next() does.
  const nextResponse = () => new Response(null, { headers: { "x-middleware-next": "1" } });
  const settleMiddleware = (r) => (r === undefined || r === null ? nextResponse() : r);

  function checkResponse(r) {
    if (!(r instanceof Response)) {
      const got = r === null ? "null" : typeof r !== "object" ? typeof r : (r.constructor && r.constructor.name) || "object";
      throw new TypeError(`The handler did not return a Response: got ${got}. Return a Response (or a Promise of one).`);
    }
    return r;
  }

  const isThenable = (x) => x !== null && (typeof x === "object" || typeof x === "function") && typeof x.then === "function";

  // settle turns what a handler returned into a Response or a promise of
  // one. A Response returned synchronously stays as it is: no promise is
  // made on the common path.
  function settle(r) {
    if (r instanceof Response) return r;
    if (isThenable(r)) return Promise.resolve(r).then(checkResponse);
    return checkResponse(r);
  }

  // invokeLambda calls a Node.js Lambda handler in any of its forms: async
  // (a promise), callback (event, context, callback), or a plain return.
  // It settles with the handler's result.
  function invokeLambda(handler, event, state) {
    return new Promise((resolve, reject) => {
      let settled = false;
      const callback = (err, result) => {
        if (settled) {
          console.warn("Lambda@Edge: the callback was called more than once; the first result was used");
          return;
        }
        settled = true;
        if (err !== null && err !== undefined) reject(err instanceof Error ? err : new Error(String(err)));
        else resolve(result);
      };
      const cfg = event && event.Records && event.Records[0] && event.Records[0].cf && event.Records[0].cf.config;
      const started = Date.now();
      const context = {
        functionName: "verge-lambda-edge",
        functionVersion: "1",
        awsRequestId: (cfg && cfg.requestId) || "",
        callbackWaitsForEmptyEventLoop: true,
        // The front bounds each trigger's wall time (5 s viewer, 30 s origin).
        getRemainingTimeInMillis: () => Math.max(0, (cfg && cfg.eventType && cfg.eventType.startsWith("viewer") ? 5000 : 30000) - (Date.now() - started)),
        succeed: (r) => callback(null, r),
        fail: (e) => callback(e),
        done: (e, r) => callback(e, r),
        waitUntil: (p) => state.waitUntil.push(Promise.resolve(p)),
      };
      let r;
      try {
        r = handler(event, context, callback);
      } catch (e) {
        callback(e);
        return;
      }
      if (isThenable(r)) Promise.resolve(r).then((v) => callback(null, v), (e) => callback(e || new Error("the handler's promise rejected")));
      else if (handler.length < 3) callback(null, r);
    });
  }

  // dispatch runs one fetch event. It returns the state object: its
  // `response` is a Response or a Promise of one; Go reads passThrough and
  // waitUntil through the functions registered below.
  function dispatch(request, env) {
    const state = { waitUntil: [], passThrough: false, response: null };
    try {
      switch (style) {
        case "modules":
          state.response = settle(entry.fetch(request, env, new ExecutionContext(state)));
          break;
        case "vercel": {
          const r = entry(request, new ExecutionContext(state));
          state.response = settle(isThenable(r) ? Promise.resolve(r).then(settleMiddleware) : settleMiddleware(r));
          break;
        }
        case "service-worker": {
          const ev = events.newFetchEvent(request, {
            waitUntil: (p) => state.waitUntil.push(Promise.resolve(p)),
            passThroughOnException: () => { state.passThrough = true; },
          });
          events.dispatch(globalThis, ev, { trusted: true });
          const result = events.fetchEventResult(ev);
          if (result.passThroughOnException) state.passThrough = true;
          for (const p of result.waitUntil || []) state.waitUntil.push(Promise.resolve(p));
          if (!result.respondWithCalled) throw new TypeError("No response: the 'fetch' event listener did not call event.respondWith().");
          state.response = Promise.resolve(result.response).then(checkResponse);
          break;
        }
        case "lambda-edge":
          // The front sends the CloudFront event as the request body and
          // reads the handler's result as the response body (see server's
          // Lambda@Edge triggers).
          state.response = request.json().then((event) => invokeLambda(entry.handler, event, state))
            .then((result) => new Response(JSON.stringify(result === undefined ? null : result), {
              headers: { "content-type": "application/json" },
            }));
          break;
        default:
          throw new TypeError(`handler style ${style} cannot serve HTTP requests yet`);
      }
    } catch (e) {
      state.response = Promise.reject(e);
    }
    if (isThenable(state.response)) state.response.catch(() => {}); // Go reads the rejection
    return state;
  }

  // done returns a promise that settles when the request's waitUntil work
  // has, or null when there is none.
  const done = (state) => state.waitUntil.length ? Promise.allSettled(state.waitUntil) : null;
  const passThrough = (state) => state.passThrough;

  // makeBinding makes the env value of a binding (a rate limiter, ...) from
  // its type and JSON config; binding scripts register their factories in
  // internals.bindings.
  const makeBinding = (type, config) => {
    const make = internals.bindings && internals.bindings[type];
    if (!make) throw new TypeError(`unknown binding type "${type}"`);
    return make(JSON.parse(config));
  };

  ops.worker_register(init, dispatch, done, passThrough, makeBinding);
})(globalThis.__verge);
