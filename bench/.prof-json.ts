"use greenlet";
import { Greenlet, getcurrent } from "tsgreenlet";
import { pickle } from "tsgreenlet/pickle";
import { Buffer, isUtf8, isAscii } from "node:buffer";
const DEPTH = 100, PER_FRAME = 100;
function level(depth: number, prev: unknown): number {
  const items: unknown[] = [];
  for (let i = 0; i < PER_FRAME; i++) { prev = { id: depth * PER_FRAME + i, label: `item ${depth}/${i}`, score: i * 1.5, prev }; items.push(prev); }
  if (depth === 1) return getcurrent().parent!.switch("suspended") as number;
  return level(depth - 1, prev) + items.length;
}
const now = () => Number(process.hrtime.bigint()) / 1e6;
const med = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
const g = new Greenlet(level); g.switch(DEPTH, null);
const b = pickle(g);
const res: Record<string, number[]> = {};
const T = (k: string, f: () => unknown) => { const t0 = now(); f(); (res[k] ??= []).push(now() - t0); };
const td = new TextDecoder("utf-8", { fatal: true });
let text = "";
for (let r = 0; r < 100; r++) {
  T("isUtf8", () => isUtf8(b));
  T("isAscii", () => isAscii(b));
  T("toString utf8", () => { text = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("utf8"); });
  T("toString latin1", () => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1"));
  T("TextDecoder fatal", () => td.decode(b));
  T("chunked latin1 64K", () => { const B = Buffer.from(b.buffer, b.byteOffset, b.byteLength); let t = ""; for (let o = 0; o < B.length; o += 65536) t += B.latin1Slice(o, Math.min(B.length, o + 65536)); JSON.parse(t.slice(20)); });
  T("chunked utf8 16K", () => { const B = Buffer.from(b.buffer, b.byteOffset, b.byteLength); let t = ""; for (let o = 0; o < B.length; o += 16384) t += B.latin1Slice(o, Math.min(B.length, o + 16384)); });
  T("chunked utf8 64K", () => { const B = Buffer.from(b.buffer, b.byteOffset, b.byteLength); let t = ""; for (let o = 0; o < B.length; o += 65536) t += B.toString("utf8", o, Math.min(B.length, o + 65536)); });
  T("byteLength", () => Buffer.byteLength(text, "utf8"));
  let env: unknown;
  T("JSON.parse", () => { env = JSON.parse(text.slice(text.indexOf("\n") + 1)); });
  let s = "";
  const tbl = (env as { table: unknown[] }).table;
  let parts: string[] = [];
  T("stringify chunks 1000", () => { parts = []; for (let o = 0; o < tbl.length; o += 1000) parts.push(JSON.stringify(tbl.slice(o, o + 1000))); });
  T("write chunks", () => { let n = 0; for (const p of parts) n += p.length + 1; const bb = Buffer.allocUnsafeSlow(n); let at = 0; for (const p of parts) { at += bb.write(p, at, "latin1"); bb[at++] = 10; } });
  const whole = Buffer.from(parts.join("\n"), "latin1");
  T("parse chunks", () => { const out: unknown[] = []; let at = 0; while (at < whole.length) { let e = whole.indexOf(10, at); if (e < 0) e = whole.length; const a = JSON.parse(whole.toString("utf8", at, e)) as unknown[]; for (const x of a) out.push(x); at = e + 1; } });
  T("JSON.stringify", () => { s = JSON.stringify(env); });
  T("byteLength+write", () => { const n = Buffer.byteLength(s, "utf8"); const bb = Buffer.allocUnsafeSlow(n); bb.write(s, 0, n, "utf8"); });
  T("header+ byteLength+write", () => { const t = "tsgreenlet-pickle/1\n" + s; const n = Buffer.byteLength(t, "utf8"); const bb = Buffer.allocUnsafeSlow(n); bb.write(t, 0, n, "utf8"); });
  T("latin1 write", () => { const n = s.length; const bb = Buffer.allocUnsafeSlow(n); bb.write(s, 0, n, "latin1"); });
}
for (const [k, v] of Object.entries(res)) console.log(process.version, k, med(v).toFixed(3));
