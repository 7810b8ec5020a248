// Misconfiguration fails fast at construction, with a message naming the option.
import { describe, expect, it } from "vitest";
import { ConfigError, type WorkOSConfig, workosProvider } from "../../src/index.js";

const valid: WorkOSConfig = {
  apiKey: "sk_test_x",
  clientId: "client_x",
  baseURL: "https://mcp.example.com",
  authkitDomain: "acme.authkit.app",
  log: false,
};

function errorOf(config: Partial<WorkOSConfig> | Record<string, unknown>): ConfigError {
  try {
    workosProvider({ ...valid, ...config } as WorkOSConfig);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("configuration", () => {
  it.each(["clientId", "baseURL", "authkitDomain"] as const)(
    "names a missing %s like the original plugin",
    (option) => {
      const error = errorOf({ [option]: undefined });
      expect(error.message).toBe(`[WorkOS] Missing required config: ${option}`);
      expect(error.option).toBe(option);
      expect(error.code).toBe("config_invalid");
    },
  );

  it("apiKey is optional: verification needs none", () => {
    expect(() => workosProvider({ ...valid, apiKey: undefined })).not.toThrow();
  });

  it.each([
    ["baseURL", "not a url"],
    ["baseURL", "http://mcp.example.com"],
    ["baseURL", "https://mcp.example.com/prefix"],
    ["baseURL", "https://mcp.example.com/?q=1"],
    ["authkitDomain", "http://acme.authkit.app"],
    ["authkitDomain", "acme.authkit.app/path"],
    ["endpoint", "mcp"],
    ["endpoint", "/mcp?x=1"],
    ["endpoint", []],
    ["endpoint", "/.well-known/mcp"],
    ["scopes", ["has space"]],
    ["scopes", ["offline_access"]],
    ["audience", [""]],
    ["clockTolerance", -1],
    ["clockTolerance", Number.NaN],
    ["docsURL", "relative/docs"],
    ["apiURL", "http://api.workos.com"],
    ["allowedOrigins", ["not an origin"]],
    ["onError", "log"],
    ["acceptClientIdAudience", "yes"],
    ["upstreamTimeout", 0],
    ["sdk", "@workos-inc/node"],
  ])("rejects %s = %j naming the option", (option, value) => {
    const error = errorOf({ [option]: value });
    expect(error.option).toBe(option);
    expect(error.message).toContain(option);
    expect(error.message.startsWith("[WorkOS] ")).toBe(true);
  });

  it("accepts a bare domain, an https URL, and http only on loopback", () => {
    expect(workosProvider({ ...valid, authkitDomain: "acme.authkit.app" }).config.issuer).toBe(
      "https://acme.authkit.app",
    );
    expect(workosProvider({ ...valid, authkitDomain: "https://ACME.authkit.app/" }).config.issuer).toBe(
      "https://acme.authkit.app",
    );
    expect(workosProvider({ ...valid, authkitDomain: "http://127.0.0.1:9999" }).config.issuer).toBe(
      "http://127.0.0.1:9999",
    );
    expect(workosProvider({ ...valid, authkitDomain: "http://localhost:9999" }).config.jwksURL).toBe(
      "http://localhost:9999/oauth2/jwks",
    );
  });

  it("normalises the canonical resource: lowercase host, no default port, no trailing slash", () => {
    const p = workosProvider({ ...valid, baseURL: "HTTPS://MCP.Example.com:443/", endpoint: ["/mcp/", "/v2/mcp"] });
    expect(p.resources).toEqual(["https://mcp.example.com/mcp", "https://mcp.example.com/v2/mcp"]);
  });

  it("defaults: endpoint /mcp, clock tolerance 30 s, client-id audience off", () => {
    const p = workosProvider(valid);
    expect(p.config.endpoints).toEqual(["/mcp"]);
    expect(p.config.clockTolerance).toBe(30);
    expect(p.config.acceptClientIdAudience).toBe(false);
  });

  it("logs the canonical resource once at start-up, never the API key", () => {
    const lines: string[] = [];
    workosProvider({ ...valid, log: (m) => lines.push(m) });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("https://mcp.example.com/mcp");
    expect(lines[0]).not.toContain("sk_test_x");
  });
});
