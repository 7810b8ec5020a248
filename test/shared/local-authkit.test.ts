// The local AuthKit (authkit-mcp/dev): AuthKit's OAuth endpoints and the WorkOS API slice,
// driven as a fetch handler (no sockets), in Node and in workerd.

import fc from "fast-check";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { createLocalAuthKit, DEFAULT_SEED, parseSeed } from "../../src/dev/index.js";
import { ConfigError, workosProvider } from "../../src/index.js";
import { pkce } from "../support/pkce.js";

const ISSUER = "http://127.0.0.1:8788";
const REDIRECT = "http://127.0.0.1:33418/callback";
const RESOURCE = "http://127.0.0.1:8787/mcp";

async function setup() {
  const authkit = createLocalAuthKit({ issuer: ISSUER, autoSignIn: true });
  const call = (path: string, init?: RequestInit) => authkit.fetch(new Request(`${ISSUER}${path}`, init));
  const reg = await call("/oauth2/register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ redirect_uris: [REDIRECT], client_name: "test" }),
  });
  const client = (await reg.json()) as { client_id: string };
  const authorizeUrl = async (extra: Record<string, string> = {}) => {
    const { verifier, challenge } = await pkce();
    const q = new URLSearchParams({
      response_type: "code",
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      code_challenge: challenge,
      code_challenge_method: "S256",
      state: "st-123",
      resource: RESOURCE,
      scope: "openid profile",
      ...extra,
    });
    return { path: `/oauth2/authorize?${q}`, verifier };
  };
  const exchange = (form: Record<string, string>) =>
    call("/oauth2/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form),
    });
  const signIn = async (extra: Record<string, string> = {}) => {
    const { path, verifier } = await authorizeUrl(extra);
    const res = await call(path);
    const location = new URL(res.headers.get("location") ?? "");
    return { res, location, code: location.searchParams.get("code") ?? "", verifier };
  };
  /** Exchanges a code (authorization_code grant) and returns the token response body. */
  const redeem = async (code: string, verifier: string) =>
    (
      await exchange({ grant_type: "authorization_code", code, code_verifier: verifier, client_id: client.client_id })
    ).json();
  return { authkit, call, client, authorizeUrl, exchange, signIn, redeem, regStatus: reg.status };
}

describe("local AuthKit: discovery and keys", () => {
  it("serves AuthKit's RFC 8414 fields at both well-known URLs, issuer exactly its origin", async () => {
    const { call } = await setup();
    for (const path of ["/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"]) {
      const doc = await (await call(path)).json();
      expect(doc.issuer).toBe(ISSUER);
      expect(doc.code_challenge_methods_supported).toEqual(["S256"]);
      expect(doc.registration_endpoint).toBe(`${ISSUER}/oauth2/register`);
      expect(doc.client_id_metadata_document_supported).toBe(true);
      expect(doc.jwks_uri).toBe(`${ISSUER}/oauth2/jwks`);
    }
  });

  it("serves an RS256 public key with a kid, and never the private parts", async () => {
    const { call } = await setup();
    const { keys } = await (await call("/oauth2/jwks")).json();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
    expect(typeof keys[0].kid).toBe("string");
    expect(keys[0].d).toBeUndefined();
  });

  it("refuses a non-loopback issuer, and requests addressed to another host", async () => {
    expect(() => createLocalAuthKit({ issuer: "https://acme.authkit.app" })).toThrow(ConfigError);
    expect(() => createLocalAuthKit({ issuer: "http://10.0.0.5:8788" })).toThrow(/loopback/);
    const authkit = createLocalAuthKit({ issuer: ISSUER });
    expect((await authkit.fetch(new Request("http://evil.example/oauth2/jwks"))).status).toBe(403);
  });
});

describe("local AuthKit: registration (RFC 7591)", () => {
  it("registers a public client", async () => {
    const { client, regStatus } = await setup();
    expect(regStatus).toBe(201);
    expect(client.client_id).toMatch(/^client_/);
  });

  it.each([
    [{}, "invalid_redirect_uri"],
    [{ redirect_uris: ["javascript:alert(1)"] }, "invalid_redirect_uri"],
    [{ redirect_uris: ["http://example.com/cb"] }, "invalid_redirect_uri"],
    [{ redirect_uris: [REDIRECT], token_endpoint_auth_method: "private_key_jwt" }, "invalid_client_metadata"],
  ])("refuses bad metadata %j with %s", async (body, error) => {
    const { call } = await setup();
    const res = await call("/oauth2/register", { method: "POST", body: JSON.stringify(body) });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe(error);
  });

  it("refuses a body that is not JSON", async () => {
    const { call } = await setup();
    const res = await call("/oauth2/register", { method: "POST", body: "{nope" });
    expect(res.status).toBe(400);
  });
});

