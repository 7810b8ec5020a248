// The local AuthKit's interaction, as AuthKit behaves: a sign-in page by default, consent
// remembered per user and client, prompt=none / login_hint / prompt=consent, Deny, and the
// autoSignIn opt-in for headless use. (The pages in a real browser: test/node/browser.test.ts.)
import { base64url, decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { createLocalAuthKit, type LocalAuthKit } from "../../src/dev/index.js";
import { ConfigError } from "../../src/index.js";

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
    const verifier = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
    const challenge = base64url.encode(
      new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))),
    );
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
