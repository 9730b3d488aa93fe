/**
 * Generated identifiers. Every name the transform introduces starts with `$$` (reserved prefix);
 * runtime field names are the ABI of runtime/abi.ts — keep the two in sync.
 */
export const RT_IMPORT = "$$RT";
/**
 * The runtime as a read-only global (runtime/runtime.ts `install`), what every transformed
 * function reads into `$$rt` on entry, and what call sites name directly for the callee token
 * and the unwinding flag (lower-function.ts callAndTest): V8 embeds it as a constant in optimized
 * code (no load, no map checks at the call sites of a loop). Not the import binding: under Vite/Vitest SSR that
 * is a getter on a namespace object, and a module-level copy of it is a mutable variable.
 */
export const RT_GLOBAL = "$$tsgreenlet2";
/**
 * The runtime's unwinding symbol (runtime/abi.ts RuntimeABI.U) as a read-only global: call sites
 * compare with it by this name rather than as `$$rt.U`. In code V8 compiles on stack replacement
 * the local `$$rt` is a value from the interpreter frame, not a constant, so `$$rt.U` would be a
 * load of unknown type there, and comparing an unboxed float result with it boxes the float (Node
 * 26, bench osr-dyn); a global read-only property is a constant in every optimized code.
 */
export const UNWIND_GLOBAL = "$$tsgreenlet2U";
export const RT_LOCAL = "$$rt";
export const PC = "$$pc";
/** `f.$$d === f`: f ignores its receiver, so member calls may call it directly (receiver.ts). */
export const DIRECT_TAG = "$$d";
/** In a constructor: entered from untransformed code (a boundary while its body runs). */
export const CTOR_OUTSIDE = "$$x";
/** Private field (without #) of a class whose field initialisers call: its constructor was entered from a transformed `new`. */
export const CTOR_FLAG = "#$$new";
export const BODY_LABEL = "$$body";
export const RES_RECORDS = "$$c";
export const RES_P = "$$p";
export const RES_MODE = "$$m";
export const RES_VALUE = "$$v";

/** Record header size: [info, pc, this]. */
export const REC_HEADER = 3;
export const RESUME_THROW = 1;
/** Resume mode of runtime `continueSpilled` (runtime/abi.ts RESUME_CALL): make the call at the resume point. */
export const RESUME_CALL = 3;
/**
 * Module-level copy of the runtime's TDZ sentinel (runtime/tdz.ts), compared by checked
 * references. Every store of the sentinel goes through `$$Z ?? ($$Z = $$RT.Z)`, so the variable
 * is set whenever a sentinel can be found (even in a function called before its module ran).
 */
export const TDZ_SENTINEL = "$$Z";

/** Rewritten generators (transformer/core/yield.ts, runtime/generators.ts): the body's first local, its GeneratorState. */
export const GEN_LOCAL = "$$g";
/** Label a `yield` leaves by (past the unwinding spill) to store the frame into `$$g.r`. */
export const YIELD_LABEL = "$$gy";
/** `$$g.s` values a yield stores (runtime/generators.ts GEN_YIELD, GEN_YIELD_RAW). */
export const GEN_YIELD = 1;
export const GEN_YIELD_RAW = 4;
/** Resume mode of `return(v)` at a yield. */
export const RESUME_RETURN = 2;
