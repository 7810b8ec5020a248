/**
 * `POST /oauth2/token`: `authorization_code` (PKCE S256 checked, code single-use, bound to its
 * client, redirect URI and resource), `refresh_token` (rotated, scope may only narrow) and
 * `client_credentials` (seeded M2M applications, RFC 6749 §4.4: secret by Basic or form, no
 * refresh token). Errors per RFC 6749 §5.2, `Cache-Control: no-store`.
 */
import { base64url, createLocalJWKSet, decodeJwt, jwtVerify } from "jose";
import { type ClientMetadataDocument, ClientMetadataError, ClientMetadataFetcher } from "./cimd.js";
import { DEVICE_CODE_GRANT } from "./device.js";
import type { SigningKey } from "./keys.js";
import type { Grant, OAuthStore, RegisteredClient } from "./oauth-store.js";
import { oauthError, oauthJson } from "./responses.js";
import type { Seed } from "./seed.js";
import { signAccessToken, signMachineToken, type TokenEnvironment } from "./tokens.js";

export interface TokenContext {
  readonly issuer: string;
  readonly seed: Seed;
  readonly store: OAuthStore;
  readonly key: () => Promise<SigningKey>;
  /** Access-token lifetime, seconds. */
  readonly accessTokenTtl: number;
  /** The environment's client id (default `aud`) and whether role claims are added. */
  readonly env: TokenEnvironment;
  /** Client ID Metadata Documents (URL client ids). */
  readonly documents: ClientMetadataFetcher;
  /** The device flow (RFC 8628), when served. */
  readonly device?: { poll(deviceCode: string, clientId: string): Grant | Response };
}

async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url.encode(new Uint8Array(digest));
}

/**
 * The client id and secret of a token request: `client_secret_basic` (RFC 6749 §2.3.1: both
 * parts form-urlencoded inside the Basic credentials) or `client_secret_post`.
 */
function clientCredentialsOf(
  request: Request,
  form: URLSearchParams,
): { clientId: string | null; secret: string | null } | Response {
  const header = request.headers.get("authorization");
  if (!header?.toLowerCase().startsWith("basic "))
    return { clientId: form.get("client_id"), secret: form.get("client_secret") };
  try {
    const [id = "", pass = ""] = atob(header.slice(6).trim()).split(":");
    const decode = (v: string) => decodeURIComponent(v.replace(/\+/g, " "));
    return { clientId: decode(id), secret: decode(pass) };
  } catch {
    return oauthError("invalid_client", "Malformed Basic credentials");
  }
}

const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const usedAssertions = new Map<string, number>();

/**
 * RFC 6749 §2.3 client authentication: `client_secret_basic` / `client_secret_post` for
 * registered clients, none for public ones, and for a metadata-document client (URL
 * `client_id`) what its document declares: none, or `private_key_jwt` (RFC 7523 §2.2: a JWT
 * signed with a key of its `jwks_uri`/`jwks`, `iss` = `sub` = the client id, `aud` this token
 * endpoint or the issuer, unexpired, its `jti` used once).
 */
async function authenticateClient(
  request: Request,
  form: URLSearchParams,
  ctx: TokenContext,
): Promise<{ clientId: string; client?: RegisteredClient } | Response> {
  const credentials = clientCredentialsOf(request, form);
  if (credentials instanceof Response) return credentials;
  let { clientId } = credentials;
  const { secret } = credentials;
  const assertion = form.get("client_assertion");
  if (!clientId && assertion) {
    try {
      clientId = (decodeJwt(assertion).sub as string | undefined) ?? null;
    } catch {
      return oauthError("invalid_client", "client_assertion is not a JWT");
    }
  }
  if (!clientId) return oauthError("invalid_client", "client_id is required");
  if (ClientMetadataFetcher.isUrlClientId(clientId)) return metadataClient(clientId, form, ctx);
  const client = ctx.store.client(clientId);
  if (!client) return oauthError("invalid_client", "Unknown client");
  if (client.clientSecret !== undefined && client.clientSecret !== secret)
    return oauthError("invalid_client", "Client authentication failed");
  return { clientId, client };
}

async function metadataClient(clientId: string, form: URLSearchParams, ctx: TokenContext) {
  let doc: ClientMetadataDocument;
  try {
    doc = await ctx.documents.get(clientId);
  } catch (error) {
    if (error instanceof ClientMetadataError) return oauthError("invalid_client", error.message);
    throw error;
  }
  if (doc.tokenEndpointAuthMethod === "none") {
    if (form.has("client_assertion")) return oauthError("invalid_client", "This client authenticates with none");
    return { clientId };
  }
  const assertion = form.get("client_assertion");
  if (form.get("client_assertion_type") !== JWT_BEARER || !assertion)
    return oauthError("invalid_client", `private_key_jwt: client_assertion_type must be ${JWT_BEARER}`);
  try {
    const keys = createLocalJWKSet(await ctx.documents.keys(doc));
    const { payload } = await jwtVerify(assertion, keys, {
      issuer: clientId,
      subject: clientId,
      audience: [`${ctx.issuer}/oauth2/token`, ctx.issuer],
      algorithms: ["RS256", "ES256", "PS256", "EdDSA"],
      requiredClaims: ["exp", "jti"],
      maxTokenAge: "10m",
    });
    const key = `${clientId}\n${String(payload.jti)}`;
    for (const [k, until] of usedAssertions) if (until < Date.now()) usedAssertions.delete(k);
    if (usedAssertions.has(key)) return oauthError("invalid_client", "client_assertion was already used (jti)");
    if (usedAssertions.size < 10_000) usedAssertions.set(key, (payload.exp as number) * 1000);
  } catch (error) {
    if (error instanceof ClientMetadataError) return oauthError("invalid_client", error.message);
    return oauthError("invalid_client", "client_assertion does not verify against the client's keys");
  }
  return { clientId };
}

