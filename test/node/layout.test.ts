// House rules that keep the core portable: no Node built-in and no framework in src/core or
// src/dev (they run in workerd and Vercel Edge), and adapters stay thin.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../../src");
const files = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );

describe("layout", () => {
  it.each([...files("core"), ...files("dev")])("%s imports no Node built-in, framework or Node global", (file) => {
    // Comments (TSDoc examples) may show imports; only code counts.
    const text = readFileSync(join(root, file), "utf8").replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, "");
    const imports = [...text.matchAll(/(?:from|import\()\s*["']([^"']+)["']/g)].map((m) => m[1]);
    for (const spec of imports) {
      expect(spec?.startsWith(".") || spec === "jose" || spec === "@workos-inc/node", `${file} imports ${spec}`).toBe(
        true,
      );
    }
    expect(text).not.toMatch(/\bBuffer\.|\brequire\(|\b__dirname\b/);
  });

  it.each(files("adapters"))("%s is a thin adapter (under 150 lines)", (file) => {
    expect(readFileSync(join(root, file), "utf8").split("\n").length).toBeLessThan(150);
  });
});
