/**
 * What a server adapter knows about a request that a web `Request` cannot say:
 *
 * - its **body, already read** (the adapter built the `Request` from it), so the provider reads
 *   the JSON-RPC calls from it instead of `request.clone()`, which tees the body into two new
 *   streams (on Node, more than the rest of the provider's work together);
 * - whether **`request.signal` aborts when the exchange is over** (response sent, or the client
 *   gone), so the session can end then instead of through a wrapper around the response body.
 *
 * Set only by this library's adapters, for `Request` objects they built; nothing here is read from
 * the request itself. Internal.
 */

/** See the module comment. */
export interface ExchangeFacts {
  /** The exact body the `Request` was built from. */
  readonly body?: string | Uint8Array;
  /** `request.signal` aborts once the response has been sent or the client went away. */
  readonly signalsEnd?: boolean;
}

const known = new WeakMap<Request, ExchangeFacts>();

/**
 * Records what the adapter that built `request` knows about it (merged with what it recorded before).
 *
 * @example
 * ```ts
 * const request = new Request(url, { method: "POST", body: bytes, signal: ended.signal });
 * describeExchange(request, { body: bytes, signalsEnd: true });
 * ```
 */
export function describeExchange(request: Request, facts: ExchangeFacts): void {
  const before = known.get(request);
  known.set(request, before === undefined ? facts : { ...before, ...facts });
}

/**
 * What an adapter recorded about `request`, or `undefined`.
 *
 * @example
 * ```ts
 * const body = exchangeOf(request)?.body; // no clone() needed when set
 * ```
 */
export function exchangeOf(request: Request): ExchangeFacts | undefined {
  return known.get(request);
}

const decoder = new TextDecoder();

/**
 * The request's body as text when an adapter recorded it, else `undefined` (read a clone then).
 *
 * @example
 * ```ts
 * const text = knownBodyText(request) ?? (await request.clone().text());
 * ```
 */
export function knownBodyText(request: Request): string | undefined {
  const body = known.get(request)?.body;
  return body === undefined || typeof body === "string" ? body : decoder.decode(body);
}
