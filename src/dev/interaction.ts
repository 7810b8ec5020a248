/**
 * What a person meets between the authorization request and the code, as AuthKit does it:
 * the hosted sign-in page (seeded users, a magic link, SSO through a simulated IdP), an
 * organization choice for members of several, and a consent screen the first time a client
 * asks (remembered per user and client; `prompt=consent` asks again; Deny answers
 * `access_denied`). A browser session (cookie) spares the sign-in page next time;
 * `prompt=none` without one answers `login_required`.
 *
 * `autoSignIn` (tests, headless use) skips every page: the `login_hint` user, else the
 * configured one, is signed in and consent granted (also for `prompt=consent`, which the
 * official v2 client sends); only `prompt=select_account`/`login` still show the sign-in page.
 */
import { type AuthorizeContext, type PendingAuthorization, redirectBack } from "./authorize.js";
import * as pages from "./interaction-pages.js";
import { randomId } from "./oauth-store.js";
import { errorPage, page } from "./pages.js";
import { escapeHtml } from "./responses.js";
import type { SeedUser } from "./seed.js";
import { findUser } from "./tokens.js";

const COOKIE = "local_authkit_session";
const TX_TTL = 15 * 60_000;
const MAX = 10_000;

interface Transaction {
  readonly pending: PendingAuthorization;
  readonly expiresAt: number;
  userId?: string;
  organizationId?: string | null;
}

function bounded<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= MAX) map.delete(map.keys().next().value as string);
  map.set(key, value);
}

async function formOf(request: Request): Promise<URLSearchParams | undefined> {
  if (request.method !== "POST") return undefined;
  const text = await request.text();
  return text.length > 64 * 1024 ? undefined : new URLSearchParams(text);
}

/** Options of {@link createInteraction}. */
export interface InteractionOptions {
  /** A seeded user's id: sign in with no page (the `login_hint` user when there is one). */
  readonly autoSignIn: string | undefined;
  /** Receives each magic link (development stand-in for the email). */
  readonly onMagicLink: (email: string, url: string) => void;
}

/**
 * The interaction of one local AuthKit instance: `start` for a validated request, and the
 * routes its pages post to.
 *
 * @example
 * ```ts
 * const interaction = createInteraction(ctx, { autoSignIn: undefined, onMagicLink: console.info });
 * return authorize(request, ctx, interaction.start);
 * ```
 */
