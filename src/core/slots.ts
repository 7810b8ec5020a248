/**
 * Private slots: a value attached to an object under a private class field, readable only
 * through the slot that wrote it. What a `WeakMap` keyed by the object would do, without an
 * insert into a hash table per object (and its ephemeron work for the garbage collector): on
 * the per-request path that was more than the rest of a session's construction. Internal.
 *
 * A slot does not change the object's prototype or own properties, and cannot be read or
 * forged from outside. Add it before freezing the object (writing it later is fine).
 */

/** A base class whose constructor returns its argument, so a subclass can add private fields to it. */
class Carrier {
  constructor(target: object) {
    // biome-ignore lint/correctness/noConstructorReturn: the return override is the point (it lets a slot add its field to `target`).
    return target;
  }
}

/** One private slot; see {@link privateSlot}. */
export interface PrivateSlot<T> {
  /** The slot's value on `target`, or `undefined` when it has none (or `target` is not an object). */
  get(target: unknown): T | undefined;
  /** Whether `target` has this slot (whatever its value). */
  has(target: unknown): boolean;
  /** Sets the value, adding the slot if `target` has none yet (do that before freezing it). */
  set(target: object, value: T): void;
}

/**
 * Creates a new private slot (each call makes a distinct private name).
 *
 * @example
 * ```ts
 * const owner = privateSlot<object>();
 * owner.set(session, config); // before Object.freeze(session)
 * owner.get(session); // config
 * ```
 */
export function privateSlot<T>(): PrivateSlot<T> {
  class Slot extends Carrier {
    #value: T;
    constructor(target: object, value: T) {
      super(target);
      this.#value = value;
    }
    static get(target: unknown): T | undefined {
      return typeof target === "object" && target !== null && #value in target ? (target as Slot).#value : undefined;
    }
    static has(target: unknown): boolean {
      return typeof target === "object" && target !== null && #value in target;
    }
    static set(target: object, value: T): void {
      if (#value in target) (target as Slot).#value = value;
      else new Slot(target, value);
    }
  }
  return { get: Slot.get, has: Slot.has, set: Slot.set };
}
