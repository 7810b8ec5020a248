/**
 * Verified-token cache: a token that passed full verification is accepted again without a
 * second signature check until its `exp` (never longer). Bounded LRU; keyed by the tail of
 * the signature and compared against the whole token. One cache per provider and endpoint, so
 * an entry is only ever created by a verification with the same configuration.
 */
import type { JWTClaims } from "./session.js";

const KEY_LENGTH = 16;

/** Options of the verified-token cache (`tokenCache` provider option). */
export interface TokenCacheOptions {
  /** Maximum entries; the least recently used is evicted. Default 10,000. */
  readonly maxEntries?: number;
}

/**
 * A bounded LRU of verified claims, entries dropped at `exp`.
 *
 * @example
 * ```ts
 * const cache = new TokenCache({ maxEntries: 1000 });
 * cache.set(token, claims);
 * cache.get(token); // claims until claims.exp
 * ```
 */
export class TokenCache {
  readonly #max: number;
  // Keyed by the signature's last 16 characters (96 bits of a signature: distinct tokens never
  // share them by chance; the token is a new string on every request, so a short key hashes
  // fast), then the whole token is compared: an entry is only ever returned for exactly the
  // token that was verified (one crafted to share the key misses, and overwrites nothing).
  // Map order is recency order; `stamp` is the entry's place in it (see `get`).
  readonly #entries = new Map<string, { token: string; claims: JWTClaims; stamp: number }>();
  #tick = 0;

  constructor(options: TokenCacheOptions = {}) {
    this.#max = options.maxEntries ?? 10_000;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(token: string): JWTClaims | undefined {
    const key = token.slice(-KEY_LENGTH);
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.token !== token) return undefined;
    const claims = entry.claims;
    // Never past the token's own life: at `exp` the entry is gone, and the token goes back
    // through full verification (where the clock tolerance applies, and it is refused).
    if (Date.now() >= claims.exp * 1000) {
      this.#entries.delete(key);
      return undefined;
    }
    // LRU at half-cache granularity: an entry already among the newest half is not moved (a
    // token repeated on every request costs a lookup, not a delete and an insert); it cannot
    // be evicted before half the cache has been replaced, and is moved when used after that.
    if (this.#tick - entry.stamp > this.#max >> 1) {
      this.#entries.delete(key);
      entry.stamp = ++this.#tick;
      this.#entries.set(key, entry);
    }
    return claims;
  }

  set(token: string, claims: JWTClaims): void {
    if (this.#max <= 0) return;
    const key = token.slice(-KEY_LENGTH);
    if (!this.#entries.has(key) && this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.delete(key);
    this.#entries.set(key, { token, claims, stamp: ++this.#tick });
  }

  clear(): void {
    this.#entries.clear();
  }
}
