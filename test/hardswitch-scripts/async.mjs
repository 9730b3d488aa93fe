// Promises, microtasks and timers keep working while contexts are alive, including an await_
// helper: a context parks on main, main awaits the promise and resumes the context from a
// promise callback or timer (switches then happen from other async ids).
import { hs, exit, check } from "./load.mjs";

const main = hs.mainContext();
const await_ = (promise) => hs.switchTo(main, { wait: promise });
async function drive(ctx, first) {
  let msg = hs.switchTo(ctx, first);
  while (msg && msg.wait) {
    let value, isThrow = false;
    try {
      value = await msg.wait;
    } catch (e) {
      value = e;
      isThrow = true;
    }
    msg = hs.switchTo(ctx, value, isThrow);
  }
  return msg;
}
const order = [];
const makeWorker = (name, n) =>
  hs.create((start) => {
    let acc = start;
    for (let i = 0; i < n; i++) {
      queueMicrotask(() => order.push(`${name}:micro${i}`));
      acc += await_(new Promise((r) => setTimeout(() => r(i), i % 3)));
      acc += await_(Promise.resolve(1));
    }
    let rejected;
    try {
      await_(Promise.reject(new Error(`${name} rejected`)));
    } catch (e) {
      rejected = e.message;
    }
    return exit(main, { name, acc, rejected });
  });
const results = await Promise.all([drive(makeWorker("a", 20), 0), drive(makeWorker("b", 30), 100), drive(makeWorker("c", 5), 1000)]);
check(results[0].acc === 0 + 190 + 20 && results[1].acc === 100 + 435 + 30 && results[2].acc === 1000 + 10 + 5, JSON.stringify(results));
check(results.every((r) => r.rejected === `${r.name} rejected`), "rejections");
check(order.length === 55, `microtasks ${order.length}`);
// A timer firing while contexts are parked, and an interval switching into a context.
const parked = hs.create(() => {
  for (let v = 0; ; ) v = hs.switchTo(main, v + 1);
});
hs.switchTo(parked, 0);
let ticks = 0;
await new Promise((resolve) => {
  const t = setInterval(() => {
    ticks = hs.switchTo(parked, ticks);
    if (ticks === 5) {
      clearInterval(t);
      resolve();
    }
  }, 1);
});
hs.killAll();
console.log(JSON.stringify({ results, ticks, microtasks: order.length }));
