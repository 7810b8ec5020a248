/**
 * Error classes with stable `code` strings.
 *
 * Each authentication failure carries two layers (RFC 6750 §3.1):
 * - `reason`: the internal cause (which check failed), for logs and the `onError` hook only;
 * - `wireError`: the RFC 6750 error code that goes on the wire (`invalid_request`,
 *   `invalid_token`, `insufficient_scope`), or `undefined` when the request carried no
 *   credentials (§3.1: "SHOULD NOT include an error code").
 */

/**
 * Internal reasons a request was refused. Stable strings: safe to switch on.
 *
 * @example
 * ```ts
 * workosProvider({ ...config, onError: (e) => { if (e.reason === "audience_mismatch") console.warn("register the resource in AuthKit"); } });
 * ```
 */
export type AuthFailureReason =
  | "missing_token"
  | "unsupported_scheme"
  | "empty_token"
  | "malformed_header"
  | "multiple_authorization_headers"
  | "token_in_query"
  | "token_in_body"
  | "header_too_large"
  | "malformed_token"
  | "algorithm_not_allowed"
  | "unknown_key"
  | "signature_invalid"
  | "token_expired"
  | "token_not_yet_valid"
  | "issued_in_future"
  | "issuer_mismatch"
  | "audience_mismatch"
  | "client_id_audience"
  | "missing_claim"
  | "invalid_claim"
  | "unsupported_token"
  | "jwks_unavailable"
  | "origin_not_allowed"
  | "insufficient_scope"
  | "roles_unavailable";

/**
 * RFC 6750 §3.1 error codes: the only values that ever appear on the wire.
 *
 * @example
 * ```ts
 * const wire: WireError | undefined = error.wireError; // "invalid_token"
 * ```
 */
export type WireError = "invalid_request" | "invalid_token" | "insufficient_scope";

/**
 * Base class of every error thrown by authkit-mcp. `code` is stable across versions.
 *
 * @example
 * ```ts
 * try { getSession(); } catch (e) { if (e instanceof WorkOSMcpError) console.warn(e.code); }
 * ```
 */
export class WorkOSMcpError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * A configuration mistake, thrown by `workosProvider()` at construction.
 *
 * @example
 * ```ts
 * try { workosProvider({ ...config, clientId: "" }); }
 * catch (e) { if (e instanceof ConfigError) console.error(e.option); } // "clientId"
 * ```
 */
export class ConfigError extends WorkOSMcpError {
  /** The option that is wrong, e.g. `"authkitDomain"`. */
  readonly option: string;
  constructor(option: string, message: string) {
    super("config_invalid", `[WorkOS] ${message}`);
    this.option = option;
  }
}

const PUBLIC_DESCRIPTIONS: Partial<Record<AuthFailureReason, string>> = {
  token_expired: "Token has expired",
  jwks_unavailable: "Authorization server keys are temporarily unavailable",
  origin_not_allowed: "Origin not allowed",
  insufficient_scope: "Insufficient scope",
  empty_token: "Missing or invalid bearer token",
  client_id_audience:
    "Token audience is the client id, not this server: the client must send the resource parameter (RFC 8707), and this server's resource URL must be registered as an MCP resource indicator in AuthKit",
  malformed_header: "Missing or invalid bearer token",
  roles_unavailable: "Your role could not be checked: the WorkOS API is unavailable. Try again shortly.",
};

/**
 * Why a request was refused. Given to the `onError` hook; its `message` never contains
 * the token. `status` is the HTTP status sent, `wireError` the RFC 6750 code sent.
 *
 * @example
 * ```ts
 * workosProvider({ ...config, onError: (e) => console.warn(e.code, e.reason, e.status) });
 * ```
 */
export class AuthError extends WorkOSMcpError {
  readonly reason: AuthFailureReason;
  readonly status: 400 | 401 | 403 | 503;
  readonly wireError: WireError | undefined;
  /** The text sent as `error_description` and JSON-RPC message (fixed strings only). */
  readonly description: string;
  constructor(reason: AuthFailureReason, detail: string, options?: { cause?: unknown }) {
    super(reason, `[WorkOS] ${detail}`, options);
    this.reason = reason;
    this.status = statusFor(reason);
    this.wireError = wireErrorFor(reason);
    this.description =
      PUBLIC_DESCRIPTIONS[reason] ??
      (this.wireError === "invalid_token" ? "Token verification failed" : "Missing or invalid bearer token");
  }
}

