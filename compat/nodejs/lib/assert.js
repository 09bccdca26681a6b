// node:assert. The checks are Node's; the failure messages are simpler
// than Node's diffs (they show both values, not a line diff).
"use strict";
const { isDeepEqual } = require("internal/deepequal");
const { invalidArgType, withCode } = require("internal/errors");
const { inspect } = require("node:util");

const show = (v) => inspect(v, { depth: 4 });

const HEADERS = {
  deepStrictEqual: "Expected values to be strictly deep-equal:",
  strictEqual: "Expected values to be strictly equal:",
  deepEqual: "Expected values to be loosely deep-equal:",
  "==": "Expected values to be loosely equal:",
  notDeepStrictEqual: 'Expected "actual" not to be strictly deep-equal to:',
  notStrictEqual: 'Expected "actual" to be strictly unequal to:',
  notDeepEqual: 'Expected "actual" not to be loosely deep-equal to:',
  "!=": 'Expected "actual" to be loosely unequal to:',
};

class AssertionError extends Error {
  constructor(options) {
    if (options === null || typeof options !== "object") throw invalidArgType("options", "of type object", options);
    const { message, actual, expected, operator, stackStartFn } = options;
    let msg;
    if (message != null) msg = String(message);
    else if (operator in HEADERS) {
      if (operator.startsWith("not") || operator === "!=") msg = `${HEADERS[operator]}\n\n${show(expected)}\n`;
      else if (operator === "strictEqual" || operator === "==") {
        const a = show(actual), e = show(expected);
        msg = !a.includes("\n") && !e.includes("\n") && operator === "strictEqual"
          ? `${HEADERS[operator]}\n\n${a} !== ${e}\n`
          : operator === "==" ? `${a} == ${e}` : `${HEADERS[operator]}\n+ actual - expected\n\n+ ${a}\n- ${e}`;
      } else msg = `${HEADERS[operator]}\n+ actual - expected\n\n+ ${show(actual)}\n- ${show(expected)}`;
    } else msg = `${show(actual)} ${operator} ${show(expected)}`;
    super(msg);
    this.generatedMessage = message == null;
    Object.defineProperty(this, "name", { value: "AssertionError", writable: true, configurable: true, enumerable: false });
    this.code = "ERR_ASSERTION";
    this.actual = actual;
    this.expected = expected;
    this.operator = operator;
    if (typeof Error.captureStackTrace === "function") Error.captureStackTrace(this, stackStartFn);
  }
  toString() {
    return `${this.name} [${this.code}]: ${this.message}`;
  }
}

function fail(obj) {
  if (obj.message instanceof Error) throw obj.message;
  throw new AssertionError(obj);
}

// failWith fails with the user's message, or else with a generated one.
function failWith(obj, userMessage, generated) {
  if (userMessage instanceof Error) throw userMessage;
  const err = new AssertionError({ ...obj, message: userMessage == null ? generated : userMessage });
  err.generatedMessage = userMessage == null;
  throw err;
}

function innerOk(fn, argLen, value, message) {
  if (!value) {
    let generated = false;
    if (argLen === 0) {
      message = "No value argument passed to `assert.ok()`";
      generated = true;
    } else if (message == null) {
      message = "The expression evaluated to a falsy value:\n\n  assert.ok(" + show(value) + ")\n";
      generated = true;
    } else if (message instanceof Error) throw message;
    const err = new AssertionError({ actual: value, expected: true, message, operator: "==", stackStartFn: fn });
    err.generatedMessage = generated;
    throw err;
  }
}

function assert(...args) {
  innerOk(assert, args.length, ...args);
}

assert.ok = function ok(...args) {
  innerOk(ok, args.length, ...args);
};

assert.fail = function (message) {
  if (message instanceof Error) throw message;
  const err = new AssertionError({ message: message === undefined ? "Failed" : message, operator: "fail", stackStartFn: assert.fail });
  err.generatedMessage = message === undefined;
  throw err;
};

const looseEqual = (a, b) => a == b || (a !== a && b !== b); // eslint-disable-line eqeqeq

function compare(name, test, operator = name) {
  const fn = {
    [name](actual, expected, message) {
      if (arguments.length < 2) throw withCode(new TypeError('The "actual" and "expected" arguments must be specified'), "ERR_MISSING_ARGS");
      if (!test(actual, expected)) fail({ actual, expected, message, operator, stackStartFn: fn });
    },
  }[name];
  assert[name] = fn;
}

compare("equal", looseEqual, "==");
compare("notEqual", (a, b) => !looseEqual(a, b), "!=");
compare("strictEqual", Object.is);
compare("notStrictEqual", (a, b) => !Object.is(a, b));
compare("deepEqual", (a, b) => isDeepEqual(a, b, false));
compare("notDeepEqual", (a, b) => !isDeepEqual(a, b, false));
compare("deepStrictEqual", (a, b) => isDeepEqual(a, b, true));
compare("notDeepStrictEqual", (a, b) => !isDeepEqual(a, b, true));

const NO_EXCEPTION = {};

function getActual(fn) {
  if (typeof fn !== "function") throw invalidArgType("fn", "of type function", fn);
  try {
    fn();
  } catch (e) {
    return e;
  }
  return NO_EXCEPTION;
}

async function getActualAsync(promiseFn) {
  let p;
  if (typeof promiseFn === "function") p = promiseFn();
  else if (promiseFn && typeof promiseFn.then === "function") p = promiseFn;
  else throw invalidArgType("promiseFn", "of type function or an instance of Promise", promiseFn);
  try {
    await p;
  } catch (e) {
    return e;
  }
  return NO_EXCEPTION;
}

