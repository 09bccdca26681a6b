// node:process. The runtime gives every worker a small process global
// (env from the worker's vars, nextTick); this module completes it and
// is that same object.
"use strict";

const process = globalThis.process || { env: {} };
const started = Date.now();
const now = () => (typeof performance !== "undefined" ? performance.now() : Date.now() - started);

const defaults = {
  title: "verge",
  platform: "linux",
  arch: "x64",
  version: "",
  versions: {},
  argv: [],
  execArgv: [],
  pid: 1,
  ppid: 0,
  exitCode: undefined,
  release: { name: "verge" },
  features: {},
  cwd() { return "/"; },
  chdir() {
    throw Object.assign(new Error("process.chdir() is not supported"), { code: "ERR_METHOD_NOT_IMPLEMENTED" });
  },
  umask() { return 0o22; },
  uptime() { return (Date.now() - started) / 1000; },
  hrtime: Object.assign(function hrtime(prev) {
    const ns = BigInt(Math.round(now() * 1e6));
    let s = Number(ns / 1000000000n), n = Number(ns % 1000000000n);
    if (Array.isArray(prev)) {
      s -= prev[0];
      n -= prev[1];
      if (n < 0) { s--; n += 1e9; }
    }
    return [s, n];
  }, { bigint: () => BigInt(Math.round(now() * 1e6)) }),
  memoryUsage() { return { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }; },
  emitWarning(warning, type) {
    const name = typeof type === "string" ? type : (warning && warning.name) || "Warning";
    console.warn(`${name}: ${warning && warning.message !== undefined ? warning.message : warning}`);
  },
  exit(code) {
    throw Object.assign(new Error(`process.exit(${code === undefined ? "" : code}) is not supported in a worker`), { code: "ERR_METHOD_NOT_IMPLEMENTED" });
  },
  abort() { process.exit(); },
  // Events: a worker has no process-level events; listeners are accepted
  // and never called, so libraries that register them still load.
  on() { return process; },
  once() { return process; },
  off() { return process; },
  addListener() { return process; },
  removeListener() { return process; },
  removeAllListeners() { return process; },
  prependListener() { return process; },
  emit() { return false; },
  listeners() { return []; },
  listenerCount() { return 0; },
};
for (const [k, v] of Object.entries(defaults)) {
  if (!(k in process)) Object.defineProperty(process, k, { value: v, writable: true, configurable: true, enumerable: true });
}
if (typeof process.nextTick !== "function") {
  process.nextTick = (fn, ...args) => queueMicrotask(() => fn(...args));
}
if (!process.env) process.env = {};

module.exports = process;
