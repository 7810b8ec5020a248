/**
 * The interaction's pages (sign-in, organization, consent), built from the seed and the pending
 * request. Every value from the request or the seed goes through `escapeHtml`.
 */
import type { PendingAuthorization } from "./authorize.js";
import { clientCard, hidden, page, scopeList } from "./pages.js";
import { escapeHtml } from "./responses.js";
import type { Seed, SeedSsoConnection, SeedUser } from "./seed.js";

const orgName = (seed: Seed, id: string) => seed.organizations.find((o) => o.id === id)?.name ?? id;
const userLabel = (u: SeedUser) => `${u.firstName ?? ""} ${u.lastName ?? ""}`.trim() || u.email;
const memberships = (seed: Seed, userId: string) => seed.memberships.filter((m) => m.userId === userId);

/**
 * The sign-in page: the client, the scopes, the seeded users (the `login_hint` one first and
 * preselected), a magic link and SSO.
 *
 * @example
 * ```ts
 * return signIn(seed, txId, pending, findUser(seed, pending.loginHint ?? ""));
 * ```
 */
export function signIn(seed: Seed, txId: string, p: PendingAuthorization, hinted: SeedUser | undefined): Response {
  const users = hinted ? [hinted, ...seed.users.filter((u) => u !== hinted)] : seed.users;
  const accounts = users
    .map((u) => {
      const orgs = memberships(seed, u.id).map((m) => `${orgName(seed, m.organizationId)} (${m.role})`);
      const current = u === hinted ? ' aria-current="true" autofocus' : "";
      return `<button class="account" name="user" value="${escapeHtml(u.id)}"${current}><strong>${escapeHtml(userLabel(u))}</strong><span>${escapeHtml(u.email)} · ${escapeHtml(orgs.join(", ") || "no organization")}</span></button>`;
    })
    .join("");
  const sso = (seed.ssoConnections ?? [])
    .map(
      (c) =>
        `<button class="secondary" name="connection" value="${escapeHtml(c.id)}">Sign in with SSO: ${escapeHtml(orgName(seed, c.organizationId))} (${escapeHtml(c.type ?? "SAML")})</button>`,
    )
    .join("");
  return page(
    "Sign in",
    `<h1>Sign in</h1><p class="muted">to continue to ${escapeHtml(p.client.name ?? p.clientId)}</p>
${clientCard(p.client, p.resource)}
<h2>It will be able to</h2>${scopeList(p.scopes)}
<h2>Choose an account</h2>
<form method="post" action="/oauth2/authorize/sign-in">${hidden("tx", txId)}<div class="stack">${accounts}</div></form>
<div class="divider">or</div>
<form method="post" action="/oauth2/authorize/magic">${hidden("tx", txId)}
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="email" required placeholder="you@example.com" value="${escapeHtml(hinted?.email ?? "")}">
<button class="secondary">Email me a sign-in link</button></form>
${sso ? `<h2>Single sign-on</h2><form method="post" action="/oauth2/authorize/sso">${hidden("tx", txId)}<div class="stack">${sso}</div></form>` : ""}`,
  );
}

/**
 * The organization choice for a user of several.
 *
 * @example
 * ```ts
 * return organization(seed, txId, pending, user);
 * ```
 */
export function organization(seed: Seed, txId: string, p: PendingAuthorization, user: SeedUser): Response {
  const choices = memberships(seed, user.id)
    .map(
      (m) =>
        `<button class="account" name="organization" value="${escapeHtml(m.organizationId)}"><strong>${escapeHtml(orgName(seed, m.organizationId))}</strong><span>${escapeHtml(m.role)}</span></button>`,
    )
    .join("");
  return page(
    "Choose an organization",
    `<h1>Choose an organization</h1><p class="muted">Signed in as ${escapeHtml(user.email)}. ${escapeHtml(p.client.name ?? p.clientId)} will act in the organization you choose.</p>
<form method="post" action="/oauth2/authorize/organization">${hidden("tx", txId)}<div class="stack">${choices}</div></form>`,
  );
}

/**
 * The consent screen: Allow or Deny.
 *
 * @example
 * ```ts
 * return consent(seed, txId, pending, user, "org_01ACME");
 * ```
 */
export function consent(
  seed: Seed,
  txId: string,
  p: PendingAuthorization,
  user: SeedUser,
  organizationId: string | undefined,
): Response {
  const org = organizationId ? ` in ${escapeHtml(orgName(seed, organizationId))}` : "";
  return page(
    "Allow access",
    `<h1>Allow ${escapeHtml(p.client.name ?? "this application")} to access your account?</h1>
<p class="muted">Signed in as ${escapeHtml(user.email)}${org}.</p>
${clientCard(p.client, p.resource)}
<h2>It will be able to</h2>${scopeList(p.scopes)}
<form method="post" action="/oauth2/authorize/consent">${hidden("tx", txId)}
<div class="row"><button class="secondary" name="decision" value="deny">Deny</button><button class="primary" name="decision" value="allow" autofocus>Allow</button></div></form>
<p class="muted">Only allow applications you trust. You will not be asked again for this application unless it asks.</p>`,
  );
}

/**
 * The simulated identity provider of an SSO connection: the organization's members to sign in as.
 *
 * @example
 * ```ts
 * return idp(seed, txId, seed.ssoConnections[0]);
 * ```
 */
export function idp(seed: Seed, txId: string, connection: SeedSsoConnection): Response {
  const buttons = seed.memberships
    .filter((m) => m.organizationId === connection.organizationId)
    .map((m) => seed.users.find((u) => u.id === m.userId))
    .filter((u): u is SeedUser => u !== undefined)
    .map(
      (u) =>
        `<button class="account" name="user" value="${escapeHtml(u.email)}"><strong>${escapeHtml(userLabel(u))}</strong><span>${escapeHtml(u.email)}</span></button>`,
    )
    .join("");
  return page(
    "Simulated identity provider",
    `<h1>${escapeHtml(orgName(seed, connection.organizationId))} single sign-on</h1>
<p class="muted">A simulated ${escapeHtml(connection.type ?? "SAML")} identity provider (connection ${escapeHtml(connection.id)}). In production this is your organization's IdP.</p>
<form method="post" action="/oauth2/authorize/sso/callback">${hidden("tx", txId)}${hidden("connection", connection.id)}<div class="stack">${buttons}</div></form>`,
  );
}
