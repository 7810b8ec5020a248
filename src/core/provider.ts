/**
 * `workosProvider(config)`: the runtime-neutral core. Web `Request` in, web `Response` out.
 *
 *   Request ─▶ discovery? ─▶ metadata Response
 *           └▶ protected path ─▶ Origin ─▶ bearer ─▶ verify ─▶ Session ─▶ next(request, context)
 *              any failure ─▶ one challenge builder ─▶ 400 / 401 / 403 / 503
 */

import { normaliseAudience } from "./audience.js";
import { assertB64Token, hasFormBodyToken, mayCarryFormToken, readBearerToken } from "./bearer.js";
import { challengeResponse, corsHeaders, preflightResponse, withCors } from "./challenge.js";
import { isLoopbackHost, type ResolvedConfig, resolveConfig, type WorkOSConfig } from "./config.js";
import { registerSession, revokeSession, runWithContext } from "./context.js";
import { createEnforcer, filterToolsList } from "./enforce.js";
import { AuthError } from "./errors.js";
import { JwksCache } from "./jwks.js";
import {
  AS_METADATA_PATH,
  AuthorizationServerMetadataProxy,
  describeResources,
  metadataResponse,
  metadataURLFor,
  prmEndpointFor,
  protectedResourceMetadata,
  resourceFor,
} from "./metadata.js";
import { checkPolicy } from "./policy.js";
import { createRoleStep } from "./roles-step.js";
import { createRequestContext, type RequestContext, sessionFromClaims } from "./session.js";
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

/**
 * A fetch-style handler that runs after authentication. `context` is `undefined` off the protected paths.
 *
 * @example
 * ```ts
 * const next: NextHandler<[]> = (request, context) => mcp.fetch(request, { authInfo: context?.authInfo });
 * ```
 */
export type NextHandler<Rest extends unknown[]> = (
  request: Request,
  context: RequestContext | undefined,
  ...rest: Rest
) => Response | Promise<Response>;

/**
 * One request's path through the provider, for adapters that cannot hand over a fetch
 * handler (Node's `(req, res, next)`): either a response to send, or the context to continue
 * with, the CORS headers to add, and `finish` for a web response.
 *
 * @example
 * ```ts
 * const step = await auth.prepare(request);
 * if (step.action === "respond") return step.response;
 * return step.finish(await next(step.context));
 * ```
 */
export type Prepared =
  | { readonly action: "respond"; readonly response: Response }
  | {
      readonly action: "continue";
      /** `undefined` off the protected paths. */
      readonly context: RequestContext | undefined;
      readonly corsHeaders: Readonly<Record<string, string>>;
      /** Applies tools/list filtering and CORS to the downstream response. */
      finish(response: Response): Promise<Response>;
    };

/**
 * What `workosProvider()` returns.
 *
 * @example
 * ```ts
 * const auth: WorkOSProvider = workosProvider(config);
 * console.log(auth.resources); // ["https://mcp.example.com/mcp"]
 * ```
 */
export interface WorkOSProvider {
  /** The validated configuration. */
  readonly config: ResolvedConfig;
  /** The canonical resource URL of each protected endpoint: register these in AuthKit. */
  readonly resources: readonly string[];
  /** The JWKS cache (shared by every request of this provider). */
  readonly jwks: JwksCache;
  /** Counters: full signature verifications, verified-token cache hits, JWKS fetches. */
  readonly stats: {
    readonly verifications: number;
    readonly cacheHits: number;
    readonly jwksFetches: number;
    /** WorkOS API calls made to resolve roles and permissions. */
    readonly roleLookups: number;
  };
  /** Verifies the request's bearer token. Never throws for a client mistake. */
  authenticate(request: Request): Promise<AuthResult>;
  /** The `Response` for a discovery route (PRM, AS metadata, their preflights), or `undefined`. */
  metadata(request: Request): Promise<Response | undefined>;
  /**
   * Enforces the endpoint policy and the per-tool policies on an authenticated request:
   * a `Response` (403 step-up challenge, or tool errors) when refused, else `undefined`.
   */
  authorize(request: Request, context: RequestContext): Promise<Response | undefined>;
  /** Routes one request: a response to send, or the context to continue with (see {@link Prepared}). */
  prepare(request: Request): Promise<Prepared>;
  /** Wraps a fetch handler: discovery, preflights, authentication, then `next(request, context, ...rest)`. */
  handler<Rest extends unknown[]>(next: NextHandler<Rest>): (request: Request, ...rest: Rest) => Promise<Response>;
  /** The protected endpoint a path falls under, or `undefined`. */
  protectedEndpoint(pathname: string): string | undefined;
}

