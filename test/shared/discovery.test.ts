// shared/spec/resource-server.md §1 (RFC 9728) and §2 (AS metadata compatibility).
import { describe, expect, it } from "vitest";
import { BASE, RESOURCE, testProvider } from "../support/provider.js";
import { authkit } from "../support/tokens.js";

const get = (path: string, init: RequestInit = {}) => new Request(`${BASE}${path}`, init);

describe("RFC 9728 Protected Resource Metadata", () => {
  it("§1 serves the path-suffixed document with status 200 and JSON", async () => {
    const res = await testProvider().metadata(get("/.well-known/oauth-protected-resource/mcp"));
    expect(res?.status).toBe(200);
    expect(res?.headers.get("content-type")).toBe("application/json");
    const doc = await res?.json();
    expect(doc).toEqual({
      resource: RESOURCE,
      authorization_servers: [authkit().issuer],
      bearer_methods_supported: ["header"],
    });
  });

  it("§1 serves the root document too, with the same canonical resource", async () => {
    const doc = await (await testProvider().metadata(get("/.well-known/oauth-protected-resource")))?.json();
    expect(doc.resource).toBe(RESOURCE);
  });

  it("§1 RFC 9728 §3.1: a lone trailing slash of the path is dropped", async () => {
    const res = await testProvider().metadata(get("/.well-known/oauth-protected-resource/mcp/"));
    expect(res?.status).toBe(200);
    expect((await res!.json()).resource).toBe(RESOURCE);
  });

  it("§1 one document per endpoint when several are protected", async () => {
    const p = testProvider({ endpoint: ["/mcp", "/admin/mcp"] });
    const doc = await (await p.metadata(get("/.well-known/oauth-protected-resource/admin/mcp")))?.json();
    expect(doc.resource).toBe(`${BASE}/admin/mcp`);
    expect(await p.metadata(get("/.well-known/oauth-protected-resource/other"))).toBeUndefined();
  });

  it("§1 scopes_supported, resource_name and resource_documentation when configured; offline_access never", async () => {
    const p = testProvider({
      scopes: ["mcp:read", "mcp:write"],
      resourceName: "Acme MCP",
      docsURL: "https://docs.example.com",
    });
    const doc = await (await p.metadata(get("/.well-known/oauth-protected-resource/mcp")))?.json();
    expect(doc.scopes_supported).toEqual(["mcp:read", "mcp:write"]);
    expect(doc.resource_name).toBe("Acme MCP");
    expect(doc.resource_documentation).toBe("https://docs.example.com");
  });

  it("§1 omits arrays that would be empty (RFC 9728 §3.2)", async () => {
    const doc = await (await testProvider().metadata(get("/.well-known/oauth-protected-resource/mcp")))?.json();
    expect("scopes_supported" in doc).toBe(false);
  });

  it("§1 authorization_servers has no trailing slash", async () => {
    const doc = await (await testProvider().metadata(get("/.well-known/oauth-protected-resource")))?.json();
    expect(doc.authorization_servers[0].endsWith("/")).toBe(false);
  });

  it("§1 CORS: any origin may read it; OPTIONS preflight answers 204 allowing MCP headers", async () => {
    const p = testProvider();
    const res = await p.metadata(
      get("/.well-known/oauth-protected-resource/mcp", { headers: { origin: "https://app.example" } }),
    );
    expect(res?.headers.get("access-control-allow-origin")).toBe("*");
    const pre = await p.metadata(
      get("/.well-known/oauth-protected-resource/mcp", {
        method: "OPTIONS",
        headers: { origin: "https://app.example", "access-control-request-method": "GET" },
      }),
    );
    expect(pre?.status).toBe(204);
    expect(pre?.headers.get("access-control-allow-headers")).toMatch(/MCP-Protocol-Version/);
    expect(pre?.headers.get("access-control-allow-headers")).toMatch(/Authorization/);
  });

  it("§1 other methods get 405 with Allow, never 5xx", async () => {
    const res = await testProvider().metadata(get("/.well-known/oauth-protected-resource", { method: "POST" }));
    expect(res?.status).toBe(405);
    expect(res?.headers.get("allow")).toContain("GET");
  });

  it("non-discovery paths are not answered by metadata()", async () => {
    expect(await testProvider().metadata(get("/mcp"))).toBeUndefined();
  });
});

describe("§2 Authorization-server metadata proxy", () => {
  it("§2 proxies AuthKit's RFC 8414 document, keeping registration_endpoint and CIMD support", async () => {
    const res = await testProvider().metadata(get("/.well-known/oauth-authorization-server"));
    expect(res?.status).toBe(200);
    const doc = await res?.json();
    expect(doc.issuer).toBe(authkit().issuer);
    expect(doc.registration_endpoint).toBe(`${authkit().issuer}/oauth2/register`);
    expect(doc.client_id_metadata_document_supported).toBe(true);
  });

  it("§2 caches the document: one upstream fetch for many requests", async () => {
    let calls = 0;
    const p = testProvider({
      fetch: (input, init) => {
        calls++;
        return fetch(input, init);
      },
    });
    await Promise.all(Array.from({ length: 5 }, () => p.metadata(get("/.well-known/oauth-authorization-server"))));
    await p.metadata(get("/.well-known/oauth-authorization-server"));
    expect(calls).toBe(1);
  });

  it("§2 never serves a document whose issuer differs; the static fallback instead", async () => {
    const p = testProvider({
      fetch: async () =>
        Response.json({ issuer: "https://evil.example", token_endpoint: "https://evil.example/token" }),
    });
    const doc = await (await p.metadata(get("/.well-known/oauth-authorization-server")))?.json();
    expect(doc.issuer).toBe(authkit().issuer);
    expect(doc.token_endpoint).toBe(`${authkit().issuer}/oauth2/token`);
  });

  it("§2 upstream down with nothing cached: 200 with the documented static fallback, never 5xx", async () => {
    const p = testProvider({ fetch: async () => new Response("oops", { status: 502 }) });
    const res = await p.metadata(get("/.well-known/oauth-authorization-server"));
    expect(res?.status).toBe(200);
    const doc = await res?.json();
    expect(doc.code_challenge_methods_supported).toEqual(["S256"]);
    expect(doc.jwks_uri).toBe(`${authkit().issuer}/oauth2/jwks`);
    // Shaped like AuthKit's own document: DCR's endpoint and the CIMD flag appear only there.
    expect(doc.registration_endpoint).toBe(`${authkit().issuer}/oauth2/register`);
    expect(doc.client_id_metadata_document_supported).toBe(true);
  });

  it("§2 never redirects", async () => {
    const res = await testProvider().metadata(get("/.well-known/oauth-authorization-server"));
    expect(res?.status).not.toBeGreaterThanOrEqual(300);
    expect(res?.headers.get("location")).toBeNull();
  });
});
