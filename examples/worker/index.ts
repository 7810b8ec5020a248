/**
 * The example MCP server on Cloudflare Workers (deployed by the root `wrangler.toml`).
 *
 * Env: WORKOS_API_KEY, WORKOS_CLIENT_ID, WORKOS_AUTHKIT_DOMAIN, BASE_URL (the original
 * plugin's variables), and optionally MCP_SCOPES (space-separated).
 */
import { createMcpHandler } from "@modelcontextprotocol/server";
import { type WorkOSEnv, withWorkOS } from "../../src/adapters/cloudflare.js";
import { createExampleServer } from "../tools.js";

export interface Env extends WorkOSEnv {
  /** Scopes to advertise and require, space-separated. */
  readonly MCP_SCOPES?: string;
  /** Browser origins allowed besides BASE_URL's (e.g. the MCP Inspector), space-separated. */
  readonly MCP_ALLOWED_ORIGINS?: string;
  /** Scopes every request needs, space-separated (npm start sets "mcp:read" with the local AuthKit). */
  readonly MCP_REQUIRED_SCOPES?: string;
}

const mcp = createMcpHandler(() => createExampleServer());

export default withWorkOS<Env>(
  async (request, _env, _ctx, context) => {
    if (context === undefined) {
      const path = new URL(request.url).pathname;
      if (path === "/") return new Response("authkit-mcp example: the MCP endpoint is /mcp\n");
      return new Response("Not found\n", { status: 404 });
    }
    // parsedBody: the JSON-RPC body the provider already parsed for its policies (not read twice).
    return mcp.fetch(request, { authInfo: context.authInfo, parsedBody: context.parsedBody });
  },
  (env) => ({
    ...(env.MCP_SCOPES && { scopes: env.MCP_SCOPES.split(" ").filter(Boolean) }),
    ...(env.MCP_ALLOWED_ORIGINS && { allowedOrigins: env.MCP_ALLOWED_ORIGINS.split(" ").filter(Boolean) }),
    ...(env.MCP_REQUIRED_SCOPES && { requiredScopes: env.MCP_REQUIRED_SCOPES.split(" ").filter(Boolean) }),
    // Authorization, declared once: write-note needs mcp:write, which implies mcp:read.
    tools: { "write-note": { scopes: ["mcp:write"] } },
    scopeHierarchy: { "mcp:write": ["mcp:read"] },
    // AuthKit M2M applications (client credentials) may call the tools too; whoami says "machine".
    machineTokens: true,
  }),
);
