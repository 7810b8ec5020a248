/**
 * Authorization guards: organization, role, permission and scope checks on the verified
 * session, usable in any tool on any runtime. Each returns the narrowed session or throws an
 * error with a stable `code` and the original plugin's message.
 *
 * Scope checks honour the provider's `scopeHierarchy` (e.g. `mcp:write` implies `mcp:read`).
 */
import { getSession, type SessionSource } from "./context.js";
import { WorkOSMcpError } from "./errors.js";
import { issuerOf } from "./issued.js";
import type { Session } from "./session.js";

/**
 * Why a guard refused: something re-consenting cannot fix (so: a tool error, never a 403).
 *
 * @example
 * ```ts
 * if (error instanceof ForbiddenError && error.code === "role_required") console.warn(error.message);
 * ```
 */
export type ForbiddenCode =
  | "organization_required"
  | "role_required"
  | "permission_required"
  | "user_required"
  | "roles_unavailable";

/**
 * A role, permission or organization requirement is not met. Its message is the original
 * plugin's ("Admin role required", "users:manage permission required", ...).
 *
 * @example
 * ```ts
 * try { requireRole("admin", ctx); } catch (e) { if (e instanceof ForbiddenError) console.log(e.code); }
 * ```
 */
export class ForbiddenError extends WorkOSMcpError {
  /** What was required (role slugs or permissions; empty for an organization). */
  readonly required: readonly string[];
  constructor(code: ForbiddenCode, message: string, required: readonly string[] = []) {
    super(code, message);
    this.required = required;
  }
}

/**
 * The WorkOS API could not answer, so no role was resolved (fail closed). A guard that needed
 * the role throws this: the tool error names the cause. `retryAfter` is in seconds.
 *
 * @example
 * ```ts
 * try { requireRole("admin", ctx); } catch (e) { if (e instanceof RolesUnavailableError) console.warn(e.retryAfter); }
 * ```
 */
export class RolesUnavailableError extends ForbiddenError {
  readonly retryAfter: number;
  /** Internal detail for logs (HTTP status, timeout): never the API key. */
  readonly detail: string;
  constructor(detail: string, retryAfter: number, required: readonly string[] = []) {
    super(
      "roles_unavailable",
      `Your role could not be checked: the WorkOS API is unavailable (${detail}). Try again in ${retryAfter} s.`,
      required,
    );
    this.detail = detail;
    this.retryAfter = retryAfter;
  }
}

/**
 * The token lacks scopes: re-authorizing with `scopes` (all the operation needs) can fix it.
 * The provider turns it into `403 insufficient_scope` when it enforces a policy before the tool.
 *
 * @example
 * ```ts
 * try { requireScope("mcp:write", ctx); } catch (e) { if (e instanceof InsufficientScopeError) e.scopes; }
 * ```
 */
export class InsufficientScopeError extends WorkOSMcpError {
  readonly scopes: readonly string[];
  constructor(scopes: readonly string[]) {
    super("insufficient_scope", `Insufficient scope: ${scopes.join(" ")} required`);
    this.scopes = scopes;
  }
}

/**
 * Scope → scopes it implies.
 *
 * @example
 * ```ts
 * const hierarchy: ScopeHierarchy = { "mcp:admin": ["mcp:write"], "mcp:write": ["mcp:read"] };
 * ```
 */
export type ScopeHierarchy = Readonly<Record<string, readonly string[]>>;

const effectiveScopes = new WeakMap<Session, ReadonlySet<string>>();

/**
 * The token's scopes closed over the hierarchy (`mcp:write` ⇒ `mcp:read`).
 *
 * @example
 * ```ts
 * expandScopes(["mcp:write"], { "mcp:write": ["mcp:read"] }); // Set { "mcp:write", "mcp:read" }
 * ```
 */
export function expandScopes(scopes: readonly string[], hierarchy: ScopeHierarchy): Set<string> {
  const out = new Set<string>();
  const stack = [...scopes];
  while (stack.length > 0) {
    const scope = stack.pop() as string;
    if (out.has(scope)) continue;
    out.add(scope);
    stack.push(...(hierarchy[scope] ?? []));
  }
  return out;
}

/**
 * Whether the session's token grants `scope`, honouring the hierarchy of the provider that
 * verified it (computed on first use, then memoised per session).
 *
 * @example
 * ```ts
 * const canWrite = hasScope(getSession(ctx), "mcp:write");
 * ```
 */
export function hasScope(session: Session, scope: string): boolean {
  let effective = effectiveScopes.get(session);
  if (effective === undefined) {
    const owner = issuerOf(session) as { scopeHierarchy?: ScopeHierarchy } | undefined;
    effective = expandScopes(session.scopes, owner?.scopeHierarchy ?? {});
    effectiveScopes.set(session, effective);
  }
  return effective.has(scope);
}

const list = (v: string | readonly string[]): readonly string[] => (typeof v === "string" ? [v] : v);
const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Session with an organization (after {@link requireOrganization}).
 *
 * @example
 * ```ts
 * const { organizationId }: OrganizationSession = requireOrganization(ctx);
 * ```
 */
export type OrganizationSession = Session & { readonly organizationId: string };
/**
 * Session with a role (after {@link requireRole}).
 *
 * @example
 * ```ts
 * const { role }: RoleSession = requireRole("admin", ctx);
 * ```
 */
