/**
 * A `URL` that cannot be changed, so one instance can be shared by every request (each
 * `AuthInfo.resource`): parsing a URL per request was the largest single cost of a repeated token.
 * `Object.freeze` cannot do this (a URL's state is internal, its setters still work), so every
 * setter throws, and `searchParams` is a detached copy (the live one would write back).
 */

/** The URL components with setters (WHATWG URL §6.1), each made read-only. */
const SETTERS = ["href", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"];

/**
 * A read-only `URL`: an `instanceof URL` whose setters throw a `TypeError` and whose
 * `searchParams` is a copy. Does NOT stop `Object.defineProperty` on the instance (it is frozen).
 *
 * @example
 * ```ts
 * const resource = new ImmutableURL("https://mcp.example.com/mcp");
 * resource.pathname = "/other"; // TypeError
 * ```
 */
export class ImmutableURL extends URL {
  constructor(url: string) {
    super(url);
    Object.freeze(this);
  }

  override get searchParams(): URLSearchParams {
    return new URLSearchParams(super.search);
  }
}

const base = Object.getPrototypeOf(ImmutableURL.prototype) as object;
for (const name of SETTERS) {
  const getter = Object.getOwnPropertyDescriptor(base, name)?.get;
  if (getter === undefined) continue;
  Object.defineProperty(ImmutableURL.prototype, name, {
    configurable: true,
    enumerable: true,
    get(this: URL) {
      return getter.call(this);
    },
    set(this: URL, _value: string) {
      throw new TypeError(`This URL is shared and read-only: copy it (new URL(url)) to change its ${name}`);
    },
  });
}
