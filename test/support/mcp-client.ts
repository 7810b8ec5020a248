/** Drives a fetch handler with the official MCP client, in-process (no sockets). */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

export async function connect(
  fetchHandler: (request: Request) => Promise<Response>,
  token: string,
  url = "https://mcp.example.com/mcp",
) {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
    fetch: (input, init) => fetchHandler(new Request(input, init)),
  });
  const client = new Client({ name: "authkit-mcp-test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

export function toolText(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((c) => c.text ?? "").join("");
}
