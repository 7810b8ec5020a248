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
import { costRatio, type Measured, measureAll, type Row } from "./measure.js";

const QUICK = process.env.BENCH_QUICK === "1";
// Many short rounds (a fraction of a second each): the machine's swings then hit the rows of
// one round alike, and the median of 81 resists its bursts.
const RUNS = QUICK ? 2 : 81;
const OPS = QUICK ? 200 : 600;

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
// Every row builds the same web Request per operation (the floor row does only that), and the
// verifying rows verify distinct tokens, so no cache can help them. See measure.ts.
const pending: Row[] = [];
const row = async (name: string, fn: Row["fn"], options: { ops?: number; setup?: Row["setup"] } = {}) => {
  await options.setup?.();
  await fn(0); // fail fast if the row is broken
  pending.push({ name, fn, ops: options.ops ?? OPS, ...(options.setup && { setup: options.setup }) });
};

// Distinct tokens, as a server sees them from many users (minted once, outside the timing).
const TOKENS = QUICK ? 200 : 3000;
const tokens: string[] = [];
for (let i = 0; i < TOKENS; i++) tokens.push(await authkit.mintToken({ audience: RESOURCE, sessionId: `s_${i}` }));
const OPS_VERIFY = QUICK ? TOKENS : 120;
const build = (t: string) => new Request(RESOURCE, { method: "POST", headers: { authorization: `Bearer ${t}` } });
const bearerOf = (r: Request) => (r.headers.get("authorization") ?? "").slice(7);

await row("0. floor: build the Request, read its Authorization header", async (i) => {
  if (bearerOf(build(token)) === "" || i < 0) throw new Error("no header");
});

const [h, p, s] = token.split(".") as [string, string, string];
const key = (await importJWK(jwks.keys[0] as never, "RS256")) as CryptoKey;
const data = new TextEncoder().encode(`${h}.${p}`);
const sig = base64url.decode(s) as Uint8Array<ArrayBuffer>;
await row("1. WebCrypto RSA-PKCS1 SHA-256 verify (signature only)", async () => {
  if (!(await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, sig, data))) throw new Error("bad");
});
await row(
  "2. jose.jwtVerify, local JWK set, same checks",
  (i) => jwtVerify(bearerOf(build(tokens[i % TOKENS] as string)), local, verifyOptions),
  { ops: OPS_VERIFY },
);

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
await row(
  "3. official SDK v2 requireBearerAuth + jose verifier",
  async (i) => {
    if ((await sdkGate(build(tokens[i % TOKENS] as string))) instanceof Response) throw new Error("refused");
  },
  { ops: OPS_VERIFY },
);
const handlerAuth = withMcpAuth(
  async () => new Response("ok"),
  async (_req, bearer) => (bearer ? joseVerifier.verifyAccessToken(bearer) : undefined),
  { required: true },
);
await row(
  "4. mcp-handler withMcpAuth + jose verifier",
  async (i) => {
    if ((await handlerAuth(build(tokens[i % TOKENS] as string))).status !== 200) throw new Error("refused");
  },
  { ops: OPS_VERIFY },
);

// A fresh provider every round (its first request fetches the JWKS, untimed): every token is new to it.
let fresh = workosProvider(base);
await row(
  "5. authkit-mcp authenticate(), new token (full verification, fresh provider each round)",
  async (i) => {
    if (!(await fresh.authenticate(build(tokens[i % TOKENS] as string))).ok) throw new Error("refused");
  },
  {
    ops: OPS_VERIFY,
    setup: async () => {
      fresh = workosProvider(base);
      await fresh.authenticate(build(token));
    },
  },
);
const cached = workosProvider(base);
await row("6. authkit-mcp authenticate(), repeated token (cache hit)", async () => {
  if (!(await cached.authenticate(build(token))).ok) throw new Error("refused");
});
await row(
  "7. original plugin: new remote JWKS resolver per request",
  () => jwtVerify(token, createRemoteJWKSet(new URL(`${authkit.issuer}/oauth2/jwks`)), verifyOptions),
  { ops: QUICK ? 20 : 30 },
);
const rows = await measureAll(pending, RUNS);

// --- the full HTTP path: Node, then workerd (wrangler dev) ------------------------------------
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