async function issue(ctx: TokenContext, grant: Grant): Promise<Response> {
  const access = await signAccessToken(
    await ctx.key(),
    ctx.issuer,
    ctx.seed,
    {
      user: grant.userId,
      organizationId: grant.organizationId ?? null,
      scopes: grant.scope.split(" ").filter(Boolean),
      // WorkOS: the resource indicator, or the environment client id when the client sent none.
      audience: grant.resource ?? ctx.env.clientId,
      clientId: grant.clientId,
      sessionId: grant.sessionId,
      expiresIn: ctx.accessTokenTtl,
    },
    ctx.env,
  );
  return oauthJson({
    access_token: access,
    token_type: "Bearer",
    expires_in: ctx.accessTokenTtl,
    refresh_token: ctx.store.issueRefreshToken(grant),
    scope: grant.scope,
  });
}

/**
 * Handles a token request.
 *
 * @example
 * ```ts
 * const res = await token(request, ctx); // 200 { access_token, refresh_token, ... } or 400 { error }
 * ```
 */
export async function token(request: Request, ctx: TokenContext): Promise<Response> {
  if (request.method !== "POST") return oauthJson({ error: "invalid_request", error_description: "Use POST" }, 405);
  if (!/^application\/x-www-form-urlencoded\b/i.test(request.headers.get("content-type") ?? ""))
    return oauthError("invalid_request", "Content-Type must be application/x-www-form-urlencoded");
  const form = new URLSearchParams(await request.text());
  if (form.get("grant_type") === "client_credentials") return clientCredentials(request, form, ctx);
  const caller = await authenticateClient(request, form, ctx);
  if (caller instanceof Response) return caller;
  const resource = form.get("resource");
  const grantType = form.get("grant_type");

  if (grantType === "authorization_code") {
    const codeValue = form.get("code");
    const verifier = form.get("code_verifier");
    if (!codeValue || !verifier) return oauthError("invalid_request", "code and code_verifier are required");
    const code = ctx.store.takeCode(codeValue);
    if (!code || code.clientId !== caller.clientId)
      return oauthError("invalid_grant", "Invalid, expired or used authorization code");
    if (form.get("redirect_uri") !== null && form.get("redirect_uri") !== code.redirectUri)
      return oauthError("invalid_grant", "redirect_uri does not match the authorization request");
    if ((await s256(verifier)) !== code.codeChallenge) return oauthError("invalid_grant", "PKCE verification failed");
    if (resource !== null && resource !== code.resource)
      return oauthError("invalid_target", "resource does not match the authorization request");
    return issue(ctx, code);
  }
  if (grantType === DEVICE_CODE_GRANT && ctx.device) {
    const deviceCode = form.get("device_code");
    if (!deviceCode) return oauthError("invalid_request", "device_code is required");
    const grant = ctx.device.poll(deviceCode, caller.clientId);
    return grant instanceof Response ? grant : issue(ctx, grant);
  }
  if (grantType === "refresh_token") {
    const value = form.get("refresh_token");
    if (!value) return oauthError("invalid_request", "refresh_token is required");
    const grant = ctx.store.takeRefreshToken(value);
    if (!grant || grant.clientId !== caller.clientId)
      return oauthError("invalid_grant", "Invalid or used refresh token");
    if (resource !== null && resource !== grant.resource)
      return oauthError("invalid_target", "resource does not match the grant");
    const requested = form.get("scope");
    let scope = grant.scope;
    if (requested !== null) {
      const granted = new Set(grant.scope.split(" "));
      const asked = requested.split(" ").filter(Boolean);
      if (!asked.every((s) => granted.has(s))) return oauthError("invalid_scope", "scope exceeds the original grant");
      scope = asked.join(" ");
    }
    return issue(ctx, { ...grant, scope });
  }
  return oauthError(
    "unsupported_grant_type",
    "grant_type must be authorization_code, refresh_token, client_credentials or device_code",
  );
}

/** RFC 6749 §4.4: an M2M application authenticates with its secret and gets a token, no refresh token. */
async function clientCredentials(request: Request, form: URLSearchParams, ctx: TokenContext): Promise<Response> {
  const credentials = clientCredentialsOf(request, form);
  if (credentials instanceof Response) return credentials;
  const { clientId, secret } = credentials;
  if (!clientId || !secret)
    return oauthError("invalid_client", "client_credentials needs the client_id and client_secret");
  const app = ctx.seed.applications?.find((a) => a.clientId === clientId);
  if (!app || !timingSafeEqual(app.clientSecret, secret))
    return oauthError("invalid_client", "Client authentication failed");
  const scope = form.get("scope") ?? "";
  const scopes = scope.split(" ").filter(Boolean);
  if (scopes.some((s) => !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s))) return oauthError("invalid_scope", "Malformed scope");
  const access = await signMachineToken(await ctx.key(), ctx.issuer, app, scopes, ctx.accessTokenTtl, ctx.env);
  return oauthJson({
    access_token: access,
    token_type: "Bearer",
    expires_in: ctx.accessTokenTtl,
    ...(scopes.length > 0 && { scope: scopes.join(" ") }),
  });
}

function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
