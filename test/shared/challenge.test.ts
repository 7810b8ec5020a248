// shared/spec/resource-server.md §3 (RFC 6750 §3, RFC 9728 §5.1) and §5 (Origin).
import { describe, expect, it } from "vitest";
import { type AuthError, bearerChallenge, quoteAuthParam } from "../../src/index.js";
import { BASE, mcpRequest, PRM_URL, parseChallenge, RESOURCE, testProvider } from "../support/provider.js";
import { mintToken } from "../support/tokens.js";

async function refuse(request: Request, overrides = {}) {
  const result = await testProvider(overrides).authenticate(request);
  if (result.ok) throw new Error("expected a refusal");
  return result;
}

describe("§3 the challenge", () => {
  it("§3 no token: 401, Bearer resource_metadata with the absolute path-suffixed URL, no error param (RFC 6750 §3.1)", async () => {
    const { response } = await refuse(mcpRequest());
    expect(response.status).toBe(401);
    const header = response.headers.get("www-authenticate");
    expect(header?.startsWith("Bearer ")).toBe(true);
    const params = parseChallenge(header);
    expect(params.resource_metadata).toBe(PRM_URL);
    expect(params.error).toBeUndefined();
  });

  it("§3 scope is sent when scopes are configured", async () => {
    const { response } = await refuse(mcpRequest(), { scopes: ["mcp:read", "mcp:write"] });
    expect(parseChallenge(response.headers.get("www-authenticate")).scope).toBe("mcp:read mcp:write");
  });

  it("§3 another scheme (Basic) counts as no credentials: 401 without error", async () => {
    const { response, error } = await refuse(
      mcpRequest(undefined, { headers: { authorization: "Basic dXNlcjpwYXNz" } }),
    );
    expect(response.status).toBe(401);
    expect(error.reason).toBe("unsupported_scheme");
    expect(parseChallenge(response.headers.get("www-authenticate")).error).toBeUndefined();
  });

  it('§3 a bad token: 401 error="invalid_token" with the original plugin\'s description', async () => {
    const { response } = await refuse(mcpRequest("not.a.jwt"));
    expect(response.status).toBe(401);
    const params = parseChallenge(response.headers.get("www-authenticate"));
    expect(params.error).toBe("invalid_token");
    expect(params.error_description).toBe("Token verification failed");
    expect(params.resource_metadata).toBe(PRM_URL);
  });

  it('§3 an expired token: error_description="Token has expired"', async () => {
    const token = await mintToken(RESOURCE, { expiresIn: -3600 });
    const { response, error } = await refuse(mcpRequest(token));
    expect(error.reason).toBe("token_expired");
    expect(parseChallenge(response.headers.get("www-authenticate")).error_description).toBe("Token has expired");
    expect((await response.json()).error.message).toBe("Token has expired");
  });

  it("§3 the body is a JSON-RPC error with the original plugin's message", async () => {
    const { response } = await refuse(mcpRequest());
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({
      jsonrpc: "2.0",
      error: { code: -32001, message: "Missing or invalid bearer token" },
      id: null,
    });
  });

  it("§3 error responses carry Cache-Control: no-store", async () => {
    for (const req of [mcpRequest(), mcpRequest("x.y.z"), mcpRequest(undefined, { path: "/mcp?access_token=abc" })]) {
      expect((await refuse(req)).response.headers.get("cache-control")).toBe("no-store");
    }
  });

  it("§3 malformed request: token in the query string is 400 invalid_request", async () => {
    const { response, error } = await refuse(mcpRequest(undefined, { path: "/mcp?access_token=abc.def.ghi" }));
    expect(response.status).toBe(400);
    expect(error.reason).toBe("token_in_query");
    expect(parseChallenge(response.headers.get("www-authenticate")).error).toBe("invalid_request");
  });

  it("§3 malformed request: token in a form body is 400 invalid_request", async () => {
    const req = new Request(`${BASE}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "access_token=abc.def.ghi",
    });
    const { response, error } = await refuse(req);
    expect(response.status).toBe(400);
    expect(error.reason).toBe("token_in_body");
  });

  it("§3 malformed request: two Authorization headers are 400 invalid_request", async () => {
    const token = await mintToken(RESOURCE);
    const headers = new Headers();
    headers.append("authorization", `Bearer ${token}`);
    headers.append("authorization", `Bearer ${token}`);
    const { response, error } = await refuse(new Request(`${BASE}/mcp`, { method: "POST", headers, body: "{}" }));
    expect(response.status).toBe(400);
    expect(error.reason).toBe("multiple_authorization_headers");
  });

  it.each([
    ["Bearer", "empty_token"],
    ["Bearer ", "empty_token"], // Headers trims it to "Bearer": a scheme with no credentials
    ["Bearer abc!$*def", "malformed_header"],
    ["Bearer a b", "malformed_header"],
  ])(
    "§3 an unusable bearer credential (%j) is 401 invalid_token with resource_metadata, like any bad token",
    async (value, reason) => {
      const { response, error } = await refuse(mcpRequest(undefined, { headers: { authorization: value } }));
      expect(response.status).toBe(401);
      const challenge = parseChallenge(response.headers.get("www-authenticate"));
      expect(challenge.error).toBe("invalid_token");
      expect(challenge.resource_metadata).toBe(PRM_URL);
      expect(error.reason).toBe(reason); // onError still tells the cases apart
      expect((await response.json()).error.message).toBe("Missing or invalid bearer token");
    },
  );

  it("§3 a header over 16 KiB stays 400 invalid_request", async () => {
    const big = await refuse(mcpRequest("a".repeat(20_000)));
    expect(big.response.status).toBe(400);
    expect(big.error.reason).toBe("header_too_large");
  });

  it("§3 the lowercase scheme `bearer` is accepted (RFC 7235 §2.1 case-insensitive), with several spaces", async () => {
    const token = await mintToken(RESOURCE);
    const result = await testProvider().authenticate(
      mcpRequest(undefined, { headers: { authorization: `bearer    ${token}` } }),
    );
    expect(result.ok).toBe(true);
  });

  it("§3 the token is never echoed in the response headers or body", async () => {
    const token = await mintToken(RESOURCE, { expiresIn: -3600 });
    for (const req of [mcpRequest(token), mcpRequest(undefined, { path: `/mcp?access_token=${token}` })]) {
      const { response } = await refuse(req);
      const everything = [...response.headers].join("\n") + (await response.text());
      expect(everything).not.toContain(token);
      expect(everything).not.toContain(token.split(".")[1]);
    }
  });

  it("§3 the challenge is exposed to browsers on the MCP endpoint", async () => {
    const { response } = await refuse(mcpRequest(undefined, { headers: { origin: BASE } }));
    expect(response.headers.get("access-control-allow-origin")).toBe(BASE);
    expect(response.headers.get("access-control-expose-headers")).toMatch(/WWW-Authenticate/);
    expect(response.headers.get("access-control-expose-headers")).toMatch(/Mcp-Session-Id/);
  });

  it("§3 auth-param values are quoted strings: quotes and backslashes escaped, control characters refused", () => {
    expect(quoteAuthParam('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(() => quoteAuthParam("a\r\nSet-Cookie: x")).toThrow(TypeError);
    expect(bearerChallenge({ error: "invalid_token", scope: undefined })).toBe('Bearer error="invalid_token"');
  });

  it("§4 JWKS unreachable with no cached key: 503 with Retry-After, not 401", async () => {
    // A fetch that fails the way an unreachable host does (workerd logs real refused
    // connections as uncaught, so the network failure is simulated at the fetch boundary).
    const p = testProvider({
      fetch: async () => {
        throw new TypeError("fetch failed: connect ECONNREFUSED");
      },
    });
    const token = await mintToken(RESOURCE);
    const result = await p.authenticate(mcpRequest(token));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.response.status).toBe(503);
    expect(Number(result.response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(result.error.reason).toBe("jwks_unavailable");
  });

  it("onError receives the internal reason; the wire carries only RFC 6750 codes", async () => {
    const seen: AuthError[] = [];
    const token = await mintToken("https://other.example.com/mcp");
    const { response } = await refuse(mcpRequest(token), { onError: (e: AuthError) => seen.push(e) });
    expect(seen.map((e) => e.reason)).toEqual(["audience_mismatch"]);
    expect(seen[0]?.message).not.toContain(token);
    const header = response.headers.get("www-authenticate") ?? "";
    expect(header).not.toContain("audience");
    expect(parseChallenge(header).error).toBe("invalid_token");
  });

  it("a throwing onError hook does not turn a refusal into a 500", async () => {
    const { response } = await refuse(mcpRequest(), {
      onError: () => {
        throw new Error("hook broke");
      },
    });
    expect(response.status).toBe(401);
  });
});

describe("§5 Origin validation", () => {
  it("§5 a disallowed Origin gets 403 before authentication, even with a valid token", async () => {
    const token = await mintToken(RESOURCE);
    const { response, error } = await refuse(mcpRequest(token, { headers: { origin: "https://evil.example" } }));
    expect(response.status).toBe(403);
    expect(error.reason).toBe("origin_not_allowed");
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("§5 the server's own origin and configured origins are allowed; no Origin (non-browser) is allowed", async () => {
    const token = await mintToken(RESOURCE);
    const p = testProvider({ allowedOrigins: ["http://localhost:6274"] });
    for (const origin of [BASE, "http://localhost:6274", undefined]) {
      const headers: Record<string, string> = origin ? { origin } : {};
      expect((await p.authenticate(mcpRequest(token, { headers }))).ok).toBe(true);
    }
  });
});
