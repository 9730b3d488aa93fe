"use greenlet";
import type { Greenlet } from "tsgreenlet";

export interface DriveResult {
  /** Values the greenlet switched to the driver before it finished, in order. */
  readonly yielded: unknown[];
  /** The greenlet's return value, as delivered to the driver. */
  readonly result: unknown;
}

/**
 * Starts `g` (whose parent must be the caller) with `startArgs`, then keeps resuming it
 * with `reply(yieldedValue, index)` until it is dead.
 */
export function drive(
  g: Greenlet,
  reply: (yielded: unknown, index: number) => unknown,
  ...startArgs: unknown[]
): DriveResult {
  const yielded: unknown[] = [];
  let value: unknown = g.switch(...startArgs);
  let index = 0;
  while (!g.dead) {
    yielded.push(value);
    value = g.switch(reply(value, index));
    index += 1;
  }
  return { yielded, result: value };
}
