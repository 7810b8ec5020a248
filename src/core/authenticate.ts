/**
 * Authenticating one request: which endpoint it targets (failing closed), `Origin`, the bearer
 * token (RFC 6750 §2.1 only), the verified-token cache, full verification, then the session and
 * the request context. Module-level functions over a per-provider state, so every provider in a
 * process shares their optimised code (a fresh provider is not a cold one).
 */
import { normaliseAudience } from "./audience.js";
import { assertB64Token, hasFormBodyToken, mayCarryFormToken, readBearerToken } from "./bearer.js";
import { challengeResponse, withCors } from "./challenge.js";
import { isLoopbackHost, type ResolvedConfig } from "./config.js";
import { AuthError } from "./errors.js";
import type { JwksCache } from "./jwks.js";
import { metadataURLFor, resourceFor } from "./metadata.js";
import { ReadOnlyURL } from "./read-only.js";
import { createRequestContext, type Endpoint, type RequestContext, sessionFromClaims } from "./session.js";
import { TokenCache } from "./token-cache.js";
import { verifyAccessToken } from "./verify.js";

/**
 * The outcome of {@link WorkOSProvider.authenticate}.
 *
 * @example
 * ```ts
 * const result = await auth.authenticate(request);
 * if (!result.ok) return result.response; // 400 / 401 / 403 / 503, ready to send
 * ```
 */
export type AuthResult =
  | { readonly ok: true; readonly context: RequestContext }
  | { readonly ok: false; readonly response: Response; readonly error: AuthError };

/** Per endpoint, computed once: its resource, metadata URL, accepted audiences and token cache. */
interface Target extends Endpoint {
  readonly audience: readonly string[];
  readonly cache: TokenCache | undefined;
}

/** One provider's authentication state. Internal. */
export interface Authenticator {
  readonly config: ResolvedConfig;
  readonly jwks: JwksCache;
  readonly report: (error: AuthError, request: Request) => void;
  readonly targets: ReadonlyMap<string, Target>;
  readonly lowerEndpoints: ReadonlyArray<readonly [string, string]>;
  /** Endpoint decisions for the paths seen (a server sees few). */
  readonly decided: Map<string, string | undefined>;
  readonly machineAudience: string | undefined;
  readonly machineClients: ReadonlySet<string> | "any" | undefined;
  readonly stats: { verifications: number; cacheHits: number };
}

/**
 * Builds a provider's authentication state. Internal.
 *
 * @example
 * ```ts
 * const auth = createAuthenticator(config, jwks, report);
 * const result = await authenticateRequest(auth, request);
 * ```
 */
export function createAuthenticator(
  config: ResolvedConfig,
  jwks: JwksCache,
  report: (error: AuthError, request: Request) => void,
): Authenticator {
  const targets = new Map<string, Target>();
  for (const endpoint of config.endpoints) {
    const resource = resourceFor(config, endpoint);
    const accepted = [resource, ...config.audience, ...(config.acceptClientIdAudience ? [config.clientId] : [])];
    targets.set(endpoint, {
      resource,
      resourceURL: new ReadOnlyURL(resource),
      resourceMetadata: metadataURLFor(config, endpoint),
      audience: [...new Set(accepted.map(normaliseAudience))],
      cache: config.tokenCache ? new TokenCache(config.tokenCache) : undefined,
    });
  }
  return {
    config,
    jwks,
    report,
    targets,
    lowerEndpoints: config.endpoints.map((e) => [e, e.toLowerCase()] as const),
    decided: new Map(),
    // AuthKit M2M tokens carry aud = the environment client id (WorkOS "Access token claims").
    machineAudience: config.machineTokens === false ? undefined : config.clientId,
    machineClients: config.machineTokens === false ? undefined : config.machineTokens.clients,
    stats: { verifications: 0, cacheHits: 0 },
  };
}

/** The path of an absolute request URL without a full URL parse (hot path); same result as `new URL(url).pathname` for the URLs runtimes give handlers. */
export function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  let end = url.length;
  const q = url.indexOf("?", start);
  if (q >= 0) end = q;
  const h = url.indexOf("#", start);
  if (h >= 0 && h < end) end = h;
  return url.slice(start, end);
}

