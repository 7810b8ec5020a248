/**
 * The local AuthKit's pages (sign-in, organization, consent, magic link, simulated IdP, errors):
 * one self-contained stylesheet (no fonts, no CDN: it works offline), light and dark,
 * responsive from 360 px, with labels, visible focus and buttons for every action.
 */
import { isLoopbackHost } from "../core/config.js";
import { escapeHtml } from "./responses.js";

const CSS = `
:root{color-scheme:light dark;--bg:#f4f5f7;--card:#fff;--text:#1b1d21;--muted:#5b616e;--line:#dfe2e7;
--accent:#4f46e5;--accent-text:#fff;--accent-soft:#eef0ff;--danger:#b42318;--focus:#4f46e5}
@media (prefers-color-scheme:dark){:root{--bg:#111318;--card:#1b1e25;--text:#eceef2;--muted:#a3a9b6;--line:#2d323c;
--accent:#8b85ff;--accent-text:#111318;--accent-soft:#262a3d;--danger:#ff8a80;--focus:#a5a0ff}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;background:var(--bg);color:var(--text);
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
display:flex;flex-direction:column;align-items:center;padding:24px 16px}
main{width:100%;max-width:440px;background:var(--card);border:1px solid var(--line);border-radius:16px;
padding:28px 24px;box-shadow:0 1px 2px rgba(0,0,0,.04),0 8px 24px rgba(0,0,0,.06)}
.brand{display:flex;align-items:center;gap:8px;font-weight:600;color:var(--muted);font-size:14px;margin-bottom:20px}
.brand .dot{width:22px;height:22px;border-radius:6px;background:var(--accent);display:inline-block}
h1{font-size:22px;line-height:1.3;margin:0 0 8px}
h2{font-size:13px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:24px 0 8px}
p{margin:0 0 12px}.muted{color:var(--muted);font-size:14px}
.client{display:flex;align-items:center;gap:12px;padding:12px;border:1px solid var(--line);border-radius:12px;margin:16px 0}
.client img,.client .initial{width:40px;height:40px;border-radius:10px;flex:none;object-fit:cover}
.client .initial{display:flex;align-items:center;justify-content:center;background:var(--accent-soft);color:var(--accent);font-weight:700}
.client div{min-width:0}.client strong{display:block;overflow-wrap:anywhere}
.client span{display:block;color:var(--muted);font-size:13px;overflow-wrap:anywhere}
ul.scopes{list-style:none;padding:0;margin:0 0 8px}
ul.scopes li{padding:8px 0 8px 26px;position:relative;border-bottom:1px solid var(--line);font-size:15px}
ul.scopes li:last-child{border-bottom:0}
ul.scopes li::before{content:"";position:absolute;left:4px;top:15px;width:10px;height:6px;border-left:2px solid var(--accent);
border-bottom:2px solid var(--accent);transform:rotate(-45deg)}
ul.scopes code{font-size:12px;color:var(--muted)}
.stack{display:flex;flex-direction:column;gap:8px}
button,.button{font:inherit;display:block;width:100%;text-align:left;cursor:pointer;border-radius:10px;
padding:12px 14px;border:1px solid var(--line);background:var(--card);color:var(--text)}
button:hover{border-color:var(--accent)}
button:focus-visible,input:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
button.account strong{display:block}button.account span{display:block;color:var(--muted);font-size:14px;overflow-wrap:anywhere}
button.account[aria-current="true"]{border-color:var(--accent);background:var(--accent-soft)}
button.primary{background:var(--accent);color:var(--accent-text);border-color:var(--accent);text-align:center;font-weight:600}
button.secondary{text-align:center;font-weight:600}
.row{display:flex;gap:8px;flex-wrap:wrap;margin:16px 0}.row>*{flex:1 1 140px}
label{display:block;font-weight:600;font-size:14px;margin:0 0 6px}
input[type=email],input[type=text]{font:inherit;width:100%;padding:11px 12px;border-radius:10px;border:1px solid var(--line);
background:var(--bg);color:var(--text);margin-bottom:8px}
.divider{display:flex;align-items:center;gap:12px;color:var(--muted);font-size:13px;margin:20px 0 4px}
.divider::before,.divider::after{content:"";flex:1;border-top:1px solid var(--line)}
.error{color:var(--danger)}
footer{margin-top:16px;color:var(--muted);font-size:13px;text-align:center;max-width:440px}
`;

