import type { Pool } from '../infra/db.js';
import { OrgVaultError } from '../errors.js';

/** What the schedule reads of an org row (table orgs, owned by infra). */
export interface OrgFacts {
  id: string;
  tenantId: string;
  name: string;
  isSandbox: boolean;
  timeZone: string;
  connectedAt: Date;
  disconnected: boolean;
}

const COLUMNS = `id, tenant_id AS "tenantId", name, is_sandbox AS "isSandbox", time_zone AS "timeZone",
  connected_at AS "connectedAt", disconnected_at IS NOT NULL AS disconnected`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function loadOrg(pool: Pool, orgId: string): Promise<OrgFacts> {
  if (!UUID.test(orgId)) throw new OrgVaultError('NOT_FOUND', `No organization ${orgId}`);
  const { rows } = await pool.query<OrgFacts>(`SELECT ${COLUMNS} FROM orgs WHERE id = $1`, [orgId]);
  if (!rows[0]) throw new OrgVaultError('NOT_FOUND', `No organization ${orgId}`);
  return rows[0];
}

export async function connectedOrgs(pool: Pool): Promise<OrgFacts[]> {
  const { rows } = await pool.query<OrgFacts>(`SELECT ${COLUMNS} FROM orgs WHERE disconnected_at IS NULL`);
  return rows;
}