/** Path as a router might see it: decoded, `//` collapsed, lowercase. Fails closed on bad escapes. */
function comparablePath(pathname: string): string | null {
  try {
    return decodeURIComponent(pathname)
      .replace(/\/{2,}/g, "/")
      .toLowerCase();
  } catch {
    return null;
  }
}

function matchEndpoint(auth: Authenticator, path: string): string | undefined {
  for (const [endpoint, lower] of auth.lowerEndpoints) {
    if (lower === "/" || path === lower || path.startsWith(`${lower}/`)) return endpoint;
  }
  return undefined;
}

/**
 * The protected endpoint a path falls under, or `undefined`. Fails closed: a path is protected
 * if any way a router might read it falls under an endpoint (`//host/mcp` is `/host/mcp` to
 * some routers and `/mcp` to those that resolve it as a URL); an undecodable path is protected.
 */
export function protectedEndpointOf(auth: Authenticator, pathname: string): string | undefined {
  if (auth.decided.has(pathname)) return auth.decided.get(pathname);
  let endpoint: string | undefined;
  const path = comparablePath(pathname);
  if (path === null) endpoint = auth.config.endpoints[0];
  else {
    endpoint = matchEndpoint(auth, path);
    if (endpoint === undefined && pathname.startsWith("//")) {
      const resolved = comparablePath(new URL(pathname, "http://x").pathname);
      endpoint = resolved === null ? auth.config.endpoints[0] : matchEndpoint(auth, resolved);
    }
  }
  if (auth.decided.size < 256) auth.decided.set(pathname, endpoint);
  return endpoint;
}

/** Whether a browser `Origin` may call the MCP endpoint. */
export function isOriginAllowed(config: ResolvedConfig, origin: string): boolean {
  return (
    config.allowedOrigins === "*" ||
    config.allowedOrigins.has(origin) ||
    (config.allowLoopbackOrigins && URL.canParse(origin) && isLoopbackHost(new URL(origin).hostname))
  );
}

/** Verifies the request's bearer token. Never throws for a client mistake. */
export async function authenticateRequest(auth: Authenticator, request: Request): Promise<AuthResult> {
  const { config } = auth;
  // `request.url` serialises the URL on every read (undici): read it once.
  const url = request.url;
  const endpoint = protectedEndpointOf(auth, pathOf(url)) ?? (config.endpoints[0] as string);
  const target = auth.targets.get(endpoint) as Target;
  const origin = request.headers.get("origin");
  try {
    // MCP transports §security: validate Origin before anything else (DNS rebinding).
    if (origin !== null && !isOriginAllowed(config, origin))
      throw new AuthError("origin_not_allowed", "Origin is not allowed");
    // RFC 6750 §2.2 form-body tokens are refused too; only a form body needs the async read.
    if (mayCarryFormToken(request) && (await hasFormBodyToken(request)))
      throw new AuthError("token_in_body", "Access token sent in the form body (RFC 6750 §2.2 is not supported)");
    const token = readBearerToken(request, url);
    let claims = target.cache?.get(token);
    if (claims !== undefined) auth.stats.cacheHits++;
    else {
      assertB64Token(token);
      auth.stats.verifications++;
      claims = await verifyAccessToken(token, {
        issuer: config.issuer,
        audience: target.audience,
        clockTolerance: config.clockTolerance,
        jwks: auth.jwks,
        machineAudience: auth.machineAudience,
        machineClients: auth.machineClients,
        clientId: config.clientId,
      });
      target.cache?.set(token, claims);
    }
    // A new session object per request, marked as this provider's: per-request memos (getUser)
    // never leak across requests, and the session ends with its request (issued.ts).
    const session = sessionFromClaims(claims, config);
    return { ok: true, context: createRequestContext(token, session, target) };
  } catch (caught) {
    const error =
      caught instanceof AuthError
        ? caught
        : new AuthError("malformed_token", "Unexpected failure while verifying the token", { cause: caught });
    auth.report(error, request);
    let response = challengeResponse(
      error,
      { resourceMetadata: target.resourceMetadata, scopes: config.challengeScopes },
      auth.jwks.retryAfterSeconds,
    );
    if (origin !== null && isOriginAllowed(config, origin)) response = withCors(response, origin);
    return { ok: false, response, error };
  }
}
