/**
 * xmcp drop-in: the same names as `@xmcp-dev/workos`. `src/middleware.ts` default-exports
 * `workosProvider({...})` and xmcp gets the `{ middleware, router }` it expects; tools keep
 * calling `getSession()`, `getUser()`, `getClient()` with no argument.
 *
 * @module authkit-mcp/xmcp
 */
import type { WorkOSConfig } from "../core/config.js";
import { workosProvider as createProvider } from "../core/provider.js";
import { type NodeHandler, type NodeRouter, nodeMiddleware } from "./node.js";

export * from "../index.js";

/**
 * The xmcp middleware: `{ middleware, router }` for xmcp's HTTP server.
 *
 * @example
 * ```ts
 * // src/middleware.ts
 * import { workosProvider } from "authkit-mcp/xmcp";
 * export default workosProvider({
 *   apiKey: process.env.WORKOS_API_KEY!, clientId: process.env.WORKOS_CLIENT_ID!,
 *   baseURL: process.env.BASE_URL!, authkitDomain: process.env.WORKOS_AUTHKIT_DOMAIN!,
 * });
 * ```
 */
export function workosProvider(config: WorkOSConfig): { middleware: NodeHandler; router: NodeRouter } {
  return nodeMiddleware(createProvider(config));
}
