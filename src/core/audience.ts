/**
 * Comparing audiences (RFC 8707 resource indicators) in normalised form: clients send the
 * resource as `URL.href`, which lowercases the scheme and host, drops a default port and, for
 * a root resource, adds a lone "/". Both forms name the same resource (MCP "Canonical Server URI").
 */

/**
 * The comparable form of an `aud` value: for an http(s) URL, lowercase scheme and host, no
 * default port, no lone trailing "/" (query and fragment kept, so they still differ); any
 * other string (a client id) as it is.
 *
 * @example
 * ```ts
 * normaliseAudience("HTTPS://MCP.Example.com:443/"); // "https://mcp.example.com"
 * normaliseAudience("https://mcp.example.com/mcp");  // unchanged
 * ```
 */
export function normaliseAudience(value: string): string {
  if (!/^https?:\/\//i.test(value)) return value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return value;
  }
  if (url.username || url.password) return value; // never equal to a canonical resource
  const path = url.pathname === "/" ? "" : url.pathname;
  return `${url.protocol}//${url.host}${path}${url.search}${url.hash}`;
}