export function createInteraction(ctx: AuthorizeContext, options: InteractionOptions) {
  const transactions = new Map<string, Transaction>();
  const sessions = new Map<string, string>(); // browser session → user id
  const consents = new Set<string>(); // user id \n client id
  const links = new Map<string, { userId: string; tx: string; expiresAt: number }>();
  const seed = ctx.seed;

  const sessionUser = (request: Request): SeedUser | undefined => {
    const cookie = request.headers.get("cookie") ?? "";
    const id = new RegExp(`(?:^|;\\s*)${COOKIE}=([A-Za-z0-9_]+)`).exec(cookie)?.[1];
    const userId = id === undefined ? undefined : sessions.get(id);
    return userId === undefined ? undefined : seed.users.find((u) => u.id === userId);
  };
  const withSession = (response: Response, user: SeedUser): Response => {
    const id = randomId("s_", 24);
    bounded(sessions, id, user.id);
    const out = new Response(response.body, response);
    out.headers.append("set-cookie", `${COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax`);
    return out;
  };
  const memberships = (userId: string) => seed.memberships.filter((m) => m.userId === userId);

  const issue = (p: PendingAuthorization, userId: string, organizationId: string | undefined, status: 302 | 303) => {
    if (p.device) return p.device.approve(userId, organizationId);
    const code = ctx.store.issueCode({
      clientId: p.clientId,
      userId,
      organizationId,
      scope: p.scopes.join(" "),
      resource: p.resource,
      sessionId: `session_${randomId("", 12)}`,
      redirectUri: p.redirectUri,
      codeChallenge: p.codeChallenge,
      expiresAt: Date.now() + ctx.codeTtl,
    });
    return redirectBack(p, ctx.issuer, { code }, status);
  };

  /** The organization: the request's `organization_id`, the only membership, or `"choose"`. */
  const organizationFor = (p: PendingAuthorization, userId: string): string | undefined | "choose" | Error => {
    if (p.organizationId === "none") return undefined;
    const own = memberships(userId);
    if (p.organizationId !== undefined)
      return own.some((m) => m.organizationId === p.organizationId)
        ? p.organizationId
        : new Error("user is not a member of organization_id");
    return own.length > 1 ? "choose" : own[0]?.organizationId;
  };

  /** After sign-in: the organization page if needed, the consent page if needed, then the code. */
  const continueAs = (txId: string, tx: Transaction, user: SeedUser, status: 302 | 303): Response => {
    const p = tx.pending;
    tx.userId = user.id;
    if (tx.organizationId === undefined) {
      const org = organizationFor(p, user.id);
      if (org instanceof Error)
        return redirectBack(p, ctx.issuer, { error: "access_denied", error_description: org.message }, status);
      if (org === "choose") return organizationPage(txId, tx, user);
      tx.organizationId = org ?? null;
    }
    // autoSignIn grants consent with no page (even for prompt=consent: headless clients send it).
    const auto = options.autoSignIn !== undefined;
    if (!auto && (p.prompt.has("consent") || !consents.has(`${user.id}\n${p.clientId}`)))
      return consentPage(txId, tx, user);
    transactions.delete(txId);
    return issue(p, user.id, tx.organizationId ?? undefined, status);
  };

  const start = (pending: PendingAuthorization, request: Request): Response => {
    const p = pending;
    const hinted = p.loginHint === undefined ? undefined : findUser(seed, p.loginHint);
    const fresh = p.prompt.has("login") || p.prompt.has("select_account");
    if (p.prompt.has("none") || (options.autoSignIn !== undefined && !fresh)) {
      // No page may be shown: the auto user, else the browser session.
      const user =
        options.autoSignIn !== undefined
          ? (hinted ?? (p.loginHint === undefined ? findUser(seed, options.autoSignIn) : undefined))
          : sessionUser(request);
      if (user === undefined)
        return p.loginHint !== undefined && options.autoSignIn !== undefined
          ? redirectBack(p, ctx.issuer, { error: "access_denied", error_description: "login_hint names no user" })
          : redirectBack(p, ctx.issuer, { error: "login_required", error_description: "No signed-in session" });
      const org = organizationFor(p, user.id);
      if (org instanceof Error)
        return redirectBack(p, ctx.issuer, { error: "access_denied", error_description: org.message });
      const organizationId = org === "choose" ? memberships(user.id)[0]?.organizationId : org;
      if (options.autoSignIn === undefined && !consents.has(`${user.id}\n${p.clientId}`))
        return redirectBack(p, ctx.issuer, {
          error: "consent_required",
          error_description: "The user has not consented",
        });
      return issue(p, user.id, organizationId, 302);
    }
    const txId = randomId("tx_", 16);
    const tx: Transaction = { pending: p, expiresAt: Date.now() + TX_TTL };
    bounded(transactions, txId, tx);
    const auto =
      options.autoSignIn !== undefined && !fresh ? (hinted ?? findUser(seed, options.autoSignIn)) : undefined;
    const current = fresh ? undefined : (auto ?? sessionUser(request));
    if (current !== undefined) return continueAs(txId, tx, current, 302);
    return signInPage(txId, p, hinted);
  };

  const signInPage = (txId: string, p: PendingAuthorization, hinted: SeedUser | undefined) =>
    pages.signIn(seed, txId, p, hinted);
  const organizationPage = (txId: string, tx: Transaction, user: SeedUser) =>
    pages.organization(seed, txId, tx.pending, user);
  const consentPage = (txId: string, tx: Transaction, user: SeedUser) =>
    pages.consent(seed, txId, tx.pending, user, tx.organizationId ?? undefined);

  /** The transaction a form posted, or the page saying it expired. */
  const txFrom = (form: URLSearchParams | undefined): [string, Transaction] | Response => {
    const id = form?.get("tx") ?? "";
    const tx = transactions.get(id);
    if (tx === undefined || tx.expiresAt < Date.now())
      return errorPage(400, "This sign-in request has expired or was already used. Start again from the application.");
    return [id, tx];
  };

  return {
    start,
    /** `POST /oauth2/authorize/sign-in` (`tx`, `user`). */
    async signIn(request: Request): Promise<Response> {
      const form = await formOf(request);
      const found = txFrom(form);
      if (found instanceof Response) return found;
      const user = seed.users.find((u) => u.id === form?.get("user"));
      if (!user) return errorPage(400, "Unknown account.");
      return withSession(continueAs(found[0], found[1], user, 303), user);
    },
    /** `POST /oauth2/authorize/organization` (`tx`, `organization`). */
    async organization(request: Request): Promise<Response> {
      const form = await formOf(request);
      const found = txFrom(form);
      if (found instanceof Response) return found;
      const [id, tx] = found;
      const user = seed.users.find((u) => u.id === tx.userId);
      const org = form?.get("organization") ?? "";
      if (!user || !memberships(user.id).some((m) => m.organizationId === org))
        return errorPage(400, "Choose one of your organizations.");
      tx.organizationId = org;
      return continueAs(id, tx, user, 303);
    },
    /** `POST /oauth2/authorize/consent` (`tx`, `decision` = allow | deny). */
    async consent(request: Request): Promise<Response> {
      const form = await formOf(request);
      const found = txFrom(form);
      if (found instanceof Response) return found;
      const [id, tx] = found;
      const user = seed.users.find((u) => u.id === tx.userId);
      if (!user || tx.organizationId === undefined) return errorPage(400, "Sign in first.");
      transactions.delete(id);
      // RFC 6749 §4.1.2.1: the resource owner denied the request.
      if (form?.get("decision") !== "allow")
        return redirectBack(
          tx.pending,
          ctx.issuer,
          { error: "access_denied", error_description: "The user denied access" },
          303,
        );
      consents.add(`${user.id}\n${tx.pending.clientId}`);
      return issue(tx.pending, user.id, tx.organizationId ?? undefined, 303);
    },
    /** `POST /oauth2/authorize/magic` (`tx`, `email`): sends (prints) a single-use link valid 10 minutes. */
    async magic(request: Request): Promise<Response> {
      const form = await formOf(request);
      const found = txFrom(form);
      if (found instanceof Response) return found;
      const email = (form?.get("email") ?? "").slice(0, 320);
      // Like AuthKit, the answer is the same whether or not the address is known.
      const user = findUser(seed, email);
      if (user) {
        const token = randomId("magic_", 24);
        bounded(links, token, { userId: user.id, tx: found[0], expiresAt: Date.now() + 10 * 60_000 });
        options.onMagicLink(user.email, `${ctx.issuer}/oauth2/authorize/magic/verify?token=${token}`);
      }
      return page(
        "Check your email",
        `<h1>Check your email</h1><p>If <strong>${escapeHtml(email)}</strong> has an account, a sign-in link is on its way.</p>
<p class="muted">Development: the local AuthKit prints the link in its console instead of sending an email. The link works once, for 10 minutes.</p>`,
      );
    },
    /** `GET /oauth2/authorize/magic/verify?token=…`: signs in and continues the request. */
    verify(request: Request): Response {
      const token = new URL(request.url).searchParams.get("token") ?? "";
      const link = links.get(token);
      links.delete(token);
      const tx = link ? transactions.get(link.tx) : undefined;
      const user = link ? seed.users.find((u) => u.id === link.userId) : undefined;
      if (!link || link.expiresAt < Date.now() || !tx || !user)
        return page(
          "Link expired",
          `<h1>This link has expired</h1><p>This sign-in link is invalid or has already been used. Start again from the application.</p>`,
          400,
        );
      return withSession(continueAs(link.tx, tx, user, 302), user);
    },
    /** `POST /oauth2/authorize/sso` (`tx`, `connection`): the simulated IdP's sign-in page. */
    async sso(request: Request): Promise<Response> {
      const form = await formOf(request);
      const found = txFrom(form);
      if (found instanceof Response) return found;
      const connection = (seed.ssoConnections ?? []).find((c) => c.id === form?.get("connection"));
      if (!connection) return errorPage(400, "No such SSO connection.");
      return pages.idp(seed, found[0], connection);
    },
    /** `POST /oauth2/authorize/sso/callback` (`tx`, `connection`, `user`): the IdP's answer. */
    async ssoCallback(request: Request): Promise<Response> {
      const form = await formOf(request);
      const found = txFrom(form);
      if (found instanceof Response) return found;
      const connection = (seed.ssoConnections ?? []).find((c) => c.id === form?.get("connection"));
      const user = findUser(seed, form?.get("user") ?? "");
      const member =
        connection &&
        user &&
        seed.memberships.some((m) => m.userId === user.id && m.organizationId === connection.organizationId);
      if (!connection || !user || !member)
        return errorPage(400, "The identity provider did not vouch for a member of this organization.");
      found[1].organizationId = connection.organizationId;
      return withSession(continueAs(found[0], found[1], user, 303), user);
    },
  };
}
