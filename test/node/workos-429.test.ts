// 429 from the WorkOS API (the local AuthKit rate-limited on request): the tool error names
// the status, Retry-After and the request id. The window allows 3 calls: the first tools/call
// spends two on the live role lookup (membership, role permissions) and one on listUsers; the
// second reuses the cached roles, and its listUsers is the 429.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import worker from "../../examples/worker/index.js";
import { nodeListener } from "../../src/adapters/node-http.js";
import { createLocalAuthKit, type LocalAuthKit } from "../../src/dev/index.js";
import { connect, toolText } from "../support/mcp-client.js";
import { freePort } from "../support/processes.js";

let server: Server;
let authkit: LocalAuthKit;

beforeAll(async () => {
  const port = await freePort();
  authkit = createLocalAuthKit({ issuer: `http://127.0.0.1:${port}`, rateLimit: { requests: 3, perSeconds: 60 } });
  server = createServer(nodeListener(authkit.fetch, authkit.issuer));
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("WorkOS API rate limiting", () => {
  it("the second call in the window is a tool error naming 429, Retry-After and the request id", async () => {
    const env = {
      WORKOS_API_KEY: authkit.apiKey,
      WORKOS_CLIENT_ID: "client_local_dev",
      WORKOS_AUTHKIT_DOMAIN: authkit.issuer,
      WORKOS_API_URL: authkit.issuer,
      BASE_URL: "https://rl.test",
      WORKOS_API_MAX_RETRIES: "0", // the SDK would otherwise wait out Retry-After and retry
    };
    const token = await authkit.mintToken({ user: "alice@example.com", audience: "https://rl.test/mcp" });
    const client = await connect((r) => worker.fetch(r, env, { waitUntil: () => {} }), token, "https://rl.test/mcp");
    const first = await client.callTool({ name: "list-users", arguments: {} });
    expect(first.isError).not.toBe(true);
    const second = await client.callTool({ name: "list-users", arguments: {} });
    expect(second.isError).toBe(true);
    expect(toolText(second)).toMatch(/HTTP 429/);
    expect(toolText(second)).toMatch(/retry after \d+ s/);
    expect(toolText(second)).toMatch(/request id req_/);
    await client.close();
  }, 30_000);
});
