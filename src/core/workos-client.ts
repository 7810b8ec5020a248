/**
 * The WorkOS API client (`@workos-inc/node`), loaded on first use with a dynamic import so
 * the token path never pays for it. Calls use the API key, never the user's token (MCP:
 * no token passthrough).
 *
 * The SDK is an optional peer: an app that never calls `getClient()`/`getUser()` builds and
 * type-checks without it. The published `.d.ts` marks the type import below as optional
 * (scripts/post-build.mjs): without the SDK, `WorkOS` and `User` are `any`.
 */
import type { User, WorkOS } from "@workos-inc/node";
import type { ResolvedConfig } from "./config.js";
import { findSession, getSession } from "./context.js";
import { ClientNotInitializedError, MachineSessionError, WorkOSApiError } from "./errors.js";
import { issuerOf } from "./issued.js";
import type { Session } from "./session.js";

const clients = new WeakMap<object, WorkOS>();
const users = new WeakMap<Session, Promise<User>>();

// Optional cross-request cache (`userCacheTtl`): per provider config, per user id.
const sharedUsers = new WeakMap<object, Map<string, { user: Promise<User>; until: number }>>();

function sharedUser(config: ResolvedConfig, userId: string): Promise<User> | undefined {
  const entry = sharedUsers.get(config)?.get(userId);
  return entry && entry.until > Date.now() ? entry.user : undefined;
}

function rememberUser(config: ResolvedConfig, userId: string, user: Promise<User>): void {
  let map = sharedUsers.get(config);
  if (!map) {
    map = new Map();
    sharedUsers.set(config, map);
  }
  if (map.has(userId) && (map.get(userId)?.until ?? 0) > Date.now()) return;
  if (map.size >= 1000) map.delete(map.keys().next().value as string);
  map.set(userId, { user, until: Date.now() + config.userCacheTtl * 1000 });
  user.catch(() => map.delete(userId));
}

/** Turns an SDK error into a {@link WorkOSApiError}, with the API key scrubbed from any text. */
function toApiError(error: unknown, apiKey: string): unknown {
  if (error instanceof ClientNotInitializedError || error instanceof WorkOSApiError) return error;
  if (!(error instanceof Error)) return error;
  const e = error as Error & { status?: unknown; requestID?: unknown; code?: unknown; retryAfter?: unknown };
  const scrub = (text: string) => (apiKey ? text.split(apiKey).join("[redacted]") : text);
  return new WorkOSApiError(
    {
      message: scrub(e.message || e.name),
      ...(typeof e.status === "number" && { status: e.status }),
      ...(typeof e.requestID === "string" && e.requestID && { requestId: e.requestID }),
      ...(typeof e.code === "string" && { workosCode: e.code }),
      ...(typeof e.retryAfter === "number" && { retryAfter: e.retryAfter }),
    },
    { cause: error },
  );
}

function missingKey(): ClientNotInitializedError {
  return new ClientNotInitializedError(" The apiKey option (WORKOS_API_KEY) is not set.");
}

function missingSdk(cause: unknown): ClientNotInitializedError {
  return new ClientNotInitializedError(" Install the optional peer dependency @workos-inc/node.", { cause });
}

type WorkOSConstructor = new (apiKey: string | undefined, options: Record<string, unknown>) => WorkOS;

/**
 * The default loader. Why the hints: webpack/rspack (Next.js, xmcp) and Turbopack would fail the
 * build when the optional SDK is absent, so they leave this import to the runtime (Node resolves
 * it from node_modules); esbuild (wrangler) bundles it when installed and, because the promise
 * is handled, leaves it unresolved when not. Edge bundles that must contain the SDK set `sdk`.
 */
async function importSdk(): Promise<unknown> {
  // esbuild leaves an unresolvable import unbundled (no build error) only inside a try block.
  try {
    return await import(/* webpackIgnore: true */ /* turbopackIgnore: true */ /* @vite-ignore */ "@workos-inc/node");
  } catch (cause) {
    throw missingSdk(cause);
  }
}

/** A client from the loaded SDK module, configured from the provider's options. */
function construct(sdk: unknown, config: ResolvedConfig): WorkOS {
  const WorkOS = (sdk as { WorkOS?: unknown } | null | undefined)?.WorkOS;
  if (typeof WorkOS !== "function")
    throw new ClientNotInitializedError(
      ' The sdk option loaded a module without a WorkOS class (expected () => import("@workos-inc/node")).',
    );
  return new (WorkOS as WorkOSConstructor)(config.apiKey, {
    clientId: config.clientId,
    apiHostname: config.api.hostname,
    https: config.api.https,
    ...(config.api.port !== undefined && { port: config.api.port }),
    ...(config.api.maxRetries !== undefined && { maxRetries: config.api.maxRetries }),
  });
}

