// Live roles and permissions (issue: real AuthKit tokens). AuthKit's MCP access tokens carry no
// role claims; the provider resolves them from the WorkOS API: membership of sub in org_id,
// then the permissions of its roles. Node, workerd and Edge run this same file.
import { createMcpHandler } from "@modelcontextprotocol/server";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { createExampleServer } from "../../examples/tools.js";
import worker from "../../examples/worker/index.js";
import { createLocalAuthKit, type LocalAuthKit, type LocalAuthKitOptions } from "../../src/dev/index.js";
import {
  ConfigError,
  hasAsyncContext,
  requirePermission,
  requireRole,
  type WorkOSConfig,
  type WorkOSProvider,
  workosProvider,
} from "../../src/index.js";
import { connect, toolText } from "../support/mcp-client.js";
import { exampleEnv, workerCtx } from "../support/provider.js";
import { TEST_API_KEY } from "../support/seed.js";
import { mintToken } from "../support/tokens.js";

type Client = Awaited<ReturnType<typeof connect>>;
const call = async (c: Client, name: string, args: Record<string, unknown> = {}) => {
  const r = await c.callTool({ name, arguments: args });
  return { isError: r.isError === true, text: toolText(r) };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- The example server's role and permission tools, Connect-shaped tokens, the shared local AuthKit.

const EXAMPLE = "https://live-roles.test";
const EXAMPLE_MCP = `${EXAMPLE}/mcp`;
/** A token exactly as AuthKit issues to MCP clients: no role, roles or permissions. */
const connectToken = (sub: string, org_id: string | undefined) =>
  mintToken(EXAMPLE_MCP, { claims: { sub, org_id, role: undefined, permissions: undefined } });
const exampleClient = async (token: string) =>
  connect((r) => worker.fetch(r, exampleEnv(EXAMPLE), workerCtx), token, EXAMPLE_MCP);

describe("the example's role and permission tools with Connect-shaped tokens (roles from the WorkOS API)", () => {
  it("admin: every role and permission tool is served", async () => {
    const c = await exampleClient(await connectToken("user_alice", "org_acme"));
    expect(JSON.parse((await call(c, "whoami")).text)).toMatchObject({
      kind: "user",
      role: "admin",
      roles: ["admin"],
      permissions: ["users:manage"],
      roleSource: "workos",
    });
    expect(await call(c, "admin-only-tool")).toEqual({ isError: false, text: "Admin action completed" });
    expect(await call(c, "check-permission")).toEqual({ isError: false, text: "Permission granted" });
    expect((await call(c, "list-users")).isError).toBe(false);
    expect(JSON.parse((await call(c, "get-organization", { organizationId: "org_globex" })).text).name).toBe("Globex");
    expect((await call(c, "list-directory-users", { directory: "directory_org_acme" })).isError).toBe(false);
    await c.close();
  });

  it("member: the member's own role, and every admin tool refused with the original messages", async () => {
    const c = await exampleClient(await connectToken("user_dave", "org_acme"));
    expect(JSON.parse((await call(c, "whoami")).text)).toMatchObject({ role: "member", permissions: [] });
    expect(await call(c, "admin-only-tool")).toEqual({ isError: true, text: "Admin role required" });
    expect(await call(c, "check-permission")).toEqual({ isError: true, text: "users:manage permission required" });
    expect((await call(c, "list-users")).isError).toBe(true);
    expect((await call(c, "get-organization", { organizationId: "org_globex" })).isError).toBe(true);
    expect(JSON.parse((await call(c, "get-organization")).text).id).toBe("org_acme");
    expect((await call(c, "list-directory-users", { directory: "directory_org_acme" })).isError).toBe(true);
    await c.close();
  });

  it("non-member of the token's organization: no role, nothing granted", async () => {
    const c = await exampleClient(await connectToken("user_bob", "org_acme"));
    const who = JSON.parse((await call(c, "whoami")).text);
    expect(who).toMatchObject({ roles: [], permissions: [], roleSource: "workos" });
    expect(who.role).toBeUndefined();
    expect((await call(c, "admin-only-tool")).isError).toBe(true);
    expect((await call(c, "check-permission")).isError).toBe(true);
    expect((await call(c, "list-users")).isError).toBe(true);
    await c.close();
  });

  it("no organization in the token: no role and no lookup", async () => {
    const c = await exampleClient(await connectToken("user_alice", undefined));
    const who = JSON.parse((await call(c, "whoami")).text);
    expect(who.roleSource).toBe("none");
    expect(who.role).toBeUndefined();
    expect(await call(c, "admin-only-tool")).toEqual({ isError: true, text: "Admin role required" });
    await c.close();
  });
});

// ---- Per-test local AuthKit instances (in-process), so roles can change and the API can fail.

const BASE = "https://roles.test";
const RESOURCE = `${BASE}/mcp`;

interface Rig {
  readonly authkit: LocalAuthKit;
  readonly provider: WorkOSProvider;
  readonly fetch: (request: Request) => Promise<Response>;
  /** API requests seen (path), for "no lookup" assertions. */
  readonly apiCalls: string[];
}

/** A provider + the example server, reaching an in-process local AuthKit; `fault` may answer API calls instead. */
function rig(
  options: {
    provider?: Partial<WorkOSConfig>;
    authkit?: Partial<LocalAuthKitOptions>;
    fault?: (path: string) => Response | Error | undefined;
  } = {},
): Rig {
  const authkit = createLocalAuthKit({ issuer: "http://127.0.0.1:9", ...options.authkit });
  const apiCalls: string[] = [];
  const upstream: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const path = new URL(request.url).pathname;
    if (!path.startsWith("/oauth2/")) {
      apiCalls.push(path);
      const fault = options.fault?.(path);
      if (fault instanceof Error) throw fault;
      if (fault) return fault;
    }
    return authkit.fetch(request);
  };
  const provider = workosProvider({
    clientId: authkit.clientId,
    baseURL: BASE,
    ...authkit.providerOptions(),
    fetch: upstream,
    log: false,
    ...options.provider,
  });
  const mcp = createMcpHandler(() => createExampleServer());
  const handler = provider.handler((request, context) =>
    context ? mcp.fetch(request, { authInfo: context.authInfo }) : new Response("Not found", { status: 404 }),
  );
  return { authkit, provider, fetch: handler, apiCalls };
}

