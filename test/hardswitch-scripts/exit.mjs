// Process exit with suspended contexts. Mode (argv[2]):
//   natural         the script just ends             -> exit 0, no finally runs
//   process-exit    process.exit(3) on main           -> exit 3
//   exit-in-context process.exit(4) inside a context  -> exit 4
//   killall         process.on("exit", killAll)       -> exit 0, every finally runs
//   uncaught        an uncaught error on main         -> exit 1
//   many            1000 parked, natural end          -> exit 0
import { hs, exit, check } from "./load.mjs";

const mode = process.argv[2] ?? "natural";
const main = hs.mainContext();
const count = mode === "many" ? 1000 : 5;
const started = performance.now();
for (let i = 0; i < count; i++) {
  const c = hs.create(() => {
    try {
      hs.switchTo(main, i);
      return exit(main, "resumed");
    } finally {
      if (count <= 5) console.log(`finally ${i}`);
    }
  });
  check(hs.switchTo(c) === i, "park");
}
check(hs.stats().parked === count, "parked count");
if (mode === "killall") {
  process.on("exit", () => {
    hs.killAll();
    console.log(`after killAll parked=${hs.stats().parked}`);
  });
}
if (mode === "exit-in-context") {
  hs.switchTo(hs.create(() => process.exit(4)));
}
if (mode === "process-exit") process.exit(3);
if (mode === "uncaught") throw new Error("boom with parked contexts");
process.on("exit", () => console.log(`exit event ms=${(performance.now() - started).toFixed(0)}`));
console.log("end of script");
