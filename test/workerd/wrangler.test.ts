// The Worker exactly as wrangler.toml defines it (main, compatibility date and flags), with
// its env bound to the fake AuthKit, called through its real entry point.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { connect, toolText } from "../support/mcp-client.js";
import { parseChallenge } from "../support/provider.js";
import { mintToken } from "../support/tokens.js";

const BASE = "https://example-worker.test";
const worker = (request: Request) => exports.default.fetch(request);

describe("wrangler.toml worker", () => {
  it("boots from wrangler.toml and challenges an unauthenticated MCP request", async () => {
    const res = await worker(new Request(`${BASE}/mcp`, { method: "POST", body: "{}" }));
    expect(res.status).toBe(401);
    expect(parseChallenge(res.headers.get("www-authenticate")).resource_metadata).toBe(
      `${BASE}/.well-known/oauth-protected-resource/mcp`,
    );
  });

  it("serves whoami to a signed-in user through the official MCP client", async () => {
    const client = await connect(
      worker,
      await mintToken(`${BASE}/mcp`, { claims: { sub: "user_alice" } }),
      `${BASE}/mcp`,
    );
    expect(JSON.parse(toolText(await client.callTool({ name: "whoami", arguments: {} }))).userId).toBe("user_alice");
    const profile = JSON.parse(toolText(await client.callTool({ name: "get-user-profile", arguments: {} })));
    expect(profile.email).toBe("alice@example.com");
    await client.close();
  });
});
