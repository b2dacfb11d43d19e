import { OrgVaultError } from '../errors.js';
import type { Pool } from '../infra/db.js';
import { OrgRegistry } from '../orgs/registry.js';
import { openConnection, type ConnectionOptions, type OrgConnection } from './connection.js';
import { connectFailure } from './org-errors.js';
import { joinSecrets, splitSecrets, type CredentialKind, type OrgCredentials } from './credentials.js';
import { revokeToken } from './tokens.js';
import type { Logger } from '../infra/logger.js';
import { DELETE_CONNECTION, GET_CONNECTION, SAVE_CONNECTION, SET_AUTH_FAILED, SET_BUDGET_PERCENT, SET_CONNECTION_SECRETS } from './sql.js';

/** Seals and opens secrets (the store's key file, or Key Vault); we never see the key. */
export interface SecretBox {
  seal(plain: string): string | Promise<string>;
  open(sealed: string): string | Promise<string>;
}

export interface StoredConnection {
  orgId: string;
  credentials: OrgCredentials;
  apiVersion: string;
  budgetPercent: number;
  status: 'connected' | 'auth_failed';
  statusMessage: string | null;
  sfUserId: string | null;
  username: string | null;
}

interface Row {
  org_id: string;
  kind: CredentialKind;
  settings: Record<string, string>;
  sealed_secrets: string | null;
  api_version: string;
  budget_percent: number;
  status: 'connected' | 'auth_failed';
  status_message: string | null;
  sf_user_id: string | null;
  username: string | null;
}

/** The org_connections table: credentials per org, secrets sealed. */
export class ConnectionRepository {
  constructor(
    private readonly pool: Pool,
    private readonly box: SecretBox,
  ) {}

  async #seal(c: OrgCredentials): Promise<{ settings: Record<string, string>; sealed: string | null }> {
    const { secrets, plain } = splitSecrets(c);
    return { settings: plain, sealed: Object.keys(secrets).length > 0 ? await this.box.seal(JSON.stringify(secrets)) : null };
  }

  /** Stores (or replaces) how to reach the org; the status goes back to connected. */
  async save(
    orgId: string,
    credentials: OrgCredentials,
    meta: { apiVersion: string; budgetPercent?: number; sfUserId?: string; username?: string },
  ): Promise<void> {
    const { settings, sealed } = await this.#seal(credentials);
    await this.pool.query(SAVE_CONNECTION, [
      orgId,
      credentials.kind,
      settings,
      sealed,
      meta.apiVersion,
      meta.budgetPercent ?? null,
      meta.sfUserId ?? null,
      meta.username ?? null,
    ]);
  }

  async load(orgId: string): Promise<StoredConnection | undefined> {
    const { rows } = await this.pool.query<Row>(GET_CONNECTION, [orgId]);
    const row = rows[0];
    if (!row) return undefined;
    let secrets: Record<string, string> = {};
    if (row.sealed_secrets) {
      try {
        secrets = JSON.parse(await this.box.open(row.sealed_secrets)) as Record<string, string>;
      } catch (err) {
        throw OrgVaultError.is(err)
          ? err
          : new OrgVaultError('KEY_ERROR', `The credentials of org ${orgId} cannot be opened`, { cause: err });
      }
    }
    return {
      orgId: row.org_id,
      credentials: joinSecrets(row.kind, row.settings, secrets),
      apiVersion: row.api_version,
      budgetPercent: row.budget_percent,
      status: row.status,
      statusMessage: row.status_message,
      sfUserId: row.sf_user_id,
      username: row.username,
    };
  }

  /** Replaces the secrets, e.g. with a rotated refresh token. */
  async updateCredentials(orgId: string, credentials: OrgCredentials): Promise<void> {
    const { settings, sealed } = await this.#seal(credentials);
    await this.pool.query(SET_CONNECTION_SECRETS, [orgId, settings, sealed]);
  }

  async markAuthFailed(orgId: string, message: string): Promise<void> {
    await this.pool.query(SET_AUTH_FAILED, [orgId, message]);
  }

  /** Forgets how to reach the org (it was disconnected; its backups stay). */
  async remove(orgId: string): Promise<void> {
    await this.pool.query(DELETE_CONNECTION, [orgId]);
  }

  async setBudgetPercent(orgId: string, percent: number): Promise<void> {
    if (!Number.isInteger(percent) || percent < 1 || percent > 100) {
      throw new OrgVaultError('VALIDATION_FAILED', `API budget share must be a whole percentage from 1 to 100, got ${percent}`);
    }
    await this.pool.query(SET_BUDGET_PERCENT, [orgId, percent]);
  }
}

