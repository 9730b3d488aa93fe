// Shared loader for the hard-switch subprocess scenarios: imports the API that the test harness
// transpiled (HS_INDEX), or the built package (dist/) when a script is run by hand. Exit code 77
// means the addon is not available.
import { readdirSync } from "node:fs";
import { pathToFileURL } from "node:url";

const index = process.env.HS_INDEX
  ? pathToFileURL(process.env.HS_INDEX).href
  : new URL("../../dist/native-hardswitch/index.js", import.meta.url).href;

export const hs = await import(index);
if (!hs.available) {
  console.log(JSON.stringify({ unavailable: hs.reason }));
  process.exit(77);
}

/** The HardExit that hands `value` to `target` when a context function ends. */
export const exit = (target, value, isThrow = false) => ({ target, value, isThrow });

export function check(cond, message) {
  if (!cond) {
    console.error(`check failed: ${message}`);
    process.exit(1);
  }
}

/** OS threads of this process right now. */
export function threadCount() {
  return readdirSync("/proc/self/task").length;
}
