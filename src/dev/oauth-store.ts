/**
 * In-memory state of the local AuthKit: registered clients, authorization codes (single-use,
 * short-lived), refresh tokens (rotated). Bounded, so a loop of registrations cannot grow it
 * without limit.
 */

export interface RegisteredClient {
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly redirectUris: readonly string[];
  readonly clientName?: string;
  readonly logoUri?: string;
  readonly tokenEndpointAuthMethod: "none" | "client_secret_post" | "client_secret_basic";
  readonly grantTypes: readonly string[];
  readonly createdAt: number;
}

/** What a sign-in granted: carried by a code, then by each refresh token. */
export interface Grant {
  readonly clientId: string;
  readonly userId: string;
  readonly organizationId: string | undefined;
  readonly scope: string;
  readonly resource: string | undefined;
  readonly sessionId: string;
}

export interface AuthorizationCode extends Grant {
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly expiresAt: number;
}

const MAX_ENTRIES = 10_000;

function bounded<K, V>(map: Map<K, V>, key: K, value: V): void {
  if (map.size >= MAX_ENTRIES) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}

/** Random URL-safe identifier with `bytes` of entropy. */
export function randomId(prefix: string, bytes = 24): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  let s = "";
  for (const b of raw) s += b.toString(16).padStart(2, "0");
  return `${prefix}${s}`;
}

/**
 * The mutable state of one local AuthKit instance.
 *
 * @example
 * ```ts
 * const store = new OAuthStore();
 * store.saveClient(client);
 * ```
 */
export class OAuthStore {
  readonly #clients = new Map<string, RegisteredClient>();
  readonly #codes = new Map<string, AuthorizationCode>();
  readonly #refresh = new Map<string, Grant>();

  saveClient(client: RegisteredClient): void {
    bounded(this.#clients, client.clientId, client);
  }

  client(clientId: string): RegisteredClient | undefined {
    return this.#clients.get(clientId);
  }

  issueCode(code: AuthorizationCode): string {
    const id = randomId("code_");
    bounded(this.#codes, id, code);
    return id;
  }

  /** Single use: the code is gone after the first call, valid or not. */
  takeCode(id: string): AuthorizationCode | undefined {
    const code = this.#codes.get(id);
    this.#codes.delete(id);
    return code && code.expiresAt > Date.now() ? code : undefined;
  }

  issueRefreshToken(grant: Grant): string {
    const id = randomId("rt_", 32);
    bounded(this.#refresh, id, grant);
    return id;
  }

  /** Rotation: a refresh token is used once. */
  takeRefreshToken(id: string): Grant | undefined {
    const grant = this.#refresh.get(id);
    this.#refresh.delete(id);
    return grant;
  }
}