/**
 * Connects an org for a tenant: opens a connection, reads the org's identity, and records the org
 * (orgs row, created or refreshed) and its credentials. Connecting the same org again updates both.
 */
export async function connectOrg(
  pool: Pool,
  box: SecretBox,
  input: { tenantId: string; credentials: OrgCredentials; options?: ConnectionOptions },
): Promise<{ orgId: string; connection: OrgConnection }> {
  let credentials = input.credentials;
  const connection = await openConnection(credentials, {
    ...input.options,
    onGrant: async (grant) => {
      if (grant.refreshToken && credentials.kind === 'refreshToken') credentials = { ...credentials, refreshToken: grant.refreshToken };
      await input.options?.onGrant?.(grant);
    },
  }).catch((err: unknown) => {
    throw connectFailure(err);
  });
  const id = connection.identity;
  const { instanceUrl } = await connection.tokens.session();
  // The registry owns the orgs table (and what reconnecting a disconnected org means).
  const { id: orgId } = await new OrgRegistry(pool).register(input.tenantId, {
    sfOrgId: id.orgId,
    name: id.name,
    instanceUrl,
    isSandbox: id.isSandbox,
    timeZone: id.timeZone,
  });
  await new ConnectionRepository(pool, box).save(orgId, credentials, {
    apiVersion: connection.apiVersion,
    ...(input.options?.budgetPercent !== undefined ? { budgetPercent: input.options.budgetPercent } : {}),
    sfUserId: id.userId,
    username: id.username,
  });
  return { orgId, connection };
}

/**
 * Opens the stored connection of an org. A rotated refresh token is stored at once; a refusal of
 * the credentials (ORG_AUTH_FAILED) marks the connection auth_failed before it is rethrown.
 */
export async function openStoredConnection(
  repo: ConnectionRepository,
  orgId: string,
  options: ConnectionOptions = {},
): Promise<OrgConnection> {
  const stored = await repo.load(orgId);
  if (!stored)
    throw new OrgVaultError('NOT_FOUND', `Org ${orgId} has no stored connection`, {
      actions: ['Connect the org first (`npx orgvault org add`).'],
    });
  let credentials = stored.credentials;
  try {
    return await openConnection(credentials, {
      apiVersion: stored.apiVersion,
      budgetPercent: stored.budgetPercent,
      ...options,
      onGrant: async (grant) => {
        if (grant.refreshToken && credentials.kind === 'refreshToken' && grant.refreshToken !== credentials.refreshToken) {
          credentials = { ...credentials, refreshToken: grant.refreshToken };
          await repo.updateCredentials(orgId, credentials);
        }
        await options.onGrant?.(grant);
      },
      // A refusal later in the run (a renewal after the refresh token was revoked) counts too.
      onRefused: async (err) => {
        await repo.markAuthFailed(orgId, err.message);
        await options.onRefused?.(err);
      },
    });
  } catch (err) {
    if (OrgVaultError.is(err, 'ORG_AUTH_FAILED')) await repo.markAuthFailed(orgId, err.message);
    throw err;
  }
}

/**
 * Disconnecting: the refresh token is revoked at Salesforce (so the org's "Connected Apps OAuth
 * Usage" no longer lists us) and the stored credentials are dropped. An org Salesforce cannot be
 * reached for is still disconnected here; the failure is logged.
 */
export async function revokeStoredConnection(repo: ConnectionRepository, orgId: string, log: Logger): Promise<void> {
  const stored = await repo.load(orgId).catch((err: unknown) => {
    log.warn({ err, orgId }, 'the credentials of a disconnected org could not be opened; they are dropped unrevoked');
    return undefined;
  });
  if (stored?.credentials.kind === 'refreshToken') {
    await revokeToken(stored.credentials.loginUrl, stored.credentials.refreshToken).catch((err: unknown) =>
      log.warn({ err, orgId }, 'the refresh token of a disconnected org could not be revoked at Salesforce'),
    );
  }
  await repo.remove(orgId);
}
