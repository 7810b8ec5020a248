/**
 * The local AuthKit's data: users, organizations, memberships with roles, and the
 * permissions each role grants. Overridable from code or a JSON file of the same shape.
 */
import { ConfigError } from "../core/errors.js";

/** A seeded user (WorkOS `User` fields, camelCase). */
export interface SeedUser {
  readonly id: string;
  readonly email: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly emailVerified?: boolean;
  readonly profilePictureUrl?: string | null;
}

/** A seeded organization. */
export interface SeedOrganization {
  readonly id: string;
  readonly name: string;
  readonly domains?: readonly string[];
}

/** A user's membership of an organization, with its role slug. */
export interface SeedMembership {
  readonly userId: string;
  readonly organizationId: string;
  readonly role: string;
}

/**
 * An M2M application (AuthKit "Applications", client credentials): it belongs to one
 * organization, and its tokens carry `sub` = `client_id` = `clientId`, no `sid`.
 */
export interface SeedApplication {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly organizationId: string;
  readonly name?: string;
}

/**
 * The local AuthKit's data set.
 *
 * @example
 * ```ts
 * const seed: Seed = { ...DEFAULT_SEED, users: [...DEFAULT_SEED.users, { id: "user_dan", email: "dan@example.com" }] };
 * ```
 */
export interface Seed {
  readonly users: readonly SeedUser[];
  readonly organizations: readonly SeedOrganization[];
  readonly memberships: readonly SeedMembership[];
  /** Environment role slug → the permissions it grants (what the Authorization API lists for every organization). */
  readonly roles: Readonly<Record<string, readonly string[]>>;
  /** M2M applications for the `client_credentials` grant. */
  readonly applications?: readonly SeedApplication[];
  /** Organizations that sign in through an SSO connection (a simulated IdP in development). */
  readonly ssoConnections?: readonly SeedSsoConnection[];
}

/**
 * An SSO connection of an organization (SAML or OIDC in production; simulated here).
 *
 * @example
 * ```ts
 * const sso: SeedSsoConnection = { id: "conn_01GLOBEX", organizationId: "org_01GLOBEX", type: "SAML" };
 * ```
 */
export interface SeedSsoConnection {
  readonly id: string;
  readonly organizationId: string;
  readonly type?: "SAML" | "OIDC";
}

/**
 * The default data: Alice (admin of Acme), Bob (member of Acme, admin of Globex), Carol (no
 * organization), and one M2M application of Acme (`client_01REPORTER` / `sk_local_m2m_reporter`).
 *
 * @example
 * ```ts
 * createLocalAuthKit({ issuer, seed: DEFAULT_SEED });
 * ```
 */
export const DEFAULT_SEED: Seed = {
  users: [
    { id: "user_01ALICE", email: "alice@example.com", firstName: "Alice", lastName: "Admin", emailVerified: true },
    { id: "user_01BOB", email: "bob@example.com", firstName: "Bob", lastName: "Member", emailVerified: true },
    { id: "user_01CAROL", email: "carol@example.com", firstName: "Carol", lastName: "Solo", emailVerified: false },
  ],
  organizations: [
    { id: "org_01ACME", name: "Acme Corp", domains: ["acme.example"] },
    { id: "org_01GLOBEX", name: "Globex", domains: ["globex.example"] },
  ],
  memberships: [
    { userId: "user_01ALICE", organizationId: "org_01ACME", role: "admin" },
    { userId: "user_01BOB", organizationId: "org_01ACME", role: "member" },
    { userId: "user_01BOB", organizationId: "org_01GLOBEX", role: "admin" },
  ],
  roles: {
    admin: ["users:manage", "widgets:read", "widgets:write"],
    member: ["widgets:read"],
  },
  ssoConnections: [{ id: "conn_01GLOBEX_SAML", organizationId: "org_01GLOBEX", type: "SAML" }],
  applications: [
    {
      clientId: "client_01REPORTER",
      clientSecret: "sk_local_m2m_reporter",
      organizationId: "org_01ACME",
      name: "Acme nightly reporter",
    },
  ],
};

function fail(message: string): never {
  throw new ConfigError("seed", `Invalid config: seed ${message}`);
}

const isString = (v: unknown): v is string => typeof v === "string" && v !== "";

/**
 * Validates a seed (e.g. parsed from JSON) and returns it frozen. Throws `ConfigError` naming
 * the first problem.
 *
 * @example
 * ```ts
 * const seed = parseSeed(JSON.parse(readFileSync("seed.json", "utf8")));
 * ```
 */
export function parseSeed(input: unknown): Seed {
  if (!input || typeof input !== "object") fail("must be an object with users, organizations, memberships, roles");
  const s = input as Record<string, unknown>;
  const users = s.users ?? [];
  const organizations = s.organizations ?? [];
  const memberships = s.memberships ?? [];
  const roles = s.roles ?? {};
  if (!Array.isArray(users) || users.length === 0) fail("users must be a non-empty list");
  if (!Array.isArray(organizations) || !Array.isArray(memberships)) fail("organizations and memberships must be lists");
  if (typeof roles !== "object" || Array.isArray(roles)) fail("roles must map role slugs to permission lists");
  const userIds = new Set<string>();
  for (const u of users as SeedUser[]) {
    if (!u || !isString(u.id) || !isString(u.email)) fail("users need an id and an email");
    if (userIds.has(u.id)) fail(`has the user id ${u.id} twice`);
    userIds.add(u.id);
  }
  const orgIds = new Set(
    (organizations as SeedOrganization[]).map((o) =>
      isString(o?.id) && isString(o.name) ? o.id : fail("organizations need an id and a name"),
    ),
  );
  for (const m of memberships as SeedMembership[]) {
    if (!m || !userIds.has(m.userId)) fail(`membership names an unknown user ${String(m?.userId)}`);
    if (!orgIds.has(m.organizationId)) fail(`membership names an unknown organization ${String(m.organizationId)}`);
    if (!isString(m.role)) fail("memberships need a role");
  }
  for (const [slug, perms] of Object.entries(roles as Record<string, unknown>)) {
    if (!Array.isArray(perms) || !perms.every(isString)) fail(`role ${slug} must list permission strings`);
  }
  const sso = s.ssoConnections ?? [];
  if (!Array.isArray(sso)) fail("ssoConnections must be a list");
  for (const c of sso as SeedSsoConnection[]) {
    if (!c || !isString(c.id) || !orgIds.has(c.organizationId))
      fail("ssoConnections need an id and a known organizationId");
  }
  const applications = s.applications ?? [];
  if (!Array.isArray(applications)) fail("applications must be a list");
  for (const a of applications as SeedApplication[]) {
    if (!a || !isString(a.clientId) || !isString(a.clientSecret) || !orgIds.has(a.organizationId))
      fail("applications need a clientId, a clientSecret and a known organizationId");
  }
  return Object.freeze({ users, organizations, memberships, roles, ssoConnections: sso, applications } as Seed);
}
