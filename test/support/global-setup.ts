/**
 * Vitest global setup (runs in Node for both projects): a fresh RSA key pair, the fake
 * AuthKit on a free loopback port, and what the tests need to mint tokens, via `provide`.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair } from "jose";
import type { TestProject } from "vitest/node";
import { createFakeAuthKit } from "./fake-authkit.js";
import { serveFetch } from "./serve.js";

export default async function setup(project: TestProject) {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = "test-key-1";
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: "RS256" };
  let instance: ReturnType<typeof createFakeAuthKit> | undefined;
  const server = createServer(
    serveFetch(async (r) => instance?.handler(r) ?? new Response("starting", { status: 503 })),
  );
  await new Promise<void>((resolve) => server.listen(Number(process.env.AUTHKIT_FAKE_PORT ?? 0), "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  instance = createFakeAuthKit(issuer, publicJwk);
  project.provide("authkit", { issuer, privateJwk, kid });
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

declare module "vitest" {
  export interface ProvidedContext {
    authkit: { issuer: string; privateJwk: Record<string, unknown>; kid: string };
  }
}
