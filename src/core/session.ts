/**
 * From verified JWT claims to the `Session`, the MCP SDK's `AuthInfo`, and the request context.
 */
import { AuthError } from "./errors.js";
import { markIssued } from "./issued.js";
import { ReadOnlyDate } from "./read-only.js";
import { privateSlot } from "./slots.js";

/**
 * The AuthKit access-token claims. The first nine are the original plugin's `JWTClaims`;
 * the rest are AuthKit claims mapped when present. Unknown claims are kept too.
 *
 * @example
 * ```ts
 * const { org_id, permissions } = getSession(ctx).claims;
 * ```
 */
export interface JWTClaims {
  readonly sub: string;
  /** Session id. Absent on machine-to-machine (client credentials) tokens: then `""`. */
  readonly sid: string;
  readonly iss: string;
  readonly org_id?: string;
  readonly role?: string;
  readonly permissions?: readonly string[];
  readonly exp: number;
  readonly iat: number;
  readonly aud?: string | readonly string[];
  readonly client_id?: string;
  readonly scope?: string;
  readonly roles?: readonly string[];
  readonly entitlements?: readonly string[];
  readonly feature_flags?: readonly string[];
  readonly act?: { readonly sub: string; readonly [claim: string]: unknown };
  readonly jti?: string;
  readonly nbf?: number;
  readonly [claim: string]: unknown;
}

/**
 * The authenticated caller. The first eight fields are the original plugin's `Session`.
 *
 * @example
 * ```ts
 * const { userId, organizationId, role, scopes } = getSession(ctx);
 * ```
 */
export interface Session {
  readonly userId: string;
  /** `sid`, or `""` for machine tokens that carry none. */
  readonly sessionId: string;
  readonly organizationId?: string;
  readonly role?: string;
  readonly permissions?: readonly string[];
  /** `exp` as a `Date`. Read-only (its setters throw): the requests of one token share it. */
  readonly expiresAt: Date;
  /** `iat` as a `Date`, read-only like `expiresAt`. */
  readonly issuedAt: Date;
  readonly claims: JWTClaims;
  /** The OAuth client the token was issued to (`client_id`). */
  readonly clientId?: string;
  /** `scope`, split on spaces; `[]` when absent. */
  readonly scopes: readonly string[];
  readonly roles?: readonly string[];
  readonly entitlements?: readonly string[];
  readonly featureFlags?: readonly string[];
  /** Impersonator (`act`), when an admin is acting as this user. */
  readonly actor?: JWTClaims["act"];
  /** Token id (`jti`). */
  readonly tokenId?: string;
  /**
   * `"machine"` for an AuthKit M2M token (client credentials: no `sid`, `sub` equal to
   * `client_id`); `userId` is then the application's client id. Else `"user"`.
   */
  readonly kind: SessionKind;
  /**
   * Where `role`, `roles` and `permissions` came from: signed token claims (`"token"`), the
   * WorkOS API (`"workos"`, the membership of `sub` in `org_id`), nowhere (`"none"`: no claims,
   * and no lookup was needed or possible), not looked up for this request (`"unresolved"`), or
   * the lookup failed (`"unavailable"`: guards then refuse with `roles_unavailable`).
   */
  readonly roleSource: RoleSource;
}

/**
 * Who the caller is: a person, or an M2M application.
 *
 * @example
 * ```ts
 * if (getSession(ctx).kind === "machine") return text("hello, machine");
 * ```
 */
export type SessionKind = "user" | "machine";

/**
 * See {@link Session.roleSource}.
 *
 * @example
 * ```ts
 * const fresh = getSession(ctx).roleSource === "workos";
 * ```
 */
export type RoleSource = "token" | "workos" | "none" | "unresolved" | "unavailable";

/**
 * The MCP SDK's `AuthInfo` (structurally): what `@modelcontextprotocol/server` passes to
 * tools as `extra.authInfo` / `ctx.http.authInfo`. `extra.session` holds the {@link Session}.
 *
 * @example
 * ```ts
 * mcp.fetch(request, { authInfo: context.authInfo }); // tools then see ctx.http.authInfo
 * ```
 */
export interface AuthInfo {
  token: string;
  clientId: string;
  scopes: string[];
  /** Seconds since the epoch. */
  expiresAt?: number;
  resource?: URL;
  resourceMetadataUrl?: string;
  extra?: Record<string, unknown>;
}

