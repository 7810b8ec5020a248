/**
 * When a request's session ends: once the exchange is over, so that a reference kept beyond
 * the request can no longer be used. Either the adapter says when (it aborts `request.signal`
 * at the end of the exchange, exchange.ts), or the end of the response body tells.
 */
import { exchangeOf } from "./exchange.js";
import { endSession } from "./issued.js";
import type { RequestContext } from "./session.js";

/**
 * Ends the session when `request.signal` aborts, if the adapter that built the request aborts it
 * once the exchange is over (exchange.ts). Returns whether it did: then no wrapper around the
 * response body is needed.
 *
 * @example
 * ```ts
 * const viaSignal = endWithSignal(request, context);
 * return viaSignal ? response : onBodyEnd(response, () => endSession(context.session));
 * ```
 */
export function endWithSignal(request: Request, context: RequestContext): boolean {
  if (exchangeOf(request)?.signalsEnd !== true) return false;
  if (request.signal.aborted) endSession(context.session);
  else request.signal.addEventListener("abort", () => endSession(context.session), { once: true });
  return true;
}

/**
 * Calls `done` when the request is over: at once for a response without a body or with a
 * complete one (anything but an event stream), else when the stream has been fully read or
 * cancelled (tools may still be running while an SSE response streams).
 *
 * @example
 * ```ts
 * return onBodyEnd(response, () => endSession(context.session));
 * ```
 */
export function onBodyEnd(response: Response, done: () => void): Response {
  if (response.body === null || !(response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    done();
    return response;
  }
  // One pull-through stream (not a TransformStream and pipeTo: on Node each of those streams and
  // every piped chunk costs several promises, and the wrapper was most of a request's overhead).
  const reader = response.body.getReader();
  let finished = false;
  const finish = () => {
    if (!finished) {
      finished = true;
      done();
    }
  };
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done: end, value } = await reader.read();
          if (end) {
            controller.close();
            finish();
          } else controller.enqueue(value);
        } catch (error) {
          controller.error(error);
          finish();
        }
      },
      cancel(reason) {
        finish();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
