/**
 * Vitest global setup (runs in Node, once per project): a fresh RSA key pair, the fake
 * AuthKit on the loopback port chosen in vitest.config.ts, and what the tests need to mint
 * tokens, via `provide`. Both projects share one server (a process-wide singleton).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair } from "jose";
import type { TestProject } from "vitest/node";
import { createFakeAuthKit } from "./fake-authkit.js";
import { serveFetch } from "./serve.js";

interface Shared {
  server: Server;
  value: { issuer: string; privateJwk: Record<string, unknown>; kid: string };
  users: number;
}
const g = globalThis as { __authkitFake?: Promise<Shared> };

async function start(): Promise<Shared> {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = "test-key-1";
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: "RS256" };
  let instance: ReturnType<typeof createFakeAuthKit> | undefined;
  const server = createServer(
    serveFetch(async (r) => instance?.handler(r) ?? new Response("starting", { status: 503 })),
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(Number(process.env.AUTHKIT_FAKE_PORT ?? 0), "127.0.0.1", resolve);
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  instance = createFakeAuthKit(issuer, publicJwk);
  return { server, value: { issuer, privateJwk, kid }, users: 0 };
}

export default async function setup(project: TestProject) {
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
