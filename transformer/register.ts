/**
 * `node --import tsgreenlet/register app.ts`: runs TypeScript (and marked JavaScript) with the
 * greenlet transform applied on load, through Node's module customization hooks.
 *
 * Options come from the environment: TSGREENLET_OPTIONS='{"all":true,"include":["src/**"]}'.
 */
import { register } from "node:module";
import { validateOptions } from "./core/index.js";

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
register("./register-hooks.js", { parentURL: import.meta.url, data: { options } });
