// The original plugin's WorkOS SDK section, through the example server and the official MCP
// client against the local AuthKit: users (paged), organizations, directory sync, and the
// error paths (404, 401) as clear tool errors naming status and request id, never the key.
import { describe, expect, it } from "vitest";
import worker, { type Env } from "../../examples/worker/index.js";
import { connect, toolText } from "../support/mcp-client.js";
import { exampleEnv } from "../support/provider.js";
import { mintToken } from "../support/tokens.js";

const BASE = "https://capabilities.test";
const MCP = `${BASE}/mcp`;
const ctx = { waitUntil: () => {}, passThroughOnException: () => {} };
const env = (extra: Partial<Env> = {}): Env => exampleEnv(BASE, extra);
const admin = () =>
  mintToken(MCP, { claims: { sub: "user_alice", org_id: "org_acme", role: "admin", permissions: ["users:manage"] } });
const member = () =>
  mintToken(MCP, { claims: { sub: "user_bob", org_id: undefined, role: undefined, permissions: [] } });
async function client(token: string, e = env()) {
  return connect((r) => worker.fetch(r, e, ctx), token, MCP);
}
const call = async (c: Awaited<ReturnType<typeof client>>, name: string, args: Record<string, unknown> = {}) => {
  const r = await c.callTool({ name, arguments: args });
  return { isError: r.isError === true, text: toolText(r) };
};

describe("WorkOS capabilities through the example server", () => {
  it("list-users pages through every user with the cursor", async () => {
    const c = await client(await admin());
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const r = await call(c, "list-users", { limit: 1, ...(after && { after }) });
      expect(r.isError).toBe(false);
      const page = JSON.parse(r.text) as { users: { email: string }[]; after: string | null };
      expect(page.users.length).toBeLessThanOrEqual(1);
      seen.push(...page.users.map((u) => u.email));
      after = page.after;
    } while (after);
    expect(seen.sort()).toEqual(["alice@example.com", "bob@example.com", "dave@example.com"]);
    await c.close();
  });

  it("list-users and list-directory-users refuse callers without users:manage or admin", async () => {
    const c = await client(await member());
    for (const [tool, args] of [
      ["list-users", {}],
      ["list-directory-users", { directory: "directory_org_acme" }],
    ] as const) {
      const r = await call(c, tool, args);
      expect(r.isError).toBe(true);
      expect(r.text).toContain("users:manage permission or admin role required");
    }
    await c.close();
  });

  it("get-organization defaults to the caller's organization; another one needs users:manage", async () => {
    const c = await client(await admin());
    expect(JSON.parse((await call(c, "get-organization")).text)).toEqual({
      id: "org_acme",
      name: "Acme",
      domains: ["acme.example"],
    });
    expect(JSON.parse((await call(c, "get-organization", { organizationId: "org_globex" })).text).name).toBe("Globex");
    await c.close();
    const m = await client(await member());
    expect((await call(m, "get-organization")).text).toContain("This tool requires organization membership");
    await m.close();
  });

  it("list-directory-users lists the SCIM users of the organization's directory", async () => {
    const c = await client(await admin());
    const users = JSON.parse((await call(c, "list-directory-users", { directory: "directory_org_acme" })).text);
    // WorkOS lists newest first: Dave (member: Everyone only), then Alice (admin).
    expect(users).toEqual([
      { id: "directory_user_org_acme_user_dave", email: "dave@example.com", state: "active", groups: ["Everyone"] },
      {
        id: "directory_user_org_acme_user_alice",
        email: "alice@example.com",
        state: "active",
        groups: ["Everyone", "Engineering"],
      },
    ]);
    await c.close();
  });

  it("404 from WorkOS: a tool error naming the status and the request id", async () => {
    const c = await client(await admin());
    for (const [tool, args] of [
      ["get-organization", { organizationId: "org_nope" }],
      ["list-directory-users", { directory: "directory_nope" }],
    ] as const) {
      const r = await call(c, tool, args);
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(/HTTP 404/);
      expect(r.text).toMatch(/request id req_/);
    }
    await c.close();
  });

  it("401 from WorkOS (a bad API key): a clear tool error that never shows the key", async () => {
    const badKey = "sk_test_this_key_is_wrong_0000";
    const c = await client(await admin(), env({ WORKOS_API_KEY: badKey }));
    const r = await call(c, "list-users");
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/HTTP 401/);
    expect(r.text).not.toContain(badKey);
    await c.close();
  });
});
