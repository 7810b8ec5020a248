/**
 * The slice of the WorkOS REST API that `getUser()`, `getClient()` and the example tools call
 * through `@workos-inc/node`, answered from the seed with WorkOS's JSON shapes, its list
 * envelope and cursor pagination, 401 for a wrong API key and 404 for an unknown id.
 */
import { changeMembership, membershipJson, rolesJson } from "./memberships.js";
import type { Seed, SeedMembership, SeedOrganization, SeedUser } from "./seed.js";

const CREATED = "2026-01-01T00:00:00.000Z";

let requestCounter = 0;
function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "x-request-id": `req_local_${++requestCounter}` },
  });
}

function userJson(u: SeedUser) {
  return {
    object: "user",
    id: u.id,
    email: u.email,
    email_verified: u.emailVerified ?? true,
    first_name: u.firstName ?? null,
    last_name: u.lastName ?? null,
    profile_picture_url: u.profilePictureUrl ?? null,
    last_sign_in_at: null,
    locale: null,
    external_id: null,
    metadata: {},
    created_at: CREATED,
    updated_at: CREATED,
  };
}

function organizationJson(o: SeedOrganization) {
  return {
    object: "organization",
    id: o.id,
    name: o.name,
    allow_profiles_outside_organization: false,
    domains: (o.domains ?? []).map((domain, i) => ({
      object: "organization_domain",
      id: `org_domain_${o.id}_${i}`,
      domain,
      organization_id: o.id,
      state: "verified",
      verification_strategy: "manual",
      verification_token: null,
    })),
    external_id: null,
    metadata: {},
    created_at: CREATED,
    updated_at: CREATED,
  };
}

/** One SCIM directory per organization (`directory_<orgId>`), as the local AuthKit seeds them. */
export function directoriesOf(seed: Seed) {
  return seed.organizations.map((o) => ({ id: `directory_${o.id}`, organization: o }));
}

function directoryJson(d: { id: string; organization: SeedOrganization }) {
  return {
    object: "directory",
    id: d.id,
    domain: d.organization.domains?.[0] ?? `${d.organization.id}.example`,
    name: `${d.organization.name} SCIM`,
    organization_id: d.organization.id,
    state: "active",
    type: "generic scim v2.0",
    external_key: `ext_${d.id}`,
    created_at: CREATED,
    updated_at: CREATED,
  };
}

function groupsJson(directoryId: string, orgId: string) {
  return ["Everyone", "Engineering"].map((name) => ({
    object: "directory_group",
    id: `directory_group_${orgId}_${name.toLowerCase()}`,
    idp_id: `${name.toLowerCase()}-idp`,
    directory_id: directoryId,
    organization_id: orgId,
    name,
    raw_attributes: {},
    created_at: CREATED,
    updated_at: CREATED,
  }));
}

function directoryUserJson(m: SeedMembership, seed: Seed, directoryId: string) {
  const u = seed.users.find((x) => x.id === m.userId) as SeedUser;
  const groups = groupsJson(directoryId, m.organizationId).filter((g) => g.name === "Everyone" || m.role === "admin");
  return {
    object: "directory_user",
    id: `directory_user_${m.organizationId}_${u.id}`,
    idp_id: `idp_${u.id}`,
    directory_id: directoryId,
    organization_id: m.organizationId,
    first_name: u.firstName ?? null,
    last_name: u.lastName ?? null,
    email: u.email,
    emails: [{ primary: true, type: "work", value: u.email }],
    username: u.email,
    groups,
    state: "active",
    role: { slug: m.role },
    custom_attributes: {},
    raw_attributes: {},
    created_at: CREATED,
    updated_at: CREATED,
  };
}

/**
 * WorkOS list envelope with cursor pagination: `limit` (1-100, default 10), `before`/`after`
 * (ids), `order` (`desc` default, as WorkOS; ids sort in creation order here).
 */
export function paginate<T extends { id: string }>(items: readonly T[], params: URLSearchParams): Response {
  const limitRaw = params.get("limit");
  const limit = limitRaw === null ? 10 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    return json({ code: "invalid_request_parameters", message: "limit must be an integer between 1 and 100" }, 422);
  }
  const order = params.get("order") ?? "desc";
  if (order !== "asc" && order !== "desc" && order !== "normal")
    return json({ code: "invalid_request_parameters", message: "order must be asc or desc" }, 422);
  const sorted = order === "desc" ? [...items].reverse() : [...items];
  const after = params.get("after");
  const before = params.get("before");
  let start = 0;
  let end = sorted.length;
  if (after) start = sorted.findIndex((i) => i.id === after) + 1;
  if (before)
    end = Math.max(
      0,
      sorted.findIndex((i) => i.id === before),
    );
  const window =
    before && !after ? sorted.slice(Math.max(start, end - limit), end) : sorted.slice(start, end).slice(0, limit);
  const first = window[0];
  const last = window[window.length - 1];
  const firstIndex = first ? sorted.indexOf(first) : 0;
  const lastIndex = last ? sorted.indexOf(last) : -1;
  return json({
    object: "list",
    data: window,
    list_metadata: {
      before: first && firstIndex > 0 ? first.id : null,
      after: last && lastIndex < sorted.length - 1 ? last.id : null,
    },
  });
}

/** `decodeURIComponent` that never throws: a malformed escape is an unknown id (404), not a 500. */
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

