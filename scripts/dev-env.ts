/**
 * Shared by `npm start` (wrangler) and `npm run start:node`: reads the WorkOS variables (from
 * the environment or `.env`); without `WORKOS_AUTHKIT_DOMAIN` starts the local AuthKit on
 * loopback and points the example at it.
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { nodeListener } from "../src/adapters/node-http.js";
import { createLocalAuthKit, parseSeed } from "../src/dev/index.js";

export const HOST = "127.0.0.1";
const INSPECTOR_ORIGINS = "http://localhost:6274 http://127.0.0.1:6274";

async function portFree(port: number): Promise<boolean> {
  const server = createNetServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/** `value` when set; else `preferred` when free; else any free loopback port. */
export async function choosePort(value: string | undefined, preferred: number): Promise<number> {
  if (value) {
    const port = Number(value);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`Invalid port: ${value}`);
    return port;
  }
  if (await portFree(preferred)) return preferred;
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface DevEnv {
  /** The Worker env of the example. */
  readonly vars: Record<string, string>;
  readonly port: number;
  readonly mcpUrl: string;
  readonly local: boolean;
  banner(runtime: string): string;
}

/** Resolves the env, starting the local AuthKit when no AuthKit is configured. */
export async function devEnv(): Promise<DevEnv> {
  if (existsSync(".env")) process.loadEnvFile(".env");
  const e = process.env;
  const port = await choosePort(e.PORT, 8787);
  const baseURL = e.BASE_URL || `http://${HOST}:${port}`;
  const mcpUrl = `${baseURL}/mcp`;
  // AUTHKIT_LOCAL=1 forces the local AuthKit even when .env names a real one.
  if (e.WORKOS_AUTHKIT_DOMAIN && e.AUTHKIT_LOCAL !== "1") {
    const vars: Record<string, string> = {
      WORKOS_AUTHKIT_DOMAIN: e.WORKOS_AUTHKIT_DOMAIN,
      WORKOS_CLIENT_ID: e.WORKOS_CLIENT_ID ?? "",
      WORKOS_API_KEY: e.WORKOS_API_KEY ?? "",
      BASE_URL: baseURL,
      // A stand-in or proxy of the WorkOS API (roles, getUser) when set; default api.workos.com.
      ...(e.WORKOS_API_URL && { WORKOS_API_URL: e.WORKOS_API_URL }),
      ...(e.MCP_SCOPES && { MCP_SCOPES: e.MCP_SCOPES }),
      ...(e.MCP_ALLOWED_ORIGINS && { MCP_ALLOWED_ORIGINS: e.MCP_ALLOWED_ORIGINS }),
      ...(e.MCP_REQUIRED_SCOPES && { MCP_REQUIRED_SCOPES: e.MCP_REQUIRED_SCOPES }),
    };
    return {
      vars,
      port,
      mcpUrl,
      local: false,
      banner: (runtime) =>
        `\nauthkit-mcp example (${runtime}) against AuthKit ${e.WORKOS_AUTHKIT_DOMAIN}\n  MCP endpoint: ${mcpUrl}\n  Register ${mcpUrl} as an MCP resource indicator in the WorkOS dashboard.\n`,
    };
  }

  const authkitPort = await choosePort(e.AUTHKIT_PORT, port === 8787 ? 8788 : port + 1);
  const issuer = `http://${HOST}:${authkitPort}`;
  const seed = e.AUTHKIT_SEED ? parseSeed(JSON.parse(readFileSync(e.AUTHKIT_SEED, "utf8"))) : undefined;
  // AUTHKIT_ROLE_CLAIMS=1: tokens carry role/permissions as a JWT template would (default: as AuthKit, none).
  // AUTHKIT_AUTO_SIGN_IN=<e-mail or id>: sign that user in with no page (headless clients).
  const autoSignIn = e.AUTHKIT_AUTO_SIGN_IN || undefined;
  const authkit = createLocalAuthKit({ issuer, seed, roleClaims: e.AUTHKIT_ROLE_CLAIMS === "1", autoSignIn });
  const server = createServer(nodeListener(authkit.fetch, issuer));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(authkitPort, HOST, resolve);
  });
  const vars = {
    WORKOS_AUTHKIT_DOMAIN: issuer,
    WORKOS_API_URL: issuer,
    WORKOS_API_KEY: authkit.apiKey,
    WORKOS_CLIENT_ID: "client_local_dev",
    BASE_URL: baseURL,
    MCP_ALLOWED_ORIGINS: e.MCP_ALLOWED_ORIGINS ?? INSPECTOR_ORIGINS,
    MCP_REQUIRED_SCOPES: e.MCP_REQUIRED_SCOPES ?? "mcp:read",
    ...(e.MCP_SCOPES && { MCP_SCOPES: e.MCP_SCOPES }),
  };
  const users = authkit.seed.users.map((u) => {
    const orgs = authkit.seed.memberships
      .filter((m) => m.userId === u.id)
      .map((m) => `${m.organizationId} (${m.role})`);
    return `    ${u.email.padEnd(22)} ${u.id.padEnd(14)} ${orgs.join(", ") || "no organization"}`;
  });
  return {
    vars,
    port,
    mcpUrl,
    local: true,
    banner: (runtime) => `
authkit-mcp example MCP server (${runtime}), protected by a LOCAL AuthKit (development only)

  MCP endpoint     ${mcpUrl}
  Local AuthKit    ${issuer}   (set WORKOS_AUTHKIT_DOMAIN & co. in .env to use a real one)

Connect a client:
  MCP Inspector    npx @modelcontextprotocol/inspector@2.12.0 (Node 22)  → Streamable HTTP, URL ${mcpUrl}
  Any MCP client   add ${mcpUrl}; it discovers the AuthKit, registers, and signs in.

${
  autoSignIn
    ? `Sign-in is automatic (AUTHKIT_AUTO_SIGN_IN=${autoSignIn}): no page, consent granted; login_hint=<email> picks another user.`
    : "Sign-in: your browser shows the local AuthKit's sign-in page, then a consent page.\nSet AUTHKIT_AUTO_SIGN_IN=<email> to sign in with no page (headless clients)."
} Seeded users:
${users.join("\n")}

Tokens are shaped as AuthKit's (no role claims): roles and permissions are looked up live in
the local WorkOS API. M2M (client credentials) apps:
${(authkit.seed.applications ?? []).map((a) => `    ${a.clientId} / ${a.clientSecret}  (${a.organizationId})`).join("\n") || "    none"}
`,
  };
}
