// The documentation's checks: every TypeScript block of README.md and docs/*.md type-checks as a
// consumer of the packed package (strict, skipLibCheck: false), and every relative link and
// anchor resolves. Used by `npm run docs:check` and by test/node/docs.test.ts (which also runs
// the quick starts).
//
// A block's info string says how to check it:
//   ```ts                        a whole module (imports included)
//   ```ts file=app/mcp/route.ts  a whole module at that path (blocks of a page import each other)
//   ```ts fragment               a deliberate excerpt: imports are hoisted, the rest is wrapped in
//                                a function after FRAGMENT_PRELUDE (auth, request, ctx, ... declared)
//   ```ts env=workers            type-checked with @cloudflare/workers-types instead of DOM + Node
// A page's default env is set in PAGE_ENV.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

export const root = resolve(import.meta.dirname, "..");

export type DocEnv = "node" | "bundler" | "workers" | "xmcp";
const PAGE_ENV: Record<string, DocEnv> = {
  "docs/workers.md": "workers",
  "docs/nextjs.md": "bundler",
  "docs/xmcp.md": "xmcp",
  "docs/vercel-edge.md": "bundler",
};

/** The names a fragment may use without defining them. */
export const FRAGMENT_PRELUDE = `declare const auth: import("authkit-mcp").WorkOSProvider;
declare const config: import("authkit-mcp").WorkOSConfig;
declare const request: Request;
declare const context: import("authkit-mcp").RequestContext;
declare const session: import("authkit-mcp").Session;
declare const server: import("@modelcontextprotocol/server").McpServer;
declare const ctx: unknown;
declare const mcp: {
  fetch(request: Request, options?: { authInfo?: import("authkit-mcp").AuthInfo; parsedBody?: unknown }): Promise<Response>;
};
`;

export interface Block {
  page: string; // relative to root, e.g. docs/hono.md
  line: number; // 1-based line of the block's first code line
  lang: string;
  /** A TypeScript block (type-checked); the others are files of a quick start (wrangler.toml). */
  typescript: boolean;
  file: string | undefined;
  fragment: boolean;
  env: DocEnv;
  code: string;
}

export function docPages(): string[] {
  const docs = readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`);
  return ["README.md", ...docs.sort()];
}

export function extractBlocks(page: string, text = readFileSync(join(root, page), "utf8")): Block[] {
  const blocks: Block[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    // Fences may be indented (a block inside a list item): the indentation is removed.
    const open = /^(\s*)```(\w+)\s*(.*)$/.exec(lines[i] ?? "");
    if (!open) continue;
    const [, indent = "", lang = "", info = ""] = open;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end]?.trim() !== "```") end++;
    i = end;
    const attrs = new Map(
      info
        .split(/\s+/)
        .filter(Boolean)
        .map((a): [string, string | undefined] => [a.split("=")[0] ?? "", a.split("=")[1]]),
    );
    const typescript = ["ts", "tsx", "typescript"].includes(lang);
    if (!typescript && !attrs.has("file")) continue; // other files (wrangler.toml, .dev.vars) are kept for the quick starts
    const env = (attrs.get("env") ?? PAGE_ENV[page] ?? "node") as DocEnv;
    if (!["node", "bundler", "workers", "xmcp"].includes(env)) throw new Error(`${page}:${start}: unknown env=${env}`);
    blocks.push({
      page,
      line: start + 1,
      lang,
      typescript,
      file: attrs.get("file") ?? undefined,
      fragment: attrs.has("fragment"),
      env,
      code: lines
        .slice(start, end)
        .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
        .join("\n"),
    });
  }
  return blocks;
}

interface Generated {
  path: string; // relative to the consumer project
  page: string;
  firstLine: number; // the md line of generated line `offset + 1`
  offset: number;
}

