// URLPattern (URL Pattern Standard). A pattern is compiled once in Go and
// kept in the VM's resource table; test() and exec() are one op call each.
// A FinalizationRegistry releases the compiled pattern with its object.
(function (verge) {
  "use strict";
  const { ops, internals } = verge;
  const { enumerable, toUSV } = internals.url;

  const STRING = 0, INIT = 1;
  const COMPONENTS = ["protocol", "username", "password", "hostname", "port", "pathname", "search", "hash"];
  // URLPatternInit's members in the order WebIDL reads them (lexicographic)
  // and the order the ops take them.
  const INIT_READ = ["baseURL", "hash", "hostname", "password", "pathname", "port", "protocol", "search", "username"];
  const INIT_ORDER = [...COMPONENTS, "baseURL"];

  const registry = typeof FinalizationRegistry === "function"
    ? new FinalizationRegistry((id) => { try { ops.urlpattern_free(id); } catch { /* already gone */ } })
    : null;

  const isObject = (v) => v !== null && (typeof v === "object" || typeof v === "function");

  // initDict converts a URLPatternInit: a new object with the members that
  // are present, as USVStrings.
  function initDict(v, what) {
    const out = {};
    if (v === undefined || v === null) return out;
    if (!isObject(v)) throw new TypeError(`Failed to ${what}: The provided value is not of type 'URLPatternInit'.`);
    for (const k of INIT_READ) {
      const x = v[k];
      if (x !== undefined) out[k] = toUSV(x);
    }
    return out;
  }

  const initArgs = (d) => INIT_ORDER.map((k) => d[k]);

  class URLPattern {
    #id;
    #c; // [protocol, username, password, hostname, port, pathname, search, hash, hasRegExpGroups]

    constructor(input = undefined, baseURL = undefined, options = undefined) {
      const what = "construct 'URLPattern'";
      // Overloads: (input, baseURL, options?) and (input?, options?); the
      // second argument is the base URL unless it is a dictionary.
      const noBase = arguments.length < 3 && (baseURL === undefined || baseURL === null || isObject(baseURL));
      if (noBase) {
        options = baseURL;
        baseURL = undefined;
      }
      // WebIDL converts the arguments in order.
      const isInit = input === undefined || input === null || isObject(input);
      const init = isInit ? initDict(input, what) : null;
      const pattern = isInit ? "" : toUSV(input);
      if (!noBase) baseURL = toUSV(baseURL);
      if (options !== undefined && options !== null && !isObject(options)) {
        throw new TypeError(`Failed to ${what}: The provided value is not of type 'URLPatternOptions'.`);
      }
      const ignoreCase = options == null ? false : Boolean(options.ignoreCase);
      let r;
      if (isInit) {
        if (baseURL !== undefined) throw new TypeError(`Failed to ${what}: Invalid second argument baseURL '${baseURL}' provided with a URLPatternInit input. Use the URLPatternInit.baseURL property instead.`);
        r = ops.urlpattern_new(INIT, ignoreCase, ...initArgs(init));
      } else {
        r = ops.urlpattern_new(STRING, ignoreCase, pattern, baseURL);
      }
      this.#id = r[0];
      this.#c = r.slice(1);
      registry?.register(this, r[0]);
    }

    // #run is test (exec false) and exec.
    #run(exec, input, baseURL, given, what) {
      if (input === undefined || input === null || isObject(input)) {
        if (given > 1 && baseURL !== undefined) {
          throw new TypeError(`Failed to ${what}: Invalid second argument baseURL '${toUSV(baseURL)}' provided with a URLPatternInit input. Use the URLPatternInit.baseURL property instead.`);
        }
        const init = initDict(input, what);
        return [ops.urlpattern_exec(this.#id, exec, INIT, ...initArgs(init)), [init]];
      }
      input = toUSV(input);
      if (baseURL === undefined) return [ops.urlpattern_exec(this.#id, exec, STRING, input), [input]];
      baseURL = toUSV(baseURL);
      return [ops.urlpattern_exec(this.#id, exec, STRING, input, baseURL), [input, baseURL]];
    }

    test(input = undefined, baseURL = undefined) {
      return this.#run(false, input, baseURL, arguments.length, "execute 'test' on 'URLPattern'")[0];
    }

    exec(input = undefined, baseURL = undefined) {
      const [flat, inputs] = this.#run(true, input, baseURL, arguments.length, "execute 'exec' on 'URLPattern'");
      if (flat === null) return null;
      const result = { inputs };
      let i = 0;
      for (let c = 0; c < 8; c++) {
        const compInput = flat[i++];
        const n = flat[i++];
        let groups = {};
        if (n > 0) {
          // Filled without a prototype, so that plain assignment defines
          // data properties (even "__proto__") as CreateDataProperty does.
          groups = Object.create(null);
          for (let j = 0; j < n; j++, i += 2) groups[flat[i]] = flat[i + 1];
          Object.setPrototypeOf(groups, Object.prototype);
        }
        result[COMPONENTS[c]] = { input: compInput, groups };
      }
      return result;
    }

    get protocol() { return this.#c[0]; }
    get username() { return this.#c[1]; }
    get password() { return this.#c[2]; }
    get hostname() { return this.#c[3]; }
    get port() { return this.#c[4]; }
    get pathname() { return this.#c[5]; }
    get search() { return this.#c[6]; }
    get hash() { return this.#c[7]; }
    get hasRegExpGroups() { return this.#c[8]; }
  }

  Object.defineProperty(URLPattern.prototype, Symbol.toStringTag, { value: "URLPattern", configurable: true });
  enumerable(URLPattern.prototype);
  (internals.platformPrototypes ??= new WeakSet()).add(URLPattern.prototype);
  verge.expose({ URLPattern });
})(globalThis.__verge);
