/**
 * Options of `workosProvider()`, validated and normalised once, at construction.
 */
import {
  type MachineTokensOption,
  parseMachineTokens,
  parseRolesOption,
  type ResolvedMachineTokens,
  type ResolvedRolesOption,
  type RolesOptions,
} from "./config-groups.js";
import { type AuthError, ConfigError } from "./errors.js";
import type { ScopeHierarchy } from "./guards.js";
import type { JwksStore } from "./jwks.js";
import { needsRoles, type Policy, parsePolicy, parseScopes } from "./policy.js";
import type { TokenCacheOptions } from "./token-cache.js";

/**
 * Called for every refused request, with the internal reason. Never receives the token.
 *
 * @example
 * ```ts
 * const onError: OnErrorHook = (error, { method, path }) => console.warn(method, path, error.reason);
 * ```
 */
export type OnErrorHook = (error: AuthError, request: { readonly method: string; readonly path: string }) => void;

/**
 * Options of {@link workosProvider}. The first five are the original xmcp plugin's.
 *
 * @example
 * ```ts
 * const config: WorkOSConfig = {
 *   apiKey: process.env.WORKOS_API_KEY,
 *   clientId: process.env.WORKOS_CLIENT_ID!,
 *   baseURL: "https://mcp.example.com",
 *   authkitDomain: "your-app.authkit.app",
 *   scopes: ["mcp:read"],
 * };
 * ```
 */
export interface WorkOSConfig {
  /** WorkOS API key (`sk_...`). Optional: only `getUser()`/`getClient()` need it. */
  readonly apiKey?: string | undefined;
  /** WorkOS client id (`client_...`). */
  readonly clientId: string;
  /** Public origin of this server, e.g. `https://mcp.example.com` (http only on loopback). */
  readonly baseURL: string;
  /** AuthKit domain: `x.authkit.app` or `https://x.authkit.app` (`http://` only on loopback). */
  readonly authkitDomain: string;
  /** Advertised as `resource_documentation`. */
  readonly docsURL?: string | undefined;
  /** Protected path(s). Default `/mcp`. Everything under a protected path requires a token. */
  readonly endpoint?: string | readonly string[] | undefined;
  /** Scopes advertised as `scopes_supported` and sent in challenges. Never `offline_access`. */
  readonly scopes?: readonly string[] | undefined;
  /** Extra accepted `aud` values besides the canonical resource URL. */
  readonly audience?: string | readonly string[] | undefined;
  /** Accept `aud = clientId` (AuthKit's legacy audience). Default false: it does not bind the token to this server. */
  readonly acceptClientIdAudience?: boolean | undefined;
  /** Seconds of clock skew tolerated on `exp`, `nbf` and `iat`. Default 30. */
  readonly clockTolerance?: number | undefined;
  /** Advertised as `resource_name`. */
  readonly resourceName?: string | undefined;
  /** Origins allowed to call the MCP endpoint from a browser. Default: `baseURL`'s origin and loopback origins. `"*"` disables the check. */
  readonly allowedOrigins?: readonly string[] | "*" | undefined;
  /** WorkOS API base URL (default `https://api.workos.com`); `http://` only on loopback (local AuthKit, tests). */
  readonly apiURL?: string | undefined;
  /** Seconds `getUser()` results are reused across requests (same user, same provider). Default 0: off. */
  readonly userCacheTtl?: number | undefined;
  /** Retries of the WorkOS SDK for transient failures (429 honours `Retry-After`). Default: the SDK's (3). */
  readonly apiMaxRetries?: number | undefined;
  /** Milliseconds before a JWKS or metadata fetch to AuthKit is abandoned. Default 5000. */
  readonly upstreamTimeout?: number | undefined;
  /** Receives each refused request's internal reason. */
  readonly onError?: OnErrorHook | undefined;
  /** The `fetch` used to reach AuthKit. Default: the global `fetch`. */
  readonly fetch?: typeof fetch | undefined;
  /** Where the start-up line (the canonical resource URLs) goes. Default `console.info`; `false` for silence. */
  readonly log?: ((message: string) => void) | false | undefined;
  /** Scopes every request to the endpoint needs (sent in the 401 challenge, advertised). */
  readonly requiredScopes?: readonly string[] | undefined;
  /** Endpoint-wide policy: scopes, roles, permissions, organization. */
  readonly policy?: Policy | undefined;
  /** Per-tool policies, by tool name, enforced before the MCP handler runs. */
  readonly tools?: Readonly<Record<string, Policy>> | undefined;
  /** Scope → scopes it implies, e.g. `{ "mcp:write": ["mcp:read"] }`. */
  readonly scopeHierarchy?: ScopeHierarchy | undefined;
  /** Remove from `tools/list` the tools whose policy the caller fails. Default false. */
  readonly hideForbiddenTools?: boolean | undefined;
  /** Verified-token cache: `{ maxEntries }` (default 10,000) or `false` to verify every request in full. */
  readonly tokenCache?: TokenCacheOptions | false | undefined;
  /** Shares AuthKit's key set across isolates/processes (e.g. `kvJwksStore(env.KV)` on Workers). */
  readonly jwksStore?: JwksStore | undefined;
  /** Live roles and permissions from the WorkOS API: `{ source, ttl, store, tools }` (see {@link RolesOptions}). */
  readonly roles?: RolesOptions | undefined;
  /** Accept AuthKit M2M (client credentials) tokens: `true`, or `{ clients: [...] }`. Default false. */
  readonly machineTokens?: MachineTokensOption | undefined;
  /**
   * Loads `@workos-inc/node` for `getClient()`/`getUser()`, e.g. `() => import("@workos-inc/node")`.
   * Default: a runtime import that bundlers leave alone when the SDK is not installed. Set it where
   * the bundler must see the import to include the SDK (Next.js Edge routes, Vercel Edge).
   */
  readonly sdk?: (() => Promise<unknown>) | undefined;
}

