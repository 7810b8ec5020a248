/**
 * Enforcing the endpoint and per-tool policies on an authenticated request, before the MCP
 * handler runs: the JSON-RPC body is read once from a clone (the handler still reads it), a
 * missing scope becomes one 403 step-up challenge (RFC 6750 §3.1), a role/permission/
 * organization refusal a tool error.
 */
import { challengeResponse } from "./challenge.js";
import type { ResolvedConfig } from "./config.js";
import { AuthError } from "./errors.js";
import { knownBodyText } from "./exchange.js";
import type { ForbiddenError } from "./guards.js";
import { metadataURLFor } from "./metadata.js";
import { checkPolicy, needsRoles } from "./policy.js";
import type { RequestContext, Session } from "./session.js";

/** The parts of a JSON-RPC request the provider looks at. */
export interface JsonRpcCall {
  readonly id: string | number | null | undefined;
  readonly method: string;
  readonly toolName: string | undefined;
}

/** Bodies larger than this are not inspected: the request is refused (413) when a policy applies. */
export const MAX_INSPECTED_BODY = 4 * 1024 * 1024;

/**
 * Reads the JSON-RPC calls of a POST body from a clone (or the body an adapter already read, see
 * exchange.ts), so the MCP handler can still read it.
 * `undefined` for a body that is not JSON-RPC (the MCP handler answers it); `"too_large"` past
 * the bound. `body` is the parsed JSON, when it was parsed.
 */
export async function readCalls(
  request: Request,
  onlyToolCalls = false,
): Promise<{ readonly calls: JsonRpcCall[]; readonly body?: unknown } | "too_large" | undefined> {
  if (request.method !== "POST" || request.body === null) return undefined;
  const length = Number(request.headers.get("content-length") ?? 0);
  if (length > MAX_INSPECTED_BODY) return "too_large";
  // The body an adapter already read, else a clone's (the MCP handler still reads the original).
  let text = knownBodyText(request);
  if (text === undefined) {
    try {
      text = await request.clone().text();
    } catch {
      return undefined;
    }
  }
  if (text.length > MAX_INSPECTED_BODY) return "too_large";
  // Only tool calls matter (role resolution for guards): no JSON parse for anything else.
  if (onlyToolCalls && !text.includes("tools/call")) return { calls: [] };
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
  return { calls, body };
}

/** The first revision whose servers must reject a request whose standard headers and body disagree. */
const HEADERS_REVISION = "2026-07-28";
const BASE64_PARAM = /^=\?base64\?([A-Za-z0-9+/]*={0,2})\?=$/;

