// The documentation as a user meets it: the package packed with `npm pack` and installed from the
// tarball into fresh consumer projects (peers from the registry, at the versions tested here).
// - Every TypeScript block of README.md and docs/ type-checks strictly (skipLibCheck: false).
// - Links and anchors resolve; the API reference is the TypeDoc output of today's TSDoc.
// - Without @workos-inc/node: the core type-checks, bundles (esbuild, as wrangler does), and the
//   quick starts run end to end (README's Node one, Express, Hono on Node, Workers through
//   `wrangler dev`, Next.js, xmcp), signed in by the official v2 MCP client.
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Block,
  CONSUMER_PEERS,
  checkLinks,
  docPages,
  extractBlocks,
  installConsumer,
  pack,
  root,
  typeCheck,
  writeBlocks,
  writeTsconfigs,
} from "../../scripts/docs-check.js";
import { signIn } from "../support/oauth-flow.js";
import { cleanEnv, freePort, run, start, waitFor } from "../support/processes.js";
import { TEST_CLIENT_ID } from "../support/seed.js";
import { authkit } from "../support/tokens.js";

const work = mkdtempSync(join(tmpdir(), "authkit-mcp-docs-"));
const blocks = docPages().flatMap((page) => extractBlocks(page));
let tarball = "";

beforeAll(() => {
  tarball = pack(work);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The blocks of one page that carry `file=`, written under `dir` (ports substituted). */
function writeQuickStart(dir: string, page: string, files: readonly string[], replace: Record<string, string> = {}) {
  const byFile = new Map(
    blocks.filter((b: Block) => b.page === page && b.file !== undefined).map((b) => [b.file as string, b]),
  );
  for (const file of files) {
    const block = byFile.get(file);
    if (!block) throw new Error(`${page} has no block with file=${file}`);
    let code = block.code;
    for (const [from, to] of Object.entries(replace)) code = code.split(from).join(to);
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), `${code}\n`);
  }
}

async function whoami(mcpUrl: string): Promise<string> {
  const client = await signIn("v2", mcpUrl, fetch);
  try {
    const result = await client.callTool("whoami");
    expect(result.isError).toBe(false);
    return result.text;
  } finally {
    await client.close();
  }
}

type Started = ReturnType<typeof start>;

/** `n` distinct free loopback ports (held open together, so no two are the same). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => {
      const server = createServer();
      return new Promise<typeof server>((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
    }),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/**
 * Waits for the servers' discovery document on `port`, runs `check` (while they still run), asks
 * whoami, and always stops them.
 */
