/**
 * Which transformed functions of a file provably never suspend, so that calls to them need no
 * resume point (no callee token, no unwinding test) and they need no entry check.
 *
 * Why: the callee-token store before every call (`$$rt.t = f`) stores a heap pointer, and the
 * write barrier alone doubled a tight loop of calls to a small helper on Node 20 (bench/soft,
 * "calls"). Most hot helpers are module-local functions that only compute or call each other; a
 * switch can never happen below them, so instrumenting their call sites buys nothing.
 *
 * The rule (a greatest fixpoint, like a leaf analysis): a transformed function is non-suspending
 * when every call its own body makes is a direct call, by name, of a non-suspending function of
 * this file whose binding is never reassigned. A set of functions that only call each other can
 * never reach a switch. Implicit calls the engine makes (getters, valueOf, iterator protocol,
 * Proxy traps) enter their callee through the runtime's boundary check, so they cannot unwind
 * through the caller and do not count. Constructs that run unknown code as part of the body
 * (`new`, tagged templates, `super`, `for-of`/`for-in` which the lowering turns into calls,
 * classes with static initializers) make a function suspending, conservatively.
 */
import type * as TS from "typescript";
import type { Binding, ScopeInfo } from "./scopes.js";
import { hasModifier } from "./modifiers.js";
import { ignoresReceiver } from "./receiver.js";
import { writeKind } from "./writes.js";

/** `written`: the file's reassigned bindings (`reassigned`), which the caller has already computed. */
export function findNonSuspending(ts: typeof TS, sf: TS.SourceFile, scopes: ScopeInfo, transformed: ReadonlySet<TS.Node>,
  written: ReadonlySet<Binding>): Set<Binding> {
  // Candidates: function declarations and `const f = function/arrow`, declared directly in a
  // function body or at module level (no Annex B block-function semantics), named once.
  const fnOf = new Map<Binding, TS.FunctionLikeDeclaration>();
  const duplicated = new Set<Binding>();
  const consider = (b: Binding | undefined, fn: TS.FunctionLikeDeclaration): void => {
    if (!b) return;
    if (fnOf.has(b)) duplicated.add(b);
    fnOf.set(b, fn);
  };
  for (const fn of transformed) {
    if (ts.isFunctionDeclaration(fn) && fn.name && (ts.isSourceFile(fn.parent) || isFunctionBody(ts, fn.parent))) {
      consider(scopes.refs.get(fn.name), fn);
    } else if ((ts.isFunctionExpression(fn) || ts.isArrowFunction(fn)) && ts.isVariableDeclaration(fn.parent) &&
               fn.parent.initializer === fn && ts.isIdentifier(fn.parent.name) &&
               ts.isVariableDeclarationList(fn.parent.parent) && (fn.parent.parent.flags & ts.NodeFlags.Const) !== 0) {
      consider(scopes.refs.get(fn.parent.name), fn);
    }
  }
  for (const b of duplicated) fnOf.delete(b);
  for (const b of written) fnOf.delete(b);

  const set = new Set(fnOf.keys());
  for (let changed = true; changed;) {
    changed = false;
    for (const [b, fn] of fnOf) {
      if (set.has(b) && !onlyCalls(ts, fn, scopes, set)) {
        set.delete(b);
        changed = true;
      }
    }
  }
  return set;
}

/** A static method whose call needs no resume point when the method read is still this one. */
export interface KnownStatic {
  readonly method: TS.MethodDeclaration;
  /** Called without its class as receiver (receiver.ts): a plain call V8 can inline. */
  readonly receiverFree: boolean;
}

/**
 * Static methods of top-level classes that can never unwind their caller, by class binding and
 * method name: untransformed ones (a marked function they call is entered as a boundary) and
 * transformed ones whose own calls are all of non-suspending functions (`nonSuspending`).
 *
 * Why: `Calc.add(x)` is a member call, so the transform cannot know what it calls and gives it a
 * callee token and an unwinding test: about 2x a plain loop of calls to a one-line static method
 * (bench `calls-static`). The call site compares the function it read with the method the class
 * was defined with (captured by the class's first static block) and calls it plainly when they
 * are the same; anything else (a reassigned `Calc.add`, a wrapper installed by a decorator) takes
 * the instrumented path. Only classes whose binding is never reassigned (`written`), only methods
 * no other static member of the class shares a name with, and no generators or async methods.
 */
