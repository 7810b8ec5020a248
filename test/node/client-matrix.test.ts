// The clients people use, replayed against `npm run start:node` through the whole flow:
// their registration (DCR or a Client ID Metadata Document), the authorization request they
// send, the token request, and a tools/call with the token. Where a client does something we
// refuse on purpose, the test shows the clear error it gets.
//
// Replayed from what each client is documented or observed to send (2026): Cursor's DCR with
// three redirect URIs; VS Code's loopback redirect on a port other than the registered one;
// Claude's CIMD client id and scopes from the challenge; ChatGPT's CIMD with private_key_jwt;
// the MCP Inspector's prompt=consent. CIMD documents are served from loopback here (the real
// ones live at the clients' https URLs; the local AuthKit allows http documents on loopback
// in development only).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pkce } from "../support/pkce.js";
import { cleanEnv, freePort, start, waitFor } from "../support/processes.js";
import { parseChallenge } from "../support/provider.js";

let server: ReturnType<typeof start>;
let mcpUrl = "";
let issuer = "";
let docs: Server;
let docOrigin = "";
const documents = new Map<string, string>();

beforeAll(async () => {
  const port = await freePort();
  const authkitPort = await freePort();
  mcpUrl = `http://127.0.0.1:${port}/mcp`;
  issuer = `http://127.0.0.1:${authkitPort}`;
  server = start("npm", ["run", "--silent", "start:node"], {
    env: {
      ...cleanEnv(),
      PORT: String(port),
      AUTHKIT_PORT: String(authkitPort),
      AUTHKIT_LOCAL: "1",
      AUTHKIT_AUTO_SIGN_IN: "alice@example.com",
    },
  });
  docs = createServer((req, res) => {
    const body = documents.get(req.url ?? "");
    res.writeHead(body ? 200 : 404, { "content-type": "application/json" });
    res.end(body ?? "{}");
  });
  await new Promise<void>((r) => docs.listen(0, "127.0.0.1", r));
  docOrigin = `http://127.0.0.1:${(docs.address() as AddressInfo).port}`;
  await waitFor(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`, 60_000, server.output);
}, 90_000);
afterAll(async () => {
  server?.stop();
  await new Promise<void>((r) => docs.close(() => r()));
});

const register = (metadata: Record<string, unknown>) =>
  fetch(`${issuer}/oauth2/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(metadata),
  });

/** authorize → (consent page, when shown: Allow) → the redirect's code. */
async function authorize(params: Record<string, string>) {
  const { verifier, challenge } = await pkce();
  const query = new URLSearchParams({
    response_type: "code",
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "matrix-state",
    ...params,
  });
  let res = await fetch(`${issuer}/oauth2/authorize?${query}`, { redirect: "manual" });
  let consentShown = false;
  if (res.status === 200) {
    const html = await res.text();
    consentShown = html.includes('action="/oauth2/authorize/consent"');
    const tx = /name="tx" value="([^"]+)"/.exec(html)?.[1] ?? "";
    res = await fetch(`${issuer}/oauth2/authorize/consent`, {
      method: "POST",
      body: new URLSearchParams({ tx, decision: "allow" }),
      redirect: "manual",
    });
  }
  const location = new URL(res.headers.get("location") ?? "about:blank");
  return { location, code: location.searchParams.get("code") ?? "", verifier, consentShown };
}

