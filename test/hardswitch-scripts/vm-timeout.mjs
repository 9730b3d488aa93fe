// A vm timeout armed in one context must never terminate another. Switching inside a timed vm run
// is refused (ERR_HARDSWITCH_VM_TIMEOUT); a timeout inside a context only ends that vm run.
import vm from "node:vm";
import { hs, exit, check } from "./load.mjs";

const main = hs.mainContext();
// Timed runs that must be *refused* use a generous timeout: the refusal is immediate, but with the
// former 30 ms a process descheduled for > 30 ms (load average 5-7 on 2 CPUs) timed out inside
// the vm run before reaching the switch (13 of 48 runs at 8-way concurrency): that watchdog
// terminated the context that armed it, which is correct, not the hazard. Without the guard the
// switch would succeed and the checks on `refused` / `mainRefused` fail. The run that must time
// out keeps a short timeout, and main stays busy past it.
const REFUSED_TIMEOUT = 5000;
const busy = (ms) => {
  const end = Date.now() + ms;
  while (Date.now() < end);
};
const results = [];
for (let round = 0; round < 3; round++) {
  const c = hs.create(() => {
    let refused = "no";
    try {
      vm.runInNewContext("sw()", { sw: () => hs.switchTo(main, "escaped") }, { timeout: REFUSED_TIMEOUT });
    } catch (e) {
      refused = e.code;
    }
    let timedOut = "no";
    try {
      vm.runInNewContext("for(;;){}", {}, { timeout: 20 });
    } catch (e) {
      timedOut = e.code;
    }
    const value = hs.switchTo(main, { refused, timedOut });
    return exit(main, value + 1);
  });
  const r = hs.switchTo(c);
  check(r.refused === "ERR_HARDSWITCH_VM_TIMEOUT" && r.timedOut === "ERR_SCRIPT_EXECUTION_TIMEOUT", JSON.stringify(r));
  busy(60); // longer than the 20 ms timeout: a stray watchdog would terminate main here
  let mainRefused = "no";
  try {
    new vm.Script("sw()").runInThisContext({ timeout: REFUSED_TIMEOUT });
  } catch (e) {
    mainRefused = e.code;
  }
  globalThis.sw = () => hs.switchTo(c, 1);
  try {
    vm.runInThisContext("sw()", { timeout: REFUSED_TIMEOUT });
  } catch (e) {
    mainRefused = e.code;
  }
  check(mainRefused === "ERR_HARDSWITCH_VM_TIMEOUT", `main refused: ${mainRefused}`);
  check(vm.runInNewContext("1 + 1", {}, { timeout: 1000 }) === 2, "timed run still works");
  check(hs.switchTo(c, 41) === 42, "context still usable");
  busy(60);
  results.push(r);
}
console.log(JSON.stringify({ alive: true, results: results.length }));
