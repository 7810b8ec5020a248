/**
 * Provenance of sessions: a `Session` is trusted only if this provider's verification built it,
 * and only until its request has been answered.
 *
 * The mark is a private class field stamped on the (plain, frozen) session object itself, not a
 * `WeakMap` entry: a `WeakMap` insert per request costs more than the rest of the session, and
 * its ephemerons cost the garbage collector again. Private fields cannot be read, written or
 * forged from outside this module, survive `Object.freeze` (they are not properties), and leave
 * the object's prototype and own properties untouched. Internal.
 */

/** A base class whose constructor returns its argument, so a subclass can add private fields to it. */
class Carrier {
  constructor(target: object) {
    // biome-ignore lint/correctness/noConstructorReturn: the return override is the point (it lets Mark stamp fields onto `target`).
    return target;
  }
}

class Mark extends Carrier {
  /** The config of the provider that verified the session; `undefined` once the request has ended. */
  #owner: object | undefined;

  constructor(target: object, owner: object) {
    super(target);
    this.#owner = owner;
  }

  static owner(value: object): object | undefined {
    return #owner in value ? value.#owner : undefined;
  }

  static isMarked(value: object): boolean {
    return #owner in value;
  }

  static end(value: object): void {
    if (#owner in value) value.#owner = undefined;
  }
}

/**
 * Marks a fresh session object as verified by the provider whose config is `owner`. Call it
 * before freezing the object, once per object (a second mark throws).
 *
 * @example
 * ```ts
 * const session = { userId: "user_1", ... };
 * markIssued(session, config);
 * Object.freeze(session);
 * ```
 */
export function markIssued(session: object, owner: object): void {
  new Mark(session, owner);
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
  return typeof value === "object" && value !== null ? Mark.owner(value) : undefined;
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
  return typeof value === "object" && value !== null && Mark.isMarked(value) && Mark.owner(value) === undefined;
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
  Mark.end(session);
}
