// `npm run start:node` and `npm start` as a user runs them: real processes on free loopback
// ports, the local AuthKit, and the official MCP clients signing in over HTTP.
import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn } from "../support/oauth-flow.js";
import { freePort, waitFor } from "../support/processes.js";

function startServer(script: "start" | "start:node", port: number, authkitPort: number): ChildProcess {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith("WORKOS_") && k !== "BASE_URL") env[k] = v;
  return spawn("npm", ["run", "--silent", script], {
    env: {
      ...env,
      PORT: String(port),
      AUTHKIT_PORT: String(authkitPort),
      AUTHKIT_LOCAL: "1",
      AUTHKIT_AUTO_SIGN_IN: "alice@example.com", // headless clients: no sign-in page
      WRANGLER_SEND_METRICS: "false",
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
}

describe.each([
  ["start:node", "Node.js"],
  ["start", "wrangler (workerd)"],
] as const)("npm run %s (%s)", (script, _runtime) => {
  let child: ChildProcess;
  let output = "";
  let mcpUrl = "";
  beforeAll(async () => {
    const port = await freePort();
    const authkitPort = await freePort();
    mcpUrl = `http://127.0.0.1:${port}/mcp`;
    child = startServer(script, port, authkitPort);
    child.stdout?.on("data", (d) => {
      output += d;
    });
    child.stderr?.on("data", (d) => {
      output += d;
    });
    await waitFor(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`, 60_000);
  }, 90_000);
  afterAll(() => {
    if (child.pid) process.kill(-child.pid, "SIGTERM");
  });

  it.each(["v2", "v1"] as const)(
    "the official %s client signs in offline and calls whoami, get-user-profile, get-my-memberships",
    async (gen) => {
      const client = await signIn(gen, mcpUrl, fetch);
      // Connect-shaped tokens; the role and permissions come from the local WorkOS API.
      expect(JSON.parse((await client.callTool("whoami")).text)).toMatchObject({
        kind: "user",
        userId: "user_01ALICE",
        organizationId: "org_01ACME",
        role: "admin",
        roleSource: "workos",
      });
      expect((await client.callTool("admin-only-tool")).text).toBe("Admin action completed");
      expect(JSON.parse((await client.callTool("get-user-profile")).text).email).toBe("alice@example.com");
      const memberships = JSON.parse((await client.callTool("get-my-memberships")).text);
      expect(memberships[0].organizationName).toBe("Acme Corp");
      await client.close();
    },
    30_000,
  );

  it("prints what to do next: the MCP URL and the seeded users", async () => {
    for (let i = 0; i < 20 && !output.includes("bob@example.com"); i++) await new Promise((r) => setTimeout(r, 250));
    expect(output).toContain(mcpUrl);
    expect(output).toContain("bob@example.com");
  });
});
