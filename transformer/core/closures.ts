/**
 * Transform support for pickling (issue 4): stable function ids, closure factories and the
 * module table.
 *
 * - Stable ids: `<module>#<qualified name>`, where <module> is the file path relative to the
 *   directory of the nearest package.json, prefixed by that package's name (POSIX separators,
 *   no machine-specific prefix; e.g. `tsgreenlet/fixtures/pickle/deep.ts`), and
 *   the qualified name is the chain of enclosing function/class names joined by "/", with
 *   "~N" appended to the N-th (N >= 1) same-named sibling and "anonymous" for functions without
 *   a name. Unrelated edits elsewhere in the file (moving code up or down) do not change an id;
 *   the per-function content hash (kept separately) detects edits of the function itself.
 * - Closure factories: every transformed function *expression* (arrow, function expression,
 *   nested function declaration) is created through a module-level factory
 *   `function $$mkN(env...) { const name = <fn>; name.$$k = $$kN; name.$$e0 = env0; ...; return name; }`
 *   whose parameters are exactly the environment objects the function closes over. The tag is
 *   what the pickler reads to save (closure id, `this`, environments); calling the factory with
 *   revived environments re-creates the closure. Arrows that read the lexical `this` are created
 *   with `$$mkN.call(this, ...)` and also tagged `$$this`. An arrow's `arguments`, `new.target`
 *   and supported `super` reads/calls were already rewritten by transform-file.ts to go through
 *   the enclosing function's environment (`$$args`, `$$nt`, `$$home`); an arrow whose created
 *   code still uses one of them (an unsupported `super` form) stays native and is refused by the
 *   pickler with a path.
 * - Module table: `$$RT.mod(<module>, [names], (n) => binding, [let/var names])` registers a lazy getter over the
 *   module's top-level bindings, so module-level functions and classes (declared or imported)
 *   are pickled by reference and classes declared in marked modules are registered by name.
 */
import type * as TS from "typescript";
import { inferredName, mentions } from "./inferred-name.js";
import { hasModifier } from "./modifiers.js";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import { DIRECT_TAG, RT_IMPORT } from "./names.js";
import { ignoresReceiver } from "./receiver.js";
import type { ScopeInfo } from "./scopes.js";

export interface PickleSupport {
  /** Stable id of a function-like node. */
  idOf(node: TS.Node): string;
  hashOf(node: TS.Node): string;
  /**
   * Wraps the creation of a transformed function expression in a module-level factory.
   * `locals`/`native` are the function's record locals and which of them are bound outside it.
   */
  /** `generator`: a rewritten generator function (gets its generator-function prototype: `$$RT.genfn`). */
  closure(node: TS.FunctionLikeDeclaration, created: TS.Expression, locals: readonly string[], native: ReadonlySet<string>, generator?: boolean): TS.Expression;
  /** `$$RT.mod(...)` for the module's top-level bindings (undefined when there are none). */
  moduleTable(): TS.Statement | undefined;
  /**
   * `dead: [[local index...] per resume point]`: temporaries no later code reads when the
   * function resumes at that point (the pickler saves them as undefined). Empty when none.
   */
  deadTemps(body: readonly TS.Statement[], rps: ReadonlyMap<TS.Node, { readonly pc: number; readonly callee: TS.Expression; readonly call: TS.Expression }>,
    pointCount: number, locals: readonly string[]): TS.PropertyAssignment[];
}

const pkgDirCache = new Map<string, string | null>();

/** Directory of the nearest package.json above `dir` (null when there is none). */
function packageDir(dir: string): string | null {
  const cached = pkgDirCache.get(dir);
  if (cached !== undefined) return cached;
  let found: string | null = null;
  if (existsSync(join(dir, "package.json"))) found = dir;
  else {
    const up = dirname(dir);
    found = up === dir ? null : packageDir(up);
  }
  pkgDirCache.set(dir, found);
  return found;
}

const pkgNameCache = new Map<string, string>();

/** The "name" of a package.json (prefixes module ids so that two packages cannot collide). */
function packageName(dir: string): string {
  let n = pkgNameCache.get(dir);
  if (n === undefined) {
    try {
      const v = (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: unknown }).name;
      n = typeof v === "string" ? v : "";
    } catch {
      n = "";
    }
    pkgNameCache.set(dir, n);
  }
  return n;
}

