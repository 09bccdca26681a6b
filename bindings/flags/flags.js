// The feature flags binding ([flags] binding = "FLAGS" in verge.toml):
//
//   if (await env.FLAGS.get("new-checkout", request)) { ... }
//   const variant = env.FLAGS.variant("pricing-test", request); // "a", "b" or null
//
// The PoP evaluates flags and experiments per request (targeting by
// country, percentage, claim; sticky variants) and sends the results with
// the request as request.cf.flags and request.cf.experiments; this binding
// reads them there.
(function (verge) {
  "use strict";
  const { internals } = verge;
  const token = Symbol("flags");

  function cfOf(request, method) {
    if (typeof request !== "object" || request === null || !("cf" in request)) {
      throw new TypeError(`${method}() needs the incoming request: env.FLAGS.${method}(name, request)`);
    }
    return request.cf ?? {};
  }

  class Flags {
    constructor(key) {
      if (key !== token) throw new TypeError("Illegal constructor");
    }

    // get returns a flag's value for this request, or defaultValue (null)
    // when the route defines no such flag.
    get(name, request, defaultValue = null) {
      const flags = cfOf(request, "get").flags ?? {};
      return Object.hasOwn(flags, String(name)) ? flags[String(name)] : defaultValue;
    }

    // all returns every flag's value for this request.
    all(request) {
      return { ...(cfOf(request, "all").flags ?? {}) };
    }

    // variant returns the request's variant of an experiment, or null.
    variant(experiment, request) {
      const exps = cfOf(request, "variant").experiments ?? {};
      return Object.hasOwn(exps, String(experiment)) ? exps[String(experiment)] : null;
    }

    // experiments returns every experiment's variant for this request.
    experiments(request) {
      return { ...(cfOf(request, "experiments").experiments ?? {}) };
    }

    get [Symbol.toStringTag]() { return "Flags"; }
  }

  (internals.bindings ??= Object.create(null)).flags = () => new Flags(token);
})(globalThis.__verge);
