// The package's public surface: every subpath in package.json#exports resolves (at run time
// and for TypeScript), each adapter has one, and no internal module is exported.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { run } from "../support/processes.js";

const root = join(import.meta.dirname, "../..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  exports: Record<string, string | { types: string; default: string }>;
  dependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional: boolean }>;
};
const subpaths = Object.entries(pkg.exports).filter(([k]) => k !== "./package.json") as [
  string,
  { types: string; default: string },
][];

describe("package exports", () => {
  it("every subpath points at built JS and its .d.ts", () => {
    for (const [subpath, target] of subpaths) {
      expect(existsSync(join(root, target.default)), `${subpath} default`).toBe(true);
      expect(existsSync(join(root, target.types)), `${subpath} types`).toBe(true);
      expect(target.types.replace(/\.d\.ts$/, ".js")).toBe(target.default);
    }
  });

  it("exports only the entry points: index, adapters and dev, never src/core internals", () => {
    for (const [, target] of subpaths)
      expect(target.default).toMatch(/^\.\/dist\/(index|adapters\/[a-z-]+|dev\/index)\.js$/);
    const adapters = readdirSync(join(root, "src/adapters")).map((f) => `./dist/adapters/${f.replace(/\.ts$/, ".js")}`);
    for (const adapter of adapters) expect(subpaths.map(([, t]) => t.default)).toContain(adapter);
  });

  it("jose is the only runtime dependency; frameworks are optional peers", () => {
    expect(Object.keys(pkg.dependencies)).toEqual(["jose"]);
    for (const peer of ["@workos-inc/node", "hono", "next", "xmcp"])
      expect(pkg.peerDependenciesMeta[peer]?.optional).toBe(true);
  });

  it("every subpath loads in Node through the package name", async () => {
    const names = subpaths.map(([k]) => `authkit-mcp${k.slice(1)}`);
    const script = `for (const n of ${JSON.stringify(names)}) { const m = await import(n); if (Object.keys(m).length === 0) throw new Error(n); } console.log("ok");`;
    expect(await run("node", ["--input-type=module", "-e", script], { cwd: root })).toContain("ok");
  });

  describe("types", () => {
    const consumer = join(root, "test/fixtures/consumer");
    beforeAll(() => {
      rmSync(join(consumer, "node_modules"), { recursive: true, force: true });
      mkdirSync(join(consumer, "node_modules"));
      symlinkSync(root, join(consumer, "node_modules/authkit-mcp"), "dir");
    });
    it("every subpath type-checks for a consumer (moduleResolution node16)", async () => {
      await expect(run("npx", ["tsc", "-p", consumer], { cwd: root })).resolves.toBeDefined();
    }, 60_000);
  });
});
