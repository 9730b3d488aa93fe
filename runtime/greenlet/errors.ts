/**
 * Error classes of the greenlet layer.
 *
 * `GreenletExit` plays Python's BaseException subclass: throwing it into a greenlet kills it
 * quietly, and a GreenletExit escaping `run` is the greenlet's return value, not an error.
 * `GreenletError` is greenlet.error plus the misuse cases Python reports with TypeError /
 * ValueError / AttributeError: one class so callers can catch "greenlet misuse" in one place.
 */
export class GreenletExit extends Error {
  constructor(message?: string) {
    super(message);
    this.name = "GreenletExit";
  }
}

export class GreenletError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GreenletError";
  }
}