/** The module part of stable ids: path relative to the nearest package.json, POSIX style. */
export function moduleIdOf(fileName: string): string {
  const clean = fileName.replace(/[?#].*$/, "");
  if (!isAbsolute(clean)) return clean.split(sep).join("/");
  const root = packageDir(dirname(clean));
  if (root === null) return clean.split(sep).join("/");
  const rel = relative(root, clean).split(sep).join("/");
  const name = packageName(root);
  return name ? `${name}/${rel}` : rel;
}

export function createPickleSupport(
  ts: typeof TS, f: TS.NodeFactory, sf: TS.SourceFile, fileName: string, scopes: ScopeInfo,
  prologue: TS.Statement[], epilogue: TS.Statement[],
): PickleSupport {
  const mod = moduleIdOf(fileName);
  const ids = new Map<TS.Node, string>();

  // Qualified names in document order (ordinals count same-named siblings).
  const assign = (n: TS.Node, prefix: string, counts: Map<string, number>): void => {
    if (ts.isFunctionLike(n) || ts.isClassLike(n)) {
      const seg = segmentName(ts, n);
      const k = counts.get(seg) ?? 0;
      counts.set(seg, k + 1);
      const q = (prefix ? prefix + "/" : "") + (k === 0 ? seg : `${seg}~${k}`);
      ids.set(n, q);
      const inner = new Map<string, number>();
      ts.forEachChild(n, (c) => assign(c, q, inner));
      return;
    }
    ts.forEachChild(n, (c) => assign(c, prefix, counts));
  };
  assign(sf, "", new Map());

  let n = 0;
  const idOf = (node: TS.Node): string => `${mod}#${ids.get(ts.getOriginalNode(node)) ?? "anonymous"}`;
  const hashOf = (node: TS.Node): string => createHash("sha256").update(node.getText(sf)).digest("hex").slice(0, 16);

  const closure = (node: TS.FunctionLikeDeclaration, created: TS.Expression, locals: readonly string[], native: ReadonlySet<string>, generator = false): TS.Expression => {
    const isArrow = ts.isArrowFunction(node);
    const use = isArrow ? lexicalUse(ts, created) : { self: false, unsupported: false };
    if (use.unsupported) return created;
    const free = locals.filter((l) => native.has(l) && /^\$\$[eEb]\d+$/.test(l));
    const k = ++n;
    const mk = `$$mk${k}`;
    const desc = `$$k${k}`;
    const ownName = (ts.isFunctionExpression(node) || ts.isFunctionDeclaration(node)) && node.name !== undefined;
    const name = ownName ? undefined : inferredName(ts, node);
    // The closure keeps the name its original context would infer (Function.prototype.name).
    const local = name && /^[A-Za-z_$][\w$]*$/.test(name) && !name.startsWith("$$") && ts.identifierToKeywordKind(f.createIdentifier(name)) === undefined && name !== "eval" && name !== "arguments" && !mentions(ts, created, name) && !free.includes(name)
      ? name : "$$f";
    const value = local === "$$f" && name
      ? f.createElementAccessExpression(f.createObjectLiteralExpression([f.createPropertyAssignment(f.createStringLiteral(name), created)]), f.createStringLiteral(name))
      : created;
    // The tag: plain string-keyed properties (`$$k` descriptor, `$$this`, `$$e0`...). Measured:
    // a symbol-keyed store or a tag array costs 20-40 ns per closure on Node 20 (the closure can
    // no longer be scalar-replaced); string-keyed stores of the values themselves stay ~free.
    const tag = (prop: string, v: TS.Expression): TS.Statement =>
      f.createExpressionStatement(f.createAssignment(f.createPropertyAccessExpression(f.createIdentifier(local), prop), v));
    epilogue.push(f.createFunctionDeclaration(undefined, undefined, mk, undefined,
      free.map((p) => f.createParameterDeclaration(undefined, undefined, p)), undefined, f.createBlock([
        f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(local, undefined, undefined, value)], ts.NodeFlags.Const)),
        tag("$$k", f.createIdentifier(desc)),
        ...(generator ? [f.createExpressionStatement(f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT_IMPORT), "genfn"), undefined, [f.createIdentifier(local)]))] : []),
        ...(ignoresReceiver(ts, node) ? [tag(DIRECT_TAG, f.createIdentifier(local))] : []),
        ...(use.self ? [tag("$$this", f.createThis())] : []),
        ...free.map((p, j) => tag(`$$e${j}`, f.createIdentifier(p))),
        f.createReturnStatement(f.createIdentifier(local)),
      ], true)));
    prologue.push(f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(desc, undefined, undefined,
      f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT_IMPORT), "clo"), undefined, [f.createObjectLiteralExpression([
        f.createPropertyAssignment("id", f.createStringLiteral(idOf(node))),
        f.createPropertyAssignment("hash", f.createStringLiteral(hashOf(node))),
        f.createPropertyAssignment("envs", f.createNumericLiteral(free.length)),
        f.createPropertyAssignment("mk", f.createIdentifier(mk)),
      ], false)]))], ts.NodeFlags.Const)));
    const args = free.map((p) => f.createIdentifier(p));
    return use.self
      ? f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(mk), "call"), undefined, [f.createThis(), ...args])
      : f.createCallExpression(f.createIdentifier(mk), undefined, args);
  };

  const moduleTable = (): TS.Statement | undefined => {
    const top = scopes.scopes.get(sf);
    if (!top) return undefined;
    const names: string[] = [];
    const reassignable: string[] = [];
    for (const b of top.decls.values()) {
      if (b.name.startsWith("$$")) continue;
      if (b.kind === "import" && !usedAsValue(b)) continue;
      if ((b.kind === "var" || b.kind === "let" || b.kind === "const") && isAmbient(b)) continue;
      if (b.kind === "function" || b.kind === "class" || b.kind === "var" || b.kind === "let" || b.kind === "const" || b.kind === "import") names.push(b.name);
      if (b.kind === "var" || b.kind === "let") reassignable.push(b.name);
    }
    if (!names.length) return undefined;
    const param = f.createIdentifier("$$n");
    const getter = f.createArrowFunction(undefined, undefined, [f.createParameterDeclaration(undefined, undefined, param)], undefined, undefined,
      f.createBlock([f.createSwitchStatement(param, f.createCaseBlock(names.map((nm) =>
        f.createCaseClause(f.createStringLiteral(nm), [f.createReturnStatement(f.createIdentifier(nm))]))))], true));
    return f.createExpressionStatement(f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT_IMPORT), "mod"), undefined, [
      f.createStringLiteral(mod), f.createArrayLiteralExpression(names.map((nm) => f.createStringLiteral(nm))), getter,
      ...(reassignable.length ? [f.createArrayLiteralExpression(reassignable.map((nm) => f.createStringLiteral(nm)))] : [])]));
  };

  /** Identifiers (declarations and references) of each binding, indexed once. */
  let byBinding: Map<unknown, TS.Node[]> | undefined;
  const refsOf = (b: unknown): TS.Node[] => {
    if (!byBinding) {
      byBinding = new Map();
      for (const [node, bb] of scopes.refs) {
        const list = byBinding.get(bb);
        if (list) list.push(node); else byBinding.set(bb, [node]);
      }
    }
    return byBinding.get(b) ?? [];
  };

  /** `declare const x` has no runtime binding. */
  const isAmbient = (b: unknown): boolean => {
    for (const node of refsOf(b)) {
      for (let p: TS.Node | undefined = node.parent; p && !ts.isSourceFile(p); p = p.parent) {
        if (ts.isVariableStatement(p)) return !!ts.getModifiers(p)?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword);
      }
    }
    return false;
  };

  /** An import binding referenced from a value position (TypeScript elides type-only imports). */
  const usedAsValue = (b: unknown): boolean => {
    for (const node of refsOf(b)) {
      if (ts.isImportSpecifier(node.parent) || ts.isImportClause(node.parent) || ts.isNamespaceImport(node.parent)) continue;
      let p: TS.Node | undefined = node.parent;
      let inType = false;
      while (p && !ts.isSourceFile(p)) {
        if (ts.isTypeNode(p) && !ts.isExpressionWithTypeArguments(p)) { inType = true; break; }
        if (ts.isHeritageClause(p) && p.token === ts.SyntaxKind.ImplementsKeyword) { inType = true; break; }
        p = p.parent;
      }
      if (!inType) return true;
    }
    return false;
  };

  // Conservative liveness of the transform's temporaries: a temporary is live at a resume point if
  // it is read anywhere textually after the point, or anywhere inside a loop enclosing the point.
  // Temporaries hold the operands of one expression, so most are dead at every later point;
  // without this, stale values (a Promise from an earlier call, `console`) made frames unpicklable.
  const deadTemps: PickleSupport["deadTemps"] = (body, rps, pointCount, locals) => {
    const TEMP = /^\$\$t\d+$/;
    if (!locals.some((l) => TEMP.test(l)) || rps.size === 0) return [];
    let order = 0;
    const reads = new Map<string, { at: number; loops: readonly TS.Node[] }[]>();
    const points: { pc: number; at: number; loops: readonly TS.Node[] }[] = [];
    const loops: TS.Node[] = [];
    const read = (name: string, at: number): void => {
      const list = reads.get(name) ?? [];
      list.push({ at, loops: [...loops] });
      reads.set(name, list);
    };
    const visitExpr = (n: TS.Node, at: number): void => {
      if (ts.isIdentifier(n)) { if (TEMP.test(n.text)) read(n.text, at); return; }
      if (ts.isFunctionLike(n) || ts.isClassLike(n)) return;
      ts.forEachChild(n, (c) => visitExpr(c, at));
    };
    const visit = (n: TS.Node): void => {
      const at = ++order;
      const rp = rps.get(n);
      if (rp) {
        points.push({ pc: rp.pc, at, loops: [...loops] });
        visitExpr(rp.callee, at);
        visitExpr(rp.call, at);
        return;
      }
      if (ts.isFunctionLike(n) || ts.isClassLike(n)) return;
      if (ts.isIdentifier(n)) { if (TEMP.test(n.text)) read(n.text, at); return; }
      if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(n.left)) { visit(n.right); return; }
      const isLoop = ts.isIterationStatement(n, false);
      if (isLoop) loops.push(n);
      ts.forEachChild(n, visit);
      if (isLoop) loops.pop();
    };
    for (const st of body) visit(st);
    const dead: number[][] = Array.from({ length: pointCount }, () => []);
    for (const p of points) {
      locals.forEach((l, j) => {
        if (!TEMP.test(l)) return;
        const live = (reads.get(l) ?? []).some((r) => r.at > p.at || r.loops.some((lp) => p.loops.includes(lp)));
        if (!live) dead[p.pc - 1]!.push(j);
      });
    }
    if (dead.every((d) => d.length === 0)) return [];
    return [f.createPropertyAssignment("dead", f.createArrayLiteralExpression(dead.map((d) =>
      f.createArrayLiteralExpression(d.map((j) => f.createNumericLiteral(j))))))];
  };

  return { idOf, hashOf, closure, moduleTable, deadTemps };
}

