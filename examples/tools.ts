/**
 * The example MCP server: the original xmcp WorkOS plugin's tools, written against
 * authkit-mcp. Every tool reads the caller through the explicit context (`ctx`), so it runs
 * the same on Workers, Node and Edge.
 */
import { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import {
  ForbiddenError,
  getClient,
  getSession,
  getUser,
  hasAsyncContext,
  requireOrganization,
  requirePermission,
  requireRole,
  requireScope,
} from "../src/index.js";

type ToolResult = { content: { type: "text"; text: string }[]; isError?: boolean };
const text = (value: unknown): ToolResult => ({
  content: [{ type: "text", text: typeof value === "string" ? value : JSON.stringify(value, null, 2) }],
});

/**
 * Builds one MCP server instance (stateless: one per request under `createMcpHandler`).
 *
 * @example
 * ```ts
 * const mcp = createMcpHandler(() => createExampleServer());
 * ```
 */
export function createExampleServer(): McpServer {
  const server = new McpServer({ name: "authkit-mcp-example", version: "0.1.0" });

  server.registerTool("whoami", { description: "Get current user session" }, (ctx) => {
    const session = getSession(ctx);
    return text({
      kind: session.kind,
      userId: session.userId,
      sessionId: session.sessionId,
      clientId: session.clientId,
      organizationId: session.organizationId,
      role: session.role,
      roles: session.roles,
      permissions: session.permissions,
      // Where role and permissions came from: "workos" (looked up live), "token" (JWT template claims), ...
      roleSource: session.roleSource,
      scopes: session.scopes,
      expiresAt: session.expiresAt,
    });
  });

  server.registerTool("get-user-profile", { description: "Get user profile" }, async (ctx) => {
    const user = await getUser(ctx);
    return text({
      userId: user.id,
      email: user.email,
      firstName: user.firstName,
      lastName: user.lastName,
      emailVerified: user.emailVerified,
      profilePictureUrl: user.profilePictureUrl,
    });
  });

  server.registerTool(
    "greet",
    {
      description: "Greet the user with their WorkOS identity",
      inputSchema: z.object({ name: z.string().describe("The name of the user to greet") }),
    },
    ({ name }, ctx) => text(`Hello, ${name}! Your WorkOS user ID is ${getSession(ctx).userId}`),
  );

  server.registerTool(
    "get-my-memberships",
    { description: "Returns the user's organization memberships" },
    async (ctx) => {
      const session = getSession(ctx);
      const memberships = await getClient(ctx).userManagement.listOrganizationMemberships({ userId: session.userId });
      if (memberships.data.length === 0) return text("You are not a member of any organizations.");
      return text(memberships.data);
    },
  );

  // The documentation's SDK section, with the checks a real deployment wants. WorkOS errors
  // (404, 401, 429) surface as WorkOSApiError: status and WorkOS request id, never the API key.
  const requireUserAdmin = (ctx: unknown) => {
    const session = getSession(ctx);
    if (!session.permissions?.includes("users:manage") && session.role !== "admin")
      throw new ForbiddenError("permission_required", "users:manage permission or admin role required", [
        "users:manage",
      ]);
    return session;
  };

  server.registerTool(
    "list-users",
    {
      description: "Lists users (requires users:manage or the admin role)",
      inputSchema: z.object({ limit: z.number().int().min(1).max(100).optional(), after: z.string().optional() }),
    },
    async ({ limit, after }, ctx) => {
      requireUserAdmin(ctx);
      const page = await getClient(ctx).userManagement.listUsers({ limit: limit ?? 10, ...(after && { after }) });
      return text({
        users: page.data.map((u) => ({ id: u.id, email: u.email, firstName: u.firstName, lastName: u.lastName })),
        after: page.listMetadata.after ?? null,
      });
    },
  );

  server.registerTool(
    "get-organization",
    {
      description: "Gets an organization (default: yours)",
      inputSchema: z.object({ organizationId: z.string().optional() }),
    },
    async ({ organizationId }, ctx) => {
      const session = getSession(ctx);
      const id = organizationId ?? requireOrganization(ctx).organizationId;
      // Only your own organization, unless you manage users.
      if (id !== session.organizationId) requireUserAdmin(ctx);
      const org = await getClient(ctx).organizations.getOrganization(id);
      return text({ id: org.id, name: org.name, domains: org.domains.map((d) => d.domain) });
    },
  );

  server.registerTool(
    "list-directory-users",
    {
      description: "Lists the SCIM directory users of a directory (requires users:manage or the admin role)",
      inputSchema: z.object({ directory: z.string(), limit: z.number().int().min(1).max(100).optional() }),
    },
    async ({ directory, limit }, ctx) => {
      requireUserAdmin(ctx);
      const page = await getClient(ctx).directorySync.listUsers({ directory, limit: limit ?? 10 });
      return text(
        page.data.map((u) => ({ id: u.id, email: u.email, state: u.state, groups: u.groups.map((g) => g.name) })),
      );
    },
  );

  // The original plugin's hand-written checks, as guards: same messages, typed narrowing.
  server.registerTool("require-organization", { description: "Requires organization membership" }, (ctx) => {
    const { organizationId } = requireOrganization(ctx);
    return text(`Organization: ${organizationId}`);
  });

  server.registerTool("admin-only-tool", { description: "Requires the admin role" }, (ctx) => {
    requireRole("admin", ctx);
    return text("Admin action completed");
  });

  server.registerTool("check-permission", { description: "Requires the users:manage permission" }, (ctx) => {
    requirePermission("users:manage", ctx);
    return text("Permission granted");
  });

  // Needs the mcp:write scope: the provider's `tools` policy answers 403 insufficient_scope
  // before this runs (step-up); the guard here is defence in depth.
  server.registerTool(
    "write-note",
    {
      description: "Saves a note (requires the mcp:write scope)",
      inputSchema: z.object({ note: z.string().max(1000) }),
    },
    ({ note }, ctx) => {
      const { userId } = requireScope("mcp:write", ctx);
      return text(`Saved a note of ${note.length} characters for ${userId}`);
    },
  );

  // Isolation check used by the load tests: the caller seen explicitly (ctx) and implicitly
  // (AsyncLocalStorage), after an optional delay.
  server.registerTool(
    "echo-identity",
    {
      description: "Returns the caller as seen through the context and through no-argument getSession()",
      inputSchema: z.object({ delayMs: z.number().int().min(0).max(100).optional() }),
    },
    async ({ delayMs }, ctx) => {
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return text({ explicit: getSession(ctx).userId, implicit: hasAsyncContext() ? getSession().userId : null });
    },
  );

  return server;
}
