/**
 * `npm run bench`: what verifying an AuthKit token costs, side by side, in one process, with the
 * same tokens and the same local JWKS server on loopback. `BENCH_QUICK=1` is CI's smoke run.
 * Prints a Markdown table (ops/s, µs/op, ratio to the first row; median of several runs).
 */
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus } from "node:os";
import { createMcpHandler, requireBearerAuth } from "@modelcontextprotocol/server";
import { base64url, createLocalJWKSet, createRemoteJWKSet, importJWK, jwtVerify } from "jose";
import { withMcpAuth } from "mcp-handler";
import { createExampleServer } from "../examples/tools.js";
import worker from "../examples/worker/index.js";
import { nodeListener } from "../src/adapters/node-http.js";
import { createLocalAuthKit } from "../src/dev/index.js";
import { TokenCache, workosProvider } from "../src/index.js";

const QUICK = process.env.BENCH_QUICK === "1";
const RUNS = QUICK ? 2 : 7;
const OPS = QUICK ? 200 : 1500;

async function listen(handler: (r: Request) => Promise<Response>): Promise<{ url: string; close: () => void }> {
  let origin = "";
  const server = createServer((req, res) => nodeListener(handler, origin)(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: origin, close: () => server.close() };
}

// --- the local AuthKit, its JWKS on loopback, and the tokens -------------------------------
const issuerPort = await new Promise<number>((resolve) => {
  const s = createServer();
  s.listen(0, "127.0.0.1", () => {
    const { port } = s.address() as AddressInfo;
    s.close(() => resolve(port));
  });
});
const authkit = createLocalAuthKit({ issuer: `http://127.0.0.1:${issuerPort}` });
const authkitServer = createServer(nodeListener(authkit.fetch, authkit.issuer));
await new Promise<void>((r) => authkitServer.listen(issuerPort, "127.0.0.1", r));
const BASE = "https://bench.example";
const RESOURCE = `${BASE}/mcp`;
const token = await authkit.mintToken({ audience: RESOURCE });
const jwks = await authkit.jwks();
const local = createLocalJWKSet(jwks);
const verifyOptions = {
  algorithms: ["RS256"],
  issuer: authkit.issuer,
  audience: RESOURCE,
  clockTolerance: 30,
  requiredClaims: ["exp", "sub", "iat"],
};
const request = new Request(RESOURCE, { headers: { authorization: `Bearer ${token}` } });
const base = { clientId: "client_bench", baseURL: BASE, authkitDomain: authkit.issuer, log: false as const };

// --- rows ------------------------------------------------------------------------------------
// Rows are measured interleaved (every round runs each row once), so JIT warm-up, GC and
// machine noise fall on all rows alike; each row's figure is its median round.
const pending: { name: string; fn: () => Promise<unknown>; ops: number }[] = [];
const row = async (name: string, fn: () => Promise<unknown>, ops = OPS) => {
  await fn(); // fail fast if the row is broken
  pending.push({ name, fn, ops });
};
async function measureAll(): Promise<{ name: string; opsPerSec: number }[]> {
  for (const r of pending) for (let i = 0; i < Math.min(100, r.ops); i++) await r.fn();
  const rates = new Map<string, number[]>();
  for (let round = 0; round < RUNS; round++) {
    for (const r of pending) {
      const start = performance.now();
      for (let i = 0; i < r.ops; i++) await r.fn();
      const list = rates.get(r.name) ?? [];
      list.push(r.ops / ((performance.now() - start) / 1000));
      rates.set(r.name, list);
    }
    process.stderr.write(`round ${round + 1}/${RUNS}\n`);
  }
  return pending.map((r) => {
    const list = (rates.get(r.name) ?? [0]).sort((a, b) => a - b);
    return { name: r.name, opsPerSec: list[Math.floor(list.length / 2)] as number };
  });
}

const [h, p, s] = token.split(".") as [string, string, string];
const key = (await importJWK(jwks.keys[0] as never, "RS256")) as CryptoKey;
const data = new TextEncoder().encode(`${h}.${p}`);
const sig = base64url.decode(s) as Uint8Array<ArrayBuffer>;
await row("1. WebCrypto RSA-PKCS1 SHA-256 verify (signature only)", async () => {
  if (!(await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, sig, data))) throw new Error("bad");
});
await row("2. jose.jwtVerify, local JWK set, same checks", () => jwtVerify(token, local, verifyOptions));

