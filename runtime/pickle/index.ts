/**
 * `tsgreenlet/pickle`: save a suspended (or not yet started) soft greenlet as bytes and resume
 * it later, in this process or another one running the same code. See docs/pickling.md.
 *
 * A suspended soft greenlet is plain data (DESIGN-NOTES §2, ideas 5 and 6): its heap stack of
 * frame records `[FunctionInfo, pc, this, ...locals]` (runtime/abi.ts), where closures created
 * by marked code carry (closure id, lexical this, environment objects). `pickle` walks that data
 * (encode.ts) into a versioned envelope (envelope.ts) that names every function by stable id and
 * content hash; `unpickle` checks the code, rebuilds the object graph (decode.ts) and the heap
 * stack, and returns a suspended greenlet whose parent is the current greenlet.
 */
import { RT } from "../runtime.js";
import { Greenlet, getcurrent } from "../greenlet/greenlet.js";
import { REC_LOCALS, REC_PC, REC_THIS, type FunctionInfo } from "../abi.js";
import type { GeneratorState } from "../generators.js";
import { Encoder } from "./encode.js";
import { loopIteratorState } from "../iterators.js";
import { Corrupt, Decoder } from "./decode.js";
import { decodeEnvelope, encodeEnvelope, type Envelope, type FrameData } from "./envelope.js";
import { PickleError, UnpickleError } from "./errors.js";
import { migrationFor, type Migration, type TargetFunction } from "./registry.js";
import { describePickle } from "./describe.js";

export { PickleError, UnpickleError } from "./errors.js";
export { registerClass, registerFunction, registerMigration } from "./registry.js";
export type { ClassOptions, Migration, NewFrame, OldFrame, TargetFunction } from "./registry.js";
export { FORMAT_VERSION } from "./envelope.js";

// Greenlet states (runtime/greenlet/greenlet.ts).
const UNSTARTED = 0;
const ACTIVE = 1;

interface GreenletInternals {
  _state: number;
  _parent: Greenlet | null;
  _run: unknown;
  _stack: unknown[] | null;
  _starts: number[] | null;
  _n: number;
  _top: number;
  _resident: boolean;
  _owner: Greenlet | null;
}

function mainGreenlet(): Greenlet {
  let g = getcurrent();
  while (g.parent !== null) g = g.parent;
  return g;
}

/** How a frame's local is shown in paths and dumps (transform-generated names demangled). */
export function localLabel(name: string): string {
  if (/^\$\$[eEb]\d+$/.test(name)) return "(captured variables)";
  if (/^\$\$t\d+$/.test(name)) return `(temporary ${name})`;
  if (name === "$$args") return "arguments";
  const p = /^\$\$a(\d+)$/.exec(name);
  if (p) return `(parameter ${Number(p[1]) + 1})`;
  const m = /^(.*)\$\$\d+$/.exec(name);
  return m ? m[1]! : name;
}

function frameLabel(depth: number, info: FunctionInfo, pc: number): string {
  const pos = info.points[pc - 1];
  return `frame #${depth} ${info.name} (${info.id.slice(0, info.id.indexOf("#"))}:${pos ? pos[0] : "?"})`;
}

/**
 * Serializes a suspended or unstarted soft greenlet. The greenlet is not changed: pickling it
 * twice and unpickling both copies forks the task. Throws PickleError (with the path to the
 * offending value) for anything that cannot be saved.
 */
