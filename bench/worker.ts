/**
 * The bench's Worker (`wrangler dev -c bench/wrangler.toml`): the example MCP server at `/mcp`
 * behind `withWorkOS`, and the same server without authentication at `/open`, so the HTTP
 * round trip on workerd is measured with and without auth in one process.
 */
import { createMcpHandler } from "@modelcontextprotocol/server";
import { createExampleServer } from "../examples/tools.js";
import { type WorkOSEnv, withWorkOS } from "../src/adapters/cloudflare.js";

const mcp = createMcpHandler(() => createExampleServer());
const protectedMcp = withWorkOS<WorkOSEnv>((request, _env, _ctx, context) =>
  context ? mcp.fetch(request, { authInfo: context.authInfo }) : new Response("Not found\n", { status: 404 }),
);

export default {
  fetch(request: Request, env: WorkOSEnv, ctx: unknown): Promise<Response> {
    return new URL(request.url).pathname === "/open" ? mcp.fetch(request) : protectedMcp.fetch(request, env, ctx);
  },
};
