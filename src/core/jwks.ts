/**
 * AuthKit's JSON Web Key Set, fetched once per provider and cached.
 *
 * - single-flight: concurrent cold requests share one fetch;
 * - an unknown `kid` triggers a refetch at most once per cooldown (a stream of random
 *   `kid`s cannot make us hammer AuthKit);
 * - stale-if-error: keys already fetched keep serving while AuthKit is unreachable;
 * - no usable key at all is an outage (503), not a bad token (MCP: avoid re-auth loops).
 *
 * Only the keys' own parameters are trusted: a token's `jku`, `x5u` or `jwk` header is never
 * read (jose ignores them when given a key resolver).
 */
import { createLocalJWKSet, errors, type FlattenedJWSInput, type JSONWebKeySet, type JWSHeaderParameters } from "jose";
import { AuthError } from "./errors.js";

/**
 * A key-set store shared beyond one isolate or process (Workers Cache API, KV, Redis...), so a
 * fresh isolate verifies its first token without fetching AuthKit's JWKS.
 *
 * @example
 * ```ts
 * const store: JwksStore = { get: (url) => kv.get(url, "json"), put: (url, value) => kv.put(url, JSON.stringify(value)) };
 * ```
 */
export interface JwksStore {
  get(url: string): Promise<StoredJwks | undefined | null>;
  put(url: string, value: StoredJwks): Promise<void>;
}

/**
 * What a {@link JwksStore} keeps: the key set and when it was fetched (ms since the epoch).
 *
 * @example
 * ```ts
 * await store.put(url, { keys, fetchedAt: Date.now() } satisfies StoredJwks);
 * ```
 */
export interface StoredJwks {
  readonly keys: JSONWebKeySet["keys"];
  readonly fetchedAt: number;
}

/**
 * JwksOptions.
 *
 * @example
 * ```ts
 * new JwksCache({ url, fetch, timeout: 5000, cooldown: 30_000 } satisfies JwksOptions);
 * ```
 */
export interface JwksOptions {
  readonly url: string;
  readonly fetch: typeof fetch;
  /** Abandon a fetch after this many ms. */
  readonly timeout: number;
  /** Refetch keys older than this (ms). Default 10 minutes. */
  readonly maxAge?: number;
  /** Minimum ms between refetches caused by an unknown `kid`. Default 30 s. */
  readonly cooldown?: number;
  /**
   * After a failed fetch with no keys, ms before the next attempt (one fetch at a time in any
   * case). Default 1 s: once AuthKit answers again, requests are served within about a second,
   * while an outage costs AuthKit at most one JWKS request per second per provider.
   */
  readonly retryAfter?: number;
  /** Shared store consulted before the network on a cold start, and updated after each fetch. */
  readonly store?: JwksStore | undefined;
}

type KeyLookup = ReturnType<typeof createLocalJWKSet>;

/**
 * A JWKS resolver for jose's `jwtVerify`. One per provider, never one per request.
 *
 * @example
 * ```ts
 * const jwks = new JwksCache({ url: "https://x.authkit.app/oauth2/jwks", fetch, timeout: 5000 });
 * await jwtVerify(token, jwks.getKey, { algorithms: ["RS256"] });
 * ```
 */
/** The key lookup's second argument (an unprotected header, which a compact JWS has none of). */
const NO_TOKEN: FlattenedJWSInput = { payload: "", signature: "" };

export class JwksCache {
  readonly #options: Required<Omit<JwksOptions, "store">>;
  readonly #store: JwksStore | undefined;
  #lookup: KeyLookup | undefined;
  /** Keys resolved by kid from the current `#lookup` (cleared when it changes). */
  #resolved = new Map<string, CryptoKey>();
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  #lastFailure = Number.NEGATIVE_INFINITY;
  #inflight: Promise<void> | undefined;
  /** Number of JWKS fetches started (for tests and benchmarks). */
  fetchCount = 0;

  constructor(options: JwksOptions) {
    const { store, ...rest } = options;
    this.#options = { maxAge: 10 * 60_000, cooldown: 30_000, retryAfter: 1_000, ...rest };
    this.#store = store;
  }

