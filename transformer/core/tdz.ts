/**
 * Temporal dead zones of the `let`/`const`/`class` bindings of transformed functions.
 *
 * Why: those bindings become hoisted locals or environment-object properties (scopes.ts) so a
 * frame can be saved, which loses the engine's own check: a read before the declaration ran
 * would give `undefined`. Checking every reference would cost a compare on hot paths, so each
 * reference is classified from the source:
 *
 *  - safe: in the binding's scope, after its declaration, reached without crossing a function
 *    boundary, or inside a function created after the declaration (a closure can only run once
 *    it exists, and it sees the scope instance it was created in). Emitted unchanged.
 *  - dead: directly in the binding's scope (no function boundary), before the declaration.
 *    Control only moves forward inside one instance of a scope (loops re-create the scopes
 *    inside them), so such a reference always runs in the dead zone: it throws unconditionally
 *    and the binding needs no sentinel.
 *  - check: everything else. Functions created before the declaration (function declarations
 *    are created when their block is entered; methods and field initialisers when their class
 *    is evaluated), and references in a later `case` clause (a switch can jump past the
 *    declaration). The binding then lives in an environment object (forced `captured`) whose
 *    slot starts as the runtime's sentinel; the reference compares against it.
 *  - inner: a class's own name inside its static blocks and field initialisers (never
 *    transformed): they may run while the class is being defined, when only the class's inner
 *    binding is initialised; the class expression the declaration becomes keeps the name.
 */
import type * as TS from "typescript";
import { isFunctionLike, type Binding, type ScopeInfo } from "./scopes.js";
import { RT_IMPORT, TDZ_SENTINEL } from "./names.js";
import { writeKind } from "./writes.js";

export type TdzUse = "safe" | "check" | "dead" | "inner";

export interface TdzAnalysis {
  use(b: Binding, id: TS.Identifier): TdzUse;
  /** Whether the binding's environment slot must start as the sentinel (some reference is checked). */
  needsSentinel(b: Binding): boolean;
  /** Whether any sentinel was emitted (the module then declares `$$Z`). */
  readonly used: boolean;
  /** `$$Z ?? ($$Z = $$RT.Z)`: the initial value of a checked binding. */
  sentinel(): TS.Expression;
  /** The module-level `var $$Z = $$RT.Z;`. */
  declaration(): TS.Statement;
  /**
   * A reference to `b` at `id` as emitted: `raw` is the unchecked target (a local or `env.name`).
   * Write targets stay assignable: `(env.x === $$Z ? stand-in : env).x`, which checks when the
   * engine would (compound assignments read first, simple ones write after the right-hand side).
   */
  reference(b: Binding, id: TS.Identifier, raw: TS.Expression | undefined): TS.Expression;
}

const LEXICAL = new Set(["let", "const", "class"]);

