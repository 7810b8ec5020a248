// The xmcp drop-in: the original plugin's examples/workos-http layout (test/fixtures/xmcp-app:
// xmcp.config.ts with http, src/middleware.ts default-exporting workosProvider, the original
// tools), built with xmcp and run with Node, driven by the official MCP client through the
// whole OAuth flow against the local AuthKit.
import { mkdirSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn } from "../support/oauth-flow.js";
import { cleanEnv, freePort, run, start, waitFor } from "../support/processes.js";
import { TEST_API_KEY, TEST_CLIENT_ID } from "../support/seed.js";
import { authkit } from "../support/tokens.js";

const root = join(import.meta.dirname, "../..");
const app = join(root, "test/fixtures/xmcp-app");
let server: ReturnType<typeof start>;
let mcpUrl = "";

beforeAll(async () => {
  // The fixture imports "authkit-mcp/xmcp" exactly as a user would: the built package
  // (built by the global setup), linked into the fixture's node_modules.
  rmSync(join(app, "node_modules"), { recursive: true, force: true });
  mkdirSync(join(app, "node_modules"));
  symlinkSync(root, join(app, "node_modules/authkit-mcp"), "dir");
  const port = await freePort();
  const build = await run("npx", ["xmcp", "build"], { cwd: app, env: { ...cleanEnv(), XMCP_PORT: String(port) } });
  expect(build).not.toMatch(/ERROR in/);
  mcpUrl = `http://127.0.0.1:${port}/mcp`;
  server = start("node", ["dist/http.js"], {
    cwd: app,
    env: {
      ...cleanEnv(),
      WORKOS_API_KEY: TEST_API_KEY,
      WORKOS_CLIENT_ID: TEST_CLIENT_ID,
      WORKOS_AUTHKIT_DOMAIN: authkit().issuer,
      WORKOS_API_URL: authkit().issuer,
      BASE_URL: `http://127.0.0.1:${port}`,
    },
  });
  await waitFor(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`, 30_000, server.output);
}, 180_000);

afterAll(() => server?.stop());

describe("xmcp drop-in (authkit-mcp/xmcp)", () => {
  it("serves the discovery documents through the router", async () => {
    const doc = await (await fetch(mcpUrl.replace("/mcp", "/.well-known/oauth-protected-resource/mcp"))).json();
    expect(doc).toMatchObject({ resource: mcpUrl, authorization_servers: [authkit().issuer] });
  });

  it("401 with an absolute resource_metadata without a token", async () => {
    const res = await fetch(mcpUrl, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain(
      `resource_metadata="${mcpUrl.replace("/mcp", "")}/.well-known/oauth-protected-resource/mcp"`,
    );
  });

  it.each(["v2", "v1"] as const)(
    "the original plugin's tools work unchanged for a %s client signed in via OAuth",
    async (gen) => {
      const client = await signIn(gen, mcpUrl, fetch);
      const raw = (await client.callTool("whoami")).text;
      const who = JSON.parse(raw);
      expect(who).toMatchObject({
        userId: "user_alice",
        organizationId: "org_acme",
        role: "admin",
        permissions: ["users:manage"],
      });
      expect((await client.callTool("greet", { name: "Ada" })).text).toBe(
        "Hello, Ada! Your WorkOS user ID is user_alice",
      );
      const memberships = JSON.parse((await client.callTool("get-my-memberships")).text);
      expect(memberships[0].organizationId).toBe("org_acme");
      expect(JSON.parse((await client.callTool("get-user-profile")).text).email).toBe("alice@example.com");
      await client.close();
    },
    30_000,
  );
});