function statusFor(reason: AuthFailureReason): AuthError["status"] {
  switch (reason) {
    case "jwks_unavailable":
    case "roles_unavailable":
      return 503;
    case "origin_not_allowed":
    case "insufficient_scope":
      return 403;
    default:
      return wireErrorFor(reason) === "invalid_request" ? 400 : 401;
  }
}

function wireErrorFor(reason: AuthFailureReason): WireError | undefined {
  switch (reason) {
    // RFC 6750 §3.1: no credentials at all (or another scheme) → no error code.
    case "missing_token":
    case "unsupported_scheme":
    case "jwks_unavailable":
    case "roles_unavailable":
    case "origin_not_allowed":
      return undefined;
    // An unusable bearer credential (empty, bare `Bearer`, outside the token68 syntax) is an
    // invalid token, as the official SDK answers: clients (re)start OAuth only on a 401.
    case "empty_token":
    case "malformed_header":
      return "invalid_token";
    case "multiple_authorization_headers":
    case "token_in_query":
    case "token_in_body":
    case "header_too_large":
      return "invalid_request";
    case "insufficient_scope":
      return "insufficient_scope";
    default:
      return "invalid_token";
  }
}

/**
 * `getSession()` (or `getUser()`/`getClient()`) was called outside an authenticated request.
 *
 * @example
 * ```ts
 * try { getSession(); } catch (e) { if (e instanceof SessionNotInitializedError) ... }
 * ```
 */
export class SessionNotInitializedError extends WorkOSMcpError {
  constructor(hint = "") {
    super(
      "session_not_initialized",
      "[WorkOS] Session not initialized. Ensure this is called within a protected route that passed authentication." +
        hint,
    );
  }
}

/**
 * The WorkOS API client is not available (no request in scope, or no `apiKey` configured).
 *
 * @example
 * ```ts
 * try { await getUser(ctx); } catch (e) { if (e instanceof ClientNotInitializedError) ... }
 * ```
 */
export class ClientNotInitializedError extends WorkOSMcpError {
  constructor(hint = "", options?: { cause?: unknown }) {
    super(
      "client_not_initialized",
      `[WorkOS] Client not initialized. Make sure workosProvider() is configured in your middleware.${hint}`,
      options,
    );
  }
}

/**
 * A WorkOS API call failed (through `getUser()` or `getClient()`): WorkOS's HTTP `status`, its
 * `requestId` (for WorkOS support), its error `workosCode`, and `retryAfter` (seconds) on 429.
 * The SDK's error is the `cause`. The API key never appears in the message.
 *
 * @example
 * ```ts
 * try { await getUser(ctx); } catch (e) { if (e instanceof WorkOSApiError && e.status === 404) ... }
 * ```
 */
export class WorkOSApiError extends WorkOSMcpError {
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly workosCode: string | undefined;
  readonly retryAfter: number | undefined;
  constructor(
    details: { status?: number; requestId?: string; workosCode?: string; retryAfter?: number; message: string },
    options?: { cause?: unknown },
  ) {
    const parts = [
      `[WorkOS] API request failed${details.status !== undefined ? ` with HTTP ${details.status}` : ""}`,
      details.workosCode ? ` (${details.workosCode})` : "",
      `: ${details.message}`,
      details.retryAfter !== undefined ? `; retry after ${details.retryAfter} s` : "",
      details.requestId ? `; WorkOS request id ${details.requestId}` : "",
    ];
    super("workos_api_error", parts.join(""), options);
    this.status = details.status;
    this.requestId = details.requestId;
    this.workosCode = details.workosCode;
    this.retryAfter = details.retryAfter;
  }
}

/**
 * `getUser()` was called for a machine (client credentials) token: there is no user behind it.
 *
 * @example
 * ```ts
 * try { await getUser(ctx); } catch (e) { if (e instanceof MachineSessionError) return "machines have no profile"; }
 * ```
 */
export class MachineSessionError extends WorkOSMcpError {
  /** The M2M application's client id. */
  readonly clientId: string;
  constructor(clientId: string, what = "getUser()") {
    super(
      "machine_session",
      `[WorkOS] ${what} needs a signed-in user, but this request was authenticated with a machine (client credentials) token of ${clientId}.`,
    );
    this.clientId = clientId;
  }
}
