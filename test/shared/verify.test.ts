// shared/spec/resource-server.md §4: validating the token (OAuth 2.1 §5.2, RFC 8707, RFC 9068).
import { base64url, exportJWK, generateKeyPair, importJWK, SignJWT } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { mcpRequest, RESOURCE, testProvider } from "../support/provider.js";
import { TEST_CLIENT_ID } from "../support/seed.js";
import { authkit, mintToken } from "../support/tokens.js";

async function reasonFor(token: string, overrides = {}) {
  const result = await testProvider(overrides).authenticate(mcpRequest(token));
  return result.ok ? "accepted" : result.error.reason;
}

function forge(header: object, payload: object, signature = "") {
  const enc = (o: object) => base64url.encode(JSON.stringify(o));
  return `${enc(header)}.${enc(payload)}.${signature}`;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("§4 validating the token", () => {
  it("§4 a valid AuthKit token is accepted and mapped to the session", async () => {
    const token = await mintToken(RESOURCE);
    const result = await testProvider().authenticate(mcpRequest(token));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { session, authInfo } = result.context;
    expect(session.userId).toBe("user_alice");
    expect(session.sessionId).toBe("session_alice");
    expect(session.organizationId).toBe("org_acme");
    expect(session.role).toBe("admin");
    expect(session.permissions).toEqual(["users:manage"]);
    expect(session.scopes).toEqual(["openid", "profile"]);
    expect(session.clientId).toBe("client_mcp");
    expect(session.expiresAt).toBeInstanceOf(Date);
    expect(session.issuedAt.getTime()).toBe(session.claims.iat * 1000);
    expect(authInfo.token).toBe(token);
    expect(authInfo.clientId).toBe("client_mcp");
    expect(authInfo.scopes).toEqual(["openid", "profile"]);
    expect(authInfo.expiresAt).toBe(session.claims.exp);
    expect(authInfo.resource?.href).toBe(RESOURCE);
    expect(authInfo.extra?.session).toBe(session);
  });

  it("§4 session and claims are frozen (readonly at run time too)", async () => {
    const result = await testProvider().authenticate(mcpRequest(await mintToken(RESOURCE)));
    if (!result.ok) throw new Error("refused");
    expect(Object.isFrozen(result.context.session)).toBe(true);
    expect(Object.isFrozen(result.context.session.claims)).toBe(true);
    expect(Object.isFrozen(result.context.session.permissions)).toBe(true);
  });

  it("§6 maps every AuthKit claim that is present and keeps the raw claims", async () => {
    const token = await mintToken(RESOURCE, {
      claims: {
        roles: ["admin", "billing"],
        entitlements: ["pro"],
        feature_flags: ["beta"],
        act: { sub: "user_support" },
        custom: 42,
      },
    });
    const result = await testProvider().authenticate(mcpRequest(token));
    if (!result.ok) throw new Error("refused");
    const s = result.context.session;
    expect(s.roles).toEqual(["admin", "billing"]);
    expect(s.entitlements).toEqual(["pro"]);
    expect(s.featureFlags).toEqual(["beta"]);
    expect(s.actor).toEqual({ sub: "user_support" });
    expect(s.tokenId).toBe(s.claims.jti);
    expect(s.claims.custom).toBe(42);
  });

  it("§4 sid is optional: a machine token has sessionId ''", async () => {
    const result = await testProvider().authenticate(
      mcpRequest(await mintToken(RESOURCE, { claims: { sid: undefined } })),
    );
    if (!result.ok) throw new Error("refused");
    expect(result.context.session.sessionId).toBe("");
  });

  it("§4 alg none is refused", async () => {
    const { issuer } = authkit();
    const now = Math.floor(Date.now() / 1000);
    const token = forge({ alg: "none" }, { iss: issuer, aud: RESOURCE, sub: "u", iat: now, exp: now + 60 });
    expect(await reasonFor(token)).toBe("algorithm_not_allowed");
  });

  it("§4 HS256 signed with the public key as secret (key confusion) is refused", async () => {
    const { issuer, privateJwk } = authkit();
    const secret = new TextEncoder().encode(JSON.stringify({ kty: "RSA", n: privateJwk.n, e: privateJwk.e }));
    const token = await new SignJWT({ sub: "user_alice" })
      .setProtectedHeader({ alg: "HS256", kid: "test-key-1" })
      .setIssuer(issuer)
      .setAudience(RESOURCE)
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(secret);
    expect(await reasonFor(token)).toBe("algorithm_not_allowed");
  });

  it("§4 a token signed by another key with a known kid is refused", async () => {
    const { issuer, kid } = authkit();
    const { privateKey } = await generateKeyPair("RS256");
    const token = await new SignJWT({ sub: "user_alice" })
      .setProtectedHeader({ alg: "RS256", kid })
      .setIssuer(issuer)
      .setAudience(RESOURCE)
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(privateKey);
    expect(await reasonFor(token)).toBe("signature_invalid");
  });

  it("§4 an unknown kid is refused; an embedded jwk/jku header is ignored, never fetched", async () => {
    const { issuer } = authkit();
    const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
    const jwk = await exportJWK(publicKey);
    let fetched: string[] = [];
    const token = await new SignJWT({ sub: "user_alice" })
      .setProtectedHeader({ alg: "RS256", kid: "attacker", jwk, jku: "http://127.0.0.1:9/jwks" })
      .setIssuer(issuer)
      .setAudience(RESOURCE)
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(privateKey);
    const reason = await reasonFor(token, {
      fetch: (input: RequestInfo | URL, init?: RequestInit) => {
        fetched.push(String(input instanceof Request ? input.url : input));
        return fetch(input, init);
      },
    });
    expect(reason).toBe("unknown_key");
    expect(fetched.every((u) => u === `${issuer}/oauth2/jwks`)).toBe(true);
    fetched = [];
  });

  it("§4 a tampered payload fails the signature check", async () => {
    const [h, p, s] = (await mintToken(RESOURCE)).split(".");
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(p as string)));
    claims.sub = "user_bob";
    expect(await reasonFor(`${h}.${base64url.encode(JSON.stringify(claims))}.${s}`)).toBe("signature_invalid");
  });

  it("§4 a JWE (five segments) and wrong segment counts are malformed", async () => {
    expect(await reasonFor("a.b.c.d.e")).toBe("malformed_token");
    expect(await reasonFor("a.b")).toBe("malformed_token");
  });

  it("§4 iss must equal the AuthKit issuer exactly (trailing slash and case variants refused)", async () => {
    const { issuer } = authkit();
    expect(await reasonFor(await mintToken(RESOURCE, { claims: { iss: `${issuer}/` } }))).toBe("issuer_mismatch");
    expect(await reasonFor(await mintToken(RESOURCE, { claims: { iss: issuer.toUpperCase() } }))).toBe(
      "issuer_mismatch",
    );
    expect(await reasonFor(await mintToken(RESOURCE, { claims: { iss: "https://other.authkit.app" } }))).toBe(
      "issuer_mismatch",
    );
  });

  it("§4 RFC 8707: aud must include this server's canonical resource", async () => {
    expect(await reasonFor(await mintToken("https://other.example.com/mcp"))).toBe("audience_mismatch");
    expect(
      await reasonFor(await mintToken(RESOURCE, { claims: { aud: ["https://a.example", "https://b.example"] } })),
    ).toBe("audience_mismatch");
    expect(await reasonFor(await mintToken(RESOURCE, { claims: { aud: ["https://a.example", RESOURCE] } }))).toBe(
      "accepted",
    );
    expect(await reasonFor(await mintToken(RESOURCE, { claims: { aud: undefined } }))).toBe("audience_mismatch");
  });

  it("§4 a token for another endpoint of the same server is refused on this one", async () => {
    const p = { endpoint: ["/mcp", "/admin/mcp"] };
    const token = await mintToken(RESOURCE);
    const result = await testProvider(p).authenticate(mcpRequest(token, { path: "/admin/mcp" }));
    expect(result.ok ? "accepted" : result.error.reason).toBe("audience_mismatch");
  });

  it("§4 the client-id audience is refused unless explicitly opted in", async () => {
    const token = await mintToken(RESOURCE, { claims: { aud: TEST_CLIENT_ID } });
    expect(await reasonFor(token)).toBe("client_id_audience"); // its own reason: the description says what to configure
    expect(await reasonFor(token, { acceptClientIdAudience: true })).toBe("accepted");
  });

  it("§4 configured extra audiences are accepted", async () => {
    const token = await mintToken("https://legacy.example.com");
    expect(await reasonFor(token, { audience: "https://legacy.example.com" })).toBe("accepted");
  });

  it("§4 exp within the clock tolerance is accepted, beyond it refused (time frozen)", async () => {
    const token = await mintToken(RESOURCE, { expiresIn: 60 });
    const exp = JSON.parse(new TextDecoder().decode(base64url.decode(token.split(".")[1] as string))).exp as number;
    const p = testProvider();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime((exp + 29) * 1000);
    expect((await p.authenticate(mcpRequest(token))).ok).toBe(true);
    vi.setSystemTime((exp + 31) * 1000);
    const late = await p.authenticate(mcpRequest(token));
    expect(late.ok ? "accepted" : late.error.reason).toBe("token_expired");
  });

  it("§4 nbf in the future and iat far in the future are refused", async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await reasonFor(await mintToken(RESOURCE, { claims: { nbf: now + 600 } }))).toBe("token_not_yet_valid");
    expect(await reasonFor(await mintToken(RESOURCE, { claims: { iat: now + 600, exp: now + 3600 } }))).toBe(
      "issued_in_future",
    );
    expect(await reasonFor(await mintToken(RESOURCE, { claims: { nbf: now + 10 } }))).toBe("accepted");
  });

  it("§4 exp and sub are required", async () => {
    expect(await reasonFor(await mintToken(RESOURCE, { claims: { exp: undefined } }))).toBe("missing_claim");
    expect(await reasonFor(await mintToken(RESOURCE, { claims: { sub: undefined } }))).toBe("missing_claim");
  });

  it("§4 claims of the wrong JSON type are refused", async () => {
    expect(await reasonFor(await mintToken(RESOURCE, { claims: { exp: "9999999999" } }))).not.toBe("accepted");
    expect(await reasonFor(await mintToken(RESOURCE, { claims: { permissions: "users:manage" } }))).toBe(
      "invalid_claim",
    );
    expect(await reasonFor(await mintToken(RESOURCE, { claims: { org_id: 7 } }))).toBe("invalid_claim");
    expect(await reasonFor(await mintToken(RESOURCE, { claims: { act: "user_x" } }))).toBe("invalid_claim");
  });

  it("§4 a crit header jose does not understand is refused", async () => {
    // jose refuses to sign it, so sign the JWS input by hand with WebCrypto.
    const { issuer, privateJwk, kid } = authkit();
    const key = (await importJWK(privateJwk, "RS256")) as CryptoKey;
    const now = Math.floor(Date.now() / 1000);
    const input = [
      base64url.encode(JSON.stringify({ alg: "RS256", kid, crit: ["x-unknown"], "x-unknown": true })),
      base64url.encode(JSON.stringify({ iss: issuer, aud: RESOURCE, sub: "user_alice", iat: now, exp: now + 600 })),
    ].join(".");
    const sig = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, new TextEncoder().encode(input));
    expect(await reasonFor(`${input}.${base64url.encode(new Uint8Array(sig))}`)).toBe("unsupported_token");
  });

  describe("§4 the compact JWS, read strictly (src/core/jws.ts)", () => {
    /** Signs `header.payload` by hand with the AuthKit key (jose refuses to sign some of these). */
    async function signed(header: object, payload?: object, key?: CryptoKey): Promise<string> {
      const { issuer, privateJwk } = authkit();
      const now = Math.floor(Date.now() / 1000);
      const claims = payload ?? { iss: issuer, aud: RESOURCE, sub: "user_alice", iat: now, exp: now + 600 };
      const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(claims))}`;
      const signer = key ?? ((await importJWK(privateJwk, "RS256")) as CryptoKey);
      const sig = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", signer, new TextEncoder().encode(input));
      return `${input}.${base64url.encode(new Uint8Array(sig))}`;
    }

    it("a correctly hand-signed token passes (the helper is right), b64/crit extensions are refused", async () => {
      const { kid } = authkit();
      expect(await reasonFor(await signed({ alg: "RS256", kid }))).toBe("accepted");
      expect(await reasonFor(await signed({ alg: "RS256", kid, b64: false, crit: ["b64"] }))).toBe("unsupported_token");
      expect(await reasonFor(await signed({ alg: "RS256", kid, crit: [] }))).toBe("unsupported_token");
      expect(await reasonFor(await signed({ alg: "rs256", kid }))).toBe("algorithm_not_allowed");
    });

    it("padding, non-canonical trailing bits, a non-object header and non-UTF-8 are malformed", async () => {
      const token = await mintToken(RESOURCE);
      const [h, p, s] = token.split(".") as [string, string, string];
      expect(await reasonFor(`${h}.${p}.${s}=`)).toBe("malformed_token");
      // The signature's last character with its unused low bits set: same bytes, another string.
      const last = s.charCodeAt(s.length - 1);
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      const slack = (s.length * 6) % 8; // unused bits in the last character
      if (slack > 0) {
        const twin = alphabet[alphabet.indexOf(String.fromCharCode(last)) | ((1 << slack) - 1)] as string;
        expect(base64url.decode(`${s.slice(0, -1)}${twin}`)).toEqual(base64url.decode(s));
        expect(await reasonFor(`${h}.${p}.${s.slice(0, -1)}${twin}`)).toBe("malformed_token");
      }
      expect(await reasonFor(`${base64url.encode("[1]")}.${p}.${s}`)).toBe("malformed_token");
      expect(await reasonFor(`${base64url.encode(new Uint8Array([0xff, 0xfe, 0x7b]))}.${p}.${s}`)).toBe(
        "malformed_token",
      );
      expect(await reasonFor(`${h}.${p}x.${s}`)).toBe("malformed_token"); // a length no encoding gives
    });

    it("a key under 2048 bits in the JWKS is refused even when the signature verifies", async () => {
      const { issuer } = authkit();
      const weak = (await crypto.subtle.generateKey(
        { name: "RSASSA-PKCS1-v1_5", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
        true,
        ["sign", "verify"],
      )) as CryptoKeyPair;
      const jwk = { ...(await exportJWK(weak.publicKey)), kid: "weak", alg: "RS256", use: "sig" };
      const token = await signed({ alg: "RS256", kid: "weak" }, undefined, weak.privateKey);
      const reason = await reasonFor(token, {
        fetch: async (input: RequestInfo | URL) =>
          String(input instanceof Request ? input.url : input) === `${issuer}/oauth2/jwks`
            ? Response.json({ keys: [jwk] })
            : new Response("not found", { status: 404 }),
      });
      expect(reason).toBe("unsupported_token");
    });
  });

  it("§4 validates on every request: one JWKS resolver per provider, fetched once for many tokens", async () => {
    const p = testProvider();
    const tokens = await Promise.all(
      Array.from({ length: 20 }, (_, i) => mintToken(RESOURCE, { claims: { sub: `user_${i}` } })),
    );
    const results = await Promise.all(tokens.map((t) => p.authenticate(mcpRequest(t))));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(p.jwks.fetchCount).toBe(1);
  });
});
