/**
 * `describe(bytes)`: a human-readable dump of a pickle, read from the data alone (no code is
 * loaded or run, so it also works on pickles of code this process does not have).
 */
import type { Envelope } from "./envelope.js";
import { FORMAT_VERSION } from "./envelope.js";

const MAX_ITEMS = 8;

export function describePickle(env: Envelope): string {
  const table = env.table;
  const entry = (s: unknown): unknown[] | undefined => {
    if (typeof s === "number" && Number.isInteger(s) && s < 0 && -s - 1 < table.length && Array.isArray(table[-s - 1])) {
      return table[-s - 1] as unknown[];
    }
    return undefined;
  };
  const kindOf = (e: unknown[]): string => {
    switch (e[0]) {
      case "o": return "Object";
      case "n": return "Object(null prototype)";
      case "a": case "A": return "Array";
      case "g": return "Arguments";
      case "c": return `${String(e[1])}`;
      case "x": return `${String(e[1])} (custom)`;
      case "M": return "Map";
      case "S": return "Set";
      case "J": return "Map/Set iterator";
      case "D": return "Date";
      case "R": return "RegExp";
      case "B": return "ArrayBuffer";
      case "T": return String(e[1]);
      case "V": return "DataView";
      case "b": return `${String(e[1])} (boxed)`;
      case "E": return `${String(e[1]).replace(/^js:/, "")} (error)`;
      case "k": return "closure";
      case "F": return "bound function";
      case "f": return "reference";
      case "G": return "greenlet";
      case "Go": return "generator";
      case "Gs": return "generator frame";
      default: return "primitive";
    }
  };
  const show = (s: unknown, depth: number): string => {
    if (typeof s === "string") return JSON.stringify(s.length > 60 ? s.slice(0, 60) + "…" : s);
    const e = entry(s);
    if (!e) return typeof s === "number" && s < 0 ? "<invalid slot>" : String(s);
    const id = `#${-(s as number) - 1}`;
    switch (e[0]) {
      case "u": return "undefined";
      case "N": return String(e[1]);
      case "I": return `${String(e[1])}n`;
      case "Y": return `Symbol.for(${JSON.stringify(e[1])})`;
      case "f": return `<ref ${String(e[1])}>`;
      case "G": return `<greenlet: ${String(e[1])}>`;
      case "k": return `<closure ${String(e[1])} ${id}>`;
      case "F": return `<bound ${show(e[1], 0)} ${id}>`;
      case "D": return `Date(${e[1] === null ? "invalid" : new Date(e[1] as number).toISOString()})`;
      case "R": return `/${String(e[1])}/${String(e[2])}`;
      case "E": return `${kindOf(e)} ${JSON.stringify(e[2])} ${id}`;
      case "b": return `${kindOf(e)} ${show(e[2], depth)}`;
      case "Go": {
        // A rewritten generator: its function id and where it is suspended.
        const st = entry(e[1]);
        const states = ["not started", "suspended at a yield", "running", "done"];
        const where = st && typeof st[1] === "number" ? states[st[1]] ?? "?" : "?";
        const fn = st && typeof st[4] === "string" ? ` ${st[4]}` : "";
        return `<generator${fn} ${where}${st && st[1] === 1 ? ` (resume point ${String(st[6])})` : ""} ${id}>`;
      }
    }
    if (depth <= 0) return `<${kindOf(e)} ${id}>`;
    if (e[0] === "o" || e[0] === "n" || e[0] === "c") {
      // "o"/"c": [tag, (class,) shape, values...]; "n": [tag, key, value, ...].
      const at = e[0] === "c" ? 2 : 1;
      const shape = e[0] === "n" ? undefined : env.shapes?.[e[at] as number];
      const keys: unknown[] = [];
      const vals: unknown[] = [];
      if (shape) shape.forEach((k, j) => { keys.push(k); vals.push(e[at + 1 + j]); });
      else for (let k = 1; k + 1 < e.length; k += 2) { keys.push(e[k]); vals.push(e[k + 1]); }
      const parts = keys.slice(0, MAX_ITEMS).map((k, j) => `${String(k)}: ${show(vals[j], depth - 1)}`);
      const more = keys.length > MAX_ITEMS ? ", …" : "";
      return `${e[0] === "c" ? String(e[1]).replace(/^.*#/, "") + " " : ""}{${parts.join(", ")}${more}} ${id}`;
    }
    if (e[0] === "a") {
      const items = e.slice(1, 1 + MAX_ITEMS).map((x) => show(x, depth - 1));
      return `[${items.join(", ")}${e.length - 1 > MAX_ITEMS ? `, … (${e.length - 1} items)` : ""}] ${id}`;
    }
    if (e[0] === "M") return `Map(${(e.length - 1) / 2}) ${id}`;
    if (e[0] === "S") return `Set(${e.length - 1}) ${id}`;
    return `<${kindOf(e)} ${id}>`;
  };

  const lines: string[] = [];
  const counts = new Map<string, number>();
  let objects = 0;
  for (const e of table) {
    if (!Array.isArray(e)) continue;
    const k = kindOf(e);
    if (k === "primitive") continue;
    objects++;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  lines.push(`tsgreenlet pickle (format ${FORMAT_VERSION}): ${env.kind} greenlet, ${env.frames.length} frame(s), ${objects} object(s)`);
  if (env.kind === "unstarted") lines.push(`run: ${show(env.run, 1)}`);
  if (env.frames.length) lines.push("frames (innermost first):");
  for (let i = env.frames.length - 1; i >= 0; i--) {
    const f = env.frames[i]!;
    lines.push(`  #${env.frames.length - 1 - i} ${f.name}  ${f.file}:${f.line}  [id ${f.id}, resume point ${f.pc}, hash ${f.hash}]`);
    lines.push(`      this = ${show(f.slots[0], 1)}`);
    f.locals.forEach((n, j) => {
      const s = f.slots[j + 1];
      if (/^\$\$t\d+$/.test(n)) return; // temporaries: noise in a dump
      const e = entry(s);
      if (e && e[0] === "u") return;
      lines.push(`      ${demangle(n)} = ${show(s, 1)}`);
    });
  }
  lines.push(`code: ${env.code.map(([id, hash, k]) => `${id} (${k === "f" ? "frame" : "closure"} ${hash})`).join(", ") || "none"}`);
  const summary = [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} ${k}`).join(", ");
  lines.push(`objects: ${summary || "none"}`);
  return lines.join("\n");
}

function demangle(n: string): string {
  if (/^\$\$[eEb]\d+$/.test(n)) return `(captured variables ${n})`;
  if (n === "$$args") return "arguments";
  const m = /^(.*)\$\$\d+$/.exec(n);
  return m ? m[1]! : n;
}
