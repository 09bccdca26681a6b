// console: formats arguments like workerd/Node (util.inspect-style) and
// hands each line to the host through one op.
(function (verge) {
  "use strict";
  const { ops, internals } = verge;

  function quote(s) { return "'" + s.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n") + "'"; }

  function inspect(value, depth = 2, seen = []) {
    switch (typeof value) {
      case "string": return seen.length ? quote(value) : value;
      case "number": return Object.is(value, -0) ? "-0" : String(value);
      case "bigint": return value + "n";
      case "symbol": return value.toString();
      case "undefined": return "undefined";
      case "function": return `[Function: ${value.name || "(anonymous)"}]`;
      case "boolean": return String(value);
    }
    if (value === null) return "null";
    if (seen.includes(value)) return "[Circular]";
    if (value instanceof Error) {
      const stack = typeof value.stack === "string" ? value.stack.trimEnd() : "";
      const head = `${value.name}: ${value.message}`;
      return stack ? head + "\n" + stack : head;
    }
    if (value instanceof Date) return isNaN(value) ? "Invalid Date" : value.toISOString();
    if (value instanceof RegExp) return String(value);
    if (value instanceof Promise) return "Promise { <pending> }";
    const inner = (v) => inspect(v, depth - 1, seen.concat([value]));
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      const name = value.constructor?.name || "TypedArray";
      const items = Array.from(value.slice(0, 100), String);
      if (value.length > 100) items.push(`... ${value.length - 100} more items`);
      return `${name}(${value.length}) [ ${items.join(", ")} ]`;
    }
    if (value instanceof ArrayBuffer) return `ArrayBuffer { byteLength: ${value.byteLength} }`;
    if (Array.isArray(value)) {
      if (depth < 0) return "[Array]";
      const items = value.slice(0, 100).map(inner);
      if (value.length > 100) items.push(`... ${value.length - 100} more items`);
      return items.length ? `[ ${items.join(", ")} ]` : "[]";
    }
    if (value instanceof Map) {
      if (depth < 0) return "[Map]";
      const items = [...value].map(([k, v]) => `${inner(k)} => ${inner(v)}`);
      return `Map(${value.size}) {${items.length ? " " + items.join(", ") + " " : ""}}`;
    }
    if (value instanceof Set) {
      if (depth < 0) return "[Set]";
      const items = [...value].map(inner);
      return `Set(${value.size}) {${items.length ? " " + items.join(", ") + " " : ""}}`;
    }
    const tag = value[Symbol.toStringTag];
    const ctor = value.constructor && value.constructor !== Object ? value.constructor.name : "";
    const prefix = ctor ? ctor + " " : (tag ? `Object [${tag}] ` : "");
    if (depth < 0) return `[${ctor || "Object"}]`;
    let keys;
    try { keys = Object.keys(value); } catch { return "[Object]"; }
    const items = keys.map((k) => {
      const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : quote(k);
      let v;
      try { v = inner(value[k]); } catch (e) { v = "[Getter threw]"; }
      return `${key}: ${v}`;
    });
    if (!items.length) return prefix + "{}";
    return `${prefix}{ ${items.join(", ")} }`;
  }

  function format(args) {
    if (args.length === 0) return "";
    let out = "";
    let rest = args;
    if (typeof args[0] === "string" && args[0].includes("%")) {
      let i = 1;
      out = args[0].replace(/%[sdifjoOc%]/g, (m) => {
        if (m === "%%") return "%";
        if (i >= args.length) return m;
        const a = args[i++];
        switch (m) {
          case "%s": return typeof a === "string" ? a : inspect(a, 1);
          case "%d": case "%i": return typeof a === "bigint" ? a + "n" : String(m === "%i" ? parseInt(a) : Number(a));
          case "%f": return String(parseFloat(a));
          case "%j": try { return JSON.stringify(a); } catch { return "[Circular]"; }
          case "%c": return "";
          default: return inspect(a, 4);
        }
      });
      rest = args.slice(i);
      if (rest.length) out += " ";
    }
    return out + rest.map((a) => inspect(a)).join(" ");
  }

  const counts = new Map();
  const timers = new Map();
  let indent = "";
  const write = (level, args) => ops.console_write(level, indent ? indent + format(args).replace(/\n/g, "\n" + indent) : format(args));

  const console = {
    log: (...a) => write("log", a),
    info: (...a) => write("info", a),
    debug: (...a) => write("debug", a),
    warn: (...a) => write("warn", a),
    error: (...a) => write("error", a),
    trace: (...a) => write("log", ["Trace:", ...a, "\n" + (new Error().stack || "")]),
    assert: (cond, ...a) => { if (!cond) write("error", ["Assertion failed" + (a.length ? ":" : ""), ...a]); },
    dir: (v) => write("log", [inspect(v)]),
    table: (v) => write("log", [v]),
    count: (label = "default") => { const n = (counts.get(label) || 0) + 1; counts.set(label, n); write("log", [`${label}: ${n}`]); },
    countReset: (label = "default") => counts.delete(label),
    time: (label = "default") => timers.set(label, Date.now()),
    timeLog: (label = "default", ...a) => write("log", [`${label}: ${Date.now() - (timers.get(label) ?? Date.now())}ms`, ...a]),
    timeEnd: (label = "default") => { write("log", [`${label}: ${Date.now() - (timers.get(label) ?? Date.now())}ms`]); timers.delete(label); },
    group: (...a) => { if (a.length) write("log", a); indent += "  "; },
    groupCollapsed: (...a) => { if (a.length) write("log", a); indent += "  "; },
    groupEnd: () => { indent = indent.slice(2); },
  };
  internals.inspect = inspect;
  internals.format = format;
  internals.reportError = (e) => write("error", ["Uncaught", e]);
  verge.expose({ console });
})(globalThis.__verge);
