// Performance machinery that must not weaken any check: the verified-token cache, the JWKS
// resolver (single-flight, unknown-kid cooldown, stale-if-error), the shared JWKS store.
import { base64url } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type JwksStore, kvJwksStore, type StoredJwks, TokenCache } from "../../src/index.js";
import { mcpRequest, RESOURCE, testProvider } from "../support/provider.js";
import { authkit, mintToken } from "../support/tokens.js";

afterEach(() => {
  vi.useRealTimers();
});

function countingFetch() {
  const calls: string[] = [];
  const f: typeof fetch = (input, init) => {
    calls.push(input instanceof Request ? input.url : String(input));
    return fetch(input, init);
  };
  return { calls, fetch: f, jwksCalls: () => calls.filter((u) => u.endsWith("/oauth2/jwks")).length };
}

describe("verified-token cache", () => {
  it("a repeated token is accepted without a second signature check", async () => {
    const p = testProvider();
    const token = await mintToken(RESOURCE);
    for (let i = 0; i < 5; i++) expect((await p.authenticate(mcpRequest(token))).ok).toBe(true);
    expect(p.stats).toMatchObject({ verifications: 1, cacheHits: 4 });
  });

  it("each request still gets its own session object", async () => {
    const p = testProvider();
    const token = await mintToken(RESOURCE);
    const a = await p.authenticate(mcpRequest(token));
    const b = await p.authenticate(mcpRequest(token));
    expect(a.ok && b.ok && a.context.session !== b.context.session).toBe(true);
  });

  it("never serves an entry past exp (time frozen): the token is re-verified and refused", async () => {
    const p = testProvider({ clockTolerance: 0 });
    const token = await mintToken(RESOURCE, { expiresIn: 60 });
    const exp = JSON.parse(new TextDecoder().decode(base64url.decode(token.split(".")[1] as string))).exp as number;
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime((exp - 10) * 1000);
    expect((await p.authenticate(mcpRequest(token))).ok).toBe(true);
    vi.setSystemTime(exp * 1000 + 1);
    const late = await p.authenticate(mcpRequest(token));
    expect(late.ok ? "accepted" : late.error.reason).toBe("token_expired");
  });

  it("an entry is per endpoint: a token cached for /mcp is still refused on /admin/mcp", async () => {
    const p = testProvider({ endpoint: ["/mcp", "/admin/mcp"] });
    const token = await mintToken(RESOURCE);
    expect((await p.authenticate(mcpRequest(token))).ok).toBe(true);
    const other = await p.authenticate(mcpRequest(token, { path: "/admin/mcp" }));
    expect(other.ok ? "accepted" : other.error.reason).toBe("audience_mismatch");
  });

  it("refused tokens are never cached; tokenCache: false verifies every time", async () => {
    const p = testProvider({ tokenCache: false });
    const token = await mintToken(RESOURCE);
    await p.authenticate(mcpRequest(token));
    await p.authenticate(mcpRequest(token));
    expect(p.stats).toMatchObject({ verifications: 2, cacheHits: 0 });
    const bad = await mintToken("https://elsewhere.example/mcp");
    const q = testProvider();
    await q.authenticate(mcpRequest(bad));
    await q.authenticate(mcpRequest(bad));
    expect(q.stats.verifications).toBe(2);
  });

  it("is a bounded LRU", () => {
    const cache = new TokenCache({ maxEntries: 3 });
    const claims = (n: number) => ({ sub: `u${n}`, exp: Date.now() / 1000 + 60 }) as never;
    for (let i = 0; i < 5; i++) cache.set(`t${i}`, claims(i));
    expect(cache.size).toBe(3);
    expect(cache.get("t0")).toBeUndefined();
    expect(cache.get("t2")).toBeDefined();
    cache.set("t5", claims(5)); // evicts t3 (t2 was just used)
    expect(cache.get("t3")).toBeUndefined();
    expect(cache.get("t2")).toBeDefined();
  });

  it("a token used on every request is never evicted, however many others pass through", () => {
    const cache = new TokenCache({ maxEntries: 100 });
    const claims = (n: number) => ({ sub: `u${n}`, exp: Date.now() / 1000 + 60 }) as never;
    cache.set("hot", claims(-1));
    for (let i = 0; i < 5000; i++) {
      cache.set(`cold${i}`, claims(i));
      expect(cache.get("hot"), `evicted after ${i} others`).toBeDefined();
    }
    expect(cache.size).toBe(100);
    // Used once every 40 insertions (under half the cache): still never evicted.
    const warm = new TokenCache({ maxEntries: 100 });
    warm.set("warm", claims(-2));
    for (let i = 0; i < 2000; i++) {
      warm.set(`cold${i}`, claims(i));
      if (i % 40 === 0) expect(warm.get("warm"), `evicted after ${i} others`).toBeDefined();
    }
    // Not used at all: gone after the cache turned over once.
    expect(warm.get("cold0")).toBeUndefined();
  });

  it("answers only for exactly the verified token, even when another shares its signature's tail", async () => {
    const cache = new TokenCache();
    const good = await mintToken(RESOURCE);
    cache.set(good, { sub: "user_alice", exp: Date.now() / 1000 + 60 } as never);
    const [, , sig] = good.split(".");
    // A forged header and payload with the verified token's signature: same cache key, another token.
    const forged = `eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyX2V2ZSJ9.${sig}`;
    expect(cache.get(forged)).toBeUndefined();
    expect(cache.get(good)?.sub).toBe("user_alice");
    const p = testProvider();
    expect((await p.authenticate(mcpRequest(good))).ok).toBe(true);
    const result = await p.authenticate(mcpRequest(forged));
    expect(result.ok).toBe(false);
    expect(p.stats.cacheHits).toBe(0);
  });
});

