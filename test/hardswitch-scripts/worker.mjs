// worker_threads: each worker has its own main context and pool; a handle from another worker is
// refused; workers that exit (naturally, by process.exit, or terminated while a context runs) with
// parked contexts leave no thread behind (counted in /proc/self/task).
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { hs, exit, check, threadCount } from "./load.mjs";

const main = hs.mainContext();
function parkSome(n) {
  const list = [];
  for (let i = 0; i < n; i++) {
    const c = hs.create(() => {
      try {
        hs.switchTo(main, i);
      } finally {
        parentPort?.postMessage({ finally: i }); // must not run: teardown unwinds by termination
      }
      return exit(main, 0);
    });
    check(hs.switchTo(c) === i, "park in worker");
    list.push(c);
  }
  // a finished context leaves a pooled thread as well
  hs.switchTo(hs.create(() => exit(main, 0)));
  return list;
}
if (!isMainThread) {
  const { mode } = workerData;
  const list = parkSome(10);
  parentPort.postMessage({ mainId: main.id, handle: list[0], stats: hs.stats() });
  if (mode === "exit") process.exit(0);
  if (mode === "terminate") {
    hs.switchTo(hs.create(() => {
      parentPort.postMessage({ spinning: true });
      for (;;);
    }));
  }
  // mode "natural": the event loop empties and the worker ends
} else {
  const run = (mode) =>
    new Promise((resolve, reject) => {
      const w = new Worker(new URL(import.meta.url), { workerData: { mode } });
      const messages = [];
      w.on("message", (m) => {
        messages.push(m);
        if (m.spinning) w.terminate();
      });
      w.on("error", reject);
      w.on("exit", (code) => resolve({ code, messages }));
    });
  await run("natural"); // warm-up: libuv and platform threads that appear on first use
  const before = threadCount();
  const out = [];
  for (let i = 0; i < 20; i++) out.push(await run(["natural", "exit", "terminate"][i % 3]));
  const after = threadCount();
  const first = out[0].messages[0];
  check(first.mainId !== main.id, "each worker has its own main context");
  check(first.stats.parked === 10 && first.stats.liveThreads === 11, `worker stats ${JSON.stringify(first.stats)}`);
  check(out.every((r) => !r.messages.some((m) => "finally" in m)), "no finally at teardown");
  check(out.filter((r, i) => i % 3 === 2).every((r) => r.code === 1), "terminated workers exit with 1");
  let foreign = "none";
  try {
    hs.switchTo(first.handle, 1);
  } catch (e) {
    foreign = e.code;
  }
  check(foreign === "ERR_HARDSWITCH_FOREIGN", `foreign handle: ${foreign}`);
  check(after <= before, `threads before ${before} after ${after}`);
  console.log(JSON.stringify({ before, after, workers: out.length, foreign }));
}
