/**
 * Live roles and permissions from the WorkOS API, for tokens that do not carry them.
 *
 * AuthKit's access tokens for MCP clients (Connect tokens) have no `role`, `roles` or
 * `permissions`: WorkOS's guidance is to identify the caller from the token and resolve
 * what it may do from its role. Here:
 * - the membership of `sub` in `org_id`: `GET /user_management/organization_memberships
 *   ?user_id=…&organization_id=…` (only an `active` membership counts) → `role`, `roles`;
 * - the permissions of those roles: `GET /authorization/organizations/{org_id}/roles`
 *   (environment and organization roles, each with `permissions`).
 *
 * Cached per provider for `ttl` seconds (memory, and an optional store shared across
 * isolates), single-flight per key. Fails closed: an unreachable, rate-limited or refusing
 * API is a {@link RolesUnavailable}, never a guess. Calls use the API key, never the user's
 * token (MCP: no token passthrough); the key never appears in an error.
 */
import { RolesUnavailableError } from "./guards.js";

/**
 * What the WorkOS API says the caller holds in an organization.
 *
 * @example
 * ```ts
 * const roles: ResolvedRoles = { member: true, role: "admin", roles: ["admin"], permissions: ["users:manage"] };
 * ```
 */
export interface ResolvedRoles {
  /** Whether `sub` has an active membership in `org_id`. Without one: no role, no permissions. */
  readonly member: boolean;
  readonly role?: string;
  readonly roles: readonly string[];
  readonly permissions: readonly string[];
}

/**
 * A store shared across isolates or processes for resolved roles (Workers Cache API, KV,
 * Redis...). Values carry their own `fetchedAt`; entries older than the TTL are ignored.
 *
 * @example
 * ```ts
 * const store: RolesStore = { get: (k) => kv.get(k, "json"), put: (k, v) => kv.put(k, JSON.stringify(v), { expirationTtl: 60 }) };
 * ```
 */
export interface RolesStore {
  get(key: string): Promise<StoredRoles | undefined | null>;
  put(key: string, value: StoredRoles): Promise<void>;
}

/**
 * What a {@link RolesStore} keeps.
 *
 * @example
 * ```ts
 * await store.put(key, { roles: { member: false, roles: [], permissions: [] }, fetchedAt: Date.now() });
 * ```
 */
export interface StoredRoles {
  readonly roles: ResolvedRoles;
  readonly fetchedAt: number;
}

/** Options of a {@link RoleResolver}. Internal. */
export interface RoleResolverOptions {
  readonly apiBase: string;
  readonly apiKey: string;
  /** Seconds; 0 = per request only. */
  readonly ttl: number;
  readonly fetch: typeof fetch;
  readonly timeout: number;
  readonly store?: RolesStore | undefined;
  /** Bound of the in-memory cache. Default 10,000 entries. */
  readonly maxEntries?: number;
}

const MAX_BODY = 1024 * 1024;

/**
 * Resolves `(userId, organizationId)` to roles and permissions. One per provider.
 *
 * @example
 * ```ts
 * const resolver = new RoleResolver({ apiBase: "https://api.workos.com", apiKey, ttl: 60, fetch, timeout: 5000 });
 * const { role, permissions } = await resolver.resolve("user_01...", "org_01...");
 * ```
 */
export class RoleResolver {
  readonly #o: RoleResolverOptions;
  readonly #memberships = new Map<string, { value: ResolvedRoles; until: number }>();
  readonly #orgRoles = new Map<string, { value: ReadonlyMap<string, readonly string[]>; until: number }>();
  readonly #inflight = new Map<string, Promise<ResolvedRoles>>();
  /** WorkOS API calls made (for tests and benchmarks). */
  apiCalls = 0;

  constructor(options: RoleResolverOptions) {
    this.#o = options;
  }

