// killAll(): every suspended context's pending switchTo throws HardExitSignal, finally blocks
// run, later switches re-throw, errors escaping are aggregated; main and the caller survive.
import { hs, exit, check } from "./load.mjs";

const main = hs.mainContext();
const log = [];
const a = hs.create(() => {
  try {
    hs.switchTo(main, "a parked");
  } catch (e) {
    log.push(`a caught ${e.name}`);
    try {
      hs.switchTo(main, "again");
    } catch (e2) {
      log.push(`a rethrown ${e2 instanceof hs.HardExitSignal}`);
    }
    throw e;
  } finally {
    log.push("a finally");
  }
  return exit(main, "unreachable");
});
const b = hs.create(() => {
  try {
    hs.switchTo(main, "b parked");
  } finally {
    log.push("b finally");
    throw new Error("b failed while unwinding");
  }
});
const c = hs.create(() => {
  hs.switchTo(main, "c parked");
  return exit(main, "c done");
});
const fresh = hs.create(() => exit(main, "never"));
hs.switchTo(a);
hs.switchTo(b);
hs.switchTo(c);
let aggregate;
try {
  hs.killAll();
} catch (e) {
  aggregate = e;
}
check(aggregate instanceof AggregateError && aggregate.errors.length === 1 && aggregate.errors[0].message === "b failed while unwinding", `aggregate ${aggregate}`);
check([a, b, c].every((x) => hs.state(x) === "finished"), "all finished");
check(hs.state(fresh) === "new", "new contexts are left alone");
check(hs.stats().parked === 0, "nothing parked");
console.log(JSON.stringify(log));
