/**
 * `authkit-mcp/dev`: a local AuthKit for development and tests.
 *
 * @example
 * ```ts
 * import { createLocalAuthKit } from "authkit-mcp/dev";
 * ```
 */
export {
  createLocalAuthKit,
  DEFAULT_LOCAL_API_KEY,
  type LocalAuthKit,
  type LocalAuthKitOptions,
} from "./local-authkit.js";
export {
  DEFAULT_SEED,
  parseSeed,
  type Seed,
  type SeedApplication,
  type SeedMembership,
  type SeedOrganization,
  type SeedUser,
} from "./seed.js";
export type { MintOptions } from "./tokens.js";
