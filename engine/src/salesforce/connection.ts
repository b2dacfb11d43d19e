import { Connection as JsforceConnection } from 'jsforce';
import type { OrgVaultError } from '../errors.js';
import { ApiBudget, DEFAULT_BUDGET_PERCENT } from './api-budget.js';
import { checkCredentials, type OrgCredentials } from './credentials.js';
import { OrgHttp } from './http.js';
import { SALESFORCE_ONLY, type OrgOrigins } from './origins.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
import { sfCliTokenSource } from './sf-cli-auth.js';
import { jwtBearerGrant, refreshTokenGrant, TokenSource, type OrgSession, type TokenGrant } from './tokens.js';

export const DEFAULT_API_VERSION = '62.0';

export interface ConnectionOptions {
  apiVersion?: string;
  /** Share of the org's daily API requests we may use, 1–100 (default 50). */
  budgetPercent?: number;
  /** A meter shared with other connections to the same org (budgetPercent is then ignored). */
  budget?: ApiBudget;
  retry?: Partial<RetryPolicy>;
  /** Told of every new grant, e.g. to store a rotated refresh token. */
  onGrant?: (grant: TokenGrant) => void | Promise<void>;
  /** Told when the org refuses the credentials, whenever a renewal fails that way. */
  onRefused?: (err: OrgVaultError) => void | Promise<void>;
  /** Where the org may be: Salesforce's domains unless more are allowed (ORGVAULT_SALESFORCE_ORIGINS). */
  origins?: OrgOrigins;
}

/** Who we are in the org, from `/services/oauth2/userinfo` and Organization. */
export interface OrgIdentity {
  orgId: string;
  userId: string;
  username: string;
  name: string;
  isSandbox: boolean;
  timeZone: string;
  instanceName: string | null;
  organizationType: string | null;
}

/**
 * A live connection to one org: the token, the budget meter and the HTTP layer every reader and
 * writer in this folder uses. One per org per process (the budget is counted here).
 */
export class OrgConnection {
  #jsforce: JsforceConnection | undefined;

  constructor(
    readonly http: OrgHttp,
    readonly identity: OrgIdentity,
  ) {}

  get budget(): ApiBudget {
    return this.http.budget;
  }

  get tokens(): TokenSource {
    return this.http.tokens;
  }

  get apiVersion(): string {
    return this.http.options.apiVersion;
  }

  /**
   * A jsforce Connection on the same session, for clients built on jsforce (CometD streaming).
   * Its renewals go through our token source, so both sides share one token. Calls made through
   * it are not counted by the budget meter.
   */
  async jsforce(): Promise<JsforceConnection> {
    const session = await this.tokens.session();
    this.#jsforce ??= new JsforceConnection({
      instanceUrl: session.instanceUrl,
      accessToken: session.accessToken,
      version: this.apiVersion,
      refreshFn: (conn, callback) => {
        this.tokens.refresh(conn.accessToken ?? undefined).then(
          (s) => {
            conn.instanceUrl = s.instanceUrl;
            callback(null, s.accessToken);
          },
          (err: Error) => callback(err),
        );
      },
    });
    return this.#jsforce;
  }
}

/** A token source for any kind of credentials; every session it holds has an allowed instance URL. */
export async function tokenSourceFor(
  c: OrgCredentials,
  hooks: Pick<ConnectionOptions, 'onGrant' | 'onRefused' | 'origins'> = {},
): Promise<TokenSource> {
  const origins = hooks.origins ?? SALESFORCE_ONLY;
  const listeners = {
    ...(hooks.onGrant ? { onGrant: hooks.onGrant } : {}),
    ...(hooks.onRefused ? { onRefused: hooks.onRefused } : {}),
    checkSession: (s: OrgSession) => ({ ...s, instanceUrl: origins.check(s.instanceUrl, 'instance URL') }),
  };
  switch (c.kind) {
    case 'accessToken':
      return new TokenSource({ session: { accessToken: c.accessToken, instanceUrl: c.instanceUrl.replace(/\/+$/, '') }, ...listeners });
    case 'refreshToken':
      return new TokenSource({ grant: refreshTokenGrant(c), ...listeners });
    case 'jwt':
      return new TokenSource({ grant: jwtBearerGrant(c), ...listeners });
    case 'sfCli':
      return sfCliTokenSource(c.usernameOrAlias, listeners);
  }
}

interface UserInfo {
  user_id: string;
  organization_id: string;
  preferred_username: string;
}

interface OrganizationRow {
  Id: string;
  Name: string;
  IsSandbox: boolean;
  TimeZoneSidKey: string;
  InstanceName?: string | null;
  OrganizationType?: string | null;
}

/** Reads who we are: userinfo for the user, Organization for the org's name, kind and time zone. */
export async function readIdentity(http: OrgHttp): Promise<OrgIdentity> {
  const user = await http.json<UserInfo>({ path: '/services/oauth2/userinfo', what: 'userinfo' });
  const org = await http.json<{ records: OrganizationRow[] }>({
    path: 'query',
    query: { q: 'SELECT Id, Name, IsSandbox, TimeZoneSidKey, InstanceName, OrganizationType FROM Organization' },
    what: 'read Organization',
  });
  const row = org.records[0];
  return {
    orgId: row?.Id ?? user.organization_id,
    userId: user.user_id,
    username: user.preferred_username,
    name: row?.Name ?? '',
    isSandbox: row?.IsSandbox === true,
    timeZone: row?.TimeZoneSidKey ?? 'UTC',
    instanceName: row?.InstanceName ?? null,
    organizationType: row?.OrganizationType ?? null,
  };
}

/**
 * Opens a connection: checks the credentials (nothing is sent to an address outside the allowed
 * origins), gets a session (renewing as the credentials allow) and reads the identity.
 */
export async function openConnection(credentials: OrgCredentials, options: ConnectionOptions = {}): Promise<OrgConnection> {
  const tokens = await tokenSourceFor(checkCredentials(credentials, options.origins ?? SALESFORCE_ONLY), options);
  const http = new OrgHttp(tokens, options.budget ?? new ApiBudget(options.budgetPercent ?? DEFAULT_BUDGET_PERCENT), {
    apiVersion: options.apiVersion ?? DEFAULT_API_VERSION,
    retry: { ...DEFAULT_RETRY, ...options.retry },
    ...(options.origins ? { origins: options.origins } : {}),
  });
  return new OrgConnection(http, await readIdentity(http));
}