const noCache = workosProvider({ ...base, tokenCache: false });
await noCache.authenticate(request); // fetch the JWKS once
await row("3. authkit-mcp authenticate(), cache miss (full verification)", async () => {
  if (!(await noCache.authenticate(request)).ok) throw new Error("refused");
});
const cached = workosProvider(base);
await row("4. authkit-mcp authenticate(), repeated token (cache hit)", async () => {
  if (!(await cached.authenticate(request)).ok) throw new Error("refused");
});

const joseVerifier = {
  verifyAccessToken: async (t: string) => {
    const { payload } = await jwtVerify(t, local, verifyOptions);
    return {
      token: t,
      clientId: String(payload.client_id ?? ""),
      scopes: String(payload.scope ?? "").split(" "),
      expiresAt: payload.exp,
      resource: new URL(RESOURCE),
    };
  },
};
const sdkGate = requireBearerAuth({ verifier: joseVerifier, expectedResource: new URL(RESOURCE) });
await row("5a. official SDK requireBearerAuth + jose verifier", async () => {
  if ((await sdkGate(request)) instanceof Response) throw new Error("refused");
});
const handlerAuth = withMcpAuth(
  async () => new Response("ok"),
  async (_req, bearer) => (bearer ? joseVerifier.verifyAccessToken(bearer) : undefined),
  { required: true },
);
await row("5b. mcp-handler withMcpAuth + jose verifier", async () => {
  if ((await handlerAuth(request)).status !== 200) throw new Error("refused");
});
await row(
  "5c. original plugin: new remote JWKS resolver per request",
  () => jwtVerify(token, createRemoteJWKSet(new URL(`${authkit.issuer}/oauth2/jwks`)), verifyOptions),
  QUICK ? 20 : 100,
);
const rows = await measureAll();

// --- the full HTTP path ------------------------------------------------------------------------
const env = {
  WORKOS_CLIENT_ID: "client_bench",
  WORKOS_AUTHKIT_DOMAIN: authkit.issuer,
  WORKOS_API_URL: authkit.issuer,
  WORKOS_API_KEY: authkit.apiKey,
  BASE_URL: "",
};
const ctx = { waitUntil: () => {}, passThroughOnException: () => {} };
const withAuth = await listen((r) => worker.fetch(r, { ...env, BASE_URL: withAuthBase() }, ctx));
function withAuthBase() {
  return withAuth.url;
}
const plainMcp = createMcpHandler(() => createExampleServer());
const withoutAuth = await listen((r) => plainMcp.fetch(r));
const httpToken = await authkit.mintToken({ audience: `${withAuth.url}/mcp` });

