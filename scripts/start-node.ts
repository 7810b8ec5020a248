/**
 * `npm run start:node`: the same example MCP server (examples/worker) served by Node's http,
 * with the same variables and the local AuthKit unless a real one is configured.
 */
import { createServer } from "node:http";
import worker from "../examples/worker/index.js";
import { nodeListener } from "../src/adapters/node-http.js";
import { devEnv, HOST } from "./dev-env.js";

const env = await devEnv();
const ctx = { waitUntil: (p: Promise<unknown>) => void p.catch(() => {}), passThroughOnException: () => {} };
const server = createServer(
  nodeListener((request) => worker.fetch(request, env.vars, ctx), `http://${HOST}:${env.port}`),
);
server.listen(env.port, HOST, () => console.log(env.banner("Node.js")));
const stop = () => process.exit(0);
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
