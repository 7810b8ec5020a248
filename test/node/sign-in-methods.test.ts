// Sign-in methods of the local AuthKit, driven headlessly with the requests a browser would
// make: the account page, a magic link (captured instead of emailed), and SSO through the
// simulated IdP. Each ends in a token the example server accepts with the expected
// organization; the role comes from the local WorkOS API (Connect tokens carry none).
import { createServer, type Server } from "node:http";
import { base64url } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import worker from "../../examples/worker/index.js";
import { nodeListener } from "../../src/adapters/node-http.js";
import { createLocalAuthKit, type LocalAuthKit } from "../../src/dev/index.js";
import { connect, toolText } from "../support/mcp-client.js";
import { freePort } from "../support/processes.js";

const REDIRECT = "http://127.0.0.1:33418/callback";
const RESOURCE = "https://signin.test/mcp";
let server: Server;
let authkit: LocalAuthKit;
const magicLinks: { email: string; url: string }[] = [];

beforeAll(async () => {
  const port = await freePort();
  authkit = createLocalAuthKit({
    issuer: `http://127.0.0.1:${port}`,
    onMagicLink: (email, url) => magicLinks.push({ email, url }),
  });
  server = createServer(nodeListener(authkit.fetch, authkit.issuer));
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function startAuthorization() {
  const reg = await (
    await fetch(`${authkit.issuer}/oauth2/register`, {
      method: "POST",
      body: JSON.stringify({ redirect_uris: [REDIRECT] }),
    })
  ).json();
  const verifier = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url.encode(
    new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))),
  );
  const params = new URLSearchParams({
    response_type: "code",
    client_id: reg.client_id,
    redirect_uri: REDIRECT,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "s1",
    resource: RESOURCE,
    scope: "openid profile",
    prompt: "select_account",
  });
  const pageHtml = await (await fetch(`${authkit.issuer}/oauth2/authorize?${params}`)).text();
  return { clientId: reg.client_id as string, verifier, params, pageHtml };
}

/** The hidden inputs of the first form posting to `action` on the page, as a browser submits them. */
function formFields(html: string, action: string): URLSearchParams {
  const form = html.split("<form").find((f) => f.includes(`action="${action}"`)) ?? "";
  const out = new URLSearchParams();
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    out.append(
      m[1] as string,
      (m[2] as string).replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c))),
    );
  }
  return out;
}

