/**
 * A minimal fake of AuthKit and the WorkOS API for tests: JWKS, AS metadata, and the User
 * Management endpoints getUser()/listOrganizationMemberships() call. A plain fetch handler,
 * served on loopback by the global setup.
 */
import type { JWK } from "jose";

export interface FakeUser {
  readonly id: string;
  readonly email: string;
  readonly first_name: string;
  readonly last_name: string;
  readonly organizationIds: readonly string[];
}

export const FAKE_API_KEY = "sk_test_fake_key_0123456789";
export const FAKE_CLIENT_ID = "client_01FAKECLIENT";

export const USERS: readonly FakeUser[] = [
  {
    id: "user_alice",
    email: "alice@example.com",
    first_name: "Alice",
    last_name: "Admin",
    organizationIds: ["org_acme"],
  },
  { id: "user_bob", email: "bob@example.com", first_name: "Bob", last_name: "Member", organizationIds: [] },
];

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

function userJson(u: FakeUser) {
  return {
    object: "user",
    id: u.id,
    email: u.email,
    email_verified: true,
    first_name: u.first_name,
    last_name: u.last_name,
    profile_picture_url: null,
    last_sign_in_at: null,
    locale: null,
    external_id: null,
    metadata: {},
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
  };
}

/** Counters the tests read to prove caching and single-flight. */
export interface FakeStats {
  jwks: number;
  asMetadata: number;
  getUser: number;
}

export function createFakeAuthKit(issuer: string, publicJwk: JWK) {
  const stats: FakeStats = { jwks: 0, asMetadata: 0, getUser: 0 };
  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const path = url.pathname;
    if (path === "/__stats") return json(stats);
    if (path === "/oauth2/jwks") {
      stats.jwks++;
      return json({ keys: [publicJwk] });
    }
    if (path === "/.well-known/oauth-authorization-server") {
      stats.asMetadata++;
      return json({
        issuer,
        authorization_endpoint: `${issuer}/oauth2/authorize`,
        token_endpoint: `${issuer}/oauth2/token`,
        registration_endpoint: `${issuer}/oauth2/register`,
        jwks_uri: `${issuer}/oauth2/jwks`,
        response_types_supported: ["code"],
        code_challenge_methods_supported: ["S256"],
        client_id_metadata_document_supported: true,
      });
    }
    if (path.startsWith("/user_management/") || path.startsWith("/organizations")) {
      if (request.headers.get("authorization") !== `Bearer ${FAKE_API_KEY}`)
        return json({ message: "Unauthorized" }, 401, { "x-request-id": "req_fake_401" });
      const userMatch = /^\/user_management\/users\/([^/]+)$/.exec(path);
      if (userMatch) {
        stats.getUser++;
        const user = USERS.find((u) => u.id === decodeURIComponent(userMatch[1] ?? ""));
        return user
          ? json(userJson(user))
          : json({ code: "entity_not_found", message: "User not found", entity_id: userMatch[1] }, 404, {
              "x-request-id": "req_fake_404",
            });
      }
      if (path === "/user_management/organization_memberships") {
        const user = USERS.find((u) => u.id === url.searchParams.get("user_id"));
        const data = (user?.organizationIds ?? []).map((orgId) => ({
          object: "organization_membership",
          id: `om_${user?.id}_${orgId}`,
          user_id: user?.id,
          organization_id: orgId,
          organization_name: orgId,
          status: "active",
          role: { slug: "admin" },
          created_at: "2026-01-01T00:00:00.000Z",
          updated_at: "2026-01-01T00:00:00.000Z",
        }));
        return json({ object: "list", data, list_metadata: { before: null, after: null } });
      }
    }
    return json({ message: "Not found" }, 404);
  };
  return { handler, stats };
}