function segmentName(ts: typeof TS, n: TS.Node): string {
  const name = (n as { name?: TS.Node }).name;
  if (name && (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isPrivateIdentifier(name))) {
    if (ts.isConstructorDeclaration(n)) return "constructor";
    const isStatic = hasModifier(ts, n, ts.SyntaxKind.StaticKeyword);
    const prefix = ts.isGetAccessorDeclaration(n) ? "get " : ts.isSetAccessorDeclaration(n) ? "set " : "";
    return (isStatic ? "static " : "") + prefix + name.text;
  }
  if (ts.isConstructorDeclaration(n)) return "constructor";
  // `*[Symbol.iterator]()`: the key's source text.
  if (name && ts.isComputedPropertyName(name) && ts.isMethodDeclaration(n)) {
    return (hasModifier(ts, n, ts.SyntaxKind.StaticKeyword) ? "static " : "") + `[${name.expression.getText()}]`;
  }
  return inferredName(ts, n) ?? "anonymous";
}

/**
 * What an arrow's created (already rewritten) body takes from its lexical context: `this`
 * (supported) or anything left of arguments/new.target/super (not: a safety net for forms
 * transform-file.ts does not lower).
 */
function lexicalUse(ts: typeof TS, node: TS.Node): { self: boolean; unsupported: boolean } {
  let self = false;
  let unsupported = false;
  const walk = (c: TS.Node): void => {
    if (c.kind === ts.SyntaxKind.ThisKeyword) self = true;
    else if (c.kind === ts.SyntaxKind.SuperKeyword || ts.isMetaProperty(c)) unsupported = true;
    else if (ts.isIdentifier(c) && c.text === "arguments") unsupported = true;
    if ((ts.isFunctionLike(c) && !ts.isArrowFunction(c)) || ts.isClassLike(c)) return;
    ts.forEachChild(c, walk);
  };
  ts.forEachChild(node, walk);
  return { self, unsupported };
}
