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

export interface JwksOptions {
  readonly url: string;
  readonly fetch: typeof fetch;
  /** Abandon a fetch after this many ms. */
  readonly timeout: number;
  /** Refetch keys older than this (ms). Default 10 minutes. */
  readonly maxAge?: number;
  /** Minimum ms between refetches caused by an unknown `kid`. Default 30 s. */
  readonly cooldown?: number;
  /** After a failed fetch with no keys, ms before the next attempt. Default 5 s. */
  readonly retryAfter?: number;
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
export class JwksCache {
  readonly #options: Required<JwksOptions>;
  #lookup: KeyLookup | undefined;
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  #lastFailure = Number.NEGATIVE_INFINITY;
  #inflight: Promise<void> | undefined;
  /** Number of JWKS fetches started (for tests and benchmarks). */
  fetchCount = 0;

  constructor(options: JwksOptions) {
    this.#options = { maxAge: 10 * 60_000, cooldown: 30_000, retryAfter: 5_000, ...options };
  }

  /** Seconds a client should wait before retrying after an outage. */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.#options.retryAfter / 1000));
  }

  readonly getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> => {
    const now = Date.now();
    if (this.#lookup === undefined || now - this.#fetchedAt > this.#options.maxAge) await this.#refresh();
    const lookup = this.#lookup;
    if (lookup === undefined) throw new AuthError("jwks_unavailable", "No JWKS could be fetched from AuthKit");
    try {
      return await lookup(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      // Unknown kid: maybe AuthKit rotated keys. Refetch, but at most once per cooldown.
      if (Date.now() - this.#lastAttempt < this.#options.cooldown) throw error;
      await this.#refresh();
      return await (this.#lookup ?? lookup)(header, token);
    }
  };

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

  async #load(): Promise<void> {
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
      this.#fetchedAt = Date.now();
    } catch (cause) {
      this.#lastFailure = Date.now();
      // Stale-if-error: keep the keys we have; only a cold cache is an outage.
      if (this.#lookup !== undefined) return;
      throw new AuthError("jwks_unavailable", "JWKS could not be fetched from AuthKit", { cause });
    }
  }
}
