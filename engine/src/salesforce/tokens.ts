import jwt from 'jsonwebtoken';
import { OrgVaultError } from '../errors.js';

/** What every call needs: where the org lives and the bearer token. */
export interface OrgSession {
  accessToken: string;
  instanceUrl: string;
}

/** What the token endpoint answered besides the access token. */
export interface TokenGrant extends OrgSession {
  /** Some connected apps rotate refresh tokens: the new one must replace the stored one. */
  refreshToken?: string;
  /** `<login>/id/{orgId}/{userId}` */
  identityUrl?: string;
}

export interface TokenSourceOptions {
  session?: OrgSession;
  grant?: () => Promise<TokenGrant>;
  /** Told of every new grant, e.g. to store a rotated refresh token. */
  onGrant?: (grant: TokenGrant) => void | Promise<void>;
  /** Told when the org refuses the credentials (ORG_AUTH_FAILED), e.g. to mark the connection. */
  onRefused?: (err: OrgVaultError) => void | Promise<void>;
  /** Vets every session before it is used (its instance URL may come from the token endpoint); answers it normalized. */
  checkSession?: (session: OrgSession) => OrgSession;
}

/**
 * Holds the current session and renews it. Concurrent callers that saw the same stale token share
 * one renewal; a caller whose token was already replaced gets the new session without a new grant.
 */
export class TokenSource {
  #session: OrgSession | undefined;
  #inflight: Promise<OrgSession> | undefined;
  readonly #grant: (() => Promise<TokenGrant>) | undefined;
  readonly #onGrant: ((grant: TokenGrant) => void | Promise<void>) | undefined;
  readonly #onRefused: ((err: OrgVaultError) => void | Promise<void>) | undefined;
  readonly #check: (session: OrgSession) => OrgSession;

  constructor(options: TokenSourceOptions) {
    this.#check = options.checkSession ?? ((session) => session);
    this.#session = options.session && this.#check(options.session);
    this.#grant = options.grant;
    this.#onGrant = options.onGrant;
    this.#onRefused = options.onRefused;
  }

  get canRefresh(): boolean {
    return this.#grant !== undefined;
  }

  /** The current session, fetching the first one if there is none yet. */
  async session(): Promise<OrgSession> {
    return this.#session ?? this.refresh(undefined);
  }

  /** Renews the session unless `staleToken` was already replaced. */
  async refresh(staleToken: string | undefined): Promise<OrgSession> {
    if (this.#session && this.#session.accessToken !== staleToken) return this.#session;
    if (!this.#grant) {
      throw new OrgVaultError('ORG_AUTH_FAILED', 'The access token expired and this connection has no way to renew it', {
        actions: ['Connect the org with a refresh token, a JWT bearer key or the sf CLI so tokens renew by themselves.'],
      });
    }
    this.#inflight ??= (async () => {
      try {
        const grant = await this.#grant!().catch(async (err: unknown) => {
          if (OrgVaultError.is(err, 'ORG_AUTH_FAILED')) await this.#onRefused?.(err);
          throw err;
        });
        this.#session = this.#check({ accessToken: grant.accessToken, instanceUrl: grant.instanceUrl });
        await this.#onGrant?.(grant);
        return this.#session;
      } finally {
        this.#inflight = undefined;
      }
    })();
    return this.#inflight;
  }
}

interface TokenResponse {
  access_token: string;
  instance_url: string;
  refresh_token?: string;
  id?: string;
}

function toGrant(res: TokenResponse | undefined): TokenGrant {
  if (typeof res?.access_token !== 'string' || typeof res.instance_url !== 'string') {
    // What was answered instead is not repeated: it may be anything at all.
    throw new OrgVaultError('ORG_API_ERROR', 'The token endpoint did not answer with a Salesforce token', {
      details: { errorCode: 'NOT_A_TOKEN' },
    });
  }
  return {
    accessToken: res.access_token,
    instanceUrl: res.instance_url.replace(/\/+$/, ''),
    ...(res.refresh_token ? { refreshToken: res.refresh_token } : {}),
    ...(res.id ? { identityUrl: res.id } : {}),
  };
}

/** OAuth errors that mean the credentials themselves are no good (not a passing fault). */
const CREDENTIAL_ERRORS = new Set(['invalid_grant', 'invalid_client', 'invalid_client_id', 'unauthorized_client', 'invalid_request']);

/**
 * POSTs a grant to the org's token endpoint. The endpoint never redirects; a redirect is an error
 * rather than followed, since its target was never checked against the allowed origins. A
 * refusal is thrown as an Error named for the OAuth `error` field (ERROR_HTTP_nnn without one).
 */
