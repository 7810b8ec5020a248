/**
 * Reading the access token from a request (RFC 6750 §2).
 *
 * Only the Authorization request header field (§2.1) is accepted: MCP forbids tokens in
 * the URI query (§2.3) and we refuse the form body (§2.2) too. A request that tries more
 * than one method, or sends a malformed header, is an `invalid_request` (§3.1).
 */
import { AuthError } from "./errors.js";
import { knownBodyText } from "./exchange.js";

/** Upper bound of an Authorization header we parse; larger is refused as malformed. */
export const MAX_AUTHORIZATION_LENGTH = 16 * 1024;

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
// RFC 7235 §2.1: credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
const CREDENTIALS = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)(?: +(.*))?$/s;

/**
 * Returns the bearer token of `request`, or throws an {@link AuthError} saying why not.
 * Does NOT verify the token: see `verifyAccessToken`.
 *
 * @example
 * ```ts
 * const token = extractBearerToken(new Request(url, { headers: { authorization: "Bearer eyJ..." } }));
 * ```
 */
export async function extractBearerToken(request: Request): Promise<string> {
  const token = readBearerToken(request);
  assertB64Token(token);
  if (await hasFormBodyToken(request))
    throw new AuthError("token_in_body", "Access token sent in the form body (RFC 6750 §2.2 is not supported)");
  return token;
}

/**
 * The synchronous part of {@link extractBearerToken}: header and query only (the hot path).
 * Callers must still check the token's syntax (`assertB64Token`) before verifying it, and a
 * form body (`mayCarryFormToken`).
 */
export function readBearerToken(request: Request, url: string = request.url): string {
  // Cheap pre-check: parse the URL only when the query could carry a token.
  if (url.includes("access_token") && new URL(url).searchParams.has("access_token"))
    throw new AuthError("token_in_query", "Access token sent in the query string (RFC 6750 §2.3 is not supported)");
  const header = request.headers.get("authorization");
  if (header === null || header === "") {
    throw new AuthError("missing_token", "No Authorization header");
  }
  if (header.length > MAX_AUTHORIZATION_LENGTH)
    throw new AuthError("header_too_large", `Authorization header longer than ${MAX_AUTHORIZATION_LENGTH} bytes`);
  // Fetch joins repeated header fields with ", "; a b64token never contains a comma.
  if (header.includes(","))
    throw new AuthError("multiple_authorization_headers", "More than one credential in the Authorization header");
  // Fast path for the common `Bearer <token>`; anything else goes through the RFC 7235 grammar.
  let scheme: string;
  let credentials: string;
  if (header.startsWith("Bearer ") && header.charCodeAt(7) !== 32) {
    scheme = "Bearer";
    credentials = header.slice(7);
  } else {
    const match = CREDENTIALS.exec(header);
    if (!match) throw new AuthError("malformed_header", "Authorization header is not `<scheme> <credentials>`");
    scheme = match[1] ?? "";
    credentials = (match[2] ?? "").trim();
  }
  // RFC 7235 §2.1: the auth-scheme is case-insensitive.
  if (scheme.toLowerCase() !== "bearer")
    throw new AuthError("unsupported_scheme", "Authorization scheme is not Bearer");
  if (credentials === "") throw new AuthError("empty_token", "Bearer scheme without a token");
  return credentials;
}

/**
 * RFC 6750 §2.1 token syntax. Separate from {@link readBearerToken} so a token already in the
 * verified-token cache (which only ever holds tokens that passed this) skips the scan.
 */
export function assertB64Token(token: string): void {
  if (!B64TOKEN.test(token)) throw new AuthError("malformed_header", "Bearer token has characters outside b64token");
}

/** Whether the request has a form body that could carry `access_token` (RFC 6750 §2.2). */
export function mayCarryFormToken(request: Request): boolean {
  // The body first: it is a field read, the header a lookup (most requests that have no body are GETs).
  return (
    request.body !== null && /^application\/x-www-form-urlencoded\b/i.test(request.headers.get("content-type") ?? "")
  );
}

/** Reads a form body from a clone and looks for `access_token`. */
export async function hasFormBodyToken(request: Request): Promise<boolean> {
  if (!mayCarryFormToken(request) || request.bodyUsed) return false;
  try {
    const text = knownBodyText(request) ?? (await request.clone().text());
    return text.length <= 1024 * 1024 && new URLSearchParams(text).has("access_token");
  } catch {
    return false;
  }
}
