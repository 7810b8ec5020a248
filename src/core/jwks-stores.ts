/**
 * Shared stores for `jwksStore` and `roles.store`: a fresh isolate (Workers) or process
 * verifies its first token without fetching AuthKit's key set, and reuses roles another
 * isolate resolved. Web-standard (Cache API, a KV-shaped binding).
 */
import type { JwksStore, StoredJwks } from "./jwks.js";
import type { RolesStore, StoredRoles } from "./roles.js";

/**
 * The slice of a Workers KV namespace {@link kvJwksStore} uses.
 *
 * @example
 * ```ts
 * const store = kvJwksStore(env.JWKS_CACHE satisfies KVLike);
 * ```
 */
export interface KVLike {
  get(key: string, type: "json"): Promise<unknown>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
}

/**
 * Shares AuthKit's key set across isolates through a KV namespace (`jwksStore` option).
 *
 * @example
 * ```ts
 * export default withWorkOS(handler, (env) => ({ jwksStore: kvJwksStore(env.JWKS_CACHE) }));
 * ```
 */
export function kvJwksStore(kv: KVLike, ttlSeconds = 600): JwksStore {
  return kvStore<StoredJwks>(kv, "authkit-mcp:jwks:", ttlSeconds);
}

/**
 * Shares resolved roles across isolates through a KV namespace (`roles.store` option). KV is
 * eventually consistent (up to 60 s between locations): keep `roles.ttl` in mind.
 *
 * @example
 * ```ts
 * export default withWorkOS(handler, (env) => ({ roles: { store: kvRolesStore(env.ROLES_CACHE) } }));
 * ```
 */
export function kvRolesStore(kv: KVLike, ttlSeconds = 60): RolesStore {
  return kvStore<StoredRoles>(kv, "", ttlSeconds);
}

function kvStore<T>(kv: KVLike, prefix: string, ttlSeconds: number) {
  return {
    get: async (key: string) => (await kv.get(prefix + key, "json")) as T | null,
    // KV's minimum expirationTtl is 60 s; freshness is checked against `fetchedAt` anyway.
    put: (key: string, value: T) =>
      kv.put(prefix + key, JSON.stringify(value), { expirationTtl: Math.max(60, Math.ceil(ttlSeconds)) }),
  };
}

/**
 * The slice of the Workers Cache API {@link cacheApiJwksStore} uses.
 *
 * @example
 * ```ts
 * const store = cacheApiJwksStore(caches.default satisfies CacheLike);
 * ```
 */
export interface CacheLike {
  match(request: Request): Promise<Response | undefined>;
  put(request: Request, response: Response): Promise<void>;
}

/**
 * Shares AuthKit's key set across the isolates of a data center through the Workers Cache API
 * (`caches.default` unless given). No binding needed.
 *
 * @example
 * ```ts
 * export default withWorkOS(handler, { jwksStore: cacheApiJwksStore() });
 * ```
 */
export function cacheApiJwksStore(cache?: CacheLike, ttlSeconds = 600): JwksStore {
  return cacheApiStore<StoredJwks>(cache, "jwks", Math.max(60, ttlSeconds));
}

/**
 * Shares resolved roles across the isolates of a data center through the Workers Cache API
 * (`caches.default` unless given): the default `roles.store` of `withWorkOS`.
 *
 * @example
 * ```ts
 * export default withWorkOS(handler, { roles: { store: cacheApiRolesStore() } });
 * ```
 */
export function cacheApiRolesStore(cache?: CacheLike, ttlSeconds = 60): RolesStore {
  return cacheApiStore<StoredRoles>(cache, "roles", Math.max(1, ttlSeconds));
}

function cacheApiStore<T>(cache: CacheLike | undefined, kind: string, ttlSeconds: number) {
  const resolve = () => cache ?? (globalThis as unknown as { caches: { default: CacheLike } }).caches.default;
  // A synthetic https key: the Cache API only keys on http(s) URLs.
  const key = (k: string) => new Request(`https://authkit-mcp.cache/${kind}?u=${encodeURIComponent(k)}`);
  return {
    get: async (k: string) => {
      const hit = await resolve().match(key(k));
      return hit ? ((await hit.json()) as T) : undefined;
    },
    put: (k: string, value: T) =>
      resolve().put(
        key(k),
        new Response(JSON.stringify(value), {
          headers: { "content-type": "application/json", "cache-control": `max-age=${Math.ceil(ttlSeconds)}` },
        }),
      ),
  };
}
