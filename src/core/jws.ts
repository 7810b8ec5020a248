/**
 * Compact JWS verification for the one algorithm AuthKit signs with, RS256 (RFC 7515 §5.2,
 * RFC 7518 §3.3), straight on WebCrypto. jose still selects and imports the key (the JWKS);
 * this file makes the checks jose's `compactVerify` makes for RS256, without its generic
 * machinery (a header snapshot, algorithm tables, `atob` decoding, buffer concatenation), which
 * cost more per token than the rest of the verification.
 *
 * Checked: three base64url segments (strict alphabet, no padding); a JSON-object protected
 * header; `alg` exactly `RS256`; no `crit` (RFC 7515 §4.1.11: we understand no extension, so
 * any is refused, `b64` included); the key is an RSASSA-PKCS1-v1_5 SHA-256 public key of at
 * least 2048 bits (RFC 7518 §3.3) that may verify; the signature over the ASCII signing input.
 * NOT checked here: the claims (verify.ts).
 */
import { AuthError } from "./errors.js";

/** The protected header fields the key lookup reads. */
export interface JwsHeader {
  readonly alg: string;
  readonly kid?: string;
  readonly [parameter: string]: unknown;
}

// RFC 4648 §5 alphabet; 64 (or more) marks a character outside it.
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const SEXTETS = new Uint8Array(128).fill(64);
for (let i = 0; i < ALPHABET.length; i++) SEXTETS[ALPHABET.charCodeAt(i)] = i;

/** The sextet of a character, or 64 for one outside the alphabet (non-ASCII included). */
function sextet(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c < 128 ? (SEXTETS[c] as number) : 64;
}

/**
 * Decodes unpadded base64url (RFC 7515 §2), strictly: any other character, or a length no
 * encoding produces, is an `AuthError` (`malformed_token`) naming `part`.
 *
 * @example
 * ```ts
 * const signature = base64urlDecode(token.slice(second + 1), "signature");
 * ```
 */
export function base64urlDecode(text: string, part: string): Uint8Array<ArrayBuffer> {
  const length = text.length;
  const tail = length % 4;
  if (tail === 1) throw malformed(part);
  const out = new Uint8Array((length * 3) >> 2);
  const whole = length - tail;
  let o = 0;
  // Four characters (24 bits) at a time.
  for (let i = 0; i < whole; i += 4) {
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    const c = sextet(text, i + 2);
    const d = sextet(text, i + 3);
    if ((a | b | c | d) >= 64) throw malformed(part);
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  if (tail > 0) {
    const a = sextet(text, whole);
    const b = sextet(text, whole + 1);
    const c = tail === 3 ? sextet(text, whole + 2) : 0;
    if ((a | b | c) >= 64) throw malformed(part);
    // The unused low bits must be zero (RFC 4648 §3.5): one string per byte sequence.
    if (tail === 2 ? (b & 0x0f) !== 0 : (c & 0x03) !== 0) throw malformed(part);
    out[o++] = (a << 2) | (b >> 4);
    if (tail === 3) out[o++] = ((b & 0x0f) << 4) | (c >> 2);
  }
  return out;
}

function malformed(part: string): AuthError {
  return new AuthError("malformed_token", `Token ${part} is not base64url`);
}

const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/**
 * UTF-8 JSON bytes as a JSON object, or an `AuthError` (`malformed_token`) naming `part`.
 *
 * @example
 * ```ts
 * const claims = parseJsonObject(await verifyCompactRS256(token, keyFor), "payload");
 * ```
 */
export function parseJsonObject(bytes: Uint8Array, part: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch (cause) {
    throw new AuthError("malformed_token", `Token ${part} is not JSON`, { cause });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new AuthError("malformed_token", `Token ${part} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** Protected-header segments of verified tokens, parsed (a handful: one per AuthKit key). */
const acceptedHeaders = new Map<string, Record<string, unknown>>();

/** Keys already found fit for RS256 verification (checked once per key, not per token). */
const vetted = new WeakSet<CryptoKey>();

function vetKey(key: CryptoKey): void {
  if (vetted.has(key)) return;
  const algorithm = key.algorithm as { name?: string; hash?: { name?: string }; modulusLength?: unknown };
  const fit =
    key.type === "public" &&
    algorithm.name === "RSASSA-PKCS1-v1_5" &&
    algorithm.hash?.name === "SHA-256" &&
    typeof algorithm.modulusLength === "number" &&
    algorithm.modulusLength >= 2048 &&
    key.usages.includes("verify");
  if (!fit) throw new AuthError("unsupported_token", "The token's key is not an RS256 public key of 2048 bits or more");
  vetted.add(key);
}

/**
 * Verifies a compact JWS signed with RS256 and returns its payload's bytes (decoded strictly
 * before the signature check, parsed by the caller after it). `keyFor` resolves the key from
 * the protected header (the JWKS).
 *
 * @example
 * ```ts
 * const payload = await verifyCompactRS256(token, (header) => jwks.keyFor(header));
 * const claims = JSON.parse(new TextDecoder().decode(payload));
 * ```
 */
export async function verifyCompactRS256(
  token: string,
  keyFor: (header: JwsHeader) => CryptoKey | Promise<CryptoKey>,
): Promise<Uint8Array<ArrayBuffer>> {
  // RFC 7515 §7.1: three segments (a JWE has five): refuse anything else before any crypto.
  const first = token.indexOf(".");
  const second = first < 0 ? -1 : token.indexOf(".", first + 1);
  if (second < 0 || token.indexOf(".", second + 1) >= 0)
    throw new AuthError("malformed_token", "Token is not a compact JWS (three segments)");
  const segment = token.slice(0, first);
  // AuthKit's tokens share a few headers (one per signing key): one that passed is not re-read.
  let header = acceptedHeaders.get(segment);
  const known = header !== undefined;
  if (header === undefined) {
    header = parseJsonObject(base64urlDecode(segment, "header"), "header");
    // RFC 8725 §3.1: the algorithm is fixed by us, never chosen by the token.
    if (header.alg !== "RS256") throw new AuthError("algorithm_not_allowed", "Token alg is not RS256");
    if (header.crit !== undefined)
      throw new AuthError("unsupported_token", "Token has critical header parameters (crit) we do not understand");
  }
  const payload = base64urlDecode(token.slice(first + 1, second), "payload");
  const signature = base64urlDecode(token.slice(second + 1), "signature");
  const found = keyFor(header as JwsHeader);
  // A known key comes without a promise: no extra turns of the microtask queue.
  const key = found instanceof Promise ? await found : found;
  vetKey(key);
  // The signing input is ASCII (two base64url segments and a dot): UTF-8 encoding is the identity.
  const input = encoder.encode(token.slice(0, second));
  let valid: boolean;
  try {
    valid = await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, signature, input);
  } catch (cause) {
    throw new AuthError("signature_invalid", "Token signature does not verify", { cause });
  }
  if (!valid) throw new AuthError("signature_invalid", "Token signature does not verify");
  // Only headers of verified tokens are kept (nobody can fill this with headers of their own).
  if (!known && acceptedHeaders.size < 16) acceptedHeaders.set(segment, Object.freeze(header));
  return payload;
}
