/**
 * Translation between Node's `http` objects and web `Request`/`Response`, streaming both
 * ways (MCP answers can be SSE streams). Used by the Node adapter, `npm run start:node` and
 * the local AuthKit's Node server.
 *
 * @module authkit-mcp/node-http
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";

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
 * `req.body`; `null` for none), else the stream is read.
 *
 * @example
 * ```ts
 * const request = toWebRequest(req, "http://127.0.0.1:3000");
 * ```
 */
export function toWebRequest(req: IncomingMessage, origin: string, body?: unknown): Request {
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
  if (method !== "GET" && method !== "HEAD" && body !== null) {
    if (body !== undefined)
      init.body = typeof body === "string" || body instanceof Uint8Array ? (body as BodyInit) : JSON.stringify(body);
    else {
      init.body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
      init.duplex = "half";
    }
  }
  const path = (req as { originalUrl?: string }).originalUrl ?? req.url ?? "/";
  // Concatenate, never resolve: a request-target like `//evil.example/x` must stay on our origin.
  return new Request(`${origin}${path.startsWith("/") ? path : `/${path}`}`, init);
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
    try {
      const length = Number(req.headers["content-length"] ?? 0);
      response =
        length > MAX_NODE_BODY
          ? new Response("Payload too large\n", { status: 413 })
          : await handler(toWebRequest(req, origin));
    } catch (error) {
      console.error("[authkit-mcp] handler failed:", error instanceof Error ? error.message : "unknown error");
      response = new Response("Internal error\n", { status: 500 });
    }
    await writeWebResponse(res, response);
  };
}