  /** Seconds a client should wait before retrying after an outage. */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.#options.retryAfter / 1000));
  }

  /**
   * The RS256 key for `kid`, without a promise when this key set already resolved it (jose's
   * lookup depends only on `alg` and `kid`, and `alg` is fixed); else {@link getKey}. Internal.
   */
  keyFor(header: JWSHeaderParameters): CryptoKey | Promise<CryptoKey> {
    const kid = header.kid;
    if (typeof kid === "string" && Date.now() - this.#fetchedAt <= this.#options.maxAge) {
      const known = this.#resolved.get(kid);
      if (known !== undefined) return known;
    }
    const lookup = this.#lookup;
    return this.getKey(header, NO_TOKEN).then((key) => {
      // Only for the key set that answered (a refetch in between starts a new map).
      if (typeof kid === "string" && this.#lookup === lookup && this.#resolved.size < 64) this.#resolved.set(kid, key);
      return key;
    });
  }

  readonly getKey = (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> => {
    const lookup = this.#lookup;
    // Hot path: fresh keys, a known kid — no extra promise hops.
    if (lookup !== undefined && Date.now() - this.#fetchedAt <= this.#options.maxAge) {
      return lookup(header, token).catch((error: unknown) => this.#onLookupError(error, header, token, lookup));
    }
    return this.#slowKey(header, token);
  };

  async #slowKey(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> {
    await this.#refresh();
    const lookup = this.#lookup;
    if (lookup === undefined) throw new AuthError("jwks_unavailable", "No JWKS could be fetched from AuthKit");
    try {
      return await lookup(header, token);
    } catch (error) {
      return this.#onLookupError(error, header, token, lookup);
    }
  }

  async #onLookupError(
    error: unknown,
    header: JWSHeaderParameters,
    token: FlattenedJWSInput,
    lookup: KeyLookup,
  ): Promise<CryptoKey> {
    if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
    // Unknown kid: maybe AuthKit rotated keys. Refetch, but at most once per cooldown.
    if (Date.now() - this.#lastAttempt < this.#options.cooldown) throw error;
    await this.#refresh();
    return await (this.#lookup ?? lookup)(header, token);
  }

  #refresh(): Promise<void> {
    if (this.#inflight) return this.#inflight;
    if (this.#lookup === undefined && Date.now() - this.#lastFailure < this.#options.retryAfter) {
      return Promise.reject(new AuthError("jwks_unavailable", "JWKS fetch failed recently; not retrying yet"));
    }
    this.#inflight = this.#load().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  /** A fresh key set from the shared store (cold start only); store failures are ignored. */
  async #fromStore(): Promise<boolean> {
    if (this.#store === undefined || this.#lookup !== undefined) return false;
    try {
      const stored = await this.#store.get(this.#options.url);
      if (!stored || !Array.isArray(stored.keys) || Date.now() - stored.fetchedAt > this.#options.maxAge) return false;
      this.#lookup = createLocalJWKSet({ keys: stored.keys.filter((k) => k && k.kty === "RSA") });
      this.#resolved = new Map();
      this.#fetchedAt = stored.fetchedAt;
      return true;
    } catch {
      return false;
    }
  }

  async #load(): Promise<void> {
    if (await this.#fromStore()) return;
    this.#lastAttempt = Date.now();
    this.fetchCount++;
    try {
      const response = await this.#options.fetch(this.#options.url, {
        headers: { accept: "application/json" },
        redirect: "manual",
        signal: AbortSignal.timeout(this.#options.timeout),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new Error(`JWKS endpoint answered HTTP ${response.status}`);
      }
      const body = (await response.json()) as JSONWebKeySet;
      if (!body || !Array.isArray(body.keys)) throw new Error("JWKS response has no keys array");
      const usable = body.keys.filter((k) => k && typeof k === "object" && k.kty === "RSA");
      if (usable.length === 0) throw new Error("JWKS response has no RSA key");
      this.#lookup = createLocalJWKSet({ keys: usable });
      this.#resolved = new Map();
      this.#fetchedAt = Date.now();
      this.#store?.put(this.#options.url, { keys: usable, fetchedAt: this.#fetchedAt }).catch(() => {});
    } catch (cause) {
      this.#lastFailure = Date.now();
      // Stale-if-error: keep the keys we have; only a cold cache is an outage.
      if (this.#lookup !== undefined) return;
      throw new AuthError("jwks_unavailable", "JWKS could not be fetched from AuthKit", { cause });
    }
  }
}