/** Requests per second of a tools/call of whoami (autocannon, 10 connections). */
function autocannon(url: string, bearer: string | undefined): Promise<number> {
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: { name: "whoami", arguments: {} },
  });
  const args = ["autocannon", "-j", "-c", "10", "-d", QUICK ? "1" : "2", "-m", "POST", "-b", body];
  for (const hdr of ["content-type: application/json", "accept: application/json, text/event-stream"])
    args.push("-H", hdr);
  if (bearer) args.push("-H", `authorization: Bearer ${bearer}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn("npx", args, { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.on("exit", () => {
      try {
        const result = JSON.parse(out) as { requests: { average: number }; non2xx: number };
        if (result.non2xx > 0) return reject(new Error(`${result.non2xx} non-2xx responses from ${url}`));
        resolve(result.requests.average);
      } catch (error) {
        reject(error);
      }
    });
  });
}
/**
 * Interleaved pairs (without, with auth; which goes first alternates): the median of each, and
 * the median of the per-pair ratios (with / without), which a slow stretch of the machine
 * cancels out of.
 */
async function httpPair(open: string, authed: string, bearer: string): Promise<[number, number, number]> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < (QUICK ? 1 : 7); i++) {
    if (i % 2 === 0) a.push(await autocannon(open, undefined));
    b.push(await autocannon(authed, bearer));
    if (i % 2 === 1) a.push(await autocannon(open, undefined));
  }
  const median = (l: number[]) => [...l].sort((x, y) => x - y)[Math.floor(l.length / 2)] as number;
  return [median(a), median(b), median(b.map((rate, i) => rate / (a[i] as number)))];
}
const [httpNoAuth, httpAuth, httpRatio] = await httpPair(`${withoutAuth.url}/mcp`, `${withAuth.url}/mcp`, httpToken);
withAuth.close();
withoutAuth.close();

let workerd: [number, number, number] | undefined;
if (!QUICK) {
  const port = await new Promise<number>((resolve) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port: p0 } = srv.address() as AddressInfo;
      srv.close(() => resolve(p0));
    });
  });
  const origin = `http://127.0.0.1:${port}`;
  const vars = { ...env, BASE_URL: origin };
  const args = ["wrangler", "dev", "-c", "bench/wrangler.toml", "--ip", "127.0.0.1", "--port", String(port)];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const wrangler = spawn("npx", args, {
    stdio: "ignore",
    detached: true,
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      WRANGLER_HIDE_BANNER: "true",
    },
  });
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        if ((await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`)).ok) break;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error("wrangler dev did not start");
      await new Promise((r) => setTimeout(r, 250));
    }
    const workerdToken = await authkit.mintToken({ audience: `${origin}/mcp` });
    workerd = await httpPair(`${origin}/open`, `${origin}/mcp`, workerdToken);
  } catch (error) {
    process.stderr.write(`workerd HTTP row skipped: ${String(error)}\n`);
  } finally {
    if (wrangler.pid) process.kill(-wrangler.pid, "SIGTERM");
  }
}

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
const byName = (prefix: string) => rows.find((r) => r.name.startsWith(prefix))?.opsPerSec ?? 0;
const floor = byName("0.");
console.log(
  `\nauthkit-mcp bench — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}${QUICK ? " (QUICK)" : ""}, ${RUNS} interleaved rounds, median round (slowest–fastest)\n`,
);
console.log("| row | ops/s | µs/op (spread) | vs floor |");
console.log("| --- | ---: | ---: | ---: |");
for (const r of rows) {
  const us = (ops: number) => (1e6 / ops).toFixed(1);
  console.log(
    `| ${r.name} | ${Math.round(r.opsPerSec).toLocaleString("en")} | ${us(r.opsPerSec)} (${us(r.spread[1])}–${us(r.spread[0])}) | ${(floor / r.opsPerSec).toFixed(2)}× |`,
  );
}
const http = (label: string, pair: [number, number, number]) =>
  console.log(
    `| HTTP ${label}: tools/call whoami, 10 connections, without auth / with auth (repeated token) | ${Math.round(pair[0]).toLocaleString("en")} / ${Math.round(pair[1]).toLocaleString("en")} req/s | | with auth ${pair[2].toFixed(2)}× |`,
  );
http("on Node (node:http)", [httpNoAuth, httpAuth, httpRatio]);
if (workerd) http("on workerd (wrangler dev)", workerd);
console.log("");
console.log(`- JWKS fetches for 1,000 concurrent cold requests: ${coldFetches}`);
console.log(
  `- JWKS fetches for ${floodCount.toLocaleString("en")} requests with random unknown kids (${floodSeconds.toFixed(1)} s, 30 s cooldown): ${floodFetches}`,
);
console.log(
  `- Heap growth after 100,000 distinct tokens through the verified-token cache (bounded at ${cache.size.toLocaleString("en")} entries): ${((heapAfter - heapBefore) / 1024 / 1024).toFixed(1)} MiB${gc ? "" : " (run with --expose-gc for a precise figure)"}`,
);
// Targets: paired per-round ratios (measure.ts), the medians of the table beside them.
const rowOf = (prefix: string) => rows.find((r) => r.name.startsWith(prefix)) as Measured;
const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
const compare = (label: string, a: string, b: string, target: number, what: string) => {
  const paired = costRatio(rowOf(a), rowOf(b));
  const medians = rowOf(b).opsPerSec / rowOf(a).opsPerSec;
  console.log(
    `- ${label}: ${paired.toFixed(2)}× ${what} (target ≤ ${target.toFixed(2)}×: ${verdict(paired <= target)}; ratio of the medians ${medians.toFixed(2)}×)`,
  );
};
compare("New token vs jose.jwtVerify", "5.", "2.", 1.1, "the cost");
compare("New token vs SDK v2 gate", "5.", "3.", 1, "its cost");
compare("New token vs mcp-handler", "5.", "4.", 1, "its cost");
compare("Repeated token vs the Request floor", "6.", "0.", 1.3, "the cost");
console.log(
  `- HTTP with auth vs without (median of the paired runs), Node: ${httpRatio.toFixed(2)}× (target ≥ 0.90×: ${verdict(httpRatio >= 0.9)})${workerd ? `; workerd: ${workerd[2].toFixed(2)}× (${verdict(workerd[2] >= 0.9)})` : ""}`,
);
process.exit(0);