/** One module per block, `<env>/<page>/...`; returns where each came from (for error lines). */
export function writeBlocks(project: string, blocks: readonly Block[]): Generated[] {
  const generated: Generated[] = [];
  const counts = new Map<string, number>();
  for (const block of blocks) {
    if (!block.typescript) continue;
    const pageDir = block.page.replace(/\.md$/, "").replace(/\//g, "_");
    const n = (counts.get(pageDir) ?? 0) + 1;
    counts.set(pageDir, n);
    const ext = block.lang === "tsx" ? "tsx" : "ts";
    const path = join(block.env, pageDir, block.file ?? `block-${n}.${ext}`);
    let text: string;
    let offset = 0;
    if (block.fragment) {
      const lines = block.code.split("\n");
      const imports = lines.filter((l) => /^import\s/.test(l));
      if (lines.some((l, i) => /^import\s/.test(l) && i >= imports.length))
        throw new Error(`${block.page}:${block.line}: a fragment's imports must come first`);
      const body = lines.slice(imports.length);
      const head = `${imports.join("\n")}\n${FRAGMENT_PRELUDE}export async function fragment(): Promise<unknown> {\n`;
      offset = head.split("\n").length - 1 - imports.length;
      text = `${head}${body.join("\n")}\nreturn undefined;\n}\n`;
      // Imports keep their own line numbers: map them separately (they are the block's first lines).
      if (imports.length > 0) generated.push({ path, page: block.page, firstLine: block.line, offset: 0 });
      generated.push({
        path,
        page: block.page,
        firstLine: block.line + imports.length,
        offset: offset + imports.length,
      });
    } else {
      text = `${block.code}\nexport {};\n`;
      generated.push({ path, page: block.page, firstLine: block.line, offset: 0 });
    }
    mkdirSync(dirname(join(project, path)), { recursive: true });
    writeFileSync(join(project, path), text);
  }
  return generated;
}

const BASE_OPTIONS = {
  strict: true,
  noEmit: true,
  skipLibCheck: false,
  target: "ES2022",
  isolatedModules: true,
  esModuleInterop: true,
  jsx: "react-jsx",
};

/** The consumer's tsconfig per env: what a user of that runtime would have. */
export function writeTsconfigs(project: string): void {
  const configs: Record<DocEnv, object> = {
    node: {
      ...BASE_OPTIONS,
      module: "NodeNext",
      moduleResolution: "NodeNext",
      lib: ["ES2023", "DOM", "DOM.Iterable"],
      types: ["node"],
    },
    bundler: {
      ...BASE_OPTIONS,
      module: "ESNext",
      moduleResolution: "Bundler",
      lib: ["ES2023", "DOM", "DOM.Iterable"],
      types: ["node"],
    },
    workers: {
      ...BASE_OPTIONS,
      module: "ESNext",
      moduleResolution: "Bundler",
      lib: ["ES2023"],
      types: ["@cloudflare/workers-types"],
    },
    // xmcp's own .d.ts do not compile with skipLibCheck: false (they import jsonwebtoken, which it
    // does not depend on, and "@/..." paths); its app template sets skipLibCheck, as here. Our
    // .d.ts are checked strictly by the other envs.
    xmcp: {
      ...BASE_OPTIONS,
      skipLibCheck: true,
      module: "ESNext",
      moduleResolution: "Bundler",
      lib: ["ES2023", "DOM"],
      types: ["node"],
    },
  };
  // The MCP SDK's typings name Node's Buffer, which a Workers project without @types/node lacks
  // (@types/node and the Workers runtime types conflict when libraries are checked).
  mkdirSync(join(project, "workers"), { recursive: true });
  writeFileSync(join(project, "workers/buffer.d.ts"), "type Buffer = Uint8Array;\n");
  for (const [env, compilerOptions] of Object.entries(configs))
    writeFileSync(
      join(project, `tsconfig.${env}.json`),
      JSON.stringify({ compilerOptions, include: [`${env}/**/*`] }, null, 2),
    );
}

/** Runs tsc for one env; returns its diagnostics with lines mapped back to the markdown. */
export function typeCheck(project: string, env: DocEnv, generated: readonly Generated[]): string[] {
  if (!existsSync(join(project, env))) return [];
  try {
    execFileSync(join(project, "node_modules/.bin/tsc"), ["-p", `tsconfig.${env}.json`, "--pretty", "false"], {
      cwd: project,
      encoding: "utf8",
    });
    return [];
  } catch (error) {
    const out = String((error as { stdout?: string }).stdout ?? error);
    return out
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => {
        const m = /^(.+?)\((\d+),(\d+)\): (.*)$/.exec(l);
        if (!m) return l;
        const [, file = "", lineText = "0", col, message] = m;
        const line = Number(lineText);
        const source = generated
          .filter((g) => g.path === file && line > g.offset)
          .sort((a, b) => b.offset - a.offset)[0];
        return source ? `${source.page}:${source.firstLine + line - 1 - source.offset}:${col} ${message}` : l;
      });
  }
}

