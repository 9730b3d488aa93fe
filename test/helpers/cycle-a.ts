"use greenlet";
// One half of an import cycle (with cycle-b.ts, which this module imports): cycle-b's body calls
// `largest` before this module's body has run, so a transformed function must find the runtime
// without any module-level state of its own.
import { largestSeenByB } from "./cycle-b.js";

export function largest(xs: number[]): number {
  let m = -Infinity;
  for (const x of xs) m = Math.max(m, x);
  return m;
}

export const seenByB = largestSeenByB;
