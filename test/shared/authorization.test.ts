// Authorization: guards, declarative policies, step-up (RFC 6750 §3.1 insufficient_scope,
// MCP 2026-07-28 "all required scopes in one challenge", scope hierarchies).
import { describe, expect, it } from "vitest";
import worker, { type Env } from "../../examples/worker/index.js";
import {
  ForbiddenError,
  InsufficientScopeError,
  type RequestContext,
  requireOrganization,
  requirePermission,
  requireRole,
  requireScope,
  scopeChallenge,
  type WorkOSConfig,
  withPolicy,
} from "../../src/index.js";
import { HeadlessOAuth } from "../support/headless-oauth.js";
import { connect, toolText } from "../support/mcp-client.js";
import { signIn } from "../support/oauth-flow.js";
import { exampleEnv, mcpRequest, PRM_URL, parseChallenge, RESOURCE, testProvider } from "../support/provider.js";
import { mintToken } from "../support/tokens.js";

async function contextWith(
  claims: Record<string, unknown>,
  config: Partial<WorkOSConfig> = {},
): Promise<RequestContext> {
  const result = await testProvider(config).authenticate(mcpRequest(await mintToken(RESOURCE, { claims })));
  if (!result.ok) throw new Error(`refused: ${result.error.reason}`);
  return result.context;
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a throw");
}

describe("guards", () => {
  it("requireOrganization narrows to a string organizationId, or throws the original plugin's message", async () => {
    const ok = requireOrganization(await contextWith({ org_id: "org_acme" }));
    const orgId: string = ok.organizationId;
    expect(orgId).toBe("org_acme");
    const e = thrown(() => requireOrganization(contextWith({ org_id: undefined }).then(() => null) as never));
    expect(e).toBeInstanceOf(Error);
    const none = await contextWith({ org_id: undefined });
    const err = thrown(() => requireOrganization(none));
    expect(err).toBeInstanceOf(ForbiddenError);
    expect((err as ForbiddenError).code).toBe("organization_required");
    expect(err.message).toBe("This tool requires organization membership");
  });

  it("requireRole: 'Admin role required'; any of several roles; reads role and roles", async () => {
    const member = await contextWith({ role: "member" });
    const err = thrown(() => requireRole("admin", member)) as ForbiddenError;
    expect(err.message).toBe("Admin role required");
    expect(err.code).toBe("role_required");
    expect(thrown(() => requireRole(["admin", "owner"], member)).message).toBe(
      "One of these roles required: admin, owner",
    );
    expect(requireRole(["admin", "member"], member).role).toBe("member");
    const multi = await contextWith({ role: "member", roles: ["member", "billing"] });
    expect(() => requireRole("billing", multi)).not.toThrow();
  });

  it("requirePermission: 'users:manage permission required'; all listed permissions needed", async () => {
    const ctx = await contextWith({ permissions: ["widgets:read"] });
    const err = thrown(() => requirePermission("users:manage", ctx)) as ForbiddenError;
    expect(err.message).toBe("users:manage permission required");
    expect(err.code).toBe("permission_required");
    expect(thrown(() => requirePermission(["widgets:read", "a", "b"], ctx)).message).toBe("a, b permissions required");
    expect(requirePermission("widgets:read", ctx).permissions).toEqual(["widgets:read"]);
    const none = await contextWith({ permissions: undefined });
    expect(() => requirePermission("widgets:read", none)).toThrow(ForbiddenError);
  });

  it("requireScope: all scopes needed, hierarchy honoured (mcp:write implies mcp:read)", async () => {
    const hierarchy = { scopeHierarchy: { "mcp:write": ["mcp:read"], "mcp:admin": ["mcp:write"] } };
    const writer = await contextWith({ scope: "mcp:write" }, hierarchy);
    expect(() => requireScope(["mcp:read", "mcp:write"], writer)).not.toThrow();
    const admin = await contextWith({ scope: "mcp:admin" }, hierarchy);
    expect(() => requireScope("mcp:read", admin)).not.toThrow();
    const reader = await contextWith({ scope: "mcp:read" }, hierarchy);
    const err = thrown(() => requireScope(["mcp:read", "mcp:write"], reader)) as InsufficientScopeError;
    expect(err).toBeInstanceOf(InsufficientScopeError);
    expect(err.code).toBe("insufficient_scope");
    expect(err.scopes).toEqual(["mcp:read", "mcp:write"]);
  });

  it("guards work through the tool's extra/ctx and with no argument inside handler()", async () => {
    const p = testProvider();
    const handle = p.handler(async () => {
      try {
        requireRole("owner");
        return new Response("allowed");
      } catch (e) {
        return new Response((e as Error).message, { status: 418 });
      }
    });
    const res = await handle(mcpRequest(await mintToken(RESOURCE, { claims: { role: "admin" } })));
    expect(await res.text()).toBe("Owner role required");
    const ctx = await contextWith({});
    expect(requireRole("admin", { authInfo: ctx.authInfo }).userId).toBe("user_alice");
    expect(requireRole("admin", { http: { authInfo: ctx.authInfo } }).userId).toBe("user_alice");
  });

  it("withPolicy wraps a tool callback (either shape) and throws the refusal", async () => {
    const ctx = await contextWith({ role: "member", permissions: [] });
    const tool = withPolicy({ roles: ["admin"] }, (_args: unknown, _ctx: unknown) => "ran");
    expect(() => tool({}, ctx)).toThrow("Admin role required");
    const ok = withPolicy({ permissions: [] }, (_ctx: unknown) => "ran");
    expect(ok(ctx)).toBe("ran");
  });
});

