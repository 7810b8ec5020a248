/**
 * A local stand-in for a WorkOS AuthKit environment and the WorkOS API, as one fetch handler
 * (Workers and Node alike). For development and tests only: it signs in seeded users without
 * a password.
 */
import type { JWK } from "jose";
import { isLoopbackHost } from "../core/config.js";
import { ConfigError } from "../core/errors.js";
import { authorize } from "./authorize.js";
import { ClientMetadataFetcher, type ClientMetadataOptions } from "./cimd.js";
import { createDeviceFlow, DEVICE_CODE_GRANT } from "./device.js";
import { createInteraction } from "./interaction.js";
import { lazySigningKey } from "./keys.js";
import { setMembershipRole } from "./memberships.js";
import { OAuthStore } from "./oauth-store.js";
import { register } from "./register.js";
import { oauthJson } from "./responses.js";
import { DEFAULT_SEED, parseSeed, type Seed } from "./seed.js";
import { token } from "./token.js";
import { findUser, type MintOptions, signAccessToken } from "./tokens.js";
import { RateLimiter, workosApi } from "./workos-api.js";

/** Options of {@link createLocalAuthKit}. */
export interface LocalAuthKitOptions {
  /** Its origin, e.g. `http://127.0.0.1:8788`: the tokens' `iss`. Must be a loopback origin. */
  readonly issuer: string;
  /** Users, organizations, memberships, roles. Default {@link DEFAULT_SEED}. */
  readonly seed?: Seed | undefined;
  /** The API key its WorkOS API accepts. Default `sk_test_local_authkit`. */
  readonly apiKey?: string | undefined;
  /** A private RS256 JWK to sign with. Default: a key generated on first use. */
  readonly signingKey?: JWK | undefined;
  /** Access-token lifetime in seconds. Default 3600. */
  readonly accessTokenTtl?: number | undefined;
  /** Authorization-code lifetime in seconds. Default 60. */
  readonly codeTtl?: number | undefined;
  /** Receives each magic link (development stand-in for the email). Default: `console.info`. */
  readonly onMagicLink?: ((email: string, url: string) => void) | undefined;
  /** Rate-limit the WorkOS API stand-in (429 with `Retry-After` past it), e.g. `{ requests: 10, perSeconds: 1 }`. */
  readonly rateLimit?: { readonly requests: number; readonly perSeconds: number } | undefined;
  /** The environment's client id (`WORKOS_CLIENT_ID`): the `aud` of tokens requested without a resource, and of M2M tokens. Default `client_local_dev`. */
  readonly clientId?: string | undefined;
  /**
   * Add `role`, `roles` and `permissions` to user tokens, as a WorkOS JWT template would.
   * Default false: tokens are Connect-shaped, exactly as AuthKit issues them to MCP clients.
   */
  readonly roleClaims?: boolean | undefined;
  /**
   * Sign in with no page, for tests and headless clients: `true` (the first seeded user) or a
   * seeded user's e-mail or id. The `login_hint` user wins when there is one; consent is
   * granted; `prompt=select_account` still shows the sign-in page. Default: the pages, as
   * AuthKit shows them.
   */
  readonly autoSignIn?: boolean | string | undefined;
  /** Client ID Metadata Documents: `{ fetch, allowLoopbackHttp, timeout }`. */
  readonly clientMetadata?: ClientMetadataOptions | undefined;
}