describe("local AuthKit: authorization and tokens", () => {
  it("signs in the default user headlessly: 302 to redirect_uri with code, state and iss", async () => {
    const { location, res } = await setup().then((s) => s.signIn());
    expect(res.status).toBe(302);
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.searchParams.get("state")).toBe("st-123");
    expect(location.searchParams.get("iss")).toBe(ISSUER);
    expect(location.searchParams.get("code")).toBeTruthy();
  });

  it("exchanges the code (PKCE S256) for an AuthKit-shaped access token bound to the resource", async () => {
    const s = await setup();
    const { code, verifier } = await s.signIn();
    const res = await s.exchange({
      grant_type: "authorization_code",
      code,
      code_verifier: verifier,
      client_id: s.client.client_id,
      redirect_uri: REDIRECT,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await res.json();
    expect(body.token_type).toBe("Bearer");
    const claims = decodeJwt(body.access_token);
    const alice = DEFAULT_SEED.users[0];
    expect(claims).toMatchObject({
      iss: ISSUER,
      sub: alice?.id,
      aud: RESOURCE,
      org_id: "org_01ACME",
      scope: "openid profile",
      client_id: s.client.client_id,
    });
    for (const c of ["sid", "jti", "iat", "exp"]) expect(claims[c]).toBeDefined();
    // WorkOS "Access token claims" of a Connect token: exactly these, no role or permissions.
    expect(Object.keys(claims).sort()).toEqual(
      ["aud", "client_id", "exp", "iat", "iss", "jti", "org_id", "scope", "sid", "sub"].sort(),
    );
  });

  it("the code is single-use", async () => {
    const s = await setup();
    const { code, verifier } = await s.signIn();
    const form = { grant_type: "authorization_code", code, code_verifier: verifier, client_id: s.client.client_id };
    expect((await s.exchange(form)).status).toBe(200);
    const again = await s.exchange(form);
    expect(again.status).toBe(400);
    expect((await again.json()).error).toBe("invalid_grant");
  });

  it("a wrong code_verifier, another client, or another resource is refused", async () => {
    const s = await setup();
    const a = await s.signIn();
    expect(
      (
        await (
          await s.exchange({
            grant_type: "authorization_code",
            code: a.code,
            code_verifier: "x".repeat(43),
            client_id: s.client.client_id,
          })
        ).json()
      ).error,
    ).toBe("invalid_grant");
    const b = await s.signIn();
    expect(
      (
        await (
          await s.exchange({
            grant_type: "authorization_code",
            code: b.code,
            code_verifier: b.verifier,
            client_id: s.client.client_id,
            resource: "http://127.0.0.1:1/other",
          })
        ).json()
      ).error,
    ).toBe("invalid_target");
    const c = await s.signIn();
    expect(
      (
        await s.exchange({
          grant_type: "authorization_code",
          code: c.code,
          code_verifier: c.verifier,
          client_id: "client_unknown",
        })
      ).status,
    ).toBe(401);
  });

  it("without resource, aud is the environment client id (AuthKit's legacy audience), not the requesting client", async () => {
    const s = await setup();
    const { path, verifier } = await s.authorizeUrl();
    const url = new URL(path, ISSUER);
    url.searchParams.delete("resource");
    const loc = new URL((await s.call(url.pathname + url.search)).headers.get("location") ?? "");
    const code = loc.searchParams.get("code") ?? "";
    const form = { grant_type: "authorization_code", code, code_verifier: verifier, client_id: s.client.client_id };
    const body = await (await s.exchange(form)).json();
    expect(decodeJwt(body.access_token).aud).toBe("client_local_dev");
    expect(decodeJwt(body.access_token).client_id).toBe(s.client.client_id);
  });

  it("refresh_token: a new access token, rotation (old refresh token refused), scope may only narrow", async () => {
    const s = await setup();
    const { code, verifier } = await s.signIn();
    const first = await s.redeem(code, verifier);
    const wider = await s.exchange({
      grant_type: "refresh_token",
      refresh_token: first.refresh_token,
      client_id: s.client.client_id,
      scope: "openid admin",
    });
    expect((await wider.json()).error).toBe("invalid_scope");
    // A refused attempt still consumed it: rotation is strict. Start again.
    const again = await s.signIn();
    const second = await s.redeem(again.code, again.verifier);
    const refreshed = await s.exchange({
      grant_type: "refresh_token",
      refresh_token: second.refresh_token,
      client_id: s.client.client_id,
    });
    expect(refreshed.status).toBe(200);
    const body = await refreshed.json();
    expect(decodeJwt(body.access_token).aud).toBe(RESOURCE);
    expect(body.refresh_token).not.toBe(second.refresh_token);
    const reuse = await s.exchange({
      grant_type: "refresh_token",
      refresh_token: second.refresh_token,
      client_id: s.client.client_id,
    });
    expect((await reuse.json()).error).toBe("invalid_grant");
  });

  it("login_hint picks another seeded user; organization_id another of their organizations", async () => {
    const s = await setup();
    const { code, verifier } = await s.signIn({ login_hint: "bob@example.com", organization_id: "org_01GLOBEX" });
    const body = await s.redeem(code, verifier);
    expect(decodeJwt(body.access_token)).toMatchObject({ sub: "user_01BOB", org_id: "org_01GLOBEX" });
    expect(decodeJwt(body.access_token).role).toBeUndefined();
  });

  it.each([
    [{ code_challenge_method: "plain" }, "invalid_request"],
    [{ code_challenge: "short" }, "invalid_request"],
    [{ response_type: "token" }, "unsupported_response_type"],
    [{ resource: "not a url" }, "invalid_target"],
    [{ resource: "http://127.0.0.1:8787/mcp#frag" }, "invalid_target"],
    [{ login_hint: "nobody@example.com" }, "access_denied"],
    [{ organization_id: "org_01GLOBEX" }, "access_denied"],
  ])("refuses %j by redirecting with error=%s and the state", async (extra, error) => {
    const { location } = await setup().then((s) => s.signIn(extra));
    expect(location.searchParams.get("error")).toBe(error);
    expect(location.searchParams.get("state")).toBe("st-123");
    expect(location.searchParams.get("code")).toBeNull();
  });

  it("never redirects to an unregistered redirect_uri or for an unknown client (400 page instead)", async () => {
    const s = await setup();
    const { path } = await s.authorizeUrl({ redirect_uri: "https://evil.example/cb" });
    const res = await s.call(path);
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    const garbage = await s.call((await s.authorizeUrl({ redirect_uri: "not a url::" })).path);
    expect(garbage.status).toBe(400);
    const unknown = await s.call((await s.authorizeUrl({ client_id: "client_nope" })).path);
    expect(unknown.status).toBe(400);
  });

  it("prompt=select_account shows the sign-in page (even with autoSignIn), escaped; choosing an account continues", async () => {
    const s = await setup();
    const res = await s.call((await s.authorizeUrl({ prompt: "select_account", state: '"><script>' })).path);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain("bob@example.com");
    expect(html).not.toContain('"><script>');
    const tx = /name="tx" value="([^"]+)"/.exec(html)?.[1] ?? "";
    const chosen = await s.call("/oauth2/authorize/sign-in", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ tx, user: "user_01CAROL" }),
    });
    expect(chosen.status).toBe(303); // carol has no organization; autoSignIn grants consent
    expect(new URL(chosen.headers.get("location") ?? "").searchParams.get("code")).toMatch(/^code_/);
    expect(chosen.headers.get("set-cookie")).toMatch(/HttpOnly; SameSite=Lax/);
  });

  it.each([
    [{ grant_type: "password" }, "unsupported_grant_type"],
    [{ grant_type: "authorization_code" }, "invalid_request"],
    [{ grant_type: "refresh_token" }, "invalid_request"],
  ])("token errors per RFC 6749 §5.2: %j → %s", async (form, error) => {
    const s = await setup();
    const res = await s.exchange({ ...form, client_id: s.client.client_id });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe(error);
  });

  it("minted tokens verify with a provider pointed at it, and never with one for a real AuthKit domain", async () => {
    const authkit = createLocalAuthKit({ issuer: ISSUER });
    const token = await authkit.mintToken({ user: "bob@example.com", audience: RESOURCE, scopes: ["mcp:read"] });
    const localFetch: typeof fetch = (input, init) => authkit.fetch(new Request(input, init));
    const base = { clientId: "client_x", baseURL: "http://127.0.0.1:8787", log: false as const, fetch: localFetch };
    const local = workosProvider({ ...base, authkitDomain: ISSUER });
    const ok = await local.authenticate(new Request(RESOURCE, { headers: { authorization: `Bearer ${token}` } }));
    expect(ok.ok && ok.context.session.userId).toBe("user_01BOB");
    expect(ok.ok && ok.context.session.scopes).toEqual(["mcp:read"]);
    const real = workosProvider({ ...base, authkitDomain: "acme.authkit.app", fetch: localFetch });
    const refused = await real.authenticate(new Request(RESOURCE, { headers: { authorization: `Bearer ${token}` } }));
    expect(refused.ok).toBe(false);
  });
});

