import { defineConfig } from "vitest/config";
import greenlet from "./dist/transformer/vite.js";

export default defineConfig({
  plugins: [greenlet()],
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    pool: "forks",
  },
});