/**
 * What a verified request hands to the next handler: pass `authInfo` to the MCP handler,
 * and the context (or the tool's `extra`) to `getSession()`.
 *
 * @example
 * ```ts
 * provider.handler((request, context) => mcp.fetch(request, { authInfo: context.authInfo }));
 * ```
 */
export interface RequestContext {
  readonly session: Session;
  readonly authInfo: AuthInfo;
  /** The canonical resource URL this request was authenticated for. */
  readonly resource: string;
  /**
   * The request's JSON-RPC body, when the provider parsed it to decide its policies (per-tool
   * policies, live roles); else `undefined`. Hand it to the MCP SDK as `parsedBody` so the body
   * is not read and parsed a second time: `mcp.fetch(request, { authInfo, parsedBody })`.
   */
  readonly parsedBody?: unknown;
}

const STRING_CLAIMS = ["sid", "org_id", "role", "client_id", "scope", "jti"] as const;
const LIST_CLAIMS = ["permissions", "roles", "entitlements", "feature_flags"] as const;

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

/**
 * Checks the types of the AuthKit claims (jose checks `iss`, `aud`, `exp`, `nbf`, `iat`) and
 * returns them frozen (`payload` itself, completed with `sid: ""` when absent: pass an object
 * of your own). Throws `invalid_claim` / `missing_claim`.
 */
export function validateClaims(payload: Record<string, unknown>): JWTClaims {
  if (typeof payload.sub !== "string" || payload.sub === "")
    throw new AuthError("missing_claim", "Token has no sub claim");
  if (typeof payload.exp !== "number") throw new AuthError("missing_claim", "Token has no numeric exp claim");
  if (typeof payload.iat !== "number") throw new AuthError("missing_claim", "Token has no numeric iat claim");
  for (const name of STRING_CLAIMS) {
    if (payload[name] !== undefined && typeof payload[name] !== "string")
      throw new AuthError("invalid_claim", `Claim ${name} is not a string`);
  }
  for (const name of LIST_CLAIMS) {
    if (payload[name] !== undefined && !isStringList(payload[name]))
      throw new AuthError("invalid_claim", `Claim ${name} is not a list of strings`);
  }
  const act = payload.act;
  if (
    act !== undefined &&
    (typeof act !== "object" || act === null || typeof (act as { sub?: unknown }).sub !== "string")
  )
    throw new AuthError("invalid_claim", "Claim act is not an object with a sub");
  // The payload is ours (parsed for this verification): completed and frozen in place, no copy.
  if (payload.sid === undefined) payload.sid = "";
  const claims = payload as JWTClaims;
  facts.set(claims, describeClaims(claims));
  return deepFreeze(claims);
}

/** What a session takes from its claims beyond copying them: computed once per claims object. */
interface ClaimFacts {
  readonly expiresAt: Date;
  readonly issuedAt: Date;
  readonly scopes: readonly string[];
  readonly kind: SessionKind;
  readonly roleSource: RoleSource;
}

// Computed once, when the claims are validated, and kept in a private slot of the claims
// object (slots.ts; claims are frozen from then on, so what is derived never changes): a
// repeated token (verified-token cache) reuses it instead of splitting `scope` per request.
const facts = privateSlot<ClaimFacts>();

function describeClaims(claims: JWTClaims): ClaimFacts {
  return {
    // Read-only (read-only.ts) and frozen: shared by every session of this token.
    expiresAt: new ReadOnlyDate(claims.exp * 1000),
    issuedAt: new ReadOnlyDate(claims.iat * 1000),
    scopes: Object.freeze(claims.scope ? claims.scope.split(" ").filter(Boolean) : []),
    kind: isMachineClaims(claims) ? "machine" : "user",
    roleSource: hasRoleClaims(claims) ? "token" : "none",
  };
}

/** Claims validated here carry their facts; others (a `TokenCache` filled by hand) are described anew. */
function factsOf(claims: JWTClaims): ClaimFacts {
  return facts.get(claims) ?? describeClaims(claims);
}

/**
 * Builds a frozen {@link Session} from validated claims: a new object per request, marked as
 * issued by `owner` (the verifying provider's config) when given.
 */
export function sessionFromClaims(claims: JWTClaims, owner?: object): Session {
  return buildSession(claims, factsOf(claims).roleSource, claims, owner);
}