const exchange = async (form: Record<string, string>) =>
  fetch(`${issuer}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", ...form }),
  });

const whoami = (token: string) =>
  fetch(mcpUrl, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-11-25",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "whoami", arguments: {} } }),
  });

async function whoamiUser(token: string): Promise<string> {
  const res = await whoami(token);
  expect(res.status).toBe(200);
  const text = await res.text();
  const data = text.startsWith("{") ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? "{}");
  return JSON.parse(JSON.parse(data).result.content[0].text).userId;
}

describe("real clients through npm run start:node", () => {
  it("Cursor: DCR with cursor://, https and http://localhost redirect URIs; signs in with cursor://", async () => {
    const redirects = [
      "cursor://anysphere.cursor-mcp/oauth/callback",
      "https://www.cursor.com/agents/mcp/oauth/callback",
      "http://localhost:8787/callback",
    ];
    const reg = await register({ client_name: "Cursor", redirect_uris: redirects, token_endpoint_auth_method: "none" });
    expect(reg.status).toBe(201);
    const { client_id } = await reg.json();
    const { location, code, verifier } = await authorize({
      client_id,
      redirect_uri: redirects[0] as string,
      resource: mcpUrl,
      scope: "mcp:read",
    });
    expect(location.protocol).toBe("cursor:");
    expect(location.searchParams.get("state")).toBe("matrix-state");
    const tokens = await (
      await exchange({ code, code_verifier: verifier, client_id, redirect_uri: redirects[0] as string })
    ).json();
    expect(await whoamiUser(tokens.access_token)).toBe("user_01ALICE");
  });

  it("VS Code: DCR with loopback port 33418 and https://vscode.dev/redirect, then another loopback port", async () => {
    const reg = await register({
      client_name: "Visual Studio Code",
      redirect_uris: ["http://127.0.0.1:33418", "https://vscode.dev/redirect"],
      token_endpoint_auth_method: "none",
    });
    expect(reg.status).toBe(201);
    const { client_id } = await reg.json();
    const redirect = "http://127.0.0.1:54213"; // RFC 8252 §7.3: any port on loopback
    const { location, code, verifier } = await authorize({
      client_id,
      redirect_uri: redirect,
      resource: mcpUrl,
      scope: "mcp:read",
    });
    expect(location.port).toBe("54213");
    const tokens = await (await exchange({ code, code_verifier: verifier, client_id, redirect_uri: redirect })).json();
    expect(await whoamiUser(tokens.access_token)).toBe("user_01ALICE");
  });

  it("Claude: a CIMD client id, scopes taken from the challenge's scope", async () => {
    const clientId = `${docOrigin}/claude/client.json`;
    const redirect = "https://claude.ai/api/mcp/auth_callback";
    documents.set(
      "/claude/client.json",
      JSON.stringify({ client_id: clientId, client_name: "Claude", redirect_uris: [redirect] }),
    );
    const challenge = parseChallenge((await whoami("")).headers.get("www-authenticate"));
    const prm = await (await fetch(challenge.resource_metadata as string)).json();
    const as = await (await fetch(`${prm.authorization_servers[0]}/.well-known/oauth-authorization-server`)).json();
    expect(as.client_id_metadata_document_supported).toBe(true);
    const scope = challenge.scope ?? prm.scopes_supported.join(" ");
    expect(scope).toBe("mcp:read");
    const { code, verifier } = await authorize({
      client_id: clientId,
      redirect_uri: redirect,
      resource: prm.resource,
      scope,
    });
    const res = await exchange({ code, code_verifier: verifier, client_id: clientId, redirect_uri: redirect });
    expect(res.status).toBe(200);
    const tokens = await res.json();
    expect(decodeJwt(tokens.access_token)).toMatchObject({ client_id: clientId, scope: "mcp:read", aud: mcpUrl });
    expect(await whoamiUser(tokens.access_token)).toBe("user_01ALICE");
  });

  it("ChatGPT: CIMD with private_key_jwt and a jwks_uri", async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES256");
    const clientId = `${docOrigin}/chatgpt/client.json`;
    const redirect = "https://chatgpt.com/connector_platform_oauth_redirect";
    documents.set(
      "/chatgpt/jwks.json",
      JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: "c1", alg: "ES256" }] }),
    );
    documents.set(
      "/chatgpt/client.json",
      JSON.stringify({
        client_id: clientId,
        client_name: "ChatGPT",
        redirect_uris: [redirect],
        token_endpoint_auth_method: "private_key_jwt",
        jwks_uri: `${docOrigin}/chatgpt/jwks.json`,
      }),
    );
    const { code, verifier } = await authorize({
      client_id: clientId,
      redirect_uri: redirect,
      resource: mcpUrl,
      scope: "mcp:read",
    });
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: "c1" })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(`${issuer}/oauth2/token`)
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime("1m")
      .sign(privateKey);
    const res = await exchange({
      code,
      code_verifier: verifier,
      client_id: clientId,
      redirect_uri: redirect,
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: assertion,
    });
    expect(res.status).toBe(200);
    expect(await whoamiUser((await res.json()).access_token)).toBe("user_01ALICE");
  });

  it("the MCP Inspector: prompt=consent (with AUTHKIT_AUTO_SIGN_IN: consent granted, no page) returns a code", async () => {
    const redirect = "http://localhost:6274/oauth/callback";
    const { client_id } = await (await register({ client_name: "MCP Inspector", redirect_uris: [redirect] })).json();
    const { code, verifier, consentShown } = await authorize({
      client_id,
      redirect_uri: redirect,
      resource: mcpUrl,
      scope: "mcp:read",
      prompt: "consent",
    });
    expect(consentShown).toBe(false); // the page itself: test/node/browser.test.ts
    const tokens = await (await exchange({ code, code_verifier: verifier, client_id, redirect_uri: redirect })).json();
    expect(await whoamiUser(tokens.access_token)).toBe("user_01ALICE");
  });

  it("a client that sends no resource: AuthKit's aud is the client id, and the server says what to configure", async () => {
    const redirect = "http://127.0.0.1:40000/cb";
    const { client_id } = await (await register({ redirect_uris: [redirect] })).json();
    const { code, verifier } = await authorize({ client_id, redirect_uri: redirect, scope: "mcp:read" });
    const tokens = await (await exchange({ code, code_verifier: verifier, client_id, redirect_uri: redirect })).json();
    expect(decodeJwt(tokens.access_token).aud).toBe("client_local_dev");
    const res = await whoami(tokens.access_token);
    expect(res.status).toBe(401);
    const challenge = parseChallenge(res.headers.get("www-authenticate"));
    expect(challenge.error).toBe("invalid_token");
    expect(challenge.error_description).toMatch(
      /resource parameter \(RFC 8707\).*registered as an MCP resource indicator/,
    );
  });

  it.each([
    ["javascript:alert(1)"],
    ["data:text/html,hi"],
    ["http://evil.example/callback"],
    ["https://app.example/cb#fragment"],
  ])("a registration with %s is refused with invalid_redirect_uri", async (uri) => {
    const res = await register({ redirect_uris: [uri] });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe("invalid_redirect_uri");
  });
});