// matches checks a thrown value against what assert.throws expects: a
// class, a validation function, a RegExp, or an object of properties.
function matches(actual, expected, message, fn) {
  const base = { actual, expected, operator: fn.name, stackStartFn: fn };
  const what = fn.name === "rejects" ? "rejection" : "error";
  if (typeof expected === "function") {
    if (expected.prototype !== undefined && actual instanceof expected) return;
    if (Error.isPrototypeOf(expected) || expected === Error) {
      const got = actual !== null && typeof actual === "object" && actual.constructor ? actual.constructor.name : typeof actual;
      failWith(base, message, `The ${what} is expected to be an instance of "${expected.name}". Received "${got}"\n\nError message:\n\n${actual && actual.message}`);
    }
    const r = expected.call({}, actual);
    if (r === true) return;
    failWith(base, message, `The ${fn.name === "rejects" ? "rejection" : "error"} validation function is expected to return "true". Received ${show(r)}`);
  }
  if (expected instanceof RegExp) {
    if (expected.test(String(actual))) return;
    failWith(base, message, `The input did not match the regular expression ${expected}. Input:\n\n${show(String(actual))}\n`);
  }
  if (typeof expected === "object" && expected !== null) {
    const keys = Object.keys(expected);
    if (expected instanceof Error) keys.push("name", "message");
    for (const k of keys) {
      const want = expected[k], got = actual == null ? undefined : actual[k];
      const ok = want instanceof RegExp && typeof got === "string" ? want.test(got) : isDeepEqual(got, want, true);
      if (!ok) {
        failWith(base, message, `Expected values to be strictly deep-equal:\n+ actual - expected\n\n  Comparison {\n+   ${k}: ${show(got)}\n-   ${k}: ${show(want)}\n  }`);
      }
    }
    return;
  }
  throw invalidArgType("expected", "of type function or an instance of Error, RegExp, or Object", expected);
}

function expectsError(fn, actual, expected, message) {
  if (typeof expected === "string") {
    message = expected;
    expected = undefined;
  }
  if (actual === NO_EXCEPTION) {
    let details = "";
    if (expected && expected.name) details += ` (${expected.name})`;
    details += message ? `: ${message}` : ".";
    const what = fn.name === "rejects" ? "rejection" : "exception";
    fail({ actual: undefined, expected, operator: fn.name, message: `Missing expected ${what}${details}`, stackStartFn: fn });
  }
  if (expected !== undefined) matches(actual, expected, message, fn);
}

function expectsNoError(fn, actual, expected, message) {
  if (actual === NO_EXCEPTION) return;
  if (typeof expected === "string") {
    message = expected;
    expected = undefined;
  }
  if (!expected || (typeof expected === "function" && actual instanceof expected) || (expected instanceof RegExp && expected.test(String(actual)))) {
    const what = fn.name === "doesNotReject" ? "rejection" : "exception";
    fail({ actual, expected, operator: fn.name, message: `Got unwanted ${what}${message ? `: ${message}` : "."}\nActual message: "${actual && actual.message}"`, stackStartFn: fn });
  }
  throw actual;
}

assert.throws = function throws(promiseFn, ...args) {
  expectsError(throws, getActual(promiseFn), ...args);
};
assert.rejects = async function rejects(promiseFn, ...args) {
  expectsError(rejects, await getActualAsync(promiseFn), ...args);
};
assert.doesNotThrow = function doesNotThrow(fn, ...args) {
  expectsNoError(doesNotThrow, getActual(fn), ...args);
};
assert.doesNotReject = async function doesNotReject(fn, ...args) {
  expectsNoError(doesNotReject, await getActualAsync(fn), ...args);
};

assert.ifError = function ifError(err) {
  if (err !== null && err !== undefined) {
    let message = "ifError got unwanted exception: ";
    message += typeof err === "object" && typeof err.message === "string" ? (err.message || err.constructor.name) : show(err);
    const e = new AssertionError({ actual: err, expected: null, operator: "ifError", message, stackStartFn: ifError });
    e.generatedMessage = false;
    throw e;
  }
};

function match(name, negate) {
  const fn = {
    [name](string, regexp, message) {
      if (!(regexp instanceof RegExp)) throw invalidArgType("regexp", "an instance of RegExp", regexp);
      if (typeof string !== "string" || regexp.test(string) === negate) {
        if (message instanceof Error) throw message;
        const generated = message === undefined;
        const text = generated
          ? typeof string !== "string"
            ? `The "string" argument must be of type string. Received type ${typeof string} (${show(string)})`
            : `The input ${negate ? "was expected to not match" : "did not match"} the regular expression ${show(regexp)}. Input:\n\n${show(string)}\n`
          : message;
        const e = new AssertionError({ actual: string, expected: regexp, message: text, operator: name, stackStartFn: fn });
        e.generatedMessage = generated;
        throw e;
      }
    },
  }[name];
  assert[name] = fn;
}
match("match", false);
match("doesNotMatch", true);

assert.AssertionError = AssertionError;

// assert.strict: the same functions with the strict comparisons under the
// loose names.
const strict = function strict(...args) {
  innerOk(strict, args.length, ...args);
};
Object.assign(strict, assert, {
  equal: assert.strictEqual,
  deepEqual: assert.deepStrictEqual,
  notEqual: assert.notStrictEqual,
  notDeepEqual: assert.notDeepStrictEqual,
});
strict.strict = strict;
assert.strict = strict;

module.exports = assert;
