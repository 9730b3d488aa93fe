// Hard-switch round trips sampled only while the machine is otherwise idle (or under any load),
// for shared machines where a whole benchmark run rarely sees an idle CPU:
//   node bench/hard/roundtrip-sampler.mjs <seconds> [label]        # waits for idle 200 ms windows
//   ANYLOAD=1 node bench/hard/roundtrip-sampler.mjs <seconds>       # samples whatever the load
// Linux only (/proc/stat). Each time the machine was idle (<= 5% busy) for 200 ms, it measures
// each wait mode for 20 x 2,000 round trips main -> context -> main and prints one JSON line per
// mode: the median of the 20 batches, and `otherCpu`, the CPUs other processes kept busy during
// the sample (classify samples by it: ~0 idle). Why that long: without followCpu the scheduler
// first keeps both threads on one CPU and spreads them over two only later, so short samples
// (10 x 500) showed the old default at ~10 us at idle where a 2-second run showed ~28 us. Modes follow/nofollow/lowLatency are the addon's
// configure() settings (see docs/hardswitch.md); an older addon without followCpu gets
// default/lowLatency. HS_INDEX / TSGREENLET_HARDSWITCH_BINARY select another build.
//   node bench/hard/roundtrip-sampler.mjs summarize <file.jsonl> [maxOtherCpu=0.1] [minOtherCpu=0]
// prints, per label/node/mode, the median of the sample medians within that load band.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

if (process.argv[2] === "summarize") {
  const [file, max = "0.1", min = "0"] = process.argv.slice(3);
  const groups = new Map();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.startsWith("{")) continue;
    const r = JSON.parse(line);
    if (r.medianNs === undefined || r.otherCpu > Number(max) || r.otherCpu < Number(min)) continue;
    const key = `${r.label} ${r.node} ${r.mode}`;
    groups.set(key, [...(groups.get(key) ?? []), r.medianNs]);
  }
  for (const [key, xs] of [...groups].sort()) {
    const s = [...xs].sort((a, b) => a - b);
    console.log(JSON.stringify({ group: key, samples: s.length, medianNs: s[s.length >> 1], p25Ns: s[s.length >> 2], p75Ns: s[(3 * s.length) >> 2] }));
  }
  process.exit(0);
}

const index = process.env.HS_INDEX
  ? pathToFileURL(process.env.HS_INDEX).href
  : new URL("../../dist/native-hardswitch/index.js", import.meta.url).href;
const hs = await import(index);
if (!hs.available) {
  console.log(JSON.stringify({ unavailable: hs.reason }));
  process.exit(0);
}
const seconds = Number(process.argv[2] ?? 60);
const label = process.argv[3] ?? "";
const waitForIdle = process.env.ANYLOAD !== "1";
const main = hs.mainContext();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const now = () => process.hrtime.bigint();
function machine() {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const all = f.reduce((a, b) => a + b, 0);
  return { busyMs: (all - f[3] - f[4]) * 10, allMs: all * 10 };
}
const sleepMs = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const hasFollow = "pinnedThreads" in hs.stats();
const modes = hasFollow
  ? { follow: { lowLatency: false, followCpu: true }, nofollow: { lowLatency: false, followCpu: false }, lowLatency: { lowLatency: true } }
  : { default: { lowLatency: false }, lowLatency: { lowLatency: true } };

const c = hs.create(() => {
  for (;;) hs.switchTo(main);
});
hs.switchTo(c);
const end = Date.now() + seconds * 1000;
while (Date.now() < end) {
  if (waitForIdle) {
    const a = machine();
    sleepMs(200);
    const b = machine();
    if ((b.busyMs - a.busyMs) / (b.allMs - a.allMs) > 0.05) continue;
  }
  for (const [mode, options] of Object.entries(modes)) {
    hs.configure(options);
    for (let i = 0; i < 300; i++) hs.switchTo(c); // settle: spin budget, thread placement
    const m0 = machine();
    const cpu0 = process.cpuUsage();
    const wall0 = now();
    const batches = [];
    for (let b = 0; b < 20; b++) {
      const t0 = now();
      for (let i = 0; i < 2000; i++) hs.switchTo(c);
      batches.push(Number(now() - t0) / 2000);
    }
    const wallMs = Number(now() - wall0) / 1e6;
    const cpu = process.cpuUsage(cpu0);
    const ownMs = (cpu.user + cpu.system) / 1000;
    const m1 = machine();
    console.log(JSON.stringify({
      label, node: process.version, mode,
      medianNs: Math.round(median(batches)),
      ownCpu: +(ownMs / wallMs).toFixed(2),
      otherCpu: +Math.max(0, (m1.busyMs - m0.busyMs - ownMs) / wallMs).toFixed(2),
    }));
  }
}
hs.configure({ lowLatency: false });
process.exit(0); // the sampling context stays parked; exit without unwinding it
