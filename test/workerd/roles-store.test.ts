// Across isolates on Workers: roles one isolate resolved are reused by another through the
// Cache API store (a fresh provider stands for a new isolate: cleared module state).
import { describe, expect, it } from "vitest";
import { createLocalAuthKit } from "../../src/dev/index.js";
import { cacheApiRolesStore, workosProvider } from "../../src/index.js";

const BASE = "https://roles-store.test";

describe("cacheApiRolesStore (workerd Cache API)", () => {
  it("two providers, one role lookup in all; the store is not consulted past roles.ttl", async () => {
    // A port of our own: the store key includes the API origin, so runs never share entries.
    const authkit = createLocalAuthKit({ issuer: `http://127.0.0.1:${20000 + Math.floor(Math.random() * 20000)}` });
    let apiCalls = 0;
    const upstream: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      if (!new URL(request.url).pathname.startsWith("/oauth2/")) apiCalls++;
      return authkit.fetch(request);
    };
    const store = cacheApiRolesStore();
    const provider = () =>
      workosProvider({
        clientId: authkit.clientId,
        baseURL: BASE,
        ...authkit.providerOptions(),
        fetch: upstream,
        log: false,
        roles: { store, ttl: 60 },
        tools: { "admin-only-tool": { roles: ["admin"] } },
      });
    const token = await authkit.mintToken({ user: "alice@example.com", audience: `${BASE}/mcp` });
    const request = () =>
      new Request(`${BASE}/mcp`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "admin-only-tool" } }),
      });
    const first = await provider().prepare(request());
    expect(first.action).toBe("continue");
    expect(first.action === "continue" && first.context?.session.role).toBe("admin");
    expect(apiCalls).toBe(2);
    await new Promise((r) => setTimeout(r, 50)); // the store write is not awaited by the request
    const second = await provider().prepare(request());
    expect(second.action === "continue" && second.context?.session).toMatchObject({
      role: "admin",
      roleSource: "workos",
    });
    expect(apiCalls).toBe(2);
  });
});
