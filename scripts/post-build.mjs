// After `tsc`: mark the one type import of the optional peer @workos-inc/node in the published
// .d.ts as optional. tsc drops a `// @ts-ignore` written above it in the source, so it is added
// here. Without the SDK installed, a consumer's `WorkOS`/`User` are `any` instead of TS2307
// (even with skipLibCheck: false); with it, they are the SDK's own types.
import { readFileSync, writeFileSync } from "node:fs";

const file = new URL("../dist/core/workos-client.d.ts", import.meta.url);
const line = 'import type { User, WorkOS } from "@workos-inc/node";';
const mark = "// @ts-ignore -- optional peer dependency: `any` when @workos-inc/node is not installed";
const text = readFileSync(file, "utf8");
if (!text.includes(mark)) {
  // The directive must be a line of its own; the doc comment's closing `*/` moves up one line in
  // exchange, so the declaration map's line numbers still match.
  const before = `\n */\n${line}`;
  if (!text.includes(before)) throw new Error(`post-build: "${line}" after a doc comment not found in ${file}`);
  writeFileSync(file, text.replace(before, ` */\n${mark}\n${line}`));
}