describe("scopeChallenge (registration-time step-up with the v2 SDK)", () => {
  it("the SDK answers 403 insufficient_scope before the tool runs; hierarchy honoured", async () => {
    const { McpServer, createMcpHandler } = await import("@modelcontextprotocol/server");
    let ran = 0;
    const mcp = createMcpHandler(() => {
      const server = new McpServer({ name: "s", version: "1" });
      server.registerTool("w", { scopeChallenge: scopeChallenge(["mcp:write"]) }, () => {
        ran++;
        return { content: [{ type: "text", text: "ok" }] };
      });
      return server;
    });
    const p = testProvider({ scopeHierarchy: { "mcp:admin": ["mcp:write"] } });
    const handle = p.handler((req, context) => mcp.fetch(req, { authInfo: context?.authInfo as never }));
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "w", arguments: {} } });
    const reader = await handle(mcpRequest(await mintToken(RESOURCE, { claims: { scope: "mcp:read" } }), { body }));
    expect(reader.status).toBe(403);
    const challenge = parseChallenge(reader.headers.get("www-authenticate"));
    expect(challenge.scope).toBe("mcp:write");
    expect(challenge.resource_metadata).toBe(PRM_URL);
    expect(ran).toBe(0);
    const admin = await handle(mcpRequest(await mintToken(RESOURCE, { claims: { scope: "mcp:admin" } }), { body }));
    expect(admin.status).toBe(200);
    expect(ran).toBe(1);
  });
});

const call = (name: string, id: number | string = 1) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: {} },
});

