/**
 * OAuth Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document; MCP
 * 2025-11-25 and 2026-07-28 "Client Registration"): a client whose `client_id` is an https URL
 * publishes its metadata there. The local AuthKit fetches it, as AuthKit does:
 * - `client_id` must be an https URL with a path (http only on loopback, in development);
 * - no fetch to private, link-local or unspecified addresses other than loopback;
 * - a timeout, a size cap, no redirects followed, and caching (`Cache-Control: max-age`);
 * - the document must name that exact `client_id`, list `redirect_uris`, and authenticate with
 *   `none` or `private_key_jwt` (with `jwks_uri` or `jwks`): a shared secret cannot be
 *   published.
 */
import type { JSONWebKeySet } from "jose";
import { isLoopbackHost } from "../core/config.js";
import { isAllowedRedirectUri } from "./responses.js";

/**
 * A fetched, validated client metadata document.
 *
 * @example
 * ```ts
 * const doc: ClientMetadataDocument = { clientId: "https://app.example/client.json", redirectUris: ["https://app.example/cb"], tokenEndpointAuthMethod: "none" };
 * ```
 */
export interface ClientMetadataDocument {
  readonly clientId: string;
  readonly redirectUris: readonly string[];
  readonly clientName?: string;
  readonly logoUri?: string;
  readonly clientUri?: string;
  readonly tokenEndpointAuthMethod: "none" | "private_key_jwt";
  readonly jwksUri?: string;
  readonly jwks?: JSONWebKeySet;
}

/**
 * Options of the local AuthKit's CIMD support (`clientMetadata` option).
 *
 * @example
 * ```ts
 * createLocalAuthKit({ issuer: "http://127.0.0.1:8788", clientMetadata: { allowLoopbackHttp: true } });
 * ```
 */
export interface ClientMetadataOptions {
  /** The `fetch` used for documents and `jwks_uri`. Default: the global `fetch`. */
  readonly fetch?: typeof fetch | undefined;
  /** Accept `http://` documents on loopback hosts (development). Default true. */
  readonly allowLoopbackHttp?: boolean | undefined;
  /** Milliseconds before a fetch is abandoned. Default 5000. */
  readonly timeout?: number | undefined;
}

const MAX_BYTES = 64 * 1024;
const DEFAULT_TTL = 5 * 60_000;

/** A refusal with the OAuth error code and a description safe to show. */
export class ClientMetadataError extends Error {
  constructor(
    readonly error: "invalid_client" | "invalid_client_metadata",
    message: string,
  ) {
    super(message);
  }
}

/** Whether an IP-literal host is private, link-local, unspecified or otherwise not public. */
function isNonPublicAddress(hostname: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(hostname);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      a >= 224
    );
  }
  if (!hostname.startsWith("[")) return hostname === "localhost" || hostname.endsWith(".localhost");
  const h = hostname.slice(1, -1).toLowerCase();
  return h === "::" || h === "::1" || /^f[cd]/.test(h) || /^fe[89ab]/.test(h) || h.startsWith("::ffff:");
}

/**
 * Checks a URL the local AuthKit would fetch for a client (a `client_id` or a `jwks_uri`):
 * https (http on loopback when allowed), no credentials, no fragment, not a private address.
 */
export function fetchableClientUrl(value: string, allowLoopbackHttp: boolean, what: string): URL {
  if (!URL.canParse(value)) throw new ClientMetadataError("invalid_client", `${what} is not a URL`);
  const url = new URL(value);
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback && allowLoopbackHttp))
    throw new ClientMetadataError(
      "invalid_client",
      `${what} must be an https URL${allowLoopbackHttp ? " (http only on loopback)" : ""}`,
    );
  if (url.username || url.password || url.hash)
    throw new ClientMetadataError("invalid_client", `${what} must not carry credentials or a fragment`);
  if (isNonPublicAddress(url.hostname) && !(loopback && allowLoopbackHttp))
    throw new ClientMetadataError("invalid_client", `${what} points at a private or loopback address`);
  return url;
}

/**
 * Fetches and caches client metadata documents (and the key sets of `private_key_jwt` clients).
 *
 * @example
 * ```ts
 * const documents = new ClientMetadataFetcher({ allowLoopbackHttp: true });
 * const doc = await documents.get("https://app.example/oauth/client.json");
 * ```
 */
export class ClientMetadataFetcher {
  readonly #fetch: typeof fetch;
  readonly #allowLoopback: boolean;
  readonly #timeout: number;
  readonly #cache = new Map<string, { value: unknown; until: number }>();

  constructor(options: ClientMetadataOptions = {}) {
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#allowLoopback = options.allowLoopbackHttp ?? true;
    this.#timeout = options.timeout ?? 5000;
  }

  /** Whether `clientId` is a metadata-document client id (an http(s) URL). */
  static isUrlClientId(clientId: string): boolean {
    return /^https?:\/\//i.test(clientId);
  }

