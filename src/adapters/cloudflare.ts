/**
 * Cloudflare Workers adapter: builds the provider from the Worker's env (the original
 * plugin's variable names), once per isolate, and wraps the Worker's `fetch`.
 *
 * @module authkit-mcp/cloudflare
 */
import type { WorkOSConfig } from "../core/config.js";
import { ConfigError } from "../core/errors.js";
import { cacheApiRolesStore } from "../core/jwks-stores.js";
import { type WorkOSProvider, workosProvider } from "../core/provider.js";
import type { RequestContext } from "../core/session.js";

/**
 * The Worker env variables read by {@link withWorkOS}.
 *
 * @example
 * ```ts
 * const env: WorkOSEnv = { WORKOS_CLIENT_ID: "client_...", WORKOS_AUTHKIT_DOMAIN: "acme.authkit.app", BASE_URL: "https://mcp.example.com" };
 * ```
 */
export interface WorkOSEnv {
  readonly WORKOS_API_KEY?: string;
  readonly WORKOS_CLIENT_ID?: string;
  readonly WORKOS_AUTHKIT_DOMAIN?: string;
  readonly BASE_URL?: string;
  /** WorkOS API base URL; default `https://api.workos.com` (the local AuthKit sets it). */
  readonly WORKOS_API_URL?: string;
  /** WorkOS SDK retries for transient failures (`apiMaxRetries`), e.g. "0". */
  readonly WORKOS_API_MAX_RETRIES?: string;
}

/**
 * A Worker fetch handler that also receives the request context (`undefined` off the protected paths).
 *
 * @example
 * ```ts
 * const handler: WorkerHandler<Env, ExecutionContext> = (req, env, ctx, context) => new Response(context?.session.userId);
 * ```
 */
export type WorkerHandler<Env, Ctx> = (
  request: Request,
  env: Env,
  ctx: Ctx,
  context: RequestContext | undefined,
) => Response | Promise<Response>;

/**
 * Extra provider options, fixed or computed from the env.
 *
 * @example
 * ```ts
 * const options: WorkerOptions<Env> = (env) => ({ scopes: env.MCP_SCOPES?.split(" ") });
 * ```
 */
export type WorkerOptions<Env> = Partial<WorkOSConfig> | ((env: Env) => Partial<WorkOSConfig>);

/**
 * Maps the env to provider options: `WORKOS_API_KEY`, `WORKOS_CLIENT_ID`,
 * `WORKOS_AUTHKIT_DOMAIN`, `BASE_URL`, `WORKOS_API_URL`, then `options` on top.
 *
 * @example
 * ```ts
 * const config = configFromEnv(env, { scopes: ["mcp:read"] });
 * ```
 */
export function configFromEnv<Env extends WorkOSEnv>(env: Env, options?: WorkerOptions<Env>): WorkOSConfig {
  const extra = typeof options === "function" ? options(env) : (options ?? {});
  const hasCaches = typeof (globalThis as { caches?: { default?: unknown } }).caches?.default === "object";
  return {
    apiKey: env.WORKOS_API_KEY,
    clientId: env.WORKOS_CLIENT_ID ?? "",
    authkitDomain: env.WORKOS_AUTHKIT_DOMAIN ?? "",
    baseURL: env.BASE_URL ?? "",
    apiURL: env.WORKOS_API_URL || undefined,
    ...(env.WORKOS_API_MAX_RETRIES && { apiMaxRetries: Number(env.WORKOS_API_MAX_RETRIES) }),
    ...extra,
    // Roles resolved by one isolate serve the others of the data center (Workers Cache API).
    ...(hasCaches &&
      env.WORKOS_API_KEY &&
      extra.roles?.source !== "token" && { roles: { store: cacheApiRolesStore(), ...extra.roles } }),
  };
}

/**
 * Wraps a Worker: discovery routes, CORS preflights and authentication of the protected
 * paths are handled; `handler` gets the verified context. The provider is created on the
 * first request of an isolate (and again only if the env's string values change), so its
 * JWKS cache is shared by every request the isolate serves. A misconfigured env is
 * answered 500 with the `ConfigError` message (it names the option, never a value) and
 * logged with `console.error`.
 *
 * @example
 * ```ts
 * export default withWorkOS((request, env, ctx, context) =>
 *   mcp.fetch(request, { authInfo: context?.authInfo }));
 * ```
 */
export function withWorkOS<Env extends WorkOSEnv = WorkOSEnv, Ctx = unknown>(
  handler: WorkerHandler<Env, Ctx>,
  options?: WorkerOptions<Env>,
): { fetch(request: Request, env: Env, ctx: Ctx): Promise<Response> } {
  let current: { key: string; run: (request: Request, env: Env, ctx: Ctx) => Promise<Response> } | undefined;
  return {
    async fetch(request, env, ctx) {
      const key = envKey(env);
      if (current?.key !== key) {
        let provider: WorkOSProvider;
        try {
          provider = workosProvider(configFromEnv(env, options));
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          console.error(error.message);
          return Response.json(
            { error: "server_misconfigured", message: `${error.message} (${ENV_NAMES[error.option] ?? error.option})` },
            { status: 500, headers: { "cache-control": "no-store" } },
          );
        }
        current = { key, run: provider.handler((req, context, e: Env, c: Ctx) => handler(req, e, c, context)) };
      }
      return current.run(request, env, ctx);
    },
  };
}

const ENV_NAMES: Record<string, string> = {
  apiKey: "WORKOS_API_KEY",
  clientId: "WORKOS_CLIENT_ID",
  authkitDomain: "WORKOS_AUTHKIT_DOMAIN",
  baseURL: "BASE_URL",
  apiURL: "WORKOS_API_URL",
  apiMaxRetries: "WORKOS_API_MAX_RETRIES",
};

/** Identifies an env by its string values (env objects need not be the same object per request). */
function envKey(env: object): string {
  return JSON.stringify(Object.entries(env).filter(([, v]) => typeof v === "string"));
}