export function findKnownStatics(ts: typeof TS, sf: TS.SourceFile, scopes: ScopeInfo, transformed: ReadonlySet<TS.Node>,
  nonSuspending: ReadonlySet<Binding>, written: ReadonlySet<Binding>): Map<Binding, Map<string, KnownStatic>> {
  const out = new Map<Binding, Map<string, KnownStatic>>();
  const isStatic = (m: TS.ClassElement): boolean => hasModifier(ts, m, ts.SyntaxKind.StaticKeyword);
  const keyOf = (m: TS.ClassElement): string | undefined =>
    m.name && (ts.isIdentifier(m.name) || ts.isStringLiteral(m.name) || ts.isNumericLiteral(m.name)) ? m.name.text : undefined;
  for (const s of sf.statements) {
    if (!ts.isClassDeclaration(s) || !s.name) continue;
    const b = scopes.refs.get(s.name);
    if (!b || written.has(b)) continue;
    const counts = new Map<string, number>();
    for (const m of s.members) {
      const k = isStatic(m) ? keyOf(m) : undefined;
      if (k !== undefined) counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const known = new Map<string, KnownStatic>();
    for (const m of s.members) {
      if (!ts.isMethodDeclaration(m) || !isStatic(m) || !m.body || !ts.isIdentifier(m.name) || counts.get(m.name.text) !== 1) continue;
      if (m.asteriskToken || hasModifier(ts, m, ts.SyntaxKind.AsyncKeyword)) continue;
      if (transformed.has(m) && !onlyCalls(ts, m, scopes, nonSuspending)) continue;
      known.set(m.name.text, { method: m, receiverFree: ignoresReceiver(ts, m) });
    }
    if (known.size) out.set(b, known);
  }
  return out;
}

function isFunctionBody(ts: typeof TS, n: TS.Node): boolean {
  return ts.isBlock(n) && n.parent !== undefined && ts.isFunctionLike(n.parent);
}

/** Whether every call made by `fn`'s own body is a direct call of a member of `set`. */
/**
 * Whether running `fn` can never suspend: it calls only functions of `set` (findNonSuspending's
 * result) and constructs nothing, as its callers' analysis requires of a non-suspending function.
 */
export function onlyCalls(ts: typeof TS, fn: TS.FunctionLikeDeclaration, scopes: ScopeInfo, set: ReadonlySet<Binding>): boolean {
  let ok = true;
  const walk = (n: TS.Node): void => {
    if (!ok) return;
    if (n !== fn && ts.isFunctionLike(n)) {
      // A nested function's body runs later, as its own frame; only its default parameter
      // values and computed names could run now, and those belong to its own calls anyway.
      return;
    }
    if (ts.isClassLike(n) || ts.isNewExpression(n) || ts.isTaggedTemplateExpression(n) || ts.isForOfStatement(n) ||
        ts.isForInStatement(n) || ts.isDecorator(n) || n.kind === ts.SyntaxKind.SuperKeyword || n.kind === ts.SyntaxKind.ImportKeyword) {
      ok = false;
      return;
    }
    if (ts.isCallExpression(n)) {
      let callee: TS.Expression = n.expression;
      while (ts.isParenthesizedExpression(callee)) callee = callee.expression;
      const b = ts.isIdentifier(callee) ? scopes.refs.get(callee) : undefined;
      if (!b || !set.has(b)) {
        ok = false;
        return;
      }
    }
    ts.forEachChild(n, walk);
  };
  if (fn.body) walk(fn.body);
  for (const p of fn.parameters) walk(p);
  return ok;
}

/** Bindings written anywhere in the file other than by their declaration. */
/** Bindings written anywhere in the file after their declaration (all of them under direct eval or `with`). */
export function reassigned(ts: typeof TS, sf: TS.SourceFile, scopes: ScopeInfo): Set<Binding> {
  const out = new Set<Binding>();
  for (const [id, b] of scopes.refs) {
    if (ts.isIdentifier(id) && writeKind(ts, id) !== "none") out.add(b);
  }
  let opaque = false; // direct eval or `with` can write any binding
  const walk = (n: TS.Node): void => {
    if (ts.isWithStatement(n) || (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === "eval")) opaque = true;
    if (ts.isVariableDeclaration(n) && n.initializer && ts.isIdentifier(n.name)) {
      // `var f = …` redeclaring a function name writes the function's binding.
      const b = scopes.refs.get(n.name);
      if (b && b.kind === "function") out.add(b);
    }
    ts.forEachChild(n, walk);
  };
  walk(sf);
  if (opaque) for (const b of scopes.refs.values()) out.add(b);
  return out;
}
