/**
 * The versioned envelope around a pickle's payload.
 *
 *     bytes = UTF-8( MAGIC + JSON(envelope) )
 *     MAGIC = "tsgreenlet-pickle/1\n"        (format version 1)
 *
 * envelope (JSON object):
 *     kind:   "suspended" | "unstarted"
 *     code:   [[id, hash, "f" | "c"], ...]   every frame function ("f") and closure ("c") the
 *                                            pickle needs, with its content hash
 *     frames: [{ id, name, file, line, pc, hash, locals: [name...], slots: [this, local...] }]
 *             outermost first (empty for an unstarted greenlet)
 *     run:    slot of the run function (unstarted only)
 *     shapes: [[key...], ...]               key lists of plain objects / class instances
 *     table:  the object graph (encode.ts)
 */
import { UnpickleError } from "./errors.js";

export const MAGIC = "tsgreenlet-pickle/";
export const FORMAT_VERSION = 1;
const HEADER = `${MAGIC}${FORMAT_VERSION}\n`;

export interface FrameData {
  id: string;
  name: string;
  file: string;
  line: number;
  pc: number;
  hash: string;
  locals: string[];
  slots: unknown[];
}

export interface Envelope {
  kind: "suspended" | "unstarted";
  code: [string, string, string][];
  frames: FrameData[];
  run?: unknown;
  /** Key lists of "o" and "c" entries. */
  shapes: string[][];
  table: unknown[];
}

// Node's Buffer converts UTF-8 several times faster than TextEncoder/TextDecoder on Node 20;
// elsewhere (browsers) the standard classes are used.
interface NodeBufferModule {
  Buffer: {
    from(b: ArrayBufferLike, off: number, len: number): { toString(enc: "utf8"): string };
    byteLength(s: string, enc: "utf8"): number;
    allocUnsafeSlow(n: number): Uint8Array & { write(s: string, off: number, len: number, enc: "utf8"): number };
  };
  isUtf8?(b: Uint8Array): boolean;
}
const nodeBuffer = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process?.getBuiltinModule?.("node:buffer") as NodeBufferModule | undefined;

export function encodeEnvelope(env: Envelope): Uint8Array {
  const text = HEADER + JSON.stringify(env);
  if (!nodeBuffer) return new TextEncoder().encode(text);
  // A plain Uint8Array over its own ArrayBuffer (Buffer.from(string) would share a pool, and
  // Buffer#slice shares memory where Uint8Array#slice copies).
  const n = nodeBuffer.Buffer.byteLength(text, "utf8");
  const b = nodeBuffer.Buffer.allocUnsafeSlow(n);
  b.write(text, 0, n, "utf8");
  return new Uint8Array(b.buffer, b.byteOffset, n);
}

const decoder = new TextDecoder("utf-8", { fatal: true });

function utf8(bytes: Uint8Array): string {
  if (nodeBuffer?.isUtf8) {
    if (!nodeBuffer.isUtf8(bytes)) throw new TypeError("invalid UTF-8");
    return nodeBuffer.Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  }
  return decoder.decode(bytes);
}

/** Parses and shape-checks an envelope; every problem becomes an UnpickleError. */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  if (!(bytes instanceof Uint8Array)) throw new UnpickleError(`unpickle expects a Uint8Array, not ${bytes === null ? "null" : typeof bytes}`);
  let text: string;
  try {
    text = utf8(bytes);
  } catch {
    throw new UnpickleError("corrupt pickle: not valid UTF-8");
  }
  if (!text.startsWith(MAGIC)) throw new UnpickleError("not a tsgreenlet pickle (missing the \"tsgreenlet-pickle/\" header)");
  const nl = text.indexOf("\n");
  const version = text.slice(MAGIC.length, nl < 0 ? undefined : nl);
  if (version !== String(FORMAT_VERSION)) {
    throw new UnpickleError(`unsupported pickle format version "${version.slice(0, 20)}" (this tsgreenlet reads version ${FORMAT_VERSION})`);
  }
  let env: unknown;
  try {
    env = JSON.parse(text.slice(nl + 1));
  } catch (e) {
    throw new UnpickleError(`corrupt or truncated pickle: ${(e as Error).message}`);
  }
  const fail = (what: string): never => { throw new UnpickleError(`corrupt pickle: ${what}`); };
  if (env === null || typeof env !== "object" || Array.isArray(env)) fail("the envelope is not an object");
  const o = env as Record<string, unknown>;
  if (o.kind !== "suspended" && o.kind !== "unstarted") fail("unknown kind");
  if (!Array.isArray(o.code) || !o.code.every((c) => Array.isArray(c) && c.length === 3 && c.every((x) => typeof x === "string") && (c[2] === "f" || c[2] === "c"))) fail("invalid code list");
  if (!Array.isArray(o.table)) fail("missing object table");
  if (!Array.isArray(o.shapes) || !(o.shapes as unknown[]).every((sh) => Array.isArray(sh) && sh.every((k) => typeof k === "string"))) fail("invalid shapes");
  for (const sh of o.shapes as string[][]) {
    if (sh.includes("__proto__")) fail("a \"__proto__\" key (refused: it would change an object's prototype)");
    if (new Set(sh).size !== sh.length) fail("a shape with duplicate keys");
  }
  if (!Array.isArray(o.frames)) fail("missing frames");
  for (const f of o.frames as unknown[]) {
    const fr = f as Record<string, unknown>;
    if (fr === null || typeof fr !== "object" || typeof fr.id !== "string" || typeof fr.name !== "string" || typeof fr.file !== "string" ||
      typeof fr.hash !== "string" || !Number.isInteger(fr.line) || !Number.isInteger(fr.pc) || !Array.isArray(fr.locals) ||
      !(fr.locals as unknown[]).every((l) => typeof l === "string") || !Array.isArray(fr.slots) || fr.slots.length !== (fr.locals as unknown[]).length + 1) {
      fail("invalid frame");
    }
  }
  if (o.kind === "suspended" && (o.frames as unknown[]).length === 0) fail("a suspended greenlet without frames");
  if (o.kind === "unstarted" && !("run" in o)) fail("an unstarted greenlet without run");
  return o as unknown as Envelope;
}
