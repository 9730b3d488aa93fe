// GC safety: N switches in both directions with forced minor and full GCs while suspended stacks
// hold the only references to objects. Run with --expose-gc. Prints {"switches":..,"gcs":..}.
import { hs, exit, check } from "./load.mjs";

const N = Number(process.argv[2] ?? 100_000);
const CONTEXTS = 8;
const main = hs.mainContext();
let gcs = 0;

function worker(index) {
  return (first) => {
    let incoming = first;
    for (let round = 0; ; round++) {
      // Only this suspended stack references `mine` while other contexts run and GC happens.
      const mine = { index, round, payload: Array.from({ length: 16 }, (_, k) => `${index}:${round}:${k}`) };
      const weakOnly = new Map([[round, { nested: [mine.payload[3]] }]]);
      check(incoming && incoming.tag === "from-main" && typeof incoming.n === "number", `bad value into ${index}`);
      const reply = { tag: "from-ctx", index, round, echo: incoming.n };
      incoming = hs.switchTo(main, reply);
      check(mine.index === index && mine.round === round, "object header corrupted");
      check(mine.payload.every((s, k) => s === `${index}:${round}:${k}`), "payload corrupted");
      check(weakOnly.get(round).nested[0] === `${index}:${round}:3`, "map corrupted");
      if (incoming.stop) return exit(main, { index, rounds: round + 1 });
    }
  };
}

const contexts = Array.from({ length: CONTEXTS }, (_, i) => hs.create(worker(i)));
for (let n = 0; n < N; n++) {
  const i = n % CONTEXTS;
  const reply = hs.switchTo(contexts[i], { tag: "from-main", n, blob: new Array(8).fill(n) });
  check(reply.tag === "from-ctx" && reply.index === i && reply.echo === n, `bad reply ${JSON.stringify(reply)} at ${n}`);
  if (n % 1000 === 999) {
    globalThis.gc();
    gcs++;
  } else if (n % 250 === 0) {
    globalThis.gc({ type: "minor" });
    gcs++;
  }
}
let rounds = 0;
for (const c of contexts) rounds += hs.switchTo(c, { tag: "from-main", n: -1, stop: true }).rounds;
check(rounds === N, `rounds ${rounds}`);
check(contexts.every((c) => hs.state(c) === "finished"), "not all finished");
console.log(JSON.stringify({ switches: 2 * (N + CONTEXTS), gcs }));
