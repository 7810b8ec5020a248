/**
 * `npm start`: the example MCP server on the Workers runtime (wrangler dev), with the local
 * AuthKit unless a real one is configured. Ports: PORT (MCP, default 8787) and AUTHKIT_PORT.
 */
import { spawn } from "node:child_process";
import { devEnv, HOST } from "./dev-env.js";

const env = await devEnv();
const args = ["wrangler", "dev", "--ip", HOST, "--port", String(env.port)];
for (const [key, value] of Object.entries(env.vars)) args.push("--var", `${key}:${value}`);
const child = spawn("npx", args, {
  stdio: ["inherit", "inherit", "inherit"],
  env: {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_HIDE_BANNER: "true",
  },
});
setTimeout(() => console.log(env.banner("Cloudflare Workers runtime, wrangler dev")), 1500);
const stop = () => child.kill("SIGTERM");
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
child.on("exit", (code) => process.exit(code ?? 0));
