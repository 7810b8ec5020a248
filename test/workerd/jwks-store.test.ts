// Across isolates on Workers: the Cache API store lets a fresh provider (a cleared module
// state, as in a new isolate) verify its first token with no JWKS fetch.
import { describe, expect, it } from "vitest";
import { cacheApiJwksStore } from "../../src/index.js";
import { mcpRequest, RESOURCE, testProvider } from "../support/provider.js";
import { mintToken } from "../support/tokens.js";

describe("cacheApiJwksStore (workerd Cache API)", () => {
  it("two providers, one JWKS fetch in all", async () => {
    let jwksFetches = 0;
    const counting: typeof fetch = (input, init) => {
      if (String(input instanceof Request ? input.url : input).endsWith("/oauth2/jwks")) jwksFetches++;
      return fetch(input, init);
    };
    const store = cacheApiJwksStore();
    const token = await mintToken(RESOURCE);
    expect((await testProvider({ fetch: counting, jwksStore: store }).authenticate(mcpRequest(token))).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect((await testProvider({ fetch: counting, jwksStore: store }).authenticate(mcpRequest(token))).ok).toBe(true);
    expect(jwksFetches).toBe(1);
  });
});
