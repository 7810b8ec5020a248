/**
 * Verifying an AuthKit access token (OAuth 2.1 §5.2, RFC 9068 §4, RFC 8707).
 *
 * Checked: the compact JWS form; `alg` is RS256 (never `none`, never HS*); the signature
 * against AuthKit's JWKS; `iss` equals the AuthKit issuer exactly; `aud` contains one of the
 * accepted audiences; `exp` present and in the future, `nbf` not in the future, `iat` not in
 * the future (each within the clock tolerance); `sub` present; claim types.
 * NOT checked: `typ` (AuthKit does not send `at+jwt`), revocation (no introspection call),
 * scopes or permissions (see the guards). Any `crit` is refused (we understand no extension).
 */
import { errors, type JWSHeaderParameters } from "jose";
import { normaliseAudience } from "./audience.js";
import { AuthError } from "./errors.js";
import type { JwksCache } from "./jwks.js";
import { parseJsonObject, verifyCompactRS256 } from "./jws.js";
import { isMachineClaims, type JWTClaims, validateClaims } from "./session.js";

export interface VerifyOptions {
  readonly issuer: string;
  /** Accepted `aud` values, in normalised form (`normaliseAudience`): the token must contain at least one. */
  readonly audience: readonly string[];
  /** Seconds. */
  readonly clockTolerance: number;
  readonly jwks: JwksCache;
  /**
   * AuthKit M2M tokens: their `aud` is the environment client id. A token whose only accepted
   * audience is this one passes only with the M2M shape (no `sid`, `sub` = `client_id`) and,
   * when `machineClients` is a set, a listed `client_id`.
   */
  readonly machineAudience?: string | undefined;
  /** The environment client id: a user token whose `aud` is only this gets a description saying what to configure. */
  readonly clientId?: string | undefined;
  readonly machineClients?: ReadonlySet<string> | "any" | undefined;
}

/**
 * Verifies `token` and returns its validated, frozen claims, or throws an {@link AuthError}
 * whose `reason` names the failed check.
 *
 * @example
 * ```ts
 * const claims = await verifyAccessToken(token, { issuer, audience: [resource], clockTolerance: 30, jwks });
 * ```
 */
export async function verifyAccessToken(token: string, options: VerifyOptions): Promise<JWTClaims> {
  let bytes: Uint8Array;
  try {
    // jws.ts checks the JWS (segments, alg, crit, the key's fitness, the signature); the
    // JwksCache (jose) selects the key by kid.
    bytes = await verifyCompactRS256(token, (header) => options.jwks.keyFor(header as JWSHeaderParameters));
  } catch (error) {
    throw toAuthError(error);
  }
  const payload = parseJsonObject(bytes, "payload");
  checkRegisteredClaims(payload, options);
  return validateClaims(payload);
}

/**
 * The RFC 7519 §4.1 checks, done here rather than by jose's generic validator (one pass, the
 * reasons we report): `iss` exact (OAuth 2.1 §5.2), `aud` contains an accepted audience
 * (RFC 8707), `exp` required and not past, `nbf` and `iat` not in the future, each within the
 * clock tolerance.
 */
function checkRegisteredClaims(p: Record<string, unknown>, options: VerifyOptions): void {
  if (p.iss !== options.issuer) throw new AuthError("issuer_mismatch", "Token iss is not the AuthKit issuer");
  const aud = p.aud;
  const audiences = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : [];
  if (!audiences.some((a) => audienceAccepted(a, options.audience)) && !isAcceptedMachine(p, audiences, options)) {
    // AuthKit's audience when the client sent no `resource`, or the resource is not registered.
    if (options.clientId !== undefined && audiences.includes(options.clientId))
      throw new AuthError(
        "client_id_audience",
        "Token aud is the client id: no resource indicator was sent or registered",
      );
    throw new AuthError("audience_mismatch", "Token aud does not contain this resource");
  }
  const now = Date.now() / 1000;
  const tolerance = options.clockTolerance;
  if (p.exp === undefined) throw new AuthError("missing_claim", "Token has no exp claim");
  if (typeof p.exp !== "number" || !Number.isFinite(p.exp))
    throw new AuthError("invalid_claim", "Token exp is not a number");
  if (p.exp <= now - tolerance) throw new AuthError("token_expired", "Token exp is in the past");
  if (p.nbf !== undefined) {
    if (typeof p.nbf !== "number" || !Number.isFinite(p.nbf))
      throw new AuthError("invalid_claim", "Token nbf is not a number");
    if (p.nbf > now + tolerance) throw new AuthError("token_not_yet_valid", "Token nbf is in the future");
  }
  if (p.iat === undefined) throw new AuthError("missing_claim", "Token has no iat claim");
  if (typeof p.iat !== "number" || !Number.isFinite(p.iat))
    throw new AuthError("invalid_claim", "Token iat is not a number");
  // A token minted ahead of our clock is suspect (jose would not refuse it).
  if (p.iat > now + tolerance)
    throw new AuthError("issued_in_future", "Token iat is in the future beyond the clock tolerance");
  if (p.sub === undefined) throw new AuthError("missing_claim", "Token has no sub claim");
}

/** Exact match first (the common case), then the normalised form (`HTTPS://HOST/`, a lone "/"). */
function audienceAccepted(aud: unknown, accepted: readonly string[]): boolean {
  return typeof aud === "string" && (accepted.includes(aud) || accepted.includes(normaliseAudience(aud)));
}

/** An M2M token for the environment client id, from an accepted application (never a user token). */
function isAcceptedMachine(p: Record<string, unknown>, audiences: readonly unknown[], options: VerifyOptions): boolean {
  if (options.machineAudience === undefined || !audiences.includes(options.machineAudience)) return false;
  if (!isMachineClaims(p)) return false;
  return options.machineClients === "any" || options.machineClients?.has(p.client_id as string) === true;
}

/** What the key lookup (jose's JWKS selection) may throw, as our reasons; jws.ts throws AuthErrors itself. */
function toAuthError(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
    return new AuthError("unknown_key", "No single AuthKit key matches the token's kid", { cause: error });
  if (error instanceof errors.JOSENotSupported)
    return new AuthError("unsupported_token", "Token uses an unsupported header or algorithm", { cause: error });
  return new AuthError("malformed_token", "Token is malformed", { cause: error });
}
