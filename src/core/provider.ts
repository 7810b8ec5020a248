/**
 * `workosProvider(config)`: the runtime-neutral core. Web `Request` in, web `Response` out.
 *
 *   Request ─▶ discovery? ─▶ metadata Response
 *           └▶ protected path ─▶ Origin ─▶ bearer ─▶ verify ─▶ Session ─▶ next(request, context)
 *              any failure ─▶ one challenge builder ─▶ 400 / 401 / 403 / 503
 */

import {
  type AuthResult,
  authenticateRequest,
  createAuthenticator,
  isOriginAllowed,
  pathOf,
  protectedEndpointOf,
} from "./authenticate.js";
import { corsHeaders, preflightResponse, withCors } from "./challenge.js";
import { type ResolvedConfig, resolveConfig, type WorkOSConfig } from "./config.js";
import { runWithContext } from "./context.js";
import { createEnforcer, filterToolsList } from "./enforce.js";
import type { AuthError } from "./errors.js";
import { endSession } from "./issued.js";
import { JwksCache } from "./jwks.js";
import {
  AS_METADATA_PATH,
  AuthorizationServerMetadataProxy,
  describeResources,
  metadataResponse,
  prmEndpointFor,
  protectedResourceMetadata,
  resourceFor,
} from "./metadata.js";
import { checkPolicy } from "./policy.js";
import { createRoleStep } from "./roles-step.js";
import { type RequestContext, withParsedBody } from "./session.js";
import { endWithSignal, onBodyEnd } from "./session-end.js";

export type { AuthResult };

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
  config.log?.(`[WorkOS] Protecting ${describeResources(config).join("; ")}. Register each resource URL in AuthKit.`);

  const originAllowed = (origin: string): boolean => isOriginAllowed(config, origin);
  const corsFor = (response: Response, origin: string | null): Response =>
    origin !== null && originAllowed(origin) ? withCors(response, origin) : response;

  const report = (error: AuthError, request: Request): void => {
    try {
      config.onError?.(error, { method: request.method, path: new URL(request.url).pathname });
    } catch {
      // A failing hook must not turn a refusal into a 500.
    }
  };

  // The per-request work lives in module-level functions over this state (authenticate.ts):
  // every provider in a process shares their optimised code.
  const auth = createAuthenticator(config, jwks, report);
  const authenticate = (request: Request): Promise<AuthResult> => authenticateRequest(auth, request);
  const protectedEndpoint = (pathname: string): string | undefined => protectedEndpointOf(auth, pathname);
  const stats = auth.stats;

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
      // The session ends with the exchange: when the adapter's signal says so, else with the body.
      const endsWithSignal = context !== undefined && endWithSignal(request, context);
      return {
        action: "continue",
        context,
        corsHeaders: cors ? corsHeaders(origin) : {},
        finish: async (response) => {
          let out = response;
          if (filterTools && context) out = await filterToolsList(out, toolAllowed(context));
          if (cors) out = withCors(out, origin);
          return context && !endsWithSignal ? onBodyEnd(out, () => endSession(context.session)) : out;
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
    if (decision.context !== result.context) endSession(result.context.session);
    if (decision.response) {
      endSession(decision.context.session);
      return { action: "respond", response: corsFor(decision.response, origin) };
    }
    const filter = config.hideForbiddenTools && decision.calls?.some((c) => c.method === "tools/list") === true;
    // The body the policies parsed goes on to the MCP handler (`parsedBody`): parsed once.
    const context =
      decision.parsedBody === undefined ? decision.context : withParsedBody(decision.context, decision.parsedBody);
    return pass(context, filter);
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
