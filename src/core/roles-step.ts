/**
 * The provider's role step: after authentication, before policies and the MCP handler, give
 * the session the caller's roles from the WorkOS API when the request needs them (a policy,
 * `tools/list` hiding, or a tool whose guards may read them) and the token does not carry them.
 */
import type { ResolvedConfig } from "./config.js";
import type { RoleStep } from "./enforce.js";
import { AuthError } from "./errors.js";
import { markRolesUnavailable, RolesUnavailableError } from "./guards.js";
import { RoleResolver } from "./roles.js";
import { createRequestContext, type RequestContext, type Session, sessionWithRoles } from "./session.js";

const NO_ROLES = Object.freeze({ roles: Object.freeze([]), permissions: Object.freeze([]) });

/**
 * Builds the step for one provider. Internal.
 *
 * @example
 * ```ts
 * const step = createRoleStep(config);
 * if (step.applies(context.session)) ({ context } = await step(context, "hard"));
 * ```
 */
export function createRoleStep(config: ResolvedConfig): RoleStep & { readonly resolver: RoleResolver | undefined } {
  const { source, ttl, store } = config.roles;
  const resolver =
    source === "token" || config.apiKey === undefined
      ? undefined
      : new RoleResolver({
          apiBase: config.apiBase,
          apiKey: config.apiKey,
          ttl,
          store,
          fetch: config.fetch,
          timeout: config.upstreamTimeout,
        });

  // `next` was marked as issued by this provider (sessionWithRoles with `config`).
  const replace = (context: RequestContext, next: Session): RequestContext =>
    createRequestContext(context.authInfo.token, next, {
      resource: context.resource,
      resourceURL: context.authInfo.resource as URL,
      resourceMetadata: context.authInfo.resourceMetadataUrl ?? "",
    });

  const step = async (context: RequestContext, need: "hard" | "soft" | undefined) => {
    const session = context.session;
    // No organization: no membership, so no role (WorkOS roles are organization roles).
    if (session.organizationId === undefined)
      return {
        context:
          session.roleSource === "token"
            ? replace(context, sessionWithRoles(session, "none", NO_ROLES, config))
            : context,
      };
    if (need === undefined || resolver === undefined)
      return { context: replace(context, sessionWithRoles(session, "unresolved", undefined, config)) };
    try {
      const roles = await resolver.resolve(session.userId, session.organizationId);
      return {
        context: replace(context, sessionWithRoles(session, "workos", roles.member ? roles : NO_ROLES, config)),
      };
    } catch (caught) {
      const error =
        caught instanceof RolesUnavailableError ? caught : new RolesUnavailableError("unexpected failure", 5);
      if (need === "hard") {
        // The decision is made before the tool runs: 503 + Retry-After, nothing granted.
        const refusal = new AuthError("roles_unavailable", `Role lookup failed: ${error.detail}`, { cause: error });
        return { error: refusal, retryAfter: error.retryAfter };
      }
      const next = sessionWithRoles(session, "unavailable", undefined, config);
      markRolesUnavailable(next, error);
      return { context: replace(context, next) };
    }
  };
  return Object.assign(step, {
    resolver,
    // Users only (M2M applications have no membership), and only when the token does not
    // already carry signed role claims (unless `source: "live"`).
    applies: (session: Session) =>
      resolver !== undefined && session.kind === "user" && (source === "live" || session.roleSource !== "token"),
  });
}
