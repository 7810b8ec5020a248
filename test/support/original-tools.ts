/**
 * The original plugin's documented tools, unchanged but for the import: no-argument
 * getSession(), getUser() and getClient() (AsyncLocalStorage). Registered on a v1 SDK server.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { getClient, getSession, getUser } from "../../src/index.js";

export function originalToolsServer(): McpServer {
  const server = new McpServer({ name: "original-tools", version: "1.0.0" });
  server.registerTool("whoami", { description: "Get current user session" }, async () => {
    const session = getSession();
    return {
      content: [
        { type: "text", text: JSON.stringify({ userId: session.userId, organizationId: session.organizationId }) },
      ],
    };
  });
  server.registerTool("get-user-profile", { description: "Get user profile" }, async () => {
    const user = await getUser();
    return { content: [{ type: "text", text: JSON.stringify({ userId: user.id, email: user.email }) }] };
  });
  server.registerTool("greet", { description: "Greet", inputSchema: { name: z.string() } }, async ({ name }) => ({
    content: [{ type: "text", text: `Hello, ${name}! Your WorkOS user ID is ${getSession().userId}` }],
  }));
  server.registerTool("get-my-memberships", { description: "Memberships" }, async () => {
    const memberships = await getClient().userManagement.listOrganizationMemberships({ userId: getSession().userId });
    return { content: [{ type: "text", text: JSON.stringify(memberships.data.map((m) => m.organizationId)) }] };
  });
  server.registerTool("auth-info", { description: "extra.authInfo as the SDK passes it" }, async (extra) => ({
    content: [
      { type: "text", text: JSON.stringify({ clientId: extra.authInfo?.clientId, user: getSession(extra).userId }) },
    ],
  }));
  return server;
}
