// Hard greenlets inside worker_threads: each worker has its own main greenlet and hard greenlets,
// and exits (naturally or with process.exit) with some of them parked inside native forEach
// callbacks; the main thread also ends with one parked. Prints {"results":[..],"before":N,"after":N} (OS threads of this process before
// and after); exits 1 on a wrong value.
import { readdirSync } from "node:fs";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { Greenlet, getcurrent } from "tsgreenlet";

const threads = () => readdirSync("/proc/self/task").length;

if (isMainThread) {
  const mainGreenlet = getcurrent();
  // Parked on the main thread until the natural end of the process (which must exit 0).
  const parkedInMain = new Greenlet(() => [1].forEach(() => mainGreenlet.switch("parked")));
  if (parkedInMain.switch() !== "parked") process.exit(1);
  const before = threads();
  const results = [];
  for (let i = 0; i < 8; i++) {
    const w = new Worker(new URL(import.meta.url), { workerData: { index: i, exit: i % 2 === 1 } });
    results.push(await new Promise((resolve, reject) => {
      let got;
      w.on("message", (m) => (got = m));
      w.on("error", reject);
      w.on("exit", (code) => resolve({ ...got, code }));
    }));
  }
  const after = threads();
  if (getcurrent() !== mainGreenlet) process.exit(1);
  console.log(JSON.stringify({ results, before, after }));
} else {
  const main = getcurrent();
  const parked = [];
  let sum = 0;
  for (let k = 0; k < 5; k++) {
    const g = new Greenlet(() => {
      let acc = 0;
      [1, 2, 3].forEach((x) => (acc += main.switch(x * (k + 1))));
      return acc;
    });
    sum += g.switch(); // parked inside forEach
    parked.push(g);
  }
  const done = new Greenlet(() => [10, 20].map((x) => main.switch(x)).length);
  sum += done.switch() + done.switch(1);
  sum += done.switch(2); // finishes: 2
  parentPort.postMessage({ index: workerData.index, sum, hard: parked.every((g) => g.stack === "hard" && !g.dead) });
  if (workerData.exit) process.exit(0);
}
