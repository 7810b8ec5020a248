/** Shared fixtures: a provider pointed at the fake AuthKit, and request helpers. */
import type { Env } from "../../examples/worker/index.js";
import { type WorkOSConfig, type WorkOSProvider, workosProvider } from "../../src/index.js";
import { TEST_API_KEY, TEST_CLIENT_ID } from "./seed.js";
import { authkit } from "./tokens.js";

export const BASE = "https://mcp.example.com";
export const RESOURCE = `${BASE}/mcp`;
export const PRM_URL = `${BASE}/.well-known/oauth-protected-resource/mcp`;

export function testProvider(overrides: Partial<WorkOSConfig> = {}): WorkOSProvider {
  const { issuer } = authkit();
  return workosProvider({
    apiKey: TEST_API_KEY,
    clientId: TEST_CLIENT_ID,
    baseURL: BASE,
    authkitDomain: issuer,
    apiURL: issuer,
    log: false,
    ...overrides,
  });
}

export function mcpRequest(
  token?: string,
  init: RequestInit & { path?: string; headers?: Record<string, string> } = {},
) {
  const { path = "/mcp", headers = {}, ...rest } = init;
  return new Request(`${BASE}${path}`, {
    method: "POST",
    ...rest,
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(token !== undefined && { authorization: `Bearer ${token}` }),
      ...headers,
    },
    body: rest.body ?? (rest.method === "GET" ? undefined : JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" })),
  });
}

/** Parses a `WWW-Authenticate: Bearer k="v", ...` header (values unescaped). */
export function parseChallenge(header: string | null): Record<string, string> {
  if (header === null) throw new Error("no WWW-Authenticate header");
  if (!header.startsWith("Bearer")) throw new Error(`not a Bearer challenge: ${header}`);
  const out: Record<string, string> = {};
  for (const m of header.slice(6).matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g))
    out[m[1] as string] = (m[2] as string).replace(/\\(.)/g, "$1");
  return out;
}

/** The example worker's env, pointed at the tests' local AuthKit, for a server at `base`. */
export function exampleEnv(base: string, extra: Partial<Env> = {}): Env {
  return {
    WORKOS_API_KEY: TEST_API_KEY,
    WORKOS_CLIENT_ID: TEST_CLIENT_ID,
    WORKOS_AUTHKIT_DOMAIN: authkit().issuer,
    WORKOS_API_URL: authkit().issuer,
    BASE_URL: base,
    ...extra,
  };
}

/** A Workers-style ExecutionContext for calling the example worker directly. */
export const workerCtx = { waitUntil: () => {}, passThroughOnException: () => {} };