const toolCall = (token: string, name: string) =>
  new Request(RESOURCE, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name, arguments: {} } }),
  });

describe("live roles: caching, freshness and no needless lookups", () => {
  it("the session with live roles keeps every other field of the verified session", async () => {
    const r = rig();
    const token = await r.authkit.mintToken({
      user: "alice@example.com",
      audience: RESOURCE,
      scopes: ["openid", "mcp:read"],
      claims: { entitlements: ["pro"], feature_flags: ["beta"], act: { sub: "user_admin" } },
    });
    const verified = await r.provider.authenticate(toolCall(token, "whoami"));
    if (!verified.ok) throw new Error(verified.error.reason);
    const step = await r.provider.prepare(toolCall(token, "whoami"));
    if (step.action !== "continue" || step.context === undefined) throw new Error("refused");
    const { role, roles, permissions, roleSource, ...rest } = step.context.session;
    expect({ role, roles, roleSource }).toEqual({ role: "admin", roles: ["admin"], roleSource: "workos" });
    expect(permissions).toContain("users:manage");
    const { role: _r, roles: _rs, permissions: _p, roleSource: before, ...expected } = verified.context.session;
    expect(before).toBe("none");
    expect(rest).toEqual(expected);
    expect(Object.keys(rest).sort()).toEqual(Object.keys(expected).sort());
    expect(rest.actor).toEqual({ sub: "user_admin" });
    expect(Object.isFrozen(step.context.session)).toBe(true);
  });

  it("a role changed in WorkOS takes effect within roles.ttl (and not before: the cache is used)", async () => {
    const r = rig({ provider: { roles: { ttl: 0.4 } } });
    const c = await connect(
      r.fetch,
      await r.authkit.mintToken({ user: "alice@example.com", audience: RESOURCE }),
      RESOURCE,
    );
    expect((await call(c, "admin-only-tool")).isError).toBe(false);
    r.authkit.setRole("alice@example.com", "org_01ACME", "member");
    expect((await call(c, "admin-only-tool")).isError).toBe(false); // within the TTL: cached
    await sleep(500);
    expect(await call(c, "admin-only-tool")).toEqual({ isError: true, text: "Admin role required" });
    expect(JSON.parse((await call(c, "whoami")).text)).toMatchObject({ role: "member", permissions: ["widgets:read"] });
    r.authkit.setRole("alice@example.com", "org_01ACME", null); // membership removed
    await sleep(500);
    const removed = JSON.parse((await call(c, "whoami")).text);
    expect(removed).toMatchObject({ roles: [], permissions: [] });
    expect(removed.role).toBeUndefined();
    await c.close();
  });

  it("the membership API changes a role too (PUT /user_management/organization_memberships/{id})", async () => {
    const r = rig({ provider: { roles: { ttl: 0 } } });
    const res = await r.authkit.fetch(
      new Request(`${r.authkit.issuer}/user_management/organization_memberships/om_user_01BOB_org_01ACME`, {
        method: "PUT",
        headers: { authorization: `Bearer ${r.authkit.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ role_slug: "admin" }),
      }),
    );
    expect(res.status).toBe(200);
    expect((await res.json()).role).toEqual({ slug: "admin" });
    const token = await r.authkit.mintToken({
      user: "bob@example.com",
      organizationId: "org_01ACME",
      audience: RESOURCE,
    });
    const c = await connect(r.fetch, token, RESOURCE);
    expect((await call(c, "admin-only-tool")).isError).toBe(false);
    await c.close();
  });

  it("no lookup for requests that need no role (initialize, tools/list, notifications); one per TTL after", async () => {
    const r = rig();
    const c = await connect(r.fetch, await r.authkit.mintToken({ audience: RESOURCE }), RESOURCE);
    await c.listTools();
    expect(r.provider.stats.roleLookups).toBe(0);
    await call(c, "whoami");
    expect(r.provider.stats.roleLookups).toBe(2); // membership + the organization's roles
    await call(c, "admin-only-tool");
    await call(c, "check-permission");
    expect(r.provider.stats.roleLookups).toBe(2); // cached across requests
    await c.close();
  });

  it("roles.tools limits the lookup to the listed tools; others see roleSource 'unresolved'", async () => {
    const r = rig({ provider: { roles: { tools: ["admin-only-tool"] } } });
    const c = await connect(r.fetch, await r.authkit.mintToken({ audience: RESOURCE }), RESOURCE);
    expect(JSON.parse((await call(c, "whoami")).text).roleSource).toBe("unresolved");
    const refused = await call(c, "check-permission");
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(/not looked up for this request/);
    expect(r.provider.stats.roleLookups).toBe(0);
    expect((await call(c, "admin-only-tool")).isError).toBe(false);
    expect(r.provider.stats.roleLookups).toBe(2);
    await c.close();
  });

  it("signed role claims (a JWT template) are used as they are; source 'live' looks up anyway", async () => {
    const templated = rig({ authkit: { roleClaims: true } });
    const token = await templated.authkit.mintToken({ user: "bob@example.com", audience: RESOURCE });
    expect(decodeJwt(token)).toMatchObject({ role: "member", roles: ["member"], permissions: ["widgets:read"] });
    const c = await connect(templated.fetch, token, RESOURCE);
    expect(JSON.parse((await call(c, "whoami")).text)).toMatchObject({ role: "member", roleSource: "token" });
    expect(templated.provider.stats.roleLookups).toBe(0);
    await c.close();

    const live = rig({ authkit: { roleClaims: true }, provider: { roles: { source: "live" } } });
    const stale = await live.authkit.mintToken({ user: "bob@example.com", audience: RESOURCE });
    live.authkit.setRole("bob@example.com", "org_01ACME", "admin"); // after the token was signed
    const fresh = await connect(live.fetch, stale, RESOURCE);
    expect(JSON.parse((await call(fresh, "whoami")).text)).toMatchObject({ role: "admin", roleSource: "workos" });
    await fresh.close();
  });
});

describe("the original plugin's guard style with live roles", () => {
  it("requireRole('admin', ctx) and requirePermission('users:manage') with no argument see the resolved roles", async () => {
    const r = rig();
    const { McpServer } = await import("@modelcontextprotocol/server");
    const mcp = createMcpHandler(() => {
      const server = new McpServer({ name: "guards", version: "1.0.0" });
      server.registerTool("explicit", {}, (ctx) => {
        requireRole("admin", ctx);
        return { content: [{ type: "text", text: "explicit ok" }] };
      });
      server.registerTool("implicit", {}, () => {
        // No argument: AsyncLocalStorage (Node, Edge; Workers with nodejs_compat).
        const { permissions } = requirePermission("users:manage");
        return { content: [{ type: "text", text: `implicit ok ${permissions.length}` }] };
      });
      return server;
    });
    const handler = r.provider.handler((request, context) =>
      context ? mcp.fetch(request, { authInfo: context.authInfo }) : new Response("", { status: 404 }),
    );
    const admin = await connect(
      handler,
      await r.authkit.mintToken({ user: "alice@example.com", audience: RESOURCE }),
      RESOURCE,
    );
    expect(await call(admin, "explicit")).toEqual({ isError: false, text: "explicit ok" });
    if (hasAsyncContext()) expect(await call(admin, "implicit")).toEqual({ isError: false, text: "implicit ok 3" });
    await admin.close();
    const member = await connect(
      handler,
      await r.authkit.mintToken({ user: "bob@example.com", audience: RESOURCE }),
      RESOURCE,
    );
    expect(await call(member, "explicit")).toEqual({ isError: true, text: "Admin role required" });
    if (hasAsyncContext())
      expect(await call(member, "implicit")).toEqual({ isError: true, text: "users:manage permission required" });
    await member.close();
  });
});

describe("live roles fail closed", () => {
  const outages: [string, () => Response | Error, RegExp, string][] = [
    ["down", () => new TypeError("fetch failed"), /unreachable/, "5"],
    [
      "rate limited (429)",
      () => new Response("{}", { status: 429, headers: { "retry-after": "7" } }),
      /rate limited/,
      "7",
    ],
    ["failing (500)", () => new Response("oops", { status: 500 }), /HTTP 500/, "5"],
    ["refusing the key (401)", () => new Response("{}", { status: 401 }), /HTTP 401: check WORKOS_API_KEY/, "5"],
    ["answering HTML", () => new Response("<html>", { status: 200 }), /unreadable answer/, "5"],
  ];

  it.each(outages)(
    "API %s: a guard in the tool refuses with a tool error naming the cause",
    async (_, fault, cause) => {
      const r = rig({
        fault: (path) => (path.startsWith("/user_management/organization_memberships") ? fault() : undefined),
      });
      const c = await connect(r.fetch, await r.authkit.mintToken({ audience: RESOURCE }), RESOURCE);
      const refused = await call(c, "admin-only-tool");
      expect(refused.isError).toBe(true);
      expect(refused.text).toMatch(/role could not be checked/);
      expect(refused.text).toMatch(cause);
      expect(refused.text).not.toContain(r.authkit.apiKey);
      // Tools that need no role still work; the session says why it has none.
      const who = JSON.parse((await call(c, "whoami")).text);
      expect(who.roleSource).toBe("unavailable");
      expect(who.role).toBeUndefined();
      await c.close();
    },
  );

  it.each(outages)(
    "API %s: a policy decided before the tool runs answers 503 with Retry-After",
    async (_, fault, __, retry) => {
      const r = rig({
        provider: { tools: { "admin-only-tool": { roles: ["admin"] } } },
        fault: (path) => (path.startsWith("/authorization/") ? fault() : undefined),
      });
      const res = await r.fetch(toolCall(await r.authkit.mintToken({ audience: RESOURCE }), "admin-only-tool"));
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe(retry);
      expect(res.headers.get("www-authenticate")).toBeNull(); // the token is fine: no re-auth
      const body = await res.text();
      expect(body).toMatch(/role could not be checked/);
      expect(body).not.toContain(r.authkit.apiKey);
    },
  );

  it("a failed lookup is not cached: the next request after recovery is served", async () => {
    let down = true;
    const r = rig({
      fault: (path) => (down && path.startsWith("/authorization/") ? new TypeError("down") : undefined),
    });
    const c = await connect(r.fetch, await r.authkit.mintToken({ audience: RESOURCE }), RESOURCE);
    expect((await call(c, "admin-only-tool")).isError).toBe(true);
    down = false;
    expect((await call(c, "admin-only-tool")).isError).toBe(false);
    await c.close();
  });
});

describe("machine (M2M) tokens through client_credentials", () => {
  const credentials = async (authkit: LocalAuthKit, how: "basic" | "post", secret = "sk_local_m2m_reporter") => {
    const form = new URLSearchParams({ grant_type: "client_credentials", scope: "mcp:read" });
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
    if (how === "basic") headers.authorization = `Basic ${btoa(`client_01REPORTER:${secret}`)}`;
    else {
      form.set("client_id", "client_01REPORTER");
      form.set("client_secret", secret);
    }
    return authkit.fetch(new Request(`${authkit.issuer}/oauth2/token`, { method: "POST", headers, body: form }));
  };

  it.each(["basic", "post"] as const)(
    "client_secret_%s: an AuthKit-shaped M2M token; whoami says machine",
    async (how) => {
      const r = rig({ provider: { machineTokens: true } });
      const res = await credentials(r.authkit, how);
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.refresh_token).toBeUndefined();
      const claims = decodeJwt(body.access_token);
      expect(claims).toMatchObject({
        sub: "client_01REPORTER",
        client_id: "client_01REPORTER",
        org_id: "org_01ACME",
        aud: "client_local_dev",
        scope: "mcp:read",
      });
      expect(claims.sid).toBeUndefined();
      const c = await connect(r.fetch, body.access_token, RESOURCE);
      expect(JSON.parse((await call(c, "whoami")).text)).toMatchObject({
        kind: "machine",
        userId: "client_01REPORTER",
        organizationId: "org_01ACME",
        roleSource: "none",
      });
      const profile = await call(c, "get-user-profile");
      expect(profile.isError).toBe(true);
      expect(profile.text).toMatch(/needs a signed-in user.*machine \(client credentials\) token of client_01REPORTER/);
      expect(await call(c, "admin-only-tool")).toEqual({ isError: true, text: "Admin role required" });
      expect(r.provider.stats.roleLookups).toBe(0); // an application has no membership
      await c.close();
    },
  );

  it("a policy with user: true refuses machines", async () => {
    const r = rig({ provider: { machineTokens: true, tools: { whoami: { user: true } } } });
    const token = (await (await credentials(r.authkit, "basic")).json()).access_token;
    const res = await r.fetch(toolCall(token, "whoami"));
    expect(res.status).toBe(200);
    expect((await res.json()).result).toMatchObject({
      isError: true,
      content: [{ text: expect.stringMatching(/signed-in user/) }],
    });
  });

  it("refused without machineTokens, or from an application not in machineTokens.clients", async () => {
    for (const machineTokens of [false, { clients: ["client_01OTHER"] }] as const) {
      const r = rig({ provider: { machineTokens } });
      const token = (await (await credentials(r.authkit, "post")).json()).access_token;
      const res = await r.fetch(toolCall(token, "whoami"));
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
    }
  });

  it("a user token whose aud is only the client id is still refused with machineTokens on", async () => {
    const r = rig({ provider: { machineTokens: true } });
    const userToken = await r.authkit.mintToken({ user: "alice@example.com" }); // no resource: aud = client id
    expect(decodeJwt(userToken).aud).toBe("client_local_dev");
    const res = await r.fetch(toolCall(userToken, "whoami"));
    expect(res.status).toBe(401);
  });

  it("a wrong secret, an unknown application or no secret is invalid_client (401)", async () => {
    const r = rig();
    expect((await credentials(r.authkit, "basic", "wrong")).status).toBe(401);
    expect((await (await credentials(r.authkit, "post", "wrong")).json()).error).toBe("invalid_client");
    const none = await r.authkit.fetch(
      new Request(`${r.authkit.issuer}/oauth2/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials&client_id=client_01REPORTER",
      }),
    );
    expect(none.status).toBe(401);
  });
});

describe("configuration of live roles", () => {
  const base = { clientId: "client_x", baseURL: BASE, authkitDomain: "x.authkit.app", log: false as const };

  it("role or permission policies without an apiKey fail at construction, naming apiKey", () => {
    for (const extra of [{ tools: { t: { roles: ["admin"] } } }, { policy: { permissions: ["p"] } }, { roles: {} }]) {
      const error = (() => {
        try {
          workosProvider({ ...base, ...extra });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).option).toBe("apiKey");
      expect((error as ConfigError).message).toMatch(/carry no role/);
    }
  });

  it("roles.source 'token' needs no apiKey (a JWT template puts the claims in the tokens)", () => {
    expect(() => workosProvider({ ...base, roles: { source: "token" }, tools: { t: { roles: ["a"] } } })).not.toThrow();
  });

  it.each([
    [{ roles: { ttl: -1 } }, "roles.ttl"],
    [{ roles: { source: "sometimes" } }, "roles.source"],
    [{ roles: { store: {} } }, "roles.store"],
    [{ roles: { tools: "some" } }, "roles.tools"],
    [{ roles: { cache: 1 } }, "roles"],
    [{ machineTokens: { clients: [] } }, "machineTokens"],
    [{ machineTokens: "yes" }, "machineTokens"],
  ])("%j is refused naming %s", (extra, option) => {
    expect(() => workosProvider({ ...base, apiKey: TEST_API_KEY, ...(extra as object) })).toThrow(
      expect.objectContaining({ option }),
    );
  });
});
