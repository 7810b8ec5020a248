/**
 * Discovery documents: Protected Resource Metadata (RFC 9728) and a cached proxy of
 * AuthKit's Authorization Server Metadata (RFC 8414), a legacy convenience for 2025-03-26-era
 * clients that look for it on the MCP server's origin. Clients that check the issuer discard
 * it (its `issuer` is AuthKit's, not this origin); clients that use the protected-resource
 * metadata never request it.
 */
import type { ResolvedConfig } from "./config.js";

/** The canonical resource URL of an endpoint: origin + path (RFC 8707 §2, MCP "Canonical Server URI"). */
export function resourceFor(config: ResolvedConfig, endpoint: string): string {
  return endpoint === "/" ? config.origin : config.origin + endpoint;
}

/** The path-suffixed RFC 9728 metadata URL of an endpoint (§3.1: well-known segment before the path). */
export function metadataURLFor(config: ResolvedConfig, endpoint: string): string {
  return `${config.origin}/.well-known/oauth-protected-resource${endpoint === "/" ? "" : endpoint}`;
}

export const PRM_PATH = "/.well-known/oauth-protected-resource";
export const AS_METADATA_PATH = "/.well-known/oauth-authorization-server";

/**
 * RFC 9728 §2 Protected Resource Metadata, as served.
 *
 * @example
 * ```ts
 * const doc: ProtectedResourceMetadata = protectedResourceMetadata(auth.config, "/mcp");
 * ```
 */
export interface ProtectedResourceMetadata {
  readonly resource: string;
  readonly authorization_servers: readonly string[];
  readonly bearer_methods_supported: readonly string[];
  readonly scopes_supported?: readonly string[];
  readonly resource_name?: string;
  readonly resource_documentation?: string;
}

/**
 * The PRM document for `endpoint`. Empty arrays are omitted (RFC 9728 §3.2).
 *
 * @example
 * ```ts
 * protectedResourceMetadata(config, "/mcp").resource; // "https://mcp.example.com/mcp"
 * ```
 */
export function protectedResourceMetadata(config: ResolvedConfig, endpoint: string): ProtectedResourceMetadata {
  return {
    resource: resourceFor(config, endpoint),
    authorization_servers: [config.issuer],
    // MCP forbids tokens in the query string: header only.
    bearer_methods_supported: ["header"],
    ...(config.advertisedScopes.length > 0 && { scopes_supported: config.advertisedScopes }),
    ...(config.resourceName !== undefined && { resource_name: config.resourceName }),
    ...(config.docsURL !== undefined && { resource_documentation: config.docsURL }),
  };
}

/** Maps a request path to the endpoint whose PRM it asks for, or `undefined`. */
export function prmEndpointFor(config: ResolvedConfig, path: string): string | undefined {
  if (path === PRM_PATH || path === `${PRM_PATH}/`) return config.endpoints[0];
  if (!path.startsWith(`${PRM_PATH}/`)) return undefined;
  // RFC 9728 §3.1: a lone trailing "/" of the resource path is dropped.
  const suffix = path.slice(PRM_PATH.length).replace(/\/$/, "");
  return config.endpoints.find((e) => e === suffix);
}

/**
 * Fallback AS metadata when AuthKit's document is unreachable and nothing is cached: AuthKit's
 * own document's shape (its endpoints, DCR's `registration_endpoint`, the CIMD flag).
 */
export function staticAuthorizationServerMetadata(issuer: string): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth2/authorize`,
    token_endpoint: `${issuer}/oauth2/token`,
    registration_endpoint: `${issuer}/oauth2/register`,
    jwks_uri: `${issuer}/oauth2/jwks`,
    introspection_endpoint: `${issuer}/oauth2/introspection`,
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    code_challenge_methods_supported: ["S256"],
    token_endpoint_auth_methods_supported: ["none", "client_secret_post", "client_secret_basic"],
    client_id_metadata_document_supported: true,
  };
}

/**
 * AuthKit's RFC 8414 document, fetched and cached with a TTL, single-flight, stale-if-error.
 * A document whose `issuer` differs from AuthKit's is never served (RFC 8414 §3.3).
 *
 * @example
 * ```ts
 * const proxy = new AuthorizationServerMetadataProxy(config);
 * const doc = await proxy.get(); // { issuer: "https://x.authkit.app", ... }
 * ```
 */
export class AuthorizationServerMetadataProxy {
  readonly #config: ResolvedConfig;
  readonly #ttl: number;
  #cached: { doc: Record<string, unknown>; at: number } | undefined;
  #inflight: Promise<Record<string, unknown>> | undefined;
  /** Where the last answer came from (for tests and logs). */
  lastSource: "upstream" | "cache" | "stale" | "fallback" = "fallback";

  constructor(config: ResolvedConfig, ttlMs = 10 * 60_000) {
    this.#config = config;
    this.#ttl = ttlMs;
  }

  async get(): Promise<Record<string, unknown>> {
    if (this.#cached && Date.now() - this.#cached.at < this.#ttl) {
      this.lastSource = "cache";
      return this.#cached.doc;
    }
    this.#inflight ??= this.#load().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #load(): Promise<Record<string, unknown>> {
    try {
      const response = await this.#config.fetch(`${this.#config.issuer}${AS_METADATA_PATH}`, {
        headers: { accept: "application/json" },
        redirect: "manual",
        signal: AbortSignal.timeout(this.#config.upstreamTimeout),
      });
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      const doc = (await response.json()) as unknown;
      if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new Error("not a JSON object");
      if ((doc as { issuer?: unknown }).issuer !== this.#config.issuer) throw new Error("issuer mismatch");
      this.#cached = { doc: doc as Record<string, unknown>, at: Date.now() };
      this.lastSource = "upstream";
      return this.#cached.doc;
    } catch {
      if (this.#cached) {
        this.lastSource = "stale";
        return this.#cached.doc;
      }
      this.lastSource = "fallback";
      return staticAuthorizationServerMetadata(this.#config.issuer);
    }
  }
}

/** A discovery document as a `Response`: 200, JSON, any origin, short public cache. */
export function metadataResponse(doc: unknown, method: string): Response {
  return new Response(method === "HEAD" ? null : JSON.stringify(doc), {
    status: 200,
    headers: {
      "content-type": "application/json",
      "cache-control": "public, max-age=300",
      "access-control-allow-origin": "*",
    },
  });
}

/** Whether `config`'s endpoints advertise `metadataURL` (for logs at start-up). */
export function describeResources(config: ResolvedConfig): string[] {
  return config.endpoints.map((e) => `${resourceFor(config, e)} (metadata: ${metadataURLFor(config, e)})`);
}
