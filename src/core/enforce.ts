/**
 * Enforcing the endpoint and per-tool policies on an authenticated request, before the MCP
 * handler runs: the JSON-RPC body is read once from a clone (the handler still reads it), a
 * missing scope becomes one 403 step-up challenge (RFC 6750 §3.1), a role/permission/
 * organization refusal a tool error.
 */
import { challengeResponse } from "./challenge.js";
import type { ResolvedConfig } from "./config.js";
import { AuthError } from "./errors.js";
import type { ForbiddenError } from "./guards.js";
import { metadataURLFor } from "./metadata.js";
import { checkPolicy } from "./policy.js";
import type { RequestContext } from "./session.js";

/** The parts of a JSON-RPC request the provider looks at. */
export interface JsonRpcCall {
  readonly id: string | number | null | undefined;
  readonly method: string;
  readonly toolName: string | undefined;
}

/** Bodies larger than this are not inspected: the request is refused (413) when a policy applies. */
export const MAX_INSPECTED_BODY = 4 * 1024 * 1024;

/**
 * Reads the JSON-RPC calls of a POST body from a clone, so the MCP handler can still read it.
 * `undefined` for a body that is not JSON-RPC (the MCP handler answers it); `"too_large"` past
 * the bound.
 */
export async function readCalls(request: Request): Promise<JsonRpcCall[] | "too_large" | undefined> {
  if (request.method !== "POST" || request.body === null) return undefined;
  const length = Number(request.headers.get("content-length") ?? 0);
  if (length > MAX_INSPECTED_BODY) return "too_large";
  let text: string;
  try {
    text = await request.clone().text();
  } catch {
    return undefined;
  }
  if (text.length > MAX_INSPECTED_BODY) return "too_large";
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  const messages = Array.isArray(body) ? body : [body];
  const calls: JsonRpcCall[] = [];
  for (const m of messages) {
    if (!m || typeof m !== "object" || typeof (m as { method?: unknown }).method !== "string") continue;
    const msg = m as { id?: string | number | null; method: string; params?: { name?: unknown } };
    const name = msg.method === "tools/call" && typeof msg.params?.name === "string" ? msg.params.name : undefined;
    calls.push({ id: msg.id, method: msg.method, toolName: name });
  }
  return calls;
}

/** A tool-error result for each refused call (HTTP 200: the client shows it, no re-auth). */
export function forbiddenResponse(
  refusals: ReadonlyArray<{ call: JsonRpcCall; error: ForbiddenError }>,
  batch: boolean,
): Response {
  const results = refusals.map(({ call, error }) => ({
    jsonrpc: "2.0",
    id: call.id ?? null,
    result: { content: [{ type: "text", text: error.message }], isError: true },
  }));
  return new Response(JSON.stringify(batch ? results : results[0]), {
    status: 200,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

/**
 * Removes the tools the caller may not use from a `tools/list` answer (JSON or SSE).
 * Other responses are returned unchanged.
 */
export async function filterToolsList(response: Response, allowed: (tool: string) => boolean): Promise<Response> {
  const type = response.headers.get("content-type") ?? "";
  const isSse = type.startsWith("text/event-stream");
  if (!response.ok || (!isSse && !type.startsWith("application/json"))) return response;
  const text = await response.text();
  const rewrite = (json: string): string => {
    try {
      const msg = JSON.parse(json) as { result?: { tools?: { name: string }[] } };
      if (!Array.isArray(msg.result?.tools)) return json;
      msg.result.tools = msg.result.tools.filter((t) => allowed(t.name));
      return JSON.stringify(msg);
    } catch {
      return json;
    }
  };
  const body = isSse ? text.replace(/^data: (.*)$/gm, (_, data: string) => `data: ${rewrite(data)}`) : rewrite(text);
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

/** The outcome of enforcement: a refusal to send, or the request's calls (for tools/list filtering). */
export interface Decision {
  readonly response?: Response;
  readonly calls?: JsonRpcCall[];
}

/**
 * Creates the provider's enforcer. Internal.
 *
 * @example
 * ```ts
 * const enforce = createEnforcer(config, report);
 * const { response } = await enforce(request, context);
 * ```
 */
export function createEnforcer(config: ResolvedConfig, report: (error: AuthError, request: Request) => void) {
  const endpointForPath = (path: string) =>
    config.endpoints.find((e) => e === "/" || path === e || path.startsWith(`${e}/`)) ??
    (config.endpoints[0] as string);
  const hasToolPolicies = config.tools.size > 0;
  const endpointHasPolicy = Object.keys(config.endpointPolicy).some((k) =>
    k === "scopes" ? (config.endpointPolicy.scopes?.length ?? 0) > 0 : true,
  );

  /** The decision for one request, plus its calls (for tools/list filtering). */
  return async (request: Request, context: RequestContext): Promise<{ response?: Response; calls?: JsonRpcCall[] }> => {
    if (!hasToolPolicies && !endpointHasPolicy) return {};
    const session = context.session;
    const calls = hasToolPolicies ? await readCalls(request) : undefined;
    if (calls === "too_large") return { response: new Response("Payload too large\n", { status: 413 }) };
    const needed = new Set(config.endpointPolicy.scopes ?? []);
    const refusals: { call: JsonRpcCall; error: ForbiddenError }[] = [];
    const endpointDenied = checkPolicy(session, config.endpointPolicy);
    let scopeShort = endpointDenied !== undefined && endpointDenied.code === "insufficient_scope";
    for (const call of calls ?? []) {
      const policy = call.toolName === undefined ? undefined : config.tools.get(call.toolName);
      if (!policy) continue;
      for (const s of policy.scopes ?? []) needed.add(s);
      const denied = checkPolicy(session, policy);
      if (denied?.code === "insufficient_scope") scopeShort = true;
      else if (denied) refusals.push({ call, error: denied as ForbiddenError });
    }
    if (scopeShort) {
      // RFC 6750 §3.1 + MCP 2026-07-28: 403 with every scope the operation needs, in one challenge.
      const error = new AuthError("insufficient_scope", "Token lacks scopes this operation requires");
      report(error, request);
      const endpoint = endpointForPath(new URL(request.url).pathname);
      const resourceMetadata = metadataURLFor(config, endpoint);
      return { response: challengeResponse(error, { resourceMetadata, scopes: [...needed] }) };
    }
    if (endpointDenied) {
      // Re-consenting cannot fix a role/permission/organization: 403 without a Bearer challenge.
      const body = { jsonrpc: "2.0", error: { code: -32003, message: endpointDenied.message }, id: null };
      return { response: Response.json(body, { status: 403, headers: { "cache-control": "no-store" } }) };
    }
    if (refusals.length > 0) return { response: forbiddenResponse(refusals, calls !== undefined && calls.length > 1) };
    return { calls: calls ?? undefined };
  };
}