  /** The caller's roles in `organizationId`, or throws {@link RolesUnavailableError}. */
  resolve(userId: string, organizationId: string): Promise<ResolvedRoles> {
    const key = `${userId}\u0000${organizationId}`;
    const hit = this.#memberships.get(key);
    if (hit !== undefined && hit.until > Date.now()) return Promise.resolve(hit.value);
    let pending = this.#inflight.get(key);
    if (pending === undefined) {
      pending = this.#load(key, userId, organizationId).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  async #load(key: string, userId: string, organizationId: string): Promise<ResolvedRoles> {
    const storeKey = `authkit-mcp:roles:${this.#o.apiBase}:${encodeURIComponent(userId)}:${encodeURIComponent(organizationId)}`;
    const stored = await this.#fromStore(storeKey);
    if (stored !== undefined) {
      this.#remember(this.#memberships, key, stored.roles, stored.fetchedAt);
      return stored.roles;
    }
    const membership = await this.#membership(userId, organizationId);
    let value: ResolvedRoles;
    if (membership === undefined) value = Object.freeze({ member: false, roles: [], permissions: [] });
    else {
      const permissionsOf = await this.#rolesOf(organizationId);
      const permissions = new Set<string>();
      for (const slug of membership.roles) for (const p of permissionsOf.get(slug) ?? []) permissions.add(p);
      value = Object.freeze({
        member: true,
        ...(membership.role !== undefined && { role: membership.role }),
        roles: Object.freeze([...membership.roles]),
        permissions: Object.freeze([...permissions]),
      });
    }
    const fetchedAt = Date.now();
    this.#remember(this.#memberships, key, value, fetchedAt);
    if (this.#o.ttl > 0) this.#o.store?.put(storeKey, { roles: value, fetchedAt }).catch(() => {});
    return value;
  }

  async #fromStore(storeKey: string): Promise<StoredRoles | undefined> {
    if (this.#o.store === undefined || this.#o.ttl <= 0) return undefined;
    try {
      const stored = await this.#o.store.get(storeKey);
      if (!stored || typeof stored.fetchedAt !== "number" || !stored.roles || !Array.isArray(stored.roles.roles))
        return undefined;
      return Date.now() - stored.fetchedAt < this.#o.ttl * 1000 ? stored : undefined;
    } catch {
      return undefined; // a failing store is a cache miss, never an outage
    }
  }

  #remember<V>(map: Map<string, { value: V; until: number }>, key: string, value: V, at: number): void {
    if (this.#o.ttl <= 0) return;
    if (map.size >= (this.#o.maxEntries ?? 10_000)) map.delete(map.keys().next().value as string);
    map.set(key, { value, until: at + this.#o.ttl * 1000 });
  }

  /** The active membership's role slugs (`roles`, else `role`), or `undefined` for none. */
  async #membership(userId: string, organizationId: string) {
    const query = new URLSearchParams({ user_id: userId, organization_id: organizationId, limit: "10" });
    const body = await this.#get(`/user_management/organization_memberships?${query}`);
    const data = (body as { data?: unknown }).data;
    if (!Array.isArray(data)) throw new RolesUnavailableError("unexpected membership list", 5);
    for (const m of data as Record<string, unknown>[]) {
      if (!m || m.user_id !== userId || m.organization_id !== organizationId || m.status !== "active") continue;
      const role = slugOf(m.role);
      const roles = Array.isArray(m.roles) ? m.roles.map(slugOf).filter((s): s is string => s !== undefined) : [];
      if (role !== undefined && !roles.includes(role)) roles.unshift(role);
      return { role, roles };
    }
    return undefined;
  }

  /** Role slug → permissions, for every role that applies to the organization. */
  async #rolesOf(organizationId: string): Promise<ReadonlyMap<string, readonly string[]>> {
    const hit = this.#orgRoles.get(organizationId);
    if (hit !== undefined && hit.until > Date.now()) return hit.value;
    const body = await this.#get(`/authorization/organizations/${encodeURIComponent(organizationId)}/roles`);
    const data = (body as { data?: unknown }).data;
    if (!Array.isArray(data)) throw new RolesUnavailableError("unexpected role list", 5);
    const map = new Map<string, readonly string[]>();
    for (const r of data as Record<string, unknown>[]) {
      if (!r || typeof r.slug !== "string") continue;
      const perms = Array.isArray(r.permissions) ? r.permissions.filter((p) => typeof p === "string") : [];
      map.set(r.slug, Object.freeze(perms as string[]));
    }
    this.#remember(this.#orgRoles, organizationId, map, Date.now());
    return map;
  }

  async #get(path: string): Promise<unknown> {
    this.apiCalls++;
    let response: Response;
    try {
      response = await this.#o.fetch(`${this.#o.apiBase}${path}`, {
        headers: { authorization: `Bearer ${this.#o.apiKey}`, accept: "application/json" },
        redirect: "manual",
        signal: AbortSignal.timeout(this.#o.timeout),
      });
    } catch (cause) {
      const timedOut = (cause as { name?: string })?.name === "TimeoutError";
      throw new RolesUnavailableError(timedOut ? "timed out" : "unreachable", 5);
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => {});
      const retry = Number(response.headers.get("retry-after"));
      const wait = Number.isFinite(retry) && retry > 0 ? Math.min(Math.ceil(retry), 3600) : 5;
      const detail =
        response.status === 429
          ? "rate limited"
          : response.status === 401 || response.status === 403
            ? `HTTP ${response.status}: check WORKOS_API_KEY`
            : `HTTP ${response.status}`;
      throw new RolesUnavailableError(detail, wait);
    }
    try {
      const text = await response.text();
      if (text.length > MAX_BODY) throw new Error("too large");
      const body = JSON.parse(text) as unknown;
      if (!body || typeof body !== "object") throw new Error("not an object");
      return body;
    } catch {
      throw new RolesUnavailableError("unreadable answer", 5);
    }
  }
}

function slugOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  const slug = (value as { slug?: unknown } | null)?.slug;
  return typeof slug === "string" && slug !== "" ? slug : undefined;
}
