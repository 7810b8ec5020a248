// The local AuthKit's interaction, as AuthKit behaves: a sign-in page by default, consent
// remembered per user and client, prompt=none / login_hint / prompt=consent, Deny, and the
// autoSignIn opt-in for headless use. (The pages in a real browser: test/node/browser.test.ts.)
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { createLocalAuthKit, type LocalAuthKit } from "../../src/dev/index.js";
import { ConfigError } from "../../src/index.js";
import { pkce } from "../support/pkce.js";

const ISSUER = "http://127.0.0.1:8788";
const REDIRECT = "http://127.0.0.1:33418/callback";

async function setup(options: { autoSignIn?: string | boolean } = {}) {
  const authkit = createLocalAuthKit({ issuer: ISSUER, ...options });
  const call = (path: string, init?: RequestInit) => authkit.fetch(new Request(`${ISSUER}${path}`, init));
  const reg = await call("/oauth2/register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ redirect_uris: [REDIRECT], client_name: "Notes <App>" }),
  });
  const clientId = (await reg.json()).client_id as string;
  const authorize = async (extra: Record<string, string> = {}, cookie?: string) => {
    const { verifier, challenge } = await pkce();
    const params = new URLSearchParams({
      response_type: "code",
      client_id: clientId,
      redirect_uri: REDIRECT,
      code_challenge: challenge,
      code_challenge_method: "S256",
      state: "s-1",
      resource: "https://mcp.example.com/mcp",
      scope: "openid email mcp:read",
      ...extra,
    });
    const res = await call(`/oauth2/authorize?${params}`, cookie ? { headers: { cookie } } : {});
    return { res, verifier };
  };
  const post = (path: string, form: Record<string, string>, cookie?: string) =>
    call(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...(cookie && { cookie }) },
      body: new URLSearchParams(form),
    });
  return { authkit, clientId, authorize, post };
}

const txOf = async (res: Response) => /name="tx" value="([^"]+)"/.exec(await res.text())?.[1] ?? "";
const query = (res: Response) => new URL(res.headers.get("location") ?? "http://x").searchParams;

/** Signs in as `user` from a fresh sign-in page and allows; returns the session cookie. */
async function signInAndAllow(s: Awaited<ReturnType<typeof setup>>, user: string) {
  const tx = await txOf((await s.authorize()).res);
  const signedIn = await s.post("/oauth2/authorize/sign-in", { tx, user });
  const cookie = (signedIn.headers.get("set-cookie") ?? "").split(";")[0] as string;
  const consentTx = await txOf(signedIn);
  const allowed = await s.post("/oauth2/authorize/consent", { tx: consentTx, decision: "allow" });
  return { cookie, allowed };
}

