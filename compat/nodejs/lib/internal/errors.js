// Node-style errors (err.code, and Node's message shapes) shared by the
// modules. Not importable by worker code.
"use strict";

function describe(value) {
  if (value === null) return "Received null";
  if (value === undefined) return "Received undefined";
  if (typeof value === "function") return `Received function ${value.name || "<anonymous>"}`;
  if (typeof value === "object") {
    const name = value.constructor && value.constructor.name;
    return name ? `Received an instance of ${name}` : "Received an instance of Object";
  }
  let shown = typeof value === "string" ? `'${value.length > 25 ? value.slice(0, 25) + "..." : value}'` : String(value);
  if (typeof value === "bigint") shown += "n";
  if (typeof value === "symbol") shown = value.toString();
  return `Received type ${typeof value} (${shown})`;
}

function withCode(err, code) {
  Object.defineProperty(err, "code", { value: code, writable: true, enumerable: true, configurable: true });
  // Node's toString shows the code: "TypeError [ERR_X]: message".
  Object.defineProperty(err, "name", { value: err.name, writable: true, enumerable: false, configurable: true });
  return err;
}

function invalidArgType(name, expected, value) {
  const what = name.endsWith(" argument") ? name : `"${name}" argument`;
  const prefix = name.startsWith("The ") ? name : `The ${what}`;
  return withCode(new TypeError(`${prefix} must be ${expected}. ${describe(value)}`), "ERR_INVALID_ARG_TYPE");
}

function formatNumber(n) {
  if (typeof n === "number" && Number.isInteger(n) && Math.abs(n) > 2 ** 32) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "_");
  }
  if (typeof n === "bigint") return String(n) + "n";
  return String(n);
}

function outOfRange(name, range, value) {
  return withCode(new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${formatNumber(value)}`), "ERR_OUT_OF_RANGE");
}

function bufferOutOfBounds(name) {
  return withCode(new RangeError(name ? `"${name}" is outside of buffer bounds` : "Attempt to access memory outside buffer bounds"), "ERR_BUFFER_OUT_OF_BOUNDS");
}

function unknownEncoding(enc) {
  return withCode(new TypeError(`Unknown encoding: ${enc}`), "ERR_UNKNOWN_ENCODING");
}

function invalidArgValue(name, value, reason = "is invalid") {
  let shown;
  try { shown = typeof value === "string" ? `'${value}'` : String(value); } catch { shown = typeof value; }
  return withCode(new TypeError(`The argument '${name}' ${reason}. Received ${shown}`), "ERR_INVALID_ARG_VALUE");
}

function validateNumber(value, name) {
  if (typeof value !== "number") throw invalidArgType(name, "of type number", value);
}

function validateString(value, name) {
  if (typeof value !== "string") throw invalidArgType(name, "of type string", value);
}

function validateFunction(value, name) {
  if (typeof value !== "function") throw invalidArgType(name, "of type function", value);
}

module.exports = {
  describe, withCode, invalidArgType, outOfRange, bufferOutOfBounds, unknownEncoding,
  invalidArgValue, validateNumber, validateString, validateFunction,
};