describe("provider-enforced policies", () => {
  const policies: Partial<WorkOSConfig> = {
    tools: {
      write: { scopes: ["mcp:write"] },
      admin: { roles: ["admin"] },
      manage: { permissions: ["users:manage"] },
      org: { organization: true },
    },
    scopeHierarchy: { "mcp:write": ["mcp:read"] },
  };
  const reached: unknown[] = [];
  const handler = (config: Partial<WorkOSConfig> = policies) =>
    testProvider(config).handler(async (request) => {
      reached.push(await request.json());
      return Response.json({ jsonrpc: "2.0", id: 1, result: { ok: true } });
    });

  it("a missing scope: 403 insufficient_scope with every scope the operation needs and resource_metadata", async () => {
    const token = await mintToken(RESOURCE, { claims: { scope: "mcp:read" } });
    const res = await handler({ ...policies, requiredScopes: ["mcp:read"] })(
      mcpRequest(token, { body: JSON.stringify(call("write")) }),
    );
    expect(res.status).toBe(403);
    const challenge = parseChallenge(res.headers.get("www-authenticate"));
    expect(challenge.error).toBe("insufficient_scope");
    expect(challenge.scope?.split(" ").sort()).toEqual(["mcp:read", "mcp:write"]);
    expect(challenge.resource_metadata).toBe(PRM_URL);
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("a batch: one challenge with the scopes of every call in it", async () => {
    const p = { tools: { a: { scopes: ["s:a"] }, b: { scopes: ["s:b"] } } };
    const token = await mintToken(RESOURCE, { claims: { scope: "" } });
    const res = await handler(p)(mcpRequest(token, { body: JSON.stringify([call("a", 1), call("b", 2)]) }));
    expect(parseChallenge(res.headers.get("www-authenticate")).scope?.split(" ").sort()).toEqual(["s:a", "s:b"]);
  });

  it("the hierarchy lets mcp:write through a tool that needs mcp:read", async () => {
    const token = await mintToken(RESOURCE, { claims: { scope: "mcp:write" } });
    const res = await handler({ ...policies, tools: { read: { scopes: ["mcp:read"] } } })(
      mcpRequest(token, { body: JSON.stringify(call("read")) }),
    );
    expect(res.status).toBe(200);
  });

  it.each([
    ["admin", { role: "member" }, "Admin role required"],
    ["manage", { permissions: [] }, "users:manage permission required"],
    ["org", { org_id: undefined }, "This tool requires organization membership"],
  ])(
    "%s: a role/permission/organization refusal is a tool error (200, isError), not a 403",
    async (tool, claims, message) => {
      const before = reached.length;
      const res = await handler()(
        mcpRequest(await mintToken(RESOURCE, { claims }), { body: JSON.stringify(call(tool, 7)) }),
      );
      expect(res.status).toBe(200);
      expect(res.headers.get("www-authenticate")).toBeNull();
      expect(await res.json()).toEqual({
        jsonrpc: "2.0",
        id: 7,
        result: { content: [{ type: "text", text: message }], isError: true },
      });
      expect(reached.length).toBe(before);
    },
  );

  it("an allowed call reaches the MCP handler with its body intact (read once, not consumed)", async () => {
    const body = call("admin", 9);
    const res = await handler()(mcpRequest(await mintToken(RESOURCE), { body: JSON.stringify(body) }));
    expect(res.status).toBe(200);
    expect(reached.at(-1)).toEqual(body);
  });

  it("endpoint-wide requiredScopes: in the 401 challenge, in scopes_supported (the base set: no tool scopes), and enforced (403)", async () => {
    const p = testProvider({
      requiredScopes: ["mcp:read"],
      scopes: ["extra"],
      tools: { w: { scopes: ["mcp:write"] } },
    });
    const denied = await p.authenticate(mcpRequest());
    expect(!denied.ok && parseChallenge(denied.response.headers.get("www-authenticate")).scope).toBe("mcp:read");
    const prm = await (
      await p.metadata(new Request("https://mcp.example.com/.well-known/oauth-protected-resource/mcp"))
    )?.json();
    // MCP scope selection: tool scopes (mcp:write) are reached by the 403 step-up, not advertised.
    expect(prm.scopes_supported.sort()).toEqual(["extra", "mcp:read"]);
    const handle = p.handler(async () => new Response("ok"));
    const res = await handle(mcpRequest(await mintToken(RESOURCE, { claims: { scope: "openid" } })));
    expect(res.status).toBe(403);
    expect(parseChallenge(res.headers.get("www-authenticate")).scope).toBe("mcp:read");
    expect((await handle(mcpRequest(await mintToken(RESOURCE, { claims: { scope: "mcp:read" } })))).status).toBe(200);
  });

  it("an endpoint-wide role policy refuses with 403 and a JSON-RPC error, no Bearer challenge", async () => {
    const handle = testProvider({ policy: { roles: ["admin"] } }).handler(async () => new Response("ok"));
    const res = await handle(mcpRequest(await mintToken(RESOURCE, { claims: { role: "member" } })));
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toBeNull();
    expect((await res.json()).error.message).toBe("Admin role required");
  });

  it("hideForbiddenTools removes the tools the caller may not use from tools/list (JSON and SSE)", async () => {
    const tools = [{ name: "admin" }, { name: "open" }, { name: "write" }];
    const list = { jsonrpc: "2.0", id: 1, method: "tools/list" };
    const token = await mintToken(RESOURCE, { claims: { role: "member", scope: "mcp:read" } });
    for (const sse of [false, true]) {
      const handle = testProvider({ ...policies, hideForbiddenTools: true }).handler(async () => {
        const body = JSON.stringify({ jsonrpc: "2.0", id: 1, result: { tools } });
        return sse
          ? new Response(`event: message\ndata: ${body}\n\n`, { headers: { "content-type": "text/event-stream" } })
          : new Response(body, { headers: { "content-type": "application/json" } });
      });
      const text = await (await handle(mcpRequest(token, { body: JSON.stringify(list) }))).text();
      const json = JSON.parse(sse ? (text.match(/^data: (.*)$/m)?.[1] ?? "") : text);
      expect(json.result.tools.map((t: { name: string }) => t.name)).toEqual(["open"]);
    }
  });

  it("invalid policies fail at construction, naming the option", () => {
    expect(() => testProvider({ tools: { x: { roles: "admin" as never, bogus: 1 } as never } })).toThrow(/tools\.x/);
    expect(() => testProvider({ requiredScopes: ["offline_access"] })).toThrow(/requiredScopes/);
    expect(() => testProvider({ scopeHierarchy: { a: "b" as never } })).toThrow(/scopeHierarchy/);
  });
});

describe("through the example server", () => {
  const BASE = "https://authz-worker.test";
  const MCP = `${BASE}/mcp`;
  const env = (extra: Partial<Env> = {}): Env => exampleEnv(BASE, { MCP_REQUIRED_SCOPES: "mcp:read", ...extra });
  const ctx = { waitUntil: () => {}, passThroughOnException: () => {} };
  const route = (e: Env) => (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    return request.url.startsWith(BASE) ? worker.fetch(request, e, ctx) : fetch(request);
  };

  it.each([
    ["admin-only-tool", { role: "member" }, "Admin role required"],
    ["check-permission", { permissions: ["widgets:read"] }, "users:manage permission required"],
    ["require-organization", { org_id: undefined, role: undefined }, "This tool requires organization membership"],
  ])("%s uses the guards: %j gets '%s' as a tool error", async (tool, claims, message) => {
    const token = await mintToken(MCP, { claims: { scope: "mcp:read", ...claims } });
    const client = await connect((r) => route(env())(r), token, MCP);
    const result = await client.callTool({ name: tool, arguments: {} });
    expect(result.isError).toBe(true);
    expect(toolText(result)).toContain(message);
    await client.close();
  });

  it("write-note with only mcp:read: 403 insufficient_scope naming mcp:read and mcp:write", async () => {
    const token = await mintToken(MCP, { claims: { scope: "mcp:read" } });
    const res = await route(env())(MCP, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 3,
        method: "tools/call",
        params: { name: "write-note", arguments: { note: "x" } },
      }),
    });
    expect(res.status).toBe(403);
    expect(parseChallenge(res.headers.get("www-authenticate")).scope?.split(" ").sort()).toEqual([
      "mcp:read",
      "mcp:write",
    ]);
  });

  it("step-up round trip with the official client: 403, re-authorize with the larger scope, retried call succeeds", async () => {
    const fetchImpl = route(env());
    const oauth = new HeadlessOAuth(fetchImpl);
    const client = await signIn("v2", MCP, fetchImpl, oauth);
    const before = JSON.parse((await client.callTool("whoami")).text).scopes;
    expect(before).toContain("mcp:read");
    expect(before).not.toContain("mcp:write");
    const result = await client.callTool("write-note", { note: "hello" });
    expect(result.isError).toBe(false);
    expect(result.text).toBe("Saved a note of 5 characters for user_alice");
    expect(oauth.authorizations).toBe(2);
    await client.close();
  });

  it("role/permission failures cause no re-authorization loop (authorize requests counted)", async () => {
    const fetchImpl = route(env());
    const oauth = new HeadlessOAuth(fetchImpl, { login_hint: "bob@example.com" });
    const client = await signIn("v2", MCP, fetchImpl, oauth);
    for (const tool of ["admin-only-tool", "check-permission", "require-organization"]) {
      const r = await client.callTool(tool);
      expect(r.isError).toBe(true);
    }
    expect(oauth.authorizations).toBe(1);
    await client.close();
  });
});