/** GitHub's heading anchors. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** Every relative link (file and #anchor) of the pages resolves. */
export function checkLinks(pages: readonly string[]): string[] {
  const problems: string[] = [];
  const anchors = new Map<string, Set<string>>();
  const anchorsOf = (file: string): Set<string> => {
    let set = anchors.get(file);
    if (!set) {
      set = new Set();
      const seen = new Map<string, number>();
      let inCode = false;
      for (const line of readFileSync(file, "utf8").split("\n")) {
        if (line.startsWith("```")) inCode = !inCode;
        const h = !inCode && /^#{1,6}\s+(.*)$/.exec(line);
        if (!h) continue;
        const base = slug(h[1] ?? "");
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        set.add(n === 0 ? base : `${base}-${n}`);
      }
      anchors.set(file, set);
    }
    return set;
  };
  for (const page of pages) {
    const file = join(root, page);
    const lines = readFileSync(file, "utf8").split("\n");
    let inCode = false;
    lines.forEach((line, i) => {
      if (line.startsWith("```")) inCode = !inCode;
      if (inCode) return;
      for (const m of line.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1] ?? "";
        if (/^[a-z]+:/i.test(target)) continue;
        const [path = "", anchor] = target.split("#");
        const dest = path === "" ? file : resolve(dirname(file), path);
        if (!existsSync(dest)) problems.push(`${page}:${i + 1}: broken link ${target}`);
        else if (anchor && dest.endsWith(".md") && !anchorsOf(dest).has(anchor))
          problems.push(`${page}:${i + 1}: no heading #${anchor} in ${relative(root, dest)}`);
      }
    });
  }
  return problems;
}

/** The versions the consumer installs: the ones this repository is tested with. */
export function peerSpecs(names: readonly string[]): string[] {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
  };
  return names.map((name) => {
    const version = pkg.devDependencies[name];
    if (!version) throw new Error(`docs-check: ${name} is not a devDependency`);
    return `${name}@${version}`;
  });
}

export const CONSUMER_PEERS = [
  "@modelcontextprotocol/server",
  "@modelcontextprotocol/sdk",
  "@modelcontextprotocol/client",
  "@workos-inc/node",
  "hono",
  "next",
  "react",
  "react-dom",
  "express",
  "xmcp",
  "zod",
  "typescript",
  "tsx",
  "@types/node",
  "@types/express",
  "@types/react",
  "@cloudflare/workers-types",
];

/** `npm pack` of the built package into `dir`; returns the tarball's path. */
export function pack(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const name = execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: root, encoding: "utf8" });
  return join(dir, name.trim().split("\n").pop() ?? "");
}

/** A consumer project in `dir` with the packed package and `peers` installed from the registry. */
export function installConsumer(dir: string, tarball: string, peers: readonly string[]): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "docs-consumer", private: true, type: "module" }));
  execFileSync(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", tarball, ...peerSpecs(peers)],
    { cwd: dir, stdio: ["ignore", "ignore", "inherit"] },
  );
}

async function main(): Promise<void> {
  const pages = docPages();
  const problems = checkLinks(pages);
  const blocks = pages.flatMap((p) => extractBlocks(p));
  const dir = join(root, "node_modules/.cache/docs-consumer");
  if (!process.argv.includes("--links-only")) {
    const tarball = pack(join(root, "node_modules/.cache"));
    installConsumer(dir, tarball, CONSUMER_PEERS);
    writeTsconfigs(dir);
    const generated = writeBlocks(dir, blocks);
    for (const env of ["node", "bundler", "workers", "xmcp"] as const) problems.push(...typeCheck(dir, env, generated));
  }
  for (const p of problems) console.error(p);
  console.log(
    `${blocks.filter((b) => b.typescript).length} TypeScript blocks in ${pages.length} pages; ${problems.length} problems`,
  );
  if (problems.length > 0) process.exit(1);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) await main();