export type RoleSession = Session & { readonly role: string };
/**
 * Session with permissions (after {@link requirePermission}).
 *
 * @example
 * ```ts
 * const { permissions }: PermissionSession = requirePermission("users:manage", ctx);
 * ```
 */
export type PermissionSession = Session & { readonly permissions: readonly string[] };

/**
 * Requires an organization (`org_id`). Reads `session.organizationId`.
 *
 * @example
 * ```ts
 * const { organizationId } = requireOrganization(ctx); // string, not string | undefined
 * ```
 */
export function requireOrganization(source?: SessionSource | unknown): OrganizationSession {
  const session = getSession(source);
  if (!session.organizationId)
    throw new ForbiddenError("organization_required", "This tool requires organization membership");
  return session as OrganizationSession;
}

/**
 * Requires one of `roles`, in `role` or `roles` (AuthKit multi-role): signed claims when the
 * token carries them, else the membership of `sub` in `org_id` from the WorkOS API (the
 * provider resolves it before the tool runs). A failed lookup refuses with
 * `roles_unavailable`. Does NOT check the organization: a role is always an organization
 * role in AuthKit, and a user with no membership has none.
 *
 * @example
 * ```ts
 * requireRole("admin", ctx);               // "Admin role required"
 * requireRole(["admin", "owner"], ctx);    // either
 * ```
 */
export function requireRole(roles: string | readonly string[], source?: SessionSource | unknown): RoleSession {
  const wanted = list(roles);
  const session = getSession(source);
  const held = new Set([...(session.role !== undefined ? [session.role] : []), ...(session.roles ?? [])]);
  if (!wanted.some((r) => held.has(r))) {
    const message =
      wanted.length === 1
        ? `${capitalise(wanted[0] as string)} role required`
        : `One of these roles required: ${wanted.join(", ")}`;
    throw refusal(session, "role_required", message, wanted);
  }
  return session as RoleSession;
}

const roleFailures = new WeakMap<Session, { detail: string; retryAfter: number }>();

/** Records why the session's roles could not be resolved (the provider does this). Internal. */
export function markRolesUnavailable(session: Session, error: RolesUnavailableError): void {
  roleFailures.set(session, { detail: error.detail, retryAfter: error.retryAfter });
}

/** The refusal for a missing role or permission, saying so when the role was never known. */
function refusal(session: Session, code: ForbiddenCode, message: string, required: readonly string[]): ForbiddenError {
  if (session.roleSource === "unavailable") {
    const failure = roleFailures.get(session) ?? { detail: "no answer", retryAfter: 5 };
    return new RolesUnavailableError(failure.detail, failure.retryAfter, required);
  }
  if (session.roleSource === "unresolved")
    return new ForbiddenError(
      code,
      `${message} (roles were not looked up for this request: list this tool in the roles.tools option, or use a policy)`,
      required,
    );
  return new ForbiddenError(code, message, required);
}

/**
 * Session of a person (after {@link requireUser}).
 *
 * @example
 * ```ts
 * const { userId }: UserSession = requireUser(ctx);
 * ```
 */
export type UserSession = Session & { readonly kind: "user" };

/**
 * Requires a signed-in user: refuses machine (client credentials) tokens with `user_required`.
 *
 * @example
 * ```ts
 * const { userId } = requireUser(ctx); // "This tool requires a signed-in user" for an M2M client
 * ```
 */
export function requireUser(source?: SessionSource | unknown): UserSession {
  const session = getSession(source);
  if (session.kind !== "user")
    throw new ForbiddenError("user_required", "This tool requires a signed-in user (machine clients are not allowed)");
  return session as UserSession;
}

/**
 * Requires every one of `permissions`: the `permissions` claim when the token carries it,
 * else the permissions of the caller's roles resolved through the WorkOS API (see the
 * `roles` option). A failed lookup refuses with `roles_unavailable`, never grants.
 *
 * @example
 * ```ts
 * requirePermission("users:manage", ctx); // "users:manage permission required"
 * ```
 */
export function requirePermission(
  permissions: string | readonly string[],
  source?: SessionSource | unknown,
): PermissionSession {
  const wanted = list(permissions);
  const session = getSession(source);
  const held = new Set(session.permissions ?? []);
  const missing = wanted.filter((p) => !held.has(p));
  if (missing.length > 0) {
    throw refusal(
      session,
      "permission_required",
      missing.length === 1 ? `${missing[0]} permission required` : `${missing.join(", ")} permissions required`,
      missing,
    );
  }
  return session as PermissionSession;
}

/**
 * Requires every one of `scopes` (the `scope` claim, hierarchy honoured). Throws
 * {@link InsufficientScopeError} listing all of `scopes` (MCP 2026-07-28: one challenge with
 * every scope the operation needs).
 *
 * @example
 * ```ts
 * requireScope(["mcp:write"], ctx);
 * ```
 */
export function requireScope(scopes: string | readonly string[], source?: SessionSource | unknown): Session {
  const wanted = list(scopes);
  const session = getSession(source);
  if (!wanted.every((s) => hasScope(session, s))) throw new InsufficientScopeError(wanted);
  return session;
}
