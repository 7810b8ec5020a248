/**
 * `workosProvider(config)`: the runtime-neutral core. Web `Request` in, web `Response` out.
 *
 *   Request ─▶ discovery? ─▶ metadata Response
 *           └▶ protected path ─▶ Origin ─▶ bearer ─▶ verify ─▶ Session ─▶ next(request, context)
 *              any failure ─▶ one challenge builder ─▶ 400 / 401 / 403 / 503
 */
import type { WorkOS } from "@workos-inc/node";
import { extractBearerToken } from "./bearer.js";
import { challengeResponse, preflightResponse, withCors } from "./challenge.js";
import { type ResolvedConfig, resolveConfig, type WorkOSConfig } from "./config.js";
import { registerSession, runWithContext } from "./context.js";
import { createEnforcer, filterToolsList } from "./enforce.js";
import { AuthError } from "./errors.js";
import { bindScopes } from "./guards.js";
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
import { createRequestContext, type RequestContext } from "./session.js";
import { verifyAccessToken } from "./verify.js";
import { bindClient, createClientHandle } from "./workos-client.js";

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
  /** Verifies the request's bearer token. Never throws for a client mistake. */
  authenticate(request: Request): Promise<AuthResult>;
  /** The `Response` for a discovery route (PRM, AS metadata, their preflights), or `undefined`. */
  metadata(request: Request): Promise<Response | undefined>;
  /**
   * Enforces the endpoint policy and the per-tool policies on an authenticated request:
   * a `Response` (403 step-up challenge, or tool errors) when refused, else `undefined`.
   */
  authorize(request: Request, context: RequestContext): Promise<Response | undefined>;
  /** Wraps a fetch handler: discovery, preflights, authentication, then `next(request, context, ...rest)`. */
  handler<Rest extends unknown[]>(next: NextHandler<Rest>): (request: Request, ...rest: Rest) => Promise<Response>;
  /** The protected endpoint a path falls under, or `undefined`. */
  protectedEndpoint(pathname: string): string | undefined;
  /** The WorkOS SDK client (lazy). Throws `ClientNotInitializedError` without `apiKey`. */
  getClient(): WorkOS;
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
  const jwks = new JwksCache({ url: config.jwksURL, fetch: config.fetch, timeout: config.upstreamTimeout });
  const asMetadata = new AuthorizationServerMetadataProxy(config);
  const clientHandle = createClientHandle(config);
  const lowerEndpoints = config.endpoints.map((e) => [e, e.toLowerCase()] as const);
  config.log?.(`[WorkOS] Protecting ${describeResources(config).join("; ")}. Register each resource URL in AuthKit.`);

  const protectedEndpoint = (pathname: string): string | undefined => {
    const path = comparablePath(pathname);
    if (path === null) return config.endpoints[0]; // undecodable: treat as protected
    for (const [endpoint, lower] of lowerEndpoints) {
      if (lower === "/" || path === lower || path.startsWith(`${lower}/`)) return endpoint;
    }
    return undefined;
  };

  const originAllowed = (origin: string): boolean => config.allowedOrigins === "*" || config.allowedOrigins.has(origin);
  const corsFor = (response: Response, origin: string | null): Response =>
    origin !== null && originAllowed(origin) ? withCors(response, origin) : response;

  const report = (error: AuthError, request: Request): void => {
    try {
      config.onError?.(error, { method: request.method, path: new URL(request.url).pathname });
    } catch {
      // A failing hook must not turn a refusal into a 500.
    }
  };

  const authenticate = async (request: Request): Promise<AuthResult> => {
    const endpoint = protectedEndpoint(new URL(request.url).pathname) ?? (config.endpoints[0] as string);
    const resource = resourceFor(config, endpoint);
    const resourceMetadata = metadataURLFor(config, endpoint);
    const origin = request.headers.get("origin");
    try {
      // MCP transports §security: validate Origin before anything else (DNS rebinding).
      if (origin !== null && !originAllowed(origin)) throw new AuthError("origin_not_allowed", "Origin is not allowed");
      const token = await extractBearerToken(request);
      const session = await verifyAccessToken(token, {
        issuer: config.issuer,
        audience: [resource, ...config.audience, ...(config.acceptClientIdAudience ? [config.clientId] : [])],
        clockTolerance: config.clockTolerance,
        jwks,
      });
      registerSession(session);
      bindClient(session, clientHandle);
      bindScopes(session, config.scopeHierarchy);
      return { ok: true, context: createRequestContext(token, session, resource, resourceMetadata) };
    } catch (caught) {
      const error =
        caught instanceof AuthError
          ? caught
          : new AuthError("malformed_token", "Unexpected failure while verifying the token", { cause: caught });
      report(error, request);
      let response = challengeResponse(
        error,
        { resourceMetadata, scopes: config.challengeScopes },
        jwks.retryAfterSeconds,
      );
      if (origin !== null && originAllowed(origin)) response = withCors(response, origin);
      return { ok: false, response, error };
    }
  };

  const enforce = createEnforcer(config, report);
  const authorize = async (request: Request, context: RequestContext) => (await enforce(request, context)).response;

  const toolAllowed = (context: RequestContext) => (name: string) => {
    const policy = config.tools.get(name);
    return policy === undefined || checkPolicy(context.session, policy) === undefined;
  };

  const metadata = async (request: Request): Promise<Response | undefined> => {
    const path = new URL(request.url).pathname;
    const prmEndpoint = prmEndpointFor(config, path);
    const isAs = path === AS_METADATA_PATH;
    if (prmEndpoint === undefined && !isAs) return undefined;
    if (request.method === "OPTIONS") return preflightResponse("*", "GET, HEAD, OPTIONS");
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response(null, {
        status: 405,
        headers: { allow: "GET, HEAD, OPTIONS", "access-control-allow-origin": "*" },
      });
    }
    const doc = prmEndpoint !== undefined ? protectedResourceMetadata(config, prmEndpoint) : await asMetadata.get();
    return metadataResponse(doc, request.method);
  };

  const handler = <Rest extends unknown[]>(next: NextHandler<Rest>) => {
    return async (request: Request, ...rest: Rest): Promise<Response> => {
      const discovery = await metadata(request);
      if (discovery) return discovery;
      if (protectedEndpoint(new URL(request.url).pathname) === undefined) return next(request, undefined, ...rest);
      const origin = request.headers.get("origin");
      if (request.method === "OPTIONS" && origin !== null && request.headers.has("access-control-request-method")) {
        // A preflight carries no credentials (Fetch §4.8): answer it before authentication.
        if (originAllowed(origin)) return preflightResponse(origin, "GET, POST, DELETE, OPTIONS");
      }
      const result = await authenticate(request);
      if (!result.ok) return result.response;
      const context = result.context;
      const decision = await enforce(request, context);
      if (decision.response) return corsFor(decision.response, origin);
      let response = await runWithContext(context, () => next(request, context, ...rest));
      if (config.hideForbiddenTools && decision.calls?.some((c) => c.method === "tools/list"))
        response = await filterToolsList(response, toolAllowed(context));
      return corsFor(response, origin);
    };
  };

  return Object.freeze({
    config,
    resources: Object.freeze(config.endpoints.map((e) => resourceFor(config, e))),
    jwks,
    authenticate,
    authorize,
    metadata,
    handler,
    protectedEndpoint,
    getClient: () => clientHandle.client(),
  });
}
