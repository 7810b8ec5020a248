/**
 * Read-only `URL` and `Date`, so one instance can be shared by every request of a token or an
 * endpoint (`AuthInfo.resource`, `Session.expiresAt`/`issuedAt`): building them per request was
 * the largest single cost of a repeated token. `Object.freeze` cannot do this (their state is
 * internal, their setters still work), so every mutator throws a `TypeError`.
 *
 * What is NOT stopped: calling the base class's mutators on purpose
 * (`Date.prototype.setTime.call(date, 0)`); these guard against accidents, not against code
 * that already runs in the server with the request's token in hand.
 */

const readOnly = (what: string, name: string) => () => {
  throw new TypeError(`This ${what} is shared and read-only: copy it (new ${what}(value)) to change its ${name}`);
};

/** The URL components with setters (WHATWG URL §6.1). */
const URL_SETTERS = [
  "href",
  "protocol",
  "username",
  "password",
  "host",
  "hostname",
  "port",
  "pathname",
  "search",
  "hash",
];

/**
 * A read-only `URL`: an `instanceof URL` whose setters throw a `TypeError` and whose
 * `searchParams` is a detached copy (the live one would write back).
 *
 * @example
 * ```ts
 * const resource = new ReadOnlyURL("https://mcp.example.com/mcp");
 * resource.pathname = "/other"; // TypeError
 * ```
 */
export class ReadOnlyURL extends URL {
  constructor(url: string) {
    super(url);
    Object.freeze(this);
  }

  override get searchParams(): URLSearchParams {
    return new URLSearchParams(super.search);
  }
}

const urlBase = Object.getPrototypeOf(ReadOnlyURL.prototype) as object;
for (const name of URL_SETTERS) {
  const get = Object.getOwnPropertyDescriptor(urlBase, name)?.get;
  if (get === undefined) continue;
  Object.defineProperty(ReadOnlyURL.prototype, name, {
    configurable: true,
    enumerable: true,
    get(this: URL) {
      return get.call(this);
    },
    set: readOnly("URL", name),
  });
}

/**
 * A read-only `Date`: an `instanceof Date` whose `set*` methods throw a `TypeError`.
 *
 * @example
 * ```ts
 * const expiresAt = new ReadOnlyDate(claims.exp * 1000);
 * expiresAt.setTime(0); // TypeError
 * ```
 */
export class ReadOnlyDate extends Date {
  constructor(time: number) {
    super(time);
    Object.freeze(this);
  }
}

for (const name of Object.getOwnPropertyNames(Date.prototype)) {
  if (!name.startsWith("set")) continue;
  Object.defineProperty(ReadOnlyDate.prototype, name, {
    configurable: true,
    writable: true,
    value: readOnly("Date", name),
  });
}