/** What {@link createLocalAuthKit} returns. */
export interface LocalAuthKit {
  /** The fetch handler: serve it on the issuer's origin. */
  readonly fetch: (request: Request) => Promise<Response>;
  readonly issuer: string;
  readonly apiKey: string;
  readonly seed: Seed;
  /** Signs an access token as this AuthKit would, for your own tests. */
  mintToken(options?: MintOptions): Promise<string>;
  /** The public key set served at `/oauth2/jwks`. */
  jwks(): Promise<{ keys: JWK[] }>;
  /** Provider options pointing at this instance (`authkitDomain`, `apiURL`, `apiKey`). */
  providerOptions(): { authkitDomain: string; apiURL: string; apiKey: string };
  /** The environment client id (`aud` of M2M tokens and of tokens requested without a resource). */
  readonly clientId: string;
  /**
   * Changes a user's role in an organization (`null` removes the membership), as the WorkOS
   * dashboard or `PUT /user_management/organization_memberships/{id}` would. Tokens already
   * issued are unchanged: live role resolution sees it once its cache expires.
   */
  setRole(user: string, organizationId: string, role: string | null): void;
}

export const DEFAULT_LOCAL_API_KEY = "sk_test_local_authkit";

/**
 * Creates a local AuthKit. Refuses a non-loopback issuer, and answers only requests addressed
 * to a loopback host. Its tokens carry `iss = http://127.0.0.1:<port>` (or `localhost`), so a
 * provider configured for a real AuthKit domain can never accept them.
 *
 * NOT a security boundary: anyone who can reach it can sign in as any seeded user.
 *
 * @example
 * ```ts
 * const authkit = createLocalAuthKit({ issuer: "http://127.0.0.1:8788" });
 * const token = await authkit.mintToken({ user: "alice@example.com", audience: "http://127.0.0.1:8787/mcp" });
 * ```
 */
