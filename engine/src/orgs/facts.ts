import type { Pool, Queryable } from '../infra/db.js';
import { OrgVaultError } from '../errors.js';
import { isUuid } from './registry.js';
import { CONNECTED_IN_TENANT, FACTS_OF, FACTS_OF_CONNECTED, LOCK_CONNECTED } from './sql.js';

/** What the schedule reads of an org, connected or not (the registry answers for connected ones only). */
export interface OrgFacts {
  id: string;
  tenantId: string;
  name: string;
  isSandbox: boolean;
  timeZone: string;
  connectedAt: Date;
  disconnected: boolean;
  /** Salesforce refused the refresh token; nothing runs until an administrator reconnects. */
  reconnectNeeded: boolean;
  reconnectReason: string | null;
}

export async function loadOrg(pool: Pool, orgId: string): Promise<OrgFacts> {
  if (!isUuid(orgId)) throw new OrgVaultError('NOT_FOUND', `No organization ${orgId}`);
  const { rows } = await pool.query<OrgFacts>(FACTS_OF, [orgId]);
  if (!rows[0]) throw new OrgVaultError('NOT_FOUND', `No organization ${orgId}`);
  return rows[0];
}

export async function connectedOrgs(pool: Pool): Promise<OrgFacts[]> {
  const { rows } = await pool.query<OrgFacts>(FACTS_OF_CONNECTED);
  return rows;
}

/** Whether the tenant's org is connected. */
export async function isConnectedIn(db: Queryable, tenantId: string, orgId: string): Promise<boolean> {
  return ((await db.query(CONNECTED_IN_TENANT, [tenantId, orgId])).rowCount ?? 0) > 0;
}

/** Locks the org's row until the caller's transaction ends; false when the org is not connected. */
export async function lockConnected(client: Queryable, orgId: string): Promise<boolean> {
  return ((await client.query(LOCK_CONNECTED, [orgId])).rowCount ?? 0) > 0;
}