  /** The validated document for `clientId`, or throws {@link ClientMetadataError}. */
  async get(clientId: string): Promise<ClientMetadataDocument> {
    const url = fetchableClientUrl(clientId, this.#allowLoopback, "client_id");
    if (url.pathname === "/")
      throw new ClientMetadataError("invalid_client", "client_id must be a URL with a path (the document's location)");
    const raw = await this.#json(url.href, "client metadata document");
    return parseDocument(raw, clientId, this.#allowLoopback);
  }

  /** The key set of a `private_key_jwt` client: inline `jwks`, or fetched from `jwks_uri`. */
  async keys(doc: ClientMetadataDocument): Promise<JSONWebKeySet> {
    if (doc.jwks) return doc.jwks;
    const url = fetchableClientUrl(doc.jwksUri ?? "", this.#allowLoopback, "jwks_uri");
    const raw = (await this.#json(url.href, "jwks_uri")) as { keys?: unknown };
    if (!Array.isArray(raw.keys)) throw new ClientMetadataError("invalid_client", "jwks_uri has no keys array");
    return raw as JSONWebKeySet;
  }

  async #json(href: string, what: string): Promise<unknown> {
    const hit = this.#cache.get(href);
    if (hit && hit.until > Date.now()) return hit.value;
    let response: Response;
    try {
      response = await this.#fetch(href, {
        headers: { accept: "application/json" },
        redirect: "manual",
        signal: AbortSignal.timeout(this.#timeout),
      });
    } catch {
      throw new ClientMetadataError("invalid_client", `the ${what} could not be fetched (unreachable or timed out)`);
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => {});
      throw new ClientMetadataError("invalid_client", `the ${what} answered HTTP ${response.status}`);
    }
    const text = await readCapped(response);
    if (text === undefined) throw new ClientMetadataError("invalid_client", `the ${what} is larger than 64 KiB`);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new ClientMetadataError("invalid_client_metadata", `the ${what} is not JSON`);
    }
    if (!value || typeof value !== "object" || Array.isArray(value))
      throw new ClientMetadataError("invalid_client_metadata", `the ${what} is not a JSON object`);
    const maxAge = /(?:^|,)\s*max-age=(\d+)/i.exec(response.headers.get("cache-control") ?? "")?.[1];
    const ttl = maxAge === undefined ? DEFAULT_TTL : Math.min(Math.max(Number(maxAge), 60), 86_400) * 1000;
    if (this.#cache.size >= 1000) this.#cache.delete(this.#cache.keys().next().value as string);
    this.#cache.set(href, { value, until: Date.now() + ttl });
    return value;
  }
}

/** Reads at most {@link MAX_BYTES}; `undefined` past it. */
async function readCapped(response: Response): Promise<string | undefined> {
  if (Number(response.headers.get("content-length") ?? 0) > MAX_BYTES) {
    await response.body?.cancel().catch(() => {});
    return undefined;
  }
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BYTES) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

function parseDocument(raw: unknown, clientId: string, allowLoopback: boolean): ClientMetadataDocument {
  const d = raw as Record<string, unknown>;
  const bad = (message: string): never => {
    throw new ClientMetadataError("invalid_client_metadata", message);
  };
  if (d.client_id !== clientId) bad("the document's client_id differs from the URL of the document");
  const uris = d.redirect_uris;
  if (!Array.isArray(uris) || uris.length === 0 || !uris.every((u) => typeof u === "string" && isAllowedRedirectUri(u)))
    bad("redirect_uris must be a non-empty list of allowed redirect URIs");
  const method = d.token_endpoint_auth_method ?? "none";
  if (method !== "none" && method !== "private_key_jwt")
    bad("token_endpoint_auth_method must be none or private_key_jwt (a published document cannot hold a secret)");
  let jwksUri: string | undefined;
  let jwks: JSONWebKeySet | undefined;
  if (method === "private_key_jwt") {
    if (typeof d.jwks_uri === "string") jwksUri = fetchableClientUrl(d.jwks_uri, allowLoopback, "jwks_uri").href;
    else if (d.jwks && typeof d.jwks === "object" && Array.isArray((d.jwks as { keys?: unknown }).keys))
      jwks = d.jwks as JSONWebKeySet;
    else bad("private_key_jwt needs jwks_uri or jwks");
  }
  const text = (v: unknown) => (typeof v === "string" && v !== "" ? v.slice(0, 200) : undefined);
  const clientName = text(d.client_name);
  const logoUri = text(d.logo_uri);
  const clientUri = text(d.client_uri);
  return Object.freeze({
    clientId,
    redirectUris: Object.freeze([...(uris as string[])]),
    ...(clientName !== undefined && { clientName }),
    ...(logoUri !== undefined && { logoUri }),
    ...(clientUri !== undefined && { clientUri }),
    tokenEndpointAuthMethod: method as "none" | "private_key_jwt",
    ...(jwksUri !== undefined && { jwksUri }),
    ...(jwks !== undefined && { jwks }),
  });
}
