// Deliberately NOT marked with "use greenlet": ordinary, untransformed functions that switch
// greenlets from places the transform cannot capture (native callbacks, getters, library code).
import { Greenlet } from "tsgreenlet";

/** A run function for a greenlet: switches `to` once per item from inside Array.prototype.forEach; returns the replies. */
export function forEachSwitcher(to: Greenlet, items: readonly unknown[]): () => unknown[] {
  return () => {
    const replies: unknown[] = [];
    items.forEach((item) => replies.push(to.switch(item)));
    return replies;
  };
}

/** An object whose getter switches to `to` and returns what comes back. */
export function switchingGetter(to: Greenlet): { readonly value: unknown } {
  return {
    get value(): unknown {
      return to.switch("from getter");
    },
  };
}

/** Sorts `items`, switching to `to` with each comparison. */
export function sortSwitching(to: Greenlet, items: number[]): number[] {
  return items.sort((a, b) => {
    to.switch([a, b]);
    return a - b;
  });
}

/** Calls `fn` inside a forEach callback (an untransformed frame below it). */
export function insideForEach(fn: () => unknown): unknown {
  let result: unknown;
  [0].forEach(() => {
    result = fn();
  });
  return result;
}