/**
 * The validated, normalised configuration.
 *
 * @example
 * ```ts
 * const { issuer, endpoints }: ResolvedConfig = auth.config;
 * ```
 */
export interface ResolvedConfig {
  readonly apiKey: string | undefined;
  readonly clientId: string;
  readonly origin: string;
  readonly issuer: string;
  readonly jwksURL: string;
  readonly docsURL: string | undefined;
  readonly endpoints: readonly string[];
  readonly scopes: readonly string[];
  readonly audience: readonly string[];
  readonly acceptClientIdAudience: boolean;
  readonly clockTolerance: number;
  readonly resourceName: string | undefined;
  readonly allowedOrigins: ReadonlySet<string> | "*";
  /** Loopback origins (any port) allowed: true when `allowedOrigins` is not given. */
  readonly allowLoopbackOrigins: boolean;
  readonly api: {
    readonly hostname: string;
    readonly port: number | undefined;
    readonly https: boolean;
    readonly maxRetries: number | undefined;
  };
  readonly upstreamTimeout: number;
  readonly onError: OnErrorHook | undefined;
  readonly fetch: typeof fetch;
  readonly log: ((message: string) => void) | undefined;
  /** Endpoint-wide policy (its scopes include `requiredScopes`). */
  readonly endpointPolicy: Policy;
  readonly tools: ReadonlyMap<string, Policy>;
  readonly scopeHierarchy: ScopeHierarchy;
  readonly hideForbiddenTools: boolean;
  /** `scopes_supported`: the base set, `scopes` ∪ `requiredScopes` ∪ the endpoint policy's scopes. */
  readonly advertisedScopes: readonly string[];
  /** The 401 challenge's `scope`: the endpoint's required scopes, else `scopes`. */
  readonly challengeScopes: readonly string[];
  readonly tokenCache: TokenCacheOptions | false;
  readonly userCacheTtl: number;
  readonly jwksStore: JwksStore | undefined;
  /** The WorkOS API origin, e.g. `https://api.workos.com`. */
  readonly apiBase: string;
  /** The `sdk` option: how `@workos-inc/node` is loaded (undefined: the default runtime import). */
  readonly sdk: (() => Promise<unknown>) | undefined;
  readonly roles: ResolvedRolesOption;
  readonly machineTokens: ResolvedMachineTokens;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;
// RFC 6749 §3.3 scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** True for `localhost`, `127.x.x.x` and `[::1]`. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.test(hostname);
}