/** The lazy client of one provider's configuration. */
function clientFor(config: ResolvedConfig): WorkOS {
  if (config.apiKey === undefined) throw missingKey();
  let client = clients.get(config);
  if (client === undefined) {
    let loading: Promise<WorkOS> | undefined;
    let instance: WorkOS | undefined;
    const load = (): Promise<WorkOS> => {
      loading ??= Promise.resolve()
        .then(config.sdk ?? importSdk)
        .then(
          (sdk) => (instance = construct(sdk, config)),
          (cause: unknown) => {
            throw cause instanceof ClientNotInitializedError ? cause : missingSdk(cause);
          },
        )
        .catch((error: unknown) => {
          loading = undefined; // a later call tries again (e.g. after a transient import failure)
          throw error;
        });
      return loading;
    };
    const apiKey = config.apiKey;
    client = lazyProxy(
      load,
      () => instance,
      [],
      (e) => toApiError(e, apiKey),
    ) as WorkOS;
    clients.set(config, client);
  }
  return client;
}

/**
 * A stand-in for the SDK instance until it is loaded: property reads are recorded, and a call
 * loads the SDK and replays them, returning a Promise. Once loaded, reads and calls go
 * straight to the real instance (synchronous helpers then return their value directly).
 */
function lazyProxy(
  load: () => Promise<WorkOS>,
  loaded: () => WorkOS | undefined,
  path: readonly PropertyKey[],
  wrap: (error: unknown) => unknown,
): unknown {
  const resolve = (root: WorkOS) => {
    let owner: unknown;
    let value: unknown = root;
    for (const key of path) {
      owner = value;
      value = (value as Record<PropertyKey, unknown>)[key];
    }
    return { owner, value };
  };
  return new Proxy(() => undefined, {
    get(_target, key) {
      const real = loaded();
      if (real !== undefined) {
        const next = (resolve(real).value as Record<PropertyKey, unknown>)[key];
        // Plain values straight through; objects and methods stay proxied so every call's
        // errors become WorkOSApiError.
        if (next === null || (typeof next !== "object" && typeof next !== "function")) return next;
      } else if (key === "then") return undefined; // not a thenable: `await getClient()` must not hang
      return lazyProxy(load, loaded, [...path, key], wrap);
    },
    apply(_target, _this, args) {
      const call = (root: WorkOS) => {
        const { owner, value } = resolve(root);
        if (typeof value !== "function")
          throw new TypeError(`WorkOS client: ${path.map(String).join(".")} is not a function`);
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(owner, args);
        } catch (error) {
          throw wrap(error);
        }
        return result instanceof Promise
          ? result.catch((error: unknown) => {
              throw wrap(error);
            })
          : result;
      };
      const real = loaded();
      return real !== undefined ? call(real) : load().then(call);
    },
  });
}

/** The provider config behind `source`: a provider itself, or the provider that verified its session. */
function configFor(source: unknown): ResolvedConfig {
  if (source && typeof source === "object" && "config" in source && "handler" in source)
    return (source as { config: ResolvedConfig }).config;
  const session = findSession(source);
  if (session === undefined) throw new ClientNotInitializedError(" No authenticated request is in scope.");
  const config = issuerOf(session) as ResolvedConfig | undefined;
  if (config === undefined) throw new ClientNotInitializedError();
  return config;
}

/**
 * The WorkOS SDK client of the provider that authenticated this request. Same `source`
 * rules as `getSession()`, or the provider itself (`getClient(auth)`, outside any request). The SDK is imported on first use; until then the returned object
 * defers: every API method returns a Promise as usual.
 *
 * @example
 * ```ts
 * const memberships = await getClient(extra).userManagement.listOrganizationMemberships({ userId });
 * ```
 */
export function getClient(source?: unknown): WorkOS {
  return clientFor(configFor(source));
}

/**
 * The caller's full WorkOS `User` (`GET /user_management/users/{id}` with the API key).
 * Fetched once per request however often it is called; with `userCacheTtl`, reused across
 * requests for that many seconds. A machine (M2M) session has no user: `MachineSessionError`.
 * Throws the SDK's errors (e.g.
 * `NotFoundException`) unchanged; `ClientNotInitializedError` without an `apiKey`.
 *
 * @example
 * ```ts
 * const { email, firstName } = await getUser(extra);
 * ```
 */
export async function getUser(source?: unknown): Promise<User> {
  const session = getSession(source);
  if (session.kind === "machine") throw new MachineSessionError(session.userId);
  let user = users.get(session);
  if (user === undefined) {
    const config = configFor(source);
    user =
      sharedUser(config, session.userId) ?? Promise.resolve(clientFor(config).userManagement.getUser(session.userId));
    if (config.userCacheTtl > 0) rememberUser(config, session.userId, user);
    user.catch(() => users.delete(session));
    users.set(session, user);
  }
  return user;
}
