// The explicit request context, the no-argument getSession() through AsyncLocalStorage,
// and isolation between concurrent requests.
import { describe, expect, it, vi } from "vitest";
import {
  ClientNotInitializedError,
  getClient,
  getSession,
  getUser,
  hasAsyncContext,
  type RequestContext,
  SessionNotInitializedError,
} from "../../src/index.js";
import { mcpRequest, RESOURCE, testProvider } from "../support/provider.js";
import { mintToken } from "../support/tokens.js";

async function contextFor(sub = "user_alice"): Promise<RequestContext> {
  const result = await testProvider().authenticate(mcpRequest(await mintToken(RESOURCE, { claims: { sub } })));
  if (!result.ok) throw new Error("refused");
  return result.context;
}

describe("request context", () => {
  it("getSession accepts the context, the MCP v1 extra, the v2 ctx, the AuthInfo and a Hono-style c", async () => {
    const context = await contextFor();
    const { session, authInfo } = context;
    expect(getSession(context)).toBe(session);
    expect(getSession({ authInfo })).toBe(session);
    expect(getSession({ http: { authInfo } })).toBe(session);
    expect(getSession(authInfo)).toBe(session);
    expect(getSession({ get: (key: string) => (key === "workos" ? context : undefined) })).toBe(session);
  });

  it("a session object that verification did not produce is not trusted", async () => {
    const { session } = await contextFor();
    const forged = { ...session, userId: "user_admin" };
    expect(() => getSession({ session: forged })).toThrow(SessionNotInitializedError);
    expect(() => getSession({ authInfo: { extra: { session: forged } } })).toThrow(SessionNotInitializedError);
  });

  it("a repeated token (cache hit) still gets its own session and AuthInfo; shared parts are read-only", async () => {
    const provider = testProvider();
    const token = await mintToken(RESOURCE, { claims: { scope: "mcp:read mcp:write" } });
    const results = [await provider.authenticate(mcpRequest(token)), await provider.authenticate(mcpRequest(token))];
    const [a, b] = results.map((r) => (r.ok ? r.context : undefined)) as [RequestContext, RequestContext];
    expect(provider.stats.cacheHits).toBe(1);
    expect(a.session).not.toBe(b.session);
    // One read-only Date per token, shared: a request cannot move another's expiry.
    expect(a.session.expiresAt.getTime()).toBe(a.session.claims.exp * 1000);
    expect(() => a.session.expiresAt.setTime(0)).toThrow(TypeError);
    expect(() => a.session.issuedAt.setFullYear(1999)).toThrow(TypeError);
    expect(b.session.expiresAt.getTime()).toBe(a.session.claims.exp * 1000);
    expect(b.session.expiresAt).toBeInstanceOf(Date);
    expect(JSON.stringify(b.session.expiresAt)).toBe(JSON.stringify(new Date(a.session.claims.exp * 1000)));
    expect(a.authInfo).not.toBe(b.authInfo);
    expect(a.authInfo.scopes).not.toBe(b.authInfo.scopes);
    // A request may do what it likes with its own AuthInfo scopes; the session's are frozen.
    a.authInfo.scopes.push("mine");
    expect(b.authInfo.scopes).toEqual(["mcp:read", "mcp:write"]);
    expect(Object.isFrozen(a.session.scopes)).toBe(true);
    expect(b.session.scopes).toEqual(["mcp:read", "mcp:write"]);
    // The resource URL is shared between requests, so it cannot be changed by one of them.
    const url = a.authInfo.resource as URL;
    expect(url).toBeInstanceOf(URL);
    expect(url.href).toBe(RESOURCE);
    expect(() => {
      url.pathname = "/elsewhere";
    }).toThrow(TypeError);
    expect(() => {
      url.href = "https://evil.example/";
    }).toThrow(TypeError);
    url.searchParams.set("x", "1"); // a detached copy
    expect(b.authInfo.resource?.href).toBe(RESOURCE);
    expect(new URL("/other", url).href).toBe(`${new URL(RESOURCE).origin}/other`);
    expect(JSON.stringify({ resource: url })).toBe(JSON.stringify({ resource: RESOURCE }));
    // Both are valid at once: one request's session never replaces another's.
    expect(getSession(a)).toBe(a.session);
    expect(getSession(b)).toBe(b.session);
  });

  it("the JSON body the policies parsed is on the context (parsedBody), for the SDK; none when not read", async () => {
    const token = await mintToken(RESOURCE, { claims: { scope: "mcp:read" } });
    const call = { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "whoami", arguments: {} } };
    const seen: unknown[] = [];
    const run = (overrides: Parameters<typeof testProvider>[0]) =>
      testProvider({ apiKey: undefined, ...overrides }).handler(async (_request, context) => {
        seen.push(context?.parsedBody);
        return new Response("ok");
      })(mcpRequest(token, { body: JSON.stringify(call) }));
    expect((await run({ tools: { "write-note": { scopes: ["mcp:write"] } } })).status).toBe(200);
    expect(seen[0]).toEqual(call);
    expect((await run({})).status).toBe(200); // no policy: the body is never read
    expect(seen[1]).toBeUndefined();
  });

  it("a session copied from a real one (spread, structuredClone, Object.create) is not trusted", async () => {
    const { session } = await contextFor();
    for (const copy of [
      { ...session },
      structuredClone({ ...session, claims: { ...session.claims } }),
      Object.create(session),
    ])
      expect(() => getSession({ session: copy })).toThrow(SessionNotInitializedError);
    expect(() => getSession({ session: null })).toThrow(SessionNotInitializedError);
    expect(() => getSession({ session: "user_alice" })).toThrow(SessionNotInitializedError);
  });

  it("outside a request, getSession() throws the original plugin's error", () => {
    expect(() => getSession()).toThrow(
      "[WorkOS] Session not initialized. Ensure this is called within a protected route that passed authentication.",
    );
    expect(() => getSession({})).toThrow(SessionNotInitializedError);
  });

  it("outside a request, getClient() throws 'Client not initialized'", () => {
    expect(() => getClient()).toThrow(/\[WorkOS\] Client not initialized/);
  });

  it("without apiKey, getClient/getUser throw a clear ClientNotInitializedError", async () => {
    const result = await testProvider({ apiKey: undefined }).authenticate(mcpRequest(await mintToken(RESOURCE)));
    if (!result.ok) throw new Error("refused");
    expect(() => getClient(result.context)).toThrow(/apiKey/);
    await expect(getUser(result.context)).rejects.toThrow(/apiKey/);
  });

  describe("the sdk option (how @workos-inc/node is loaded)", () => {
    async function contextWith(sdk: () => Promise<unknown>): Promise<RequestContext> {
      const result = await testProvider({ apiKey: "sk_test_sdk_option", sdk }).authenticate(
        mcpRequest(await mintToken(RESOURCE, { claims: { sub: "user_sdk" } })),
      );
      if (!result.ok) throw new Error("refused");
      return result.context;
    }

    it("loads the SDK through it, once, and builds the client with the provider's API options", async () => {
      const made: unknown[][] = [];
      class WorkOS {
        userManagement = { getUser: async (id: string) => ({ id, email: `${id}@example.com` }) };
        constructor(...args: unknown[]) {
          made.push(args);
        }
      }
      const sdk = vi.fn(async () => ({ WorkOS }));
      const ctx = await contextWith(sdk);
      expect(await getUser(ctx)).toEqual({ id: "user_sdk", email: "user_sdk@example.com" });
      expect(await getClient(ctx).userManagement.getUser("user_x")).toMatchObject({ id: "user_x" });
      expect(sdk).toHaveBeenCalledTimes(1);
      expect(made).toEqual([
        [
          "sk_test_sdk_option",
          expect.objectContaining({ apiHostname: "127.0.0.1", https: false, clientId: "client_01FAKECLIENT" }),
        ],
      ]);
    });

    it("a module without a WorkOS class is a ClientNotInitializedError naming the option", async () => {
      const ctx = await contextWith(async () => ({ default: {} }));
      await expect(getUser(ctx)).rejects.toThrow(ClientNotInitializedError);
      await expect(getUser(await contextWith(async () => ({})))).rejects.toThrow(/sdk option/);
    });

    it("a failed import says to install the peer, and the next call tries again", async () => {
      const sdk = vi.fn(async () => {
        throw new Error("Cannot find package '@workos-inc/node'");
      });
      const ctx = await contextWith(sdk);
      await expect(getClient(ctx).organizations.listOrganizations()).rejects.toThrow(
        /^\[WorkOS\] Client not initialized\..* Install the optional peer dependency @workos-inc\/node\.$/,
      );
      await expect(getClient(ctx).organizations.listOrganizations()).rejects.toThrow(ClientNotInitializedError);
      expect(sdk).toHaveBeenCalledTimes(2);
    });
  });

  it("the runtime offers AsyncLocalStorage (Node; Workers with nodejs_compat)", () => {
    expect(hasAsyncContext()).toBe(true);
  });

  it("handler(next): no-arg getSession() sees this request's session, and nothing after it", async () => {
    const p = testProvider();
    const handle = p.handler(async (_req, context) => {
      await new Promise((r) => setTimeout(r, 1));
      const implicit = getSession();
      return Response.json({ implicit: implicit.userId, explicit: context?.session.userId });
    });
    const res = await handle(mcpRequest(await mintToken(RESOURCE, { claims: { sub: "user_carol" } })));
    expect(await res.json()).toEqual({ implicit: "user_carol", explicit: "user_carol" });
    expect(() => getSession()).toThrow(SessionNotInitializedError);
  });

  it("concurrency: 50 simultaneous users each see only their own session, explicitly and implicitly", async () => {
    const p = testProvider();
    const handle = p.handler(async (_req, context) => {
      // Interleave: yield a random number of times so requests overlap.
      for (let i = 0; i < Math.floor(Math.random() * 5); i++) await new Promise((r) => setTimeout(r, 0));
      return Response.json({ explicit: context?.session.userId, implicit: getSession().userId });
    });
    const subs = Array.from({ length: 50 }, (_, i) => `user_${i}`);
    const tokens = await Promise.all(subs.map((sub) => mintToken(RESOURCE, { claims: { sub } })));
    const bodies = await Promise.all(tokens.map(async (t) => (await handle(mcpRequest(t))).json()));
    for (const [i, body] of bodies.entries()) expect(body).toEqual({ explicit: subs[i], implicit: subs[i] });
  });

  it("handler(next): unprotected paths reach next with no context; protected ones without a token never reach it", async () => {
    let calls = 0;
    const handle = testProvider().handler(async (_req, context) => {
      calls++;
      return new Response(context ? "auth" : "public");
    });
    expect(await (await handle(new Request("https://mcp.example.com/health"))).text()).toBe("public");
    expect((await handle(mcpRequest())).status).toBe(401);
    expect(calls).toBe(1);
  });

  it("fails closed: sub-paths, case and encoding variants of the endpoint require a token", async () => {
    const handle = testProvider({ endpoint: "/custom" }).handler(async () => new Response("reached"));
    for (const path of [
      "/custom",
      "/custom/",
      "/custom/x",
      "/CUSTOM",
      "/%63ustom",
      "//custom",
      "//evil.example/custom",
    ]) {
      expect((await handle(mcpRequest(undefined, { path }))).status, path).toBe(401);
    }
    expect((await handle(mcpRequest(undefined, { path: "/customer" }))).status).toBe(200);
  });

  it("handler(next) passes extra arguments through (Workers' env and ctx)", async () => {
    const handle = testProvider().handler(
      async (_req, _ctx, env: { name: string }, n: number) => new Response(`${env.name}:${n}`),
    );
    const res = await handle(mcpRequest(await mintToken(RESOURCE)), { name: "env" }, 7);
    expect(await res.text()).toBe("env:7");
  });

  it("handler(next): CORS preflight on the MCP endpoint is answered 204 for allowed origins", async () => {
    const handle = testProvider().handler(async () => new Response("never"));
    const res = await handle(
      new Request("https://mcp.example.com/mcp", {
        method: "OPTIONS",
        headers: { origin: "https://mcp.example.com", "access-control-request-method": "POST" },
      }),
    );
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
  });
});

