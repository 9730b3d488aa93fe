// A switch out of a context inside an async scope it opened (runInAsyncScope, AsyncResource.bind)
// would corrupt Node's async id stack and abort the process; it is refused with
// ERR_HARDSWITCH_ASYNC_SCOPE instead. Main may switch from inside its own async scopes.
import { AsyncResource, createHook, executionAsyncId } from "node:async_hooks";
import { hs, exit, check } from "./load.mjs";

if (process.argv[2] === "hooks") createHook({ init() {}, before() {}, after() {} }).enable();
const main = hs.mainContext();
const c = hs.create(() => {
  const out = {};
  try {
    new AsyncResource("probe").runInAsyncScope(() => hs.switchTo(main, "inside scope"));
    out.scope = "switched";
  } catch (e) {
    out.scope = e.code;
  }
  try {
    AsyncResource.bind(() => hs.switchTo(main, "inside bind"))();
    out.bind = "switched";
  } catch (e) {
    out.bind = e.code;
  }
  out.resumed = hs.switchTo(main, "plain switch works");
  return exit(main, out);
});
check(hs.switchTo(c) === "plain switch works", "plain switch");
const before = executionAsyncId();
const out = new AsyncResource("main-scope").runInAsyncScope(() => hs.switchTo(c, "from main scope"));
check(executionAsyncId() === before, "main async id restored");
check(out.scope === "ERR_HARDSWITCH_ASYNC_SCOPE" && out.bind === "ERR_HARDSWITCH_ASYNC_SCOPE" && out.resumed === "from main scope", JSON.stringify(out));
// Switching from timers and promise callbacks (other async ids) is fine.
const d = hs.create((v) => {
  for (;;) v = hs.switchTo(main, v + 1);
});
let total = hs.switchTo(d, 0);
await new Promise((resolve) => setTimeout(resolve, 0));
total = hs.switchTo(d, total);
await Promise.resolve();
total = hs.switchTo(d, total);
setImmediate(() => {
  total = hs.switchTo(d, total);
  check(total === 4, `total ${total}`);
  hs.killAll();
  console.log(JSON.stringify(out));
});
