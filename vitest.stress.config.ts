// `npm run test:stress` (after `npm run build`): the whole suite with every function inheriting a
// direct-call tag that is not its own (fixtures/integration/support/inherited-tag.mjs), so that
// every function's first member call takes the transform's rarest arm, the loop exit and the
// continuation in the resume function (docs/ARCHITECTURE.md "Copied tags leave the loop"). It
// found two bugs in session 10. Not part of `npm test`: it doubles the suite's time.
import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

export default mergeConfig(base, defineConfig({
  test: { setupFiles: ["./fixtures/integration/support/inherited-tag.mjs"] },
}));