export function pickle(g: Greenlet): Uint8Array {
  if (!(g instanceof Greenlet)) throw new PickleError(`pickle expects a Greenlet, not ${g === null ? "null" : typeof g}`);
  if (Object.getPrototypeOf(g) !== Greenlet.prototype) throw new PickleError(`${g} is an instance of a Greenlet subclass (${g.constructor.name}); only plain Greenlet objects can be pickled`);
  const gi = g as unknown as GreenletInternals & Record<string, unknown>;
  const cur = getcurrent();
  if (g === cur) throw new PickleError("cannot pickle the running greenlet: switch away from it first (pickle it from its parent)");
  const main = mainGreenlet();
  if (g === main) throw new PickleError("cannot pickle the main greenlet");
  if (g.dead) throw new PickleError(`cannot pickle ${g}: it is dead`);
  if (g.stack === "hard") {
    throw new PickleError(`${g} is a hard greenlet (it runs, or would run, on its own native stack): its frames are native and can never be pickled; create it with { stack: "soft" } and a "use greenlet" run function`);
  }
  const enc = new Encoder(g, gi._parent, main);
  let env: Envelope;
  if (gi._state === UNSTARTED) {
    if (typeof gi._run !== "function") throw new PickleError(`cannot pickle ${g}: its run is not a function (${typeof gi._run})`);
    const run = enc.root("run function of the greenlet", gi._run);
    enc.finish();
    env = { kind: "unstarted", code: [...enc.code.values()], frames: [], run, shapes: enc.shapes, table: enc.table };
  } else {
    if (gi._state !== ACTIVE || gi._resident || gi._stack === null || gi._starts === null || gi._n === 0) {
      throw new PickleError(`cannot pickle ${g}: it is not suspended in transformed code (its frames are on the real stack: it is running below the current greenlet, or it switched from untransformed code)`);
    }
    const st = gi._stack;
    const frames: FrameData[] = [];
    // A native iterator of a lowered for-of over a Map, Set or string: reading its position
    // drains it, so the frame's temporary gets an equivalent fresh one (g stays as it was).
    const replaced = new Map<object, object>();
    const loopIterator = (v: object, at: number, holder: unknown[] = st): unknown => {
      let fresh = replaced.get(v);
      if (fresh === undefined) {
        const state = loopIteratorState(v);
        if (state === undefined) return v;
        fresh = state.fresh;
        replaced.set(v, fresh);
        enc.loops.set(fresh, state);
      }
      holder[at] = fresh;
      return fresh;
    };
    // Suspended generators' records hold loop iterators the same way.
    enc.localValue = (v, record, at) => (v !== null && typeof v === "object" && Object.getPrototypeOf(v) !== Object.prototype ? loopIterator(v, at, record) : v);
    // Generators whose next() frame is on this stack run with g suspended inside them.
    for (let k = 0; k < gi._n; k++) {
      const p = gi._starts[k]!;
      if (st[p] === RT.generators.nextInfo) enc.runningGenerators.add(st[p + REC_THIS] as GeneratorState);
    }
    for (let k = 0; k < gi._n; k++) {
      const p = gi._starts[k]!;
      const info = st[p] as FunctionInfo;
      const pc = st[p + REC_PC] as number;
      const label = frameLabel(gi._n - 1 - k, info, pc);
      enc.code.set(`f:${info.id}`, [info.id, info.hash, "f"]);
      const slots: unknown[] = [enc.root(`${label} -> this`, st[p + REC_THIS])];
      // Temporaries that no code after this resume point reads are saved as undefined.
      const dead = info.dead?.[pc - 1];
      for (let j = 0; j < info.locals.length; j++) {
        let v = dead !== undefined && dead.includes(j) ? undefined : st[p + REC_LOCALS + j];
        if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) !== Object.prototype) v = loopIterator(v, p + REC_LOCALS + j);
        slots.push(enc.root(`${label} -> ${localLabel(info.locals[j]!)}`, v));
      }
      const pos = info.points[pc - 1];
      // The module part of the id: machine-independent (info.file may be an absolute path).
      frames.push({ id: info.id, name: info.name, file: info.id.slice(0, info.id.indexOf("#")), line: pos ? pos[0] : 0, pc, hash: info.hash, locals: [...info.locals], slots });
    }
    enc.finish();
    env = { kind: "suspended", code: [...enc.code.values()], frames, shapes: enc.shapes, table: enc.table };
  }
  return encodeEnvelope(env);
}