async function exchange(location: string, clientId: string, verifier: string): Promise<string> {
  const code = new URL(location).searchParams.get("code") ?? "";
  const res = await fetch(`${authkit.issuer}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code, code_verifier: verifier, client_id: clientId }),
  });
  return (await res.json()).access_token;
}

async function whoami(token: string) {
  // With the API key, the example resolves the role live (the token carries none, as AuthKit's).
  const env = {
    WORKOS_CLIENT_ID: "client_local_dev",
    WORKOS_AUTHKIT_DOMAIN: authkit.issuer,
    WORKOS_API_URL: authkit.issuer,
    WORKOS_API_KEY: authkit.apiKey,
    BASE_URL: "https://signin.test",
  };
  const client = await connect((r) => worker.fetch(r, env, { waitUntil: () => {} }), token, RESOURCE);
  const who = JSON.parse(toolText(await client.callTool({ name: "whoami", arguments: {} })));
  await client.close();
  return who;
}

const post = (path: string, body: URLSearchParams) =>
  fetch(`${authkit.issuer}${path}`, { method: "POST", body, redirect: "manual" });

/** Answers the pages after sign-in (organization choice, consent) until the redirect to the client. */
async function complete(response: Response, organization?: string): Promise<string> {
  let res = response;
  for (let step = 0; step < 4; step++) {
    if (res.status === 302 || res.status === 303) return res.headers.get("location") ?? "";
    const html = await res.text();
    if (html.includes('action="/oauth2/authorize/organization"')) {
      const fields = formFields(html, "/oauth2/authorize/organization");
      fields.set("organization", organization ?? "");
      res = await post("/oauth2/authorize/organization", fields);
    } else if (html.includes('action="/oauth2/authorize/consent"')) {
      const fields = formFields(html, "/oauth2/authorize/consent");
      fields.set("decision", "allow");
      res = await post("/oauth2/authorize/consent", fields);
    } else throw new Error(`unexpected page: ${html.slice(0, 200)}`);
  }
  throw new Error("no redirect");
}

describe("local AuthKit sign-in methods", () => {
  it("the account page offers users, a magic link and SSO for organizations with a connection", async () => {
    const { pageHtml } = await startAuthorization();
    expect(pageHtml).toContain("alice@example.com");
    expect(pageHtml).toContain('action="/oauth2/authorize/magic"');
    expect(pageHtml).toContain("Sign in with SSO: Globex (SAML)");
  });

  it("magic link: the link (printed, not emailed) completes sign-in; the token carries the org, the role is resolved live", async () => {
    const { pageHtml, clientId, verifier } = await startAuthorization();
    const fields = formFields(pageHtml, "/oauth2/authorize/magic");
    fields.set("email", "bob@example.com");
    const sent = await post("/oauth2/authorize/magic", fields);
    expect(await sent.text()).toContain("sign-in link is on its way");
    const link = magicLinks.at(-1);
    expect(link?.email).toBe("bob@example.com");
    const res = await fetch(link?.url ?? "", { redirect: "manual" });
    expect(res.headers.get("set-cookie")).toMatch(/local_authkit_session=/);
    // Bob belongs to two organizations: he chooses Acme, then consents.
    const location = await complete(res, "org_01ACME");
    expect(new URL(location).searchParams.get("state")).toBe("s1");
    const who = await whoami(await exchange(location, clientId, verifier));
    expect(who).toMatchObject({
      userId: "user_01BOB",
      organizationId: "org_01ACME",
      role: "member",
      roleSource: "workos",
    });
    const again = await fetch(link?.url ?? "", { redirect: "manual" });
    expect(again.status).toBe(400); // single use: the page says so, no redirect
    expect(await again.text()).toContain("already been used");
  });

  it("an unknown address gets the same answer and no link", async () => {
    const { pageHtml } = await startAuthorization();
    const before = magicLinks.length;
    const fields = formFields(pageHtml, "/oauth2/authorize/magic");
    fields.set("email", "nobody@example.com");
    expect(await (await post("/oauth2/authorize/magic", fields)).text()).toContain("sign-in link is on its way");
    expect(magicLinks.length).toBe(before);
  });

  it("SSO: the simulated IdP returns to the flow; the token is for the connection's organization", async () => {
    const { pageHtml, clientId, verifier } = await startAuthorization();
    const fields = formFields(pageHtml, "/oauth2/authorize/sso");
    fields.set("connection", "conn_01GLOBEX_SAML");
    const idp = await (await post("/oauth2/authorize/sso", fields)).text();
    expect(idp).toContain("simulated SAML identity provider");
    const back = formFields(idp, "/oauth2/authorize/sso/callback");
    back.set("user", "bob@example.com");
    const res = await post("/oauth2/authorize/sso/callback", back);
    const who = await whoami(await exchange(await complete(res), clientId, verifier));
    expect(who).toMatchObject({
      userId: "user_01BOB",
      organizationId: "org_01GLOBEX",
      role: "admin",
      roleSource: "workos",
    });
  });

  it("SSO refuses a user the IdP does not know for that organization", async () => {
    const { pageHtml } = await startAuthorization();
    const back = formFields(pageHtml, "/oauth2/authorize/sso");
    back.set("connection", "conn_01GLOBEX_SAML");
    back.set("user", "alice@example.com"); // not a Globex member
    const res = await post("/oauth2/authorize/sso/callback", back);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("did not vouch");
  });
});
