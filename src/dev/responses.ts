/** Small response helpers shared by the local AuthKit's endpoints. */
import { isLoopbackHost } from "../core/config.js";

/**
 * A JSON response with `Cache-Control: no-store` (RFC 6749 §5.1) and open CORS (browser clients).
 *
 * @example
 * ```ts
 * return oauthJson({ error: "invalid_grant" }, 400);
 * ```
 */
export function oauthJson(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      "content-type": "application/json",
      "cache-control": "no-store",
      pragma: "no-cache",
      "access-control-allow-origin": "*",
      ...headers,
    },
  });
}

/** RFC 6749 §5.2 error response. `invalid_client` is 401. */
export function oauthError(error: string, description: string): Response {
  return oauthJson({ error, error_description: description }, error === "invalid_client" ? 401 : 400);
}

// Schemes a redirect must never use: script, inline data, local files, other protocols.
const REFUSED_SCHEMES = new Set([
  "javascript:",
  "data:",
  "vbscript:",
  "file:",
  "blob:",
  "about:",
  "filesystem:",
  "ws:",
  "wss:",
  "ftp:",
  "mailto:",
]);

/**
 * Redirect URIs real MCP clients register: https; http on loopback (any port, RFC 8252 §7.3);
 * private-use schemes (RFC 8252 §7.1), with or without a dot (`cursor://…`, `vscode://…`,
 * `com.example.app:/cb`). Never a fragment, plain http off loopback, or `javascript:`,
 * `data:` and the like.
 */
export function isAllowedRedirectUri(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.hash || value.includes("#")) return false;
  if (url.protocol === "https:") return url.hostname !== "";
  if (url.protocol === "http:") return isLoopbackHost(url.hostname);
  return /^[a-z][a-z0-9+.-]*:$/i.test(url.protocol) && !REFUSED_SCHEMES.has(url.protocol.toLowerCase());
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
