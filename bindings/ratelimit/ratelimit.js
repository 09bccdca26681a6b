// The rate limiting binding of Cloudflare Workers:
//
//   const { success } = await env.MY_LIMITER.limit({ key: userId });
//
// Counting happens outside the VM (the PoP front), so every VM and host
// of a worker shares one count per key.
(function (verge) {
  "use strict";
  const { ops, internals } = verge;
  const token = Symbol("ratelimit");

  class RateLimit {
    #ns;
    #limit;
    #period;
    constructor(key, config) {
      if (key !== token) throw new TypeError("Illegal constructor");
      this.#ns = String(config.namespace);
      this.#limit = config.limit;
      this.#period = config.period;
    }

    async limit(options) {
      if (!(this instanceof RateLimit)) throw new TypeError("Illegal invocation");
      if (typeof options !== "object" || options === null || typeof options.key !== "string") {
        throw new TypeError("limit() expects an object with a string key: limit({ key })");
      }
      const success = await ops.ratelimit_limit(this.#ns, this.#limit, this.#period, options.key);
      return { success };
    }

    get [Symbol.toStringTag]() { return "RateLimit"; }
  }

  (internals.bindings ??= Object.create(null)).ratelimit = (config) => new RateLimit(token, config);
})(globalThis.__verge);
