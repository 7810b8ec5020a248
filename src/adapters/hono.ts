/**
 * Hono adapter: a middleware that serves the discovery routes, answers preflights,
 * authenticates the protected paths, enforces the policies and sets the request context as
 * the typed variable `workos`, so `getSession(c)` works in route handlers.
 *
 * @module authkit-mcp/hono
 */
import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import type { WorkOSConfig } from "../core/config.js";
import { type WorkOSProvider, workosProvider } from "../core/provider.js";
import type { RequestContext } from "../core/session.js";

/**
 * The middleware's `Env`: `c.get("workos")` is the request context on protected paths.
 *
 * @example
 * ```ts
 * const app = new Hono<WorkOSHonoEnv>(); // c.get("workos") is typed
 * ```
 */
export type WorkOSHonoEnv = { Variables: { workos: RequestContext } };

/**
 * Creates the middleware from a provider or its options. Mount it before your MCP route.
 *
 * @example
 * ```ts
 * const app = new Hono<WorkOSHonoEnv>();
 * app.use(workos({ clientId, baseURL, authkitDomain }));
 * app.all("/mcp", (c) => mcp.fetch(c.req.raw, { authInfo: c.get("workos").authInfo }));
 * ```
 */
export function workos(providerOrConfig: WorkOSProvider | WorkOSConfig): MiddlewareHandler<WorkOSHonoEnv> {
  const provider = "handler" in providerOrConfig ? providerOrConfig : workosProvider(providerOrConfig);
  const run = provider.handler(async (_request, context, c: Context<WorkOSHonoEnv>, next: () => Promise<void>) => {
    if (context) c.set("workos", context);
    await next();
    return c.res;
  });
  return createMiddleware<WorkOSHonoEnv>(async (c, next) => {
    let reachedNext = false;
    const response = await run(c.req.raw, c, async () => {
      reachedNext = true;
      await next();
    });
    if (!reachedNext) return response; // answered here: discovery, preflight, refusal
    if (response !== c.res) c.res = response; // CORS headers or a filtered tools/list
  });
}

/**
 * The request context of a Hono request (`undefined` off the protected paths).
 *
 * @example
 * ```ts
 * app.get("/me", (c) => c.json({ user: getWorkOS(c)?.session.userId }));
 * ```
 */
export function getWorkOS(c: Context<WorkOSHonoEnv>): RequestContext | undefined {
  return c.get("workos");
}