/**
 * Rebuilds a pickled greenlet. It is suspended (or unstarted), its parent is the current
 * greenlet, and `g.switch(value)` continues it where it stopped. Throws UnpickleError for
 * corrupt, truncated or hostile input, and for code that is missing or changed (unless a
 * migration is registered).
 */
export function unpickle(bytes: Uint8Array): Greenlet {
  const env = decodeEnvelope(bytes);
  const problems: string[] = [];
  for (const [id, hash, kind] of env.code) {
    const now = kind === "f" ? RT.functions.get(id) : RT.closures.get(id);
    if (now !== undefined && now.hash === hash) continue;
    if (migrationFor(id, hash) !== undefined) continue;
    problems.push(now === undefined
      ? `${id} does not exist in this process (its module is not imported, or it was renamed or removed)`
      : `${id} changed (pickled with code hash ${hash}, the current code has ${now.hash})`);
  }
  if (problems.length) {
    throw new UnpickleError(`cannot unpickle: the code of the pickled task is not the code loaded in this process:\n  - ${problems.join("\n  - ")}\n` +
      "Load the same code, or register a migration: registerMigration(id, { from: <old hash>, frame(old, target) { ... } }) (docs/pickling.md).");
  }
  const g = new Greenlet();
  const gi = g as unknown as GreenletInternals;
  try {
    const dec = new Decoder(env.table, env.shapes, { self: g, parent: gi._parent, main: mainGreenlet(), generatorRecord });
    dec.run();
    if (env.kind === "unstarted") {
      const run = dec.slot(env.run);
      if (typeof run !== "function") throw new Corrupt("the run function is not a function");
      g.run = run as (...args: unknown[]) => unknown;
      return g;
    }
    const stack: unknown[] = [];
    const starts: number[] = [];
    for (const fd of env.frames) {
      const values = fd.slots.map((s) => dec.slot(s));
      starts.push(stack.length);
      stack.push(...frameRecord(fd, values));
    }
    gi._stack = stack;
    gi._starts = starts;
    gi._n = starts.length;
    gi._top = stack.length;
    gi._state = ACTIVE;
    gi._resident = false;
    gi._owner = null;
    return g;
  } catch (e) {
    if (e instanceof UnpickleError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new UnpickleError(`corrupt pickle: ${msg}`, { cause: e });
  }
}

/** The heap record of one frame, through a migration when the code changed. */
function frameRecord(fd: FrameData, values: unknown[]): unknown[] {
  const info = RT.functions.get(fd.id);
  if (info !== undefined && info.hash === fd.hash) {
    // The same source, laid out by another version of the transform (its temporaries, say): the
    // slots would mean other things, so only a migration can map them.
    const sameLayout = fd.locals.length === info.locals.length && fd.locals.every((n, j) => n === info.locals[j]);
    if (sameLayout || migrationFor(fd.id, fd.hash) === undefined) {
      if (!sameLayout) {
        throw new UnpickleError(`cannot unpickle frame ${fd.id}: its source is unchanged (code hash ${fd.hash}) but the tsgreenlet that pickled it laid its ` +
          `frame out differently (locals ${fd.locals.join(", ")}; this version: ${info.locals.join(", ")}), so it cannot be resumed as is. ` +
          `Resume the task with the tsgreenlet version that pickled it, or register a migration from hash ${fd.hash} (docs/pickling.md).`);
      }
      if (!Number.isInteger(fd.pc) || fd.pc < 1 || fd.pc > info.points.length) throw new Corrupt(`frame ${fd.id}: resume point ${fd.pc} does not exist`);
      if (values.length !== info.size - 2) throw new Corrupt(`frame ${fd.id}: ${values.length - 1} locals, the function has ${info.size - 3}`);
      return [info, fd.pc, ...values];
    }
  }
  const m = migrationFor(fd.id, fd.hash) as Migration;
  const target = RT.functions.get(m.to ?? fd.id);
  if (target === undefined) throw new UnpickleError(`migration of ${fd.id}: the target function ${m.to ?? fd.id} is not loaded`);
  if (m.frame === undefined) throw new UnpickleError(`migration of ${fd.id} (from ${m.from}) has no frame() but the pickle has a suspended frame of it`);
  // Old locals by their transform names (`i$$3` for a block-scoped `i`) and, when unambiguous,
  // by their source names (`i`): block-scope numbering can change between versions.
  const locals: Record<string, unknown> = {};
  fd.locals.forEach((n, j) => { locals[n] = values[j + 1]; });
  const plain = new Map<string, number>();
  for (const n of fd.locals) { const d = sourceName(n); if (d !== n) plain.set(d, (plain.get(d) ?? 0) + 1); }
  fd.locals.forEach((n, j) => { const d = sourceName(n); if (d !== n && plain.get(d) === 1 && !(d in locals)) locals[d] = values[j + 1]; });
  const t: TargetFunction = {
    id: target.id, hash: target.hash, locals: target.locals, points: target.points,
    pcAtLine(line: number, nth = 0): number {
      const pcs = target.points.map((p, k) => (p[0] === line ? k + 1 : 0)).filter((k) => k > 0);
      if (nth >= pcs.length) throw new UnpickleError(`migration of ${fd.id}: ${target.id} has no resume point #${nth} on line ${line}`);
      return pcs[nth]!;
    },
  };
  const res = m.frame({ id: fd.id, hash: fd.hash, pc: fd.pc, line: fd.line, this: values[0], locals }, t);
  if (!res || !Number.isInteger(res.pc) || res.pc < 1 || res.pc > target.points.length) {
    throw new UnpickleError(`migration of ${fd.id} returned an invalid pc (${res?.pc}); ${target.id} has resume points 1..${target.points.length}`);
  }
  const thisV = "this" in res ? res.this : values[0];
  const out = res.locals ?? {};
  return [target, res.pc, thisV, ...target.locals.map((n) => (Object.hasOwn(out, n) ? out[n] : out[sourceName(n)]))];
}

/**
 * The record of a rewritten generator (decode.ts), through a migration when the code changed.
 * pc 0: not started, or running with the greenlet suspended inside it (its locals are then
 * rewritten at its next yield): the locals carry over by name.
 */
function generatorRecord(id: string, hash: string, pc: number, locals: readonly string[], values: unknown[]): unknown[] {
  const info = RT.functions.get(id);
  const ok = info !== undefined && info.hash === hash;
  if (pc !== 0 || !ok) {
    if (pc === 0) {
      const m = migrationFor(id, hash);
      const target = m === undefined ? undefined : RT.functions.get(m.to ?? id);
      if (target === undefined) throw new UnpickleError(`generator ${id}: the code changed and no migration gives its current version`);
      const byName = new Map(locals.map((n, j) => [n, values[j + 1]]));
      return [target, 0, values[0], ...target.locals.map((n) => byName.get(n))];
    }
    return frameRecord({ id, name: id, file: id.slice(0, id.indexOf("#")), line: 0, pc, hash, locals: [...locals], slots: [] }, values);
  }
  if (values.length !== info.size - 2) throw new Corrupt(`generator ${id}: ${values.length - 1} locals, the function has ${info.size - 3}`);
  return [info, 0, ...values];
}

/** `name$$N` (a block-scoped local renamed by the transform) -> `name`. */
function sourceName(n: string): string {
  const m = /^([^$].*?)\$\$\d+$/.exec(n);
  return m ? m[1]! : n;
}

/** A human-readable dump of a pickle: frames (function, file:line, locals) and the object graph. */
export function describe(bytes: Uint8Array): string {
  return describePickle(decodeEnvelope(bytes));
}
