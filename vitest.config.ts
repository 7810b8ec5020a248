import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// The same behaviour tests (test/shared) run in Node and in workerd; test/node holds the
// Node-only ones (real HTTP servers, Node adapters). Fakes run on loopback (global setup).
const globalSetup = ["./test/support/global-setup.ts"];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "node",
          environment: "node",
          include: ["test/shared/**/*.test.ts", "test/node/**/*.test.ts"],
          globalSetup,
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: { WORKOS_CLIENT_ID: "client_test", BASE_URL: "http://127.0.0.1:8787" } },
          }),
        ],
        test: {
          name: "workerd",
          include: ["test/shared/**/*.test.ts", "test/workerd/**/*.test.ts"],
          globalSetup,
        },
      },
    ],
  },
});
