import { randomUUID } from 'node:crypto';
import type { Queryable } from '../infra/db.js';
import { OrgVaultError } from '../errors.js';

/** A connected organization as the tenant sees it. */
export interface Org {
  id: string;
  tenantId: string;
  sfOrgId: string;
  name: string;
  instanceUrl: string;
  isSandbox: boolean;
  timeZone: string;
  hidden: boolean;
  connectedAt: Date;
}

/** What connecting learns about an org (from its identity and Organization record). */
export interface OrgIdentity {
  sfOrgId: string;
  name: string;
  instanceUrl: string;
  isSandbox: boolean;
  timeZone: string;
}

/** Which orgs a caller may reach: all of its tenant's, or one (an org key). */
export interface OrgScope {
  tenantId: string;
  orgId: string | null;
}

/** Called after an org is disconnected, so each domain drops what it keeps running for it. */
export type DisconnectListener = (org: Org) => Promise<void>;

interface OrgRow {
  id: string;
  tenant_id: string;
  sf_org_id: string;
  name: string;
  instance_url: string;
  is_sandbox: boolean;
  time_zone: string;
  hidden: boolean;
  connected_at: Date;
}

const COLUMNS = 'id, tenant_id, sf_org_id, name, instance_url, is_sandbox, time_zone, hidden, connected_at';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids this engine mints are uuids; anything else names nothing (and must not reach a uuid column). */
export const isUuid = (id: string): boolean => UUID.test(id);

const toOrg = (r: OrgRow): Org => ({
  id: r.id,
  tenantId: r.tenant_id,
  sfOrgId: r.sf_org_id,
  name: r.name,
  instanceUrl: r.instance_url,
  isSandbox: r.is_sandbox,
  timeZone: r.time_zone,
  hidden: r.hidden,
  connectedAt: r.connected_at,
});

/**
 * The registry of connected orgs: the tiles' rows. Every read and write is scoped by tenant (and
 * by org for an org key); an org outside the scope, disconnected, or with a malformed id is
 * NOT_FOUND, so callers never learn whether it exists elsewhere.
 */
export class OrgRegistry {
  private readonly listeners: DisconnectListener[] = [];

  constructor(private readonly db: Queryable) {}

  onDisconnect(listener: DisconnectListener): void {
    this.listeners.push(listener);
  }

  async list(scope: OrgScope): Promise<Org[]> {
    const { rows } = await this.db.query<OrgRow>(
      `SELECT ${COLUMNS} FROM orgs WHERE tenant_id = $1 AND disconnected_at IS NULL AND ($2::uuid IS NULL OR id = $2)
        ORDER BY name, id`,
      [scope.tenantId, scope.orgId],
    );
    return rows.map(toOrg);
  }

  async get(scope: OrgScope, orgId: string): Promise<Org> {
    if (!isUuid(orgId) || (scope.orgId !== null && scope.orgId !== orgId.toLowerCase())) throw notFound();
    const { rows } = await this.db.query<OrgRow>(
      `SELECT ${COLUMNS} FROM orgs WHERE tenant_id = $1 AND id = $2 AND disconnected_at IS NULL`,
      [scope.tenantId, orgId],
    );
    if (!rows[0]) throw notFound();
    return toOrg(rows[0]);
  }

  /** Adds an org to its tenant, or brings a disconnected one back with fresh identity. */
  async register(tenantId: string, identity: OrgIdentity): Promise<Org> {
    const { rows } = await this.db.query<OrgRow>(
      `INSERT INTO orgs (id, tenant_id, sf_org_id, name, instance_url, is_sandbox, time_zone)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tenant_id, sf_org_id) DO UPDATE SET
         name = EXCLUDED.name, instance_url = EXCLUDED.instance_url, is_sandbox = EXCLUDED.is_sandbox,
         time_zone = EXCLUDED.time_zone, disconnected_at = NULL,
         connected_at = CASE WHEN orgs.disconnected_at IS NULL THEN orgs.connected_at ELSE now() END
       RETURNING ${COLUMNS}`,
      [randomUUID(), tenantId, identity.sfOrgId, identity.name, identity.instanceUrl, identity.isSandbox, identity.timeZone],
    );
    return toOrg(rows[0]!);
  }

  async setHidden(scope: OrgScope, orgId: string, hidden: boolean): Promise<Org> {
    const org = await this.get(scope, orgId);
    const { rows } = await this.db.query<OrgRow>(`UPDATE orgs SET hidden = $3 WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`, [
      org.tenantId,
      org.id,
      hidden,
    ]);
    return toOrg(rows[0]!);
  }

  /**
   * Marks the org disconnected (its backups stay, for restore and compare) and tells every
   * listener — its keys are revoked, its schedule and change streams stop, its tokens go.
   */
  async disconnect(scope: OrgScope, orgId: string): Promise<void> {
    const org = await this.get(scope, orgId);
    await this.db.query('UPDATE orgs SET disconnected_at = now() WHERE tenant_id = $1 AND id = $2', [org.tenantId, org.id]);
    for (const listener of this.listeners) await listener(org);
  }
}

const notFound = (): OrgVaultError => new OrgVaultError('NOT_FOUND', 'No such organization');
