/**
 * `GET /oauth2/authorize`: validates the request (client, redirect URI, PKCE S256, state,
 * resource, scope), signs in a seeded user without a login form (so headless clients work)
 * and redirects with a code. `login_hint=<email>` picks the user, `organization_id` the
 * organization; `prompt=select_account` shows a page to pick both.
 *
 * Errors before the redirect URI is trusted are shown as a 400 page, never redirected
 * (RFC 6749 §4.1.2.1); later ones go back to the client as `?error=...&state=...`.
 */
import { isLoopbackHost } from "../core/config.js";
import type { OAuthStore } from "./oauth-store.js";
import { escapeHtml, isAllowedRedirectUri } from "./responses.js";
import type { Seed } from "./seed.js";
import { DEFAULT_SCOPES, findUser } from "./tokens.js";

// RFC 7636 §4.1: code_challenge = BASE64URL(SHA256(verifier)), 43 characters.
const CODE_CHALLENGE = /^[A-Za-z0-9\-._~]{43,128}$/;
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export interface AuthorizeContext {
  readonly issuer: string;
  readonly seed: Seed;
  readonly store: OAuthStore;
  /** Lifetime of an authorization code, ms. */
  readonly codeTtl: number;
  /** Extra sign-in methods for the account page (magic link, SSO). */
  readonly signInMethods?: (params: URLSearchParams) => string;
}

function errorPage(status: number, message: string): Response {
  const html = `<!doctype html><meta charset="utf-8"><title>Local AuthKit</title><h1>Authorization request refused</h1><p>${escapeHtml(message)}</p>`;
  return new Response(html, {
    status,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
  });
}

/** RFC 8252 §7.3: a loopback redirect URI matches whatever its port. */
function redirectMatches(registered: string, requested: string): boolean {
  if (registered === requested) return true;
  if (!URL.canParse(requested) || !URL.canParse(registered)) return false;
  const a = new URL(registered);
  const b = new URL(requested);
  if (a.protocol !== "http:" || !isLoopbackHost(a.hostname) || a.hostname !== b.hostname) return false;
  return a.protocol === b.protocol && a.pathname === b.pathname && a.search === b.search;
}

