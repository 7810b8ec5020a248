// Client ID Metadata Documents in the local AuthKit: the document is fetched (served here from
// a loopback server, reached through the AuthKit's `clientMetadata.fetch` as if it were
// https://cimd.test), validated, cached; private_key_jwt clients authenticate with a signed
// assertion; and the official v2 client signs in with `clientMetadataUrl`, without DCR.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createMcpHandler } from "@modelcontextprotocol/server";
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExampleServer } from "../../examples/tools.js";
import { createLocalAuthKit, type LocalAuthKit } from "../../src/dev/index.js";
import { workosProvider } from "../../src/index.js";
import { HeadlessOAuth, REDIRECT_URL } from "../support/headless-oauth.js";
import { signIn } from "../support/oauth-flow.js";
import { pkce } from "../support/pkce.js";

const ISSUER = "http://127.0.0.1:9";
const DOCS = "https://cimd.test";
const documents = new Map<string, { body: string; status?: number; delayMs?: number; cacheControl?: string }>();
let docServer: Server;
let docOrigin = "";
let fetched: string[] = [];

beforeAll(async () => {
  docServer = createServer((req, res) => {
    const doc = documents.get(req.url ?? "");
    fetched.push(req.url ?? "");
    const send = () => {
      res.writeHead(doc?.status ?? (doc ? 200 : 404), {
        "content-type": "application/json",
        ...(doc?.cacheControl && { "cache-control": doc.cacheControl }),
      });
      res.end(doc?.body ?? "{}");
    };
    if (doc?.delayMs) setTimeout(send, doc.delayMs);
    else send();
  });
  await new Promise<void>((r) => docServer.listen(0, "127.0.0.1", r));
  docOrigin = `http://127.0.0.1:${(docServer.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => docServer.close(() => r())));

/** https://cimd.test/… is served by the loopback document server. */
const docFetch: typeof fetch = (input, init) => {
  const url = String(input instanceof Request ? input.url : input);
  return fetch(url.startsWith(DOCS) ? docOrigin + url.slice(DOCS.length) : url, init);
};

function publish(
  path: string,
  body: Record<string, unknown> | string,
  extra: { status?: number; delayMs?: number; cacheControl?: string } = {},
) {
  documents.set(path, { body: typeof body === "string" ? body : JSON.stringify(body), ...extra });
  return `${DOCS}${path}`;
}

function authkitWith(options: Partial<Parameters<typeof createLocalAuthKit>[0]> = {}): LocalAuthKit {
  return createLocalAuthKit({
    issuer: ISSUER,
    autoSignIn: true,
    clientMetadata: { fetch: docFetch, timeout: 300 },
    ...options,
  });
}

async function authorize(authkit: LocalAuthKit, clientId: string, redirectUri = REDIRECT_URL) {
  const { verifier, challenge } = await pkce();
  const params = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "st",
    resource: "https://mcp.example.com/mcp",
  });
  const res = await authkit.fetch(new Request(`${ISSUER}/oauth2/authorize?${params}`));
  const code = new URL(res.headers.get("location") ?? "http://x").searchParams.get("code");
  return { res, code, verifier };
}

const token = (authkit: LocalAuthKit, form: Record<string, string>) =>
  authkit.fetch(
    new Request(`${ISSUER}/oauth2/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form),
    }),
  );

