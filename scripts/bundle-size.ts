/**
 * `npm run bundle:check`: bundles the example Worker (with the WorkOS API client) and a
 * verify-only Worker with `wrangler deploy --dry-run`, prints their sizes, and fails when the
 * verify-only bundle contains @workos-inc/node or either bundle exceeds its budget.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

// Budgets in KiB, gzip. The MCP SDK and zod are most of both; the WorkOS SDK is the difference.
const BUDGETS = { "example (with API client)": 420, "verify-only": 190 } as const;

function bundle(config: string): string {
  const out = mkdtempSync(join(tmpdir(), "authkit-mcp-bundle-"));
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", out, "--config", config], {
    stdio: ["ignore", "ignore", "inherit"],
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      WRANGLER_HIDE_BANNER: "true",
    },
  });
  return readFileSync(join(out, "index.js"), "utf8");
}

const rows = [
  { name: "example (with API client)", code: bundle("wrangler.toml") },
  { name: "verify-only", code: bundle("examples/verify-only/wrangler.toml") },
] as const;

let failed = false;
console.log("| Worker bundle | raw KiB | gzip KiB | budget (gzip KiB) | contains @workos-inc/node |");
console.log("| --- | --- | --- | --- | --- |");
for (const { name, code } of rows) {
  const raw = Buffer.byteLength(code) / 1024;
  const gz = gzipSync(code).length / 1024;
  const hasSdk = code.includes("node_modules/@workos-inc/node") || code.includes("userManagement");
  const budget = BUDGETS[name];
  console.log(`| ${name} | ${raw.toFixed(0)} | ${gz.toFixed(0)} | ${budget} | ${hasSdk ? "yes" : "no"} |`);
  if (gz > budget) {
    console.error(`bundle:check: ${name} is ${gz.toFixed(0)} KiB gzip, over its ${budget} KiB budget`);
    failed = true;
  }
  if (name === "verify-only" && hasSdk) {
    console.error("bundle:check: the verify-only bundle contains @workos-inc/node (it must be loaded lazily)");
    failed = true;
  }
  if (name !== "verify-only" && !hasSdk) {
    console.error("bundle:check: the example bundle lacks the WorkOS SDK: the check would not notice a leak");
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
