/**
 * tsgreenlet runtime: the public API (`import { Greenlet } from "tsgreenlet"`) and the runtime
 * object transformed modules import as `$RT`.
 */
export { Greenlet, getcurrent, settrace, gettrace, type FrameInfo, type GreenletOptions, type Tracer, type TraceEvent } from "./greenlet/greenlet.js";
export { hardAvailable, unavailableReason as hardUnavailableReason, type StackKind, type StackOption } from "./greenlet/hard.js";
export { GreenletExit, GreenletError } from "./greenlet/errors.js";
export { RT as $RT } from "./runtime.js";
export type { FunctionInfo, ResumeFunction } from "./abi.js";
