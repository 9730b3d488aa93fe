/**
 * `node --import tsgreenlet/register app.ts`: runs TypeScript (and marked JavaScript) with the
 * greenlet transform applied on load, through Node's module customization hooks.
 *
 * Options come from the environment: TSGREENLET_OPTIONS='{"all":true,"include":["src/**"]}'.
 */
import * as nodeModule from "node:module";
import { validateOptions } from "./core/index.js";
import { initialize, loadSync, resolveSync } from "./register-hooks.js";

const raw = process.env.TSGREENLET_OPTIONS;
let options = {};
if (raw) {
  try {
    options = validateOptions(JSON.parse(raw));
  } catch (e) {
    throw new Error(`tsgreenlet/register: TSGREENLET_OPTIONS is not valid: ${(e as Error).message}`);
  }
}
process.setSourceMapsEnabled(true);
// Synchronous in-thread hooks where Node has them (22.15+; `register` is deprecated on Node 26),
// otherwise the loader-thread hooks of `register`.
const registerHooks = (nodeModule as { registerHooks?: (hooks: { resolve: typeof resolveSync; load: typeof loadSync }) => unknown }).registerHooks;
if (typeof registerHooks === "function") {
  initialize({ options });
  registerHooks({ resolve: resolveSync, load: loadSync });
} else {
  nodeModule.register("./register-hooks.js", { parentURL: import.meta.url, data: { options } });
}
