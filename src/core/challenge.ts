/**
 * The one place that turns a refusal into a `Response` (RFC 6750 §3, RFC 9728 §5.1).
 */
import type { AuthError } from "./errors.js";

/** Request headers a browser MCP client sends (CORS preflight allow-list). */
export const MCP_REQUEST_HEADERS =
  "Authorization, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID";
/** Response headers a browser MCP client must read. */
export const MCP_EXPOSED_HEADERS = "WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version";

/** What a challenge needs to know besides the error. */
export interface ChallengeParams {
  /** Absolute URL of the path-suffixed Protected Resource Metadata (RFC 9728 §5.1). */
  readonly resourceMetadata: string;
  /** Scopes to ask for (`scope` auth-param), if any. */
  readonly scopes: readonly string[];
}

/**
 * RFC 7235 quoted-string: escape `"` and `\`; a control character cannot be carried, so
 * it is refused (it would let a value split or forge the header).
 *
 * @example
 * ```ts
 * quoteAuthParam('say "hi"'); // '"say \\"hi\\""'
 * ```
 */
export function quoteAuthParam(value: string): string {
  if (/[\x00-\x1f\x7f]/.test(value)) throw new TypeError("auth-param value contains a control character");
  return `"${value.replace(/["\\]/g, "\\$&")}"`;
}

/**
 * Serialises a `WWW-Authenticate: Bearer ...` value. `Bearer ` comes first and params are
 * comma-separated (official clients split on the first space).
 *
 * @example
 * ```ts
 * bearerChallenge({ error: "invalid_token", resource_metadata: "https://x/.well-known/oauth-protected-resource/mcp" });
 * // 'Bearer error="invalid_token", resource_metadata="https://x/.well-known/oauth-protected-resource/mcp"'
 * ```
 */
export function bearerChallenge(params: Readonly<Record<string, string | undefined>>): string {
  const parts = Object.entries(params)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${quoteAuthParam(value)}`);
  return parts.length === 0 ? "Bearer" : `Bearer ${parts.join(", ")}`;
}

const JSON_RPC_CODES: Record<AuthError["status"], number> = { 400: -32600, 401: -32001, 403: -32003, 503: -32603 };

/**
 * The refusal as a `Response`: status from the error, a Bearer challenge (except for a
 * refused `Origin`), `Cache-Control: no-store`, and a JSON-RPC error body carrying the
 * original plugin's message. Nothing from the request is echoed.
 */
export function challengeResponse(error: AuthError, params: ChallengeParams, retryAfterSeconds = 5): Response {
  const headers = new Headers({
    "content-type": "application/json",
    "cache-control": "no-store",
  });
  // No Bearer challenge when the token is not the problem (a refused Origin, the WorkOS API down).
  if (error.reason !== "origin_not_allowed" && error.reason !== "roles_unavailable") {
    headers.set(
      "www-authenticate",
      bearerChallenge({
        // RFC 6750 §3.1: a request without credentials gets no error code.
        error: error.wireError,
        error_description: error.wireError === undefined ? undefined : error.description,
        scope:
          error.reason === "insufficient_scope" || params.scopes.length > 0
            ? params.scopes.join(" ") || undefined
            : undefined,
        resource_metadata: params.resourceMetadata,
      }),
    );
  }
  if (error.status === 503) headers.set("retry-after", String(retryAfterSeconds));
  const body = {
    jsonrpc: "2.0",
    error: {
      code: JSON_RPC_CODES[error.status],
      message:
        error.wireError === undefined && error.status === 401 ? "Missing or invalid bearer token" : error.description,
    },
    id: null,
  };
  return new Response(JSON.stringify(body), { status: error.status, headers });
}

/** The CORS headers of an MCP endpoint response for an allowed `origin`. */
export function corsHeaders(origin: string): Record<string, string> {
  return {
    "access-control-allow-origin": origin,
    "access-control-expose-headers": MCP_EXPOSED_HEADERS,
    ...(origin !== "*" && { vary: "Origin" }),
  };
}

/**
 * Returns `response` with CORS headers for `origin` added (a copy when its headers are immutable).
 */
export function withCors(response: Response, origin: string): Response {
  let out = response;
  try {
    out.headers.set("access-control-allow-origin", origin);
  } catch {
    out = new Response(response.body, response);
  }
  for (const [k, v] of Object.entries(corsHeaders(origin))) {
    if (k === "vary") out.headers.append(k, v);
    else out.headers.set(k, v);
  }
  return out;
}

/** The 204 answer to a CORS preflight. */
export function preflightResponse(origin: string, methods: string): Response {
  const headers = new Headers({
    "access-control-allow-origin": origin,
    "access-control-allow-methods": methods,
    "access-control-allow-headers": MCP_REQUEST_HEADERS,
    "access-control-max-age": "86400",
  });
  if (origin !== "*") headers.set("vary", "Origin");
  return new Response(null, { status: 204, headers });
}