const API_PREFIXES = [
  "/user_management/",
  "/organizations",
  "/directories",
  "/directory_users",
  "/directory_groups",
  "/authorization/",
];
function isApiPath(path: string): boolean {
  return API_PREFIXES.some((p) => path === p.replace(/\/$/, "") || path.startsWith(p));
}

/**
 * A fixed-window rate limit for the WorkOS API stand-in (`rateLimit` option), so the 429 path
 * (with `Retry-After`) can be exercised.
 */
export class RateLimiter {
  #windowStart = 0;
  #count = 0;
  constructor(
    readonly requests: number,
    readonly perSeconds: number,
  ) {}
  /** `undefined` when allowed, else the seconds to wait. */
  take(): number | undefined {
    const now = Date.now();
    if (now - this.#windowStart >= this.perSeconds * 1000) {
      this.#windowStart = now;
      this.#count = 0;
    }
    if (this.#count < this.requests) {
      this.#count++;
      return undefined;
    }
    return Math.max(1, Math.ceil((this.#windowStart + this.perSeconds * 1000 - now) / 1000));
  }
}

/**
 * Answers a WorkOS API request from the seed, or `undefined` when the path is not an API path.
 *
 * @example
 * ```ts
 * const res = workosApi(request, seed, "sk_test_local");
 * ```
 */
export function workosApi(
  request: Request,
  seed: Seed,
  apiKey: string,
  limiter?: RateLimiter,
): Response | Promise<Response> | undefined {
  const url = new URL(request.url);
  const path = url.pathname;
  if (!isApiPath(path)) return undefined;
  if (request.headers.get("authorization") !== `Bearer ${apiKey}`) {
    return json({ message: "Could not authorize the request. Maybe your API key is invalid?" }, 401);
  }
  const wait = limiter?.take();
  if (wait !== undefined) {
    const res = json({ message: "Rate limit exceeded", code: "rate_limit_exceeded" }, 429);
    res.headers.set("retry-after", String(wait));
    return res;
  }
  if (path.startsWith("/user_management/organization_memberships/"))
    return changeMembership(request, path, seed, json).then((r) => r ?? json({ message: "Not found" }, 404));
  if (request.method !== "GET") return json({ message: "Method not allowed in the local AuthKit" }, 405);
  const q = url.searchParams;
  const notFound = (what: string, id: string) =>
    json({ code: "entity_not_found", message: `${what} not found: '${id}'.`, entity_id: id }, 404);

  const userId = /^\/user_management\/users\/([^/]+)$/.exec(path)?.[1];
  if (userId !== undefined) {
    const id = safeDecode(userId);
    const user = seed.users.find((u) => u.id === id);
    return user ? json(userJson(user)) : notFound("User", id);
  }
  if (path === "/user_management/users") {
    const email = q.get("email")?.toLowerCase();
    const orgId = q.get("organization_id");
    const users = seed.users.filter(
      (u) =>
        (!email || u.email.toLowerCase() === email) &&
        (!orgId || seed.memberships.some((m) => m.userId === u.id && m.organizationId === orgId)),
    );
    return paginate(users.map(userJson), q);
  }
  if (path === "/user_management/organization_memberships") {
    const uid = q.get("user_id");
    const oid = q.get("organization_id");
    if (!uid && !oid)
      return json({ code: "invalid_request_parameters", message: "user_id or organization_id is required" }, 422);
    const list = seed.memberships.filter((m) => (!uid || m.userId === uid) && (!oid || m.organizationId === oid));
    return paginate(
      list.map((m) => membershipJson(m, seed)),
      q,
    );
  }
  const rolesOf = /^\/authorization\/organizations\/([^/]+)\/roles$/.exec(path)?.[1];
  if (rolesOf !== undefined) {
    const id = safeDecode(rolesOf);
    return seed.organizations.some((o) => o.id === id) ? json(rolesJson(seed)) : notFound("Organization", id);
  }
  const orgId = /^\/organizations\/([^/]+)$/.exec(path)?.[1];
  if (orgId !== undefined) {
    const id = safeDecode(orgId);
    const org = seed.organizations.find((o) => o.id === id);
    return org ? json(organizationJson(org)) : notFound("Organization", id);
  }
  if (path === "/organizations") return paginate(seed.organizations.map(organizationJson), q);
  const directories = directoriesOf(seed);
  if (path === "/directories") {
    const org = q.get("organization_id");
    return paginate(directories.filter((d) => !org || d.organization.id === org).map(directoryJson), q);
  }
  const directoryId = /^\/directories\/([^/]+)$/.exec(path)?.[1];
  if (directoryId !== undefined) {
    const d = directories.find((x) => x.id === safeDecode(directoryId));
    return d ? json(directoryJson(d)) : notFound("Directory", safeDecode(directoryId));
  }
  if (path === "/directory_users" || path === "/directory_groups") {
    const id = q.get("directory");
    if (!id) return json({ code: "invalid_request_parameters", message: "directory is required" }, 422);
    const d = directories.find((x) => x.id === id);
    if (!d) return notFound("Directory", id);
    if (path === "/directory_groups") return paginate(groupsJson(d.id, d.organization.id), q);
    const members = seed.memberships.filter((m) => m.organizationId === d.organization.id);
    return paginate(
      members.map((m) => directoryUserJson(m, seed, d.id)),
      q,
    );
  }
  return json({ message: "Not found" }, 404);
}