/** A client id that is an URL (client ID metadata document): accepted only on loopback, never fetched. */
function metadataDocumentClient(clientId: string): "ok" | "remote" | "not-url" {
  if (!/^https?:\/\//i.test(clientId) || !URL.canParse(clientId)) return "not-url";
  return isLoopbackHost(new URL(clientId).hostname) ? "ok" : "remote";
}

/**
 * Handles the authorization request.
 *
 * @example
 * ```ts
 * const res = authorize(new Request(`${issuer}/oauth2/authorize?client_id=...`), ctx); // 302 to redirect_uri
 * ```
 */
export function authorize(request: Request, ctx: AuthorizeContext): Response {
  const params = new URL(request.url).searchParams;
  const clientId = params.get("client_id") ?? "";
  const requestedRedirect = params.get("redirect_uri");
  const cimd = metadataDocumentClient(clientId);
  if (cimd === "remote") {
    return errorPage(
      400,
      "invalid_client: client ID metadata documents are accepted only on loopback hosts here (the local AuthKit has no network access).",
    );
  }
  const client = cimd === "ok" ? undefined : ctx.store.client(clientId);
  if (cimd === "not-url" && !client)
    return errorPage(400, "invalid_client: unknown client_id. Register the client first.");
  let redirectUri: string;
  if (client) {
    if (requestedRedirect === null && client.redirectUris.length === 1) redirectUri = client.redirectUris[0] as string;
    else if (requestedRedirect !== null && client.redirectUris.some((r) => redirectMatches(r, requestedRedirect)))
      redirectUri = requestedRedirect;
    else return errorPage(400, "invalid_request: redirect_uri does not match a registered redirect URI.");
  } else {
    // A metadata-document client on loopback: only loopback redirect URIs, as we cannot read its document.
    if (
      requestedRedirect === null ||
      !isAllowedRedirectUri(requestedRedirect) ||
      !isLoopbackHost(new URL(requestedRedirect).hostname)
    )
      return errorPage(400, "invalid_request: redirect_uri must be a loopback URI for this client.");
    redirectUri = requestedRedirect;
  }

  const state = params.get("state");
  const back = (query: Record<string, string>): Response => {
    const target = new URL(redirectUri);
    for (const [k, v] of Object.entries(query)) target.searchParams.set(k, v);
    if (state !== null) target.searchParams.set("state", state);
    target.searchParams.set("iss", ctx.issuer); // RFC 9207
    return new Response(null, { status: 302, headers: { location: target.href, "cache-control": "no-store" } });
  };
  const fail = (error: string, description: string) => back({ error, error_description: description });

  if (state !== null && (state.length > 1024 || /[\x00-\x1f]/.test(state)))
    return fail("invalid_request", "state is malformed");
  if (params.get("response_type") !== "code") return fail("unsupported_response_type", "response_type must be code");
  const challenge = params.get("code_challenge");
  if (challenge === null || !CODE_CHALLENGE.test(challenge))
    return fail("invalid_request", "PKCE code_challenge is required");
  if (params.get("code_challenge_method") !== "S256")
    return fail("invalid_request", "code_challenge_method must be S256");
  const resources = params.getAll("resource");
  if (resources.length > 1) return fail("invalid_target", "only one resource is supported");
  const resource = resources[0];
  if (resource !== undefined && (!URL.canParse(resource) || new URL(resource).hash !== ""))
    return fail("invalid_target", "resource must be an absolute URI without a fragment (RFC 8707)");
  const scopeParam = params.get("scope");
  const scopes = scopeParam === null ? [...DEFAULT_SCOPES] : scopeParam.split(" ").filter(Boolean);
  if (!scopes.every((s) => SCOPE_TOKEN.test(s))) return fail("invalid_scope", "scope is malformed");

  if (params.get("prompt") === "select_account")
    return selectAccountPage(params, ctx.seed, ctx.signInMethods?.(params) ?? "");
  const hint = params.get("login_hint");
  const user = hint ? findUser(ctx.seed, hint) : ctx.seed.users[0];
  if (!user) return fail("access_denied", "login_hint names no user of the local AuthKit");
  const memberships = ctx.seed.memberships.filter((m) => m.userId === user.id);
  const orgParam = params.get("organization_id");
  let organizationId: string | undefined = memberships[0]?.organizationId;
  if (orgParam === "none") organizationId = undefined;
  else if (orgParam) {
    if (!memberships.some((m) => m.organizationId === orgParam))
      return fail("access_denied", "user is not a member of organization_id");
    organizationId = orgParam;
  }
  const code = ctx.store.issueCode({
    clientId,
    userId: user.id,
    organizationId,
    scope: scopes.join(" "),
    resource,
    sessionId: `session_${crypto.randomUUID().replaceAll("-", "")}`,
    redirectUri,
    codeChallenge: challenge,
    expiresAt: Date.now() + ctx.codeTtl,
  });
  return back({ code });
}

/** The `prompt=select_account` page: pick a user and an organization, then continue. */
function selectAccountPage(params: URLSearchParams, seed: Seed, methods: string): Response {
  const hidden = [...params]
    .filter(([k]) => k !== "prompt" && k !== "login_hint" && k !== "organization_id")
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join("");
  const options = seed.users
    .map((u) => {
      const orgs = seed.memberships.filter((m) => m.userId === u.id);
      const choices = [
        ...orgs.map((m) => ({
          id: m.organizationId,
          label: `${seed.organizations.find((o) => o.id === m.organizationId)?.name ?? m.organizationId} (${m.role})`,
        })),
        { id: "none", label: "No organization" },
      ];
      return choices
        .map(
          (c) =>
            `<li><button name="choice" value="${escapeHtml(`${u.email}|${c.id}`)}">${escapeHtml(`${u.firstName ?? ""} ${u.lastName ?? ""}`.trim() || u.email)} &lt;${escapeHtml(u.email)}&gt; — ${escapeHtml(c.label)}</button></li>`,
        )
        .join("");
    })
    .join("");
  const html = `<!doctype html><meta charset="utf-8"><title>Local AuthKit: choose an account</title>
<style>body{font:16px system-ui;max-width:40em;margin:2em auto}button{margin:.2em 0;padding:.4em .8em}</style>
<h1>Local AuthKit</h1><p>Choose who to sign in as (development only).</p>
<form method="get" action="/oauth2/authorize/select">${hidden}<ul>${options}</ul></form>${methods}`;
  return new Response(html, { headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" } });
}

/** `GET /oauth2/authorize/select`: the page's form, turned back into an authorization request. */
export function selectAccount(request: Request, ctx: AuthorizeContext): Response {
  const url = new URL(request.url);
  const choice = url.searchParams.get("choice") ?? "";
  const [email = "", org = ""] = choice.split("|");
  url.searchParams.delete("choice");
  url.searchParams.set("login_hint", email);
  url.searchParams.set("organization_id", org);
  url.pathname = "/oauth2/authorize";
  return authorize(new Request(url), ctx);
}
