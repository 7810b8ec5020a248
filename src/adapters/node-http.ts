/**
 * Translation between Node's `http` objects and web `Request`/`Response`, streaming both
 * ways (MCP answers can be SSE streams). Used by the Node adapter, `npm run start:node` and
 * the local AuthKit's Node server.
 *
 * @module authkit-mcp/node-http
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { describeExchange } from "../core/exchange.js";

/**
 * Bodies larger than this are refused with 413 before they reach the handler.
 *
 * @example
 * ```ts
 * if (Number(req.headers["content-length"]) > MAX_NODE_BODY) res.writeHead(413).end();
 * ```
 */
export const MAX_NODE_BODY = 4 * 1024 * 1024;

/**
 * A web `Request` for a Node request. `origin` is the public origin to build the URL on
 * (never the client's `Host` header, which it controls). `body` is a pre-read body (Express
 * `req.body`; `null` for none), else the stream is read. `signal`, when given, becomes the
 * request's `signal`.
 *
 * @example
 * ```ts
 * const request = toWebRequest(req, "http://127.0.0.1:3000");
 * ```
 */
export function toWebRequest(req: IncomingMessage, origin: string, body?: unknown, signal?: AbortSignal): Request {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string;
    const value = req.rawHeaders[i + 1] as string;
    if (name.startsWith(":")) continue;
    try {
      headers.append(name, value);
    } catch {
      // A header value the Fetch API refuses (e.g. non-Latin-1) is dropped, not a crash.
    }
  }
  const method = req.method ?? "GET";
  const init: RequestInit & { duplex?: "half" } = { method, headers };
  if (signal) init.signal = signal;
  let known: string | Uint8Array | undefined;
  if (method !== "GET" && method !== "HEAD" && body !== null) {
    if (body !== undefined) {
      known = typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body);
      init.body = known as BodyInit;
    } else {
      init.body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
      init.duplex = "half";
    }
  }
  const path = (req as { originalUrl?: string }).originalUrl ?? req.url ?? "/";
  // Concatenate, never resolve: a request-target like `//evil.example/x` must stay on our origin.
  const request = new Request(`${origin}${path.startsWith("/") ? path : `/${path}`}`, init);
  // The provider reads policies from this body instead of teeing the request's stream.
  if (known !== undefined) describeExchange(request, { body: known });
  return request;
}

/** The body of a request that declares its length (bounded by the caller), read whole. */
async function readDeclaredBody(req: IncomingMessage): Promise<Uint8Array | undefined> {
  if (req.method === "GET" || req.method === "HEAD" || req.headers["content-length"] === undefined) return undefined;
  const chunks: Uint8Array[] = [];
  for await (const chunk of req) chunks.push(chunk as Uint8Array);
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
}

/**
 * Writes a web `Response` to a Node response, streaming its body.
 *
 * @example
 * ```ts
 * await writeWebResponse(res, await handler(request));
 * ```
 */
export async function writeWebResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    if (key === "set-cookie") return;
    headers[key] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  res.writeHead(response.status, headers);
  if (response.body === null) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  res.on("close", () => void reader.cancel().catch(() => {}));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
  } catch {
    // The client went away or the stream failed: nothing more to send.
  }
  res.end();
}

/**
 * A `node:http` request listener serving a fetch handler on `origin`. A handler that throws
 * answers 500 without details.
 *
 * @example
 * ```ts
 * createServer(nodeListener((req) => app.fetch(req), "http://127.0.0.1:3000")).listen(3000, "127.0.0.1");
 * ```
 */
export function nodeListener(handler: (request: Request) => Response | Promise<Response>, origin: string) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let response: Response;
    // `request.signal` aborts when the exchange is over (sent, or the client gone).
    const exchange = new AbortController();
    res.on("close", () => exchange.abort());
    try {
      const length = Number(req.headers["content-length"] ?? 0);
      if (length > MAX_NODE_BODY) response = new Response("Payload too large\n", { status: 413 });
      else {
        // A body of declared length (MCP's JSON-RPC POSTs) is read whole: one buffer, not a stream.
        const body = await readDeclaredBody(req);
        const request = toWebRequest(req, origin, body, exchange.signal);
        describeExchange(request, { signalsEnd: true });
        response = await handler(request);
      }
    } catch (error) {
      console.error("[authkit-mcp] handler failed:", error instanceof Error ? error.message : "unknown error");
      response = new Response("Internal error\n", { status: 500 });
    }
    await writeWebResponse(res, response);
  };
}
