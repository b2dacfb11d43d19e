import type { Pool } from '../infra/db.js';
import { OrgVaultError } from '../errors.js';
import { isUuid } from './registry.js';
import { FACTS_OF, FACTS_OF_CONNECTED } from './sql.js';

/** What the schedule reads of an org, connected or not (the registry answers for connected ones only). */
export interface OrgFacts {
  id: string;
  tenantId: string;
  name: string;
  isSandbox: boolean;
  timeZone: string;
  connectedAt: Date;
  disconnected: boolean;
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