export function analyzeTdz(ts: typeof TS, f: TS.NodeFactory, scopes: ScopeInfo, owned: (b: Binding) => boolean): TdzAnalysis {
  const K = ts.SyntaxKind;
  const decls = new Map<Binding, TS.Node>();
  const uses = new Map<TS.Identifier, TdzUse>();
  const sentinelled = new Set<Binding>();
  let used = false;

  const declarationOf = (id: TS.Identifier): TS.Node | undefined => {
    let n: TS.Node = id.parent;
    while (n && (ts.isBindingElement(n) || ts.isObjectBindingPattern(n) || ts.isArrayBindingPattern(n))) n = n.parent;
    if (n && (ts.isVariableDeclaration(n) || ts.isClassDeclaration(n))) return n;
    return undefined;
  };
  const isDeclName = (id: TS.Identifier): boolean => {
    const p = id.parent;
    return (ts.isVariableDeclaration(p) || ts.isBindingElement(p) || ts.isClassDeclaration(p)) && (p as { name?: TS.Node }).name === id;
  };
  for (const [id, b] of scopes.refs) {
    if (LEXICAL.has(b.kind) && ts.isIdentifier(id) && isDeclName(id) && !decls.has(b)) {
      const d = declarationOf(id);
      if (d) decls.set(b, d);
    }
  }
  const within = (n: TS.Node, outer: TS.Node): boolean => n.pos >= outer.pos && n.end <= outer.end;

  /**
   * Whether every reference to the function declared by `fn` (other than from inside itself) is
   * in `scopeNode` after `decl` ends, directly or inside functions created after it: then `fn`
   * cannot run before `decl` initialised its binding.
   */
  const onlyCalledAfter = (fn: TS.FunctionDeclaration, decl: TS.Node, scopeNode: TS.Node): boolean => {
    const fb = fn.name ? scopes.refs.get(fn.name) : undefined;
    if (!fb) return false;
    let memo = calledAfter.get(fn)?.get(decl);
    if (memo !== undefined) return memo;
    memo = true;
    for (const [rid, rb] of scopes.refs) {
      if (rb !== fb || rid === fn.name || within(rid, fn)) continue;
      if (!within(rid, scopeNode) || rid.getStart() < decl.end) { memo = false; break; }
      // Crossing a function is fine when it is created (evaluated) after the declaration too;
      // a hoisted declaration is created earlier, so it is not.
      for (let n: TS.Node = rid.parent; n !== scopeNode; n = n.parent) {
        if (!n || ts.isFunctionDeclaration(n) || ((isFunctionLike(ts, n) || ts.isClassLike(n)) && n.getStart() < decl.end)) { memo = false; break; }
      }
      if (!memo) break;
    }
    if (!calledAfter.has(fn)) calledAfter.set(fn, new Map());
    calledAfter.get(fn)!.set(decl, memo);
    return memo;
  };
  const calledAfter = new Map<TS.Node, Map<TS.Node, boolean>>();

  const classify = (b: Binding, id: TS.Identifier): TdzUse => {
    const decl = decls.get(b);
    const scopeNode = b.scope.node;
    if (!decl || isDeclName(id)) return "safe";
    // Walk up to the binding's scope; a function boundary moves the reference to the point
    // where that function is created.
    let anchor: TS.Node = id;
    let crossed = false;
    for (let n: TS.Node = id; n !== scopeNode; n = n.parent) {
      if (!n.parent) return "check";
      if (b.kind === "class" && n.parent === decl && (ts.isPropertyDeclaration(n) || ts.isClassStaticBlockDeclaration(n))) return "inner";
      if (ts.isFunctionDeclaration(n) && (n.parent === scopeNode || (isFunctionLike(ts, scopeNode) && n.parent === (scopeNode as TS.FunctionLikeDeclaration).body)) &&
          !ts.isCaseBlock(scopeNode) && onlyCalledAfter(n, decl, scopeNode)) {
        // A hoisted function that nothing can reach before the declaration has run (every
        // reference to it is later in the same scope): as safe as a closure created there.
        return "safe";
      }
      if (isFunctionLike(ts, n) || ts.isClassStaticBlockDeclaration(n)) {
        crossed = true;
        anchor = ts.isFunctionDeclaration(n) ? (ts.isCaseClause(n.parent) || ts.isDefaultClause(n.parent) ? n.parent.parent : n.parent) : n;
        n = anchor;
        if (n === scopeNode) break;
      }
    }
    const before = crossed ? "check" : "dead";
    if (anchor === scopeNode) return before;
    const at = anchor.getStart();
    if (ts.isCaseBlock(scopeNode)) {
      const clauseOf = (n: TS.Node) => scopeNode.clauses.findIndex((c) => within(n, c));
      const dc = clauseOf(decl);
      const rc = clauseOf(anchor);
      const clause = scopeNode.clauses[rc];
      if (clause && ts.isCaseClause(clause) && within(anchor, clause.expression)) return before;
      if (rc === dc) return at >= decl.end ? "safe" : before;
      return rc > dc ? "check" : before;
    }
    // The head's expression runs in an environment of its own whose bindings are never
    // initialised: a closure made there always throws too.
    if ((ts.isForOfStatement(scopeNode) || ts.isForInStatement(scopeNode)) && within(anchor, scopeNode.expression)) return "dead";
    return at >= decl.end ? "safe" : before;
  };

  for (const [id, b] of scopes.refs) {
    if (!LEXICAL.has(b.kind) || b.fn === null || !ts.isIdentifier(id) || !owned(b)) continue;
    const u = classify(b, id);
    if (u === "safe") continue;
    uses.set(id, u);
    if (u === "check") {
      sentinelled.add(b);
      // A checked binding lives in an environment object: its slot can hold the sentinel and
      // closures/other clauses share it. (Direct references in later case clauses only.)
      b.captured = true;
    }
  }

  /** Whether the right-hand side of the simple assignment to `id` reads `b` through a check on every path. */
  const readsFirst = (id: TS.Identifier, b: Binding): boolean => {
    let c: TS.Node = id;
    while (ts.isParenthesizedExpression(c.parent)) c = c.parent;
    const assignment = c.parent as TS.BinaryExpression;
    let found = false;
    const walk = (n: TS.Node): void => {
      if (found) return;
      if (ts.isIdentifier(n)) {
        if (scopes.refs.get(n) === b && uses.get(n) === "check" && writeKind(ts, n) === "none") found = true;
        return;
      }
      if (isFunctionLike(ts, n) || ts.isClassLike(n) || (n.flags & ts.NodeFlags.OptionalChain) !== 0) return;
      if (ts.isConditionalExpression(n)) return walk(n.condition);
      if (ts.isBinaryExpression(n) && (n.operatorToken.kind === K.AmpersandAmpersandToken || n.operatorToken.kind === K.BarBarToken ||
          n.operatorToken.kind === K.QuestionQuestionToken || n.operatorToken.kind >= K.FirstAssignment && n.operatorToken.kind <= K.LastAssignment)) {
        return walk(n.left);
      }
      ts.forEachChild(n, walk);
    };
    walk(assignment.right);
    return found;
  };

  const rt = (name: string, args: TS.Expression[]): TS.Expression =>
    f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT_IMPORT), name), undefined, args);
  const sentinel = (): TS.Expression => {
    used = true;
    return f.createParenthesizedExpression(f.createBinaryExpression(f.createIdentifier(TDZ_SENTINEL), K.QuestionQuestionToken,
      f.createParenthesizedExpression(f.createAssignment(f.createIdentifier(TDZ_SENTINEL), f.createPropertyAccessExpression(f.createIdentifier(RT_IMPORT), "Z")))));
  };
  /** A fresh copy of a raw target (an identifier or `env.name`): the factory's nodes are not shared. */
  const copy = (raw: TS.Expression): TS.Expression => ts.isPropertyAccessExpression(raw)
    ? f.createPropertyAccessExpression(f.createIdentifier((raw.expression as TS.Identifier).text), raw.name.text)
    : f.createIdentifier((raw as TS.Identifier).text);
  /**
   * `typeof env.x === "symbol" && env.x === $$Z`. The typeof test first: a strict equality that
   * has seen both numbers and the sentinel gets generic feedback in V8 and cost ~1.5 ns per check
   * in a hot closure (bench calls-hoisted), where a typeof test stays a map check.
   */
  const isUninit = (raw: TS.Expression): TS.Expression => {
    used = true;
    return f.createLogicalAnd(f.createStrictEquality(f.createTypeOfExpression(copy(raw)), f.createStringLiteral("symbol")),
      f.createStrictEquality(copy(raw), f.createIdentifier(TDZ_SENTINEL)));
  };
  const envAndName = (raw: TS.Expression): [TS.Expression, TS.Expression] =>
    [f.createIdentifier(((raw as TS.PropertyAccessExpression).expression as TS.Identifier).text), f.createStringLiteral((raw as TS.PropertyAccessExpression).name.text)];

  return {
    use: (b, id) => uses.get(id) ?? "safe",
    needsSentinel: (b) => sentinelled.has(b),
    get used() { return used; },
    sentinel,
    declaration: () => f.createVariableStatement(undefined, f.createVariableDeclarationList([
      f.createVariableDeclaration(TDZ_SENTINEL, undefined, undefined, f.createPropertyAccessExpression(f.createIdentifier(RT_IMPORT), "Z"))], ts.NodeFlags.None)),
    reference: (b, id, raw) => {
      const u = uses.get(id);
      if (u === undefined) return raw!;
      const name = f.createStringLiteral(b.name);
      const w = writeKind(ts, id);
      if (u === "inner") return f.createIdentifier(b.name);
      if (u === "dead") return w === "none" ? rt("tdz", [name]) : f.createPropertyAccessExpression(rt("tdzRef", [f.createNull(), name]), b.name);
      if (!raw || !ts.isPropertyAccessExpression(raw)) return raw!; // not reached: checked bindings are captured
      if (w === "none") return f.createParenthesizedExpression(f.createConditionalExpression(isUninit(raw), undefined, rt("tdz", [name]), undefined, copy(raw)));
      // `x = f(x)`: the right-hand side's own check already ran (a slot never goes back to the
      // sentinel), so the write needs none.
      if (w === "assign" && readsFirst(id, b)) return raw;
      // A write target: the environment itself once initialised (a slot never goes back to the
      // sentinel), else a stand-in that checks again when written (after the right-hand side).
      const [env, key] = envAndName(raw);
      return f.createPropertyAccessExpression(f.createParenthesizedExpression(f.createConditionalExpression(isUninit(raw), undefined,
        rt("tdzRef", [env, key]), undefined, f.createIdentifier((env as TS.Identifier).text))), (raw as TS.PropertyAccessExpression).name.text);
    },
  };
}
