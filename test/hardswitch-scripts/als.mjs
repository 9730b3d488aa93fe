// AsyncLocalStorage per context. Where hs.perContextAsyncLocalStorage is true (Node >= 24, or 22
// with --experimental-async-context-frame) every context keeps its own store; elsewhere (Node 20,
// 22 by default) the script reports the leak it observes and only checks what holds everywhere.
import { AsyncLocalStorage } from "node:async_hooks";
import { hs, exit, check } from "./load.mjs";

const als = new AsyncLocalStorage();
const main = hs.mainContext();
const seen = {};
const timers = [];
const c = await als.run("main-store", async () => {
  const ctx = hs.create(() => {
    seen.ctxInitial = als.getStore();
    als.run("ctx-store", () => {
      timers.push(new Promise((resolve) => setTimeout(() => resolve(als.getStore()), 0)));
      hs.switchTo(main, "parked inside als.run");
      seen.ctxAfterResume = als.getStore();
    });
    als.enterWith("ctx-entered");
    hs.switchTo(main);
    seen.ctxAfterEnterWith = als.getStore();
    return exit(main, "done");
  });
  hs.switchTo(ctx);
  seen.mainAfterSwitch = als.getStore();
  await null;
  seen.mainAfterAwait = als.getStore();
  hs.switchTo(ctx);
  seen.mainAfterEnterWith = als.getStore();
  return ctx;
});
seen.timerInCtx = await timers[0];
check(hs.switchTo(c) === "done", "finish");
seen.outside = als.getStore();
const expected = {
  ctxInitial: "main-store",
  ctxAfterResume: "ctx-store",
  ctxAfterEnterWith: "ctx-entered",
  mainAfterSwitch: "main-store",
  mainAfterAwait: "main-store",
  mainAfterEnterWith: "main-store",
  timerInCtx: "ctx-store",
  outside: undefined,
};
const wrong = Object.keys(expected).filter((k) => seen[k] !== expected[k]);
if (hs.perContextAsyncLocalStorage) check(wrong.length === 0, `per-context ALS wrong: ${JSON.stringify(seen)}`);
check(seen.ctxInitial === "main-store" && seen.timerInCtx === "ctx-store", `basic ALS: ${JSON.stringify(seen)}`);
console.log(JSON.stringify({ perContext: hs.perContextAsyncLocalStorage, wrong, seen }));
