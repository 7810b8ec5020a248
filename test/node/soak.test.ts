// A bounded soak on loopback: mixed valid, expired and garbage tokens against the example
// server on Node for SOAK_SECONDS (default 8; `SOAK_SECONDS=60 npm run test:node` for the long
// run). Every valid request answered 200, every bad one 401, nothing else; memory stays flat.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import worker from "../../examples/worker/index.js";
import { nodeListener } from "../../src/adapters/node-http.js";
import { TEST_API_KEY, TEST_CLIENT_ID } from "../support/seed.js";
import { authkit, mintToken } from "../support/tokens.js";

const SECONDS = Number(process.env.SOAK_SECONDS ?? 8);
let server: Server;
let base = "";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const env = {
    WORKOS_API_KEY: TEST_API_KEY,
    WORKOS_CLIENT_ID: TEST_CLIENT_ID,
    WORKOS_AUTHKIT_DOMAIN: authkit().issuer,
    WORKOS_API_URL: authkit().issuer,
    BASE_URL: base,
  };
  const ctx = { waitUntil: () => {}, passThroughOnException: () => {} };
  server.on(
    "request",
    nodeListener((r) => worker.fetch(r, env, ctx), base),
  );
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("soak", () => {
  it(
    `${SECONDS} s of mixed traffic: only the expected answers, memory flat`,
    async () => {
      const valid = await Promise.all(
        Array.from({ length: 20 }, (_, i) => mintToken(`${base}/mcp`, { claims: { sub: `u${i}` } })),
      );
      const expired = await mintToken(`${base}/mcp`, { expiresIn: -3600 });
      const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
      const send = async (token: string) =>
        (
          await fetch(`${base}/mcp`, {
            method: "POST",
            headers: {
              authorization: `Bearer ${token}`,
              "content-type": "application/json",
              accept: "application/json, text/event-stream",
            },
            body,
          }).then(async (r) => {
            await r.arrayBuffer();
            return r;
          })
        ).status;
      const counts = { ok: 0, refused: 0, unexpected: 0 };
      const deadline = Date.now() + SECONDS * 1000;
      let heapAfterWarmup = 0;
      let round = 0;
      while (Date.now() < deadline) {
        const batch = Array.from({ length: 8 }, (_, i) => {
          const kind = (round * 8 + i) % 3;
          const token =
            kind === 0
              ? (valid[(round + i) % valid.length] as string)
              : kind === 1
                ? expired
                : `garbage.${crypto.randomUUID()}.x`;
          return send(token).then((status) => {
            if (kind === 0 && status === 200) counts.ok++;
            else if (kind !== 0 && status === 401) counts.refused++;
            else counts.unexpected++;
          });
        });
        await Promise.all(batch);
        round++;
        if (round === 50) {
          gc();
          heapAfterWarmup = process.memoryUsage().heapUsed;
        }
      }
      gc();
      const growth = (process.memoryUsage().heapUsed - heapAfterWarmup) / 1024 / 1024;
      expect(counts.unexpected).toBe(0);
      expect(counts.ok).toBeGreaterThan(0);
      expect(counts.refused).toBeGreaterThan(0);
      expect(growth).toBeLessThan(40);
    },
    (SECONDS + 30) * 1000,
  );
});