describe("Client ID Metadata Documents (local AuthKit)", () => {
  it("an https client_id is fetched, validated and signs in; the document is cached", async () => {
    fetched = [];
    const clientId = publish("/clients/app.json", {
      client_id: `${DOCS}/clients/app.json`,
      client_name: "CIMD App",
      redirect_uris: [REDIRECT_URL],
    });
    const authkit = authkitWith();
    const first = await authorize(authkit, clientId);
    expect(first.res.status).toBe(302);
    const res = await token(authkit, {
      grant_type: "authorization_code",
      code: first.code ?? "",
      code_verifier: first.verifier,
      client_id: clientId,
    });
    expect(res.status).toBe(200);
    expect(decodeJwt((await res.json()).access_token).client_id).toBe(clientId);
    await authorize(authkit, clientId);
    expect(fetched.filter((p) => p === "/clients/app.json")).toHaveLength(1);
  });

  it.each([
    [
      "a document naming another client_id",
      "/bad/other.json",
      { client_id: "https://cimd.test/elsewhere.json", redirect_uris: [REDIRECT_URL] },
      {},
      /differs from the URL/,
    ],
    [
      "a redirect_uri it does not list",
      "/bad/redirect.json",
      (id: string) => ({ client_id: id, redirect_uris: ["https://app.example/cb"] }),
      {},
      /redirect_uri does not match/,
    ],
    [
      "a client_secret auth method",
      "/bad/secret.json",
      (id: string) => ({
        client_id: id,
        redirect_uris: [REDIRECT_URL],
        token_endpoint_auth_method: "client_secret_post",
      }),
      {},
      /none or private_key_jwt/,
    ],
    ["a 404", "/bad/missing.json", "", { status: 404 }, /HTTP 404/],
    [
      "a document over 64 KiB",
      "/bad/large.json",
      (id: string) => ({ client_id: id, redirect_uris: [REDIRECT_URL], pad: "x".repeat(70_000) }),
      {},
      /larger than 64 KiB/,
    ],
    [
      "a slow server (timeout)",
      "/bad/slow.json",
      (id: string) => ({ client_id: id, redirect_uris: [REDIRECT_URL] }),
      { delayMs: 1500 },
      /unreachable or timed out/,
    ],
    ["not JSON", "/bad/html.json", "<html>", {}, /not JSON/],
  ] as const)("%s: a clear error page (400), never a redirect", async (_, path, body, extra, message) => {
    const id = `${DOCS}${path}`;
    publish(path, typeof body === "function" ? body(id) : body, extra);
    const { res } = await authorize(authkitWith(), id);
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    const html = await res.text();
    expect(html).toMatch(/invalid_client|invalid_request/);
    expect(html).toMatch(message);
  });

  it.each([
    ["http://10.0.0.8/client.json", /https URL/],
    ["https://10.0.0.8/client.json", /private or loopback address/],
    ["https://192.168.1.2/c.json", /private or loopback address/],
    ["https://[fd00::1]/c.json", /private or loopback address/],
    ["https://169.254.169.254/latest/meta-data", /private or loopback address/],
    ["https://cimd.test/", /with a path/],
  ])("%s is refused without any fetch", async (clientId, message) => {
    fetched = [];
    const { res } = await authorize(authkitWith(), clientId);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(message);
    expect(fetched).toEqual([]);
  });

  it("http documents on loopback work in development, and are refused with allowLoopbackHttp: false", async () => {
    const clientId = `${docOrigin}/loopback.json`;
    documents.set("/loopback.json", { body: JSON.stringify({ client_id: clientId, redirect_uris: [REDIRECT_URL] }) });
    expect((await authorize(createLocalAuthKit({ issuer: ISSUER, autoSignIn: true }), clientId)).res.status).toBe(302);
    const strict = createLocalAuthKit({
      issuer: ISSUER,
      autoSignIn: true,
      clientMetadata: { allowLoopbackHttp: false },
    });
    expect((await authorize(strict, clientId)).res.status).toBe(400);
  });

  it("private_key_jwt (as ChatGPT registers): a signed assertion authenticates; a replay, another key or none is invalid_client", async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    const other = await generateKeyPair("RS256");
    publish("/chatgpt/jwks.json", { keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" }] });
    const clientId = publish("/chatgpt/client.json", {
      client_id: `${DOCS}/chatgpt/client.json`,
      client_name: "ChatGPT (replayed)",
      redirect_uris: ["https://chatgpt.com/connector_platform_oauth_redirect"],
      token_endpoint_auth_method: "private_key_jwt",
      jwks_uri: `${DOCS}/chatgpt/jwks.json`,
    });
    const authkit = authkitWith();
    const assertion = (key: CryptoKey, jti = crypto.randomUUID()) =>
      new SignJWT({})
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience(`${ISSUER}/oauth2/token`)
        .setJti(jti)
        .setIssuedAt()
        .setExpirationTime("2m")
        .sign(key);
    const exchange = async (client_assertion?: string) => {
      const { code, verifier } = await authorize(
        authkit,
        clientId,
        "https://chatgpt.com/connector_platform_oauth_redirect",
      );
      return token(authkit, {
        grant_type: "authorization_code",
        code: code ?? "",
        code_verifier: verifier,
        client_id: clientId,
        ...(client_assertion !== undefined && {
          client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
          client_assertion,
        }),
      });
    };
    const signed = await assertion(privateKey);
    expect((await exchange(signed)).status).toBe(200);
    const replay = await exchange(signed);
    expect(replay.status).toBe(401);
    expect((await replay.json()).error_description).toMatch(/already used/);
    expect((await exchange(await assertion(other.privateKey))).status).toBe(401);
    const none = await exchange();
    expect(none.status).toBe(401);
    expect((await none.json()).error).toBe("invalid_client");
  });

  it("the official v2 client with clientMetadataUrl signs in through CIMD (no registration)", async () => {
    const clientId = publish("/v2/client.json", {
      client_id: `${DOCS}/v2/client.json`,
      client_name: "authkit-mcp e2e (CIMD)",
      redirect_uris: [REDIRECT_URL],
      grant_types: ["authorization_code", "refresh_token"],
      token_endpoint_auth_method: "none",
    });
    const authkit = authkitWith();
    const base = "https://cimd-mcp.test";
    const provider = workosProvider({
      clientId: authkit.clientId,
      baseURL: base,
      ...authkit.providerOptions(),
      fetch: (input, init) => authkit.fetch(new Request(input, init)),
      log: false,
    });
    const mcp = createMcpHandler(() => createExampleServer());
    const handler = provider.handler((request, context) =>
      context ? mcp.fetch(request, { authInfo: context.authInfo }) : new Response("Not found", { status: 404 }),
    );
    let registrations = 0;
    const fetchImpl = (input: string | URL | Request, init?: RequestInit) => {
      const request = new Request(input, init);
      if (request.url.startsWith(base)) return handler(request);
      if (new URL(request.url).pathname === "/oauth2/register") registrations++;
      return authkit.fetch(request);
    };
    const oauth = new HeadlessOAuth(fetchImpl, {}, clientId);
    const client = await signIn("v2", `${base}/mcp`, fetchImpl, oauth);
    expect(registrations).toBe(0);
    expect(decodeJwt(oauth.accessToken ?? "").client_id).toBe(clientId);
    expect(JSON.parse((await client.callTool("whoami")).text)).toMatchObject({ clientId, role: "admin" });
    await client.close();
  });
});
