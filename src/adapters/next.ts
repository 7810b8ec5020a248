/**
 * Next.js App Router adapter (Node.js and Edge runtimes: web `Request`/`Response` only).
 * Route handlers for the MCP endpoint, and ready handlers for the two discovery routes.
 *
 * @module authkit-mcp/next
 */
import type { WorkOSConfig } from "../core/config.js";
import { type WorkOSProvider, workosProvider } from "../core/provider.js";
import type { RequestContext } from "../core/session.js";

/**
 * A route handler that receives the verified context. `route` is Next's second argument (`{ params }`).
 *
 * @example
 * ```ts
 * const handler: AuthedRouteHandler<unknown> = (req, ctx) => Response.json({ user: ctx.session.userId });
 * ```
 */
export type AuthedRouteHandler<Route> = (
  request: Request,
  context: RequestContext,
  route: Route,
) => Response | Promise<Response>;

/**
 * A provider, its options, or a function returning either (called on the first request, so env read at run time).
 *
 * @example
 * ```ts
 * const source: ProviderSource = () => workosProvider({ clientId: process.env.WORKOS_CLIENT_ID!, baseURL, authkitDomain });
 * ```
 */
export type ProviderSource = WorkOSProvider | WorkOSConfig | (() => WorkOSProvider | WorkOSConfig);

// One provider per source: the MCP route and the discovery routes that share `auth` (a config
// object or a function) share its JWKS, metadata and token caches.
const providers = new WeakMap<object, WorkOSProvider>();

function lazyProvider(source: ProviderSource): () => WorkOSProvider {
  return () => {
    let provider = providers.get(source);
    if (provider === undefined) {
      const p = typeof source === "function" ? source() : source;
      provider = "handler" in p ? p : workosProvider(p);
      providers.set(source, provider);
    }
    return provider;
  };
}

/**
 * Wraps a route handler: CORS preflights, authentication and policies, then `handler`.
 * Fails closed: a route outside the configured `endpoint` answers 500 naming the option.
 * `source` may be a function, called on the first request (Next evaluates route modules at
 * build time, when the WorkOS variables may not be set).
 *
 * @example
 * ```ts
 * // app/mcp/route.ts
 * const handler = withWorkOS((req, ctx) => mcp.fetch(req, { authInfo: ctx.authInfo }), auth);
 * export { handler as GET, handler as POST, handler as DELETE, handler as OPTIONS };
 * ```
 */
export function withWorkOS<Route = unknown>(
  handler: AuthedRouteHandler<Route>,
  source: ProviderSource,
): (request: Request, route: Route) => Promise<Response> {
  const provider = lazyProvider(source);
  let run: ((request: Request, route: Route) => Promise<Response>) | undefined;
  const make = () =>
    provider().handler((request, context, route: Route) =>
      context
        ? handler(request, context, route)
        : Response.json(
            {
              error: "server_misconfigured",
              message: "[WorkOS] This route is not under a protected endpoint (option: endpoint)",
            },
            { status: 500 },
          ),
    );
  return (request, route) => {
    run ??= make();
    return run(request, route);
  };
}

/**
 * `{ GET, POST, DELETE, OPTIONS }` for an MCP route file.
 *
 * @example
 * ```ts
 * export const { GET, POST, DELETE, OPTIONS } = createMcpRoute(auth, (req, ctx) => mcp.fetch(req, { authInfo: ctx.authInfo }));
 * ```
 */
export function createMcpRoute<Route = unknown>(source: ProviderSource, handler: AuthedRouteHandler<Route>) {
  const route = withWorkOS(handler, source);
  return { GET: route, POST: route, DELETE: route, OPTIONS: route };
}

/**
 * Handlers for `app/.well-known/oauth-protected-resource/[[...path]]/route.ts` (root and
 * path-suffixed RFC 9728 documents) and `app/.well-known/oauth-authorization-server/route.ts`.
 *
 * @example
 * ```ts
 * export const { GET, OPTIONS } = discoveryRoute(auth);
 * ```
 */
export function discoveryRoute(source: ProviderSource) {
  const provider = lazyProvider(source);
  const serve = async (request: Request) =>
    (await provider().metadata(request)) ?? Response.json({ error: "not_found" }, { status: 404 });
  return { GET: serve, HEAD: serve, OPTIONS: serve };
}