describe("WorkOS API client", () => {
  it("getUser() fetches the caller's profile once per request however often it is asked", async () => {
    const context = await contextFor("user_alice");
    const [a, b] = await Promise.all([getUser(context), getUser({ authInfo: context.authInfo })]);
    expect(a.email).toBe("alice@example.com");
    expect(a.firstName).toBe("Alice");
    expect(b).toBe(a);
  });

  it("getClient() calls the WorkOS API with the API key, never the user's token", async () => {
    const context = await contextFor("user_alice");
    const memberships = await getClient(context).userManagement.listOrganizationMemberships({ userId: "user_alice" });
    expect(memberships.data.map((m) => m.organizationId)).toEqual(["org_acme"]);
  });

  it("userCacheTtl reuses getUser() across requests; without it, one API call per request", async () => {
    for (const [ttl, expected] of [
      [undefined, 2],
      [60, 1],
    ] as const) {
      const spy = vi.spyOn(globalThis, "fetch");
      const p = testProvider(ttl === undefined ? {} : { userCacheTtl: ttl });
      const token = await mintToken(RESOURCE);
      for (let i = 0; i < 2; i++) {
        const r = await p.authenticate(mcpRequest(token));
        if (!r.ok) throw new Error("refused");
        expect((await getUser(r.context)).email).toBe("alice@example.com");
      }
      const userCalls = spy.mock.calls.filter(([input]) =>
        String(input instanceof Request ? input.url : input).includes("/user_management/users/"),
      );
      expect(userCalls.length).toBe(expected);
      spy.mockRestore();
    }
  });

  it("getUser() for an unknown user rejects with the SDK's not-found error", async () => {
    const context = await contextFor("user_nobody");
    await expect(getUser(context)).rejects.toMatchObject({ status: 404 });
  });
});