function fail(option: string, message: string): never {
  throw new ConfigError(option, message);
}

function requireString(config: Record<string, unknown>, option: string): string {
  const value = config[option];
  if (value === undefined || value === null || value === "") fail(option, `Missing required config: ${option}`);
  if (typeof value !== "string") fail(option, `Invalid config: ${option} must be a string`);
  return value.trim();
}

function optionalString(config: Record<string, unknown>, option: string): string | undefined {
  const value = config[option];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") fail(option, `Invalid config: ${option} must be a string`);
  return value.trim();
}

/** Parses an http(s) origin; `http:` only for loopback hosts. Rejects paths, queries, credentials. */
function parseOrigin(option: string, raw: string, { allowPath = false } = {}): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    fail(option, `Invalid config: ${option} must be an absolute URL, got a value that does not parse`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") fail(option, `Invalid config: ${option} must use https`);
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname))
    fail(option, `Invalid config: ${option} must use https (http is allowed only for localhost/127.0.0.1)`);
  if (url.username || url.password) fail(option, `Invalid config: ${option} must not contain credentials`);
  if (url.search || url.hash) fail(option, `Invalid config: ${option} must not contain a query or fragment`);
  if (!allowPath && url.pathname !== "/") fail(option, `Invalid config: ${option} must be an origin without a path`);
  return url;
}

