/**
 * The one place that turns a refusal into a `Response` (RFC 6750 §3, RFC 9728 §5.1).
 */
import type { AuthError } from "./errors.js";

/**
 * Request headers a browser MCP client sends (CORS preflight allow-list): the Streamable HTTP
 * transport's, including 2026-07-28's standard `Mcp-Method` and `Mcp-Name` (SEP-2243). The
 * `Mcp-Param-*` family has a name per tool argument, so a preflight's requested headers are
 * echoed too, once validated (see {@link allowedRequestHeaders}).
 */
export const MCP_REQUEST_HEADERS =
  "Authorization, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID, Mcp-Method, Mcp-Name";
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

// RFC 9110 §5.1 field-name = token.
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}$/;

/**
 * The `Access-Control-Allow-Headers` value for a preflight: the transport's headers plus the
 * ones the preflight asks for (`Access-Control-Request-Headers`), each checked to be a header
 * name (RFC 9110 token; at most 64 of them). A malformed list is ignored, not echoed.
 *
 * @example
 * ```ts
 * allowedRequestHeaders("mcp-method, mcp-param-region"); // "...Mcp-Name, mcp-param-region"
 * ```
 */
export function allowedRequestHeaders(requested: string | null): string {
  if (requested === null || requested.length > 8192) return MCP_REQUEST_HEADERS;
  const names = requested
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  if (names.length > 64 || !names.every((n) => FIELD_NAME.test(n))) return MCP_REQUEST_HEADERS;
  const known = new Set(MCP_REQUEST_HEADERS.toLowerCase().split(", "));
  const extra = [...new Set(names.map((n) => n.toLowerCase()))].filter((n) => !known.has(n));
  return extra.length === 0 ? MCP_REQUEST_HEADERS : `${MCP_REQUEST_HEADERS}, ${extra.join(", ")}`;
}

/** The 204 answer to a CORS preflight (`requestedHeaders`: its `Access-Control-Request-Headers`). */
export function preflightResponse(origin: string, methods: string, requestedHeaders: string | null = null): Response {
  const headers = new Headers({
    "access-control-allow-origin": origin,
    "access-control-allow-methods": methods,
    "access-control-allow-headers": allowedRequestHeaders(requestedHeaders),
    "access-control-max-age": "86400",
  });
  // The answer depends on the origin and on the requested headers: caches must key on both.
  headers.set("vary", origin !== "*" ? "Origin, Access-Control-Request-Headers" : "Access-Control-Request-Headers");
  return new Response(null, { status: 204, headers });
}
