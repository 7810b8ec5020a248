/**
 * A verify-only Worker: authentication and whoami, no WorkOS API client. Its bundle must not
 * contain @workos-inc/node (checked by `npm run bundle:check`).
 */
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import { withWorkOS } from "../../src/adapters/cloudflare.js";
import { getSession } from "../../src/index.js";

const mcp = createMcpHandler(() => {
  const server = new McpServer({ name: "verify-only", version: "1.0.0" });
  server.registerTool("whoami", { description: "Who am I?" }, (ctx) => ({
    content: [{ type: "text", text: getSession(ctx).userId }],
  }));
  return server;
});

export default withWorkOS((request, _env, _ctx, context) =>
  context ? mcp.fetch(request, { authInfo: context.authInfo }) : new Response("Not found", { status: 404 }),
);
