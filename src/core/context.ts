/**
 * Finding the request's context: explicitly (the context, an MCP tool's `extra`/`ctx`, a
 * Hono `c`), or implicitly through `AsyncLocalStorage` where the runtime has it.
 *
 * The explicit context is the source of truth. `AsyncLocalStorage` is a convenience on top:
 * it is scoped to one request's async chain, and there is no process-wide fallback, so one
 * request's session can never be seen by another.
 */
import { SessionNotInitializedError } from "./errors.js";
import { hasEnded, issuerOf } from "./issued.js";
import type { RequestContext, Session } from "./session.js";

/**
 * The two methods of `AsyncLocalStorage` the request context uses.
 *
 * @example
 * ```ts
 * const storage: AsyncStorage<RequestContext> = new AsyncLocalStorage();
 * ```
 */
export interface AsyncStorage<T> {
  run<R>(store: T, fn: () => R): R;
  getStore(): T | undefined;
}
/**
 * A class shaped like Node's `AsyncLocalStorage` (what {@link useAsyncLocalStorage} takes).
 *
 * @example
 * ```ts
 * import { AsyncLocalStorage } from "node:async_hooks";
 * const ctor: AsyncStorageConstructor = AsyncLocalStorage;
 * ```
 */
export type AsyncStorageConstructor = new <T>() => AsyncStorage<T>;

/**
 * Anything `getSession(source)` accepts.
 *
 * @example
 * ```ts
 * const source: SessionSource = ctx; getSession(source);
 * ```
 */
export type SessionSource =
  | RequestContext
  | { readonly authInfo?: { readonly extra?: Record<string, unknown> } | undefined }
  | { readonly http?: { readonly authInfo?: { readonly extra?: Record<string, unknown> } | undefined } | undefined }
  | { readonly get: (key: string) => unknown };

let storage: AsyncStorage<RequestContext> | null | undefined;

function detectStorage(): AsyncStorage<RequestContext> | null {
  const g = globalThis as {
    AsyncLocalStorage?: AsyncStorageConstructor;
    process?: { getBuiltinModule?: (id: string) => { AsyncLocalStorage?: AsyncStorageConstructor } | undefined };
  };
  let Ctor = g.AsyncLocalStorage;
  if (Ctor === undefined) {
    try {
      Ctor = g.process?.getBuiltinModule?.("node:async_hooks")?.AsyncLocalStorage;
    } catch {
      Ctor = undefined;
    }
  }
  return Ctor ? new Ctor<RequestContext>() : null;
}

function getStorage(): AsyncStorage<RequestContext> | null {
  if (storage === undefined) storage = detectStorage();
  return storage;
}

/**
 * Supplies `AsyncLocalStorage` where it cannot be found at run time (e.g. a bundler that
 * hides `process.getBuiltinModule`). Call once at start-up, before the first request.
 *
 * @example
 * ```ts
 * import { AsyncLocalStorage } from "node:async_hooks";
 * useAsyncLocalStorage(AsyncLocalStorage);
 * ```
 */
export function useAsyncLocalStorage(ctor: AsyncStorageConstructor): void {
  storage = new ctor<RequestContext>();
}

/**
 * Whether no-argument `getSession()` can work on this runtime.
 *
 * @example
 * ```ts
 * const session = hasAsyncContext() ? getSession() : getSession(extra);
 * ```
 */
export function hasAsyncContext(): boolean {
  return getStorage() !== null;
}

/**
 * Runs `fn` with `context` as the implicit context of everything it awaits.
 * Without `AsyncLocalStorage`, just runs `fn` (explicit context still works).
 *
 * @example
 * ```ts
 * await runWithContext(context, () => mcp.fetch(request, { authInfo: context.authInfo }));
 * ```
 */
export function runWithContext<R>(context: RequestContext, fn: () => R): R {
  const als = getStorage();
  return als ? als.run(context, fn) : fn();
}

function sessionFromAuthInfo(authInfo: unknown): Session | undefined {
  const extra = (authInfo as { extra?: { session?: unknown } } | undefined)?.extra;
  return extra?.session as Session | undefined;
}

/** Finds the session of `source` (or of the current async context), trusted or not at all. */
export function findSession(source?: unknown, includeEnded = false): Session | undefined {
  let candidate: unknown;
  if (source === undefined || source === null) {
    candidate = getStorage()?.getStore()?.session;
  } else if (typeof source === "object" || typeof source === "function") {
    const s = source as Record<string, unknown>;
    if ("session" in s) candidate = s.session;
    else if ("authInfo" in s) candidate = sessionFromAuthInfo(s.authInfo);
    else if (s.http && typeof s.http === "object")
      candidate = sessionFromAuthInfo((s.http as { authInfo?: unknown }).authInfo);
    else if ("extra" in s) candidate = sessionFromAuthInfo(s);
    else if (typeof s.get === "function") {
      const value = (s.get as (key: string) => unknown)("workos");
      candidate = (value as { session?: unknown } | undefined)?.session;
    }
  }
  // Only a session this library's verification built, while its request lasts (issued.ts).
  if (issuerOf(candidate) !== undefined) return candidate as Session;
  return includeEnded && hasEnded(candidate) ? (candidate as Session) : undefined;
}

/**
 * The authenticated session of this request.
 *
 * `source` is the request context, an MCP tool handler's `extra` (v1 SDK) or `ctx` (v2 SDK),
 * the SDK's `AuthInfo`, or a Hono context. With no argument it reads `AsyncLocalStorage`
 * (Node; Workers with `nodejs_compat`; Vercel Edge). Throws {@link SessionNotInitializedError}
 * outside an authenticated request. Does NOT check scopes, roles or permissions.
 *
 * @example
 * ```ts
 * server.registerTool("whoami", {}, async (ctx) => {
 *   const { userId, organizationId } = getSession(ctx);
 *   return { content: [{ type: "text", text: userId }] };
 * });
 * ```
 */
export function getSession(source?: SessionSource | unknown): Session {
  const session = findSession(source);
  if (session === undefined) {
    const stale = findSession(source, true);
    const hint =
      stale !== undefined
        ? " Its request has ended: a session is only usable while its request is being answered."
        : source === undefined && getStorage() === null
          ? " This runtime has no AsyncLocalStorage: pass the request context or the tool's extra, e.g. getSession(extra)."
          : "";
    throw new SessionNotInitializedError(hint);
  }
  return session;
}
