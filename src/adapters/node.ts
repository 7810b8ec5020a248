/**
 * Node adapter: `(req, res, next)` middleware for Express, xmcp's HTTP server, Connect or
 * plain `node:http` chains, with no dependency on any of them. It converts the request,
 * runs the core, writes refusals back, sets `req.auth` (so MCP SDK tools get
 * `extra.authInfo`) and runs the rest of the chain inside the request's async context.
 *
 * @module authkit-mcp/node
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { WorkOSConfig } from "../core/config.js";
import { runWithContext } from "../core/context.js";
import { endSession } from "../core/issued.js";
import { type WorkOSProvider, workosProvider } from "../core/provider.js";
import type { AuthInfo } from "../core/session.js";
import { MAX_NODE_BODY, toWebRequest, writeWebResponse } from "./node-http.js";

type Req = IncomingMessage & { body?: unknown; auth?: AuthInfo; _body?: boolean };
/**
 * Connect/Express's `next` callback.
 *
 * @example
 * ```ts
 * const handler: NodeHandler = (req, res, next: NextFunction) => next();
 * ```
 */
export type NextFunction = (error?: unknown) => void;
/**
 * A `(req, res, next)` function.
 *
 * @example
 * ```ts
 * const { middleware }: { middleware: NodeHandler } = nodeMiddleware(config);
 * ```
 */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void;
/**
 * A `(req, res, next)` function that also passes as an Express router (xmcp checks the shape).
 *
 * @example
 * ```ts
 * app.use(nodeMiddleware(config).router satisfies NodeRouter);
 * ```
 */
export type NodeRouter = NodeHandler & { use(): never; get(): never; post(): never; route(): never };

/** Reads a body no parser has read (bounded), and leaves it parsed on `req.body` for the chain. */
async function readBody(req: Req): Promise<unknown> {
  if (req.body !== undefined || req.method === "GET" || req.method === "HEAD") return req.body ?? null;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Uint8Array).length;
    if (size > MAX_NODE_BODY) throw Object.assign(new Error("Payload too large"), { status: 413 });
    chunks.push(chunk as Uint8Array);
  }
  const text = new TextDecoder().decode(Buffer.concat(chunks));
  try {
    req.body = JSON.parse(text);
  } catch {
    req.body = text;
  }
  req._body = true; // body-parser convention: already parsed
  return text;
}

/**
 * Creates `{ middleware, router }`: `router` serves the discovery routes, `middleware`
 * authenticates the protected paths (and serves discovery too, so either alone is enough).
 * Mount after a JSON body parser where there is one; without one the middleware reads the
 * body and leaves it on `req.body`. `hideForbiddenTools` is not applied here (the response
 * is written by the next handler).
 *
 * @example
 * ```ts
 * const { middleware, router } = nodeMiddleware({ clientId, baseURL, authkitDomain });
 * app.use(express.json(), router, middleware);
 * ```
 */
export function nodeMiddleware(providerOrConfig: WorkOSProvider | WorkOSConfig): {
  middleware: NodeHandler;
  router: NodeRouter;
} {
  const provider = "prepare" in providerOrConfig ? providerOrConfig : workosProvider(providerOrConfig);
  const origin = provider.config.origin;

  const middleware: NodeHandler = (req: Req, res, next) => {
    void (async () => {
      const request = toWebRequest(req, origin, await readBody(req));
      const step = await provider.prepare(request);
      if (step.action === "respond") return writeWebResponse(res, step.response);
      for (const [key, value] of Object.entries(step.corsHeaders)) res.setHeader(key, value);
      const context = step.context;
      if (!context) return next();
      req.auth = context.authInfo;
      res.on("close", () => endSession(context.session));
      runWithContext(context, () => next());
    })().catch((error: { status?: number }) => {
      if (error?.status === 413)
        return void writeWebResponse(res, new Response("Payload too large\n", { status: 413 }));
      next(error);
    });
  };

  const notARouter = (): never => {
    throw new Error("authkit-mcp: this router's routes are fixed (the discovery documents)");
  };
  const router = Object.assign(
    ((req, res, next) => {
      provider
        .metadata(toWebRequest(req, origin, null))
        .then((response) => (response ? writeWebResponse(res, response) : next()))
        .catch(next);
    }) as NodeHandler,
    { use: notARouter, get: notARouter, post: notARouter, route: notARouter },
  );
  return { middleware, router };
}