/** An `Mcp-Name` / `Mcp-Param-*` value: plain, or `=?base64?…?=` for UTF-8 (SEP-2243). `undefined` if undecodable. */
function decodeMcpParam(value: string): string | undefined {
  const b64 = BASE64_PARAM.exec(value)?.[1];
  if (b64 === undefined) return value;
  try {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * The call named by the 2026-07-28 standard headers (`Mcp-Method`, `Mcp-Name`), or `undefined`.
 * Trusted only with `MCP-Protocol-Version` ≥ 2026-07-28: servers of that revision must reject a
 * request whose headers and body disagree (Streamable HTTP, SEP-2243), and servers of earlier
 * revisions reject the unknown version, so the body can never run as another call.
 */
export function callFromHeaders(request: Request): JsonRpcCall | undefined {
  const version = request.headers.get("mcp-protocol-version");
  const method = request.headers.get("mcp-method");
  if (method === null || version === null || !/^\d{4}-\d{2}-\d{2}$/.test(version) || version < HEADERS_REVISION)
    return undefined;
  if (method !== "tools/call") return { id: undefined, method, toolName: undefined };
  const name = request.headers.get("mcp-name");
  const toolName = name === null ? undefined : decodeMcpParam(name);
  return toolName === undefined ? undefined : { id: undefined, method, toolName };
}

/** Whether the body's calls are the one the headers named (a single message, same method and tool). */
function agrees(hinted: JsonRpcCall, calls: readonly JsonRpcCall[]): boolean {
  const only = calls.length === 1 ? calls[0] : undefined;
  return only !== undefined && only.method === hinted.method && only.toolName === hinted.toolName;
}

/** 400 with the revision's HeaderMismatch error (-32020): the headers and the body disagree. */
function headerMismatch(): Response {
  const body = {
    jsonrpc: "2.0",
    error: { code: -32020, message: "Mcp-Method / Mcp-Name headers do not match the request body" },
    id: null,
  };
  return Response.json(body, { status: 400, headers: { "cache-control": "no-store" } });
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
      const msg = JSON.parse(json) as { result?: { tools?: { name: string }[]; cacheScope?: string } };
      if (!Array.isArray(msg.result?.tools)) return json;
      msg.result.tools = msg.result.tools.filter((t) => allowed(t.name));
      // 2026-07-28 cacheable results: this list is per caller, never to be shared.
      msg.result.cacheScope = "private";
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

/** The outcome of enforcement: a refusal to send, or the context to continue with and the request's calls. */
export interface Decision {
  readonly response?: Response;
  readonly calls?: JsonRpcCall[];
  /** The request's JSON body, when the decision parsed it (handed to the MCP handler as `parsedBody`). */
  readonly parsedBody?: unknown;
  /** The context to continue with: the authenticated one, or a copy whose session has resolved roles. */
  readonly context: RequestContext;
}

/**
 * Creates the provider's enforcer. Internal.
 *
 * @example
 * ```ts
 * const enforce = createEnforcer(config, report, resolveRoles);
 * const { response, context } = await enforce(request, authenticated);
 * ```
 */
export function createEnforcer(
  config: ResolvedConfig,
  report: (error: AuthError, request: Request) => void,
  resolveRoles: RoleStep,
) {
  const endpointForPath = (path: string) =>
    config.endpoints.find((e) => e === "/" || path === e || path.startsWith(`${e}/`)) ??
    (config.endpoints[0] as string);
  const hasToolPolicies = config.tools.size > 0;
  const endpointHasPolicy = Object.keys(config.endpointPolicy).some((k) =>
    k === "scopes" ? (config.endpointPolicy.scopes?.length ?? 0) > 0 : true,
  );
  const endpointNeedsRoles = needsRoles(config.endpointPolicy);
  const listNeedsRoles = config.hideForbiddenTools && [...config.tools.values()].some(needsRoles);
  const softTools = config.roles.tools;

  /** Whether this request's decision (hard) or its tools' guards (soft) need the caller's roles. */
  const roleNeed = (calls: readonly JsonRpcCall[] | undefined): "hard" | "soft" | undefined => {
    if (endpointNeedsRoles) return "hard";
    let soft = false;
    for (const call of calls ?? []) {
      if (call.method === "tools/list" && listNeedsRoles) return "hard";
      if (call.toolName === undefined) continue;
      const policy = config.tools.get(call.toolName);
      if (policy !== undefined && needsRoles(policy)) return "hard";
      if (softTools === "all" || softTools.has(call.toolName)) soft = true;
    }
    return soft ? "soft" : undefined;
  };

  /** The decision for one request: roles resolved where needed, then every policy checked. */
  return async (request: Request, authenticated: RequestContext): Promise<Decision> => {
    const resolvable = resolveRoles.applies(authenticated.session);
    if (!hasToolPolicies && !endpointHasPolicy && !resolvable) return { context: authenticated };
    let calls: JsonRpcCall[] | "too_large" | undefined;
    let parsedBody: unknown;
    const hinted = request.method === "POST" ? callFromHeaders(request) : undefined;
    if (hinted !== undefined && (hinted.toolName === undefined || !config.tools.has(hinted.toolName))) {
      // No policy can refuse this call: decide from the headers, without reading the body.
      calls = [hinted];
    } else if (hasToolPolicies || resolvable) {
      const read = await readCalls(request, !hasToolPolicies && !listNeedsRoles);
      if (typeof read === "object") ({ calls, body: parsedBody } = read);
      else calls = read;
      // The revision's rule: a request whose headers and body disagree is rejected.
      if (hinted !== undefined && Array.isArray(calls) && !agrees(hinted, calls))
        return { response: headerMismatch(), context: authenticated };
    }
    if (calls === "too_large")
      return { response: new Response("Payload too large\n", { status: 413 }), context: authenticated };
    let context = authenticated;
    const need = resolvable ? roleNeed(calls) : undefined;
    // No tool runs (initialize, tools/list, notifications): nothing could read the roles.
    if (resolvable && (need !== undefined || calls?.some((c) => c.toolName !== undefined))) {
      const step = await resolveRoles(authenticated, need);
      if (step.error !== undefined) {
        report(step.error, request);
        return { response: challengeResponse(step.error, NO_CHALLENGE, step.retryAfter), context };
      }
      context = step.context;
    }
    if (!hasToolPolicies && !endpointHasPolicy) return { context, calls: calls ?? undefined, parsedBody };
    const session = context.session;
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
      return { response: challengeResponse(error, { resourceMetadata, scopes: [...needed] }), context };
    }
    if (endpointDenied) {
      // Re-consenting cannot fix a role/permission/organization: 403 without a Bearer challenge.
      const body = { jsonrpc: "2.0", error: { code: -32003, message: endpointDenied.message }, id: null };
      return { response: Response.json(body, { status: 403, headers: { "cache-control": "no-store" } }), context };
    }
    if (refusals.length > 0)
      return { response: forbiddenResponse(refusals, calls !== undefined && calls.length > 1), context };
    return { calls: calls ?? undefined, context, parsedBody };
  };
}

const NO_CHALLENGE = { resourceMetadata: "", scopes: [] } as const;

/**
 * The role-resolution step the enforcer calls (built by the provider, see `roles-step.ts`).
 * `applies(session)`: whether this session's roles would come from the WorkOS API.
 */
export interface RoleStep {
  (
    context: RequestContext,
    need: "hard" | "soft" | undefined,
  ): Promise<
    { context: RequestContext; error?: undefined } | { error: AuthError; retryAfter: number; context?: undefined }
  >;
  applies(session: Session): boolean;
}
