/**
 * Provenance of sessions: a `Session` is trusted only if this library's verification built it,
 * and only until its request has been answered.
 *
 * The mark is a private slot (slots.ts) on the (plain, frozen) session object itself, not a
 * `WeakMap` entry: a `WeakMap` insert per request cost more than the rest of the session.
 * Nothing outside this module can read, write or forge it; a copy of a session has none.
 * Internal.
 */
import { privateSlot } from "./slots.js";

/** The config of the provider that verified the session; `undefined` once its request has ended. */
const owner = privateSlot<object | undefined>();

/**
 * Marks a fresh session object as verified by the provider whose config is `by`. Call it
 * before freezing the object.
 *
 * @example
 * ```ts
 * const session = { userId: "user_1", ... };
 * markIssued(session, config);
 * Object.freeze(session);
 * ```
 */
export function markIssued(session: object, by: object): void {
  owner.set(session, by);
}

/**
 * The config of the provider that verified `value`, or `undefined` (not a session it built, or
 * its request has ended).
 *
 * @example
 * ```ts
 * if (issuerOf(candidate) === undefined) throw new SessionNotInitializedError();
 * ```
 */
export function issuerOf(value: unknown): object | undefined {
  return owner.get(value);
}

/**
 * Whether `value` is a session built by verification whose request has ended.
 *
 * @example
 * ```ts
 * const hint = hasEnded(candidate) ? " Its request has ended." : "";
 * ```
 */
export function hasEnded(value: unknown): boolean {
  return owner.has(value) && owner.get(value) === undefined;
}

/**
 * Ends a session's usability (its request has been answered). Does nothing to other objects.
 *
 * @example
 * ```ts
 * res.on("close", () => endSession(context.session));
 * ```
 */
export function endSession(session: object): void {
  if (owner.has(session)) owner.set(session, undefined);
}