describe("local AuthKit interaction", () => {
  it("by default a person sees the sign-in page: viewport meta, a labelled e-mail field, the client and scopes in plain words, escaped", async () => {
    const s = await setup();
    const { res } = await s.authorize();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toMatch(/frame-ancestors 'none'/);
    const html = await res.text();
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toMatch(/<label for="email">Email address<\/label>\s*<input id="email"/);
    expect(html).toContain("Notes &#60;App&#62;"); // the registered client_name, escaped
    expect(html).not.toContain("Notes <App>");
    expect(html).toContain("See your email address");
    expect(html).toContain("https://mcp.example.com/mcp");
    expect(html).toContain("alice@example.com");
  });

  it("choosing a user leads to the consent page; Allow redirects with code, state and iss; consent is then remembered", async () => {
    const s = await setup();
    const { cookie, allowed } = await signInAndAllow(s, "user_01ALICE");
    expect(allowed.status).toBe(303);
    expect(query(allowed).get("code")).toMatch(/^code_/);
    expect(query(allowed).get("state")).toBe("s-1");
    expect(query(allowed).get("iss")).toBe(ISSUER);
    // Same browser session, same client: straight back with a code.
    const again = await s.authorize({}, cookie);
    expect(again.res.status).toBe(302);
    expect(query(again.res).get("code")).toMatch(/^code_/);
    // prompt=consent asks again.
    const asked = await s.authorize({ prompt: "consent" }, cookie);
    expect(asked.res.status).toBe(200);
    expect(await asked.res.text()).toContain('action="/oauth2/authorize/consent"');
  });

  it("Deny redirects with error=access_denied, state and iss (RFC 6749 §4.1.2.1, RFC 9207)", async () => {
    const s = await setup();
    const tx = await txOf((await s.authorize()).res);
    const signedIn = await s.post("/oauth2/authorize/sign-in", { tx, user: "user_01CAROL" });
    const denied = await s.post("/oauth2/authorize/consent", { tx: await txOf(signedIn), decision: "deny" });
    expect(query(denied).get("error")).toBe("access_denied");
    expect(query(denied).get("state")).toBe("s-1");
    expect(query(denied).get("iss")).toBe(ISSUER);
    expect(query(denied).get("code")).toBeNull();
  });

  it("login_hint preselects its user on the sign-in page", async () => {
    const s = await setup();
    const html = await (await s.authorize({ login_hint: "bob@example.com" })).res.text();
    expect(html).toMatch(/value="user_01BOB" aria-current="true" autofocus/);
    expect(html).toContain('value="bob@example.com"'); // the e-mail field, pre-filled
  });

  it("prompt=none: login_required without a session, consent_required without consent, a code with both", async () => {
    const s = await setup();
    const none = await s.authorize({ prompt: "none" });
    expect(none.res.status).toBe(302);
    expect(query(none.res).get("error")).toBe("login_required");
    expect(query(none.res).get("state")).toBe("s-1");
    const tx = await txOf((await s.authorize()).res);
    const signedIn = await s.post("/oauth2/authorize/sign-in", { tx, user: "user_01CAROL" });
    const cookie = (signedIn.headers.get("set-cookie") ?? "").split(";")[0] as string;
    expect(query((await s.authorize({ prompt: "none" }, cookie)).res).get("error")).toBe("consent_required");
    await s.post("/oauth2/authorize/consent", { tx: await txOf(signedIn), decision: "allow" });
    expect(query((await s.authorize({ prompt: "none" }, cookie)).res).get("code")).toMatch(/^code_/);
  });

  it("a user of several organizations chooses one; an unknown or stale transaction is a clear 400 page", async () => {
    const s = await setup();
    const tx = await txOf((await s.authorize()).res);
    const signedIn = await s.post("/oauth2/authorize/sign-in", { tx, user: "user_01BOB" });
    expect(await signedIn.clone().text()).toContain("Choose an organization");
    const wrong = await s.post("/oauth2/authorize/organization", {
      tx: await txOf(signedIn),
      organization: "org_nope",
    });
    expect(wrong.status).toBe(400);
    const stale = await s.post("/oauth2/authorize/consent", { tx: "tx_unknown", decision: "allow" });
    expect(stale.status).toBe(400);
    expect(await stale.text()).toContain("expired");
  });

  it("autoSignIn signs the named user in and grants consent with no page; login_hint still picks another", async () => {
    const s = await setup({ autoSignIn: "bob@example.com" });
    const auto = await s.authorize({ organization_id: "org_01GLOBEX" });
    expect(auto.res.status).toBe(302);
    const exchange = async (res: Response, verifier: string) =>
      decodeJwt(
        (
          await (
            await s.authkit.fetch(
              new Request(`${ISSUER}/oauth2/token`, {
                method: "POST",
                headers: { "content-type": "application/x-www-form-urlencoded" },
                body: new URLSearchParams({
                  grant_type: "authorization_code",
                  code: query(res).get("code") ?? "",
                  code_verifier: verifier,
                  client_id: s.clientId,
                }),
              }),
            )
          ).json()
        ).access_token,
      );
    expect(await exchange(auto.res, auto.verifier)).toMatchObject({ sub: "user_01BOB", org_id: "org_01GLOBEX" });
    const hinted = await s.authorize({ login_hint: "alice@example.com", prompt: "consent" });
    expect(hinted.res.status).toBe(302); // consent granted even for prompt=consent: headless
    expect((await exchange(hinted.res, hinted.verifier)).sub).toBe("user_01ALICE");
  });

  it("an autoSignIn that names no seeded user fails at construction, naming the option", () => {
    expect(() => createLocalAuthKit({ issuer: ISSUER, autoSignIn: "nobody@example.com" })).toThrow(ConfigError);
    expect(() => createLocalAuthKit({ issuer: ISSUER, autoSignIn: 3 as never })).toThrow(
      expect.objectContaining({ option: "autoSignIn" }),
    );
  });

  it("an invalid prompt is an invalid_request back at the client", async () => {
    const s: { authorize: (e: Record<string, string>) => Promise<{ res: Response }>; authkit?: LocalAuthKit } =
      await setup();
    const res = (await s.authorize({ prompt: "none consent" })).res;
    expect(query(res).get("error")).toBe("invalid_request");
  });
});