describe("JWKS resolver", () => {
  it("1,000 concurrent cold requests cause exactly one JWKS fetch (single-flight)", async () => {
    const counter = countingFetch();
    const p = testProvider({ fetch: counter.fetch, tokenCache: false });
    const token = await mintToken(RESOURCE);
    const results = await Promise.all(Array.from({ length: 1000 }, () => p.authenticate(mcpRequest(token))));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(counter.jwksCalls()).toBe(1);
  });

  it("a flood of random unknown kids refetches at most once per cooldown (time frozen)", async () => {
    const counter = countingFetch();
    const p = testProvider({ fetch: counter.fetch });
    const now = Math.floor(Date.now() / 1000);
    const forged = (kid: string) =>
      `${base64url.encode(JSON.stringify({ alg: "RS256", kid }))}.${base64url.encode(
        JSON.stringify({ iss: authkit().issuer, aud: RESOURCE, sub: "x", iat: now, exp: now + 60 }),
      )}.${base64url.encode("sig")}`;
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(now * 1000);
    for (let i = 0; i < 2000; i++) {
      const r = await p.authenticate(mcpRequest(forged(`k${crypto.randomUUID()}`)));
      expect(r.ok).toBe(false);
    }
    // one cold fetch, and no refetch within the 30 s cooldown of it
    expect(counter.jwksCalls()).toBe(1);
    vi.setSystemTime((now + 31) * 1000);
    for (let i = 0; i < 100; i++) await p.authenticate(mcpRequest(forged(`k${i}`)));
    expect(counter.jwksCalls()).toBe(2);
  });

  it("stale-if-error: keys keep serving when AuthKit is down after they expire", async () => {
    let down = false;
    const p = testProvider({
      tokenCache: false,
      fetch: async (input, init) => {
        if (down) throw new TypeError("fetch failed");
        return fetch(input, init);
      },
    });
    const token = await mintToken(RESOURCE, { expiresIn: 7200 });
    expect((await p.authenticate(mcpRequest(token))).ok).toBe(true);
    down = true;
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 20 * 60_000); // past the 10 min key max-age
    expect((await p.authenticate(mcpRequest(token))).ok).toBe(true);
  });

  it("a shared store: a second provider (a fresh isolate) verifies without fetching the JWKS", async () => {
    const data = new Map<string, string>();
    const kv = {
      get: async (key: string) => (data.has(key) ? JSON.parse(data.get(key) as string) : null),
      put: async (key: string, value: string) => void data.set(key, value),
    };
    const store: JwksStore = kvJwksStore(kv);
    const counter = countingFetch();
    const token = await mintToken(RESOURCE);
    const first = testProvider({ fetch: counter.fetch, jwksStore: store });
    expect((await first.authenticate(mcpRequest(token))).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 10)); // the store write is fire-and-forget
    const second = testProvider({ fetch: counter.fetch, jwksStore: store });
    expect((await second.authenticate(mcpRequest(token))).ok).toBe(true);
    expect(counter.jwksCalls()).toBe(1);
    const stored = JSON.parse([...data.values()][0] as string) as StoredJwks;
    expect(stored.keys[0]?.kty).toBe("RSA");
  });

  it("a stale or broken store is ignored (falls back to the network)", async () => {
    const counter = countingFetch();
    const stale: JwksStore = { get: async () => ({ keys: [], fetchedAt: 0 }), put: async () => {} };
    const broken: JwksStore = {
      get: async () => {
        throw new Error("kv down");
      },
      put: async () => {},
    };
    const token = await mintToken(RESOURCE);
    for (const store of [stale, broken]) {
      expect((await testProvider({ fetch: counter.fetch, jwksStore: store }).authenticate(mcpRequest(token))).ok).toBe(
        true,
      );
    }
    expect(counter.jwksCalls()).toBe(2);
  });
});
