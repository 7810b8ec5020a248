// After `tsc`: mark the one type import of the optional peer @workos-inc/node in the published
// .d.ts as optional. tsc drops a `// @ts-ignore` written above it in the source, so it is added
// here. Without the SDK installed, a consumer's `WorkOS`/`User` are `any` instead of TS2307
// (even with skipLibCheck: false); with it, they are the SDK's own types.
import { readFileSync, writeFileSync } from "node:fs";

const file = new URL("../dist/core/workos-client.d.ts", import.meta.url);
const line = 'import type { User, WorkOS } from "@workos-inc/node";';
const text = readFileSync(file, "utf8");
if (!text.includes(line)) throw new Error(`post-build: ${line} not found in dist/core/workos-client.d.ts`);
const mark = "// @ts-ignore -- optional peer dependency: `any` when @workos-inc/node is not installed";
// Appended to the line before (the doc comment's end) so the declaration map's lines still match.
if (!text.includes(mark)) writeFileSync(file, text.replace(`\n${line}`, ` ${mark}\n${line}`));