async function whoamiOf(
  port: number,
  servers: readonly Started[],
  ms = 30_000,
  check: () => Promise<void> = async () => {},
): Promise<string> {
  try {
    const output = () => servers.map((s) => s.output()).join("\n");
    await waitFor(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`, ms, output);
    await check();
    return await whoami(`http://127.0.0.1:${port}/mcp`);
  } finally {
    for (const server of servers) server.stop();
  }
}

describe("documentation", () => {
  it("has TypeScript blocks on every adapter page, each marked whole or fragment", () => {
    const pages = new Set(blocks.filter((b) => b.typescript).map((b) => b.page));
    for (const page of ["README.md", "docs/workers.md", "docs/hono.md", "docs/nextjs.md", "docs/node-express.md"])
      expect(pages).toContain(page);
    expect(readFileSync(join(root, "README.md"), "utf8").split("\n").length).toBeLessThanOrEqual(320);
  });

  it("every relative link and anchor resolves", () => {
    expect(checkLinks(docPages())).toEqual([]);
  });

  it("the API reference (docs/api) is TypeDoc's output of the current TSDoc, with no warning", () => {
    const out = join(work, "api");
    execFileSync(join(root, "node_modules/.bin/typedoc"), ["--out", out], { cwd: root, stdio: "pipe" });
    const list = (dir: string): string[] =>
      readdirSync(dir, { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".md"))
        .sort();
    expect(list(out)).toEqual(list(join(root, "docs/api")));
    for (const file of list(out))
      expect(readFileSync(join(out, file), "utf8"), `docs/api/${file} is stale: npm run docs:api`).toBe(
        readFileSync(join(root, "docs/api", file), "utf8"),
      );
  }, 60_000);

  it("every TypeScript block type-checks as a consumer of the packed package (strict, skipLibCheck: false)", () => {
    const project = join(work, "typecheck");
    installConsumer(project, tarball, CONSUMER_PEERS);
    writeTsconfigs(project);
    const generated = writeBlocks(project, blocks);
    const problems = (["node", "bundler", "workers", "xmcp"] as const).flatMap((env) =>
      typeCheck(project, env, generated),
    );
    expect(problems).toEqual([]);
  }, 240_000);
});

describe("without @workos-inc/node installed", () => {
  const app = join(work, "no-sdk");
  const issuer = () => authkit().issuer;
  const env = (port: number) => ({
    ...cleanEnv(),
    PORT: String(port),
    BASE_URL: `http://127.0.0.1:${port}`,
    WORKOS_CLIENT_ID: TEST_CLIENT_ID,
    WORKOS_AUTHKIT_DOMAIN: issuer(),
    NEXT_TELEMETRY_DISABLED: "1",
  });

  beforeAll(() => {
    installConsumer(app, tarball, [
      "@modelcontextprotocol/server",
      "@modelcontextprotocol/sdk",
      "express",
      "hono",
      "next",
      "react",
      "react-dom",
      "xmcp",
      "@xmcp-dev/compiler",
      "zod",
      "tsx",
      "typescript",
      "@types/node",
      "@types/express",
      "@types/react",
    ]);
    expect(existsSync(join(app, "node_modules/@workos-inc/node"))).toBe(false);
  }, 240_000);

  it("the core and every adapter type-check with skipLibCheck: false (getUser/getClient types are any)", () => {
    writeFileSync(
      join(app, "core.ts"),
      `import { getClient, getSession, getUser, workosProvider } from "authkit-mcp";
import { withWorkOS } from "authkit-mcp/cloudflare";
import { createLocalAuthKit } from "authkit-mcp/dev";
import { workos } from "authkit-mcp/hono";
import { createMcpRoute } from "authkit-mcp/next";
import { nodeMiddleware } from "authkit-mcp/node";
import { nodeListener } from "authkit-mcp/node-http";
export const used = [getClient, getSession, getUser, workosProvider, withWorkOS, createLocalAuthKit, workos, createMcpRoute, nodeMiddleware, nodeListener];
`,
    );
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2022",
          lib: ["ES2023", "DOM"],
          types: ["node"],
        },
        files: ["core.ts"],
      }),
    );
    execFileSync(join(app, "node_modules/.bin/tsc"), ["-p", "."], { cwd: app, stdio: "pipe" });
  }, 60_000);

  it("esbuild (what wrangler uses) bundles the core for Workers, leaving the SDK import to run time", () => {
    writeFileSync(
      join(app, "worker-entry.ts"),
      `import { getUser, workosProvider } from "authkit-mcp";\nimport { withWorkOS } from "authkit-mcp/cloudflare";\nexport default { getUser, workosProvider, withWorkOS };\n`,
    );
    const out = join(app, "bundle.js");
    execFileSync(
      join(root, "node_modules/.bin/esbuild"),
      [
        join(app, "worker-entry.ts"),
        "--bundle",
        "--format=esm",
        "--platform=browser",
        "--conditions=workerd,worker,browser",
        `--outfile=${out}`,
        "--log-level=error",
      ],
      { cwd: app, stdio: "pipe" },
    );
    expect(readFileSync(out, "utf8")).toMatch(/import\([^)]*"@workos-inc\/node"\s*\)/);
  }, 60_000);

  const tsx = (dir: string, file: string, env: NodeJS.ProcessEnv) =>
    start(join(app, "node_modules/.bin/tsx"), [file], { cwd: dir, env });

  it("README's quick start (Node, local AuthKit beside it) signs in and answers whoami", async () => {
    const dir = join(app, "readme");
    writeQuickStart(dir, "README.md", ["server.ts"]);
    const [port = 0, authkitPort = 0] = await freePorts(2);
    const server = tsx(dir, "server.ts", {
      ...cleanEnv(),
      PORT: String(port),
      AUTHKIT_PORT: String(authkitPort),
      AUTHKIT_AUTO_SIGN_IN: "alice@example.com",
    });
    // Alice's role comes from the local WorkOS API (live roles): the token has none.
    expect(await whoamiOf(port, [server])).toBe("user_01ALICE in org_01ACME (admin)");
  }, 60_000);

  it.each([
    ["Express", "docs/node-express.md", ["server.ts"]],
    ["Hono (on Node)", "docs/hono.md", ["app.ts", "server.ts"]],
  ])(
    "the %s quick start signs in and answers whoami",
    async (name, page, files) => {
      const dir = join(app, name.split(" ")[0]?.toLowerCase() ?? name);
      writeQuickStart(dir, page, files);
      const port = await freePort();
      expect(await whoamiOf(port, [tsx(dir, "server.ts", env(port))])).toMatch(/^user_/);
    },
    60_000,
  );

  it("the Workers quick start runs under wrangler dev with its local AuthKit and .dev.vars", async () => {
    const dir = join(app, "workers");
    const [port = 0, authkitPort = 0, inspectorPort = 0] = await freePorts(3);
    writeQuickStart(dir, "docs/workers.md", ["src/index.ts", "wrangler.toml", "authkit.ts", ".dev.vars"], {
      "127.0.0.1:8787": `127.0.0.1:${port}`,
      "127.0.0.1:8788": `127.0.0.1:${authkitPort}`,
    });
    const wranglerEnv = {
      ...cleanEnv(),
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      WRANGLER_HIDE_BANNER: "true",
    };
    const authkitServer = tsx(dir, "authkit.ts", {
      ...cleanEnv(),
      AUTHKIT_PORT: String(authkitPort),
      AUTHKIT_AUTO_SIGN_IN: "bob@example.com",
    });
    const worker = start(
      join(root, "node_modules/.bin/wrangler"),
      ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort)],
      { cwd: dir, env: wranglerEnv },
    );
    await waitFor(`http://127.0.0.1:${authkitPort}/oauth2/jwks`, 30_000, authkitServer.output);
    expect(await whoamiOf(port, [worker, authkitServer], 90_000)).toMatch(/^user_01BOB in org_01/);
  }, 150_000);

  it("the Next.js quick start builds (next build, Turbopack and webpack) and serves the MCP and discovery routes", async () => {
    const dir = join(app, "next");
    writeQuickStart(dir, "docs/nextjs.md", [
      "lib/auth.ts",
      "app/mcp/route.ts",
      "app/.well-known/oauth-protected-resource/[[...path]]/route.ts",
      "app/.well-known/oauth-authorization-server/route.ts",
    ]);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true, type: "module" }));
    const port = await freePort();
    // webpack first (its output is then replaced by Turbopack's, the default, which is served).
    await run(join(app, "node_modules/.bin/next"), ["build", "--webpack"], { cwd: dir, env: env(port) });
    await run(join(app, "node_modules/.bin/next"), ["build"], { cwd: dir, env: env(port) });
    const server = start(join(app, "node_modules/.bin/next"), ["start", "-p", String(port), "-H", "127.0.0.1"], {
      cwd: dir,
      env: env(port),
    });
    const discovery = async () => {
      const url = `http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`;
      const prm = (await (await fetch(url)).json()) as { resource: string };
      expect(prm.resource).toBe(`http://127.0.0.1:${port}/mcp`);
    };
    expect(await whoamiOf(port, [server], 60_000, discovery)).toMatch(/^user_/);
  }, 300_000);

  it("xmcp builds the docs' middleware and tool with tools that call getUser/getClient (xmcp build), and whoami answers", async () => {
    const dir = join(app, "xmcp");
    writeQuickStart(dir, "docs/xmcp.md", ["src/middleware.ts", "src/tools/whoami.ts"]);
    // The fixture's tools reference getUser() and getClient(): the build must not need the SDK.
    for (const tool of ["get-user-profile.ts", "get-my-memberships.ts"])
      copyFileSync(join(root, "test/fixtures/xmcp-app/src/tools", tool), join(dir, "src/tools", tool));
    const port = await freePort();
    writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true }));
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: "esnext",
          moduleResolution: "bundler",
          target: "es2022",
          skipLibCheck: true,
        },
        include: ["src/**/*.ts"],
      }),
    );
    writeFileSync(
      join(dir, "xmcp.config.ts"),
      `import type { XmcpConfig } from "xmcp";\nconst config: XmcpConfig = { http: { port: ${port}, host: "127.0.0.1" }, paths: { prompts: false, resources: false } };\nexport default config;\n`,
    );
    const output = await run(join(app, "node_modules/.bin/xmcp"), ["build"], { cwd: dir, env: env(port) });
    expect(existsSync(join(dir, "dist/http.js")), output).toBe(true);
    expect(await whoamiOf(port, [start("node", ["dist/http.js"], { cwd: dir, env: env(port) })])).toMatch(/^user_/);
  }, 180_000);
});