function normaliseEndpoint(raw: unknown): string {
  if (typeof raw !== "string" || !raw.startsWith("/"))
    fail("endpoint", 'Invalid config: endpoint must be a path starting with "/", e.g. "/mcp"');
  if (/[?#\s]/.test(raw))
    fail("endpoint", "Invalid config: endpoint must be a plain path (no query, fragment or spaces)");
  const path = new URL(raw, "http://x").pathname.replace(/\/+$/, "");
  return path === "" ? "/" : path;
}

function stringList(option: string, raw: unknown): string[] {
  const list = typeof raw === "string" ? [raw] : raw;
  if (!Array.isArray(list) || list.some((v) => typeof v !== "string" || v === ""))
    fail(option, `Invalid config: ${option} must be a string or a list of non-empty strings`);
  return [...new Set(list as string[])];
}

function parseUserCacheTtl(raw: unknown): number {
  if (raw === undefined) return 0;
  if (typeof raw !== "number" || !Number.isFinite(raw) || raw < 0 || raw > 3600)
    fail("userCacheTtl", "Invalid config: userCacheTtl must be seconds between 0 and 3600");
  return raw;
}

function parseRetries(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  if (!Number.isInteger(raw) || (raw as number) < 0 || (raw as number) > 10)
    fail("apiMaxRetries", "Invalid config: apiMaxRetries must be an integer from 0 to 10");
  return raw as number;
}

function parseTokenCache(raw: unknown): TokenCacheOptions | false {
  if (raw === false) return false;
  if (raw === undefined || raw === true) return {};
  const max = (raw as { maxEntries?: unknown }).maxEntries;
  if (typeof raw !== "object" || (max !== undefined && (!Number.isInteger(max) || (max as number) < 1)))
    fail("tokenCache", "Invalid config: tokenCache must be false or { maxEntries: a positive integer }");
  return Object.freeze({ ...(max !== undefined && { maxEntries: max as number }) });
}

function parseJwksStore(raw: unknown): JwksStore | undefined {
  if (raw === undefined) return undefined;
  const s = raw as Partial<JwksStore>;
  if (!s || typeof s.get !== "function" || typeof s.put !== "function")
    fail("jwksStore", "Invalid config: jwksStore must have get() and put()");
  return raw as JwksStore;
}

/**
 * Validates `config` and returns the normalised form. Throws {@link ConfigError} naming the option.
 */
export function resolveConfig(config: WorkOSConfig): ResolvedConfig {
  if (config === null || typeof config !== "object") fail("config", "Missing required config: config object");
  const c = config as unknown as Record<string, unknown>;
  const clientId = requireString(c, "clientId");
  const base = parseOrigin("baseURL", requireString(c, "baseURL").replace(/\/+$/, ""));
  let domain = requireString(c, "authkitDomain").replace(/\/+$/, "");
  if (!/^https?:\/\//i.test(domain)) domain = `https://${domain}`;
  const authkit = parseOrigin("authkitDomain", domain);
  const issuer = authkit.origin;

  const apiKey = optionalString(c, "apiKey");
  const docsURL = optionalString(c, "docsURL");
  if (docsURL !== undefined && !URL.canParse(docsURL))
    fail("docsURL", "Invalid config: docsURL must be an absolute URL");

  const rawEndpoints = c.endpoint === undefined ? ["/mcp"] : typeof c.endpoint === "string" ? [c.endpoint] : c.endpoint;
  if (!Array.isArray(rawEndpoints) || rawEndpoints.length === 0)
    fail("endpoint", "Invalid config: endpoint must be a path or a non-empty list of paths");
  const endpoints = [...new Set(rawEndpoints.map(normaliseEndpoint))];
  if (endpoints.some((e) => e.startsWith("/.well-known")))
    fail("endpoint", "Invalid config: endpoint must not be under /.well-known");

  const scopes = c.scopes === undefined ? [] : stringList("scopes", c.scopes);
  for (const s of scopes) {
    if (!SCOPE_TOKEN.test(s))
      fail("scopes", "Invalid config: scopes must be RFC 6749 scope tokens (no spaces or quotes)");
    // MCP 2026-07-28 "Refresh Tokens": servers must not advertise offline_access.
    if (s === "offline_access") fail("scopes", "Invalid config: scopes must not include offline_access");
  }
  const audience = c.audience === undefined ? [] : stringList("audience", c.audience);

  const tolerance = c.clockTolerance ?? 30;
  if (typeof tolerance !== "number" || !Number.isFinite(tolerance) || tolerance < 0 || tolerance > 600)
    fail("clockTolerance", "Invalid config: clockTolerance must be a number of seconds between 0 and 600");
  const timeout = c.upstreamTimeout ?? 5000;
  if (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout <= 0 || timeout > 60_000)
    fail("upstreamTimeout", "Invalid config: upstreamTimeout must be milliseconds between 1 and 60000");
  if (c.acceptClientIdAudience !== undefined && typeof c.acceptClientIdAudience !== "boolean")
    fail("acceptClientIdAudience", "Invalid config: acceptClientIdAudience must be a boolean");
  if (c.onError !== undefined && typeof c.onError !== "function")
    fail("onError", "Invalid config: onError must be a function");
  if (c.fetch !== undefined && typeof c.fetch !== "function") fail("fetch", "Invalid config: fetch must be a function");
  if (c.log !== undefined && c.log !== false && typeof c.log !== "function")
    fail("log", "Invalid config: log must be a function or false");

  let allowedOrigins: ReadonlySet<string> | "*";
  if (c.allowedOrigins === "*") allowedOrigins = "*";
  else {
    const list = c.allowedOrigins === undefined ? [] : stringList("allowedOrigins", c.allowedOrigins);
    const origins = list.map((o) => {
      if (!URL.canParse(o))
        fail("allowedOrigins", "Invalid config: allowedOrigins must be origins like https://app.example.com");
      return new URL(o).origin;
    });
    allowedOrigins = new Set([base.origin, ...origins]);
  }

  const requiredScopes = parseScopes("requiredScopes", c.requiredScopes);
  const endpointPolicy = parsePolicy("policy", c.policy ?? {});
  const tools = new Map<string, Policy>();
  if (c.tools !== undefined) {
    if (!c.tools || typeof c.tools !== "object" || Array.isArray(c.tools))
      fail("tools", "Invalid config: tools must map tool names to policies");
    for (const [name, policy] of Object.entries(c.tools as Record<string, unknown>))
      tools.set(name, parsePolicy(`tools.${name}`, policy));
  }
  const scopeHierarchy: Record<string, readonly string[]> = {};
  if (c.scopeHierarchy !== undefined) {
    if (!c.scopeHierarchy || typeof c.scopeHierarchy !== "object" || Array.isArray(c.scopeHierarchy))
      fail("scopeHierarchy", "Invalid config: scopeHierarchy must map a scope to the scopes it implies");
    for (const [scope, implied] of Object.entries(c.scopeHierarchy as Record<string, unknown>)) {
      if (!Array.isArray(implied))
        fail("scopeHierarchy", `Invalid config: scopeHierarchy.${scope} must be a list of scopes`);
      scopeHierarchy[scope] = Object.freeze(parseScopes("scopeHierarchy", implied));
    }
  }
  if (c.hideForbiddenTools !== undefined && typeof c.hideForbiddenTools !== "boolean")
    fail("hideForbiddenTools", "Invalid config: hideForbiddenTools must be a boolean");
  const endpointScopes = [...new Set([...requiredScopes, ...(endpointPolicy.scopes ?? [])])];
  // MCP scope selection: advertise the base set; tool scopes are reached by the 403 step-up,
  // whose challenge names every scope the call needs (clients that request all of
  // scopes_supported would otherwise ask for everything up front).
  const advertisedScopes = [...new Set([...scopes, ...endpointScopes])];

  const apiURL = optionalString(c, "apiURL");
  const api =
    apiURL === undefined ? new URL("https://api.workos.com") : parseOrigin("apiURL", apiURL.replace(/\/+$/, ""));
  const policiesNeedRoles = needsRoles(endpointPolicy) || [...tools.values()].some(needsRoles);

  return Object.freeze({
    apiKey,
    clientId,
    origin: base.origin,
    issuer,
    jwksURL: `${issuer}/oauth2/jwks`,
    docsURL,
    endpoints: Object.freeze(endpoints),
    scopes: Object.freeze(scopes),
    audience: Object.freeze(audience),
    acceptClientIdAudience: c.acceptClientIdAudience === true,
    clockTolerance: tolerance,
    resourceName: optionalString(c, "resourceName"),
    allowedOrigins,
    allowLoopbackOrigins: c.allowedOrigins === undefined,
    api: Object.freeze({
      hostname: api.hostname,
      port: api.port === "" ? undefined : Number(api.port),
      https: api.protocol === "https:",
      maxRetries: parseRetries(c.apiMaxRetries),
    }),
    upstreamTimeout: timeout,
    onError: c.onError as OnErrorHook | undefined,
    fetch:
      (c.fetch as typeof fetch | undefined) ??
      ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init)),
    log:
      c.log === false ? undefined : ((c.log as ((m: string) => void) | undefined) ?? ((m: string) => console.info(m))),
    endpointPolicy: Object.freeze({ ...endpointPolicy, scopes: Object.freeze(endpointScopes) }),
    tools,
    scopeHierarchy: Object.freeze(scopeHierarchy),
    hideForbiddenTools: c.hideForbiddenTools === true,
    advertisedScopes: Object.freeze(advertisedScopes),
    challengeScopes: Object.freeze(endpointScopes.length > 0 ? endpointScopes : scopes),
    tokenCache: parseTokenCache(c.tokenCache),
    userCacheTtl: parseUserCacheTtl(c.userCacheTtl),
    jwksStore: parseJwksStore(c.jwksStore),
    apiBase: api.origin,
    roles: parseRolesOption(c.roles, apiKey, policiesNeedRoles),
    machineTokens: parseMachineTokens(c.machineTokens),
    sdk: parseSdk(c.sdk),
  });
}

function parseSdk(sdk: unknown): (() => Promise<unknown>) | undefined {
  if (sdk === undefined || typeof sdk === "function") return sdk as (() => Promise<unknown>) | undefined;
  return fail("sdk", 'Invalid config: sdk must be a function such as () => import("@workos-inc/node")');
}
