/** Errors of the pickle layer. */

/** `pickle(g)` met something it cannot save; `path` says where (frame -> variable -> property path). */
export class PickleError extends Error {
  constructor(message: string, readonly path?: string) {
    super(message);
    this.name = "PickleError";
  }
}

/** `unpickle(bytes)` refused its input: corrupt, truncated or hostile bytes, unknown or changed code. */
export class UnpickleError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UnpickleError";
  }
}
