// node:util: format, a basic inspect, promisify/callbackify, inherits,
// deprecate, isDeepStrictEqual, types, and TextEncoder/TextDecoder.
"use strict";
const { invalidArgType, validateFunction, withCode } = require("internal/errors");
const types = require("internal/types");

const customInspect = Symbol.for("nodejs.util.inspect.custom");
const customPromisify = Symbol.for("nodejs.util.promisify.custom");

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function quote(s) {
  const q = !s.includes("'") ? "'" : !s.includes('"') ? '"' : !s.includes("`") && !s.includes("${") ? "`" : "'";
  const escaped = s.replace(/[\\\x00-\x1f\x7f]/g, (c) => {
    switch (c) {
      case "\\": return "\\\\";
      case "\n": return "\\n";
      case "\t": return "\\t";
      case "\r": return "\\r";
      case "\b": return "\\b";
      case "\f": return "\\f";
      case "\v": return "\\v";
    }
    return "\\x" + c.charCodeAt(0).toString(16).padStart(2, "0").toUpperCase();
  });
  return q + (q === "'" ? escaped.replace(/'/g, "\\'") : escaped) + q;
}

function formatNumber(n) {
  return Object.is(n, -0) ? "-0" : String(n);
}

function formatKey(k) {
  if (typeof k === "symbol") return `[${k.toString()}]`;
  return IDENT.test(k) ? k : quote(k);
}

function constructorName(v) {
  let p = v;
  while (p !== null) {
    const d = Object.getOwnPropertyDescriptor(p, "constructor");
    if (d && typeof d.value === "function" && d.value.name) return d.value.name;
    p = Object.getPrototypeOf(p);
  }
  return null;
}

function functionBase(fn) {
  const src = Function.prototype.toString.call(fn);
  const name = fn.name;
  if (src.startsWith("class")) return name ? `[class ${name}]` : "[class (anonymous)]";
  let kind = "Function";
  if (types.isAsyncFunction(fn)) kind = types.isGeneratorFunction(fn) ? "AsyncGeneratorFunction" : "AsyncFunction";
  else if (types.isGeneratorFunction(fn)) kind = "GeneratorFunction";
  return name ? `[${kind}: ${name}]` : `[${kind} (anonymous)]`;
}

// Each formatted value remembers how deep its nesting goes, to decide
// whether an object fits on one line (Node's compact = 3).
function inspectValue(v, ctx, depth) {
  switch (typeof v) {
    case "string": return depth === 0 && ctx.top ? v : quote(v);
    case "number": return formatNumber(v);
    case "bigint": return `${v}n`;
    case "boolean": return String(v);
    case "undefined": return "undefined";
    case "symbol": return v.toString();
    case "function": {
      const base = functionBase(v);
      const keys = Object.keys(v);
      if (keys.length === 0 || depth > ctx.depth) return base;
      return formatObject(v, ctx, depth, base, keys);
    }
  }
  if (v === null) return "null";
  if (ctx.seen.includes(v)) {
    if (!ctx.circular.has(v)) ctx.circular.set(v, ctx.circular.size + 1);
    return `[Circular *${ctx.circular.get(v)}]`;
  }
  if (ctx.customInspect !== false && typeof v[customInspect] === "function" && v[customInspect] !== inspect) {
    const r = v[customInspect](ctx.depth - depth, { ...ctx.options }, inspect);
    return typeof r === "string" ? r : inspectValue(r, ctx, depth);
  }
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? "Invalid Date" : v.toISOString();
  if (v instanceof RegExp) return String(v);
  if (v instanceof Error) {
    const stack = typeof v.stack === "string" && v.stack.length > 0 ? v.stack : `${v.name}: ${v.message}`;
    return stack.startsWith(`${v.name}`) ? stack : `${v.name}: ${v.message}\n${stack}`.trimEnd();
  }
  if (depth > ctx.depth) {
    // Empty arrays and plain objects print as themselves at any depth.
    if (Array.isArray(v)) return v.length === 0 ? "[]" : "[Array]";
    if (Object.getPrototypeOf(v) === Object.prototype && Reflect.ownKeys(v).length === 0) return "{}";
    const name = constructorName(v);
    return `[${name || "Object"}]`;
  }
  return formatObject(v, ctx, depth, null, null);
}

function formatObject(v, ctx, depth, base, keys) {
  ctx.seen.push(v);
  const entries = [];
  let braces;
  let levels = 0;
  const nested = (x) => {
    const before = ctx.maxLevel;
    ctx.maxLevel = 0;
    const s = inspectValue(x, ctx, depth + 1);
    const inner = ctx.maxLevel;
    ctx.maxLevel = before;
    // A value past the depth limit prints as [Object] and adds no level.
    if (x !== null && typeof x === "object" && depth + 1 <= ctx.depth) levels = Math.max(levels, inner + 1);
    return s;
  };
  const name = constructorName(v);
  const proto = Object.getPrototypeOf(v);
  let prefix = "";
  if (Array.isArray(v)) {
    prefix = name === "Array" ? "" : `${name || "[Array: null prototype]"}(${v.length}) `;
    braces = ["[", "]"];
    let holes = 0;
    const shown = Math.min(v.length, 100);
    for (let i = 0; i < shown; i++) {
      if (!Object.prototype.hasOwnProperty.call(v, i)) {
        holes++;
        continue;
      }
      if (holes) {
        entries.push(`<${holes} empty item${holes > 1 ? "s" : ""}>`);
        holes = 0;
      }
      entries.push(nested(v[i]));
    }
    if (holes) entries.push(`<${holes} empty item${holes > 1 ? "s" : ""}>`);
    if (v.length > shown) entries.push(`... ${v.length - shown} more item${v.length - shown > 1 ? "s" : ""}`);
    keys = Object.keys(v).filter((k) => !/^(0|[1-9][0-9]*)$/.test(k));
  } else if (types.isTypedArray(v)) {
    prefix = `${name}(${v.length}) `;
    braces = ["[", "]"];
    for (const x of v) entries.push(typeof x === "bigint" ? `${x}n` : formatNumber(x));
    keys = [];
  } else if (v instanceof Map) {
    prefix = `Map(${v.size}) `;
    braces = ["{", "}"];
    for (const [k, x] of v) entries.push(`${nested(k)} => ${nested(x)}`);
    keys = Object.keys(v);
  } else if (v instanceof Set) {
    prefix = `Set(${v.size}) `;
    braces = ["{", "}"];
    for (const x of v) entries.push(nested(x));
    keys = Object.keys(v);
  } else if (types.isPromise(v)) {
    prefix = "Promise ";
    braces = ["{", "}"];
    entries.push("<pending>");
    keys = Object.keys(v);
  } else if (base !== null) {
    braces = ["{", "}"];
  } else {
    braces = ["{", "}"];
    if (proto === null) prefix = "[Object: null prototype] ";
    else if (name !== "Object") prefix = `${name || "Object"} `;
    const tag = v[Symbol.toStringTag];
    if (typeof tag === "string" && tag !== "" && tag !== name) prefix = `${prefix || "Object "}[${tag}] `;
    keys = Object.keys(v);
  }
  for (const k of keys) entries.push(`${formatKey(k)}: ${nested(v[k])}`);
  for (const s of Object.getOwnPropertySymbols(v)) {
    if (Object.prototype.propertyIsEnumerable.call(v, s)) entries.push(`${formatKey(s)}: ${nested(v[s])}`);
  }
  ctx.seen.pop();
  ctx.maxLevel = Math.max(ctx.maxLevel, levels);
  let head = base !== null ? `${base} ` : prefix;
  if (ctx.circular.has(v)) head = `<ref *${ctx.circular.get(v)}> ${head}`;
  if (entries.length === 0) {
    if (base !== null) return base;
    return `${head}${braces[0]}${braces[1]}`;
  }
  // One line when the entries nest less than three levels deep and fit
  // in 80 columns.
  const total = entries.reduce((n, e) => n + e.length, 0) + entries.length;
  const indent = " ".repeat(ctx.indent + 2 * depth);
  if (levels < 3 && total + head.length + braces[0].length + 10 + indent.length <= ctx.breakLength && !entries.some((e) => e.includes("\n"))) {
    return `${head}${braces[0]} ${entries.join(", ")} ${braces[1]}`;
  }
  return `${head}${braces[0]}\n${indent}  ${entries.join(`,\n${indent}  `)}\n${indent}${braces[1]}`;
}

function inspect(value, opts) {
  const options = typeof opts === "object" && opts !== null ? opts : {};
  const ctx = {
    depth: options.depth === null ? Infinity : typeof options.depth === "number" ? options.depth : 2,
    breakLength: typeof options.breakLength === "number" ? options.breakLength : 80,
    customInspect: options.customInspect,
    seen: [],
    circular: new Map(),
    maxLevel: 0,
    indent: 0,
    options,
  };
  return inspectValue(value, ctx, 0);
}
inspect.custom = customInspect;
inspect.defaultOptions = { depth: 2, breakLength: 80, compact: 3, customInspect: true };

function format(fmt, ...args) {
  return formatWithOptions({}, fmt, ...args);
}

function formatWithOptions(options, fmt, ...args) {
  const show = (x) => (typeof x === "string" ? x : inspect(x, options));
  if (typeof fmt !== "string") return [fmt, ...args].map(show).join(" ");
  let i = 0;
  let out = "";
  let last = 0;
  for (let p = 0; p < fmt.length - 1; p++) {
    if (fmt.charCodeAt(p) !== 37) continue; // '%'
    const c = fmt[p + 1];
    let rep;
    if (c === "%") {
      out += fmt.slice(last, p) + "%";
      last = p + 2;
      p++;
      continue;
    }
    if (i >= args.length || !"sdifjoOc".includes(c)) continue;
    const a = args[i];
    switch (c) {
      case "s":
        if (typeof a === "bigint") rep = `${a}n`;
        else if (typeof a === "number") rep = formatNumber(a);
        else if (typeof a === "object" && a !== null) rep = inspect(a, { ...options, depth: 0 });
        else rep = String(a);
        break;
      case "d":
        rep = typeof a === "bigint" ? `${a}n` : typeof a === "symbol" ? "NaN" : formatNumber(Number(a));
        break;
      case "i":
        rep = typeof a === "bigint" ? `${a}n` : typeof a === "symbol" ? "NaN" : formatNumber(parseInt(a));
        break;
      case "f":
        rep = typeof a === "symbol" ? "NaN" : formatNumber(parseFloat(a));
        break;
      case "j":
        try {
          rep = JSON.stringify(a);
        } catch (e) {
          rep = "[Circular]";
        }
        break;
      case "o":
        rep = inspect(a, { ...options, depth: 4 });
        break;
      case "O":
        rep = inspect(a, options);
        break;
      case "c":
        rep = "";
        break;
    }
    out += fmt.slice(last, p) + rep;
    last = p + 2;
    p++;
    i++;
  }
  out += fmt.slice(last);
  for (; i < args.length; i++) out += " " + show(args[i]);
  return out;
}

function promisify(original) {
  validateFunction(original, "original");
  if (typeof original[customPromisify] === "function") return original[customPromisify];
  function fn(...args) {
    return new Promise((resolve, reject) => {
      original.call(this, ...args, (err, ...values) => {
        if (err) reject(err);
        else resolve(values.length > 1 ? values : values[0]);
      });
    });
  }
  Object.setPrototypeOf(fn, Object.getPrototypeOf(original));
  Object.defineProperty(fn, customPromisify, { value: fn, configurable: true });
  return Object.defineProperties(fn, Object.getOwnPropertyDescriptors(original));
}
promisify.custom = customPromisify;

function callbackify(original) {
  validateFunction(original, "original");
  return function (...args) {
    const cb = args.pop();
    validateFunction(cb, "last argument");
    Promise.resolve()
      .then(() => original.apply(this, args))
      .then(
        (v) => queueMicrotask(() => cb(null, v)),
        (err) => {
          if (!err) {
            const e = withCode(new Error("Promise was rejected with a falsy value"), "ERR_FALSY_VALUE_REJECTION");
            e.reason = err;
            err = e;
          }
          queueMicrotask(() => cb(err));
        },
      );
  };
}

function inherits(ctor, superCtor) {
  if (ctor === undefined || ctor === null) throw invalidArgType("ctor", "of type function", ctor);
  if (superCtor === undefined || superCtor === null) throw invalidArgType("superCtor", "of type function", superCtor);
  if (superCtor.prototype === undefined) throw invalidArgType("superCtor.prototype", "of type object", superCtor.prototype);
  Object.defineProperty(ctor, "super_", { value: superCtor, writable: true, configurable: true });
  Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
}

function deprecate(fn, msg, code) {
  validateFunction(fn, "fn");
  let warned = false;
  return function deprecated(...args) {
    if (!warned) {
      warned = true;
      console.warn(`${code ? `[${code}] ` : ""}DeprecationWarning: ${msg}`);
    }
    return new.target ? Reflect.construct(fn, args, new.target) : fn.apply(this, args);
  };
}

function debuglog() {
  const log = () => {};
  log.enabled = false;
  return log;
}

function isDeepStrictEqual(a, b) {
  return require("internal/deepequal").isDeepEqual(a, b, true);
}

module.exports = {
  format,
  formatWithOptions,
  inspect,
  promisify,
  callbackify,
  inherits,
  deprecate,
  debuglog,
  debug: debuglog,
  isDeepStrictEqual,
  isArray: Array.isArray,
  types,
  TextEncoder: globalThis.TextEncoder,
  TextDecoder: globalThis.TextDecoder,
};
