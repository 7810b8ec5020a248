/**
 * The sign-in methods AuthKit offers, as development stand-ins on the local AuthKit's sign-in
 * page: a password-less magic link (printed, not emailed) and SSO through a simulated IdP for
 * organizations with a seeded SSO connection. Each ends in the normal authorization response,
 * so the token carries what AuthKit would put in it (organization, role, permissions).
 */
import { type AuthorizeContext, authorize } from "./authorize.js";
import { randomId } from "./oauth-store.js";
import { escapeHtml } from "./responses.js";
import type { Seed } from "./seed.js";
import { findUser } from "./tokens.js";

/** Parameters of the authorization request carried through a sign-in method. */
const carried = (params: URLSearchParams) =>
  [...params].filter(
    ([k]) => !["prompt", "login_hint", "organization_id", "email", "connection", "user", "token"].includes(k),
  );

const hiddenInputs = (params: URLSearchParams) =>
  carried(params)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join("");

function page(title: string, body: string): Response {
  const html = `<!doctype html><meta charset="utf-8"><title>Local AuthKit: ${escapeHtml(title)}</title>
<style>body{font:16px system-ui;max-width:40em;margin:2em auto}button{margin:.2em 0;padding:.4em .8em}</style>
<h1>Local AuthKit</h1>${body}`;
  return new Response(html, { headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" } });
}

/** The extra sections of the sign-in page: magic link, and SSO per connection. */
export function signInMethodsHtml(params: URLSearchParams, seed: Seed): string {
  const hidden = hiddenInputs(params);
  const sso = (seed.ssoConnections ?? [])
    .map((c) => {
      const org = seed.organizations.find((o) => o.id === c.organizationId);
      return `<form method="get" action="/oauth2/authorize/sso">${hidden}<input type="hidden" name="connection" value="${escapeHtml(c.id)}"><button>Sign in with SSO: ${escapeHtml(org?.name ?? c.organizationId)} (${escapeHtml(c.type ?? "SAML")})</button></form>`;
    })
    .join("");
  return `<h2>Magic link</h2><form method="post" action="/oauth2/authorize/magic">${hidden}<input name="email" type="email" placeholder="you@example.com" required><button>Email me a sign-in link</button></form>${sso ? `<h2>Single sign-on</h2>${sso}` : ""}`;
}

interface PendingLink {
  readonly email: string;
  readonly params: [string, string][];
  readonly expiresAt: number;
}

/** Magic links and simulated SSO for one local AuthKit instance. */
export function createSignInMethods(ctx: AuthorizeContext, onMagicLink: (email: string, url: string) => void) {
  const links = new Map<string, PendingLink>();
  const continueAs = (params: [string, string][], email: string, organizationId?: string) => {
    const url = new URL("/oauth2/authorize", ctx.issuer);
    for (const [k, v] of params) url.searchParams.append(k, v);
    url.searchParams.set("login_hint", email);
    if (organizationId) url.searchParams.set("organization_id", organizationId);
    return authorize(new Request(url), ctx);
  };

  return {
    /** `POST /oauth2/authorize/magic`: sends (prints) a single-use link valid 10 minutes. */
    async magic(request: Request): Promise<Response> {
      if (request.method !== "POST") return new Response("Use POST\n", { status: 405 });
      const form = new URLSearchParams(await request.text());
      const email = form.get("email") ?? "";
      // Like AuthKit, the answer is the same whether or not the address is known.
      const user = findUser(ctx.seed, email);
      if (user && links.size < 1000) {
        const token = randomId("magic_", 24);
        links.set(token, { email: user.email, params: carried(form), expiresAt: Date.now() + 10 * 60_000 });
        onMagicLink(user.email, `${ctx.issuer}/oauth2/authorize/magic/verify?token=${token}`);
      }
      return page(
        "check your email",
        "<p>If that address has an account, a sign-in link is on its way (development: printed to the console).</p>",
      );
    },
    /** `GET /oauth2/authorize/magic/verify?token=...`: completes the authorization. */
    verify(request: Request): Response {
      const token = new URL(request.url).searchParams.get("token") ?? "";
      const link = links.get(token);
      links.delete(token);
      if (!link || link.expiresAt < Date.now())
        return page("link expired", "<p>This sign-in link is invalid or has already been used.</p>");
      return continueAs(link.params, link.email);
    },
    /** `GET /oauth2/authorize/sso?connection=...`: the simulated IdP's sign-in page. */
    sso(request: Request): Response {
      const params = new URL(request.url).searchParams;
      const connection = (ctx.seed.ssoConnections ?? []).find((c) => c.id === params.get("connection"));
      if (!connection) return page("unknown connection", "<p>No such SSO connection.</p>");
      const members = ctx.seed.memberships.filter((m) => m.organizationId === connection.organizationId);
      const hidden = hiddenInputs(params);
      const buttons = members
        .map((m) => {
          const u = ctx.seed.users.find((x) => x.id === m.userId);
          return `<button name="user" value="${escapeHtml(u?.email ?? "")}">${escapeHtml(u?.email ?? m.userId)}</button>`;
        })
        .join("<br>");
      return page(
        "simulated IdP",
        `<p>Simulated identity provider for connection ${escapeHtml(connection.id)}.</p><form method="get" action="/oauth2/authorize/sso/callback">${hidden}<input type="hidden" name="connection" value="${escapeHtml(connection.id)}">${buttons}</form>`,
      );
    },
    /** `GET /oauth2/authorize/sso/callback`: the IdP's answer; signs in to the connection's organization. */
    ssoCallback(request: Request): Response {
      const params = new URL(request.url).searchParams;
      const connection = (ctx.seed.ssoConnections ?? []).find((c) => c.id === params.get("connection"));
      const user = findUser(ctx.seed, params.get("user") ?? "");
      const member =
        connection &&
        user &&
        ctx.seed.memberships.some((m) => m.userId === user.id && m.organizationId === connection.organizationId);
      if (!connection || !user || !member)
        return page("SSO failed", "<p>The identity provider did not vouch for a member of this organization.</p>");
      return continueAs(carried(params), user.email, connection.organizationId);
    },
  };
}
