/**
 * Access tokens as AuthKit issues them for MCP: RS256 JWTs with `iss`, `sub`, `sid`,
 * `org_id`, `role`, `permissions`, `scope`, `client_id`, `jti`, `iat`, `exp`, `aud`.
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
  readonly role?: string;
  readonly permissions?: readonly string[];
  /** Scopes (`scope` claim). Default `["openid", "profile", "email"]`. */
  readonly scopes?: readonly string[];
  /** `aud`: the MCP resource URL (what AuthKit sets when a resource indicator is registered). */
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

/** Signs an access token for `options` with the instance's key. Throws for an unknown user. */
export async function signAccessToken(
  key: SigningKey,
  issuer: string,
  seed: Seed,
  options: MintOptions,
): Promise<string> {
  const user = options.user === undefined ? seed.users[0] : findUser(seed, options.user);
  if (!user) throw new Error(`Local AuthKit: unknown user ${options.user}`);
  const memberships = seed.memberships.filter((m) => m.userId === user.id);
  const orgId =
    options.organizationId === null ? undefined : (options.organizationId ?? memberships[0]?.organizationId);
  const membership = memberships.find((m) => m.organizationId === orgId);
  const role = options.role ?? membership?.role;
  const permissions = options.permissions ?? (role !== undefined ? (seed.roles[role] ?? []) : undefined);
  const now = Math.floor(Date.now() / 1000);
  const clientId = options.clientId ?? "client_local_dev";
  const payload: Record<string, unknown> = {
    iss: issuer,
    sub: user.id,
    sid: options.sessionId ?? randomId("session_", 12),
    ...(orgId !== undefined && { org_id: orgId }),
    ...(orgId !== undefined && role !== undefined && { role }),
    ...(orgId !== undefined && permissions !== undefined && { permissions: [...permissions] }),
    scope: (options.scopes ?? DEFAULT_SCOPES).join(" "),
    client_id: clientId,
    jti: randomId("", 16),
    iat: now,
    exp: now + (options.expiresIn ?? 3600),
    aud: options.audience ?? clientId,
    ...options.claims,
  };
  return key.sign(payload);
}
