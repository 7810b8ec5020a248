/**
 * Organization memberships and roles in the local AuthKit's WorkOS API stand-in: what live
 * role resolution reads (`GET /user_management/organization_memberships`,
 * `GET /authorization/organizations/{id}/roles`) and the calls that change a role
 * (`PUT` / `DELETE /user_management/organization_memberships/{id}`), with WorkOS's JSON shapes.
 */
import type { Seed, SeedMembership } from "./seed.js";

const CREATED = "2026-01-01T00:00:00.000Z";

/** The membership's WorkOS id (stable: derived from user and organization). */
export function membershipId(m: { readonly userId: string; readonly organizationId: string }): string {
  return `om_${m.userId}_${m.organizationId}`;
}

/** A WorkOS `organization_membership` object (`role` and `roles` as slugs). */
export function membershipJson(m: SeedMembership, seed: Seed) {
  return {
    object: "organization_membership",
    id: membershipId(m),
    user_id: m.userId,
    organization_id: m.organizationId,
    organization_name: seed.organizations.find((o) => o.id === m.organizationId)?.name ?? m.organizationId,
    status: "active",
    role: { slug: m.role },
    roles: [{ slug: m.role }],
    directory_managed: false,
    custom_attributes: {},
    created_at: CREATED,
    updated_at: CREATED,
  };
}

/** The roles that apply to an organization: the seed's environment roles, each with its permissions. */
export function rolesJson(seed: Seed) {
  return {
    object: "list",
    data: Object.entries(seed.roles).map(([slug, permissions]) => ({
      object: "role",
      id: `role_${slug}`,
      name: slug.charAt(0).toUpperCase() + slug.slice(1),
      slug,
      description: null,
      permissions: [...permissions],
      resource_type_slug: "organization",
      type: "EnvironmentRole",
      created_at: CREATED,
      updated_at: CREATED,
    })),
  };
}

/**
 * Sets (or, with `null`, removes) a user's membership of an organization in a live seed.
 * Returns the membership, or `undefined` when removed. Throws for an unknown user,
 * organization or role.
 */
export function setMembershipRole(
  seed: Seed,
  userId: string,
  organizationId: string,
  role: string | null,
): SeedMembership | undefined {
  if (!seed.users.some((u) => u.id === userId)) throw new Error(`Local AuthKit: unknown user ${userId}`);
  if (!seed.organizations.some((o) => o.id === organizationId))
    throw new Error(`Local AuthKit: unknown organization ${organizationId}`);
  if (role !== null && !(role in seed.roles)) throw new Error(`Local AuthKit: unknown role ${role}`);
  const list = seed.memberships as SeedMembership[];
  const index = list.findIndex((m) => m.userId === userId && m.organizationId === organizationId);
  if (role === null) {
    if (index >= 0) list.splice(index, 1);
    return undefined;
  }
  const next = Object.freeze({ userId, organizationId, role });
  if (index >= 0) list[index] = next;
  else list.push(next);
  return next;
}

/**
 * `PUT` (body `{ "role_slug": "..." }`) and `DELETE` of `/user_management/organization_memberships/{id}`.
 * `undefined` when `path` is not a membership path.
 */
export async function changeMembership(
  request: Request,
  path: string,
  seed: Seed,
  json: (body: unknown, status?: number) => Response,
): Promise<Response | undefined> {
  const match = /^\/user_management\/organization_memberships\/([^/]+)$/.exec(path);
  if (!match) return undefined;
  let id: string;
  try {
    id = decodeURIComponent(match[1] as string);
  } catch {
    id = match[1] as string;
  }
  const current = seed.memberships.find((m) => membershipId(m) === id);
  const notFound = () =>
    json({ code: "entity_not_found", message: `OrganizationMembership not found: '${id}'.`, entity_id: id }, 404);
  if (!current) return notFound();
  if (request.method === "GET") return json(membershipJson(current, seed));
  if (request.method === "DELETE") {
    setMembershipRole(seed, current.userId, current.organizationId, null);
    return new Response(null, { status: 202 });
  }
  if (request.method !== "PUT") return json({ message: "Method not allowed" }, 405);
  let body: { role_slug?: unknown };
  try {
    body = (await request.json()) as { role_slug?: unknown };
  } catch {
    return json({ code: "invalid_request_parameters", message: "Body must be JSON" }, 422);
  }
  if (typeof body?.role_slug !== "string" || !(body.role_slug in seed.roles))
    return json({ code: "invalid_request_parameters", message: "role_slug must name an existing role" }, 422);
  const updated = setMembershipRole(seed, current.userId, current.organizationId, body.role_slug) as SeedMembership;
  return json(membershipJson(updated, seed));
}
