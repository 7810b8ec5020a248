/**
 * The device authorization grant (RFC 8628), as AuthKit offers it to CLIs: the device asks for
 * a code (`POST /oauth2/device_authorization`), the person opens the verification page
 * (`/oauth2/device`, with the code or typing it), signs in and consents as for any client, and
 * the device polls the token endpoint (`authorization_pending`, `slow_down`, `access_denied`,
 * `expired_token`, then tokens).
 */
import type { PendingAuthorization } from "./authorize.js";
import { ClientMetadataError, type ClientMetadataFetcher } from "./cimd.js";
import type { Grant, OAuthStore } from "./oauth-store.js";
import { randomId } from "./oauth-store.js";
import { page } from "./pages.js";
import { escapeHtml, oauthError, oauthJson } from "./responses.js";
import { DEFAULT_SCOPES } from "./tokens.js";

export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const EXPIRES_IN = 600;
const INTERVAL = 5;
// RFC 8628 §6.1: no vowels (no words), no look-alike characters.
const USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

interface DeviceGrant {
  readonly clientId: string;
  readonly userCode: string;
  readonly scopes: readonly string[];
  readonly resource: string | undefined;
  readonly expiresAt: number;
  lastPoll: number;
  interval: number;
  status: "pending" | "approved" | "denied" | "used";
  userId?: string;
  organizationId?: string | undefined;
}

function userCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  const chars = [...bytes].map((b) => USER_CODE_ALPHABET[b % USER_CODE_ALPHABET.length]);
  return `${chars.slice(0, 4).join("")}-${chars.slice(4).join("")}`;
}

/** `XXXX-XXXX` from what a person typed (case, spaces and the dash do not matter). */
function normaliseUserCode(value: string): string {
  const raw = value.toUpperCase().replace(/[^A-Z]/g, "");
  return raw.length === 8 ? `${raw.slice(0, 4)}-${raw.slice(4)}` : "";
}

/** Context of the device flow. */
export interface DeviceContext {
  readonly issuer: string;
  readonly store: OAuthStore;
  readonly documents: ClientMetadataFetcher;
}

/**
 * The device flow of one local AuthKit instance. `start` runs the interaction (sign-in,
 * organization, consent) for the verification page.
 *
 * @example
 * ```ts
 * const device = createDeviceFlow(ctx, interaction.start);
 * ```
 */
