// The Node middleware in a plain Express app (express.json(), then router and middleware),
// with the v1 SDK's StreamableHTTPServerTransport: req.auth reaches tools as extra.authInfo,
// and the original plugin's no-argument tools work, for concurrent users.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeMiddleware } from "../../src/adapters/node.js";
import { workosProvider } from "../../src/index.js";
import { connect, toolText } from "../support/mcp-client.js";
import { originalToolsServer } from "../support/original-tools.js";
import { parseChallenge } from "../support/provider.js";
import { TEST_API_KEY, TEST_CLIENT_ID } from "../support/seed.js";
import { authkit, mintToken } from "../support/tokens.js";

let server: Server;
let base = "";

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { middleware, router } = nodeMiddleware(
    workosProvider({
      apiKey: TEST_API_KEY,
      clientId: TEST_CLIENT_ID,
      baseURL: base,
      authkitDomain: authkit().issuer,
      apiURL: authkit().issuer,
      log: false,
      tools: { greet: { permissions: ["greet:use"] } },
    }),
  );
  const app = express();
  app.use(express.json());
  app.use(router);
  app.use(middleware);
  app.post("/mcp", async (req, res) => {
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    const mcp = originalToolsServer();
    res.on("close", () => void transport.close());
    await mcp.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  app.get("/health", (_req, res) => void res.send("ok"));
  server.on("request", app);
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("Express with nodeMiddleware", () => {
  it("serves discovery through the router", async () => {
    const doc = await (await fetch(`${base}/.well-known/oauth-protected-resource/mcp`)).json();
    expect(doc.resource).toBe(`${base}/mcp`);
  });

  it("401 with the challenge without a token; public routes untouched", async () => {
    const res = await fetch(`${base}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(401);
    expect(parseChallenge(res.headers.get("www-authenticate")).resource_metadata).toBe(
      `${base}/.well-known/oauth-protected-resource/mcp`,
    );
    expect(await (await fetch(`${base}/health`)).text()).toBe("ok");
  });

  it("the original plugin's tools work unchanged (no-argument getSession/getUser/getClient)", async () => {
    const client = await connect(fetch, await mintToken(`${base}/mcp`), `${base}/mcp`);
    expect(JSON.parse(toolText(await client.callTool({ name: "whoami", arguments: {} })))).toEqual({
      userId: "user_alice",
      organizationId: "org_acme",
    });
    expect(JSON.parse(toolText(await client.callTool({ name: "get-user-profile", arguments: {} }))).email).toBe(
      "alice@example.com",
    );
    expect(toolText(await client.callTool({ name: "get-my-memberships", arguments: {} }))).toBe('["org_acme"]');
    expect(JSON.parse(toolText(await client.callTool({ name: "auth-info", arguments: {} })))).toEqual({
      clientId: "client_mcp",
      user: "user_alice",
    });
    await client.close();
  });

  it("policies are enforced with the body express.json() already parsed", async () => {
    const client = await connect(fetch, await mintToken(`${base}/mcp`), `${base}/mcp`);
    const result = await client.callTool({ name: "greet", arguments: { name: "x" } });
    expect(result.isError).toBe(true);
    expect(toolText(result)).toBe("greet:use permission required");
    await client.close();
  });

  it("concurrent users each see only themselves through no-argument getSession()", async () => {
    const users = Array.from({ length: 10 }, (_, i) => `user_n${i}`);
    const seen = await Promise.all(
      users.map(async (sub) => {
        const client = await connect(fetch, await mintToken(`${base}/mcp`, { claims: { sub } }), `${base}/mcp`);
        const who = JSON.parse(toolText(await client.callTool({ name: "whoami", arguments: {} })));
        await client.close();
        return who.userId;
      }),
    );
    expect(seen).toEqual(users);
  });
});