/** Role fields as the session carries them (from the claims, or from the WorkOS API). */
interface RoleFields {
  readonly role?: string | undefined;
  readonly roles?: readonly string[] | undefined;
  readonly permissions?: readonly string[] | undefined;
}

/**
 * The one place a session is assembled: every field from the claims (and their facts), the
 * role fields from `roles`. Plain assignments (no conditional spreads, no copy of a frozen
 * object, which takes V8's slow path): this runs on every request.
 */
function buildSession(claims: JWTClaims, roleSource: RoleSource, roles: RoleFields, owner?: object): Session {
  const { expiresAt, issuedAt, scopes, kind } = factsOf(claims);
  const session: { -readonly [K in keyof Session]: Session[K] } = {
    userId: claims.sub,
    sessionId: claims.sid,
    expiresAt,
    issuedAt,
    claims,
    scopes,
    kind,
    roleSource,
  };
  if (claims.org_id !== undefined) session.organizationId = claims.org_id;
  if (roles.role !== undefined) session.role = roles.role;
  if (roles.permissions !== undefined) session.permissions = roles.permissions;
  if (claims.client_id !== undefined) session.clientId = claims.client_id;
  if (roles.roles !== undefined) session.roles = roles.roles;
  if (claims.entitlements !== undefined) session.entitlements = claims.entitlements;
  if (claims.feature_flags !== undefined) session.featureFlags = claims.feature_flags;
  if (claims.act !== undefined) session.actor = claims.act;
  if (claims.jti !== undefined) session.tokenId = claims.jti;
  if (owner !== undefined) markIssued(session, owner);
  return Object.freeze(session);
}

/** AuthKit M2M token shape (WorkOS "Access token claims"): no `sid`, `sub` is the `client_id`. */
export function isMachineClaims(claims: {
  readonly sid?: unknown;
  readonly sub?: unknown;
  readonly client_id?: unknown;
}): boolean {
  return (
    (claims.sid === undefined || claims.sid === "") && typeof claims.sub === "string" && claims.sub === claims.client_id
  );
}

/** Whether the token itself carries role information (a JWT template, or an AuthKit session token). */
export function hasRoleClaims(claims: JWTClaims): boolean {
  return claims.role !== undefined || claims.roles !== undefined || claims.permissions !== undefined;
}

/**
 * The session with role information from the WorkOS API (or the reason there is none). A new
 * frozen object, marked as issued by `owner` when given: sessions are never mutated.
 */
export function sessionWithRoles(
  session: Session,
  source: RoleSource,
  roles?: { readonly role?: string; readonly roles: readonly string[]; readonly permissions: readonly string[] },
  owner?: object,
): Session {
  // Rebuilt from the claims the session was built from (every other field is theirs).
  return buildSession(session.claims, source, roles ?? NO_ROLE_FIELDS, owner);
}

const NO_ROLE_FIELDS: RoleFields = {};

/** Validates the claims and builds the session. */
export function claimsToSession(payload: Record<string, unknown>): Session {
  return sessionFromClaims(validateClaims(payload));
}

/** Where a request was authenticated: one per protected endpoint, computed once. Internal. */
export interface Endpoint {
  /** The canonical resource URL. */
  readonly resource: string;
  /** The same, parsed once and read-only, so every request can share it (`AuthInfo.resource`). */
  readonly resourceURL: URL;
  /** The absolute URL of its protected resource metadata. */
  readonly resourceMetadata: string;
}

/** The same context with the JSON body the provider parsed (a new frozen object; same session). */
export function withParsedBody(context: RequestContext, parsedBody: unknown): RequestContext {
  return Object.freeze({
    session: context.session,
    authInfo: context.authInfo,
    resource: context.resource,
    parsedBody,
  });
}

/** Builds the frozen request context for a verified token. */
export function createRequestContext(token: string, session: Session, endpoint: Endpoint): RequestContext {
  const authInfo: AuthInfo = Object.freeze({
    token,
    clientId: session.clientId ?? "",
    // The SDK types it `string[]`: each request gets its own copy to do with as it likes.
    scopes: [...session.scopes],
    expiresAt: Math.floor(session.claims.exp),
    resource: endpoint.resourceURL,
    resourceMetadataUrl: endpoint.resourceMetadata,
    extra: Object.freeze({ session }),
  });
  return Object.freeze({ session, authInfo, resource: endpoint.resource });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
