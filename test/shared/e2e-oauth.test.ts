// End to end with the official MCP clients (v2 and the v1 SDK) against the example server and
// the local AuthKit: 401 → discovery → DCR → authorize (PKCE, resource) → token → tools →
// refresh. In Node and in workerd (the example worker's fetch, the AuthKit on loopback).
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import worker, { type Env } from "../../examples/worker/index.js";
import { HeadlessOAuth } from "../support/headless-oauth.js";
import { signIn } from "../support/oauth-flow.js";
import { TEST_API_KEY, TEST_CLIENT_ID } from "../support/seed.js";
import { authkit, mintToken } from "../support/tokens.js";

const BASE = "https://e2e-worker.test";
const MCP = `${BASE}/mcp`;
const ctx = { waitUntil: () => {}, passThroughOnException: () => {} };

function route(): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  const env: Env = {
    WORKOS_API_KEY: TEST_API_KEY,
    WORKOS_CLIENT_ID: TEST_CLIENT_ID,
    WORKOS_AUTHKIT_DOMAIN: authkit().issuer,
    WORKOS_API_URL: authkit().issuer,
    BASE_URL: BASE,
  };
  return (input, init) => {
    const request = new Request(input, init);
    // The MCP server is called in-process; the AuthKit over loopback, as a real client would.
    return request.url.startsWith(BASE) ? worker.fetch(request, env, ctx) : fetch(request);
  };
}

describe.each(["v2", "v1"] as const)("official MCP client %s", (generation) => {
  it("signs in from nothing (401, discovery, DCR, PKCE with resource) and calls the tools as the seeded user", async () => {
    const fetchImpl = route();
    const client = await signIn(generation, MCP, fetchImpl);
    expect(client.oauth.authorizations).toBe(1);
    // The local AuthKit issues Connect-shaped tokens, as AuthKit does: no role claims...
    const claims = decodeJwt(client.oauth.accessToken ?? "");
    expect(claims).toMatchObject({ sub: "user_alice", org_id: "org_acme", aud: MCP });
    for (const name of ["role", "roles", "permissions"]) expect(claims[name]).toBeUndefined();
    // ...and the example server resolves the role and permissions live from the WorkOS API.
    expect(JSON.parse((await client.callTool("whoami")).text)).toMatchObject({
      kind: "user",
      userId: "user_alice",
      organizationId: "org_acme",
      role: "admin",
      permissions: ["users:manage"],
      roleSource: "workos",
    });
    expect((await client.callTool("admin-only-tool")).text).toBe("Admin action completed");
    expect((await client.callTool("check-permission")).text).toBe("Permission granted");
    const profile = JSON.parse((await client.callTool("get-user-profile")).text);
    expect(profile).toMatchObject({ userId: "user_alice", email: "alice@example.com", firstName: "Alice" });
    const memberships = JSON.parse((await client.callTool("get-my-memberships")).text);
    expect(memberships.map((m: { organizationId: string }) => m.organizationId)).toEqual(["org_acme"]);
    await client.close();
  });

  it("refreshes an expired access token and calls again without re-authorizing", async () => {
    const fetchImpl = route();
    const client = await signIn(generation, MCP, fetchImpl);
    const before = client.oauth.refreshToken;
    client.oauth.overrideAccessToken(await mintToken(MCP, { expiresIn: -3600 }));
    const again = await client.reconnect();
    expect(JSON.parse((await again.callTool("whoami")).text).userId).toBe("user_alice");
    expect(again.oauth.authorizations).toBe(1);
    expect(again.oauth.refreshToken).not.toBe(before);
    await again.close();
  });

  it("login_hint signs in another seeded user", async () => {
    const fetchImpl = route();
    const client = await signIn(
      generation,
      MCP,
      fetchImpl,
      new HeadlessOAuth(fetchImpl, { login_hint: "bob@example.com" }),
    );
    const who = JSON.parse((await client.callTool("whoami")).text);
    expect(who.userId).toBe("user_bob");
    expect(who.organizationId).toBeUndefined();
    await client.close();
  });
});

describe("negative paths through the client", () => {
  it("a token minted for another resource is refused", async () => {
    const res = await route()(MCP, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await mintToken("https://other.example/mcp")}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("an expired token with no refresh token is refused and the client recovers by re-authorizing", async () => {
    const fetchImpl = route();
    const client = await signIn("v2", MCP, fetchImpl);
    await client.close();
    const oauth = client.oauth;
    oauth.saveTokens({ access_token: await mintToken(MCP, { expiresIn: -3600 }), token_type: "Bearer" });
    const again = await signIn("v2", MCP, fetchImpl, oauth);
    expect(oauth.authorizations).toBe(2);
    expect(JSON.parse((await again.callTool("whoami")).text).userId).toBe("user_alice");
    await again.close();
  });

  it("an unknown user id gives the tool a clear error, not a crash", async () => {
    const fetchImpl = route();
    const oauth = new HeadlessOAuth(fetchImpl);
    const client = await signIn("v2", MCP, fetchImpl, oauth);
    oauth.saveTokens({ access_token: await mintToken(MCP, { claims: { sub: "user_ghost" } }), token_type: "Bearer" });
    const ghost = await client.reconnect();
    const result = await ghost.callTool("get-user-profile");
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/not found/i);
    expect(result.text).not.toContain(TEST_API_KEY);
    expect(JSON.parse((await ghost.callTool("whoami")).text).userId).toBe("user_ghost");
    await ghost.close();
  });
});
