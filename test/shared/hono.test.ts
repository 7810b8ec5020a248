// The Hono adapter with a real Hono app (app.request), in Node and in workerd: discovery,
// preflight, authentication, the typed `workos` variable, getSession(c), and the official
// MCP server mounted behind it receiving authInfo.
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { getWorkOS, type WorkOSHonoEnv, workos } from "../../src/adapters/hono.js";
import { getSession, requireRole } from "../../src/index.js";
import { connect, toolText } from "../support/mcp-client.js";
import { BASE, mcpRequest, PRM_URL, parseChallenge, RESOURCE, testProvider } from "../support/provider.js";
import { mintToken } from "../support/tokens.js";

function app() {
  const mcp = createMcpHandler(() => {
    const server = new McpServer({ name: "hono-test", version: "1.0.0" });
    server.registerTool("whoami", { description: "who" }, (ctx) => ({
      content: [{ type: "text", text: getSession(ctx).userId }],
    }));
    server.registerTool("implicit", { description: "no-arg getSession" }, () => ({
      content: [{ type: "text", text: getSession().userId }],
    }));
    return server;
  });
  const hono = new Hono<WorkOSHonoEnv>();
  hono.use(workos(testProvider({ tools: { admin: { roles: ["admin"] } } })));
  hono.get("/health", (c) => c.text(`public:${getWorkOS(c) === undefined}`));
  hono.all("/mcp", (c) => mcp.fetch(c.req.raw, { authInfo: c.get("workos").authInfo }));
  hono.get("/mcp/me", (c) => {
    const session = getSession(c);
    requireRole("admin", c);
    return c.json({ userId: session.userId, org: c.get("workos").session.organizationId });
  });
  return hono;
}

describe("Hono adapter", () => {
  it("serves the discovery documents", async () => {
    const res = await app().request(`${BASE}/.well-known/oauth-protected-resource/mcp`);
    expect(res.status).toBe(200);
    expect((await res.json()).resource).toBe(RESOURCE);
    const as = await app().request(`${BASE}/.well-known/oauth-authorization-server`);
    expect(as.status).toBe(200);
  });

  it("answers 401 with the challenge on the protected path and lets public paths through", async () => {
    const res = await app().request(mcpRequest());
    expect(res.status).toBe(401);
    expect(parseChallenge(res.headers.get("www-authenticate")).resource_metadata).toBe(PRM_URL);
    expect(await (await app().request(`${BASE}/health`)).text()).toBe("public:true");
  });

  it("answers CORS preflights", async () => {
    const res = await app().request(`${BASE}/mcp`, {
      method: "OPTIONS",
      headers: { origin: BASE, "access-control-request-method": "POST" },
    });
    expect(res.status).toBe(204);
  });

  it("sets c.get('workos'); getSession(c) and the guards work in route handlers", async () => {
    const res = await app().request(mcpRequest(await mintToken(RESOURCE), { path: "/mcp/me", method: "GET" }));
    expect(await res.json()).toEqual({ userId: "user_alice", org: "org_acme" });
    expect(res.headers.get("access-control-expose-headers")).toBeNull(); // no Origin, no CORS
    const withOrigin = await app().request(
      mcpRequest(await mintToken(RESOURCE), { path: "/mcp/me", method: "GET", headers: { origin: BASE } }),
    );
    expect(withOrigin.headers.get("access-control-allow-origin")).toBe(BASE);
  });

  it("passes authInfo to the MCP server: tools see the caller, explicitly and with no argument", async () => {
    const hono = app();
    const client = await connect(
      async (r) => hono.request(r),
      await mintToken(RESOURCE, { claims: { sub: "user_bob" } }),
    );
    expect(toolText(await client.callTool({ name: "whoami", arguments: {} }))).toBe("user_bob");
    expect(toolText(await client.callTool({ name: "implicit", arguments: {} }))).toBe("user_bob");
    await client.close();
  });

  it("enforces tool policies before the route", async () => {
    const token = await mintToken(RESOURCE, { claims: { role: "member" } });
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "admin", arguments: {} },
    });
    const res = await app().request(mcpRequest(token, { body }));
    expect((await res.json()).result.content[0].text).toBe("Admin role required");
  });
});
