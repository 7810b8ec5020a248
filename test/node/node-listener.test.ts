// The Node listener's exchange facts (src/core/exchange.ts) on real sockets: the body it built the
// Request from serves the policies (no clone), `request.signal` aborts when the exchange is over,
// and the session ends then: not before an SSE body is sent, and when the client goes away.
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { nodeMiddleware } from "../../src/adapters/node.js";
import { nodeListener } from "../../src/adapters/node-http.js";
import { getSession, type RequestContext } from "../../src/index.js";
import { BASE, testProvider } from "../support/provider.js";
import { mintToken } from "../support/tokens.js";

const RESOURCE = `${BASE}/mcp`;
let server: Server | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function serve(handler: (request: Request) => Promise<Response>): Promise<string> {
  server = createServer(nodeListener(handler, BASE));
  await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

const toolCall = (name: string) =>
  JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name, arguments: {} } });

async function post(url: string, token: string, body: string, signal?: AbortSignal) {
  return fetch(url, {
    method: "POST",
    body,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(signal && { signal }),
  });
}

describe("nodeListener exchange facts", () => {
  it("policies read the body the listener built the Request from: no clone, and the handler still reads it", async () => {
    const clone = vi.spyOn(Request.prototype, "clone");
    const seen: string[] = [];
    const provider = testProvider({ tools: { "write-note": { scopes: ["mcp:write"] } } });
    const url = await serve(
      provider.handler(async (request) => {
        seen.push(await request.text());
        return Response.json({ jsonrpc: "2.0", id: 7, result: {} });
      }),
    );
    const token = await mintToken(RESOURCE, { claims: { scope: "mcp:read" } });
    const allowed = await post(url, token, toolCall("whoami"));
    expect(allowed.status).toBe(200);
    expect(seen).toEqual([toolCall("whoami")]);
    const refused = await post(url, token, toolCall("write-note"));
    expect(refused.status).toBe(403);
    expect(refused.headers.get("www-authenticate")).toMatch(/insufficient_scope.*scope="mcp:write"/);
    expect(seen).toHaveLength(1);
    expect(clone).not.toHaveBeenCalled();
    // A Request the listener did not build (here: by hand) is read from a clone, as before.
    const direct = await provider.handler(async () => new Response("ok"))(
      new Request(RESOURCE, {
        method: "POST",
        body: toolCall("write-note"),
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      }),
    );
    expect(direct.status).toBe(403);
    expect(clone).toHaveBeenCalledTimes(1);
  });

  it("the Node middleware polices the body it read (or Express parsed) without a clone", async () => {
    const clone = vi.spyOn(Request.prototype, "clone");
    const { middleware } = nodeMiddleware(testProvider({ tools: { "write-note": { scopes: ["mcp:write"] } } }));
    server = createServer((req, res) =>
      middleware(req, res, () => res.end(JSON.stringify((req as { body?: unknown }).body))),
    );
    await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
    const token = await mintToken(RESOURCE, { claims: { scope: "mcp:read" } });
    const allowed = await post(url, token, toolCall("whoami"));
    expect(await allowed.json()).toEqual(JSON.parse(toolCall("whoami")));
    expect((await post(url, token, toolCall("write-note"))).status).toBe(403);
    expect(clone).not.toHaveBeenCalled();
  });

  it("a chunked body (no Content-Length) still streams to the handler and is policed", async () => {
    const provider = testProvider({ tools: { "write-note": { scopes: ["mcp:write"] } } });
    const url = await serve(provider.handler(async (request) => new Response(await request.text())));
    const token = await mintToken(RESOURCE, { claims: { scope: "mcp:read" } });
    const send = (body: string) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          url,
          { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("error", reject);
        // Two writes without a length: Node sends Transfer-Encoding: chunked.
        req.write(body.slice(0, 10));
        req.end(body.slice(10));
      });
    expect(await send(toolCall("whoami"))).toBe(200);
    expect(await send(toolCall("write-note"))).toBe(403);
  });

  it("request.signal aborts once the response is sent; the session ends then, not before its SSE body is", async () => {
    let kept: RequestContext | undefined;
    let signal: AbortSignal | undefined;
    let release: () => void = () => {};
    const released = new Promise<void>((r) => {
      release = r;
    });
    const encoder = new TextEncoder();
    const url = await serve(
      testProvider().handler(async (request, context) => {
        kept = context;
        signal = request.signal;
        const body = new ReadableStream<Uint8Array>({
          async start(controller) {
            controller.enqueue(encoder.encode("event: message\ndata: first\n\n"));
            await released;
            // Still inside the exchange: the session is usable while the body is being sent.
            controller.enqueue(encoder.encode(`event: message\ndata: ${getSession(context).userId}\n\n`));
            controller.close();
          },
        });
        return new Response(body, { headers: { "content-type": "text/event-stream" } });
      }),
    );
    const res = await post(url, await mintToken(RESOURCE), toolCall("whoami"));
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain("data: first");
    expect(signal?.aborted).toBe(false);
    expect(getSession(kept).userId).toBe("user_alice");
    release();
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toContain("data: user_alice");
    await vi.waitFor(() => expect(signal?.aborted).toBe(true));
    expect(() => getSession(kept)).toThrow(/Its request has ended/);
  });

  it("a client that goes away mid-stream ends the session", async () => {
    let kept: RequestContext | undefined;
    const url = await serve(
      testProvider().handler(async (_request, context) => {
        kept = context;
        // An SSE stream that never ends by itself (a GET stream, a long tool).
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(": open\n\n"));
          },
        });
        return new Response(body, { headers: { "content-type": "text/event-stream" } });
      }),
    );
    const client = new AbortController();
    const res = await post(url, await mintToken(RESOURCE), toolCall("whoami"), client.signal);
    expect(res.status).toBe(200);
    await (res.body as ReadableStream<Uint8Array>).getReader().read();
    await new Promise((r) => setTimeout(r, 50));
    expect(getSession(kept).userId).toBe("user_alice");
    client.abort();
    await vi.waitFor(() => expect(() => getSession(kept)).toThrow(/Its request has ended/));
  });
});
