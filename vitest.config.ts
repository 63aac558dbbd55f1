import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests import workspace packages from source, so unit tests need no build.
// Integration tests start services from their built dist/ (pnpm test builds first).
const alias = [
  {
    find: /^@ktl\/([\w-]+)$/,
    replacement: fileURLToPath(new URL("./packages/$1/src/index.ts", import.meta.url)),
  },
];

// One root config: unit tests sit beside the code in packages/ and services/,
// integration and end-to-end tests (real etcd, real kubectl) live in test/.
export default defineConfig({
  resolve: { alias },
  test: {
    // The JSON report feeds the plain "N passed, N failed" line CI prints.
    reporters: ["default", ["json", { outputFile: "test-results.json" }]],
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["packages/*/src/**/*.test.ts", "services/*/src/**/*.test.ts"],
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts", "test/e2e/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
