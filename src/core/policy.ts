/**
 * Declarative authorization: a policy per tool (and one for the whole endpoint), enforced
 * by the provider before the MCP handler runs, or attached to a tool with `withPolicy`.
 *
 * - a missing scope → `403 insufficient_scope` with every scope the operation needs (step-up,
 *   RFC 6750 §3.1, MCP 2026-07-28);
 * - a missing role / permission / organization → a tool error with the original plugin's
 *   message (re-consenting cannot fix it, so no 403 that would loop the client).
 */
import { findSession, getSession } from "./context.js";
import { ConfigError } from "./errors.js";
import {
  ForbiddenError,
  hasScope,
  InsufficientScopeError,
  requireOrganization,
  requirePermission,
  requireRole,
  requireUser,
} from "./guards.js";
import type { Session } from "./session.js";

/**
 * What a tool (or the endpoint) requires. `roles`: any one of them; `permissions` and
 * `scopes`: all of them.
 *
 * @example
 * ```ts
 * const policy: Policy = { scopes: ["mcp:write"], permissions: ["users:manage"], organization: true };
 * ```
 */
export interface Policy {
  readonly scopes?: readonly string[];
  /** `true`: a signed-in user only (machine tokens refused with `user_required`). */
  readonly user?: boolean;
  readonly permissions?: readonly string[];
  readonly roles?: readonly string[];
  readonly organization?: boolean;
}

/**
 * Checks `policy` against `session`: `undefined` when allowed, else the error to report.
 * Scopes are checked first (step-up can fix them), then organization, roles, permissions.
 *
 * @example
 * ```ts
 * const denied = checkPolicy(getSession(ctx), { roles: ["admin"] });
 * ```
 */
export function checkPolicy(session: Session, policy: Policy): InsufficientScopeError | ForbiddenError | undefined {
  const scopes = policy.scopes ?? [];
  if (!scopes.every((s) => hasScope(session, s))) return new InsufficientScopeError(scopes);
  try {
    if (policy.user) requireUser({ session });
    if (policy.organization) requireOrganization({ session });
    if (policy.roles && policy.roles.length > 0) requireRole(policy.roles, { session });
    if (policy.permissions && policy.permissions.length > 0) requirePermission(policy.permissions, { session });
  } catch (error) {
    if (error instanceof ForbiddenError) return error;
    throw error;
  }
  return undefined;
}

/**
 * Wraps a tool callback so `policy` is checked before it runs; a refusal is thrown, which the
 * MCP SDK reports as a tool error with the message. Works with either callback shape
 * (`(ctx)` or `(args, ctx)`): the session comes from the last argument.
 *
 * @example
 * ```ts
 * server.registerTool("delete-user", { inputSchema }, withPolicy({ permissions: ["users:manage"] }, async (args, ctx) => ...));
 * ```
 */
export function withPolicy<A extends unknown[], R>(policy: Policy, handler: (...args: A) => R): (...args: A) => R {
  return (...args: A): R => {
    const denied = checkPolicy(getSession(args[args.length - 1]), policy);
    if (denied) throw denied;
    return handler(...args);
  };
}

// RFC 6749 §3.3 scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

function fail(option: string, message: string): never {
  throw new ConfigError(option, message);
}

function stringList(option: string, raw: unknown): string[] {
  const list = typeof raw === "string" ? [raw] : raw;
  if (!Array.isArray(list) || list.some((v) => typeof v !== "string" || v === ""))
    fail(option, `Invalid config: ${option} must be a string or a list of non-empty strings`);
  return [...new Set(list as string[])];
}

/**
 * A `scopeChallenge` for `@modelcontextprotocol/server` v2's `registerTool` config: the SDK
 * answers `403 insufficient_scope` with `scopes` (all of them) before the tool runs when the
 * token lacks one, honouring the provider's scope hierarchy. Unauthenticated requests are left
 * to the provider.
 *
 * @example
 * ```ts
 * server.registerTool("write-note", { inputSchema, scopeChallenge: scopeChallenge(["mcp:write"]) }, handler);
 * ```
 */
export function scopeChallenge(scopes: readonly [string, ...string[]]) {
  const required = [...scopes] as [string, ...string[]];
  return (context: { authInfo?: unknown }): { scopes: [string, ...string[]] } | undefined => {
    const session = findSession({ authInfo: context.authInfo });
    if (session === undefined) return undefined;
    return required.every((s) => hasScope(session, s)) ? undefined : { scopes: required };
  };
}

/** Validates a list of RFC 6749 scope tokens, never `offline_access`; throws `ConfigError` naming `option`. */
export function parseScopes(option: string, raw: unknown): string[] {
  if (raw === undefined) return [];
  const list = stringList(option, raw);
  for (const s of list) {
    if (!SCOPE_TOKEN.test(s))
      fail(option, `Invalid config: ${option} must be RFC 6749 scope tokens (no spaces or quotes)`);
    // MCP 2026-07-28 "Refresh Tokens": servers must not advertise offline_access.
    if (s === "offline_access") fail(option, `Invalid config: ${option} must not include offline_access`);
  }
  return list;
}

export function parsePolicy(option: string, raw: unknown): Policy {
  if (!raw || typeof raw !== "object" || Array.isArray(raw))
    fail(option, `Invalid config: ${option} must be an object like { scopes, roles, permissions, organization }`);
  const p = raw as Record<string, unknown>;
  for (const key of Object.keys(p)) {
    if (!["scopes", "roles", "permissions", "organization", "user"].includes(key))
      fail(option, `Invalid config: ${option} has an unknown field ${key}`);
  }
  if (p.organization !== undefined && typeof p.organization !== "boolean")
    fail(option, `Invalid config: ${option}.organization must be a boolean`);
  if (p.user !== undefined && typeof p.user !== "boolean")
    fail(option, `Invalid config: ${option}.user must be a boolean`);
  return Object.freeze({
    ...(p.scopes !== undefined && { scopes: Object.freeze(parseScopes(`${option}.scopes`, p.scopes)) }),
    ...(p.roles !== undefined && { roles: Object.freeze(stringList(`${option}.roles`, p.roles)) }),
    ...(p.permissions !== undefined && {
      permissions: Object.freeze(stringList(`${option}.permissions`, p.permissions)),
    }),
    ...(p.organization === true && { organization: true }),
    ...(p.user === true && { user: true }),
  });
}

/** Whether `policy` checks a role or a permission (which may need the WorkOS API). */
export function needsRoles(policy: Policy): boolean {
  return (policy.roles?.length ?? 0) > 0 || (policy.permissions?.length ?? 0) > 0;
}
