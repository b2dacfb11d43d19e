import { randomUUID } from 'node:crypto';
import type { Queryable } from '../infra/db.js';
import { OrgVaultError } from '../errors.js';
import * as sql from './sql.js';

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
  /** Salesforce refused our refresh token: backups and the change stream wait for a reconnect. */
  reconnectNeeded: boolean;
  reconnectReason: string | null;
}

/** An org disconnected with its backups kept: listed apart from the tiles, so they can still be deleted. */
export interface DisconnectedOrg extends Org {
  disconnectedAt: Date;
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

/** Called once when an org starts needing a reconnect (its administrators are told). */
export type ReconnectListener = (org: Org) => Promise<void>;

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
  reconnect_needed_at: Date | null;
  reconnect_reason: string | null;
}

type OrgWithBackupsRow = OrgRow & { disconnected_at: Date | null };

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
  reconnectNeeded: r.reconnect_needed_at !== null,
  reconnectReason: r.reconnect_reason,
});

const toOrgWithBackups = (r: OrgWithBackupsRow): Org & { disconnectedAt: Date | null } => ({
  ...toOrg(r),
  disconnectedAt: r.disconnected_at,
});

/**
 * The registry of connected orgs: the tiles' rows. Every read and write is scoped by tenant (and
 * by org for an org key); an org outside the scope, disconnected, or with a malformed id is
 * NOT_FOUND, so callers never learn whether it exists elsewhere.
 */
export class OrgRegistry {
  private readonly listeners: DisconnectListener[] = [];
  private readonly reconnectListeners: ReconnectListener[] = [];

  constructor(private readonly db: Queryable) {}

  onDisconnect(listener: DisconnectListener): void {
    this.listeners.push(listener);
  }

  onReconnectNeeded(listener: ReconnectListener): void {
    this.reconnectListeners.push(listener);
  }

  /**
   * Salesforce refused the org's refresh token: the org waits for an administrator to reconnect
   * it (connecting it again clears the mark). Listeners hear of it once, however many jobs and
   * streams meet the refusal.
   */
  async markReconnectNeeded(orgId: string, reason: string): Promise<void> {
    const { rows } = await this.db.query<OrgRow>(sql.MARK_RECONNECT_NEEDED, [orgId, reason]);
    if (!rows[0]) return;
    for (const listener of this.reconnectListeners) await listener(toOrg(rows[0]));
  }

  async list(scope: OrgScope): Promise<Org[]> {
    const { rows } = await this.db.query<OrgRow>(sql.LIST_IN_SCOPE, [scope.tenantId, scope.orgId]);
    return rows.map(toOrg);
  }

  async get(scope: OrgScope, orgId: string): Promise<Org> {
    if (!isUuid(orgId) || (scope.orgId !== null && scope.orgId !== orgId.toLowerCase())) throw notFound();
    const { rows } = await this.db.query<OrgRow>(sql.GET_IN_TENANT, [scope.tenantId, orgId]);
    if (!rows[0]) throw notFound();
    return toOrg(rows[0]);
  }

  /**
   * An org whose backups are kept, connected or not (disconnectedAt says): what deleting backups
   * reaches. Scoped as `get`; an org whose backups are already deleted is NOT_FOUND.
   */
  async getWithBackups(scope: OrgScope, orgId: string): Promise<Org & { disconnectedAt: Date | null }> {
    if (!isUuid(orgId) || (scope.orgId !== null && scope.orgId !== orgId.toLowerCase())) throw notFound();
    const { rows } = await this.db.query<OrgWithBackupsRow>(sql.GET_WITH_BACKUPS, [scope.tenantId, orgId]);
    if (!rows[0]) throw notFound();
    return toOrgWithBackups(rows[0]);
  }

  /** Disconnected orgs whose backups are kept, latest disconnect first: a tenant's, or (no scope) every tenant's. */
  async listDisconnected(scope?: OrgScope): Promise<DisconnectedOrg[]> {
    const { rows } = await this.db.query<OrgWithBackupsRow>(sql.LIST_DISCONNECTED, [scope?.tenantId ?? null, scope?.orgId ?? null]);
    return rows.map((r) => ({ ...toOrg(r), disconnectedAt: r.disconnected_at! }));
  }

