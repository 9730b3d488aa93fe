// Stack overflow inside a hard context is a RangeError in that context, never SIGSEGV, for
// several stack sizes and margins; uncaught, it is thrown into the context that switched in.
import { hs, exit, check } from "./load.mjs";

const main = hs.mainContext();
const depthOf = () => {
  let depth = 0;
  const rec = () => {
    depth++;
    rec();
  };
  try {
    rec();
  } catch (e) {
    check(e instanceof RangeError, `expected RangeError, got ${e}`);
  }
  return depth;
};
const result = {};
for (const [stackSize, jsMargin] of [[65536, undefined], [65536, 16384], [131072, 16384], [262144, undefined], [262144, 16384], [1048576, undefined]]) {
  const opts = { stackSize };
  if (jsMargin !== undefined) opts.jsMargin = jsMargin;
  const c = hs.create(() => {
    const d1 = depthOf();
    hs.switchTo(main, d1); // suspend after an overflow, resume and overflow again
    const deep = "[".repeat(100000) + "]".repeat(100000);
    let jsonError = "none";
    try {
      JSON.parse(deep);
    } catch (e) {
      jsonError = e.constructor.name;
    }
    return exit(main, { d1, d2: depthOf(), jsonError });
  }, opts);
  const d1 = hs.switchTo(c);
  const r = hs.switchTo(c);
  check(r.d1 === d1 && r.d2 > 100 && Math.abs(r.d2 - r.d1) < r.d1 * 0.2 + 50, JSON.stringify(r));
  result[`${stackSize / 1024}K/${(jsMargin ?? 0) / 1024 || "default"}`] = r.d1;
}
// Uncaught overflow travels to the resumer.
const c = hs.create(() => {
  const rec = (n) => rec(n + 1) + 1;
  return exit(main, rec(0));
});
let caught;
try {
  hs.switchTo(c);
} catch (e) {
  caught = e;
}
check(caught instanceof RangeError && hs.state(c) === "finished", `uncaught overflow: ${caught}`);
result.mainDepth = depthOf();
console.log(JSON.stringify(result));
