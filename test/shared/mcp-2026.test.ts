// MCP 2026-07-28 and what real clients send: CORS for the standard headers, decisions from
// Mcp-Method/Mcp-Name without reading the body (and a 400 when headers and body disagree),
// private tools/list, audience forms, the client-id audience, an endpoint at "/".
import { createMcpHandler } from "@modelcontextprotocol/server";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { createExampleServer } from "../../examples/tools.js";
import { workosProvider } from "../../src/index.js";
import { signIn } from "../support/oauth-flow.js";
import { BASE, mcpRequest, PRM_URL, parseChallenge, RESOURCE, testProvider } from "../support/provider.js";
import { TEST_API_KEY, TEST_CLIENT_ID } from "../support/seed.js";
import { authkit, mintToken } from "../support/tokens.js";

const INSPECTOR = "http://localhost:6274";

/** The `Access-Control-Allow-Headers` a browser preflight from the Inspector's origin gets. */
async function allowedFor(requested: string): Promise<Response> {
  const step = await testProvider().prepare(
    new Request(RESOURCE, {
      method: "OPTIONS",
      headers: {
        origin: INSPECTOR,
        "access-control-request-method": "POST",
        "access-control-request-headers": requested,
      },
    }),
  );
  expect(step.action).toBe("respond");
  return (step as { response: Response }).response;
}

describe("CORS for the 2026-07-28 standard headers", () => {
  it("a preflight carrying mcp-method, mcp-name, mcp-param-x, authorization, content-type, mcp-protocol-version is allowed", async () => {
    const requested = "mcp-method, mcp-name, mcp-param-x, authorization, content-type, mcp-protocol-version";
    const res = await allowedFor(requested);
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(INSPECTOR);
    const allowed = (res.headers.get("access-control-allow-headers") ?? "").toLowerCase().split(/,\s*/);
    for (const h of requested.split(", ")) expect(allowed).toContain(h);
    expect(res.headers.get("vary")).toMatch(/Access-Control-Request-Headers/);
  });

  it("the headers client 2.4.0 sends on a tools/call (accept, authorization, content-type, mcp-method, mcp-name, mcp-protocol-version) are allowed", async () => {
    const requested = "accept,authorization,content-type,mcp-method,mcp-name,mcp-protocol-version";
    const allowed = (await allowedFor(requested)).headers.get("access-control-allow-headers") ?? "";
    for (const h of requested.split(",")) expect(allowed.toLowerCase()).toContain(h);
  });

  it("a malformed Access-Control-Request-Headers is not echoed (the standard list only)", async () => {
    const allowed = (await allowedFor("x-ok, bad header, (evil)")).headers.get("access-control-allow-headers") ?? "";
    expect(allowed).toContain("Mcp-Method");
    expect(allowed).not.toMatch(/evil|x-ok/);
  });

  it("responses expose WWW-Authenticate, Mcp-Session-Id and MCP-Protocol-Version to the browser", async () => {
    const result = await testProvider().authenticate(mcpRequest(undefined, { headers: { origin: INSPECTOR } }));
    const exposed = (!result.ok && result.response.headers.get("access-control-expose-headers")) || "";
    for (const h of ["WWW-Authenticate", "Mcp-Session-Id", "MCP-Protocol-Version"]) expect(exposed).toContain(h);
  });
});

/** A POST whose body records whether anyone read it. */
function trackedCall(token: string, headers: Record<string, string>, body: unknown) {
  const state = { read: false };
  const bytes = new TextEncoder().encode(JSON.stringify(body));
  // highWaterMark 0: nothing is pulled until someone reads.
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        state.read = true;
        controller.enqueue(bytes);
        controller.close();
      },
    },
    { highWaterMark: 0 },
  );
  const request = new Request(RESOURCE, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
    body: stream,
    duplex: "half",
  } as RequestInit);
  return { request, state };
}

const modern = (method: string, name?: string) => ({
  "mcp-protocol-version": "2026-07-28",
  "mcp-method": method,
  ...(name !== undefined && { "mcp-name": name }),
});
const call = (name: string) => ({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name, arguments: {} } });

