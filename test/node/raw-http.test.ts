// Bytes a Fetch client cannot send, on a real socket to the Node adapter: CR/LF injection,
// raw non-ASCII, two Authorization headers. Never a crash, never 200, nothing reflected.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect as tcp } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeMiddleware } from "../../src/adapters/node.js";
import { TEST_CLIENT_ID } from "../support/seed.js";
import { authkit } from "../support/tokens.js";

let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
  const { middleware } = nodeMiddleware({
    clientId: TEST_CLIENT_ID,
    baseURL: `http://127.0.0.1:${port}`,
    authkitDomain: authkit().issuer,
    log: false,
  });
  server.on("request", (req, res) => middleware(req, res, () => res.end("reached")));
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function raw(request: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = tcp(port, "127.0.0.1", () => socket.end(request));
    let out = "";
    socket.on("data", (d) => {
      out += d.toString("latin1");
    });
    socket.on("close", () => resolve(out));
    socket.on("error", () => resolve(out));
  });
}

const head = (headers: string) =>
  `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n${headers}\r\n{}`;

describe("raw HTTP to the Node adapter", () => {
  it("CR/LF in a header value is refused by the parser (400), nothing injected", async () => {
    const out = await raw(head("Authorization: Bearer abc\rX-Injected: yes\r\n"));
    expect(out).toMatch(/^HTTP\/1\.1 400/);
    expect(out).not.toMatch(/X-Injected/i);
  });

  it("raw non-ASCII bytes in the token: 401 invalid_token (an unusable credential), not reflected", async () => {
    const out = await raw(Buffer.concat([Buffer.from(head("Authorization: Bearer ab\xffcd\xe9zz\r\n"), "latin1")]));
    expect(out).toMatch(/^HTTP\/1\.1 401/);
    expect(out).toContain('error="invalid_token"');
    expect(out).not.toContain("ab\xffcd");
  });

  it("two Authorization headers: 400 invalid_request", async () => {
    const out = await raw(head("Authorization: Bearer aaa.bbb.ccc\r\nAuthorization: Bearer ddd.eee.fff\r\n"));
    expect(out).toMatch(/^HTTP\/1\.1 400/);
    expect(out).toContain('error="invalid_request"');
    expect(out).not.toContain("aaa.bbb.ccc");
  });

  it("a request-target like //evil.example/mcp stays on our origin and cannot skip authentication of /mcp", async () => {
    const out = await raw(
      "POST //evil.example/mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
    );
    expect(out).not.toMatch(/^HTTP\/1\.1 200[\s\S]*reached/);
    expect(out).not.toContain("evil.example");
  });

  it("a body over 4 MiB is refused with 413 before any work", async () => {
    const out = await raw(
      `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${5 * 1024 * 1024}\r\nConnection: close\r\nAuthorization: Bearer a.b.c\r\n\r\n${"x".repeat(5 * 1024 * 1024)}`,
    );
    expect(out).toMatch(/^HTTP\/1\.1 (413|400)/);
  });
});
