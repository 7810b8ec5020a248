/**
 * `authkit-mcp/dev`: a local AuthKit for development and tests.
 *
 * @example
 * ```ts
 * import { createLocalAuthKit } from "authkit-mcp/dev";
 * ```
 *
 * @module authkit-mcp/dev
 */

export type { ClientMetadataOptions } from "./cimd.js";
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
  type SeedSsoConnection,
  type SeedUser,
} from "./seed.js";
export type { MintOptions } from "./tokens.js";
