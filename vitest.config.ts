import { createServer } from "node:net";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// The fake AuthKit's port is chosen here (free, loopback) so that the workerd project can
// bind the example worker's env to it; the global setup listens on it.
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
process.env.AUTHKIT_FAKE_PORT ??= String(await freePort());
const fakeIssuer = `http://127.0.0.1:${process.env.AUTHKIT_FAKE_PORT}`;

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
        // Vercel Edge: the same behaviour tests in the edge-runtime VM (@edge-runtime/vm).
        test: {
          name: "edge",
          environment: "edge-runtime",
          include: ["test/shared/**/*.test.ts"],
          globalSetup,
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                WORKOS_API_KEY: "sk_test_fake_key_0123456789",
                WORKOS_CLIENT_ID: "client_01FAKECLIENT",
                WORKOS_AUTHKIT_DOMAIN: fakeIssuer,
                WORKOS_API_URL: fakeIssuer,
                BASE_URL: "https://example-worker.test",
              },
            },
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
