import { randomUUID } from 'node:crypto';
import type { Pool } from '../../engine/src/infra/db.js';

export interface OrgFixture {
  tenantId: string;
  orgId: string;
}

/** A tenant with one connected org row, for suites that need an org to hang data on. */
export async function insertTenantAndOrg(
  pool: Pool,
  overrides: { timeZone?: string; isSandbox?: boolean; sfOrgId?: string } = {},
): Promise<OrgFixture> {
  const tenantId = randomUUID();
  const orgId = randomUUID();
  await pool.query('INSERT INTO tenants (id, name) VALUES ($1, $2)', [tenantId, `tenant ${tenantId.slice(0, 8)}`]);
  await pool.query(
    `INSERT INTO orgs (id, tenant_id, sf_org_id, name, instance_url, is_sandbox, time_zone)
     VALUES ($1, $2, $3, 'Test Org', 'https://test.my.salesforce.com', $4, $5)`,
    [
      orgId,
      tenantId,
      overrides.sfOrgId ?? `00D${randomUUID().replace(/-/g, '').slice(0, 15)}`,
      overrides.isSandbox ?? false,
      overrides.timeZone ?? 'UTC',
    ],
  );
  return { tenantId, orgId };
}