  /** Every connected org of every tenant, oldest connection first: the operator's view (CLI). */
  async listConnected(): Promise<Org[]> {
    return (await this.db.query<OrgRow>(sql.LIST_CONNECTED)).rows.map(toOrg);
  }

  /**
   * The connected org an operator means, in any tenant: by OrgVault id, Salesforce org id (15 or
   * 18 characters) or name; the only one when `ref` is omitted. NOT_FOUND when none matches,
   * VALIDATION_FAILED (with the candidates) when several do.
   */
  async resolve(ref: string | undefined): Promise<Org> {
    return pick(await this.listConnected(), ref, 'connected');
  }

  /** The connected org a reference means, else the disconnected one with kept backups it names (reading those backups). */
  async resolveWithBackups(ref: string | undefined): Promise<Org> {
    try {
      return await this.resolve(ref);
    } catch (err) {
      if (ref === undefined || !OrgVaultError.is(err, 'NOT_FOUND')) throw err;
      return this.resolveDisconnected(ref);
    }
  }

  /** The same among disconnected orgs whose backups are kept (deleting them later). */
  async resolveDisconnected(ref: string | undefined): Promise<DisconnectedOrg> {
    return pick(await this.listDisconnected(), ref, 'disconnected');
  }

  /** Adds an org to its tenant, or brings a disconnected one back with fresh identity. */
  async register(tenantId: string, identity: OrgIdentity): Promise<Org> {
    const { rows } = await this.db.query<OrgRow>(sql.REGISTER, [
      randomUUID(),
      tenantId,
      identity.sfOrgId,
      identity.name,
      identity.instanceUrl,
      identity.isSandbox,
      identity.timeZone,
    ]);
    return toOrg(rows[0]!);
  }

  async setHidden(scope: OrgScope, orgId: string, hidden: boolean): Promise<Org> {
    const org = await this.get(scope, orgId);
    const { rows } = await this.db.query<OrgRow>(sql.SET_HIDDEN, [org.tenantId, org.id, hidden]);
    return toOrg(rows[0]!);
  }

  /**
   * Marks the org disconnected (its backups stay, for restore and compare) and tells every
   * listener — its keys are revoked, its schedule and change streams stop, its tokens go.
   */
  async disconnect(scope: OrgScope, orgId: string): Promise<void> {
    const org = await this.get(scope, orgId);
    await this.db.query(sql.DISCONNECT, [org.tenantId, org.id]);
    for (const listener of this.listeners) await listener(org);
  }
}

const notFound = (): OrgVaultError => new OrgVaultError('NOT_FOUND', 'No such organization');

function pick<O extends Org>(orgs: O[], ref: string | undefined, among: 'connected' | 'disconnected'): O {
  const matches =
    ref === undefined ? orgs : orgs.filter((o) => o.id === ref || o.sfOrgId === ref || o.sfOrgId.slice(0, 15) === ref || o.name === ref);
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    if (among === 'disconnected') {
      const what = ref === undefined ? 'has its backups kept' : `with kept backups matches "${ref}"`;
      throw new OrgVaultError('NOT_FOUND', `No disconnected organization ${what}`, {
        actions: ['List them with `npx orgvault org list --disconnected`.'],
      });
    }
    throw new OrgVaultError(
      'NOT_FOUND',
      ref === undefined ? 'No organization is connected' : `No connected organization matches "${ref}"`,
      {
        actions: ['Connect one with `npx orgvault org add`, or list them with `npx orgvault org list`.'],
      },
    );
  }
  throw new OrgVaultError('VALIDATION_FAILED', `${matches.length} organizations match; say which with --org`, {
    details: { orgs: matches.map((m) => `${m.id} ${m.sfOrgId} ${m.name}`) },
    actions: ['Pass --org <id | Salesforce org id | name>.'],
  });
}