describe("device authorization grant (RFC 8628), as AuthKit offers CLIs", () => {
  const form = (authkit: LocalAuthKit, path: string, body: Record<string, string>) =>
    authkit.fetch(
      new Request(`${ISSUER}${path}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(body),
      }),
    );
  const poll = (authkit: LocalAuthKit, clientId: string, device_code: string) =>
    form(authkit, "/oauth2/token", {
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      device_code,
      client_id: clientId,
    });

  it("code → pending → the person signs in and allows on the verification page → tokens for that user", async () => {
    const s = await setup();
    const res = await form(s.authkit, "/oauth2/device_authorization", {
      client_id: s.clientId,
      scope: "openid mcp:read",
      resource: "https://mcp.example.com/mcp",
    });
    expect(res.status).toBe(200);
    const started = await res.json();
    expect(started).toMatchObject({ verification_uri: `${ISSUER}/oauth2/device`, interval: 5, expires_in: 600 });
    expect(started.user_code).toMatch(/^[B-DF-HJ-NP-TV-XZ]{4}-[B-DF-HJ-NP-TV-XZ]{4}$/);
    expect((await (await poll(s.authkit, s.clientId, started.device_code)).json()).error).toBe("authorization_pending");
    expect((await (await poll(s.authkit, s.clientId, started.device_code)).json()).error).toBe("slow_down");
    // The person types the code (any case, no dash), signs in, allows.
    const typed = started.user_code.toLowerCase().replace("-", " ");
    const signIn = await form(s.authkit, "/oauth2/device", { user_code: typed });
    expect(await signIn.clone().text()).toContain("Notes &#60;App&#62;");
    const signedIn = await s.post("/oauth2/authorize/sign-in", { tx: await txOf(signIn), user: "user_01ALICE" });
    const done = await s.post("/oauth2/authorize/consent", { tx: await txOf(signedIn), decision: "allow" });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("Device connected");
    await new Promise((r) => setTimeout(r, 10));
    const tokens = await (await poll(s.authkit, s.clientId, started.device_code)).json();
    expect(decodeJwt(tokens.access_token)).toMatchObject({
      sub: "user_01ALICE",
      aud: "https://mcp.example.com/mcp",
      client_id: s.clientId,
    });
    expect((await (await poll(s.authkit, s.clientId, started.device_code)).json()).error).toBe("invalid_grant"); // used
  });

  it("Deny on the verification page: the device gets access_denied; an unknown code is a clear page", async () => {
    const s = await setup();
    const started = await (await form(s.authkit, "/oauth2/device_authorization", { client_id: s.clientId })).json();
    const page = await s.authkit.fetch(new Request(started.verification_uri_complete));
    const signedIn = await s.post("/oauth2/authorize/sign-in", { tx: await txOf(page), user: "user_01CAROL" });
    const denied = await s.post("/oauth2/authorize/consent", { tx: await txOf(signedIn), decision: "deny" });
    expect(await denied.text()).toContain("Request denied");
    await new Promise((r) => setTimeout(r, 10));
    expect((await (await poll(s.authkit, s.clientId, started.device_code)).json()).error).toBe("access_denied");
    const unknown = await form(s.authkit, "/oauth2/device", { user_code: "BCDF-GHJK" });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain("not valid");
    expect((await form(s.authkit, "/oauth2/device_authorization", { client_id: "client_nope" })).status).toBe(401);
  });

  it("with autoSignIn the verification page approves at once (headless)", async () => {
    const s = await setup({ autoSignIn: true });
    const started = await (await form(s.authkit, "/oauth2/device_authorization", { client_id: s.clientId })).json();
    expect(await (await s.authkit.fetch(new Request(started.verification_uri_complete))).text()).toContain(
      "Device connected",
    );
    const tokens = await (await poll(s.authkit, s.clientId, started.device_code)).json();
    expect(decodeJwt(tokens.access_token).sub).toBe("user_01ALICE");
  });
});
