/**
 * "Connect organization" in a browser: the OAuth 2.0 web-server flow with PKCE. `begin` hands out
 * an authorize URL whose state is stored (hashed, bound to the tenant and the user who asked,
 * single use, 10 minutes); `finish` takes the state back from the callback, exchanges the code
 * with its verifier and connects the org with the refresh token it brings. Nothing about the org
 * is stored until every check passed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { OrgVaultError } from '../errors.js';
import type { ConnectStates, ConnectState } from '../orgs/connect-states.js';
import type { Org, OrgRegistry } from '../orgs/registry.js';
import type { SecretBox } from './connection-repository.js';
import type { OrgCredentials } from './credentials.js';
import type { OrgOrigins } from './origins.js';
import { exchangeAuthorizationCode, revokeToken, type TokenGrant } from './tokens.js';

export const LOGIN_TTL_MS = 10 * 60_000;
/** What OrgVault asks for: the REST and Bulk APIs, and a refresh token to keep working unattended. */
export const LOGIN_SCOPES = 'api refresh_token';

export type LoginEnvironment = 'production' | 'sandbox' | 'custom';

export interface ConnectedAppSettings {
  clientId: string | undefined;
  clientSecret: string | undefined;
  /** The engine's /oauth/callback as the browser reaches it (known once the engine listens). */
  callbackUrl: () => string;
  loginUrl: string;
  sandboxLoginUrl: string;
}

export interface BeginLogin {
  tenantId: string;
  requestedBy: string | null;
  environment: LoginEnvironment;
  /** With environment `custom`: the org's My Domain URL. */
  myDomainUrl?: string | undefined;
  /** Reconnecting this org: it logs in at its own domain, and only it may come back. */
  reconnect?: Org | undefined;
}

export interface WebLoginDeps {
  states: ConnectStates;
  orgs: OrgRegistry;
  box: SecretBox;
  origins: OrgOrigins;
  app: ConnectedAppSettings;
  /** Connects (or reconnects) the org with these credentials: tokens stored, org registered, schedule planned. */
  connect(tenantId: string, credentials: OrgCredentials): Promise<{ orgId: string }>;
}

const invalidLink = (): OrgVaultError =>
  new OrgVaultError('LOGIN_LINK_INVALID', 'This login link is not valid: it is unknown, was used already, or expired', {
    actions: ['Start again with "Connect organization" (or "Reconnect") on the Backup page, and finish the login within 10 minutes.'],
  });

const one = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= 4000 ? v : undefined);

export class WebLogin {
  constructor(private readonly deps: WebLoginDeps) {}

