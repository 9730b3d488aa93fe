// (untransformed twin of compute-lib.marked.ts)
// Helpers in their own module: callers in compute.plain.ts see imported bindings, which the
// transform cannot analyse, so each call keeps its resume point. Keep identical to the twin file
// except for the first line (bench/run.mjs checks).
export function addLib(a: number, b: number): number {
  return a + b;
}
