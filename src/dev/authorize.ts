/**
 * `GET /oauth2/authorize`: validates the request (client, registered by DCR or by a Client ID
 * Metadata Document; redirect URI; PKCE S256; state; resource; scope; prompt) and hands it to
 * the interaction (sign-in page, organization, consent: `interaction.ts`).
 *
 * Errors before the redirect URI is trusted are shown as a 400 page, never redirected
 * (RFC 6749 §4.1.2.1); later ones go back to the client as `?error=...&state=...&iss=...`.
 */
import { isLoopbackHost } from "../core/config.js";
import { ClientMetadataError, ClientMetadataFetcher } from "./cimd.js";
import type { OAuthStore } from "./oauth-store.js";
import { type ClientDisplay, errorPage } from "./pages.js";
import type { Seed } from "./seed.js";
import { DEFAULT_SCOPES } from "./tokens.js";

// RFC 7636 §4.1: code_challenge = BASE64URL(SHA256(verifier)), 43 characters.
const CODE_CHALLENGE = /^[A-Za-z0-9\-._~]{43,128}$/;
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export interface AuthorizeContext {
  readonly issuer: string;
  readonly seed: Seed;
  readonly store: OAuthStore;
  /** Lifetime of an authorization code, ms. */
  readonly codeTtl: number;
  /** Client ID Metadata Documents. */
  readonly documents: ClientMetadataFetcher;
}

/**
 * A validated authorization request, waiting for the user (the interaction's transaction).
 *
 * @example
 * ```ts
 * const back = redirectBack(pending, issuer, { code });
 * ```
 */
export interface PendingAuthorization {
  readonly clientId: string;
  readonly client: ClientDisplay;
  readonly redirectUri: string;
  readonly state: string | null;
  readonly codeChallenge: string;
  readonly resource: string | undefined;
  readonly scopes: readonly string[];
  /** OIDC `prompt` values: `none`, `login`, `consent`, `select_account`. */
  readonly prompt: ReadonlySet<string>;
  readonly loginHint: string | undefined;
  /** The `organization_id` parameter (`"none"` for none). */
  readonly organizationId: string | undefined;
  /** A device authorization (RFC 8628): the interaction ends on a page here, not in a redirect. */
  readonly device?: {
    approve(userId: string, organizationId: string | undefined): Response;
    refuse(error: string, description: string): Response;
  };
}

/** The authorization response to the client (RFC 6749 §4.1.2, RFC 9207 `iss`). 303 after a form POST. */
export function redirectBack(
  pending: PendingAuthorization,
  issuer: string,
  query: Record<string, string>,
  status: 302 | 303 = 302,
): Response {
  // A device authorization has no redirect URI: the verification page says how it ended.
  if (pending.device) return pending.device.refuse(query.error ?? "error", query.error_description ?? "");
  const target = new URL(pending.redirectUri);
  for (const [k, v] of Object.entries(query)) target.searchParams.set(k, v);
  if (pending.state !== null) target.searchParams.set("state", pending.state);
  target.searchParams.set("iss", issuer);
  return new Response(null, { status, headers: { location: target.href, "cache-control": "no-store" } });
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

/** The client's display and redirect URIs: registered (DCR) or from its metadata document (CIMD). */
async function resolveClient(
  clientId: string,
  ctx: AuthorizeContext,
): Promise<{ display: ClientDisplay; redirectUris: readonly string[] } | Response> {
  if (ClientMetadataFetcher.isUrlClientId(clientId)) {
    try {
      const doc = await ctx.documents.get(clientId);
      return { display: { clientId, name: doc.clientName, logoUri: doc.logoUri }, redirectUris: doc.redirectUris };
    } catch (error) {
      if (error instanceof ClientMetadataError) return errorPage(400, `${error.error}: ${error.message}.`);
      throw error;
    }
  }
  const client = ctx.store.client(clientId);
  if (!client) return errorPage(400, "invalid_client: unknown client_id. Register the client first.");
  return { display: { clientId, name: client.clientName, logoUri: client.logoUri }, redirectUris: client.redirectUris };
}

const PROMPTS = new Set(["none", "login", "consent", "select_account"]);

/**
 * Validates the authorization request; `proceed` runs the interaction for a valid one.
 *
 * @example
 * ```ts
 * const res = await authorize(new Request(`${issuer}/oauth2/authorize?client_id=...`), ctx, start);
 * ```
 */
export async function authorize(
  request: Request,
  ctx: AuthorizeContext,
  proceed: (pending: PendingAuthorization, request: Request) => Response | Promise<Response>,
): Promise<Response> {
  const params = new URL(request.url).searchParams;
  const clientId = params.get("client_id") ?? "";
  if (clientId === "") return errorPage(400, "invalid_request: client_id is required.");
  const resolved = await resolveClient(clientId, ctx);
  if (resolved instanceof Response) return resolved;
  const requested = params.get("redirect_uri");
  let redirectUri: string;
  if (requested === null && resolved.redirectUris.length === 1) redirectUri = resolved.redirectUris[0] as string;
  else if (requested !== null && resolved.redirectUris.some((r) => redirectMatches(r, requested)))
    redirectUri = requested;
  else return errorPage(400, "invalid_request: redirect_uri does not match a registered redirect URI.");

  const state = params.get("state");
  const base = { clientId, client: resolved.display, redirectUri, state };
  const fail = (error: string, description: string) =>
    redirectBack(base as PendingAuthorization, ctx.issuer, { error, error_description: description });

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
  const prompt = new Set((params.get("prompt") ?? "").split(" ").filter(Boolean));
  if ([...prompt].some((p) => !PROMPTS.has(p)) || (prompt.has("none") && prompt.size > 1))
    return fail("invalid_request", "prompt must be none, or any of login, consent, select_account");
  const hint = params.get("login_hint");
  const org = params.get("organization_id");
  return proceed(
    Object.freeze({
      ...base,
      codeChallenge: challenge,
      resource,
      scopes: Object.freeze(scopes),
      prompt,
      loginHint: hint === null || hint === "" ? undefined : hint.slice(0, 320),
      organizationId: org === null || org === "" ? undefined : org,
    }),
    request,
  );
}
