/**
 * The whole MCP OAuth dance with the official clients: connect without a token, get the
 * 401, discover, register (DCR), authorize with PKCE and `resource`, exchange, reconnect.
 */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as TransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { HeadlessOAuth } from "./headless-oauth.js";

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface SignedInClient {
  callTool(name: string, args?: Record<string, unknown>): Promise<{ text: string; isError: boolean }>;
  close(): Promise<void>;
  oauth: HeadlessOAuth;
  /** Reconnects with the stored tokens (refreshing or re-authorizing as the client decides). */
  reconnect(): Promise<SignedInClient>;
}

function textOf(result: unknown) {
  const r = result as { content?: { text?: string }[]; isError?: boolean };
  return { text: (r.content ?? []).map((c) => c.text ?? "").join(""), isError: r.isError === true };
}

/** Signs in with the v2 client (`@modelcontextprotocol/client`) or the v1 SDK client. */
export async function signIn(
  generation: "v2" | "v1",
  mcpUrl: string,
  fetchImpl: Fetch,
  oauth = new HeadlessOAuth(fetchImpl),
): Promise<SignedInClient> {
  const open = async (): Promise<{
    client: {
      callTool: (p: { name: string; arguments: Record<string, unknown> }) => Promise<unknown>;
      close(): Promise<void>;
    };
    finish: (callback: URL) => Promise<void>;
  }> => {
    if (generation === "v2") {
      const make = () =>
        new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: oauth as never, fetch: fetchImpl });
      let transport = make();
      const client = new Client({ name: "e2e-v2", version: "1.0.0" });
      try {
        await client.connect(transport);
      } catch (error) {
        if (!oauth.callback) throw error;
        await transport.finishAuth(oauth.callback.searchParams);
        oauth.callback = undefined;
        transport = make();
        await client.connect(transport);
      }
      return { client, finish: (callback) => transport.finishAuth(callback.searchParams) };
    }
    const make = () => new TransportV1(new URL(mcpUrl), { authProvider: oauth as never, fetch: fetchImpl as never });
    let transport = make();
    let client = new ClientV1({ name: "e2e-v1", version: "1.0.0" });
    try {
      await client.connect(transport);
    } catch (error) {
      if (!oauth.callback) throw error;
      await transport.finishAuth(oauth.callback.searchParams.get("code") ?? "");
      oauth.callback = undefined;
      transport = make();
      client = new ClientV1({ name: "e2e-v1", version: "1.0.0" });
      await client.connect(transport);
    }
    const finish = (callback: URL) => transport.finishAuth(callback.searchParams.get("code") ?? "");
    return { client: client as never, finish };
  };
  const { client, finish } = await open();
  // A step-up (403 insufficient_scope) sends the client through authorization again: finish it
  // headlessly and retry the call once, as an interactive client would after the user consents.
  const callTool = async (name: string, args: Record<string, unknown>) => {
    try {
      return await client.callTool({ name, arguments: args });
    } catch (error) {
      const callback = oauth.callback;
      if (!callback) throw error;
      oauth.callback = undefined;
      await finish(callback);
      return client.callTool({ name, arguments: args });
    }
  };
  const signed: SignedInClient = {
    oauth,
    callTool: async (name, args = {}) => textOf(await callTool(name, args)),
    close: () => client.close(),
    reconnect: async () => {
      await client.close();
      return signIn(generation, mcpUrl, fetchImpl, oauth);
    },
  };
  return signed;
}
