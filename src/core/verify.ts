/**
 * Verifying an AuthKit access token (OAuth 2.1 §5.2, RFC 9068 §4, RFC 8707).
 *
 * Checked: the compact JWS form; `alg` is RS256 (never `none`, never HS*); the signature
 * against AuthKit's JWKS; `iss` equals the AuthKit issuer exactly; `aud` contains one of the
 * accepted audiences; `exp` present and in the future, `nbf` not in the future, `iat` not in
 * the future (each within the clock tolerance); `sub` present; claim types.
 * NOT checked: `typ` (AuthKit does not send `at+jwt`), revocation (no introspection call),
 * scopes or permissions (see the guards), `crit` beyond what jose supports (rejected).
 */
import { errors, jwtVerify } from "jose";
import { AuthError } from "./errors.js";
import type { JwksCache } from "./jwks.js";
import { type JWTClaims, validateClaims } from "./session.js";

export interface VerifyOptions {
  readonly issuer: string;
  /** Accepted `aud` values: the token must contain at least one. */
  readonly audience: readonly string[];
  /** Seconds. */
  readonly clockTolerance: number;
  readonly jwks: JwksCache;
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
  // A JWE has five segments, a JWS three: refuse anything else before any crypto.
  if (token.split(".").length !== 3)
    throw new AuthError("malformed_token", "Token is not a compact JWS (three segments)");
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, options.jwks.getKey, {
      algorithms: ["RS256"],
      issuer: options.issuer,
      audience: [...options.audience],
      clockTolerance: options.clockTolerance,
      requiredClaims: ["exp", "sub", "iat"],
    }));
  } catch (error) {
    throw toAuthError(error);
  }
  // jose does not refuse an iat in the future; a token minted ahead of our clock is suspect.
  const iat = payload.iat as number;
  if (iat > Date.now() / 1000 + options.clockTolerance)
    throw new AuthError("issued_in_future", "Token iat is in the future beyond the clock tolerance");
  return validateClaims(payload);
}

function toAuthError(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof errors.JWTExpired)
    return new AuthError("token_expired", "Token exp is in the past", { cause: error });
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case "iss":
        return new AuthError("issuer_mismatch", "Token iss is not the AuthKit issuer", { cause: error });
      case "aud":
        return new AuthError("audience_mismatch", "Token aud does not contain this resource", { cause: error });
      case "nbf":
        return new AuthError("token_not_yet_valid", "Token nbf is in the future", { cause: error });
      default:
        return error.reason === "missing"
          ? new AuthError("missing_claim", `Token has no ${error.claim} claim`, { cause: error })
          : new AuthError("invalid_claim", `Token claim ${error.claim} is invalid`, { cause: error });
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return new AuthError("algorithm_not_allowed", "Token alg is not RS256", { cause: error });
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
    return new AuthError("unknown_key", "No single AuthKit key matches the token's kid", { cause: error });
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return new AuthError("signature_invalid", "Token signature does not verify", { cause: error });
  if (error instanceof errors.JOSENotSupported)
    return new AuthError("unsupported_token", "Token uses an unsupported header or algorithm", { cause: error });
  return new AuthError("malformed_token", "Token is malformed", { cause: error });
}
