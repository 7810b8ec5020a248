/**
 * A headless OAuthClientProvider for the official MCP clients (v2 `@modelcontextprotocol/client`
 * and v1 `@modelcontextprotocol/sdk`): instead of opening a browser it fetches the authorization
 * URL and keeps the redirect it gets back (the local AuthKit signs in without a form).
 */

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export const REDIRECT_URL = "http://127.0.0.1:33418/callback";

export class HeadlessOAuth {
  #client: Record<string, unknown> | undefined;
  #tokens: Record<string, unknown> | undefined;
  #verifier = "";
  /** The redirect AuthKit answered with (`?code=...&state=...`). */
  callback: URL | undefined;
  authorizations = 0;

  constructor(
    private readonly fetchImpl: Fetch,
    private readonly extraParams: Record<string, string> = {},
    /** A Client ID Metadata Document URL: the v2 client then uses it as its client_id (no DCR). */
    readonly clientMetadataUrl?: string,
  ) {}

  get redirectUrl() {
    return REDIRECT_URL;
  }
  get clientMetadata() {
    return {
      client_name: "authkit-mcp e2e",
      redirect_uris: [REDIRECT_URL],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  state() {
    return crypto.randomUUID();
  }
  clientInformation() {
    return this.#client as never;
  }
  saveClientInformation(info: Record<string, unknown>) {
    this.#client = info;
  }
  tokens() {
    return this.#tokens as never;
  }
  saveTokens(tokens: Record<string, unknown>) {
    this.#tokens = tokens;
  }
  /** Replace the stored access token (e.g. with an expired one) to test recovery. */
  overrideAccessToken(token: string) {
    this.#tokens = { ...this.#tokens, access_token: token };
  }
  get accessToken(): string | undefined {
    return this.#tokens?.access_token as string | undefined;
  }
  get refreshToken(): string | undefined {
    return this.#tokens?.refresh_token as string | undefined;
  }
  async redirectToAuthorization(url: URL) {
    this.authorizations++;
    const target = new URL(url);
    for (const [k, v] of Object.entries(this.extraParams)) target.searchParams.set(k, v);
    const res = await this.fetchImpl(target, { redirect: "manual" });
    const location = res.headers.get("location");
    if (res.status !== 302 || !location)
      throw new Error(`authorization failed: HTTP ${res.status} ${await res.text()}`);
    this.callback = new URL(location);
  }
  #discovery: unknown;
  saveDiscoveryState(state: unknown) {
    this.#discovery = state;
  }
  discoveryState() {
    return this.#discovery as never;
  }
  saveCodeVerifier(v: string) {
    this.#verifier = v;
  }
  codeVerifier() {
    return this.#verifier;
  }
}