/** A WorkOS API call to a local AuthKit, with its API key unless told otherwise. */
const api = (authkit: ReturnType<typeof createLocalAuthKit>, path: string, key = authkit.apiKey) =>
  authkit.fetch(new Request(`${ISSUER}${path}`, { headers: { authorization: `Bearer ${key}` } }));

describe("local AuthKit: WorkOS API", () => {
  it("GET /user_management/users/{id}: WorkOS's user shape; 404 entity_not_found for an unknown id", async () => {
    const authkit = createLocalAuthKit({ issuer: ISSUER });
    const user = await (await api(authkit, "/user_management/users/user_01ALICE")).json();
    expect(user).toMatchObject({ object: "user", id: "user_01ALICE", email: "alice@example.com", first_name: "Alice" });
    const missing = await api(authkit, "/user_management/users/user_nope");
    expect(missing.status).toBe(404);
    expect((await missing.json()).code).toBe("entity_not_found");
    expect(missing.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("a malformed escape in an id is an unknown id (404), never a 500", async () => {
    const authkit = createLocalAuthKit({ issuer: ISSUER });
    expect((await api(authkit, "/user_management/users/%E0%A4%A")).status).toBe(404);
    expect((await api(authkit, "/organizations/%ZZ")).status).toBe(404);
  });

  it("a wrong API key gets 401", async () => {
    const authkit = createLocalAuthKit({ issuer: ISSUER });
    expect((await api(authkit, "/user_management/users/user_01ALICE", "sk_wrong")).status).toBe(401);
  });

  it("lists page with WorkOS's envelope and cursors that really page", async () => {
    const authkit = createLocalAuthKit({ issuer: ISSUER });
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const q: string = `/user_management/users?limit=2&order=asc${after ? `&after=${after}` : ""}`;
      const page = await (await api(authkit, q)).json();
      expect(page.object).toBe("list");
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((u: { id: string }) => u.id));
      after = page.list_metadata.after;
    } while (after);
    expect(seen).toEqual(DEFAULT_SEED.users.map((u) => u.id));
    expect((await api(authkit, "/user_management/users?limit=0")).status).toBe(422);
  });

  it("organization memberships and organizations", async () => {
    const authkit = createLocalAuthKit({ issuer: ISSUER });
    const m = await (
      await api(authkit, "/user_management/organization_memberships?user_id=user_01BOB&order=asc")
    ).json();
    expect(m.data.map((x: { organization_id: string }) => x.organization_id)).toEqual(["org_01ACME", "org_01GLOBEX"]);
    expect(m.data[0].role).toEqual({ slug: "member" });
    const org = await (await api(authkit, "/organizations/org_01ACME")).json();
    expect(org).toMatchObject({ object: "organization", name: "Acme Corp" });
    expect((await api(authkit, "/organizations/org_nope")).status).toBe(404);
  });
});

describe("local AuthKit: directory sync stand-in", () => {
  it("one directory per organization, with its members as directory users and two groups", async () => {
    const authkit = createLocalAuthKit({ issuer: ISSUER });
    const dirs = await (await api(authkit, "/directories?order=asc")).json();
    expect(dirs.data.map((d: { id: string }) => d.id)).toEqual(["directory_org_01ACME", "directory_org_01GLOBEX"]);
    expect((await (await api(authkit, "/directories?organization_id=org_01GLOBEX")).json()).data).toHaveLength(1);
    const users = await (await api(authkit, "/directory_users?directory=directory_org_01ACME&order=asc")).json();
    expect(users.data.map((u: { email: string }) => u.email)).toEqual(["alice@example.com", "bob@example.com"]);
    expect(users.data[0]).toMatchObject({ object: "directory_user", state: "active", organization_id: "org_01ACME" });
    const groups = await (await api(authkit, "/directory_groups?directory=directory_org_01ACME")).json();
    expect(groups.data.map((g: { name: string }) => g.name).sort()).toEqual(["Engineering", "Everyone"]);
    expect((await api(authkit, "/directory_users?directory=directory_nope")).status).toBe(404);
    expect((await api(authkit, "/directory_users")).status).toBe(422);
    expect((await api(authkit, "/directories/directory_org_01ACME")).status).toBe(200);
  });
});

describe("local AuthKit: hostile input", () => {
  it("fuzz: random queries, forms and bodies on every endpoint never throw and never answer 5xx", async () => {
    const paths = [
      "/oauth2/authorize",
      "/oauth2/authorize/sign-in",
      "/oauth2/authorize/organization",
      "/oauth2/authorize/consent",
      "/oauth2/authorize/magic",
      "/oauth2/authorize/magic/verify",
      "/oauth2/authorize/sso",
      "/oauth2/authorize/sso/callback",
      "/oauth2/token",
      "/oauth2/register",
      "/oauth2/device_authorization",
      "/oauth2/device",
      "/user_management/users",
      "/user_management/organization_memberships/om_user_01BOB_org_01ACME",
      "/authorization/organizations/org_01ACME/roles",
      "/user_management/users/x",
      "/organizations/y",
      "/directory_users",
    ];
    const keys = [
      "client_id",
      "redirect_uri",
      "code",
      "code_verifier",
      "grant_type",
      "state",
      "resource",
      "scope",
      "prompt",
      "choice",
      "email",
      "connection",
      "user",
      "token",
      "limit",
      "after",
      "before",
      "order",
      "directory",
      "code_challenge",
      "code_challenge_method",
      "response_type",
      "login_hint",
      "organization_id",
      "tx",
      "decision",
      "organization",
      "user_code",
      "device_code",
      "client_assertion",
      "client_assertion_type",
      "role_slug",
    ];
    // Both modes: the pages (default) and headless (autoSignIn).
    for (const authkit of [
      createLocalAuthKit({ issuer: ISSUER }),
      createLocalAuthKit({ issuer: ISSUER, autoSignIn: true }),
    ])
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...paths),
          fc.dictionary(fc.constantFrom(...keys), fc.string({ maxLength: 60 })),
          fc.constantFrom("GET", "POST"),
          fc.string({ maxLength: 200 }),
          async (path, params, method, raw) => {
            const query = new URLSearchParams(params).toString();
            const body =
              method === "POST"
                ? path === "/oauth2/register"
                  ? raw
                  : new URLSearchParams(params).toString()
                : undefined;
            const res = await authkit.fetch(
              new Request(`${ISSUER}${path}?${query}`, {
                method,
                headers: {
                  "content-type":
                    path === "/oauth2/register" ? "application/json" : "application/x-www-form-urlencoded",
                  authorization: `Bearer ${authkit.apiKey}`,
                },
                ...(body !== undefined && { body }),
              }),
            );
            expect(res.status).toBeLessThan(500);
          },
        ),
        { numRuns: 400 },
      );
  });
});

describe("local AuthKit: seed", () => {
  it("accepts a seed of its own and refuses an inconsistent one naming the problem", () => {
    const seed = parseSeed({
      users: [{ id: "u1", email: "u1@x.test" }],
      organizations: [],
      memberships: [],
      roles: {},
    });
    expect(createLocalAuthKit({ issuer: ISSUER, seed }).seed.users[0]?.id).toBe("u1");
    expect(() => parseSeed({ users: [] })).toThrow(/users/);
    expect(() =>
      parseSeed({
        users: [{ id: "u1", email: "a@b" }],
        organizations: [],
        memberships: [{ userId: "u2", organizationId: "o", role: "r" }],
      }),
    ).toThrow(/unknown user/);
  });
});