/**
 * A complete page. `title` goes in `<title>` and the heading; `body` is trusted HTML built
 * with {@link escapeHtml}.
 */
export function page(title: string, body: string, status = 200): Response {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Local AuthKit</title>
<style>${CSS}</style></head>
<body><main>
<div class="brand"><span class="dot" aria-hidden="true"></span>Local AuthKit</div>
${body}
</main>
<footer>Development stand-in for WorkOS AuthKit: anyone who can reach it can sign in as a seeded user.</footer>
</body></html>`;
  return new Response(html, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      // Pages act on the user's behalf (consent): never framed, no scripts, no remote loads.
      "content-security-policy":
        "default-src 'none'; style-src 'unsafe-inline'; img-src data: http://127.0.0.1:* http://localhost:* http://[::1]:*; frame-ancestors 'none'",
      "x-frame-options": "DENY",
      "referrer-policy": "no-referrer",
    },
  });
}

/** The requesting client as shown on a page. */
export interface ClientDisplay {
  readonly clientId: string;
  readonly name?: string | undefined;
  readonly logoUri?: string | undefined;
}

/** A logo we can show offline: a data: image or a loopback URL; anything else is not loaded. */
function safeLogo(uri: string | undefined): string | undefined {
  if (uri === undefined) return undefined;
  if (/^data:image\/(png|gif|jpeg|webp|svg\+xml);base64,[A-Za-z0-9+/=]+$/i.test(uri) && uri.length < 100_000)
    return uri;
  if (URL.canParse(uri)) {
    const url = new URL(uri);
    if ((url.protocol === "http:" || url.protocol === "https:") && isLoopbackHost(url.hostname)) return url.href;
  }
  return undefined;
}

/** The card naming the client (and its logo) and, when given, the resource it wants. */
export function clientCard(client: ClientDisplay, resource?: string): string {
  const name = client.name ?? client.clientId;
  const logo = safeLogo(client.logoUri);
  const image = logo
    ? `<img src="${escapeHtml(logo)}" alt="">`
    : `<span class="initial" aria-hidden="true">${escapeHtml(name.charAt(0).toUpperCase() || "?")}</span>`;
  return `<div class="client">${image}<div><strong>${escapeHtml(name)}</strong>${
    client.name !== undefined ? `<span>${escapeHtml(client.clientId)}</span>` : ""
  }${resource !== undefined ? `<span>for ${escapeHtml(resource)}</span>` : ""}</div></div>`;
}

const PLAIN_SCOPES: Record<string, string> = {
  openid: "Confirm who you are",
  profile: "See your name and profile",
  email: "See your email address",
  offline_access: "Stay connected when you are away (refresh tokens)",
};

/** A scope in plain words: known ones described, `x:read`/`x:write` phrased, others named. */
export function describeScope(scope: string): string {
  const known = PLAIN_SCOPES[scope];
  if (known !== undefined) return known;
  const m = /^([a-z0-9_.-]+):(read|write|admin|manage)$/i.exec(scope);
  if (m) {
    const verb = { read: "Read", write: "Create and change", admin: "Administer", manage: "Manage" }[
      (m[2] as string).toLowerCase() as "read"
    ];
    return `${verb} ${m[1]} data`;
  }
  return `Use the “${scope}” permission`;
}

/** The list of requested scopes, each in plain words with its name. */
export function scopeList(scopes: readonly string[]): string {
  if (scopes.length === 0) return `<p class="muted">No specific permissions requested.</p>`;
  return `<ul class="scopes">${scopes
    .map((s) => `<li>${escapeHtml(describeScope(s))} <code>${escapeHtml(s)}</code></li>`)
    .join("")}</ul>`;
}

/** A hidden form field. */
export function hidden(name: string, value: string): string {
  return `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
}

/** The page for a request that cannot be sent back to the client (bad client or redirect URI). */
export function errorPage(status: number, message: string): Response {
  return page(
    "Authorization request refused",
    `<h1>This sign-in request cannot continue</h1><p class="error" role="alert">${escapeHtml(message)}</p>
<p class="muted">The application that sent you here is misconfigured. Close this page and try again from the application.</p>`,
    status,
  );
}
