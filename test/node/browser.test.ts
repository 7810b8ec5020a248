// The local AuthKit's pages as a person meets them, in a real browser (Debian's Chromium driven
// by playwright-core), at desktop and phone widths: choose a user, consent, deny, magic link,
// SSO, and prompt=select_account with a second user. Each run ends at the client's callback.
// Screenshots go to test-results/screenshots (git-ignored). Run alone: npm run test:browser
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { decodeJwt } from "jose";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeListener } from "../../src/adapters/node-http.js";
import { createLocalAuthKit, type LocalAuthKit } from "../../src/dev/index.js";
import { pkce } from "../support/pkce.js";
import { freePort } from "../support/processes.js";

function findChromium(): string | undefined {
  for (const candidate of [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"])
    if (candidate && existsSync(candidate)) return candidate;
  try {
    return execFileSync("which", ["chromium"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const executablePath = findChromium();
// CI installs Debian's chromium (.ci/run); elsewhere the test is skipped when it is missing.
const available = executablePath !== undefined || process.env.CI === "true";
const SHOTS = "test-results/screenshots";
const LOGO =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAIUlEQVR4nGNkaGD4z0AEYBxVOKpwVOGowlGFowpHFQ4aBQBGMgoFM0n9pgAAAABJRU5ErkJggg==";

let browser: Browser;
let authkit: LocalAuthKit;
let servers: Server[] = [];
let callbackOrigin = "";
const magicLinks: string[] = [];
let clientId = "";

/** A new client: consent is remembered per user and client, so each test starts with a first-time client. */
async function newClient(): Promise<void> {
  const reg = await fetch(`${authkit.issuer}/oauth2/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "Acme Notes (MCP client)",
      logo_uri: LOGO,
      redirect_uris: [`${callbackOrigin}/callback`],
    }),
  });
  clientId = (await reg.json()).client_id;
}

beforeAll(async () => {
  if (!available) return;
  mkdirSync(SHOTS, { recursive: true });
  const port = await freePort();
  authkit = createLocalAuthKit({ issuer: `http://127.0.0.1:${port}`, onMagicLink: (_, url) => magicLinks.push(url) });
  const callbackPort = await freePort();
  callbackOrigin = `http://127.0.0.1:${callbackPort}`;
  const as = createServer(nodeListener(authkit.fetch, authkit.issuer));
  const callback = createServer((_, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<!doctype html><title>Callback</title><p>Back at the client.</p>");
  });
  servers = [as, callback];
  await Promise.all([
    new Promise<void>((r) => as.listen(port, "127.0.0.1", r)),
    new Promise<void>((r) => callback.listen(callbackPort, "127.0.0.1", r)),
  ]);
  browser = await chromium.launch({
    executablePath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
});

async function authorizeUrl(extra: Record<string, string> = {}) {
  const { verifier, challenge } = await pkce();
  const params = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: `${callbackOrigin}/callback`,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: `state-${crypto.randomUUID()}`,
    resource: "http://127.0.0.1:8787/mcp",
    scope: "openid profile email mcp:read",
    ...extra,
  });
  return { url: `${authkit.issuer}/oauth2/authorize?${params}`, verifier, state: params.get("state") as string };
}

/** The callback's query, once the browser is back at the client. */
async function atCallback(page: Page): Promise<URLSearchParams> {
  await page.waitForURL((u) => u.href.startsWith(`${callbackOrigin}/callback`), { timeout: 10_000 });
  return new URL(page.url()).searchParams;
}

async function tokenFor(code: string, verifier: string) {
  const res = await fetch(`${authkit.issuer}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code, code_verifier: verifier, client_id: clientId }),
  });
  return decodeJwt((await res.json()).access_token);
}

async function noHorizontalScroll(page: Page) {
  const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  expect(widths[0]).toBeLessThanOrEqual(widths[1] as number);
}

const VIEWPORTS = [
  ["desktop", { width: 1280, height: 860 }],
  ["phone", { width: 390, height: 844 }],
] as const;

describe.skipIf(!available).each(VIEWPORTS)("the local AuthKit's pages in Chromium (%s)", (label, viewport) => {
  const context = async (): Promise<BrowserContext> => {
    await newClient();
    const ctx = await browser.newContext({ viewport });
    ctx.setDefaultTimeout(8000);
    return ctx;
  };
  const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${label}-${name}.png`, fullPage: true });

  it("choose a user, then consent: the client gets a code for that user", async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    const { url, verifier, state } = await authorizeUrl();
    await page.goto(url);
    await expect(page.getByRole("heading", { name: "Sign in" }).isVisible()).resolves.toBe(true);
    expect(await page.textContent("main")).toContain("Acme Notes (MCP client)");
    expect(await page.textContent("main")).toContain("See your email address");
    await noHorizontalScroll(page);
    await shot(page, "sign-in");
    await page.emulateMedia({ colorScheme: "dark" });
    await shot(page, "sign-in-dark");
    await page.emulateMedia({ colorScheme: "light" });
    await page.getByRole("button", { name: /Alice Admin/ }).click();
    await page.getByRole("heading", { name: /Allow Acme Notes/ }).waitFor();
    await noHorizontalScroll(page);
    await shot(page, "consent");
    await page.getByRole("button", { name: "Allow" }).click();
    const query = await atCallback(page);
    expect(query.get("state")).toBe(state);
    expect(query.get("iss")).toBe(authkit.issuer);
    expect((await tokenFor(query.get("code") ?? "", verifier)).sub).toBe("user_01ALICE");
    // Consent is remembered for this user and client: no consent page the second time.
    const again = await authorizeUrl();
    await page.goto(again.url);
    expect((await atCallback(page)).get("code")).toMatch(/^code_/);
    // prompt=consent (the MCP Inspector sends it) asks again.
    const asked = await authorizeUrl({ prompt: "consent" });
    await page.goto(asked.url);
    await page.getByRole("button", { name: "Allow" }).click();
    expect((await atCallback(page)).get("code")).toMatch(/^code_/);
    await ctx.close();
  }, 30_000);

  it("Deny comes back as access_denied with state and iss", async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    const { url, state } = await authorizeUrl();
    await page.goto(url);
    await page.getByRole("button", { name: /Carol Solo/ }).click();
    await page.getByRole("button", { name: "Deny" }).click();
    const query = await atCallback(page);
    expect(query.get("error")).toBe("access_denied");
    expect(query.get("state")).toBe(state);
    expect(query.get("iss")).toBe(authkit.issuer);
    expect(query.get("code")).toBeNull();
    await ctx.close();
  }, 30_000);

  it("magic link: check your email, open the link, choose an organization, consent", async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    const { url, verifier } = await authorizeUrl();
    await page.goto(url);
    const before = magicLinks.length;
    await page.getByLabel("Email address").fill("bob@example.com");
    await page.getByRole("button", { name: "Email me a sign-in link" }).click();
    await page.getByRole("heading", { name: "Check your email" }).waitFor();
    await noHorizontalScroll(page);
    await shot(page, "check-email");
    expect(magicLinks.length).toBe(before + 1);
    await page.goto(magicLinks.at(-1) as string);
    await page.getByRole("heading", { name: "Choose an organization" }).waitFor();
    await shot(page, "organization");
    await page.getByRole("button", { name: /Globex/ }).click();
    await page.getByRole("button", { name: "Allow" }).click();
    const claims = await tokenFor((await atCallback(page)).get("code") ?? "", verifier);
    expect(claims).toMatchObject({ sub: "user_01BOB", org_id: "org_01GLOBEX" });
    await ctx.close();
  }, 30_000);

  it("SSO through the simulated IdP signs in to the connection's organization", async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    const { url, verifier } = await authorizeUrl();
    await page.goto(url);
    await page.getByRole("button", { name: "Sign in with SSO: Globex (SAML)" }).click();
    await page.getByRole("heading", { name: /Globex single sign-on/ }).waitFor();
    await noHorizontalScroll(page);
    await shot(page, "idp");
    await page.getByRole("button", { name: /bob@example.com/ }).click();
    await page.getByRole("button", { name: "Allow" }).click();
    const claims = await tokenFor((await atCallback(page)).get("code") ?? "", verifier);
    expect(claims).toMatchObject({ sub: "user_01BOB", org_id: "org_01GLOBEX" });
    await ctx.close();
  }, 30_000);

  it("prompt=select_account shows the sign-in page again, and a second user signs in", async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    const first = await authorizeUrl();
    await page.goto(first.url);
    await page.getByRole("button", { name: /Alice Admin/ }).click();
    await page.getByRole("button", { name: "Allow" }).click();
    await atCallback(page);
    const second = await authorizeUrl({ prompt: "select_account" });
    await page.goto(second.url);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.getByRole("button", { name: /Carol Solo/ }).click();
    await page.getByRole("button", { name: "Allow" }).click();
    expect((await tokenFor((await atCallback(page)).get("code") ?? "", second.verifier)).sub).toBe("user_01CAROL");
    await ctx.close();
  }, 30_000);
});
