import { defineConfig } from "vitest/config";
import tsconfigPaths from "vite-tsconfig-paths";

export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    include: ["tests/**/*.test.ts", "app/**/*.test.ts", "dev-store/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    setupFiles: ["tests/setup/fail-on-console-error.ts", "tests/setup/fast-check-seed.ts"],
  },
});
