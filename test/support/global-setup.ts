/**
 * Vitest global setup (runs in Node, once per project): a fresh RSA key pair, the local
 * AuthKit (src/dev) on the loopback port chosen in vitest.config.ts, and what the tests need
 * to mint tokens themselves, via `provide`. Both projects share one server.
 */
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { exportJWK, generateKeyPair } from "jose";
import type { TestProject } from "vitest/node";
import { nodeListener } from "../../src/adapters/node-http.js";
import { createLocalAuthKit } from "../../src/dev/index.js";
import { TEST_API_KEY, TEST_SEED } from "./seed.js";

interface Shared {
  server: Server;
  value: { issuer: string; privateJwk: Record<string, unknown>; kid: string };
  users: number;
}
const g = globalThis as { __authkitFake?: Promise<Shared> };

async function start(): Promise<Shared> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = "test-key-1";
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: "RS256" };
  let handler: ((r: Request) => Promise<Response>) | undefined;
  let origin = "http://127.0.0.1";
  const server = createServer((req, res) =>
    nodeListener((r) => handler?.(r) ?? new Response("starting", { status: 503 }), origin)(req, res),
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(Number(process.env.AUTHKIT_FAKE_PORT ?? 0), "127.0.0.1", resolve);
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  handler = createLocalAuthKit({
    issuer: origin,
    signingKey: privateJwk,
    apiKey: TEST_API_KEY,
    seed: TEST_SEED,
    autoSignIn: true, // headless clients: no sign-in page (the login_hint user, else the first)
  }).fetch;
  return { server, value: { issuer: origin, privateJwk, kid }, users: 0 };
}

const gb = globalThis as { __authkitBuild?: Promise<void> };

/** The Node project's fixtures (xmcp, Next.js) import the built package: build it once. */
function buildPackage(): Promise<void> {
  return new Promise((resolve, reject) => {
    const root = fileURLToPath(new URL("../..", import.meta.url));
    execFile("npm", ["run", "-s", "build"], { cwd: root }, (error, stdout) =>
      error ? reject(new Error(`build failed: ${stdout}`)) : resolve(),
    );
  });
}

export default async function setup(project: TestProject) {
  if (project.name === "node") {
    gb.__authkitBuild ??= buildPackage();
    await gb.__authkitBuild;
  }
  g.__authkitFake ??= start();
  const shared = await g.__authkitFake;
  shared.users++;
  project.provide("authkit", shared.value);
  return async () => {
    if (--shared.users > 0) return;
    g.__authkitFake = undefined;
    await new Promise<void>((resolve) => shared.server.close(() => resolve()));
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    authkit: { issuer: string; privateJwk: Record<string, unknown>; kid: string };
  }
}