describe("per-tool policies from Mcp-Method / Mcp-Name (2026-07-28)", () => {
  const provider = () => testProvider({ tools: { "write-note": { scopes: ["mcp:write"] } } });

  it("a call no policy can refuse is decided from the headers: the body is not read", async () => {
    const { request, state } = trackedCall(await mintToken(RESOURCE), modern("tools/call", "greet"), call("greet"));
    const step = await provider().prepare(request);
    expect(step.action).toBe("continue");
    expect(state.read).toBe(false);
  });

  it("a call of a policed tool still reads the body (its JSON-RPC id answers the refusal)", async () => {
    const { request, state } = trackedCall(
      await mintToken(RESOURCE),
      modern("tools/call", "write-note"),
      call("write-note"),
    );
    const step = await provider().prepare(request);
    expect(state.read).toBe(true);
    expect(step.action === "respond" && step.response.status).toBe(403); // step-up: mcp:write
  });

  it("headers and body that disagree are rejected with 400 and -32020 (HeaderMismatch)", async () => {
    const { request } = trackedCall(await mintToken(RESOURCE), modern("tools/call", "write-note"), call("greet"));
    const step = await provider().prepare(request);
    expect(step.action).toBe("respond");
    const res = (step as { response: Response }).response;
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe(-32020);
  });

  it("a base64-encoded Mcp-Name (=?base64?…?=) is decoded", async () => {
    const encoded = `=?base64?${btoa("write-note")}?=`;
    const { request, state } = trackedCall(
      await mintToken(RESOURCE),
      modern("tools/call", encoded),
      call("write-note"),
    );
    const step = await provider().prepare(request);
    expect(state.read).toBe(true);
    expect(step.action === "respond" && step.response.status).toBe(403);
  });

  it("headers under an earlier protocol version are not trusted: the body decides", async () => {
    const { request, state } = trackedCall(
      await mintToken(RESOURCE),
      { "mcp-protocol-version": "2025-11-25", "mcp-method": "tools/call", "mcp-name": "greet" },
      call("write-note"),
    );
    const step = await provider().prepare(request);
    expect(state.read).toBe(true);
    expect(step.action === "respond" && step.response.status).toBe(403);
  });

  it("a tools/list filtered per caller is marked cacheScope: private", async () => {
    const p = testProvider({ tools: { "write-note": { scopes: ["mcp:write"] } }, hideForbiddenTools: true });
    const handle = p.handler(async () =>
      Response.json({
        jsonrpc: "2.0",
        id: 1,
        result: { tools: [{ name: "greet" }, { name: "write-note" }], ttlMs: 60000, cacheScope: "public" },
      }),
    );
    const res = await handle(
      mcpRequest(await mintToken(RESOURCE), { body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }) }),
    );
    const body = await res.json();
    expect(body.result.tools.map((t: { name: string }) => t.name)).toEqual(["greet"]);
    expect(body.result.cacheScope).toBe("private");
  });
});

describe("audience forms", () => {
  it.each([["HTTPS://MCP.EXAMPLE.COM/mcp"], ["https://mcp.example.com:443/mcp"], ["https://Mcp.Example.com/mcp"]])(
    "%s is the same resource",
    async (aud) => {
      expect((await testProvider().authenticate(mcpRequest(await mintToken(aud)))).ok).toBe(true);
    },
  );

  it.each([["https://mcp.example.com/mcp/other"], ["https://mcp.example.com/MCP"], ["https://mcp.example.com/mcp#x"]])(
    "%s is another resource",
    async (aud) => {
      expect((await testProvider().authenticate(mcpRequest(await mintToken(aud)))).ok).toBe(false);
    },
  );

  it("for the endpoint '/', origin and origin + '/' are the same resource (clients send URL.href)", async () => {
    const p = testProvider({ endpoint: "/" });
    for (const aud of [BASE, `${BASE}/`]) {
      const result = await p.authenticate(mcpRequest(await mintToken(aud), { path: "/" }));
      expect(result.ok).toBe(true);
    }
    const prm = await (await p.metadata(new Request(`${BASE}/.well-known/oauth-protected-resource`)))?.json();
    expect(prm.resource).toBe(BASE);
  });

  it("a user token whose aud is the client id (no resource sent): 401 saying what to configure", async () => {
    const result = await testProvider().authenticate(mcpRequest(await mintToken(TEST_CLIENT_ID)));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.reason).toBe("client_id_audience");
    expect(result.response.status).toBe(401);
    const challenge = parseChallenge(result.response.headers.get("www-authenticate"));
    expect(challenge.error).toBe("invalid_token");
    expect(challenge.error_description).toMatch(/resource parameter.*MCP resource indicator in AuthKit/);
    expect(challenge.resource_metadata).toBe(PRM_URL);
  });
});

describe.each(["v2", "v1"] as const)("official client %s against an endpoint at '/'", (generation) => {
  it("signs in (whichever form of the root resource the client sends) and calls a tool", async () => {
    const base = "https://root-endpoint.test";
    const provider = workosProvider({
      clientId: TEST_CLIENT_ID,
      baseURL: base,
      authkitDomain: authkit().issuer,
      apiURL: authkit().issuer,
      apiKey: TEST_API_KEY,
      endpoint: "/",
      log: false,
    });
    const mcp = createMcpHandler(() => createExampleServer());
    const handler = provider.handler((request, context) =>
      context ? mcp.fetch(request, { authInfo: context.authInfo }) : new Response("Not found", { status: 404 }),
    );
    const fetchImpl = (input: string | URL | Request, init?: RequestInit) => {
      const request = new Request(input, init);
      return request.url.startsWith(base) ? handler(request) : fetch(request);
    };
    const client = await signIn(generation, `${base}/`, fetchImpl);
    expect(decodeJwt(client.oauth.accessToken ?? "").aud).toMatch(/^https:\/\/root-endpoint\.test\/?$/);
    expect(JSON.parse((await client.callTool("whoami")).text).userId).toBe("user_alice");
    await client.close();
  });
});
