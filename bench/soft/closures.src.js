"use greenlet";
// Closure-creation workload for bench/pickle-closures.bench.mjs (plain JS so the same text runs
// untransformed). Every iteration creates closures over a captured local and calls them once.
export function makeAdder(n) {
  let k = n;
  return (x) => x + k++;
}
export function work(N) {
  let s = 0;
  for (let i = 0; i < N; i++) {
    const f = makeAdder(i);
    const g = () => s & 1023;
    s = f(1) + g();
  }
  return s;
}
