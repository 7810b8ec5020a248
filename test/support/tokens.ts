/** Minting test tokens with jose, in Node and in workerd alike. */
import { importJWK, type JWTPayload, SignJWT } from "jose";
import { inject } from "vitest";

export const authkit = () => inject("authkit");

export interface MintOptions {
  /** Claims to set or override; `undefined` removes a default claim. */
  readonly claims?: Record<string, unknown>;
  readonly header?: Record<string, unknown>;
  /** Seconds from now; default 3600. */
  readonly expiresIn?: number;
}

let keyPromise: Promise<CryptoKey> | undefined;

export async function mintToken(resource: string, options: MintOptions = {}): Promise<string> {
  const { issuer, privateJwk, kid } = authkit();
  keyPromise ??= importJWK(privateJwk, "RS256") as Promise<CryptoKey>;
  const now = Math.floor(Date.now() / 1000);
  const defaults: JWTPayload = {
    iss: issuer,
    sub: "user_alice",
    sid: "session_alice",
    aud: resource,
    client_id: "client_mcp",
    org_id: "org_acme",
    role: "admin",
    permissions: ["users:manage"],
    scope: "openid profile",
    jti: crypto.randomUUID(),
    iat: now,
    exp: now + (options.expiresIn ?? 3600),
  };
  const payload: Record<string, unknown> = { ...defaults, ...options.claims };
  for (const key of Object.keys(payload)) if (payload[key] === undefined) delete payload[key];
  return new SignJWT(payload as JWTPayload)
    .setProtectedHeader({ alg: "RS256", kid, ...options.header } as { alg: string })
    .sign(await keyPromise);
}
