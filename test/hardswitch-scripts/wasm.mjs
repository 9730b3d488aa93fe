// Wasm code GC with suspended contexts. V8 aborts ("archived threads in combination with wasm not
// supported") if wasm code GC runs while any thread is archived; the addon sets --no-wasm-code-gc
// at load. Run with --expose-gc --stress-wasm-code-gc --wasm-tiering-budget=1000. Mode "control"
// re-enables wasm code GC after loading, to show the scenario really reaches the hazard.
import http from "node:http";
import v8 from "node:v8";
import { hs, exit, check } from "./load.mjs";

if (process.argv[2] === "control") v8.setFlagsFromString("--wasm-code-gc");
const main = hs.mainContext();
// (module (func (export "add") (param i32 i32) (result i32) ...) (func (export "sum") (param i32) (result i32) ...))
const bytes = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x0c, 0x02, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f,
  0x03, 0x03, 0x02, 0x00, 0x01,
  0x07, 0x0d, 0x02, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x03, 0x73, 0x75, 0x6d, 0x00, 0x01,
  0x0a, 0x2b, 0x02,
  0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b,
  0x21, 0x01, 0x01, 0x7f, 0x02, 0x40, 0x03, 0x40, 0x20, 0x00, 0x45, 0x0d, 0x01, 0x20, 0x01, 0x20, 0x00,
  0x6a, 0x21, 0x01, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x00, 0x0c, 0x00, 0x0b, 0x0b, 0x20, 0x01, 0x0b,
]);
function churnWasm(rounds) {
  let total = 0;
  for (let i = 0; i < rounds; i++) {
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    for (let k = 0; k < 50; k++) total = exports.add(total, exports.sum(100)) | 0;
    if (i % 10 === 0) globalThis.gc();
  }
  return total;
}
// Parked contexts, one of them parked in the middle of a wasm-using loop.
const parked = Array.from({ length: 4 }, (_, i) =>
  hs.create(() => {
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    for (let v = 0; ; ) v = hs.switchTo(main, exports.add(v, i));
  }),
);
parked.forEach((c, i) => check(hs.switchTo(c, 0) === i, "park"));
const a = churnWasm(200);
const inCtx = hs.create(() => exit(main, churnWasm(100)));
const b = hs.switchTo(inCtx);
check(typeof a === "number" && typeof b === "number", "wasm results");
// fetch (undici parses HTTP with llhttp compiled to wasm) while contexts are parked.
const server = http.createServer((req, res) => res.end("pong")).listen(0, "127.0.0.1");
await new Promise((r) => server.once("listening", r));
const url = `http://127.0.0.1:${server.address().port}/`;
const bodies = [];
for (let i = 0; i < 20; i++) {
  bodies.push(await (await fetch(url)).text());
  globalThis.gc();
}
server.close();
check(bodies.every((t) => t === "pong"), "fetch");
parked.forEach((c, i) => check(hs.switchTo(c, 10) === 10 + i, "resume"));
hs.killAll();
console.log(JSON.stringify({ wasm: "ok", fetches: bodies.length }));
