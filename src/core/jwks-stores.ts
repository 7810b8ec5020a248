/**
 * Shared JWKS stores for `jwksStore`: a fresh isolate (Workers) or process verifies its first
 * token without fetching AuthKit's key set. Web-standard (Cache API, a KV-shaped binding).
 */
import type { JwksStore, StoredJwks } from "./jwks.js";

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
  return {
    get: async (url) => (await kv.get(`authkit-mcp:jwks:${url}`, "json")) as StoredJwks | null,
    put: (url, value) =>
      kv.put(`authkit-mcp:jwks:${url}`, JSON.stringify(value), { expirationTtl: Math.max(60, ttlSeconds) }),
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
  const resolve = () => cache ?? (globalThis as unknown as { caches: { default: CacheLike } }).caches.default;
  // A synthetic https key: the Cache API only keys on http(s) URLs.
  const key = (url: string) => new Request(`https://authkit-mcp.cache/jwks?u=${encodeURIComponent(url)}`);
  return {
    get: async (url) => {
      const hit = await resolve().match(key(url));
      return hit ? ((await hit.json()) as StoredJwks) : undefined;
    },
    put: (url, value) =>
      resolve().put(
        key(url),
        new Response(JSON.stringify(value), {
          headers: { "content-type": "application/json", "cache-control": `max-age=${Math.max(60, ttlSeconds)}` },
        }),
      ),
  };
}
