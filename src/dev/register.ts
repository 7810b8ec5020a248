/**
 * RFC 7591 Dynamic Client Registration (`POST /oauth2/register`).
 */
import { type OAuthStore, type RegisteredClient, randomId } from "./oauth-store.js";
import { isAllowedRedirectUri, oauthJson } from "./responses.js";

const AUTH_METHODS = new Set(["none", "client_secret_post", "client_secret_basic"]);

/**
 * Registers a client. Redirect URIs must be https, http on loopback (any port), or a
 * private-use scheme such as `cursor://` or `vscode://` (RFC 8252 §7.1): what real MCP clients
 * register. `javascript:`, `data:`, fragments and plain http off loopback are refused.
 *
 * @example
 * ```ts
 * const res = await register(request, store); // 201 { client_id, redirect_uris, ... }
 * ```
 */
export async function register(request: Request, store: OAuthStore): Promise<Response> {
  if (request.method !== "POST") return oauthJson({ error: "invalid_request", error_description: "Use POST" }, 405);
  let body: Record<string, unknown>;
  try {
    const parsed = (await request.json()) as unknown;
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error();
    body = parsed as Record<string, unknown>;
  } catch {
    return oauthJson({ error: "invalid_client_metadata", error_description: "Body must be a JSON object" }, 400);
  }
  const uris = body.redirect_uris;
  if (
    !Array.isArray(uris) ||
    uris.length === 0 ||
    !uris.every((u) => typeof u === "string" && isAllowedRedirectUri(u))
  ) {
    return oauthJson(
      {
        error: "invalid_redirect_uri",
        error_description: "redirect_uris must be a non-empty list of https, loopback http, or private-use scheme URIs",
      },
      400,
    );
  }
  const method = body.token_endpoint_auth_method ?? "none";
  if (typeof method !== "string" || !AUTH_METHODS.has(method)) {
    return oauthJson(
      { error: "invalid_client_metadata", error_description: "Unsupported token_endpoint_auth_method" },
      400,
    );
  }
  const grantTypes = body.grant_types ?? ["authorization_code", "refresh_token"];
  if (!Array.isArray(grantTypes) || !grantTypes.every((g) => g === "authorization_code" || g === "refresh_token")) {
    return oauthJson({ error: "invalid_client_metadata", error_description: "Unsupported grant_types" }, 400);
  }
  const client: RegisteredClient = {
    clientId: randomId("client_", 12),
    ...(method !== "none" && { clientSecret: randomId("secret_", 24) }),
    redirectUris: uris as string[],
    ...(typeof body.client_name === "string" && { clientName: body.client_name.slice(0, 200) }),
    ...(typeof body.logo_uri === "string" && body.logo_uri.length <= 100_000 && { logoUri: body.logo_uri }),
    tokenEndpointAuthMethod: method as RegisteredClient["tokenEndpointAuthMethod"],
    grantTypes: grantTypes as string[],
    createdAt: Math.floor(Date.now() / 1000),
  };
  store.saveClient(client);
  return oauthJson(
    {
      client_id: client.clientId,
      ...(client.clientSecret !== undefined && { client_secret: client.clientSecret, client_secret_expires_at: 0 }),
      client_id_issued_at: client.createdAt,
      redirect_uris: client.redirectUris,
      ...(client.clientName !== undefined && { client_name: client.clientName }),
      ...(client.logoUri !== undefined && { logo_uri: client.logoUri }),
      token_endpoint_auth_method: client.tokenEndpointAuthMethod,
      grant_types: client.grantTypes,
      response_types: ["code"],
    },
    201,
  );
}
