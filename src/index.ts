/**
 * authkit-mcp: WorkOS AuthKit sign-in for any MCP server, on every runtime.
 *
 * @example
 * ```ts
 * import { workosProvider, getSession } from "authkit-mcp";
 * ```
 *
 * @module authkit-mcp
 */

export { extractBearerToken } from "./core/bearer.js";
export { bearerChallenge, quoteAuthParam } from "./core/challenge.js";
/** The original plugin's name for the options type. */
export type { OnErrorHook, ResolvedConfig, WorkOSConfig, WorkOSConfig as config } from "./core/config.js";
export type {
  MachineTokensOption,
  ResolvedMachineTokens,
  ResolvedRolesOption,
  RolesOptions,
} from "./core/config-groups.js";
export {
  type AsyncStorage,
  type AsyncStorageConstructor,
  getSession,
  hasAsyncContext,
  runWithContext,
  type SessionSource,
  useAsyncLocalStorage,
} from "./core/context.js";
export {
  AuthError,
  type AuthFailureReason,
  ClientNotInitializedError,
  ConfigError,
  MachineSessionError,
  SessionNotInitializedError,
  type WireError,
  WorkOSApiError,
  WorkOSMcpError,
} from "./core/errors.js";
export {
  expandScopes,
  type ForbiddenCode,
  ForbiddenError,
  hasScope,
  InsufficientScopeError,
  type OrganizationSession,
  type PermissionSession,
  type RoleSession,
  RolesUnavailableError,
  requireOrganization,
  requirePermission,
  requireRole,
  requireScope,
  requireUser,
  type ScopeHierarchy,
  type UserSession,
} from "./core/guards.js";
export { JwksCache, type JwksOptions, type JwksStore, type StoredJwks } from "./core/jwks.js";
export {
  type CacheLike,
  cacheApiJwksStore,
  cacheApiRolesStore,
  type KVLike,
  kvJwksStore,
  kvRolesStore,
} from "./core/jwks-stores.js";
export { type ProtectedResourceMetadata, protectedResourceMetadata } from "./core/metadata.js";
export { checkPolicy, type Policy, scopeChallenge, withPolicy } from "./core/policy.js";
export {
  type AuthResult,
  type NextHandler,
  type Prepared,
  type WorkOSProvider,
  workosProvider,
} from "./core/provider.js";
export type { ResolvedRoles, RolesStore, StoredRoles } from "./core/roles.js";
export type { AuthInfo, JWTClaims, RequestContext, RoleSource, Session, SessionKind } from "./core/session.js";
export { TokenCache, type TokenCacheOptions } from "./core/token-cache.js";
export { getClient, getUser } from "./core/workos-client.js";
