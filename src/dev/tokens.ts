/**
 * Access tokens as AuthKit issues them for MCP clients (WorkOS "Access token claims" of a
 * Connect token): RS256 JWTs with exactly `iss`, `aud`, `sub`, `client_id`, `org_id`, `sid`,
 * `scope`, `jti`, `exp`, `iat`. No `role`, `roles` or `permissions`: those are an explicit
 * opt-in (`roleClaims`), as a JWT template would add them.
 */
import type { SigningKey } from "./keys.js";
import { randomId } from "./oauth-store.js";
import type { Seed } from "./seed.js";

/**
 * What to put in a token. Unset fields are derived from the seed: the user's first
 * organization, the membership's role, the role's permissions.
 */
export interface MintOptions {
  /** User id or email; default: the first seeded user. */
  readonly user?: string;
  /** Organization id; `null` for none. Default: the user's first membership. */
  readonly organizationId?: string | null;
  /** Put this `role` in the token (AuthKit does not, unless a JWT template adds it). */
  readonly role?: string;
  /** Put these `permissions` in the token (AuthKit does not, unless a JWT template adds them). */
  readonly permissions?: readonly string[];
  /** Add `role`, `roles` and `permissions` from the seed (a JWT template's claims). Default: the instance's `roleClaims`. */
  readonly roleClaims?: boolean;
  /** Scopes (`scope` claim). Default `["openid", "profile", "email"]`. */
  readonly scopes?: readonly string[];
  /** `aud`: the MCP resource URL (what AuthKit sets when a resource indicator is registered). Default: the environment client id. */
  readonly audience?: string | readonly string[];
  /** Seconds until `exp` (negative for an expired token). Default 3600. */
  readonly expiresIn?: number;
  readonly clientId?: string;
  readonly sessionId?: string;
  /** Extra or overriding claims. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

export const DEFAULT_SCOPES = ["openid", "profile", "email"] as const;

/** Finds a seeded user by id or email. */
export function findUser(seed: Seed, idOrEmail: string) {
  const needle = idOrEmail.toLowerCase();
  return seed.users.find((u) => u.id === idOrEmail || u.email.toLowerCase() === needle);
}

/** What the issuing environment decides: its client id (the default `aud`) and whether role claims are added. */
export interface TokenEnvironment {
  readonly clientId: string;
  readonly roleClaims: boolean;
}

/** Signs an access token for `options` with the instance's key. Throws for an unknown user. */
export async function signAccessToken(
  key: SigningKey,
  issuer: string,
  seed: Seed,
  options: MintOptions,
  env: TokenEnvironment = { clientId: "client_local_dev", roleClaims: false },
): Promise<string> {
  const user = options.user === undefined ? seed.users[0] : findUser(seed, options.user);
  if (!user) throw new Error(`Local AuthKit: unknown user ${options.user}`);
  const memberships = seed.memberships.filter((m) => m.userId === user.id);
  const orgId =
    options.organizationId === null ? undefined : (options.organizationId ?? memberships[0]?.organizationId);
  const membership = memberships.find((m) => m.organizationId === orgId);
  const withRoles = options.roleClaims ?? env.roleClaims;
  const role = options.role ?? (withRoles ? membership?.role : undefined);
  const permissions = options.permissions ?? (withRoles && role !== undefined ? (seed.roles[role] ?? []) : undefined);
  const now = Math.floor(Date.now() / 1000);
  const clientId = options.clientId ?? env.clientId;
  const payload: Record<string, unknown> = {
    iss: issuer,
    // WorkOS: `aud` is the resource indicator, or the environment client id when none is configured.
    aud: options.audience ?? env.clientId,
    sub: user.id,
    client_id: clientId,
    ...(orgId !== undefined && { org_id: orgId }),
    sid: options.sessionId ?? randomId("session_", 12),
    ...(orgId !== undefined && role !== undefined && { role }),
    ...(orgId !== undefined && withRoles && role !== undefined && { roles: [role] }),
    ...(orgId !== undefined && permissions !== undefined && { permissions: [...permissions] }),
    scope: (options.scopes ?? DEFAULT_SCOPES).join(" "),
    jti: randomId("", 16),
    iat: now,
    exp: now + (options.expiresIn ?? 3600),
    ...options.claims,
  };
  return key.sign(payload);
}

/**
 * An M2M token (client credentials), as AuthKit issues it: `sub` = `client_id` = the
 * application, `org_id` its organization, `aud` the environment client id, no `sid`.
 */
export async function signMachineToken(
  key: SigningKey,
  issuer: string,
  app: { readonly clientId: string; readonly organizationId: string },
  scopes: readonly string[],
  expiresIn: number,
  env: TokenEnvironment,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return key.sign({
    iss: issuer,
    aud: env.clientId,
    sub: app.clientId,
    client_id: app.clientId,
    org_id: app.organizationId,
    scope: scopes.join(" "),
    jti: randomId("", 16),
    iat: now,
    exp: now + expiresIn,
  });
}
