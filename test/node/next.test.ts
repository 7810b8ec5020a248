// The Next.js adapter in a real Next.js app (test/fixtures/next-app): `next build`, then
// `next start` on a free loopback port, driven over HTTP with the official MCP client through
// the whole OAuth flow, on a Node.js route and on an Edge route, plus the discovery routes.
import { mkdirSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn } from "../support/oauth-flow.js";
import { cleanEnv, freePort, run, start, waitFor } from "../support/processes.js";
import { TEST_API_KEY, TEST_CLIENT_ID } from "../support/seed.js";
import { authkit } from "../support/tokens.js";

const root = join(import.meta.dirname, "../..");
const app = join(root, "test/fixtures/next-app");
let server: ReturnType<typeof start>;
let base = "";

beforeAll(async () => {
  rmSync(join(app, "node_modules"), { recursive: true, force: true });
  mkdirSync(join(app, "node_modules"));
  symlinkSync(root, join(app, "node_modules/authkit-mcp"), "dir");
  const env = { ...cleanEnv(), NEXT_TELEMETRY_DISABLED: "1" };
  await run("npx", ["next", "build"], { cwd: app, env });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = start("npx", ["next", "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: app,
    env: {
      ...env,
      WORKOS_API_KEY: TEST_API_KEY,
      WORKOS_CLIENT_ID: TEST_CLIENT_ID,
      WORKOS_AUTHKIT_DOMAIN: authkit().issuer,
      WORKOS_API_URL: authkit().issuer,
      BASE_URL: base,
    },
  });
  await waitFor(`${base}/.well-known/oauth-protected-resource/mcp`, 60_000, server.output);
}, 240_000);

afterAll(() => server?.stop());

describe("Next.js App Router (authkit-mcp/next)", () => {
  it("serves the root and path-suffixed protected resource metadata", async () => {
    for (const [path, resource] of [
      ["/.well-known/oauth-protected-resource", `${base}/mcp`],
      ["/.well-known/oauth-protected-resource/mcp", `${base}/mcp`],
      ["/.well-known/oauth-protected-resource/edge/mcp", `${base}/edge/mcp`],
    ]) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBe(200);
      expect((await res.json()).resource).toBe(resource);
    }
    expect((await fetch(`${base}/.well-known/oauth-protected-resource/nope`)).status).toBe(404);
  });

  it("proxies the authorization server metadata", async () => {
    const doc = await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json();
    expect(doc.issuer).toBe(authkit().issuer);
    expect(doc.registration_endpoint).toBe(`${authkit().issuer}/oauth2/register`);
  });

  it.each(["/mcp", "/edge/mcp"])(
    "%s: 401 challenge, then the official client signs in and calls whoami",
    async (path) => {
      const res = await fetch(`${base}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain(`${base}/.well-known/oauth-protected-resource${path}`);
      const client = await signIn("v2", `${base}${path}`, fetch);
      expect(JSON.parse((await client.callTool("whoami")).text)).toEqual({
        userId: "user_alice",
        organizationId: "org_acme",
      });
      await client.close();
    },
    30_000,
  );
});
