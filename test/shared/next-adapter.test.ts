// The Next.js adapter's routes without a Next.js build (the real app is test/node/next.test.ts):
// the MCP route and the discovery routes built from one `auth` share one provider.
import { describe, expect, it, vi } from "vitest";
import { createMcpRoute, discoveryRoute, withWorkOS } from "../../src/adapters/next.js";
import { BASE, mcpRequest, RESOURCE, testProvider } from "../support/provider.js";
import { mintToken } from "../support/tokens.js";

describe("authkit-mcp/next", () => {
  it("routes that share one auth function share one provider, created on the first request", async () => {
    const auth = vi.fn(() => testProvider());
    const mcp = createMcpRoute(auth, (_req, ctx) => Response.json({ userId: ctx.session.userId }));
    const prm = discoveryRoute(auth);
    const as = discoveryRoute(auth);
    expect(auth).not.toHaveBeenCalled(); // next build evaluates route modules without the variables

    const metadata = await prm.GET(new Request(`${BASE}/.well-known/oauth-protected-resource/mcp`));
    expect(((await metadata.json()) as { resource: string }).resource).toBe(RESOURCE);
    const res = await mcp.POST(mcpRequest(await mintToken(RESOURCE, { claims: { sub: "user_next" } })), {});
    expect(await res.json()).toEqual({ userId: "user_next" });
    expect(
      (await as.OPTIONS(new Request(`${BASE}/.well-known/oauth-authorization-server`, { method: "OPTIONS" }))).status,
    ).toBe(204);
    expect(auth).toHaveBeenCalledTimes(1);
  });

  it("a route outside the configured endpoint answers 500 naming the option (fail closed)", async () => {
    const handler = withWorkOS(() => new Response("never"), testProvider());
    const res = await handler(mcpRequest(await mintToken(RESOURCE), { path: "/other" }), {});
    expect(res.status).toBe(500);
    expect(await res.text()).toContain("option: endpoint");
  });
});
