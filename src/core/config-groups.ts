/**
 * The grouped options of `workosProvider()` (one object per feature): `roles` (live roles and
 * permissions) and `machineTokens` (AuthKit M2M tokens). Validated once, at construction.
 */
import { ConfigError } from "./errors.js";
import type { RolesStore } from "./roles.js";

/**
 * The `roles` option: where `role`, `roles` and `permissions` come from.
 *
 * @example
 * ```ts
 * workosProvider({ ...config, roles: { ttl: 30, store: cacheApiRolesStore() } });
 * ```
 */
export interface RolesOptions {
  /**
   * `"auto"` (default with an `apiKey`): signed token claims when the token carries them,
   * else the WorkOS API. `"live"`: always the WorkOS API (a role taken away counts within
   * `ttl`, even for tokens a JWT template filled). `"token"` (default without an `apiKey`):
   * claims only, never the API.
   */
  readonly source?: "auto" | "live" | "token" | undefined;
  /** Seconds a resolved membership (and an organization's role permissions) is reused. Default 60; 0: per request only. */
  readonly ttl?: number | undefined;
  /** Shares resolved roles across isolates or processes (e.g. `cacheApiRolesStore()` on Workers). */
  readonly store?: RolesStore | undefined;
  /**
   * Which `tools/call` requests resolve roles before the tool runs, for guards inside tools
   * (`requireRole`, `requirePermission`, `session.role`): `"all"` (default) or tool names.
   * Policies (`policy`, `tools`) and `hideForbiddenTools` resolve what they need regardless.
   */
  readonly tools?: "all" | readonly string[] | undefined;
}

/**
 * The `machineTokens` option: accept AuthKit M2M (client credentials) tokens, whose `aud` is
 * the environment client id. `true` for any M2M application of the environment, or
 * `{ clients }` for these client ids only.
 *
 * @example
 * ```ts
 * workosProvider({ ...config, machineTokens: { clients: ["client_01REPORTER"] } });
 * ```
 */
export type MachineTokensOption = boolean | { readonly clients: readonly string[] };

/**
 * The validated `roles` option (`auth.config.roles`).
 *
 * @example
 * ```ts
 * const { source, ttl }: ResolvedRolesOption = auth.config.roles;
 * ```
 */
export interface ResolvedRolesOption {
  readonly source: "auto" | "live" | "token";
  readonly ttl: number;
  readonly store: RolesStore | undefined;
  readonly tools: "all" | ReadonlySet<string>;
}

/**
 * The validated `machineTokens` option: `false`, or the accepted client ids (`"any"`).
 *
 * @example
 * ```ts
 * const accepts: boolean = auth.config.machineTokens !== false;
 * ```
 */
export type ResolvedMachineTokens = false | { readonly clients: ReadonlySet<string> | "any" };

function fail(option: string, message: string): never {
  throw new ConfigError(option, message);
}

/**
 * Validates `roles`. `apiKey` decides the default source; role checks without one fail here
 * (`needsRoles`: a policy checks a role or permission), naming `apiKey`.
 */
export function parseRolesOption(raw: unknown, apiKey: string | undefined, needsRoles: boolean): ResolvedRolesOption {
  if (raw !== undefined && (raw === null || typeof raw !== "object" || Array.isArray(raw)))
    fail("roles", "Invalid config: roles must be an object like { source, ttl, store, tools }");
  const r = (raw ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(r))
    if (!["source", "ttl", "store", "tools"].includes(key))
      fail("roles", `Invalid config: roles has an unknown field ${key}`);
  const source = r.source ?? (apiKey === undefined && raw === undefined ? "token" : "auto");
  if (source !== "auto" && source !== "live" && source !== "token")
    fail("roles.source", 'Invalid config: roles.source must be "auto", "live" or "token"');
  if (source !== "token" && apiKey === undefined)
    fail(
      "apiKey",
      'Missing required config: apiKey. AuthKit\'s MCP access tokens carry no role or permissions, so they are looked up in the WorkOS API with the API key (set roles.source to "token" if a JWT template puts them in your tokens)',
    );
  if (source === "token" && needsRoles && apiKey === undefined && raw === undefined)
    fail(
      "apiKey",
      'Missing required config: apiKey. A policy checks roles or permissions, and AuthKit\'s MCP access tokens carry no role or permissions: they are looked up in the WorkOS API with the API key (set roles.source to "token" if a JWT template puts them in your tokens)',
    );
  const ttl = r.ttl ?? 60;
  if (typeof ttl !== "number" || !Number.isFinite(ttl) || ttl < 0 || ttl > 3600)
    fail("roles.ttl", "Invalid config: roles.ttl must be seconds between 0 and 3600");
  const store = r.store as Partial<RolesStore> | undefined;
  if (store !== undefined && (!store || typeof store.get !== "function" || typeof store.put !== "function"))
    fail("roles.store", "Invalid config: roles.store must have get() and put()");
  let tools: "all" | ReadonlySet<string> = "all";
  if (r.tools !== undefined && r.tools !== "all") {
    if (!Array.isArray(r.tools) || r.tools.some((t) => typeof t !== "string" || t === ""))
      fail("roles.tools", 'Invalid config: roles.tools must be "all" or a list of tool names');
    tools = new Set(r.tools as string[]);
  }
  return Object.freeze({ source, ttl, store: store as RolesStore | undefined, tools });
}

/** Validates `machineTokens`. */
export function parseMachineTokens(raw: unknown): ResolvedMachineTokens {
  if (raw === undefined || raw === false) return false;
  if (raw === true) return Object.freeze({ clients: "any" as const });
  const clients = (raw as { clients?: unknown } | null)?.clients;
  if (
    typeof raw !== "object" ||
    !Array.isArray(clients) ||
    clients.length === 0 ||
    clients.some((c) => typeof c !== "string" || c === "")
  )
    fail("machineTokens", "Invalid config: machineTokens must be true, false or { clients: [client ids] }");
  return Object.freeze({ clients: new Set(clients as string[]) });
}