async function requestToken(loginUrl: string, params: Record<string, string>): Promise<TokenResponse | undefined> {
  const res = await fetch(`${loginUrl.replace(/\/+$/, '')}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(params),
    redirect: 'manual',
  });
  const text = await res.text();
  let body: { error?: unknown; error_description?: unknown } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  if (res.status < 300) return body as TokenResponse | undefined;
  const oauth = typeof body?.error === 'string';
  throw Object.assign(new Error(oauth ? String(body?.error_description ?? '') : ''), {
    name: oauth ? (body!.error as string) : `ERROR_HTTP_${res.status}`,
  });
}

/**
 * requestToken throws an Error whose name is the OAuth `error` field. A login host knows only its
 * own kind of org (login.salesforce.com production, test.salesforce.com sandboxes), so a refused
 * grant names the host it was sent to.
 */
export function tokenError(err: unknown, flow: string, loginUrl?: string): OrgVaultError {
  const e = err as Error & { code?: string };
  if (CREDENTIAL_ERRORS.has(e?.name)) {
    const where = loginUrl ? ` at ${loginUrl}` : '';
    const host = loginUrl
      ? ` Production orgs log in at login.salesforce.com and sandboxes at test.salesforce.com (or each at its own My Domain), and each host refuses the other kind's users and tokens: check that ${loginUrl} is the right one for this org.`
      : '';
    return new OrgVaultError('ORG_AUTH_FAILED', `The org refused the ${flow}${where} (${e.name}: ${e.message})`, {
      details: { errorCode: e.name },
      actions: [
        e.name === 'invalid_grant'
          ? `The grant was revoked, expired or is not allowed for this user: reconnect the org (\`npx orgvault org add\`).${host}`
          : 'Check the connected app: consumer key, secret and its OAuth policies.',
      ],
      cause: err,
    });
  }
  if (OrgVaultError.is(err)) return err;
  // Not an OAuth refusal: the answer (an HTTP error page, anything at all) is kept as the cause, never shown.
  const status = /^ERROR_HTTP_(\d+)$/.exec(e?.name ?? '')?.[1];
  return new OrgVaultError(
    'ORG_API_ERROR',
    `The ${flow} failed: ${status ? `the token endpoint answered HTTP ${status}` : 'no answer from the token endpoint'}`,
    {
      details: { errorCode: status ? `HTTP_${status}` : 'NETWORK', transient: true },
      cause: err,
    },
  );
}

export interface RefreshTokenCredentials {
  loginUrl: string;
  clientId: string;
  clientSecret?: string;
  refreshToken: string;
}

/** OAuth refresh-token flow (web server / device flows leave us a refresh token). */
export function refreshTokenGrant(c: RefreshTokenCredentials): () => Promise<TokenGrant> {
  let refreshToken = c.refreshToken;
  return async () => {
    try {
      const grant = toGrant(
        await requestToken(c.loginUrl, {
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          client_id: c.clientId,
          ...(c.clientSecret ? { client_secret: c.clientSecret } : {}),
        }),
      );
      if (grant.refreshToken) refreshToken = grant.refreshToken;
      return grant;
    } catch (err) {
      throw tokenError(err, 'refresh token', c.loginUrl);
    }
  };
}

export interface JwtBearerCredentials {
  loginUrl: string;
  /** The connected app's consumer key. */
  clientId: string;
  /** PEM private key whose certificate is uploaded to the connected app. */
  privateKey: string;
  username: string;
  /** Defaults to the login URL (login.salesforce.com, test.salesforce.com or the My Domain). */
  audience?: string;
}

/** Signs the assertion of the OAuth 2.0 JWT bearer flow: iss = consumer key, sub = username. */
export function signJwtAssertion(c: JwtBearerCredentials, lifetimeSeconds = 180): string {
  return jwt.sign({}, c.privateKey, {
    algorithm: 'RS256',
    issuer: c.clientId,
    subject: c.username,
    audience: c.audience ?? c.loginUrl.replace(/\/+$/, ''),
    expiresIn: lifetimeSeconds,
  });
}

/** JWT bearer flow: no refresh token; every renewal signs a fresh assertion. */
export function jwtBearerGrant(c: JwtBearerCredentials): () => Promise<TokenGrant> {
  return async () => {
    let assertion: string;
    try {
      assertion = signJwtAssertion(c);
    } catch (err) {
      throw new OrgVaultError('ORG_AUTH_FAILED', `The JWT private key cannot sign: ${(err as Error).message}`, {
        actions: ['Give the PEM private key whose certificate is uploaded to the connected app.'],
        cause: err,
      });
    }
    try {
      return toGrant(await requestToken(c.loginUrl, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }));
    } catch (err) {
      throw tokenError(err, 'JWT bearer grant', c.loginUrl);
    }
  };
}

export interface AuthorizationCode {
  loginUrl: string;
  clientId: string;
  clientSecret?: string | undefined;
  redirectUri: string;
  code: string;
  codeVerifier: string;
}

/** Web-server flow: the code the browser brought back, exchanged once for tokens. */
export async function exchangeAuthorizationCode(c: AuthorizationCode): Promise<TokenGrant> {
  try {
    return toGrant(
      await requestToken(c.loginUrl, {
        grant_type: 'authorization_code',
        code: c.code,
        client_id: c.clientId,
        redirect_uri: c.redirectUri,
        code_verifier: c.codeVerifier,
        ...(c.clientSecret ? { client_secret: c.clientSecret } : {}),
      }),
    );
  } catch (err) {
    throw tokenError(err, 'authorization code', c.loginUrl);
  }
}

/** Revokes a refresh token (and the access tokens renewed with it) at the org's login URL. */
export async function revokeToken(loginUrl: string, token: string): Promise<void> {
  const res = await fetch(`${loginUrl.replace(/\/+$/, '')}/services/oauth2/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
    redirect: 'manual',
  });
  await res.arrayBuffer();
  // 400 invalid_token: already revoked or expired, which is what was wanted.
  if (res.status >= 300 && res.status !== 400) {
    throw new OrgVaultError('ORG_API_ERROR', `Revoking the token failed: the org answered HTTP ${res.status}`, {
      details: { errorCode: `HTTP_${res.status}`, transient: true },
    });
  }
}