function autocannon(url: string, auth: boolean): Promise<number> {
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
  const args = ["autocannon", "-j", "-c", "10", "-d", QUICK ? "1" : "5", "-m", "POST", "-b", body];
  for (const hdr of ["content-type: application/json", "accept: application/json, text/event-stream"])
    args.push("-H", hdr);
  if (auth) args.push("-H", `authorization: Bearer ${httpToken}`);
  args.push(`${url}/mcp`);
  return new Promise((resolve, reject) => {
    const child = spawn("npx", args, { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.on("exit", () => {
      try {
        const result = JSON.parse(out) as { requests: { average: number }; non2xx: number };
        if (result.non2xx > 0) return reject(new Error(`${result.non2xx} non-2xx responses`));
        resolve(result.requests.average);
      } catch (error) {
        reject(error);
      }
    });
  });
}
const httpNoAuth = await autocannon(withoutAuth.url, false);
const httpAuth = await autocannon(withAuth.url, true);
withAuth.close();
withoutAuth.close();

// --- JWKS fetch counts and memory --------------------------------------------------------------
let jwksFetches = 0;
const countingFetch: typeof fetch = (input, init) => {
  if (String(input instanceof Request ? input.url : input).endsWith("/oauth2/jwks")) jwksFetches++;
  return fetch(input, init);
};
const cold = workosProvider({ ...base, fetch: countingFetch, tokenCache: false });
await Promise.all(Array.from({ length: 1000 }, () => cold.authenticate(request)));
const coldFetches = jwksFetches;
jwksFetches = 0;
const flood = workosProvider({ ...base, fetch: countingFetch });
const floodCount = QUICK ? 1000 : 10_000;
const floodStart = performance.now();
for (let i = 0; i < floodCount; i++) {
  const forged = `${base64url.encode(JSON.stringify({ alg: "RS256", kid: crypto.randomUUID() }))}.${p}.${s}`;
  await flood.authenticate(new Request(RESOURCE, { headers: { authorization: `Bearer ${forged}` } }));
}
const floodSeconds = (performance.now() - floodStart) / 1000;
const floodFetches = jwksFetches;

const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const cache = new TokenCache();
for (let i = 0; i < 100_000; i++) {
  const t = `${token.slice(0, -8)}${i.toString(36).padStart(8, "0")}`;
  cache.set(t, { sub: `user_${i}`, sid: "s", iss: authkit.issuer, exp: Date.now() / 1000 + 3600, iat: 0 } as never);
}
gc?.();
const heapAfter = process.memoryUsage().heapUsed;

authkitServer.close();

// --- report ------------------------------------------------------------------------------------
const first = rows[0]?.opsPerSec ?? 1;
const byName = (prefix: string) => rows.find((r) => r.name.startsWith(prefix))?.opsPerSec ?? 0;
console.log(
  `\nauthkit-mcp bench — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}${QUICK ? " (QUICK)" : ""}\n`,
);
console.log("| row | ops/s | µs/op | vs row 1 |");
console.log("| --- | ---: | ---: | ---: |");
for (const r of rows) {
  console.log(
    `| ${r.name} | ${Math.round(r.opsPerSec).toLocaleString("en")} | ${(1e6 / r.opsPerSec).toFixed(1)} | ${(r.opsPerSec / first).toFixed(2)}× |`,
  );
}
console.log(
  `| 6. HTTP, example server on Node, tools/list, 10 connections: without auth | ${Math.round(httpNoAuth).toLocaleString("en")} req/s | | |`,
);
console.log(
  `| 6. HTTP, same server with auth (repeated token) | ${Math.round(httpAuth).toLocaleString("en")} req/s | | ${(httpAuth / httpNoAuth).toFixed(2)}× of no-auth |`,
);
console.log("");
console.log(`- JWKS fetches for 1,000 concurrent cold requests: ${coldFetches}`);
console.log(
  `- JWKS fetches for ${floodCount.toLocaleString("en")} requests with random unknown kids (${floodSeconds.toFixed(1)} s, 30 s cooldown): ${floodFetches}`,
);
console.log(
  `- Heap growth after 100,000 distinct tokens through the verified-token cache (bounded at ${cache.size.toLocaleString("en")} entries): ${((heapAfter - heapBefore) / 1024 / 1024).toFixed(1)} MiB${gc ? "" : " (run with --expose-gc for a precise figure)"}`,
);
const miss = byName("3."),
  jose = byName("2."),
  hit = byName("4.");
console.log(
  `- Cache miss vs jose.jwtVerify: ${(jose / miss).toFixed(2)}× the cost (target ≤ 1.15×); cache hit vs miss: ${(hit / miss).toFixed(0)}× faster (target ≥ 20×)`,
);
for (const peer of ["5a.", "5b.", "5c."])
  console.log(`- ${peer} peer vs authkit-mcp miss: ${(byName(peer) / miss).toFixed(2)}× the ops/s`);