  #clientId(): string {
    const id = this.deps.app.clientId;
    if (!id) {
      throw new OrgVaultError('SERVICE_UNAVAILABLE', 'Connecting organizations from the page needs a connected app', {
        actions: [
          'Set ORGVAULT_OAUTH_CLIENT_ID (and ORGVAULT_OAUTH_CLIENT_SECRET) to the connected app whose callback is /oauth/callback.',
        ],
      });
    }
    return id;
  }

  #loginUrl(input: BeginLogin): string {
    const { origins, app } = this.deps;
    if (input.reconnect) return origins.check(input.reconnect.instanceUrl, 'instance URL');
    if (input.environment === 'production') return origins.check(app.loginUrl, 'login URL');
    if (input.environment === 'sandbox') return origins.check(app.sandboxLoginUrl, 'sandbox login URL');
    if (!input.myDomainUrl) {
      throw new OrgVaultError('VALIDATION_FAILED', 'A custom domain login needs the My Domain URL', {
        actions: ['Give the URL, e.g. https://acme.my.salesforce.com.'],
      });
    }
    return origins.check(input.myDomainUrl, 'My Domain URL');
  }

  /** The authorize URL to open in the browser, and until when it may be used. */
  async begin(input: BeginLogin): Promise<{ authorizeUrl: string; expiresAt: Date }> {
    const clientId = this.#clientId();
    const loginUrl = this.#loginUrl(input);
    const state = randomBytes(32).toString('base64url');
    const verifier = randomBytes(64).toString('base64url');
    const expiresAt = new Date(Date.now() + LOGIN_TTL_MS);
    await this.deps.states.put(state, {
      tenantId: input.tenantId,
      requestedBy: input.requestedBy,
      loginUrl,
      sealedVerifier: await this.deps.box.seal(verifier),
      orgId: input.reconnect?.id ?? null,
      expiresAt,
    });
    const url = new URL('/services/oauth2/authorize', loginUrl);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: this.deps.app.callbackUrl(),
      scope: LOGIN_SCOPES,
      state,
      // The admin may be logged in to Salesforce as someone else: always ask who connects.
      prompt: 'login',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    return { authorizeUrl: url.toString(), expiresAt };
  }

  /** The callback: the org connected (or reconnected), or an OrgVaultError saying why not. */
  async finish(query: Record<string, unknown>): Promise<{ org: Org; reconnected: boolean; requestedBy: string | null }> {
    const state = one(query.state);
    const login = state ? await this.deps.states.take(state, new Date()) : undefined;
    if (!login) throw invalidLink();
    const denied = one(query.error);
    if (denied) {
      throw new OrgVaultError(
        'ORG_AUTH_FAILED',
        `Salesforce did not grant access (${denied}: ${one(query.error_description) ?? 'no reason given'})`,
        {
          actions: ['Start again and allow OrgVault access on the Salesforce page.'],
        },
      );
    }
    const code = one(query.code);
    if (!code) throw invalidLink();
    const grant = await this.#exchange(login, code);
    if (login.orgId) await this.#assertSameOrg(login, grant);
    const clientSecret = this.deps.app.clientSecret;
    const credentials: OrgCredentials = {
      kind: 'refreshToken',
      loginUrl: login.loginUrl,
      clientId: this.#clientId(),
      refreshToken: grant.refreshToken!,
      ...(clientSecret ? { clientSecret } : {}),
    };
    const { orgId } = await this.deps.connect(login.tenantId, credentials);
    const org = await this.deps.orgs.get({ tenantId: login.tenantId, orgId: null }, orgId);
    return { org, reconnected: login.orgId !== null, requestedBy: login.requestedBy };
  }

  async #exchange(login: ConnectState, code: string): Promise<TokenGrant & { refreshToken: string }> {
    const grant = await exchangeAuthorizationCode({
      loginUrl: login.loginUrl,
      clientId: this.#clientId(),
      clientSecret: this.deps.app.clientSecret,
      redirectUri: this.deps.app.callbackUrl(),
      code,
      codeVerifier: await this.deps.box.open(login.sealedVerifier),
    });
    if (!grant.refreshToken) {
      throw new OrgVaultError('ORG_AUTH_FAILED', 'Salesforce issued no refresh token, so backups could not run unattended', {
        actions: ['Allow the scope "Perform requests at any time (refresh_token, offline_access)" in the connected app\'s OAuth policies.'],
      });
    }
    return grant as TokenGrant & { refreshToken: string };
  }

  /** A reconnect must bring back the org it was started for; another org's tokens are revoked at once. */
  async #assertSameOrg(login: ConnectState, grant: TokenGrant & { refreshToken: string }): Promise<void> {
    const expected = await this.deps.orgs.get({ tenantId: login.tenantId, orgId: null }, login.orgId!);
    const sfOrgId = /\/id\/([^/]+)\//.exec(grant.identityUrl ?? '')?.[1];
    if (sfOrgId?.slice(0, 15) === expected.sfOrgId.slice(0, 15)) return;
    await revokeToken(login.loginUrl, grant.refreshToken).catch(() => undefined);
    throw new OrgVaultError('CONFLICT', `The login was to another organization than ${expected.name} (${expected.sfOrgId})`, {
      actions: [`Reconnect again and log in as a user of ${expected.name}.`],
    });
  }
}
