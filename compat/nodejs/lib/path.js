// node:path, POSIX flavour only (path.win32 is not provided). The
// working directory is "/".
"use strict";
const { validateString, invalidArgType } = require("internal/errors");

// normalizeSegments resolves "." and ".." in a path's segments; an
// absolute path cannot climb above the root.
function normalizeSegments(path, absolute) {
  const out = [];
  for (const seg of path.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!absolute) out.push("..");
    } else out.push(seg);
  }
  return out.join("/");
}

function cwd() {
  const p = globalThis.process;
  return p && typeof p.cwd === "function" ? p.cwd() : "/";
}

function resolve(...args) {
  let resolved = "";
  let absolute = false;
  for (let i = args.length - 1; i >= -1 && !absolute; i--) {
    const path = i >= 0 ? args[i] : cwd();
    validateString(path, `paths[${i}]`);
    if (path.length === 0) continue;
    resolved = `${path}/${resolved}`;
    absolute = path.charCodeAt(0) === 47;
  }
  resolved = normalizeSegments(resolved, absolute);
  if (absolute) return `/${resolved}`;
  return resolved.length > 0 ? resolved : ".";
}

function normalize(path) {
  validateString(path, "path");
  if (path.length === 0) return ".";
  const absolute = path.charCodeAt(0) === 47;
  const trailing = path.charCodeAt(path.length - 1) === 47;
  let out = normalizeSegments(path, absolute);
  if (out.length === 0) {
    if (absolute) return "/";
    return trailing ? "./" : ".";
  }
  if (trailing) out += "/";
  return absolute ? `/${out}` : out;
}

function isAbsolute(path) {
  validateString(path, "path");
  return path.length > 0 && path.charCodeAt(0) === 47;
}

function join(...args) {
  if (args.length === 0) return ".";
  let joined;
  for (const arg of args) {
    validateString(arg, "path");
    if (arg.length > 0) joined = joined === undefined ? arg : `${joined}/${arg}`;
  }
  return joined === undefined ? "." : normalize(joined);
}

function relative(from, to) {
  validateString(from, "from");
  validateString(to, "to");
  if (from === to) return "";
  from = resolve(from);
  to = resolve(to);
  if (from === to) return "";
  const f = from === "/" ? [] : from.slice(1).split("/");
  const t = to === "/" ? [] : to.slice(1).split("/");
  let common = 0;
  while (common < f.length && common < t.length && f[common] === t[common]) common++;
  const up = f.slice(common).map(() => "..");
  return up.concat(t.slice(common)).join("/");
}

function dirname(path) {
  validateString(path, "path");
  if (path.length === 0) return ".";
  const absolute = path.charCodeAt(0) === 47;
  let end = -1;
  let matchedSlash = true;
  for (let i = path.length - 1; i >= 1; --i) {
    if (path.charCodeAt(i) === 47) {
      if (!matchedSlash) {
        end = i;
        break;
      }
    } else matchedSlash = false;
  }
  if (end === -1) return absolute ? "/" : ".";
  if (absolute && end === 1) return "//";
  return path.slice(0, end);
}

function basename(path, suffix) {
  if (suffix !== undefined) validateString(suffix, "ext");
  validateString(path, "path");
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 47) end--;
  if (end === 0) return "";
  const start = path.lastIndexOf("/", end - 1) + 1;
  let base = path.slice(start, end);
  // A base that is all suffix loses it only when no slash followed it.
  if (suffix !== undefined && suffix.length > 0 && base.endsWith(suffix) && (base !== suffix || end === path.length)) {
    base = base.slice(0, base.length - suffix.length);
  }
  return base;
}

function extname(path) {
  validateString(path, "path");
  const base = basename(path);
  const dot = base.lastIndexOf(".");
  if (dot <= 0) return "";
  // "a." has extension "."; "..": none.
  if (base === "..") return "";
  return base.slice(dot);
}

function format(obj) {
  if (obj === null || typeof obj !== "object") throw invalidArgType("pathObject", "of type object", obj);
  const dir = obj.dir || obj.root;
  let base = obj.base;
  if (!base) {
    const ext = obj.ext ? (obj.ext.startsWith(".") ? obj.ext : `.${obj.ext}`) : "";
    base = `${obj.name || ""}${ext}`;
  }
  if (!dir) return base;
  return dir === obj.root ? `${dir}${base}` : `${dir}/${base}`;
}

function parse(path) {
  validateString(path, "path");
  const ret = { root: "", dir: "", base: "", ext: "", name: "" };
  if (path.length === 0) return ret;
  const absolute = path.charCodeAt(0) === 47;
  if (absolute) ret.root = "/";
  let end = path.length;
  while (end > 1 && path.charCodeAt(end - 1) === 47) end--;
  const trimmed = path.slice(0, end);
  if (trimmed === "/") {
    ret.dir = "/";
    return ret;
  }
  const slash = trimmed.lastIndexOf("/");
  ret.base = trimmed.slice(slash + 1);
  const dot = ret.base.lastIndexOf(".");
  if (dot <= 0 || ret.base === "..") ret.name = ret.base;
  else {
    ret.name = ret.base.slice(0, dot);
    ret.ext = ret.base.slice(dot);
  }
  if (slash > 0) ret.dir = trimmed.slice(0, slash);
  else if (absolute) ret.dir = "/";
  return ret;
}

function toNamespacedPath(path) {
  return path;
}

const posix = {
  sep: "/",
  delimiter: ":",
  resolve, normalize, isAbsolute, join, relative, dirname, basename, extname, format, parse, toNamespacedPath,
};
posix.posix = posix;
posix.win32 = null;

module.exports = posix;