export function createDeviceFlow(
  ctx: DeviceContext,
  start: (pending: PendingAuthorization, request: Request) => Response | Promise<Response>,
) {
  const grants = new Map<string, DeviceGrant>(); // device code → grant
  const byUserCode = new Map<string, string>(); // user code → device code

  const knownClient = async (clientId: string): Promise<string | undefined> => {
    if (/^https?:\/\//i.test(clientId)) {
      try {
        return (await ctx.documents.get(clientId)).clientName ?? clientId;
      } catch (error) {
        if (error instanceof ClientMetadataError) return undefined;
        throw error;
      }
    }
    const client = ctx.store.client(clientId);
    return client ? (client.clientName ?? clientId) : undefined;
  };

  /** The interaction for the grant behind `code`, ending in a page on this device (no redirect). */
  const verify = async (code: string, request: Request): Promise<Response> => {
    const deviceCode = byUserCode.get(code);
    const grant = deviceCode === undefined ? undefined : grants.get(deviceCode);
    if (grant?.status !== "pending" || grant.expiresAt < Date.now())
      return codePage("That code is not valid, or it has expired. Check the code on your device.", 400);
    const name = await knownClient(grant.clientId);
    const finished = (title: string, text: string) =>
      page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>`);
    const pending: PendingAuthorization = Object.freeze({
      clientId: grant.clientId,
      client: { clientId: grant.clientId, name },
      redirectUri: "",
      state: null,
      codeChallenge: "",
      resource: grant.resource,
      scopes: grant.scopes,
      prompt: new Set<string>(),
      loginHint: undefined,
      organizationId: undefined,
      device: {
        approve(userId: string, organizationId: string | undefined) {
          grant.status = "approved";
          grant.userId = userId;
          grant.organizationId = organizationId;
          return finished("Device connected", "You can close this page and return to your device.");
        },
        refuse(error: string) {
          grant.status = "denied";
          return finished("Request denied", `The device was not connected (${error}). You can close this page.`);
        },
      },
    });
    return start(pending, request);
  };

  const codePage = (message?: string, status = 200) =>
    page(
      "Connect a device",
      `<h1>Connect a device</h1><p class="muted">Enter the code shown on your device.</p>
${message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : ""}
<form method="post" action="/oauth2/device">
<label for="user_code">Code</label>
<input id="user_code" name="user_code" type="text" autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" placeholder="ABCD-EFGH" required>
<button class="primary">Continue</button></form>`,
      status,
    );

  return {
    /** `POST /oauth2/device_authorization` (RFC 8628 §3.1). */
    async authorization(request: Request): Promise<Response> {
      if (request.method !== "POST") return oauthJson({ error: "invalid_request", error_description: "Use POST" }, 405);
      const form = new URLSearchParams(await request.text());
      const clientId = form.get("client_id") ?? "";
      if (!clientId || (await knownClient(clientId)) === undefined)
        return oauthError("invalid_client", "Unknown client_id");
      const scopeParam = form.get("scope");
      const scopes = scopeParam === null ? [...DEFAULT_SCOPES] : scopeParam.split(" ").filter(Boolean);
      if (!scopes.every((s) => SCOPE_TOKEN.test(s))) return oauthError("invalid_scope", "scope is malformed");
      const resource = form.get("resource") ?? undefined;
      if (resource !== undefined && (!URL.canParse(resource) || new URL(resource).hash !== ""))
        return oauthError("invalid_target", "resource must be an absolute URI without a fragment (RFC 8707)");
      if (grants.size >= 10_000) grants.delete(grants.keys().next().value as string);
      const deviceCode = randomId("dc_", 24);
      const code = userCode();
      grants.set(deviceCode, {
        clientId,
        userCode: code,
        scopes,
        resource,
        expiresAt: Date.now() + EXPIRES_IN * 1000,
        lastPoll: 0,
        interval: INTERVAL,
        status: "pending",
      });
      byUserCode.set(code, deviceCode);
      return oauthJson({
        device_code: deviceCode,
        user_code: code,
        verification_uri: `${ctx.issuer}/oauth2/device`,
        verification_uri_complete: `${ctx.issuer}/oauth2/device?user_code=${code}`,
        expires_in: EXPIRES_IN,
        interval: INTERVAL,
      });
    },
    /** `GET /oauth2/device[?user_code=…]` and `POST /oauth2/device` (`user_code`): the verification page. */
    async page(request: Request): Promise<Response> {
      const raw =
        request.method === "POST"
          ? (new URLSearchParams((await request.text()).slice(0, 4096)).get("user_code") ?? "")
          : (new URL(request.url).searchParams.get("user_code") ?? "");
      if (raw === "") return codePage();
      const code = normaliseUserCode(raw);
      if (code === "") return codePage("Codes look like ABCD-EFGH.", 400);
      return verify(code, request);
    },
    /**
     * The token request's answer for a device code (RFC 8628 §3.5): a grant to issue tokens
     * for, or the error response.
     */
    poll(deviceCode: string, clientId: string): Grant | Response {
      const grant = grants.get(deviceCode);
      if (!grant || grant.clientId !== clientId || grant.status === "used")
        return oauthError("invalid_grant", "Unknown or used device_code");
      const now = Date.now();
      if (grant.expiresAt < now) return oauthError("expired_token", "The device code has expired");
      if (grant.status === "denied") return oauthError("access_denied", "The user denied the request");
      if (grant.status === "pending") {
        // §3.5 slow_down: polled faster than the interval; the interval grows by 5 s.
        const tooFast = now - grant.lastPoll < grant.interval * 1000;
        grant.lastPoll = now;
        if (tooFast) {
          grant.interval += 5;
          return oauthError("slow_down", `Poll at most every ${grant.interval} s`);
        }
        return oauthError("authorization_pending", "The user has not finished yet");
      }
      grant.status = "used";
      byUserCode.delete(grant.userCode);
      return {
        clientId: grant.clientId,
        userId: grant.userId as string,
        organizationId: grant.organizationId,
        scope: grant.scopes.join(" "),
        resource: grant.resource,
        sessionId: `session_${randomId("", 12)}`,
      };
    },
  };
}
