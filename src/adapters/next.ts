/**
 * Next.js App Router adapter (Node.js and Edge runtimes: web `Request`/`Response` only).
 * Route handlers for the MCP endpoint, and ready handlers for the two discovery routes.
 */
import type { WorkOSConfig } from "../core/config.js";
import { type WorkOSProvider, workosProvider } from "../core/provider.js";
import type { RequestContext } from "../core/session.js";

/** A route handler that receives the verified context. `route` is Next's second argument (`{ params }`). */
export type AuthedRouteHandler<Route> = (
  request: Request,
  context: RequestContext,
  route: Route,
) => Response | Promise<Response>;

const toProvider = (p: WorkOSProvider | WorkOSConfig): WorkOSProvider => ("handler" in p ? p : workosProvider(p));

/**
 * Wraps a route handler: CORS preflights, authentication and policies, then `handler`.
 * Fails closed: a route outside the configured `endpoint` answers 500 naming the option.
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
  providerOrConfig: WorkOSProvider | WorkOSConfig,
): (request: Request, route: Route) => Promise<Response> {
  const run = toProvider(providerOrConfig).handler((request, context, route: Route) =>
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
  return (request, route) => run(request, route);
}

/**
 * `{ GET, POST, DELETE, OPTIONS }` for an MCP route file.
 *
 * @example
 * ```ts
 * export const { GET, POST, DELETE, OPTIONS } = createMcpRoute(auth, (req, ctx) => mcp.fetch(req, { authInfo: ctx.authInfo }));
 * ```
 */
export function createMcpRoute<Route = unknown>(
  providerOrConfig: WorkOSProvider | WorkOSConfig,
  handler: AuthedRouteHandler<Route>,
) {
  const route = withWorkOS(handler, providerOrConfig);
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
export function discoveryRoute(providerOrConfig: WorkOSProvider | WorkOSConfig) {
  const provider = toProvider(providerOrConfig);
  const serve = async (request: Request) =>
    (await provider.metadata(request)) ?? Response.json({ error: "not_found" }, { status: 404 });
  return { GET: serve, HEAD: serve, OPTIONS: serve };
}
