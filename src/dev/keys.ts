/**
 * The local AuthKit's signing key: an RS256 key generated with WebCrypto on first use (or an
 * imported private JWK), its public JWKS with a `kid`, and JWT signing.
 */
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  SignJWT,
} from "jose";

export interface SigningKey {
  readonly kid: string;
  readonly publicJwk: JWK;
  sign(payload: JWTPayload): Promise<string>;
}

/**
 * Creates the signing key lazily: Workers forbid key generation at module scope, so nothing
 * happens until the first request or token.
 *
 * @example
 * ```ts
 * const key = lazySigningKey();
 * const jwt = await (await key()).sign({ sub: "user_1" });
 * ```
 */
export function lazySigningKey(privateJwk?: JWK): () => Promise<SigningKey> {
  let pending: Promise<SigningKey> | undefined;
  return () => {
    pending ??= load(privateJwk);
    return pending;
  };
}

async function load(privateJwk?: JWK): Promise<SigningKey> {
  let privateKey: CryptoKey;
  let publicJwk: JWK;
  if (privateJwk) {
    privateKey = (await importJWK(privateJwk, "RS256")) as CryptoKey;
    const { kty, n, e } = privateJwk;
    publicJwk = { kty, n, e };
  } else {
    const pair = await generateKeyPair("RS256", { extractable: true });
    privateKey = pair.privateKey;
    publicJwk = await exportJWK(pair.publicKey);
  }
  const kid = privateJwk?.kid ?? (await calculateJwkThumbprint(publicJwk));
  const published: JWK = Object.freeze({ ...publicJwk, kid, alg: "RS256", use: "sig" });
  return {
    kid,
    publicJwk: published,
    sign: (payload) => new SignJWT(payload).setProtectedHeader({ alg: "RS256", kid, typ: "JWT" }).sign(privateKey),
  };
}
