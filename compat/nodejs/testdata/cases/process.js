// node:process and the globals nodejs_compat gives: process, Buffer.
import process from "node:process";
import { nextTick, env } from "process";

export default async function run() {
  const order = [];
  await new Promise((resolve) => {
    nextTick((a, b) => { order.push("tick " + a + b); }, 1, 2);
    Promise.resolve().then(() => order.push("promise"));
    setTimeout(() => { order.push("timeout"); resolve(); }, 0);
  });
  return {
    same: process === globalThis.process,
    env: [env.GREETING, process.env.GREETING, typeof process.env],
    // Both ran before the timer (their order against promises differs
    // with where Node is in its microtask queue).
    order: order.slice(0, 2).sort().concat(order.slice(2)),
    types: [typeof process.cwd(), typeof process.platform, Array.isArray(process.argv), typeof process.hrtime(), typeof process.hrtime.bigint(), typeof process.emitWarning, typeof process.on],
    buffer: [typeof Buffer, Buffer.from("aGk=", "base64").toString(), globalThis.Buffer === (await import("node:buffer")).Buffer],
  };
}
