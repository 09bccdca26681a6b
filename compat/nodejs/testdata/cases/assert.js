// node:assert: what passes, what fails, and the errors' shape.
import assert, { strictEqual, deepStrictEqual, AssertionError } from "node:assert";
import strict from "node:assert/strict";

const outcome = (f) => {
  try {
    f();
    return "pass";
  } catch (e) {
    return [e.name, e.code || null, e instanceof AssertionError, e.operator === undefined ? null : e.operator, e.generatedMessage === undefined ? null : e.generatedMessage];
  }
};

export default async function run() {
  class Custom extends Error {}
  const cyclicA = { n: 1 }; cyclicA.self = cyclicA;
  const cyclicB = { n: 1 }; cyclicB.self = cyclicB;
  return {
    ok: [outcome(() => assert(1)), outcome(() => assert(0)), outcome(() => assert.ok("")), outcome(() => assert.ok(false, "custom")), outcome(() => assert.ok(true))],
    equal: [outcome(() => assert.equal(1, "1")), outcome(() => assert.equal(1, 2)), outcome(() => assert.equal(NaN, NaN)), outcome(() => assert.notEqual(1, 2)), outcome(() => assert.notEqual(1, "1"))],
    strictEqual: [outcome(() => strictEqual(1, 1)), outcome(() => strictEqual(1, "1")), outcome(() => strictEqual(NaN, NaN)), outcome(() => strictEqual(0, -0)), outcome(() => assert.notStrictEqual(1, 2))],
    deepStrictEqual: [
      outcome(() => deepStrictEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })),
      outcome(() => deepStrictEqual({ a: 1 }, { a: "1" })),
      outcome(() => deepStrictEqual([1, 2], [1, 2, 3])),
      outcome(() => deepStrictEqual(new Map([[1, { x: 1 }]]), new Map([[1, { x: 1 }]]))),
      outcome(() => deepStrictEqual(new Set([{ a: 1 }, 2]), new Set([2, { a: 1 }]))),
      outcome(() => deepStrictEqual(new Set([1]), new Set(["1"]))),
      outcome(() => deepStrictEqual(new Date(1), new Date(1))),
      outcome(() => deepStrictEqual(new Date(1), new Date(2))),
      outcome(() => deepStrictEqual(/a/g, /a/g)),
      outcome(() => deepStrictEqual(/a/g, /a/i)),
      outcome(() => deepStrictEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))),
      outcome(() => deepStrictEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))),
      outcome(() => deepStrictEqual(Object.create(null), {})),
      outcome(() => deepStrictEqual(cyclicA, cyclicB)),
      outcome(() => deepStrictEqual([1, , 3], [1, undefined, 3])),
      outcome(() => deepStrictEqual({ a: undefined }, {})),
      outcome(() => deepStrictEqual(new Error("x"), new Error("x"))),
      outcome(() => deepStrictEqual(NaN, NaN)),
      outcome(() => deepStrictEqual(0, -0)),
      outcome(() => assert.notDeepStrictEqual({ a: 1 }, { a: 2 })),
      outcome(() => assert.deepEqual({ a: 1 }, { a: "1" })),
      outcome(() => assert.deepEqual(Object.create(null), {})),
      outcome(() => strict.equal(1, "1")),
      outcome(() => strict.deepEqual({ a: 1 }, { a: "1" })),
    ],
    throws: [
      outcome(() => assert.throws(() => { throw new TypeError("bad input"); })),
      outcome(() => assert.throws(() => {})),
      outcome(() => assert.throws(() => { throw new TypeError("bad"); }, TypeError)),
      outcome(() => assert.throws(() => { throw new TypeError("bad"); }, RangeError)),
      outcome(() => assert.throws(() => { throw new Error("bad input"); }, /input/)),
      outcome(() => assert.throws(() => { throw new Error("bad"); }, /input/)),
      outcome(() => assert.throws(() => { throw new Error("bad"); }, { message: "bad", name: "Error" })),
      outcome(() => assert.throws(() => { throw new Error("bad"); }, { message: "other" })),
      outcome(() => assert.throws(() => { throw new Error("bad"); }, { message: /ba/ })),
      outcome(() => assert.throws(() => { throw new Custom("c"); }, (e) => e instanceof Custom)),
      outcome(() => assert.throws(() => { throw new RangeError("r"); }, (e) => e instanceof Custom)),
      outcome(() => assert.throws(() => {}, "described")),
      outcome(() => assert.doesNotThrow(() => {})),
      outcome(() => assert.doesNotThrow(() => { throw new Error("x"); })),
      outcome(() => assert.match("abc", /b/)),
      outcome(() => assert.match("abc", /z/)),
      outcome(() => assert.doesNotMatch("abc", /z/)),
      outcome(() => assert.ifError(null)),
      outcome(() => assert.ifError(new Error("e"))),
      outcome(() => assert.fail("boom")),
      outcome(() => assert.fail()),
    ],
    rejects: [
      await assert.rejects(Promise.reject(new Error("r")), /r/).then(() => "pass", (e) => e.name),
      await assert.rejects(async () => 1).then(() => "pass", (e) => [e.name, e.code]),
      await assert.doesNotReject(async () => 1).then(() => "pass", (e) => e.name),
    ],
    messages: [
      (() => { try { strictEqual(1, 2); } catch (e) { return e.message; } })(),
      (() => { try { assert.ok(false, "custom"); } catch (e) { return e.message; } })(),
      (() => { try { assert.throws(() => {}); } catch (e) { return e.message; } })(),
      (() => { try { assert.throws(() => {}, TypeError); } catch (e) { return e.message; } })(),
      (() => { try { assert.fail("boom"); } catch (e) { return String(e); } })(),
    ],
    isFunction: [typeof assert, assert.strict === strict, strict.strict === strict],
  };
}
