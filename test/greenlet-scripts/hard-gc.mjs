// GC safety through the Greenlet API: N switches main -> hard greenlet and N back, spread over 8
// hard greenlets, with a forced full GC every 1,000 switches and a minor
// GC every 250, while suspended stacks hold the only references to objects. Run with --expose-gc.
// Prints {"switches":..,"fullGCs":..,"results":..} as its last line; exits 1 on any corruption.
import { Greenlet, getcurrent } from "tsgreenlet";

const N = Number(process.argv[2] ?? 100_000);
const COUNT = 8;
const main = getcurrent();
let switches = 0;
let fullGCs = 0;

function check(ok, what) {
  if (!ok) {
    console.error(`corrupted: ${what}`);
    process.exit(1);
  }
}

function worker(index) {
  return (first) => {
    let incoming = first;
    let rounds = 0;
    // Values held only by this suspended stack, inside a native forEach frame.
    [0].forEach(() => {
      for (;;) {
        const mine = { index, rounds, payload: Array.from({ length: 16 }, (_, k) => `${index}:${rounds}:${k}`) };
        const map = new Map([[rounds, { nested: [mine.payload[3]] }]]);
        check(incoming && incoming.tag === "from-main" && typeof incoming.n === "number", `bad value into ${index}`);
        incoming = main.switch({ tag: "from-hard", index, echo: incoming.n });
        switches++;
        check(mine.index === index && mine.rounds === rounds, "object header");
        check(mine.payload.every((s, k) => s === `${index}:${rounds}:${k}`), "payload");
        check(map.get(rounds).nested[0] === `${index}:${rounds}:3`, "map");
        rounds++;
        if (incoming.stop) return;
      }
    });
    return { index, rounds };
  };
}

const gs = Array.from({ length: COUNT }, (_, i) => new Greenlet(worker(i)));
check(gs.every((g) => g.stack === "hard"), "auto did not choose hard for untransformed run functions");
for (let n = 0; n < N; n++) {
  const i = n % COUNT;
  const reply = gs[i].switch({ tag: "from-main", n, blob: new Array(8).fill(n) });
  switches++;
  check(reply.tag === "from-hard" && reply.index === i && reply.echo === n, `bad reply ${JSON.stringify(reply)} at ${n}`);
  if (n % 1000 === 999) {
    globalThis.gc();
    fullGCs++;
  } else if (n % 250 === 0) {
    globalThis.gc({ type: "minor" });
  }
}
let results = 0;
for (const [i, g] of gs.entries()) {
  const r = g.switch({ tag: "from-main", n: -1, stop: true });
  switches++;
  check(r.index === i && r.rounds === Math.floor((N - 1 - i) / COUNT) + 1, `result ${JSON.stringify(r)}`);
  check(g.dead, "not dead");
  results++;
}
console.log(JSON.stringify({ switches, fullGCs, results }));