export function createLocalAuthKit(options: LocalAuthKitOptions): LocalAuthKit {
  if (!options || typeof options.issuer !== "string" || !URL.canParse(options.issuer))
    throw new ConfigError("issuer", "Missing required config: issuer (e.g. http://127.0.0.1:8788)");
  const url = new URL(options.issuer);
  if (!isLoopbackHost(url.hostname) || url.pathname !== "/" || url.search)
    throw new ConfigError(
      "issuer",
      "Invalid config: issuer must be a loopback origin (localhost, 127.0.0.1, [::1]); the local AuthKit refuses anything else",
    );
  const issuer = url.origin;
  const parsed = options.seed === undefined ? DEFAULT_SEED : parseSeed(options.seed);
  // Memberships change at run time (setRole, the membership API): a copy per instance.
  const seed: Seed = Object.freeze({ ...parsed, memberships: [...parsed.memberships] });
  const clientId = options.clientId ?? "client_local_dev";
  if (typeof clientId !== "string" || clientId === "")
    throw new ConfigError("clientId", "Invalid config: clientId must be a non-empty string");
  const tokenEnv = { clientId, roleClaims: options.roleClaims === true };
  const apiKey = options.apiKey ?? DEFAULT_LOCAL_API_KEY;
  const key = lazySigningKey(options.signingKey);
  const store = new OAuthStore();
  const limiter = options.rateLimit
    ? new RateLimiter(options.rateLimit.requests, options.rateLimit.perSeconds)
    : undefined;
  const accessTokenTtl = options.accessTokenTtl ?? 3600;
  const codeTtl = (options.codeTtl ?? 60) * 1000;
  let autoSignIn: string | undefined;
  if (options.autoSignIn === true) autoSignIn = seed.users[0]?.id;
  else if (typeof options.autoSignIn === "string" && options.autoSignIn !== "") {
    autoSignIn = findUser(seed, options.autoSignIn)?.id;
    if (autoSignIn === undefined)
      throw new ConfigError("autoSignIn", "Invalid config: autoSignIn must name a seeded user (e-mail or id)");
  } else if (options.autoSignIn !== undefined && options.autoSignIn !== false && options.autoSignIn !== "")
    throw new ConfigError("autoSignIn", "Invalid config: autoSignIn must be a boolean or a seeded user's e-mail or id");
  const documents = new ClientMetadataFetcher(options.clientMetadata);
  const authorizeCtx = { issuer, seed, store, codeTtl, documents };
  const interaction = createInteraction(authorizeCtx, {
    autoSignIn,
    onMagicLink:
      options.onMagicLink ?? ((email, link) => console.info(`[local AuthKit] Magic link for ${email}: ${link}`)),
  });
  const device = createDeviceFlow({ issuer, store, documents }, interaction.start);
  const tokenCtx = { issuer, seed, store, key, accessTokenTtl, env: tokenEnv, documents, device };

  const metadata = {
    issuer,
    authorization_endpoint: `${issuer}/oauth2/authorize`,
    token_endpoint: `${issuer}/oauth2/token`,
    registration_endpoint: `${issuer}/oauth2/register`,
    device_authorization_endpoint: `${issuer}/oauth2/device_authorization`,
    jwks_uri: `${issuer}/oauth2/jwks`,
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: ["authorization_code", "refresh_token", "client_credentials", DEVICE_CODE_GRANT],
    code_challenge_methods_supported: ["S256"],
    token_endpoint_auth_methods_supported: ["none", "client_secret_post", "client_secret_basic", "private_key_jwt"],
    token_endpoint_auth_signing_alg_values_supported: ["RS256", "ES256", "PS256", "EdDSA"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    client_id_metadata_document_supported: true,
    authorization_response_iss_parameter_supported: true,
  };
  const jwks = async () => ({ keys: [(await key()).publicJwk] });

  const fetch = async (request: Request): Promise<Response> => {
    const reqUrl = new URL(request.url);
    if (!isLoopbackHost(reqUrl.hostname))
      return new Response("The local AuthKit answers loopback requests only\n", { status: 403 });
    if (request.method === "OPTIONS") {
      return new Response(null, {
        status: 204,
        headers: {
          "access-control-allow-origin": "*",
          "access-control-allow-methods": "GET, POST, OPTIONS",
          "access-control-allow-headers": "Authorization, Content-Type, MCP-Protocol-Version",
        },
      });
    }
    switch (reqUrl.pathname) {
      case "/.well-known/oauth-authorization-server":
      case "/.well-known/openid-configuration":
        return oauthJson(metadata);
      case "/oauth2/jwks":
        return oauthJson(await jwks());
      case "/oauth2/register":
        return register(request, store);
      case "/oauth2/authorize":
        return authorize(request, authorizeCtx, interaction.start);
      case "/oauth2/authorize/sign-in":
        return interaction.signIn(request);
      case "/oauth2/authorize/organization":
        return interaction.organization(request);
      case "/oauth2/authorize/consent":
        return interaction.consent(request);
      case "/oauth2/authorize/magic":
        return interaction.magic(request);
      case "/oauth2/authorize/magic/verify":
        return interaction.verify(request);
      case "/oauth2/authorize/sso":
        return interaction.sso(request);
      case "/oauth2/authorize/sso/callback":
        return interaction.ssoCallback(request);
      case "/oauth2/device_authorization":
        return device.authorization(request);
      case "/oauth2/device":
        return device.page(request);
      case "/oauth2/token":
        return token(request, tokenCtx);
      case "/":
        return oauthJson({ name: "authkit-mcp local AuthKit", issuer, users: seed.users.map((u) => u.email) });
    }
    return (await workosApi(request, seed, apiKey, limiter)) ?? oauthJson({ error: "not_found" }, 404);
  };

  return Object.freeze({
    fetch,
    issuer,
    apiKey,
    seed,
    jwks,
    mintToken: async (mint: MintOptions = {}) => signAccessToken(await key(), issuer, seed, mint, tokenEnv),
    providerOptions: () => ({ authkitDomain: issuer, apiURL: issuer, apiKey }),
    clientId,
    setRole: (user: string, organizationId: string, role: string | null) => {
      const found = findUser(seed, user);
      if (!found) throw new Error(`Local AuthKit: unknown user ${user}`);
      setMembershipRole(seed, found.id, organizationId, role);
    },
  });
}