/** The path of an absolute request URL without a full URL parse (hot path); same result as `new URL(url).pathname` for the URLs runtimes give handlers. */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  let end = url.length;
  const q = url.indexOf("?", start);
  if (q >= 0) end = q;
  const h = url.indexOf("#", start);
  if (h >= 0 && h < end) end = h;
  return url.slice(start, end);
}

/**
 * Calls `done` when the request is over: at once for a response without a body or with a
 * complete one (anything but an event stream), else when the stream has been fully read or
 * cancelled (tools may still be running while an SSE response streams).
 */
function onBodyEnd(response: Response, done: () => void): Response {
  if (response.body === null || !(response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    done();
    return response;
  }
  const { readable, writable } = new TransformStream();
  response.body.pipeTo(writable).then(done, done);
  return new Response(readable, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
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

/**
 * Creates the provider. Validates every option now and throws a `ConfigError` naming the
 * first bad one. One provider per server: it owns the JWKS and metadata caches.
 *
 * NOT done here: scope/role/permission policy (use the guards), token revocation checks.
 *
 * @example
 * ```ts
 * const auth = workosProvider({
 *   apiKey: env.WORKOS_API_KEY, clientId: env.WORKOS_CLIENT_ID,
 *   baseURL: "https://mcp.example.com", authkitDomain: "your-app.authkit.app",
 * });
 * export default { fetch: auth.handler((req, ctx) => mcp.fetch(req, { authInfo: ctx?.authInfo })) };
 * ```
 */
export function workosProvider(options: WorkOSConfig): WorkOSProvider {
  const config = resolveConfig(options);
  const jwks = new JwksCache({
    url: config.jwksURL,
    fetch: config.fetch,
    timeout: config.upstreamTimeout,
    store: config.jwksStore,
  });
  const asMetadata = new AuthorizationServerMetadataProxy(config);
  const lowerEndpoints = config.endpoints.map((e) => [e, e.toLowerCase()] as const);
  config.log?.(`[WorkOS] Protecting ${describeResources(config).join("; ")}. Register each resource URL in AuthKit.`);

  const matchEndpoint = (path: string): string | undefined => {
    for (const [endpoint, lower] of lowerEndpoints) {
      if (lower === "/" || path === lower || path.startsWith(`${lower}/`)) return endpoint;
    }
    return undefined;
  };

  // Fail closed: a path is protected if any way a router might read it falls under an endpoint.
  // `//host/mcp` is `/host/mcp` to some routers and `/mcp` to those that resolve it as a URL.
  // Decisions for the paths seen (a server sees few): the hot path skips decoding and matching.
  const decided = new Map<string, string | undefined>();
  const protectedEndpoint = (pathname: string): string | undefined => {
    if (decided.has(pathname)) return decided.get(pathname);
    const endpoint = decide(pathname);
    if (decided.size < 256) decided.set(pathname, endpoint);
    return endpoint;
  };
  const decide = (pathname: string): string | undefined => {
    const path = comparablePath(pathname);
    if (path === null) return config.endpoints[0]; // undecodable: treat as protected
    const direct = matchEndpoint(path);
    if (direct !== undefined || !pathname.startsWith("//")) return direct;
    const resolved = comparablePath(new URL(pathname, "http://x").pathname);
    return resolved === null ? config.endpoints[0] : matchEndpoint(resolved);
  };

  const originAllowed = (origin: string): boolean =>
    config.allowedOrigins === "*" ||
    config.allowedOrigins.has(origin) ||
    (config.allowLoopbackOrigins && URL.canParse(origin) && isLoopbackHost(new URL(origin).hostname));
  const corsFor = (response: Response, origin: string | null): Response =>
    origin !== null && originAllowed(origin) ? withCors(response, origin) : response;

  const report = (error: AuthError, request: Request): void => {
    try {
      config.onError?.(error, { method: request.method, path: new URL(request.url).pathname });
    } catch {
      // A failing hook must not turn a refusal into a 500.
    }
  };

  const stats = { verifications: 0, cacheHits: 0 };

  // Per endpoint, computed once: its canonical resource, metadata URL, accepted audiences and
  // verified-token cache (an entry is only ever created by a verification for that endpoint).
  const targets = new Map(
    config.endpoints.map((endpoint) => {
      const resource = resourceFor(config, endpoint);
      return [
        endpoint,
        {
          resource,
          resourceMetadata: metadataURLFor(config, endpoint),
          audience: [
            ...new Set(
              [resource, ...config.audience, ...(config.acceptClientIdAudience ? [config.clientId] : [])].map(
                normaliseAudience,
              ),
            ),
          ],
          cache: config.tokenCache ? new TokenCache(config.tokenCache) : undefined,
        },
      ] as const;
    }),
  );

  // AuthKit M2M tokens carry aud = the environment client id (WorkOS "Access token claims").
  const machineAudience = config.machineTokens === false ? undefined : config.clientId;
  const machineClients = config.machineTokens === false ? undefined : config.machineTokens.clients;

  const authenticate = async (request: Request): Promise<AuthResult> => {
    // `request.url` serialises the URL on every read (undici): read it once.
    const url = request.url;
    const endpoint = protectedEndpoint(pathOf(url)) ?? (config.endpoints[0] as string);
    const target = targets.get(endpoint) as NonNullable<ReturnType<typeof targets.get>>;
    const origin = request.headers.get("origin");
    try {
      // MCP transports §security: validate Origin before anything else (DNS rebinding).
      if (origin !== null && !originAllowed(origin)) throw new AuthError("origin_not_allowed", "Origin is not allowed");
      // RFC 6750 §2.2 form-body tokens are refused too; only a form body needs the async read.
      if (mayCarryFormToken(request) && (await hasFormBodyToken(request)))
        throw new AuthError("token_in_body", "Access token sent in the form body (RFC 6750 §2.2 is not supported)");
      const token = readBearerToken(request, url);
      let claims = target.cache?.get(token);
      if (claims !== undefined) stats.cacheHits++;
      else {
        assertB64Token(token);
        stats.verifications++;
        claims = await verifyAccessToken(token, {
          issuer: config.issuer,
          audience: target.audience,
          clockTolerance: config.clockTolerance,
          jwks,
          machineAudience,
          machineClients,
          clientId: config.clientId,
        });
        target.cache?.set(token, claims);
      }
      // A new session object per request: per-request memos (getUser) never leak across requests.
      const session = sessionFromClaims(claims);
      registerSession(session, config);
      return { ok: true, context: createRequestContext(token, session, target.resource, target.resourceMetadata) };
    } catch (caught) {
      const error =
        caught instanceof AuthError
          ? caught
          : new AuthError("malformed_token", "Unexpected failure while verifying the token", { cause: caught });
      report(error, request);
      let response = challengeResponse(
        error,
        { resourceMetadata: target.resourceMetadata, scopes: config.challengeScopes },
        jwks.retryAfterSeconds,
      );
      if (origin !== null && originAllowed(origin)) response = withCors(response, origin);
      return { ok: false, response, error };
    }
  };

  const roleStep = createRoleStep(config);
  const enforce = createEnforcer(config, report, roleStep);
  const authorize = async (request: Request, context: RequestContext) => (await enforce(request, context)).response;

  const toolAllowed = (context: RequestContext) => (name: string) => {
    const policy = config.tools.get(name);
    return policy === undefined || checkPolicy(context.session, policy) === undefined;
  };

  const metadata = async (request: Request): Promise<Response | undefined> => {
    const path = pathOf(request.url);
    const prmEndpoint = prmEndpointFor(config, path);
    const isAs = path === AS_METADATA_PATH;
    if (prmEndpoint === undefined && !isAs) return undefined;
    if (request.method === "OPTIONS")
      return preflightResponse("*", "GET, HEAD, OPTIONS", request.headers.get("access-control-request-headers"));
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response(null, {
        status: 405,
        headers: { allow: "GET, HEAD, OPTIONS", "access-control-allow-origin": "*" },
      });
    }
    const doc = prmEndpoint !== undefined ? protectedResourceMetadata(config, prmEndpoint) : await asMetadata.get();
    return metadataResponse(doc, request.method);
  };

  const prepare = async (request: Request): Promise<Prepared> => {
    const discovery = await metadata(request);
    if (discovery) return { action: "respond", response: discovery };
    const origin = request.headers.get("origin");
    const pass = (context: RequestContext | undefined, filterTools = false): Prepared => {
      const cors = origin !== null && originAllowed(origin);
      return {
        action: "continue",
        context,
        corsHeaders: cors ? corsHeaders(origin) : {},
        finish: async (response) => {
          let out = response;
          if (filterTools && context) out = await filterToolsList(out, toolAllowed(context));
          if (cors) out = withCors(out, origin);
          return context ? onBodyEnd(out, () => revokeSession(context.session)) : out;
        },
      };
    };
    if (protectedEndpoint(pathOf(request.url)) === undefined) return pass(undefined);
    if (request.method === "OPTIONS" && origin !== null && request.headers.has("access-control-request-method")) {
      // A preflight carries no credentials (Fetch §4.8): answer it before authentication.
      if (originAllowed(origin))
        return {
          action: "respond",
          response: preflightResponse(
            origin,
            "GET, POST, DELETE, OPTIONS",
            request.headers.get("access-control-request-headers"),
          ),
        };
    }
    const result = await authenticate(request);
    if (!result.ok) return { action: "respond", response: result.response };
    const decision = await enforce(request, result.context);
    // The authenticated session is never handed out once the role step replaced it: end it now.
    if (decision.context !== result.context) revokeSession(result.context.session);
    if (decision.response) {
      revokeSession(decision.context.session);
      return { action: "respond", response: corsFor(decision.response, origin) };
    }
    const filter = config.hideForbiddenTools && decision.calls?.some((c) => c.method === "tools/list") === true;
    return pass(decision.context, filter);
  };

  const handler = <Rest extends unknown[]>(next: NextHandler<Rest>) => {
    return async (request: Request, ...rest: Rest): Promise<Response> => {
      const step = await prepare(request);
      if (step.action === "respond") return step.response;
      const { context } = step;
      const response = context
        ? await runWithContext(context, () => next(request, context, ...rest))
        : await next(request, undefined, ...rest);
      return step.finish(response);
    };
  };

  return Object.freeze({
    config,
    resources: Object.freeze(config.endpoints.map((e) => resourceFor(config, e))),
    jwks,
    get stats() {
      return { ...stats, jwksFetches: jwks.fetchCount, roleLookups: roleStep.resolver?.apiCalls ?? 0 };
    },
    authenticate,
    authorize,
    metadata,
    prepare,
    handler,
    protectedEndpoint,
  });
}
