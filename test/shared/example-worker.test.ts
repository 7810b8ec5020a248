// The Workers example (examples/worker, deployed by wrangler.toml) driven by the official
// MCP client: initialize, then the original plugin's tools, with tokens from the fake AuthKit.
import { describe, expect, it } from "vitest";
import worker, { type Env } from "../../examples/worker/index.js";
import { connect, toolText } from "../support/mcp-client.js";
import { parseChallenge } from "../support/provider.js";
import { TEST_API_KEY, TEST_CLIENT_ID } from "../support/seed.js";
import { authkit, mintToken } from "../support/tokens.js";

const BASE = "https://example-worker.test";
const RESOURCE = `${BASE}/mcp`;

function env(overrides: Partial<Env> = {}): Env {
  return {
    WORKOS_API_KEY: TEST_API_KEY,
    WORKOS_CLIENT_ID: TEST_CLIENT_ID,
    WORKOS_AUTHKIT_DOMAIN: authkit().issuer,
    BASE_URL: BASE,
    WORKOS_API_URL: authkit().issuer,
    ...overrides,
  };
}
const ctx = { waitUntil: () => {}, passThroughOnException: () => {} };
const fetchWorker = (e: Env) => (request: Request) => worker.fetch(request, e, ctx);

describe("example worker", () => {
  it("initialize + tools/call whoami with a valid token returns that user's identity", async () => {
    const token = await mintToken(RESOURCE, { claims: { sub: "user_alice", org_id: "org_acme", role: "admin" } });
    const client = await connect(fetchWorker(env()), token, RESOURCE);
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name).sort()).toEqual(
      [
        "admin-only-tool",
        "check-permission",
        "echo-identity",
        "get-organization",
        "list-directory-users",
        "list-users",
        "get-my-memberships",
        "get-user-profile",
        "greet",
        "require-organization",
        "whoami",
        "write-note",
      ].sort(),
    );
    const who = JSON.parse(toolText(await client.callTool({ name: "whoami", arguments: {} })));
    expect(who).toMatchObject({
      userId: "user_alice",
      organizationId: "org_acme",
      role: "admin",
      sessionId: "session_alice",
    });
    await client.close();
  });

  it("greet, get-user-profile and get-my-memberships reach the (fake) WorkOS API with the caller's identity", async () => {
    const client = await connect(fetchWorker(env()), await mintToken(RESOURCE), RESOURCE);
    expect(toolText(await client.callTool({ name: "greet", arguments: { name: "Ada" } }))).toBe(
      "Hello, Ada! Your WorkOS user ID is user_alice",
    );
    const profile = JSON.parse(toolText(await client.callTool({ name: "get-user-profile", arguments: {} })));
    expect(profile).toMatchObject({ userId: "user_alice", email: "alice@example.com", firstName: "Alice" });
    const memberships = JSON.parse(toolText(await client.callTool({ name: "get-my-memberships", arguments: {} })));
    expect(memberships[0].organizationId).toBe("org_acme");
    await client.close();
  });

  it("the original plugin's organization, role and permission checks", async () => {
    const member = await mintToken(RESOURCE, {
      claims: { sub: "user_bob", org_id: undefined, role: "member", permissions: [] },
    });
    const client = await connect(fetchWorker(env()), member, RESOURCE);
    const org = await client.callTool({ name: "require-organization", arguments: {} });
    expect(org.isError).toBe(true);
    expect(toolText(org)).toContain("This tool requires organization membership");
    expect(toolText(await client.callTool({ name: "admin-only-tool", arguments: {} }))).toContain(
      "Admin role required",
    );
    expect(toolText(await client.callTool({ name: "check-permission", arguments: {} }))).toContain(
      "users:manage permission required",
    );
    expect(toolText(await client.callTool({ name: "get-my-memberships", arguments: {} }))).toBe(
      "You are not a member of any organizations.",
    );
    await client.close();

    const admin = await connect(fetchWorker(env()), await mintToken(RESOURCE), RESOURCE);
    expect(toolText(await admin.callTool({ name: "admin-only-tool", arguments: {} }))).toBe("Admin action completed");
    expect(toolText(await admin.callTool({ name: "check-permission", arguments: {} }))).toBe("Permission granted");
    expect(toolText(await admin.callTool({ name: "require-organization", arguments: {} }))).toBe(
      "Organization: org_acme",
    );
    await admin.close();
  });

  it("without a token: 401 with the right challenge", async () => {
    const res = await worker.fetch(
      new Request(RESOURCE, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} }),
      }),
      env({ MCP_SCOPES: "mcp:read" }),
      ctx,
    );
    expect(res.status).toBe(401);
    const challenge = parseChallenge(res.headers.get("www-authenticate"));
    expect(challenge).toEqual({
      resource_metadata: `${BASE}/.well-known/oauth-protected-resource/mcp`,
      scope: "mcp:read",
    });
  });

  it("serves the discovery documents from the env's configuration", async () => {
    const res = await worker.fetch(new Request(`${BASE}/.well-known/oauth-protected-resource/mcp`), env(), ctx);
    expect(await res.json()).toMatchObject({ resource: RESOURCE, authorization_servers: [authkit().issuer] });
  });

  it("a token for another server is refused by the example", async () => {
    const token = await mintToken("https://elsewhere.example/mcp");
    await expect(connect(fetchWorker(env()), token, RESOURCE)).rejects.toThrow();
  });

  it("a misconfigured env answers 500 naming the missing variable, without secrets", async () => {
    const res = await worker.fetch(new Request(RESOURCE, { method: "POST" }), env({ WORKOS_AUTHKIT_DOMAIN: "" }), ctx);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).toContain("WORKOS_AUTHKIT_DOMAIN");
    expect(text).not.toContain(TEST_API_KEY);
  });

  it("concurrency: many users at once through the real MCP server each see only themselves", async () => {
    const users = Array.from({ length: 12 }, (_, i) => `user_c${i}`);
    const results = await Promise.all(
      users.map(async (sub) => {
        const client = await connect(fetchWorker(env()), await mintToken(RESOURCE, { claims: { sub } }), RESOURCE);
        const who = JSON.parse(toolText(await client.callTool({ name: "whoami", arguments: {} })));
        await client.close();
        return who.userId;
      }),
    );
    expect(results).toEqual(users);
  });
});
